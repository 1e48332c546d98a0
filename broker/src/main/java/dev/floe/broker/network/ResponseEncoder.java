package dev.floe.broker.network;

import io.netty.buffer.ByteBufAllocator;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

import java.util.List;

/** Serializes a response (size prefix, header, body) into the messages a connection writes. */
final class ResponseEncoder {
    private ResponseEncoder() {
    }

    static List<Object> encode(ByteBufAllocator allocator, ApiKeys api, short version, int correlationId,
                               ApiMessage body) {
        // ApiVersions responses always use header v0, so that a client of any version can read the error.
        short headerVersion = api == ApiKeys.API_VERSIONS ? 0 : api.responseHeaderVersion(version);
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        MessageSizeAccumulator size = new MessageSizeAccumulator();
        header.addSize(size, cache, headerVersion);
        body.addSize(size, cache, version);
        ResponseWriter writer = new ResponseWriter(allocator, 4 + size.sizeExcludingZeroCopy());
        try {
            writer.writeInt(size.totalSize());
            header.write(writer, cache, headerVersion);
            body.write(writer, cache, version);
        } catch (RuntimeException e) {
            writer.release(); // the caller gets no parts to own, so nothing else would free them
            throw e;
        }
        return writer.finish();
    }
}
