package dev.floe.broker.cluster;

import org.jboss.logging.Logger;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Keeps this broker's Lease renewed on the lease thread: every third of the lease after a success, within a
 * second after a failed attempt (an unhealthy broker does not try, and says so every interval). A fixed-rate schedule would wait a whole interval after a failed renewal (an API server
 * restart, a broker that was SIGSTOPped and continued), leaving a live broker looking dead to the operator for
 * longer than it has to; retrying sooner shortens that, and a healthy-but-slow API server still sees at most one
 * renewal in flight because each run schedules the next.
 */
final class LeaseRenewals {
    private static final Logger LOG = Logger.getLogger(LeaseRenewals.class);
    static final long RETRY_MS = 1_000;

    private final BrokerLease lease;
    private final BooleanSupplier healthy;
    private final int brokerId;
    private final ScheduledExecutorService executor;
    private final Renewer renewer;

    /** The renewal itself, so tests can make it fail. */
    interface Renewer {
        boolean renew();
    }

    LeaseRenewals(BrokerLease lease, BooleanSupplier healthy, int brokerId, ScheduledExecutorService executor) {
        this(lease, healthy, brokerId, executor, lease::renew);
    }

    LeaseRenewals(BrokerLease lease, BooleanSupplier healthy, int brokerId, ScheduledExecutorService executor,
                  Renewer renewer) {
        this.lease = lease;
        this.healthy = healthy;
        this.brokerId = brokerId;
        this.executor = executor;
        this.renewer = renewer;
    }

    void start() {
        schedule(lease.renewIntervalMs());
    }

    private void schedule(long delayMs) {
        try {
            executor.schedule(this::run, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The broker is stopping: the lease is released, not renewed.
        }
    }

    void run() {
        boolean failed = false;
        try {
            if (healthy.getAsBoolean()) {
                failed = !renewer.renew();
            } else {
                LOG.warnf("broker %d is not healthy (its log directory is not writable); not renewing its lease, so "
                        + "it stops leading when the lease runs out", brokerId);
            }
        } catch (RuntimeException e) {
            failed = true;
            LOG.warnf("renewing the lease of broker %d failed unexpectedly (%s); retrying in %d ms", brokerId, e,
                    RETRY_MS);
        }
        schedule(failed ? Math.min(RETRY_MS, lease.renewIntervalMs()) : lease.renewIntervalMs());
    }
}
