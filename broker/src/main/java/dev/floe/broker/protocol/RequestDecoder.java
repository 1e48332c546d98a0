package dev.floe.broker.protocol;

import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;

import java.nio.ByteBuffer;

/** Turns one frame (without its size prefix) into a header and a request message. */
public final class RequestDecoder {
    private static final int MIN_HEADER = 8;
    private final SupportedApis apis;

    public RequestDecoder(SupportedApis apis) {
        this.apis = apis;
    }

    public DecodedRequest decode(ByteBuffer frame) {
        if (frame.remaining() < MIN_HEADER) {
            throw new MalformedRequestException("frame of " + frame.remaining() + " bytes is too short for a request header");
        }
        short key = frame.getShort(frame.position());
        short version = frame.getShort(frame.position() + 2);
        int correlationId = frame.getInt(frame.position() + 4);
        if (!ApiKeys.hasId(key)) {
            throw new MalformedRequestException("unknown API key " + key);
        }
        ApiKeys api = ApiKeys.forId(key);
        if (!apis.supports(api)) {
            throw new MalformedRequestException("API " + api + " (key " + key + ") is not supported by Floe");
        }
        if (!apis.supports(api, version)) {
            if (api == ApiKeys.API_VERSIONS) {
                throw new UnsupportedApiVersionException(correlationId, "ApiVersions v" + version + " is newer than this broker's");
            }
            throw new MalformedRequestException(api + " v" + version + " is not supported; supported versions are "
                    + apis.minVersion(api) + " to " + apis.maxVersion(api));
        }
        try {
            ByteBufferAccessor accessor = new ByteBufferAccessor(frame);
            RequestHeaderData header = new RequestHeaderData(accessor, api.requestHeaderVersion(version));
            ByteBuffer body = frame.slice();
            ApiMessage message = api.messageType.newRequest();
            message.read(accessor, version);
            return new DecodedRequest(api, version, header, message, body);
        } catch (RuntimeException e) {
            throw new MalformedRequestException("cannot decode " + api + " v" + version + ": " + e, e);
        }
    }
}
