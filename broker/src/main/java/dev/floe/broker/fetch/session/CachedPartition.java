package dev.floe.broker.fetch.session;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * One partition of a fetch session: what the fetcher last asked for (so an incremental request may leave it out)
 * and what the broker last told it (so an incremental response may leave it out while nothing changed).
 * Guarded by the lock of its {@link FetchSession}.
 */
public final class CachedPartition {
    private final Uuid topicId;
    private String topic;
    private final int partition;
    // What the fetcher asked for.
    private long fetchOffset;
    private int maxBytes;
    private int currentLeaderEpoch;
    private long fetcherLogStartOffset;
    private int lastFetchedEpoch;
    // What the broker answered last; -1 until a first answer, and after an error so that the recovery is sent.
    private long highWatermark = -1;
    private long lastStableOffset = -1;
    private long logStartOffset = -1;

    CachedPartition(Uuid topicId, String topic, FetchRequestData.FetchPartition request) {
        this.topicId = topicId;
        this.topic = topic;
        this.partition = request.partition();
        updateRequest(request);
    }

    void updateRequest(FetchRequestData.FetchPartition request) {
        if (request.fetchOffset() < fetchOffset || request.currentLeaderEpoch() != currentLeaderEpoch) {
            // A fetcher that went back (a follower that cut a divergent tail, a consumer that seeked) or moved to
            // another leader epoch may have lost what it was told: the next answer carries this partition again.
            highWatermark = -1;
        }
        fetchOffset = request.fetchOffset();
        maxBytes = request.partitionMaxBytes();
        currentLeaderEpoch = request.currentLeaderEpoch();
        fetcherLogStartOffset = request.logStartOffset();
        lastFetchedEpoch = request.lastFetchedEpoch();
    }

    /** The request this partition stands for in an incremental fetch that does not name it. */
    FetchRequestData.FetchPartition toRequest() {
        return new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(fetchOffset)
                .setPartitionMaxBytes(maxBytes).setCurrentLeaderEpoch(currentLeaderEpoch)
                .setLogStartOffset(fetcherLogStartOffset).setLastFetchedEpoch(lastFetchedEpoch);
    }

    /**
     * Whether an incremental response must carry this partition: it has records, an error, a diverging epoch or a
     * preferred read replica, or its high watermark, last stable offset or log start offset moved since the last
     * answer. With {@code update} the answer becomes the new "last told" state.
     * (Kafka compares the high watermark and log start offset; the last stable offset is compared here too, so a
     * read_committed consumer learns of a commit that moved nothing else.)
     */
    boolean mustRespond(FetchResponseData.PartitionData answer, boolean update) {
        boolean must = answer.records() != null && answer.records().sizeInBytes() > 0;
        if (answer.highWatermark() != highWatermark || answer.lastStableOffset() != lastStableOffset
                || answer.logStartOffset() != logStartOffset) {
            must = true;
        }
        if (answer.preferredReadReplica() >= 0 || answer.divergingEpoch().epoch() >= 0) {
            must = true;
        }
        if (update) {
            highWatermark = answer.highWatermark();
            lastStableOffset = answer.lastStableOffset();
            logStartOffset = answer.logStartOffset();
        }
        if (answer.errorCode() != Errors.NONE.code()) {
            if (update) {
                highWatermark = -1;
            }
            must = true;
        }
        return must;
    }

    /** Records the first (full) answer without deciding anything: a full response carries every partition. */
    void remember(FetchResponseData.PartitionData answer) {
        mustRespond(answer, true);
    }

    public Uuid topicId() {
        return topicId;
    }

    /** Null while the topic id of a session of ids has no known name. */
    public String topic() {
        return topic;
    }

    void resolveName(String name) {
        if (topic == null) {
            topic = name;
        }
    }

    public int partition() {
        return partition;
    }

    public long fetchOffset() {
        return fetchOffset;
    }

    public long highWatermark() {
        return highWatermark;
    }
}
