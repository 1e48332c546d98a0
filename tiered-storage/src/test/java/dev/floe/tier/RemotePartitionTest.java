package dev.floe.tier;

import dev.floe.tier.layout.RemoteLayout;
import dev.floe.tier.remote.RemoteLogStore;
import dev.floe.tier.remote.RemotePartition;
import dev.floe.tier.remote.SegmentManifest;
import dev.floe.tier.remote.SegmentUpload;
import dev.floe.tier.store.LocalDirectoryObjectStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Upload, list, ranged reads, time lookups, deletion and garbage collection on a real directory store. */
class RemotePartitionTest {
    private static final String TOPIC_ID = "AAAAAAAAAAAAAAAAAAAAAA";

    @TempDir
    Path tmp;
    private LocalDirectoryObjectStore store;
    private RemotePartition partition;
    private SimpleMeterRegistry registry;

    @BeforeEach
    void setUp() {
        store = new LocalDirectoryObjectStore(tmp.resolve("bucket"));
        registry = new SimpleMeterRegistry();
        partition = new RemoteLogStore(store, "c1", 8 << 20, registry).partition("orders", TOPIC_ID, 2);
    }

    private static List<Long> offsets(ByteBuffer bytes) {
        List<Long> out = new ArrayList<>();
        for (RecordBatch b : MemoryRecords.readableRecords(bytes).batches()) {
            for (Record r : b) {
                out.add(r.offset());
                assertThat(StandardCharsets.UTF_8.decode(r.value()).toString()).isEqualTo(TestSegments.value(r.offset()));
            }
        }
        return out;
    }

    @Test
    void uploadedSegmentsAreListedAndReadBackAsWholeBatches() throws Exception {
        partition.upload(TestSegments.write(tmp.resolve("s"), 0, 20, 10, Compression.NONE));
        partition.upload(TestSegments.write(tmp.resolve("s"), 200, 20, 10, Compression.zstd().build()));
        List<SegmentManifest> segments = partition.segments();
        assertThat(segments).extracting(SegmentManifest::baseOffset).containsExactly(0L, 200L);
        assertThat(segments.get(1).lastOffset()).isEqualTo(399);
        assertThat(store.list("c1/orders-" + TOPIC_ID + "/2/")).extracting(o -> o.key().substring(o.key().lastIndexOf('/') + 1))
                .contains("00000000000000000000.log", "00000000000000000000.index", "00000000000000000000.timeindex",
                        "00000000000000000000.manifest.json");

        List<Long> fromMiddleOfABatch = offsets(partition.read(57, 100));
        assertThat(fromMiddleOfABatch.get(0)).as("starts with the batch holding 57").isEqualTo(50);
        assertThat(fromMiddleOfABatch).contains(57L);
        assertThat(offsets(partition.read(250, 1)).get(0)).as("at least one whole batch").isEqualTo(250);
        assertThat(partition.read(400, 1000).remaining()).isZero();

        long next = 0;
        while (next < 400) {
            List<Long> got = offsets(partition.read(next, 3000));
            assertThat(got.get(0)).isLessThanOrEqualTo(next);
            next = got.get(got.size() - 1) + 1;
        }
        assertThat(registry.get("floe.tier.cache.hits").counter().count()).as("sequential reads hit the read-ahead").isPositive();
    }

    @Test
    void timestampLookupsAreRecordLevel() throws Exception {
        partition.upload(TestSegments.write(tmp.resolve("s"), 0, 10, 10, Compression.gzip().build()));
        partition.upload(TestSegments.write(tmp.resolve("s"), 100, 10, 10, Compression.NONE));
        assertThat(partition.offsetForTimestamp(TestSegments.timestamp(37))[0]).isEqualTo(37);
        assertThat(partition.offsetForTimestamp(TestSegments.timestamp(137) - 5)[0]).isEqualTo(137);
        assertThat(partition.offsetForTimestamp(TestSegments.timestamp(500))).isNull();
    }

    @Test
    void reUploadIsHarmlessAndGarbageWithoutAManifestIsCollected() throws Exception {
        var upload = TestSegments.write(tmp.resolve("s"), 0, 5, 10, Compression.NONE);
        partition.upload(upload);
        partition.upload(upload);
        assertThat(partition.segments()).hasSize(1);
        // An upload that died before its manifest: data objects only.
        store.put(RemoteLayout.objectKey(partition.prefix(), 50, RemoteLayout.LOG), upload.log());
        assertThat(partition.segments()).hasSize(1);
        assertThat(partition.collectGarbage()).isEqualTo(1);
        assertThat(store.list(partition.prefix())).hasSize(4);
    }

