package dev.floe.tier;

import dev.floe.tier.layout.RemoteLayout;
import dev.floe.tier.remote.RemoteLogStore;
import dev.floe.tier.remote.RemotePartition;
import dev.floe.tier.remote.SegmentManifest;
import dev.floe.tier.store.LocalDirectoryObjectStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

import static org.assertj.core.api.Assertions.assertThat;

/** Compaction rewrites of remote segments: generation keys, commit order, garbage, and reads afterwards. */
class RemoteCompactionRewriteTest {
    private static final String TOPIC_ID = "BBBBBBBBBBBBBBBBBBBBBB";

    @TempDir
    Path tmp;
    private LocalDirectoryObjectStore store;
    private RemotePartition partition;

    @BeforeEach
    void setUp() {
        store = new LocalDirectoryObjectStore(tmp.resolve("bucket"));
        partition = new RemoteLogStore(store, "c1", 1 << 20, new SimpleMeterRegistry()).partition("t", TOPIC_ID, 0);
    }

    /** The segment's records without those {@code drop} names, filtered as the broker's cleaner does. */
    private ByteBuffer without(SegmentManifest m, LongPredicate drop) {
        ByteBuffer in = partition.download(m);
        ByteBuffer out = ByteBuffer.allocate(in.remaining());
        MemoryRecords.readableRecords(in).filterTo(new MemoryRecords.RecordFilter(0, 0) {
            @Override
            protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
                return new BatchRetentionResult(BatchRetention.DELETE_EMPTY, false);
            }

            @Override
            protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
                return !drop.test(record.offset());
            }
        }, out, BufferSupplier.NO_CACHING);
        ByteBuffer kept = out.flip();
        return kept;
    }

    /** Every offset read from {@code from} on, one read at a time, checking each value. */
    private List<Long> readAll(RemotePartition p, long from) {
        List<Long> out = new ArrayList<>();
        long next = from;
        while (true) {
            ByteBuffer bytes = p.read(next, 700);
            if (!bytes.hasRemaining()) {
                return out;
            }
            for (RecordBatch b : MemoryRecords.readableRecords(bytes).batches()) {
                for (Record r : b) {
                    if (r.offset() >= next) {
                        out.add(r.offset());
                        assertThat(StandardCharsets.UTF_8.decode(r.value()).toString())
                                .isEqualTo(TestSegments.value(r.offset()));
                    }
                }
                next = b.lastOffset() + 1;
            }
        }
    }

    private List<String> names() {
        return store.list(partition.prefix()).stream().map(o -> o.key().substring(o.key().lastIndexOf('/') + 1)).toList();
    }

    @Test
    void aRewriteCommitsANewGenerationThenDeletesTheOldAndReadsSeeOnlyKeptRecords() throws Exception {
        partition.upload(TestSegments.write(tmp.resolve("a"), 0, 10, 10, Compression.NONE));
        partition.upload(TestSegments.write(tmp.resolve("b"), 100, 10, 10, Compression.NONE));
        assertThat(readAll(partition, 0)).hasSize(200);

        SegmentManifest first = partition.segments().get(0);
        SegmentManifest rewritten = partition.rewrite(first, without(first, o -> o % 3 != 0 || o >= 90));

        assertThat(rewritten.logKey()).endsWith("00000000000000000000.c1.log");
        assertThat(rewritten.lastOffset()).as("offsets kept: the segment still ends where it did").isEqualTo(99);
        assertThat(rewritten.sizeBytes()).isLessThan(first.sizeBytes());
        assertThat(names()).contains("00000000000000000000.c1.log", "00000000000000000000.c1.index",
                "00000000000000000000.c1.timeindex", "00000000000000000000.manifest.json")
                .doesNotContain("00000000000000000000.log", "00000000000000000000.index",
                        "00000000000000000000.timeindex");
        List<Long> expected = new ArrayList<>();
        for (long o = 0; o < 90; o += 3) {
            expected.add(o);
        }
        for (long o = 100; o < 200; o++) {
            expected.add(o);
        }
        assertThat(readAll(partition, 0)).as("cached chunks of the old generation are never served").isEqualTo(expected);
        assertThat(readAll(partition, 91)).as("a read in the removed tail goes on with the next segment")
                .first().isEqualTo(100L);
        assertThat(partition.offsetForTimestamp(TestSegments.timestamp(4))[0]).isEqualTo(6);

        SegmentManifest again = partition.rewrite(rewritten, without(rewritten, o -> o < 30));
        assertThat(again.logKey()).endsWith(".c2.log");
        assertThat(names()).noneMatch(n -> n.contains(".c1."));
        assertThat(readAll(partition, 0)).first().isEqualTo(30L);
    }

    @Test
    void anotherBrokersStaleListingFallsBackToAFreshOneWhenTheOldGenerationIsGone() throws Exception {
        partition.upload(TestSegments.write(tmp.resolve("a"), 0, 10, 10, Compression.NONE));
        RemotePartition other = new RemoteLogStore(store, "c1", 1 << 20, new SimpleMeterRegistry())
                .partition("t", TOPIC_ID, 0);
        assertThat(other.segments()).hasSize(1);

        SegmentManifest first = partition.segments().get(0);
        partition.rewrite(first, without(first, o -> o % 2 == 1));

        // Its listing (younger than the listing TTL) still names the deleted generation 0.
        assertThat(readAll(other, 0)).hasSize(50).allMatch(o -> o % 2 == 0);
    }

    @Test
    void anotherBrokerSeesTheRewriteOnItsNextListing() throws Exception {
        partition.upload(TestSegments.write(tmp.resolve("a"), 0, 10, 10, Compression.NONE));
        RemotePartition other = new RemoteLogStore(store, "c1", 1 << 20, new SimpleMeterRegistry())
                .partition("t", TOPIC_ID, 0);
        assertThat(readAll(other, 0)).hasSize(100);

        SegmentManifest first = partition.segments().get(0);
        partition.rewrite(first, without(first, o -> o % 2 == 1));

        assertThat(other.segments().get(0).logKey()).endsWith(".c1.log");
        assertThat(readAll(other, 0)).hasSize(50).allMatch(o -> o % 2 == 0);
    }

    @Test
    void anEmptyResultRemovesTheSegmentAndReadsSkipTheGap() throws Exception {
        partition.upload(TestSegments.write(tmp.resolve("a"), 0, 5, 10, Compression.NONE));
        partition.upload(TestSegments.write(tmp.resolve("b"), 50, 5, 10, Compression.NONE));
        partition.upload(TestSegments.write(tmp.resolve("c"), 100, 5, 10, Compression.NONE));

        SegmentManifest middle = partition.segments().get(1);
        assertThat(partition.rewrite(middle, without(middle, o -> true))).isNull();

        assertThat(partition.segments()).extracting(SegmentManifest::baseOffset).containsExactly(0L, 100L);
        assertThat(names()).noneMatch(n -> n.startsWith("00000000000000000050"));
        List<Long> all = readAll(partition, 0);
        assertThat(all).hasSize(100).doesNotContain(50L, 99L);
        assertThat(readAll(partition, 60)).first().isEqualTo(100L);

        SegmentManifest oldest = partition.segments().get(0);
        assertThat(partition.rewrite(oldest, without(oldest, o -> true))).isNull();
        assertThat(readAll(partition, 0)).as("a reader from a start that was removed goes on with the next segment")
                .hasSize(50).first().isEqualTo(100L);
        assertThat(partition.read(150, 1000).remaining()).as("past the last segment: nothing").isZero();
    }

    @Test
    void objectsACrashedRewriteLeftAreCollectedAndCommittedOnesStay() throws Exception {
        var upload = TestSegments.write(tmp.resolve("a"), 0, 5, 10, Compression.NONE);
        partition.upload(upload);
        SegmentManifest first = partition.segments().get(0);
        // A rewrite that died before its commit: next-generation data without a manifest naming it.
        store.put(RemoteLayout.objectKey(partition.prefix(), 0, 1, RemoteLayout.LOG), upload.log());
        store.put(RemoteLayout.objectKey(partition.prefix(), 0, 1, RemoteLayout.INDEX), upload.offsetIndex());
        // A new segment being uploaded right now (no manifest yet) is not a rewrite's garbage.
        store.put(RemoteLayout.objectKey(partition.prefix(), 50, RemoteLayout.LOG), upload.log());

        assertThat(partition.collectRewriteGarbage()).isEqualTo(2);
        assertThat(names()).contains("00000000000000000050.log").noneMatch(n -> n.contains(".c1."));
        assertThat(readAll(partition, 0)).hasSize(50);

        // The retried rewrite then reuses generation 1 and commits it.
        SegmentManifest rewritten = partition.rewrite(first, without(first, o -> o < 10));
        assertThat(rewritten.logKey()).endsWith(".c1.log");
        // A crash after the commit but before the old generation was deleted leaves gen-0 objects: garbage too.
        store.put(first.logKey(), upload.log());
        assertThat(partition.collectRewriteGarbage()).isEqualTo(1);
        assertThat(readAll(partition, 0)).hasSize(40).first().isEqualTo(10L);
    }

    @Test
    void aRewriteOfASegmentThatChangedMeanwhileIsRefused() throws Exception {
        partition.upload(TestSegments.write(tmp.resolve("a"), 0, 5, 10, Compression.NONE));
        SegmentManifest first = partition.segments().get(0);
        ByteBuffer filtered = without(first, o -> o < 10);
        partition.delete(first);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> partition.rewrite(first, filtered))
                .isInstanceOf(IllegalStateException.class);
        assertThat(partition.segments()).isEmpty();
    }
}
