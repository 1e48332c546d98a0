package dev.floe.broker.cleaner;

/**
 * Keeps the cleaner's disk I/O under a rate (bytes read plus written per second), so compaction never takes the
 * disk bandwidth appends and fetches need. It sleeps the cleaner's own thread, which does nothing else; zero or
 * less means unthrottled.
 */
final class Throttler {
    interface Sleeper {
        void sleep(long ms) throws InterruptedException;
    }

    private final long bytesPerSecond;
    private final java.util.function.LongSupplier nanoClock;
    private final Sleeper sleeper;
    private long windowStart;
    private long bytesInWindow;

    Throttler(long bytesPerSecond, java.util.function.LongSupplier nanoClock, Sleeper sleeper) {
        this.bytesPerSecond = bytesPerSecond;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
        this.windowStart = nanoClock.getAsLong();
    }

    static Throttler unlimited() {
        return new Throttler(0, System::nanoTime, ms -> { });
    }

    /** Account for {@code bytes} of I/O just done; waits as long as needed to stay under the rate. */
    void acquire(long bytes) throws InterruptedException {
        if (bytesPerSecond <= 0) {
            return;
        }
        bytesInWindow += bytes;
        long elapsedNs = nanoClock.getAsLong() - windowStart;
        long dueNs = bytesInWindow * 1_000_000_000L / bytesPerSecond;
        if (dueNs > elapsedNs) {
            sleeper.sleep((dueNs - elapsedNs) / 1_000_000L);
        }
        if (elapsedNs > 1_000_000_000L) {
            // A fresh window each second, so an idle spell does not bank a burst.
            windowStart = nanoClock.getAsLong();
            bytesInWindow = 0;
        }
    }
}
