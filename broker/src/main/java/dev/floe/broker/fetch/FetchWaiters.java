package dev.floe.broker.fetch;

import org.apache.kafka.common.TopicPartition;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fetches parked until data arrives (Kafka's fetch purgatory). An append wakes only the fetches watching that
 * partition; nothing polls.
 */
public final class FetchWaiters {
    private final Map<TopicPartition, Set<DelayedFetch>> watchers = new ConcurrentHashMap<>();

    void watch(DelayedFetch fetch, Iterable<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            watchers.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(fetch);
        }
    }

    void unwatch(DelayedFetch fetch, Iterable<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            Set<DelayedFetch> set = watchers.get(tp);
            if (set != null) {
                set.remove(fetch);
            }
        }
    }

    /** Called after records were appended to {@code tp}. */
    public void appended(TopicPartition tp) {
        Set<DelayedFetch> set = watchers.get(tp);
        if (set != null && !set.isEmpty()) {
            for (DelayedFetch fetch : set) {
                fetch.wake();
            }
        }
    }

    int waiting() {
        int n = 0;
        for (Set<DelayedFetch> set : watchers.values()) {
            n += set.size();
        }
        return n;
    }
}
