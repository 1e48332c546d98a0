package dev.floe.tier.store;

import java.util.concurrent.TimeUnit;

/**
 * A token bucket of bytes per second shared by every upload of a process, so tiering can never take more of the
 * disk and network than it is given, however many segments and parts are in flight. A caller takes the bytes it
 * is about to send and sleeps off any debt: the balance may go negative, so a read larger than the burst still
 * passes, just later. Rate 0 means unlimited.
 */
public final class UploadThrottle {
    /** Burst: a tenth of a second's worth, so the measured rate stays close to the setting over a few seconds. */
    private static final double BURST_SECONDS = 0.1;
    private static final UploadThrottle UNLIMITED = new UploadThrottle(0);

    private final long bytesPerSecond;
    private final double capacity;
    private double balance;
    private long refilledAtNanos;

    public UploadThrottle(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("an upload rate cannot be negative: " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
        this.capacity = bytesPerSecond * BURST_SECONDS;
        this.balance = capacity;
        this.refilledAtNanos = System.nanoTime();
    }

    public static UploadThrottle unlimited() {
        return UNLIMITED;
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    public boolean limited() {
        return bytesPerSecond > 0;
    }

    /** Take {@code bytes}, waiting as long as the rate requires. */
    public void acquire(long bytes) throws InterruptedException {
        if (!limited() || bytes <= 0) {
            return;
        }
        long waitNanos;
        synchronized (this) {
            long now = System.nanoTime();
            balance = Math.min(capacity, balance + (now - refilledAtNanos) * (bytesPerSecond / 1e9));
            refilledAtNanos = now;
            balance -= bytes;
            waitNanos = balance >= 0 ? 0 : (long) (-balance / bytesPerSecond * 1e9);
        }
        // Sleep outside the lock: other uploads reserve their own share meanwhile, each behind the debt before it.
        if (waitNanos > 0) {
            TimeUnit.NANOSECONDS.sleep(waitNanos);
        }
    }
}
