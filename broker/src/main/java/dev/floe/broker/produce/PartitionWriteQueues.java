package dev.floe.broker.produce;

import org.apache.kafka.common.TopicPartition;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * One FIFO queue of writes per partition, drained by a shared pool. Requests arriving on one connection are
 * queued in arrival order, so an idempotent producer's pipelined batches reach the log in sequence order while
 * different partitions are written in parallel.
 */
public final class PartitionWriteQueues {
    private final Executor pool;
    private final Map<TopicPartition, SerialQueue> queues = new ConcurrentHashMap<>();

    public PartitionWriteQueues(Executor pool) {
        this.pool = pool;
    }

    public <T> CompletableFuture<T> submit(TopicPartition tp, Supplier<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        queues.computeIfAbsent(tp, k -> new SerialQueue()).add(() -> {
            try {
                result.complete(work.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    private final class SerialQueue {
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        private boolean running;

        synchronized void add(Runnable task) {
            tasks.addLast(task);
            if (!running) {
                running = true;
                pool.execute(this::drain);
            }
        }

        private void drain() {
            while (true) {
                Runnable next;
                synchronized (this) {
                    next = tasks.pollFirst();
                    if (next == null) {
                        running = false;
                        return;
                    }
                }
                next.run();
            }
        }
    }
}
