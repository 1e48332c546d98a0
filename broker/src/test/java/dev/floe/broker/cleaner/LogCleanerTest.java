package dev.floe.broker.cleaner;

import dev.floe.broker.log.LogConfig;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.LogSegment;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.ReadResult;
import dev.floe.broker.log.SegmentNames;
import dev.floe.broker.log.SegmentReaper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
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
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compaction at the log level, on real files: many updates to a few keys plus tombstones, cleaned with a clock
 * the test moves (no sleeps), read back from offset 0 as a consumer would, and a cleaner killed at each step of
 * its swap (the files a crash would leave, made by hand) recovering to the old or the new log, never a mix.
 */
class LogCleanerTest {
    private static final TopicPartition TP = new TopicPartition("compacted", 0);
    private static final long DELETE_RETENTION_MS = 60_000;
    private static final CompactionSettings COMPACT = new CompactionSettings(true, 0.5, 0, Long.MAX_VALUE,
            DELETE_RETENTION_MS, 1 << 20);

    /** One record as a reader sees it; a null value is a tombstone. */
    record Seen(long offset, String key, String value) {
    }

    @TempDir
    Path root;
    private ScheduledExecutorService scheduler;
    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private final List<LogManager> managers = new ArrayList<>();

    @BeforeEach
    void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stop() throws IOException {
        for (LogManager m : managers) {
            m.close();
        }
        scheduler.shutdownNow();
    }

    private static LogConfig config() {
        // Small segments, so a few hundred records make many of them.
        return new LogConfig(2048, Long.MAX_VALUE, -1, -1, 1 << 20, 256, 1 << 16, false, -1, -1, false);
    }

    private LogManager manager(Path dataDir) throws IOException {
        LogManager m = new LogManager(dataDir, new SegmentReaper(scheduler, 0));
        managers.add(m);
        return m;
    }

    private LogCleaner cleaner(LogManager logs) {
        return new LogCleaner(logs, tp -> COMPACT, new CleanerConfig(true, 1 << 20, 4096, 0, 1000), clock::get,
                new SimpleMeterRegistry());
    }

