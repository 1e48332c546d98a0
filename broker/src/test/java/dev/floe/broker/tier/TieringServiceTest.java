package dev.floe.broker.tier;

import dev.floe.broker.log.LogConfig;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.SegmentReaper;
import dev.floe.broker.log.TimestampOffset;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TieringService's items from issue 10, against a store that keeps segments in memory (an honest, complete
 * implementation of the broker's port; the S3 and directory stores are tested in tiered-storage and e2e).
 */
class TieringServiceTest {
    private static final TopicPartition TP = new TopicPartition("tiered", 0);

    @TempDir
    Path dir;
    private ScheduledExecutorService scheduler;

    @BeforeEach
    void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** Segments "in the bucket": bytes copied at upload, listed oldest first. */
    static class MemoryStore implements RemotePartitionStore {
        final ConcurrentSkipListMap<Long, RemoteSegmentRef> segments = new ConcurrentSkipListMap<>();
        final Map<Long, byte[]> bytes = new java.util.concurrent.ConcurrentHashMap<>();
        volatile long logStart = -1;

        @Override
        public long logStart() {
            return logStart;
        }

        @Override
        public synchronized long advanceLogStart(long offset) {
            logStart = Math.max(logStart, offset);
            return logStart;
        }

        @Override
        public void upload(SealedSegment segment) throws IOException {
            bytes.put(segment.baseOffset(), Files.readAllBytes(segment.log()));
            segments.put(segment.baseOffset(), new RemoteSegmentRef(segment.baseOffset(), segment.lastOffset(),
                    segment.maxTimestamp(), segment.sizeBytes()));
        }

        @Override
        public List<RemoteSegmentRef> segments() {
            return List.copyOf(segments.values());
        }

        @Override
        public ByteBuffer read(long offset, int maxBytes) throws IOException {
            Map.Entry<Long, RemoteSegmentRef> e = segments.floorEntry(offset);
            if (e == null) {
                throw new IOException("no remote segment holds offset " + offset);
            }
            byte[] data = bytes.get(e.getKey());
            if (data == null) {
                throw new IOException("remote segment " + e.getKey() + " was deleted");
            }
            return ByteBuffer.wrap(data);
        }

        @Override
        public TimestampOffset offsetForTimestamp(long timestamp) {
            return null;
        }

        @Override
        public void delete(RemoteSegmentRef segment) {
            segments.remove(segment.baseOffset());
            bytes.remove(segment.baseOffset());
        }

        @Override
        public byte[] producerSnapshot(RemoteSegmentRef segment) {
            return null;
        }
    }

    private static LogConfig tiered(long retentionBytes) {
        return new LogConfig(300, Long.MAX_VALUE, -1, retentionBytes, 1 << 20, 64, 1 << 16, false, -1, 0, true);
    }

