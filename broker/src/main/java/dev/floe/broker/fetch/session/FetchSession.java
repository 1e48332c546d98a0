package dev.floe.broker.fetch.session;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One incremental fetch session (KIP-227): an id, the epoch the next request must carry, and the partitions the
 * fetcher follows, in the order they are read. Partitions that just returned records move to the back, so a
 * response byte limit does not starve the partitions behind them.
 *
 * <p>Every method holds the session's own lock. The cache's lock may be taken first and then a session's, never
 * the other way round.
 */
public final class FetchSession {
    private final int id;
    private final boolean privileged;
    private final boolean usesTopicIds;
    private final long creationMs;
    private final Map<PartitionKey, CachedPartition> partitions = new LinkedHashMap<>();
    private long lastUsedMs;
    private int epoch;
    /** The size the cache last accounted for; -1 while the session is not in the cache. */
    private int cachedSize = -1;

    FetchSession(int id, boolean privileged, boolean usesTopicIds, long creationMs, int epoch) {
        this.id = id;
        this.privileged = privileged;
        this.usesTopicIds = usesTopicIds;
        this.creationMs = creationMs;
        this.lastUsedMs = creationMs;
        this.epoch = epoch;
    }

    public int id() {
        return id;
    }

    public boolean privileged() {
        return privileged;
    }

    public boolean usesTopicIds() {
        return usesTopicIds;
    }

    long creationMs() {
        return creationMs;
    }

    synchronized long lastUsedMs() {
        return lastUsedMs;
    }

    synchronized void setLastUsedMs(long now) {
        lastUsedMs = now;
    }

    public synchronized int epoch() {
        return epoch;
    }

    synchronized void setEpoch(int epoch) {
        this.epoch = epoch;
    }

    synchronized int cachedSize() {
        return cachedSize;
    }

    synchronized void setCachedSize(int size) {
        cachedSize = size;
    }

    public synchronized int size() {
        return partitions.size();
    }

    synchronized CachedPartition get(PartitionKey key) {
        return partitions.get(key);
    }

    /** Adds or updates what {@code topic} names; a partition already followed keeps its place. */
    synchronized void upsert(Uuid topicId, String topic, FetchRequestData.FetchPartition request) {
        PartitionKey key = PartitionKey.of(usesTopicIds, topicId, topic, request.partition());
        CachedPartition cached = partitions.get(key);
        if (cached == null) {
            partitions.put(key, new CachedPartition(usesTopicIds ? topicId : Uuid.ZERO_UUID, topic, request));
        } else {
            cached.updateRequest(request);
            cached.resolveName(topic);
        }
    }

    synchronized boolean forget(Uuid topicId, String topic, int partition) {
        return partitions.remove(PartitionKey.of(usesTopicIds, topicId, topic, partition)) != null;
    }

    /** Moves a partition that returned records to the back of the read order. */
    synchronized void moveToBack(PartitionKey key) {
        CachedPartition cached = partitions.remove(key);
        if (cached != null) {
            partitions.put(key, cached);
        }
    }

    /**
     * The request an incremental fetch stands for: every partition of the session in read order, grouped into
     * topics where neighbours share one. Names of ids learnt since are filled in through {@code names}.
     */
    synchronized List<FetchRequestData.FetchTopic> toRequest(Function<Uuid, String> names) {
        List<FetchRequestData.FetchTopic> topics = new ArrayList<>();
        FetchRequestData.FetchTopic current = null;
        for (CachedPartition p : partitions.values()) {
            if (usesTopicIds && p.topic() == null) {
                p.resolveName(names.apply(p.topicId()));
            }
            if (current == null || !current.topicId().equals(p.topicId())
                    || !java.util.Objects.equals(current.topic(), p.topic())) {
                current = new FetchRequestData.FetchTopic().setTopicId(p.topicId()).setTopic(p.topic());
                topics.add(current);
            }
            current.partitions().add(p.toRequest());
        }
        return topics;
    }

    @Override
    public synchronized String toString() {
        return "FetchSession(id=" + id + ", privileged=" + privileged + ", partitions=" + partitions.size()
                + ", usesTopicIds=" + usesTopicIds + ", epoch=" + epoch + ")";
    }
}
