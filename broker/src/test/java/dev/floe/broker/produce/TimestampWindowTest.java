package dev.floe.broker.produce;

import dev.floe.broker.log.AppendResult;
import dev.floe.broker.log.RecordRules;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/** message.timestamp.before.max.ms / after.max.ms, checked record by record as Kafka does. */
class TimestampWindowTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final RecordRules HOUR_EACH_WAY = new RecordRules(null, 3_600_000, 3_600_000);

    private static MemoryRecords batch(Compression codec, long... timestamps) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.MAGIC_VALUE_V2, codec,
                TimestampType.CREATE_TIME, 0L);
        for (long ts : timestamps) {
            builder.append(ts, null, "v".getBytes());
        }
        return builder.build();
    }

    @Test
    void recordsInsideTheWindowPass() {
        assertThat(TimestampWindow.problem(batch(Compression.NONE, NOW - 3_600_000, NOW, NOW + 3_600_000),
                HOUR_EACH_WAY, false, NOW)).isNull();
    }

    @Test
    void aRecordTooFarInTheFutureIsRefusedWithInvalidTimestamp() {
        AppendResult result = TimestampWindow.problem(batch(Compression.NONE, NOW, NOW + 3_600_001), HOUR_EACH_WAY,
                false, NOW);
        assertThat(result.error()).isEqualTo(Errors.INVALID_TIMESTAMP);
        assertThat(result.message()).isEqualTo("Timestamp " + (NOW + 3_600_001) + " of message with offset 1 is out"
                + " of range. The timestamp should be within [" + (NOW - 3_600_000) + ", " + (NOW + 3_600_000) + "]");
    }

    @Test
    void anOldRecordHiddenBehindANewerFirstRecordInACompressedBatchIsFound() {
        // The batch header says first and max timestamps are fine; only the middle record is too old.
        AppendResult result = TimestampWindow.problem(batch(Compression.lz4().build(), NOW, NOW - 3_600_001, NOW + 10),
                HOUR_EACH_WAY, false, NOW);
        assertThat(result).isNotNull();
        assertThat(result.error()).isEqualTo(Errors.INVALID_TIMESTAMP);
        assertThat(result.message()).startsWith("Timestamp " + (NOW - 3_600_001) + " of message with offset 1");
    }

    @Test
    void logAppendTimeTopicsAndUnboundedWindowsAcceptAnything() {
        MemoryRecords ancient = batch(Compression.NONE, 0L, NOW + 365L * 24 * 3_600_000);
        assertThat(TimestampWindow.problem(ancient, HOUR_EACH_WAY, true, NOW)).isNull();
        assertThat(TimestampWindow.problem(ancient, RecordRules.AS_SENT, false, NOW)).isNull();
    }

    @Test
    void kafkaDefaultsRefuseOnlyTheFarFuture() {
        // Kafka 4.x: before.max.ms unbounded, after.max.ms one hour.
        RecordRules defaults = new RecordRules(null, Long.MAX_VALUE, 3_600_000);
        assertThat(TimestampWindow.problem(batch(Compression.NONE, 0L, 1L), defaults, false, NOW)).isNull();
        assertThat(TimestampWindow.problem(batch(Compression.NONE, NOW + 7_200_000), defaults, false, NOW)).isNotNull();
    }
}
