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
            if (!last && (cleanShutdown || flushed)) {
                segments.put(base, LogSegment.openTrusted(dir, base, config.indexIntervalBytes(),
                        config.segmentIndexBytes()));
                continue;
            }
            boolean verify = !cleanShutdown;
            long sizeBefore = Files.size(SegmentNames.logFile(dir, base));
            LogSegment segment = LogSegment.open(dir, base, config.indexIntervalBytes(), config.segmentIndexBytes(),
                    last, cleanShutdown, verify);
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
