package dev.floe.broker.app;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The broker's own threads: file I/O off the event loops, and one scheduler for timers and background passes. */
public final class BrokerExecutors implements AutoCloseable {
    private final ExecutorService io;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService tier;

    public BrokerExecutors(int ioThreads) {
        this.io = Executors.newFixedThreadPool(ioThreads, named("floe-io"));
        // Object-store calls wait on the network: their own pool, so they never hold up local reads and appends.
        this.tier = Executors.newFixedThreadPool(4, named("floe-tier"));
        this.scheduler = Executors.newScheduledThreadPool(1, named("floe-scheduler"));
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

    public ExecutorService tier() {
        return tier;
    }

    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public void close() throws InterruptedException {
        scheduler.shutdownNow();
        tier.shutdownNow();
        io.shutdown();
        io.awaitTermination(10, TimeUnit.SECONDS);
    }
}
