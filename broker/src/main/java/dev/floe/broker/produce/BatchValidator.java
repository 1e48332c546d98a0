package dev.floe.broker.produce;

import dev.floe.broker.log.AppendResult;
import dev.floe.broker.log.BatchHeader;
import org.apache.kafka.common.protocol.Errors;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Checks a producer's batches before they touch the log: whole v2 batches, consistent lengths and counts, a
 * matching CRC, no batch over max.message.bytes, no control batch (markers come from the coordinator).
 */
final class BatchValidator {
    private static final int CRC_FROM = 21;

    private BatchValidator() {
    }

    /** Null when every batch is acceptable, else the failure to answer with. */
    static AppendResult problem(ByteBuffer buffer, int maxMessageBytes) {
        if (!buffer.hasRemaining()) {
            return AppendResult.failed(Errors.INVALID_RECORD, "produce request carries no record batch");
        }
        int at = buffer.position();
        int end = buffer.limit();
        while (at < end) {
            if (end - at < BatchHeader.SIZE) {
                return AppendResult.failed(Errors.CORRUPT_MESSAGE, "truncated record batch: " + (end - at)
                        + " bytes left, a batch header needs " + BatchHeader.SIZE);
            }
            BatchHeader batch = BatchHeader.read(buffer, at);
            if (batch.magic() != BatchHeader.MAGIC_V2) {
                return AppendResult.failed(Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT, "record batch magic "
                        + batch.magic() + " is not supported; Floe stores message format v2 (Kafka 0.11+ clients)");
            }
            if (batch.batchLength() < BatchHeader.SIZE - BatchHeader.LOG_OVERHEAD || at + batch.sizeInBytes() > end) {
                return AppendResult.failed(Errors.CORRUPT_MESSAGE, "record batch length " + batch.batchLength()
                        + " does not match the " + (end - at) + " bytes sent");
            }
            if (batch.sizeInBytes() > maxMessageBytes) {
                return AppendResult.failed(Errors.MESSAGE_TOO_LARGE, "record batch of " + batch.sizeInBytes()
                        + " bytes exceeds the topic's max.message.bytes of " + maxMessageBytes);
            }
            if (batch.recordCount() <= 0 || batch.lastOffsetDelta() != batch.recordCount() - 1) {
                return AppendResult.failed(Errors.INVALID_RECORD, "record batch says " + batch.recordCount()
                        + " records but its last offset delta is " + batch.lastOffsetDelta());
            }
            if (batch.isControl()) {
                // Markers are written by the transaction coordinator (or WriteTxnMarkers), never by producers.
                return AppendResult.failed(Errors.INVALID_RECORD,
                        "control batches may not be produced by clients; transaction markers come from the coordinator");
            }
            if (batch.isTransactional() && !batch.hasProducerId()) {
                return AppendResult.failed(Errors.INVALID_RECORD,
                        "a transactional record batch must carry a producer id");
            }
            CRC32C crc = new CRC32C();
            ByteBuffer view = buffer.duplicate();
            view.limit(at + batch.sizeInBytes()).position(at + CRC_FROM);
            crc.update(view);
            if ((int) crc.getValue() != batch.crc()) {
                return AppendResult.failed(Errors.CORRUPT_MESSAGE, "record batch at offset delta "
                        + (at - buffer.position()) + " fails its CRC check; it was corrupted on the way");
            }
            at += batch.sizeInBytes();
        }
        return null;
    }
}
