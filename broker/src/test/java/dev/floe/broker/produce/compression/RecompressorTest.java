package dev.floe.broker.produce.compression;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Batches built by kafka-clients as a producer builds them, rewritten into each codec and read back. */
class RecompressorTest {
    private static final long PRODUCER_ID = 4242;
    private static final short EPOCH = 7;
    private static final int BASE_SEQUENCE = 100;
    private static final long T0 = 1_700_000_000_000L;

    /** A producer's batch: base offset 0, idempotent, records with timestamps, keys, null values and headers. */
    static MemoryRecords producerBatch(Compression codec, int count) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(64), RecordBatch.MAGIC_VALUE_V2, codec,
                TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, PRODUCER_ID, EPOCH, BASE_SEQUENCE, false,
                false, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (int i = 0; i < count; i++) {
            Header[] headers = {new RecordHeader("h" + i, ("hv" + i).getBytes(StandardCharsets.UTF_8))};
            // Timestamps go down as well as up: a batch's first record need not be its earliest.
            builder.append(T0 + (i % 3 == 0 ? -i : i), ("key-" + i).getBytes(StandardCharsets.UTF_8),
                    i == 5 ? null : ("value-" + i + "-" + "x".repeat(50)).getBytes(StandardCharsets.UTF_8), headers);
        }
        return builder.build();
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void rewritesEveryOtherCodecIntoTheTargetKeepingEverythingElse(CompressionType targetType) {
        Compression target = Compression.of(targetType).build();
        for (CompressionType sourceType : CompressionType.values()) {
            MemoryRecords input = producerBatch(Compression.of(sourceType).build(), 20);
            List<String> expected = describe(input);

            Recompressor.Outcome outcome = Recompressor.toCodec(input, target);

            MutableRecordBatch batch = outcome.records().batches().iterator().next();
            assertThat(batch.compressionType()).as(sourceType + " -> " + targetType).isEqualTo(targetType);
            assertThat(outcome.rewritten()).isEqualTo(sourceType != targetType);
            batch.ensureValid();
            assertThat(batch.producerId()).isEqualTo(PRODUCER_ID);
            assertThat(batch.producerEpoch()).isEqualTo(EPOCH);
            assertThat(batch.baseSequence()).isEqualTo(BASE_SEQUENCE);
            assertThat(batch.lastSequence()).isEqualTo(BASE_SEQUENCE + 19);
            assertThat(batch.baseOffset()).isZero();
            assertThat(batch.lastOffset()).isEqualTo(19);
            assertThat(batch.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
            assertThat(batch.maxTimestamp()).isEqualTo(T0 + 19);
            assertThat(describe(outcome.records())).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void aBatchAlreadyInTheTargetCodecIsKeptByteForByteWhateverItsLevel() {
        // Compressed at a level other than the topic's: Kafka stores it as it came, and so does Floe.
        MemoryRecords input = producerBatch(Compression.gzip().level(1).build(), 30);
        Recompressor.Outcome outcome = Recompressor.toCodec(input, Compression.gzip().level(9).build());
        assertThat(outcome.rewritten()).isFalse();
        assertThat(outcome.records().buffer()).isEqualTo(input.buffer());
    }

    @Test
    void mixedBatchesOnlyTheOnesInAnotherCodecAreRewrittenAndOrderIsKept() {
        MemoryRecords zstd = producerBatch(Compression.zstd().build(), 3);
        MemoryRecords plain = producerBatch(Compression.NONE, 4);
        ByteBuffer both = ByteBuffer.allocate(zstd.sizeInBytes() + plain.sizeInBytes());
        both.put(zstd.buffer().duplicate()).put(plain.buffer().duplicate()).flip();
        MemoryRecords input = MemoryRecords.readableRecords(both);
        List<String> expected = describe(input);

        Recompressor.Outcome outcome = Recompressor.toCodec(input, Compression.zstd().build());

        assertThat(outcome.batchesRewritten()).isEqualTo(1);
        assertThat(outcome.bytesBefore()).isEqualTo(plain.sizeInBytes());
        List<CompressionType> codecs = new ArrayList<>();
        outcome.records().batches().forEach(b -> codecs.add(b.compressionType()));
        assertThat(codecs).containsExactly(CompressionType.ZSTD, CompressionType.ZSTD);
        assertThat(describe(outcome.records())).containsExactlyElementsOf(expected);
        // The first batch went through untouched.
        ByteBuffer first = outcome.records().buffer().duplicate().limit(zstd.sizeInBytes());
        assertThat(first).isEqualTo(zstd.buffer().duplicate());
    }

    @Test
    void levelsAreApplied() {
        MemoryRecords input = producerBatch(Compression.NONE, 200);
        int fast = Recompressor.toCodec(input, Compression.zstd().level(-5).build()).records().sizeInBytes();
        int small = Recompressor.toCodec(input, Compression.zstd().level(19).build()).records().sizeInBytes();
        assertThat(small).isLessThan(fast);
    }

    /** Every record as offset, timestamp, key, value and headers, for comparison across codecs. */
    static List<String> describe(MemoryRecords records) {
        List<String> out = new ArrayList<>();
        for (RecordBatch batch : records.batches()) {
            for (Record r : batch) {
                StringBuilder headers = new StringBuilder();
                for (Header h : r.headers()) {
                    headers.append(h.key()).append('=').append(new String(h.value(), StandardCharsets.UTF_8)).append(';');
                }
                out.add(r.offset() + "|" + r.timestamp() + "|" + text(r.key()) + "|" + text(r.value()) + "|" + headers);
            }
        }
        return out;
    }

    private static String text(ByteBuffer b) {
        return b == null ? "null" : new String(Utils.toArray(b), StandardCharsets.UTF_8);
    }
}
