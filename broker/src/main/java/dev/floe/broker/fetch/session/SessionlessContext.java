package dev.floe.broker.fetch.session;

import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.requests.FetchMetadata;

import java.util.List;

/** A full request that keeps no session (epoch -1, or Fetch below v7): every partition, every time. */
final class SessionlessContext implements FetchContext {
    private final List<FetchRequestData.FetchTopic> topics;

    SessionlessContext(List<FetchRequestData.FetchTopic> topics) {
        this.topics = topics;
    }

    @Override
    public List<FetchRequestData.FetchTopic> toRead() {
        return topics;
    }

    @Override
    public FetchResponseData respond(FetchResponseData read) {
        return read.setSessionId(FetchMetadata.INVALID_SESSION_ID);
    }
}
