package dev.floe.broker.fetch.session;

import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.requests.FetchMetadata;

import java.util.List;

/**
 * A full request with epoch 0: every partition is read and answered, and a session holding them all is created
 * if the cache has room. The response carries its id (or 0 when there was no room), and the fetcher's next
 * request may then be incremental.
 */
final class FullContext implements FetchContext {
    private final FetchSessionCache cache;
    private final List<FetchRequestData.FetchTopic> topics;
    private final boolean privileged;
    private final boolean usesTopicIds;

    FullContext(FetchSessionCache cache, List<FetchRequestData.FetchTopic> topics, boolean privileged,
                boolean usesTopicIds) {
        this.cache = cache;
        this.topics = topics;
        this.privileged = privileged;
        this.usesTopicIds = usesTopicIds;
    }

    @Override
    public List<FetchRequestData.FetchTopic> toRead() {
        return topics;
    }

    @Override
    public FetchResponseData respond(FetchResponseData read) {
        int size = 0;
        for (FetchRequestData.FetchTopic t : topics) {
            size += t.partitions().size();
        }
        if (size == 0) {
            // Kafka keeps even an empty session; here it would only take a slot until evicted.
            return read.setSessionId(FetchMetadata.INVALID_SESSION_ID);
        }
        FetchSession session = cache.maybeCreate(privileged, usesTopicIds, size, s -> {
            for (FetchRequestData.FetchTopic t : topics) {
                for (FetchRequestData.FetchPartition p : t.partitions()) {
                    s.upsert(t.topicId(), t.topic(), p);
                }
            }
            for (FetchResponseData.FetchableTopicResponse t : read.responses()) {
                for (FetchResponseData.PartitionData p : t.partitions()) {
                    CachedPartition cached = s.get(PartitionKey.of(usesTopicIds, t.topicId(), t.topic(),
                            p.partitionIndex()));
                    if (cached != null) {
                        cached.remember(p);
                    }
                }
            }
        });
        return read.setSessionId(session == null ? FetchMetadata.INVALID_SESSION_ID : session.id());
    }
}