    private MemoryRecords batch(long producerId, short epoch, int sequence, String... keyValues) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(4096), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L, clock.get(), producerId, epoch, sequence, false,
                RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (int i = 0; i < keyValues.length; i += 2) {
            byte[] value = keyValues[i + 1] == null ? null : keyValues[i + 1].getBytes(StandardCharsets.UTF_8);
            builder.append(clock.get(), keyValues[i].getBytes(StandardCharsets.UTF_8), value);
        }
        return builder.build();
    }

    private MemoryRecords batch(String... keyValues) {
        return batch(RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, keyValues);
    }

    private static List<Seen> readAll(PartitionLog log) throws IOException {
        List<Seen> seen = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.highWatermark()) {
            ReadResult read = log.read(offset, 1 << 16, true);
            if (read.slice().sizeInBytes() == 0) {
                break;
            }
            for (RecordBatch b : MemoryRecords.readableRecords(read.slice().readAll()).batches()) {
                for (Record r : b) {
                    if (r.offset() >= offset) {
                        seen.add(new Seen(r.offset(), StandardCharsets.UTF_8.decode(r.key()).toString(),
                                r.hasValue() ? StandardCharsets.UTF_8.decode(r.value()).toString() : null));
                    }
                }
                offset = b.lastOffset() + 1;
            }
        }
        return seen;
    }

    /** The latest record of each key, in offset order: what a compacted log must hold. */
    private static List<Seen> latestPerKey(List<Seen> all) {
        Map<String, Seen> latest = new LinkedHashMap<>();
        for (Seen s : all) {
            latest.put(s.key(), s);
        }
        return latest.values().stream().sorted(java.util.Comparator.comparingLong(Seen::offset)).toList();
    }

    /** Updates to 12 keys, tombstones for k3 and k7 part way (never updated again), then a last batch updating k0 and k1. */
    private PartitionLog writeUpdates(LogManager logs) throws IOException {
        PartitionLog log = logs.open(TP, config());
        for (int i = 0; i < 600; i++) {
            clock.addAndGet(10);
            String key = "k" + (i % 12);
            if (i > 400 && (key.equals("k3") || key.equals("k7"))) {
                continue;
            }
            if (i == 400) {
                log.appendAsLeader(batch("k3", null, "k7", null));
            }
            log.appendAsLeader(batch(key, "v" + i));
        }
        // An idempotent producer's batch in which only the second record will survive.
        log.appendAsLeader(batch(7L, (short) 1, 0, "k5", "p-old", "k11", "p-new"));
        log.appendAsLeader(batch("k5", "v-last", "k0", "v-final-0"));
        log.roll("test");
        return log;
    }

    @Test
    void keepsTheLatestValueOfEveryKeyAtItsOffsetAndDropsTombstonesAfterDeleteRetention() throws IOException {
        LogManager logs = manager(root.resolve("data"));
        PartitionLog log = writeUpdates(logs);
        List<Seen> before = readAll(log);
        int segmentsBefore = log.segmentCount();
        ByteBuffer lastBatchBefore = log.read(before.get(before.size() - 1).offset(), 1 << 16, true).slice().readAll();
        LogCleaner cleaner = cleaner(logs);

        LogCleaner.Summary summary = cleaner.cleanOnce();

        assertThat(summary).isNotNull();
        assertThat(summary.aborted()).isFalse();
        List<Seen> after = readAll(log);
        // Every key's latest record (tombstones included, for now) at its original offset, nothing else.
        assertThat(after).containsExactlyElementsOf(latestPerKey(before));
        assertThat(after).filteredOn(s -> s.value() == null).extracting(Seen::key).containsExactly("k3", "k7");
        assertThat(log.segmentCount()).as("small cleaned segments are merged").isLessThan(segmentsBefore);
        // A batch whose records all stay is kept byte for byte.
        ByteBuffer lastBatchAfter = log.read(after.get(after.size() - 1).offset(), 1 << 16, true).slice().readAll();
        assertThat(lastBatchAfter).isEqualTo(lastBatchBefore);
        // A rewritten batch keeps its producer's id, epoch and first sequence.
        long pOffset = after.stream().filter(s -> "p-new".equals(s.value())).findFirst().orElseThrow().offset();
        RecordBatch rewritten = MemoryRecords.readableRecords(log.read(pOffset, 1 << 16, true).slice().readAll())
                .batches().iterator().next();
        assertThat(rewritten.producerId()).isEqualTo(7L);
        assertThat(rewritten.producerEpoch()).isEqualTo((short) 1);
        assertThat(rewritten.baseSequence()).isZero();
        assertThat(rewritten.countOrNull()).isEqualTo(1);
        assertThat(cleaner.cleanOnce()).as("nothing dirty and no tombstone due yet").isNull();

        clock.addAndGet(DELETE_RETENTION_MS + 1);
        LogCleaner.Summary second = cleaner.cleanOnce();

        assertThat(second).as("a passed delete horizon makes the log eligible").isNotNull();
        List<Seen> expected = latestPerKey(before).stream().filter(s -> s.value() != null).toList();
        assertThat(readAll(log)).containsExactlyElementsOf(expected);
        assertThat(readAll(log)).extracting(Seen::key).doesNotContain("k3", "k7");

        // New updates make it dirty again; a restart keeps the cleaned view and where cleaning ended.
        for (int i = 0; i < 200; i++) {
            log.appendAsLeader(batch("k" + (i % 3), "late" + i));
        }
        log.roll("test");
        List<Seen> beforeThird = readAll(log);
        assertThat(cleaner.cleanOnce()).isNotNull();
        List<Seen> compacted = readAll(log);
        assertThat(compacted).containsExactlyElementsOf(latestPerKey(beforeThird));
        logs.close();
        managers.remove(logs);
        LogManager reopened = manager(root.resolve("data"));
        PartitionLog again = reopened.open(TP, config());
        assertThat(readAll(again)).containsExactlyElementsOf(compacted);
        assertThat(cleaner(reopened).cleanOnce()).as("the checkpoint says it is all clean").isNull();
    }

    @Test
    void neverCleansTheActiveSegmentOrRecordsYoungerThanTheMinimumLag() throws IOException {
        LogManager logs = manager(root.resolve("data"));
        PartitionLog log = logs.open(TP, config());
        for (int i = 0; i < 60; i++) {
            log.appendAsLeader(batch("k", "v" + i));
        }
        List<Seen> before = readAll(log);
        assertThat(log.segmentCount()).isGreaterThan(1);
        LogCleaner lagging = new LogCleaner(logs, tp -> new CompactionSettings(true, 0.0, 3_600_000, Long.MAX_VALUE,
                DELETE_RETENTION_MS, 1 << 20), CleanerConfig.defaults(), clock::get, null);
        assertThat(lagging.cleanOnce()).as("every record is younger than min.compaction.lag.ms").isNull();
        assertThat(readAll(log)).isEqualTo(before);

        cleaner(logs).clean(TP);

        List<Seen> after = readAll(log);
        // Only the sealed segments were cleaned: the active segment's records are all still there.
        long activeBase = log.activeSegmentBase();
        assertThat(after).filteredOn(s -> s.offset() >= activeBase)
                .isEqualTo(before.stream().filter(s -> s.offset() >= activeBase).toList());
        assertThat(after).filteredOn(s -> s.offset() < activeBase).hasSize(1);
    }

    /**
     * The files a cleaner killed at each step leaves behind, made from a real clean of a copy of the log. Start-up
     * must give the old log while only a .cleaned file exists, and the new one as soon as the .swap file does,
     * whether or not the old segments were already moved aside.
     */
    @Test
    void aCleanerKilledAtAnyStepRecoversToTheOldOrTheNewLog() throws IOException {
        Path oldData = root.resolve("old");
        LogManager oldLogs = manager(oldData);
        PartitionLog oldLog = writeUpdates(oldLogs);
        List<Seen> oldView = readAll(oldLog);
        List<Long> oldBases = oldLog.segments().stream().map(LogSegment::baseOffset).toList();
        oldLogs.close();
        managers.remove(oldLogs);

        Path newData = root.resolve("new");
        copy(oldData, newData);
        LogManager newLogs = manager(newData);
        PartitionLog newLog = newLogs.open(TP, config());
        assertThat(cleaner(newLogs).clean(TP).aborted()).isFalse();
        List<Seen> newView = readAll(newLog);
        assertThat(newView).isNotEqualTo(oldView);
        LogSegment cleanedSegment = newLog.segments().get(0);
        long base = cleanedSegment.baseOffset();
        long end = newLog.segments().get(1).baseOffset();
        byte[] cleanedBytes = Files.readAllBytes(cleanedSegment.logPath());
        newLogs.close();
        managers.remove(newLogs);

        // Killed while writing the .cleaned file: the old log.
        Path crash1 = crashCopy(oldData, "writing");
        Files.write(SegmentNames.cleanedFile(crash1.resolve(dirName()), base, end),
                java.util.Arrays.copyOf(cleanedBytes, cleanedBytes.length / 2));
        assertThat(reopenAndRead(crash1)).isEqualTo(oldView);
        assertThat(leftovers(crash1)).isEmpty();

        // Killed right after the .swap rename: the new log.
        Path crash2 = crashCopy(oldData, "swapped");
        Files.write(SegmentNames.swapFile(crash2.resolve(dirName()), base, end), cleanedBytes);
        assertThat(reopenAndRead(crash2)).isEqualTo(newView);
        assertThat(leftovers(crash2)).isEmpty();

        // Killed while moving the old segments aside: some are .deleted, some not yet.
        Path crash3 = crashCopy(oldData, "moving");
        Path dir3 = crash3.resolve(dirName());
        Files.write(SegmentNames.swapFile(dir3, base, end), cleanedBytes);
        for (long b : oldBases.subList(0, oldBases.size() / 2)) {
            Path log = SegmentNames.logFile(dir3, b);
            Files.move(log, log.resolveSibling(log.getFileName() + SegmentNames.DELETED));
        }
        assertThat(reopenAndRead(crash3)).isEqualTo(newView);

        // Killed after every old segment moved aside, before the .swap became the segment.
        Path crash4 = crashCopy(oldData, "renaming");
        Path dir4 = crash4.resolve(dirName());
        Files.write(SegmentNames.swapFile(dir4, base, end), cleanedBytes);
        for (long b : oldBases) {
            if (b < end) {
                Path log = SegmentNames.logFile(dir4, b);
                Files.move(log, log.resolveSibling(log.getFileName() + SegmentNames.DELETED));
            }
        }
        assertThat(reopenAndRead(crash4)).isEqualTo(newView);
    }

    private static String dirName() {
        return TP.topic() + "-" + TP.partition();
    }

    private Path crashCopy(Path from, String name) throws IOException {
        Path to = root.resolve("crash-" + name);
        copy(from, to);
        // A crash leaves no clean-shutdown marker.
        Files.deleteIfExists(to.resolve(".floe-clean-shutdown"));
        return to;
    }

    private List<Seen> reopenAndRead(Path dataDir) throws IOException {
        LogManager logs = manager(dataDir);
        return readAll(logs.open(TP, config()));
    }

    private static List<String> leftovers(Path dataDir) throws IOException {
        try (var files = Files.list(dataDir.resolve(dirName()))) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(SegmentNames.CLEANED) || n.endsWith(SegmentNames.SWAP)).toList();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
