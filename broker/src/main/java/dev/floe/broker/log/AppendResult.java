package dev.floe.broker.log;

import org.apache.kafka.common.protocol.Errors;

/** Outcome of appending one partition's batches: offsets on success, or a Kafka error with its reason. */
public record AppendResult(Errors error, String message, long baseOffset, long lastOffset, long logAppendTime,
                           long logStartOffset, int records, int bytes) {

    public static AppendResult failed(Errors error, String message) {
        return new AppendResult(error, message, -1, -1, -1, -1, 0, 0);
    }

    public boolean ok() {
        return error == Errors.NONE;
    }
}
