package dev.floe.broker.http;

import org.apache.kafka.common.TopicPartition;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One-shot wake-ups for HTTP waiters (long-poll reads, SSE and NDJSON tails) when records are appended to a
 * partition, so nothing polls the log.
 */
final class AppendSignals {
    private final Map<TopicPartition, List<Runnable>> waiting = new ConcurrentHashMap<>();

    /** Run {@code onAppend} once, at the next append to any of the partitions; returns a cancel action. */
    Runnable once(List<TopicPartition> partitions, Runnable onAppend) {
        AtomicBoolean fired = new AtomicBoolean();
        Runnable[] self = new Runnable[1];
        Runnable cancel = () -> {
            for (TopicPartition tp : partitions) {
                List<Runnable> list = waiting.get(tp);
                if (list != null) {
                    list.remove(self[0]);
                }
            }
        };
        self[0] = () -> {
            if (fired.compareAndSet(false, true)) {
                cancel.run();
                onAppend.run();
            }
        };
        for (TopicPartition tp : partitions) {
            waiting.computeIfAbsent(tp, k -> new CopyOnWriteArrayList<>()).add(self[0]);
        }
        return () -> {
            fired.set(true);
            cancel.run();
        };
    }

    void appended(TopicPartition tp) {
        List<Runnable> list = waiting.get(tp);
        if (list != null && !list.isEmpty()) {
            for (Runnable r : list) {
                r.run();
            }
        }
    }
}
