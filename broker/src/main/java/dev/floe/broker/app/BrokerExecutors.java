package dev.floe.broker.app;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broker's own threads, one bounded pool per kind of blocking work so that one kind can never starve another:
 * a Lease renewal never waits behind disk I/O, an fsync never behind a read, an S3 call never behind an append.
 * Nothing blocking runs on Vert.x's event loops.
 */
public final class BrokerExecutors implements AutoCloseable {
    private final ExecutorService io;
    private final ExecutorService flush;
    private final ExecutorService tier;
    private final ExecutorService control;
    private final ScheduledExecutorService lease;
    private final ExecutorService replicationControl;
    private final ScheduledExecutorService scheduler;
    private final ScheduledExecutorService cleaner;
    private final ExecutorService coordinatorLoad;

    public BrokerExecutors(int ioThreads) {
        // Appends and local reads: short, disk-bound, on the request path.
        this.io = Executors.newFixedThreadPool(ioThreads, named("floe-io"));
        // fsyncs of rolled segments and periodic flushes: slow, never on the request path.
        this.flush = Executors.newFixedThreadPool(2, named("floe-flush"));
        // Object-store calls wait on the network: their own pool, so they never hold up local reads and appends.
        this.tier = Executors.newFixedThreadPool(4, named("floe-tier"));
        // Kubernetes API calls for topic changes, which wait for the operator; bounded so they cannot pile up.
        this.control = Executors.newFixedThreadPool(2, named("floe-control"));
        // The Lease alone: if it waited behind anything the broker could lose leadership while healthy.
        this.lease = Executors.newSingleThreadScheduledExecutor(named("floe-lease"));
        // A leader's in-sync set changes written to Topic.status: one at a time, never behind topic changes.
        this.replicationControl = Executors.newSingleThreadExecutor(named("floe-isr"));
        this.scheduler = Executors.newScheduledThreadPool(1, named("floe-scheduler"));
        // The log cleaner: one long, throttled job at a time, never in the way of appends, reads or fsyncs.
        this.cleaner = Executors.newSingleThreadScheduledExecutor(named("floe-cleaner"));
        // Coordinators reading their state back from a partition they just came to lead: a long read of one
        // partition must not hold up appends (io) or topic changes (control).
        this.coordinatorLoad = Executors.newSingleThreadExecutor(named("floe-coordinator-load"));
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public ExecutorService io() {
        return io;
    }

    public ExecutorService flush() {
        return flush;
    }

    public ExecutorService tier() {
        return tier;
    }

    public ExecutorService control() {
        return control;
    }

    public ScheduledExecutorService lease() {
        return lease;
    }

    public ExecutorService replicationControl() {
        return replicationControl;
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    public ScheduledExecutorService cleaner() {
        return cleaner;
    }

    public ExecutorService coordinatorLoad() {
        return coordinatorLoad;
    }

    @Override
    public void close() throws InterruptedException {
        // A clean under way stops at its next chunk and leaves the old segments; wait for that before the logs close.
        cleaner.shutdownNow();
        cleaner.awaitTermination(10, TimeUnit.SECONDS);
        scheduler.shutdownNow();
        coordinatorLoad.shutdownNow();
        lease.shutdownNow();
        tier.shutdownNow();
        control.shutdownNow();
        replicationControl.shutdownNow();
        io.shutdown();
        io.awaitTermination(10, TimeUnit.SECONDS);
        flush.shutdown();
        flush.awaitTermination(10, TimeUnit.SECONDS);
    }
}