    private static MemoryRecords batch(long timestamp, String value) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L);
        builder.append(timestamp, null, value.getBytes(StandardCharsets.UTF_8));
        return builder.build();
    }

    private TieringService service(LogManager logs, MemoryStore store) {
        return new TieringService((topic, id, partition) -> store, logs, topic -> "id-" + topic,
                new SimpleMeterRegistry());
    }

    /**
     * Item "until the first upload pass has listed the bucket after a start, tiered history is invisible": after
     * listAll, which the broker runs before its listener opens, the earliest offset is the bucket's.
     */
    @Test
    void listingAtStartShowsTieredHistoryBeforeAnyUploadPass() throws Exception {
        MemoryStore store = new MemoryStore();
        store.segments.put(0L, new RemoteSegmentRef(0, 99, 1_000, 4096));
        LogManager logs = new LogManager(dir, new SegmentReaper(scheduler, 0), Runnable::run);
        logs.open(TP, tiered(-1));
        TieringService tiering = service(logs, store);
        try {
            assertThat(tiering.remoteStart(TP)).as("nothing listed yet").isEqualTo(-1);
            tiering.listAll(Runnable::run);
            assertThat(tiering.remoteStart(TP)).isZero();
            assertThat(tiering.remoteEnd(TP)).isEqualTo(99);
        } finally {
            tiering.close();
            logs.close();
        }
    }

    /**
     * Item "tiering's remote segment list is read with check-then-act while remote retention removes from it", as a
     * stress check: readers of the remote start and of remote bytes run on a second thread against passes whose
     * retention empties the list. It depends on timing, so it is not the proof: RemoteSegmentListRaceTest puts
     * retention exactly between a reader's two looks and fails every run on the old code. This loop stays because
     * it runs the real list and real threads over every reader at once; with isEmpty()-then-get(0) put back into
     * today's firstRemote it failed (ArrayIndexOutOfBoundsException) in 3 of 4 runs, on the original old code in 0 of
     * 2. A runtime exception here is what a fetch would answer as UNKNOWN_SERVER_ERROR.
     */
    @Test
    void remoteReadersSurviveRetentionEmptyingTheList() throws Exception {
        MemoryStore store = new MemoryStore();
        LogManager logs = new LogManager(dir, new SegmentReaper(scheduler, 0), Runnable::run);
        // retention.bytes 0: every pass deletes every remote segment it just uploaded.
        PartitionLog log = logs.open(TP, tiered(0));
        TieringService tiering = service(logs, store);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                try {
                    long start = tiering.remoteStart(TP);
                    tiering.read(TP, Math.max(start, 0), 1024);
                } catch (IOException gone) {
                    // deleted between lookup and read: a store answer, not a broker bug
                } catch (Throwable t) {
                    failures.add(t);
                }
            }
        });
        reader.start();
        try {
            for (int i = 0; i < 3_000 && failures.isEmpty(); i++) {
                log.appendAsLeader(batch(i, "value-" + i));
                if (i % 5 == 0) {
                    tiering.uploadPass();
                }
            }
        } finally {
            done.set(true);
            reader.join();
            tiering.close();
            logs.close();
        }
        assertThat(store.bytes).as("retention kept the bucket nearly empty").hasSizeLessThan(5);
        assertThat(failures).isEmpty();
    }

    /**
     * Issue 11: with several replicas only the leader uploads (replicas writing one partition's objects would race on
     * its manifests), and a follower's local retention goes by what the leader uploaded, not by uploads of its own.
     */
    @Test
    void onlyTheLeaderUploadsAndAFollowerDeletesWhatTheLeaderUploaded() throws Exception {
        MemoryStore store = new MemoryStore();
        LogManager leaderLogs = new LogManager(dir.resolve("leader"), new SegmentReaper(scheduler, 0), Runnable::run);
        LogManager followerLogs = new LogManager(dir.resolve("follower"), new SegmentReaper(scheduler, 0), Runnable::run);
        PartitionLog onLeader = leaderLogs.open(TP, tiered(-1));
        PartitionLog onFollower = followerLogs.open(TP, tiered(-1));
        TieringService leader = service(leaderLogs, store);
        TieringService follower = service(followerLogs, store);
        follower.setLeadership(tp -> false);
        try {
            for (int i = 0; i < 40; i++) {
                onLeader.appendAsLeader(batch(i, "value-" + i));
                onFollower.appendAsLeader(batch(i, "value-" + i));
            }
            assertThat(onFollower.segments()).as("sealed segments to tier").hasSizeGreaterThan(2);
            var sealed = onFollower.segments().get(0);

            follower.uploadPass();
            assertThat(store.segments).as("a follower uploads nothing").isEmpty();
            assertThat(follower.isUploaded(TP, sealed)).as("not in the bucket yet: kept locally").isFalse();

            leader.uploadPass();
            assertThat(store.segments).as("the leader uploads its sealed segments").isNotEmpty();
            assertThat(follower.isUploaded(TP, sealed)).as("the follower has not looked yet").isFalse();
            var uploadedByLeader = List.copyOf(store.segments.values());

            follower.uploadPass();
            assertThat(store.segments.values()).as("still only the leader's uploads")
                    .containsExactlyElementsOf(uploadedByLeader);
            assertThat(follower.isUploaded(TP, sealed)).as("the leader uploaded it: local retention may delete it")
                    .isTrue();
            assertThat(follower.remoteEnd(TP)).isEqualTo(leader.remoteEnd(TP));
        } finally {
            leader.close();
            follower.close();
            leaderLogs.close();
            followerLogs.close();
        }
    }

    /**
     * DeleteRecords on a tiered partition (issue 13): the start moves in the bucket, so records below it are hidden
     * from this broker and from any broker that lists the bucket later, and retention removes the remote segments
     * wholly below it while the one holding the new start stays.
     */
    @Test
    void deleteRecordsMovesTheStartInTheBucketForEveryReaderAndRetentionRemovesWhatLiesBelow() throws Exception {
        MemoryStore store = new MemoryStore();
        LogManager logs = new LogManager(dir.resolve("leader"), new SegmentReaper(scheduler, 0), Runnable::run);
        LogManager otherLogs = new LogManager(dir.resolve("other"), new SegmentReaper(scheduler, 0), Runnable::run);
        PartitionLog log = logs.open(TP, tiered(-1));
        otherLogs.open(TP, tiered(-1));
        TieringService tiering = service(logs, store);
        TieringService other = service(otherLogs, store);
        try {
            for (int i = 0; i < 40; i++) {
                log.appendAsLeader(batch(i, "value-" + i));
            }
            tiering.uploadPass();
            List<RemoteSegmentRef> uploaded = List.copyOf(store.segments.values());
            assertThat(uploaded).as("several segments in the bucket").hasSizeGreaterThan(2);
            RemoteSegmentRef second = uploaded.get(1);
            long target = second.baseOffset() + 1;

            assertThat(tiering.advanceLogStart(TP, target)).isEqualTo(target);
            assertThat(tiering.remoteStart(TP)).isEqualTo(target);
            assertThat(tiering.read(TP, second.baseOffset(), 1024)).as("below the new start").isNull();
            assertThat(tiering.read(TP, 0, 1024)).as("in a segment wholly below it").isNull();
            assertThat(tiering.read(TP, target, 1024)).as("from the new start on").isNotNull();

            other.listAll(Runnable::run);
            assertThat(other.remoteStart(TP)).as("another broker listing the bucket").isEqualTo(target);

            tiering.uploadPass();
            assertThat(store.segments.keySet()).as("segments wholly below the start are deleted")
                    .doesNotContain(uploaded.get(0).baseOffset()).contains(second.baseOffset());
            assertThat(tiering.remoteStart(TP)).isEqualTo(target);
        } finally {
            tiering.close();
            other.close();
            logs.close();
            otherLogs.close();
        }
    }
}
