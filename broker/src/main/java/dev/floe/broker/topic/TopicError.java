package dev.floe.broker.topic;

import org.apache.kafka.common.protocol.Errors;

/** Why a topic operation was refused: the Kafka error code and a message a person can act on. */
public record TopicError(Errors error, String message) {
    public static final TopicError NONE = new TopicError(Errors.NONE, null);

    public boolean ok() {
        return error == Errors.NONE;
    }
}
