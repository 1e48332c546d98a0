package dev.floe.broker.log;

import org.apache.kafka.common.protocol.Errors;

/** Bytes read from a partition, with the offsets a fetch response reports beside them. */
public record ReadResult(Errors error, LogSlice slice, long highWatermark, long logStartOffset) {

    static ReadResult empty(long highWatermark, long logStartOffset) {
        return new ReadResult(Errors.NONE, LogSlice.EMPTY, highWatermark, logStartOffset);
    }

    static ReadResult outOfRange(long highWatermark, long logStartOffset) {
        return new ReadResult(Errors.OFFSET_OUT_OF_RANGE, LogSlice.EMPTY, highWatermark, logStartOffset);
    }
}
