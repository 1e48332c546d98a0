package dev.floe.broker.log;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Deletes the files of removed segments after a delay, so that fetches already sending those bytes with
 * sendfile finish first (Kafka's file.delete.delay.ms).
 */
public final class SegmentReaper {
    private static final Logger LOG = Logger.getLogger(SegmentReaper.class);
    private final ScheduledExecutorService scheduler;
    private final long delayMs;

    public SegmentReaper(ScheduledExecutorService scheduler, long delayMs) {
        this.scheduler = scheduler;
        this.delayMs = delayMs;
    }

    void deleteLater(LogSegment segment) {
        deleteLater(segment, delayMs);
    }

    /** After {@code delayMs} (a topic's own file.delete.delay.ms), or the broker's delay when it is negative. */
    void deleteLater(LogSegment segment, long delayMs) {
        long delay = delayMs < 0 ? this.delayMs : delayMs;
        scheduler.schedule(() -> {
            try {
                segment.deleteFiles();
            } catch (IOException e) {
                LOG.warnf("could not delete the files of removed segment %s: %s", segment.logPath(), e.getMessage());
            }
        }, delay, TimeUnit.MILLISECONDS);
    }
}
