package dev.floe.broker.log;

import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;

/**
 * Opens a partition's segments at start-up. Segments wholly below the recovery point were flushed before the
 * broker stopped, so they are trusted without reading them (their files are opened and mapped on first use);
 * after an unclean stop every segment at or above the recovery point is verified batch by batch, cut at the
 * first torn or corrupt batch, and everything after a cut is dropped, as the log must stay contiguous.
 */
public final class LogLoader {
    private static final Logger LOG = Logger.getLogger(LogLoader.class);

    /** What recovery did, for the log line and for tests. */
    public record Recovery(int segmentsVerified, long bytesVerified, long bytesCut, int segmentsDropped) {
        static final Recovery NONE = new Recovery(0, 0, 0, 0);
    }

    private final TopicPartition tp;
    private final Path dir;
    private final LogConfig config;

    LogLoader(TopicPartition tp, Path dir, LogConfig config) {
        this.tp = tp;
        this.dir = dir;
        this.config = config;
    }

    /** @param recoveryPoint the checkpointed recovery point, -1 when none is known */
    Recovery load(NavigableMap<Long, LogSegment> segments, boolean cleanShutdown, long recoveryPoint)
            throws IOException {
        java.util.Set<Long> swapped = finishInterruptedCleaning();
        List<Long> bases = segmentBases();
        // Without a checkpoint (a log written before recovery points existed) only the active segment is in doubt,
        // which is what the broker assumed then.
        if (recoveryPoint < 0 && !bases.isEmpty()) {
            recoveryPoint = bases.get(bases.size() - 1);
        }
        int verified = 0;
        long verifiedBytes = 0;
        long cutBytes = 0;
        int dropped = 0;
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            boolean last = i == bases.size() - 1;
            long nextBase = last ? Long.MAX_VALUE : bases.get(i + 1);
            boolean flushed = nextBase <= recoveryPoint;
            if (!last && (cleanShutdown || flushed) && !swapped.contains(base)) {
                segments.put(base, LogSegment.openTrusted(dir, base, config.indexIntervalBytes(),
                        config.segmentIndexBytes()));
                continue;
            }
            boolean verify = !cleanShutdown || swapped.contains(base);
            long sizeBefore = Files.size(SegmentNames.logFile(dir, base));
            LogSegment segment = LogSegment.open(dir, base, config.indexIntervalBytes(), config.segmentIndexBytes(),
                    last, cleanShutdown && !swapped.contains(base), verify);
            if (verify) {
                verified++;
                verifiedBytes += sizeBefore;
            }
            int cut = segment.truncatedBytes(sizeBefore);
            segments.put(base, segment);
            if (cut > 0) {
                cutBytes += cut;
                LOG.warnf("%s: recovered segment %d after an unclean shutdown, cut %d bytes of torn or corrupt data",
                        tp, base, cut);
                if (!last) {
                    dropped = dropAfter(bases.subList(i + 1, bases.size()));
                    // The cut segment is where appends continue: reopen it as the active one.
                    segment.close();
                    segments.put(base, LogSegment.open(dir, base, config.indexIntervalBytes(),
                            config.segmentIndexBytes(), true, false, false));
                    break;
                }
            }
        }
        Recovery recovery = new Recovery(verified, verifiedBytes, cutBytes, dropped);
        if (verified > 0) {
            LOG.debugf("%s: verified %d segment(s), %d bytes above recovery point %d; cut %d bytes, dropped %d "
                    + "later segment(s)", tp, verified, verifiedBytes, recoveryPoint, cutBytes, dropped);
        }
        return verified > 0 ? recovery : Recovery.NONE;
    }

    /**
     * Make a log the log cleaner was interrupted in whole again: either the old segments or the cleaned ones,
     * never a mix. A {@code .cleaned} file was not complete when the broker stopped, so it is dropped and the old
     * segments stay. A {@code .swap} file was complete and fsynced before it got that name (the commit point), so
     * the swap is finished: every old segment in its offset range goes (some may already be {@code .deleted}) and
     * the swap file becomes the segment. Returns the bases of the segments swapped in, whose indexes are rebuilt.
     */
    private java.util.Set<Long> finishInterruptedCleaning() throws IOException {
        java.util.Set<Long> swapped = new java.util.HashSet<>();
        List<Path> swaps = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(SegmentNames.CLEANED)) {
                    Files.deleteIfExists(file);
                    LOG.infof("%s: dropped %s, an unfinished clean; the old segments stay", tp, name);
                } else if (name.endsWith(SegmentNames.SWAP) && SegmentNames.replacedRange(name) != null) {
                    swaps.add(file);
                }
            }
        }
        swaps.sort(java.util.Comparator.comparing(p -> p.getFileName().toString()));
        for (Path swap : swaps) {
            long[] range = SegmentNames.replacedRange(swap.getFileName().toString());
            try (var files = Files.list(dir)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    String name = file.getFileName().toString();
                    long base = SegmentNames.baseOffsetOf(name);
                    boolean segmentFile = name.endsWith(SegmentNames.LOG) || name.endsWith(SegmentNames.INDEX)
                            || name.endsWith(SegmentNames.TIME_INDEX);
                    if (segmentFile && base >= range[0] && base < range[1]) {
                        Files.deleteIfExists(file);
                    }
                }
            }
            Files.move(swap, SegmentNames.logFile(dir, range[0]), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            swapped.add(range[0]);
            LOG.infof("%s: finished swapping in the cleaned segment %d (offsets %d to %d) that a stop interrupted",
                    tp, range[0], range[0], range[1] - 1);
        }
        return swapped;
    }

    private List<Long> segmentBases() throws IOException {
        List<Long> bases = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(SegmentNames.DELETED)) {
                    Files.deleteIfExists(file);
                } else if (name.endsWith(SegmentNames.LOG) && SegmentNames.baseOffsetOf(name) >= 0) {
                    bases.add(SegmentNames.baseOffsetOf(name));
                }
            }
        }
        bases.sort(Long::compare);
        return bases;
    }

    /** Segments after a cut hold records whose predecessors are gone: the log cannot keep them. */
    private int dropAfter(List<Long> later) throws IOException {
        for (long base : later) {
            Files.deleteIfExists(SegmentNames.logFile(dir, base));
            Files.deleteIfExists(SegmentNames.indexFile(dir, base));
            Files.deleteIfExists(SegmentNames.timeIndexFile(dir, base));
            LOG.warnf("%s: dropped segment %d, which followed a torn segment", tp, base);
        }
        return later.size();
    }
}
