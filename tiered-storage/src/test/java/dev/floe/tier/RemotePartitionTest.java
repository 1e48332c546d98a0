package dev.floe.tier;

import dev.floe.tier.layout.RemoteLayout;
import dev.floe.tier.remote.RemoteLogStore;
import dev.floe.tier.remote.RemotePartition;
import dev.floe.tier.remote.SegmentManifest;
import dev.floe.tier.remote.SegmentUpload;
import dev.floe.tier.store.LocalDirectoryObjectStore;
import dev.floe.tier.txn.AbortedTxn;
import dev.floe.tier.txn.TxnIndexFormat;
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

    /**
     * A catch-up in reads smaller than a chunk: a read stops at the end of the chunk it starts in (so it is served
     * from the cached chunk without a copy) unless its first batch crosses into the next chunk; across those
     * boundaries no record is skipped or returned twice, and the extra short reads are at most one per chunk.
     */
    @Test
    void readsSmallerThanAChunkReturnEveryRecordOnceAcrossChunkBoundaries() throws Exception {
        int chunk = 2048;
        RemotePartition small = new RemoteLogStore(store, "c1", chunk, 1 << 20, new SimpleMeterRegistry())
                .partition("orders", TOPIC_ID, 5);
        small.upload(TestSegments.write(tmp.resolve("chunks"), 0, 60, 7, Compression.NONE));
        long segmentBytes = small.segments().get(0).sizeBytes();
        assertThat(segmentBytes).as("the segment spans several chunks").isGreaterThan(4L * chunk);

        List<Long> all = new ArrayList<>();
        long next = 0;
        int reads = 0;
        while (next < 420) {
            ByteBuffer bytes = small.read(next, chunk / 2 + 300);
            assertThat(bytes.remaining()).isPositive();
            List<Long> got = offsets(bytes);
            assertThat(got.get(0)).isLessThanOrEqualTo(next);
            got.stream().filter(o -> o >= all.size()).forEach(all::add);
            next = got.get(got.size() - 1) + 1;
            reads++;
        }
        assertThat(all).as("every offset once, in order").isEqualTo(java.util.stream.LongStream.range(0, 420).boxed().toList());
        assertThat(reads).as("no more reads than one per half chunk plus one per chunk boundary")
                .isLessThanOrEqualTo((int) (segmentBytes / (chunk / 2)) + (int) (segmentBytes / chunk) + 2);
    }

    /** DeleteRecords on a tiered topic: the start it sets is in the bucket, so a second reader sees it on its listing. */
    @Test
    void theLogStartMovedByDeleteRecordsIsDurableInTheBucketAndOnlyMovesUp() throws Exception {
        partition.upload(TestSegments.write(tmp.resolve("s"), 0, 20, 10, Compression.NONE));
        assertThat(partition.logStart()).as("never moved").isEqualTo(-1);

        assertThat(partition.advanceLogStart(57)).isEqualTo(57);
        assertThat(partition.advanceLogStart(30)).as("never back").isEqualTo(57);

        RemotePartition elsewhere = new RemoteLogStore(store, "c1", 8 << 20, new SimpleMeterRegistry())
                .partition("orders", TOPIC_ID, 2);
        assertThat(elsewhere.logStart()).as("not listed yet").isEqualTo(-1);
        elsewhere.segments();
        assertThat(elsewhere.logStart()).isEqualTo(57);
        assertThat(partition.collectGarbage()).as("the start object is not garbage").isZero();
        elsewhere.segments();
        assertThat(elsewhere.logStart()).isEqualTo(57);
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

    private SegmentUpload withTxnIndex(SegmentUpload s, AbortedTxn... txns) throws Exception {
        Path file = s.log().resolveSibling(String.format("%020d", s.baseOffset()) + ".txnindex");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            for (AbortedTxn t : txns) {
                ch.write(TxnIndexFormat.encode(t));
            }
        }
        return new SegmentUpload(s.baseOffset(), s.lastOffset(), s.maxTimestamp(), s.leaderEpoch(), s.log(),
                s.offsetIndex(), s.timeIndex(), null, file);
    }

    @Test
    void abortedTransactionIndexesTravelWithTheirSegmentsAndAnswerReadCommittedRanges() throws Exception {
        // Segment 0-199 holds the ABORT marker of a transaction at 10-150; segment 200-399 one of 190-260 (begun in
        // the first segment, marked in the second) and one of 300-320, written when the LSO was already 300.
        partition.upload(withTxnIndex(TestSegments.write(tmp.resolve("s"), 0, 20, 10, Compression.NONE),
                new AbortedTxn(5, 10, 150, 10)));
        partition.upload(withTxnIndex(TestSegments.write(tmp.resolve("s"), 200, 20, 10, Compression.NONE),
                new AbortedTxn(6, 190, 260, 190), new AbortedTxn(7, 300, 320, 300)));
        partition.upload(TestSegments.write(tmp.resolve("s"), 400, 20, 10, Compression.NONE));

        List<SegmentManifest> segments = partition.segments();
        assertThat(segments).extracting(SegmentManifest::txnIndexKey).containsExactly(
                "c1/orders-" + TOPIC_ID + "/2/00000000000000000000.txnindex",
                "c1/orders-" + TOPIC_ID + "/2/00000000000000000200.txnindex", null);
        String manifest400 = new String(store.get("c1/orders-" + TOPIC_ID + "/2/00000000000000000400.manifest.json"),
                StandardCharsets.UTF_8);
        assertThat(manifest400).as("no txn index, no field").doesNotContain("txnIndexKey");

        RemotePartition.AbortedTxns first = partition.abortedTransactions(0, 200);
        assertThat(first.txns()).as("the one begun in segment 0 is found in segment 200's index")
                .containsExactly(new AbortedTxn(5, 10, 150, 10), new AbortedTxn(6, 190, 260, 190));
        assertThat(first.complete()).as("the entry at 300 was written when everything below 300 was decided").isTrue();
        assertThat(partition.abortedTransactions(270, 400).txns()).containsExactly(new AbortedTxn(7, 300, 320, 300));
        RemotePartition.AbortedTxns tail = partition.abortedTransactions(400, 600);
        assertThat(tail.txns()).isEmpty();
        assertThat(tail.complete()).as("later markers may be in the broker's local log").isFalse();

        partition.delete(segments.get(1));
        assertThat(store.list("c1/orders-" + TOPIC_ID + "/2/")).extracting(o -> o.key())
                .doesNotContain("c1/orders-" + TOPIC_ID + "/2/00000000000000000200.txnindex");
        assertThat(partition.abortedTransactions(0, 200).txns()).containsExactly(new AbortedTxn(5, 10, 150, 10));
    }

    @Test
    void aManifestWrittenBeforeTxnIndexesReadsWithNone() throws Exception {
        SegmentManifest m = partition.upload(TestSegments.write(tmp.resolve("s"), 0, 2, 10, Compression.NONE));
        String old = "{\"formatVersion\":1,\"cluster\":\"c1\",\"topic\":\"orders\",\"topicId\":\"" + TOPIC_ID
                + "\",\"partition\":2,\"baseOffset\":0,\"lastOffset\":19,\"maxTimestamp\":" + m.maxTimestamp()
                + ",\"sizeBytes\":" + m.sizeBytes() + ",\"leaderEpoch\":0,\"uploadedAtMs\":1,\"logKey\":\"" + m.logKey()
                + "\",\"indexKey\":\"" + m.indexKey() + "\",\"timeIndexKey\":\"" + m.timeIndexKey() + "\"}";
        store.put("c1/orders-" + TOPIC_ID + "/3/00000000000000000000.manifest.json", old.getBytes(StandardCharsets.UTF_8));
        RemotePartition other = new RemoteLogStore(store, "c1", 8 << 20, registry).partition("orders", TOPIC_ID, 3);
        assertThat(other.segments()).singleElement().satisfies(s -> assertThat(s.txnIndexKey()).isNull());
        assertThat(other.abortedTransactions(0, 20).txns()).isEmpty();
    }
}
