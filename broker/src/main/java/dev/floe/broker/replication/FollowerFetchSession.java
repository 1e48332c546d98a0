package dev.floe.broker.replication;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The follower's side of an incremental fetch session (KIP-227, Kafka's FetchSessionHandler) with one leader: the
 * first request is full and opens a session; later ones name only partitions whose request changed (fetch offset,
 * log start, leader epoch, size) and forget those no longer fetched, and the leader answers only partitions with
 * news. A session error, a connection failure or a leader with no room starts over with a full request.
 * Used by one fetcher thread only.
 */
final class FollowerFetchSession {
    private record Sent(long fetchOffset, long logStartOffset, int leaderEpoch, int maxBytes) {
        static Sent of(FetchRequestData.FetchPartition p) {
            return new Sent(p.fetchOffset(), p.logStartOffset(), p.currentLeaderEpoch(), p.partitionMaxBytes());
        }
    }

    private int sessionId = FetchMetadata.INVALID_SESSION_ID;
    private int epoch = FetchMetadata.INITIAL_EPOCH;
    /** What the leader's session holds, as of the last answered request. */
    private final Map<TopicPartition, Sent> session = new HashMap<>();
    /** What the session will hold once the request in flight is answered. */
    private Map<TopicPartition, Sent> pending = Map.of();

    /** Fills in the session fields, topics and forgotten topics of {@code request} for the partitions {@code wanted}. */
    void build(FetchRequestData request, Map<TopicPartition, FetchRequestData.FetchPartition> wanted) {
        boolean full = epoch == FetchMetadata.INITIAL_EPOCH;
        request.setSessionId(sessionId).setSessionEpoch(epoch);
        Map<String, FetchRequestData.FetchTopic> topics = new LinkedHashMap<>();
        Map<TopicPartition, Sent> next = new HashMap<>();
        wanted.forEach((tp, p) -> {
            Sent sent = Sent.of(p);
            next.put(tp, sent);
            if (full || !sent.equals(session.get(tp))) {
                topics.computeIfAbsent(tp.topic(), t -> {
                    FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopic(t);
                    request.topics().add(topic);
                    return topic;
                }).partitions().add(p);
            }
        });
        if (!full) {
            Map<String, List<Integer>> forgotten = new LinkedHashMap<>();
            for (TopicPartition tp : session.keySet()) {
                if (!wanted.containsKey(tp)) {
                    forgotten.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
                }
            }
            forgotten.forEach((t, ps) -> request.forgottenTopicsData().add(
                    new FetchRequestData.ForgottenTopic().setTopic(t).setPartitions(ps)));
        }
        pending = next;
    }

    /** Takes in the answer to the last built request; false when it was a session error (nothing to apply). */
    boolean answered(FetchResponseData response) {
        Errors error = Errors.forCode(response.errorCode());
        if (error == Errors.FETCH_SESSION_ID_NOT_FOUND || error == Errors.INVALID_FETCH_SESSION_EPOCH
                || error == Errors.FETCH_SESSION_TOPIC_ID_ERROR) {
            reset();
            return false;
        }
        if (error != Errors.NONE) {
            return true;
        }
        if (response.sessionId() == FetchMetadata.INVALID_SESSION_ID) {
            // No session (no room, or everything was forgotten): the next request is full and asks again.
            reset();
            sessionId = FetchMetadata.INVALID_SESSION_ID;
            return true;
        }
        if (epoch == FetchMetadata.INITIAL_EPOCH || response.sessionId() != sessionId) {
            sessionId = response.sessionId();
            epoch = FetchMetadata.nextEpoch(FetchMetadata.INITIAL_EPOCH);
        } else {
            epoch = FetchMetadata.nextEpoch(epoch);
        }
        session.clear();
        session.putAll(pending);
        return true;
    }

    /**
     * Starts over: the next request is full, and carries the old id so that the leader closes that session
     * rather than keep it until evicted.
     */
    void reset() {
        epoch = FetchMetadata.INITIAL_EPOCH;
        session.clear();
        pending = Map.of();
    }

    int sessionId() {
        return sessionId;
    }
}
