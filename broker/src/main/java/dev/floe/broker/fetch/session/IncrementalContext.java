package dev.floe.broker.fetch.session;

import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * An incremental request on a live session: every partition of the session is read, and the response carries
 * only those with something to report (see {@link CachedPartition#mustRespond}).
 *
 * <p>A session serves one request at a time, as in Kafka, without a lock held across the read: the session's
 * epoch moved on when this request was accepted, and if another request on the same session was accepted before
 * this one answers (a client that resent, or two connections sharing an id), this response becomes
 * INVALID_FETCH_SESSION_EPOCH and leaves the session's state alone.
 */
final class IncrementalContext implements FetchContext {
    private final FetchSession session;
    private final int expectedEpoch;
    private final List<FetchRequestData.FetchTopic> topics;

    IncrementalContext(FetchSession session, int expectedEpoch, List<FetchRequestData.FetchTopic> topics) {
        this.session = session;
        this.expectedEpoch = expectedEpoch;
        this.topics = topics;
    }

    @Override
    public List<FetchRequestData.FetchTopic> toRead() {
        return topics;
    }

    @Override
    public FetchResponseData respond(FetchResponseData read) {
        synchronized (session) {
            if (session.epoch() != expectedEpoch) {
                return new FetchResponseData().setErrorCode(Errors.INVALID_FETCH_SESSION_EPOCH.code())
                        .setSessionId(session.id());
            }
            List<PartitionKey> withRecords = new ArrayList<>();
            Iterator<FetchResponseData.FetchableTopicResponse> topicIt = read.responses().iterator();
            while (topicIt.hasNext()) {
                FetchResponseData.FetchableTopicResponse t = topicIt.next();
                Iterator<FetchResponseData.PartitionData> it = t.partitions().iterator();
                while (it.hasNext()) {
                    FetchResponseData.PartitionData p = it.next();
                    PartitionKey key = PartitionKey.of(session.usesTopicIds(), t.topicId(), t.topic(), p.partitionIndex());
                    CachedPartition cached = session.get(key);
                    if (cached == null || !cached.mustRespond(p, true)) {
                        // Not in the session any more (forgotten meanwhile) or nothing new: left out.
                        it.remove();
                    } else if (p.records() != null && p.records().sizeInBytes() > 0) {
                        withRecords.add(key);
                    }
                }
                if (t.partitions().isEmpty()) {
                    topicIt.remove();
                }
            }
            withRecords.forEach(session::moveToBack);
            return read.setSessionId(session.id());
        }
    }
}
