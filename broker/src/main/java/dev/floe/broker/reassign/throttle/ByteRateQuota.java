package dev.floe.broker.reassign.throttle;

import java.util.function.LongSupplier;

/**
 * A bytes-per-second budget for replication traffic that must not crowd out clients: a token bucket that refills at
 * the rate and holds at most one second of it, so an idle period buys a burst of one second and no more. Callers
 * ask how many bytes they may move now, move at most that (at least one batch, which can overshoot once), and
 * record what they moved; a rate of zero or less is unlimited. Unlike the cleaner's throttle nothing here sleeps:
 * the callers are a leader's fetch path and a follower's fetch loop, which skip a throttled partition this round
 * and serve the others.
 */
public final class ByteRateQuota {
    private final LongSupplier nanoClock;
    private long rate;
    private double tokens;
    private long refilledAt;

    public ByteRateQuota(long bytesPerSecond, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.refilledAt = nanoClock.getAsLong();
        setRate(bytesPerSecond);
    }

    /** A new rate applies from now; the bucket starts full at the new rate (or keeps its debt, if it has one). */
    public synchronized void setRate(long bytesPerSecond) {
        refill();
        this.rate = Math.max(0, bytesPerSecond);
        tokens = tokens < 0 ? tokens : rate;
    }

    public synchronized long rate() {
        return rate;
    }

    public synchronized boolean limited() {
        return rate > 0;
    }

    /** Bytes that may move now: {@link Integer#MAX_VALUE} when unlimited, 0 when the budget is spent. */
    public synchronized int allowance() {
        if (rate <= 0) {
            return Integer.MAX_VALUE;
        }
        refill();
        return tokens <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (long) tokens);
    }

    /** {@code bytes} moved: taken from the budget, which may go into debt by one oversized batch. */
    public synchronized void record(long bytes) {
        if (rate <= 0 || bytes <= 0) {
            return;
        }
        refill();
        tokens -= bytes;
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        long elapsed = now - refilledAt;
        refilledAt = now;
        if (rate > 0 && elapsed > 0) {
            tokens = Math.min(rate, tokens + rate * (elapsed / 1_000_000_000.0));
        }
    }
}
