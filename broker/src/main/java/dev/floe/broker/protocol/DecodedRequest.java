package dev.floe.broker.protocol;

import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

import java.nio.ByteBuffer;

/** A request frame decoded with kafka-clients' message classes; {@code body} keeps the raw bytes for errors. */
public record DecodedRequest(ApiKeys api, short version, RequestHeaderData header, ApiMessage message,
                             ByteBuffer body) {
}
