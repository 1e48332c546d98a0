package dev.floe.broker.fetch.session;

import org.apache.kafka.common.requests.FetchMetadata;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The bounded set of fetch sessions on this broker (Kafka's {@code max.incremental.fetch.session.cache.slots}).
 *
 * <p>A new session takes a free slot, or evicts, by Kafka's rules: first the least recently used session if it has
 * been idle longer than {@code evictionMs}; otherwise the least valuable session that the newcomer outranks, where
 * a follower's (privileged) session outranks a consumer's and otherwise more partitions outrank fewer. A session
 * younger than {@code evictionMs} is protected, except a consumer's session against a follower. Unlike Kafka, which
 * keeps sorted indexes updated at every use, the candidates are found by a scan when the cache is full: creating
 * a session is rare next to using one, and the cache holds at most a few thousand.
 *
 * <p>Thread-safe: every method holds the cache lock; a session's lock may be taken inside it, never around it.
 */
public final class FetchSessionCache {
    private static final Comparator<FetchSession> LEAST_VALUABLE = Comparator
            .comparing(FetchSession::privileged).thenComparingInt(FetchSession::cachedSize).thenComparingInt(FetchSession::id);

    private final int maxSlots;
    private final long evictionMs;
    private final LongSupplier clock;
    private final Map<Integer, FetchSession> sessions = new HashMap<>();
    private long partitions;
    private long evictions;
    private long created;

    public FetchSessionCache(int maxSlots, long evictionMs, LongSupplier clock) {
        this.maxSlots = Math.max(0, maxSlots);
        this.evictionMs = evictionMs;
        this.clock = clock;
    }

    public synchronized FetchSession get(int id) {
        return sessions.get(id);
    }

    /**
     * Creates a session if there is room or something may be evicted for it; {@code fill} adds its partitions
     * before it is accounted for. Null when there is no room: the fetcher then goes on without a session.
     */
    public synchronized FetchSession maybeCreate(boolean privileged, boolean usesTopicIds, int size,
                                                 Consumer<FetchSession> fill) {
        long now = clock.getAsLong();
        if (sessions.size() >= maxSlots && !tryEvict(privileged, size, now)) {
            return null;
        }
        FetchSession session = new FetchSession(newId(), privileged, usesTopicIds, now,
                FetchMetadata.nextEpoch(FetchMetadata.INITIAL_EPOCH));
        fill.accept(session);
        sessions.put(session.id(), session);
        created++;
        touch(session);
        return session;
    }

    private boolean tryEvict(boolean privileged, int size, long now) {
        FetchSession lru = null;
        FetchSession cheapest = null;
        for (FetchSession s : sessions.values()) {
            if (lru == null || s.lastUsedMs() < lru.lastUsedMs()) {
                lru = s;
            }
            boolean old = now - s.creationMs() > evictionMs;
            boolean evictable = old || (privileged && !s.privileged());
            if (evictable && (cheapest == null || LEAST_VALUABLE.compare(s, cheapest) < 0)) {
                cheapest = s;
            }
        }
        if (lru != null && now - lru.lastUsedMs() > evictionMs) {
            evict(lru);
            return true;
        }
        if (cheapest == null) {
            return false;
        }
        // The newcomer must outrank it: privileged first, then strictly more partitions.
        int byPrivilege = Boolean.compare(privileged, cheapest.privileged());
        if (byPrivilege > 0 || (byPrivilege == 0 && size > cheapest.cachedSize())) {
            evict(cheapest);
            return true;
        }
        return false;
    }

    private void evict(FetchSession session) {
        remove(session);
        evictions++;
    }

    private int newId() {
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        } while (sessions.containsKey(id) || id == FetchMetadata.INVALID_SESSION_ID);
        return id;
    }

    /** Marks a session used now and accounts for its current number of partitions. */
    public synchronized void touch(FetchSession session) {
        if (sessions.get(session.id()) != session) {
            return;
        }
        session.setLastUsedMs(clock.getAsLong());
        int before = session.cachedSize();
        int after = session.size();
        partitions += after - Math.max(0, before);
        session.setCachedSize(after);
    }

    public synchronized boolean remove(FetchSession session) {
        if (!sessions.remove(session.id(), session)) {
            return false;
        }
        partitions -= Math.max(0, session.cachedSize());
        session.setCachedSize(-1);
        return true;
    }

    public synchronized boolean remove(int id) {
        FetchSession session = sessions.get(id);
        return session != null && remove(session);
    }

    public synchronized int size() {
        return sessions.size();
    }

    public synchronized long partitionsCached() {
        return partitions;
    }

    public synchronized long evictions() {
        return evictions;
    }

    public synchronized long created() {
        return created;
    }

    public int maxSlots() {
        return maxSlots;
    }
}
