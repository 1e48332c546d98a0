package dev.floe.broker.tier;

import dev.floe.broker.log.LogConfig;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.SegmentReaper;
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
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 10, item "Tiering's remote segment list is read with check-then-act ({@code isEmpty()} then {@code get(0)})
 * while remote retention removes from it", proven deterministically: the partition's remote segment list is an
 * {@link InterleavingList}, which runs a remote retention pass right after a reader's next access of the list, on
 * the reader's own thread. So retention lands exactly between a reader's first and second look every time, the
 * interleaving a concurrent pass hits only rarely. A reader that looks twice (the old code) fails here every run; a
 * reader that takes one snapshot answers as of that snapshot. No sleeps, no second thread, no timing.
 */
class RemoteSegmentListRaceTest {
    private static final TopicPartition TP = new TopicPartition("tiered", 0);

    @TempDir
    Path dir;
    private ScheduledExecutorService scheduler;
    private LogManager logs;
    private TieringService tiering;
    private final List<InterleavingList> lists = new ArrayList<>();

    /**
     * A remote segment list that runs one armed action right after its next read or write, on the calling thread
     * (the action is disarmed before it runs, so its own accesses of the list pass straight through).
     */
    static final class InterleavingList extends CopyOnWriteArrayList<RemoteSegmentRef> {
        private final AtomicReference<Runnable> armed = new AtomicReference<>();
        private volatile boolean fired;

        void afterNextAccess(Runnable action) {
            armed.set(action);
        }

        boolean fired() {
            return fired;
        }

        private <T> T then(T result) {
            Runnable action = armed.getAndSet(null);
            if (action != null) {
                fired = true;
                action.run();
            }
            return result;
        }

        // Each override calls only super methods that do not dispatch back here, so an access fires at most once.
        @Override
        public boolean isEmpty() {
            return then(super.size() == 0);
        }

        @Override
        public int size() {
            return then(super.size());
        }

        @Override
        public RemoteSegmentRef get(int index) {
            return then(super.get(index));
        }

        @Override
        public int indexOf(Object o) {
            return then(super.indexOf(o));
        }

        @Override
        public Stream<RemoteSegmentRef> stream() {
            return then(super.stream());
        }

        @Override
        public Iterator<RemoteSegmentRef> iterator() {
            return then(super.iterator());
        }

        @Override
        public Object[] toArray() {
            return then(super.toArray());
        }

        @Override
        public void replaceAll(UnaryOperator<RemoteSegmentRef> operator) {
            super.replaceAll(operator);
            then(null);
        }
    }

    /** The in-memory bucket of TieringServiceTest, able to rewrite a segment as compaction does. */
    static final class RewritingStore extends TieringServiceTest.MemoryStore {
        @Override
        public RemoteSegmentRef rewrite(RemoteSegmentRef segment, ByteBuffer records) {
            byte[] kept = new byte[records.remaining()];
            records.get(kept);
            RemoteSegmentRef rewritten = new RemoteSegmentRef(segment.baseOffset(), segment.lastOffset(),
                    segment.maxTimestamp(), kept.length);
            bytes.put(segment.baseOffset(), kept);
            segments.put(segment.baseOffset(), rewritten);
            return rewritten;
        }
    }

    @BeforeEach
    void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stop() throws IOException {
        if (tiering != null) {
            tiering.close();
        }
        if (logs != null) {
            logs.close();
        }
        scheduler.shutdownNow();
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

    /** A tiered partition with several segments in the bucket (retention keeps everything so far). */
    private PartitionLog uploadedPartition(TieringServiceTest.MemoryStore store) throws IOException {
        logs = new LogManager(dir, new SegmentReaper(scheduler, 0), Runnable::run);
        PartitionLog log = logs.open(TP, tiered(-1));
        tiering = new TieringService((topic, id, partition) -> store, logs, topic -> "id-" + topic,
                new SimpleMeterRegistry(), 1, () -> {
                    InterleavingList list = new InterleavingList();
                    lists.add(list);
                    return list;
                });
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(batch(i, "value-" + i));
        }
        tiering.uploadPass();
        assertThat(store.segments).as("several segments in the bucket").hasSizeGreaterThan(2);
        assertThat(lists).as("one remote segment list for the one partition").hasSize(1);
        return log;
    }

