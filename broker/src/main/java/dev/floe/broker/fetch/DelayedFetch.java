package dev.floe.broker.fetch;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchResponseData;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fetch that found fewer than min.bytes and waits for an append or for max.wait.ms, whichever comes first.
 * Each wake re-reads; the first attempt that satisfies min.bytes, or the timeout, completes it exactly once.
 */
final class DelayedFetch {
    /** One read of every requested partition. */
    interface Attempt {
        CompletableFuture<FetchResponseData> read(boolean finalAttempt);

        int bytesOf(FetchResponseData response);
    }

    private final Attempt attempt;
    private final int minBytes;
    private final List<TopicPartition> partitions;
    private final FetchWaiters waiters;
    private final Executor io;
    private final CompletableFuture<FetchResponseData> result = new CompletableFuture<>();
    private final AtomicBoolean completed = new AtomicBoolean();
    private final AtomicInteger pendingWakes = new AtomicInteger();
    private ScheduledFuture<?> timeout;

    DelayedFetch(Attempt attempt, int minBytes, List<TopicPartition> partitions, FetchWaiters waiters, Executor io) {
        this.attempt = attempt;
        this.minBytes = minBytes;
        this.partitions = partitions;
        this.waiters = waiters;
        this.io = io;
    }

    CompletableFuture<FetchResponseData> park(ScheduledExecutorService scheduler, long maxWaitMs) {
        waiters.watch(this, partitions);
        timeout = scheduler.schedule(() -> io.execute(() -> attempt.read(true).whenComplete(this::finish)),
                maxWaitMs, TimeUnit.MILLISECONDS);
        // An append between the first read and watch() would otherwise be missed.
        wake();
        return result;
    }

    void wake() {
        if (completed.get() || pendingWakes.getAndIncrement() > 0) {
            return;
        }
        io.execute(this::readOnce);
    }

    /** One read; appends that arrived meanwhile trigger another, so none is missed and reads never overlap. */
    private void readOnce() {
        if (completed.get()) {
            return;
        }
        pendingWakes.set(1);
        attempt.read(false).whenComplete((response, error) -> {
            if (error != null || attempt.bytesOf(response) >= minBytes) {
                finish(response, error);
            } else if (!pendingWakes.compareAndSet(1, 0)) {
                io.execute(this::readOnce);
            }
        });
    }

    private void finish(FetchResponseData response, Throwable error) {
        if (completed.compareAndSet(false, true)) {
            waiters.unwatch(this, partitions);
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(response);
            }
        }
    }
}
