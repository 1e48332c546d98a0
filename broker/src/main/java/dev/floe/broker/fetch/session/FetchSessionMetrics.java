package dev.floe.broker.fetch.session;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** Micrometer view of the fetch sessions (Kafka's NumIncrementalFetchSessions and friends). */
public final class FetchSessionMetrics {
    private FetchSessionMetrics() {
    }

    public static void register(MeterRegistry registry, FetchSessions sessions) {
        FetchSessionCache cache = sessions.cache();
        Gauge.builder("floe.fetch.sessions.active", cache, FetchSessionCache::size)
                .description("Incremental fetch sessions in the cache").register(registry);
        Gauge.builder("floe.fetch.sessions.partitions.cached", cache, FetchSessionCache::partitionsCached)
                .description("Partitions held by all incremental fetch sessions").register(registry);
        FunctionCounter.builder("floe.fetch.sessions.created", cache, FetchSessionCache::created)
                .description("Incremental fetch sessions created").register(registry);
        FunctionCounter.builder("floe.fetch.sessions.evictions", cache, FetchSessionCache::evictions)
                .description("Fetch sessions evicted to make room for another").register(registry);
        FunctionCounter.builder("floe.fetch.sessions.incremental.fetches", sessions, FetchSessions::incrementalFetches)
                .description("Incremental fetch requests served on a session").register(registry);
        FunctionCounter.builder("floe.fetch.sessions.incremental.partitions", sessions,
                        FetchSessions::incrementalPartitions)
                .description("Partitions named (added or changed) by incremental fetch requests; the others of "
                        + "their sessions were implied").register(registry);
        FunctionCounter.builder("floe.fetch.sessions.errors", sessions, FetchSessions::sessionErrors)
                .description("Fetch requests answered with a session error (unknown id, wrong epoch, topic id mismatch)")
                .register(registry);
    }
}