    /** An operator sets retention.bytes to 0: the next pass deletes every remote segment. */
    private Runnable retentionEmptyingTheBucket(PartitionLog log) {
        log.updateConfig(tiered(0));
        return tiering::uploadPass;
    }

    /**
     * remoteStart (ListOffsets EARLIEST, Fetch's log start, DeleteRecords' low watermark): retention empties the
     * list right after the reader's first look. The old {@code isEmpty()} then {@code get(0)} threw
     * IndexOutOfBoundsException there (UNKNOWN_SERVER_ERROR to the client); one snapshot answers the start as of it.
     */
    @Test
    void remoteStartAnswersFromOneLookWhenRetentionEmptiesTheListRightAfterIt() throws Exception {
        TieringServiceTest.MemoryStore store = new TieringServiceTest.MemoryStore();
        PartitionLog log = uploadedPartition(store);
        lists.get(0).afterNextAccess(retentionEmptyingTheBucket(log));

        long start = tiering.remoteStart(TP);

        assertThat(lists.get(0).fired()).as("retention ran inside the read").isTrue();
        assertThat(store.segments).as("retention emptied the bucket").isEmpty();
        assertThat(start).as("the start as of the reader's one look").isZero();
        assertThat(tiering.remoteStart(TP)).as("the next look sees nothing remote").isEqualTo(-1);
    }

    /**
     * read (a fetch below the local log): retention empties the list right after the reader's first look. The old
     * check-then-act threw IndexOutOfBoundsException (UNKNOWN_SERVER_ERROR); now the read goes to the store, which
     * says the segment is gone with an IOException, which the fetch path answers as KAFKA_STORAGE_ERROR (retriable).
     */
    @Test
    void remoteReadFailsAsStorageErrorWhenRetentionEmptiesTheListRightAfterItsFirstLook() throws Exception {
        TieringServiceTest.MemoryStore store = new TieringServiceTest.MemoryStore();
        PartitionLog log = uploadedPartition(store);
        assertThat(tiering.read(TP, 0, 1024)).as("offset 0 is in the bucket").isNotNull();
        lists.get(0).afterNextAccess(retentionEmptyingTheBucket(log));

        assertThatThrownBy(() -> tiering.read(TP, 0, 1024))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no remote segment holds offset 0");

        assertThat(lists.get(0).fired()).as("retention ran inside the read").isTrue();
        assertThat(tiering.read(TP, 0, 1024)).as("the next read finds nothing remote").isNull();
    }

    /**
     * Same item, the writer side found by the same audit: rewrite (remote compaction) replaced its segment with
     * {@code indexOf()} then {@code set()}, while retention removed an older segment unlocked in between. The index
     * then pointed one past the segment, and set() overwrote the next segment: it vanished from every reader's view
     * of the bucket (and the rewritten one was listed twice). Now the replacement is one atomic call.
     */
    @Test
    void rewriteKeepsTheNextSegmentWhenRetentionRemovesAnOlderOneRightAfterItsFirstLook() throws Exception {
        RewritingStore store = new RewritingStore();
        uploadedPartition(store);
        List<RemoteSegmentRef> before = tiering.remoteSegments(TP);
        RemoteSegmentRef oldest = before.get(0);
        RemoteSegmentRef compacted = before.get(1);
        // DeleteRecords up to the second segment: the next retention pass removes the oldest one.
        lists.get(0).afterNextAccess(() -> {
            try {
                tiering.advanceLogStart(TP, compacted.baseOffset());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            tiering.uploadPass();
        });

        byte[] original = store.bytes.get(compacted.baseOffset());
        RemoteSegmentRef rewritten = tiering.rewrite(TP, compacted, ByteBuffer.wrap(original, 0, original.length / 2));

        assertThat(lists.get(0).fired()).as("retention ran inside the rewrite").isTrue();
        assertThat(store.segments).as("retention removed the oldest segment").doesNotContainKey(oldest.baseOffset());
        List<RemoteSegmentRef> expected = new ArrayList<>(before.subList(1, before.size()));
        expected.set(0, rewritten);
        assertThat(tiering.remoteSegments(TP)).as("every other segment kept, the compacted one replaced")
                .containsExactlyElementsOf(expected);
    }
}
