package dev.floe.broker.topic;

import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;

/** A topic change the control plane refused or did not finish in time, with the Kafka error that says so. */
public class TopicChangeException extends IOException {
    private final transient Errors error;

    public TopicChangeException(Errors error, String message) {
        super(message);
        this.error = error;
    }

    public Errors error() {
        return error;
    }
}