    @Test
    void deleteRemovesManifestAndData() throws Exception {
        partition.upload(TestSegments.write(tmp.resolve("s"), 0, 5, 10, Compression.NONE));
        partition.delete(partition.segments().get(0));
        assertThat(partition.segments()).isEmpty();
        assertThat(store.list(partition.prefix())).isEmpty();
    }

    @Test
    void theProducerStateTravelsWithItsSegmentAndGoesWithIt() throws Exception {
        SegmentUpload plain = TestSegments.write(tmp.resolve("p"), 0, 5, 10, Compression.NONE);
        java.nio.file.Path snapshot = java.nio.file.Files.write(tmp.resolve("producers"), new byte[]{4, 2, 4, 2});
        partition.upload(new SegmentUpload(plain.baseOffset(), plain.lastOffset(), plain.maxTimestamp(),
                plain.leaderEpoch(), plain.log(), plain.offsetIndex(), plain.timeIndex(), snapshot));
        partition.upload(TestSegments.write(tmp.resolve("q"), 50, 5, 10, Compression.NONE));

        SegmentManifest withState = partition.segments().get(0);
        SegmentManifest without = partition.segments().get(1);
        assertThat(partition.producerSnapshot(withState)).containsExactly(4, 2, 4, 2);
        assertThat(partition.producerSnapshot(without)).isNull();

        partition.delete(withState);
        assertThat(store.list(partition.prefix())).noneMatch(o -> o.key().endsWith("." + RemoteLayout.PRODUCER_SNAPSHOT));
    }

    @Test
    void theIndexCacheIsBoundedWhileEverySegmentStaysReadable() throws Exception {
        for (int seg = 0; seg < RemotePartition.MAX_CACHED_INDEXES + 4; seg++) {
            partition.upload(TestSegments.write(tmp.resolve("s" + seg), seg * 100L, 5, 10, Compression.NONE));
        }
        for (int seg = 0; seg < RemotePartition.MAX_CACHED_INDEXES + 4; seg++) {
            assertThat(offsets(partition.read(seg * 100L + 25, 100)).get(0)).isEqualTo(seg * 100L + 20);
            assertThat(partition.cachedIndexes()).isLessThanOrEqualTo(RemotePartition.MAX_CACHED_INDEXES);
        }
        assertThat(partition.cachedIndexes()).isEqualTo(RemotePartition.MAX_CACHED_INDEXES);
    }

    @Test
    void deletingKnownSegmentsListsNothing() throws Exception {
        ListCountingStore counting = new ListCountingStore(store);
        RemotePartition p = new RemoteLogStore(counting, "c1", 8 << 20, registry).partition("orders", TOPIC_ID, 3);
        for (int seg = 0; seg < 5; seg++) {
            p.upload(TestSegments.write(tmp.resolve("d" + seg), seg * 100L, 2, 10, Compression.NONE));
        }
        int before = counting.lists.get();
        for (int seg = 0; seg < 5; seg++) {
            p.delete(p.manifest(seg * 100L));
        }
        assertThat(counting.lists.get()).as("LIST calls to delete five segments this partition uploaded").isEqualTo(before);
        assertThat(p.segments()).isEmpty();
        assertThat(store.list(p.prefix())).isEmpty();
        assertThat(p.manifest(0)).as("unknown, and a fresh listing does not have it either").isNull();
    }

    /** Counts LIST calls on a real directory store. */
    private static final class ListCountingStore implements dev.floe.tier.store.ObjectStore {
        final java.util.concurrent.atomic.AtomicInteger lists = new java.util.concurrent.atomic.AtomicInteger();
        private final dev.floe.tier.store.ObjectStore delegate;

        ListCountingStore(dev.floe.tier.store.ObjectStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public void put(String key, Path file) {
            delegate.put(key, file);
        }

        @Override
        public void put(String key, byte[] bytes) {
            delegate.put(key, bytes);
        }

        @Override
        public byte[] get(String key) {
            return delegate.get(key);
        }

        @Override
        public byte[] getRange(String key, long offset, int length) {
            return delegate.getRange(key, offset, length);
        }

        @Override
        public List<ObjectInfo> list(String prefix) {
            lists.incrementAndGet();
            return delegate.list(prefix);
        }

        @Override
        public List<String> listPrefixes(String prefix) {
            lists.incrementAndGet();
            return delegate.listPrefixes(prefix);
        }

        @Override
        public void delete(java.util.Collection<String> keys) {
            delegate.delete(keys);
        }

        @Override
        public String describe() {
            return "counting " + delegate.describe();
        }
    }
}
