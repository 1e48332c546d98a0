package dev.floe.broker.replication;

import org.apache.kafka.clients.FetchSessionHandler;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.utils.LogContext;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A follower's side of one incremental fetch session (KIP-227) with one leader broker: the first request is full
 * (epoch 0) and opens the session; each later one names only the partitions added or changed since the last
 * request (fetch offset, log start, leader epoch; a truncated log's offset moving back is a change too) and lists
 * the ones left out in {@code forgotten_topics_data}. The leader's answer then carries only partitions with
 * something new, the others are implied unchanged.
 *
 * <p>The bookkeeping is kafka-clients' {@link FetchSessionHandler}, the one the Java consumer uses; this class
 * only turns its plan into a Fetch v12 request by topic name and keeps the rules of when to start over:
 * {@link #reset()} after any request whose answer was not applied (a failed connection, a reconnect), and the
 * handler itself on FETCH_SESSION_ID_NOT_FOUND / INVALID_FETCH_SESSION_EPOCH or an answer that does not match.
 * Not thread-safe: used by its fetcher's thread only.
 */
final class FollowerFetchSession {
    /** Fetch v12: the last version naming topics by name (v13 moved to topic ids, not built here). */
    static final short FETCH_VERSION = 12;

    private final int leaderId;
    private FetchSessionHandler handler;
    private FetchSessionHandler.Builder next;
    private FetchSessionHandler.FetchRequestData last;

    FollowerFetchSession(int leaderId) {
        this.leaderId = leaderId;
        this.handler = new FetchSessionHandler(
                new LogContext("[follower fetch session with broker " + leaderId + "] "), leaderId);
    }

    /**
     * The last request may not have reached the leader, or its answer was lost (a failed or new connection): the
     * next request is a full one that closes the old session on the leader (freeing its slot) and opens a new one.
     */
    void reset() {
        if (handler.sessionId() != FetchMetadata.INVALID_SESSION_ID || last != null) {
            handler.handleError(new IOException("connection to broker " + leaderId + " lost or renewed"));
        }
        next = null;
    }

    /** Names one partition this round wants, at its current position; partitions not named leave the session. */
    void add(TopicPartition tp, long fetchOffset, long logStartOffset, int maxBytes, int currentLeaderEpoch) {
        if (next == null) {
            next = handler.newBuilder();
        }
        next.add(tp, new org.apache.kafka.common.requests.FetchRequest.PartitionData(Uuid.ZERO_UUID, fetchOffset,
                logStartOffset, maxBytes, Optional.of(currentLeaderEpoch), Optional.empty()));
    }

    /**
     * The request for the partitions {@link #add}ed since the last call: all of them if the session is new,
     * otherwise the added and changed ones. The session counts it as sent; an answer that is not passed to
     * {@link #handleResponse} must be followed by {@link #reset()}.
     */
    FetchRequestData build(int replicaId, int maxWaitMs, int maxBytes) {
        if (next == null) {
            next = handler.newBuilder();
        }
        last = next.build();
        next = null;
        FetchMetadata metadata = last.metadata();
        FetchRequestData request = new FetchRequestData().setReplicaId(replicaId).setMaxWaitMs(maxWaitMs)
                .setMinBytes(1).setMaxBytes(maxBytes).setIsolationLevel((byte) 0)
                .setSessionId(metadata.sessionId()).setSessionEpoch(metadata.epoch());
        Map<String, FetchRequestData.FetchTopic> topics = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, org.apache.kafka.common.requests.FetchRequest.PartitionData> e
                : last.toSend().entrySet()) {
            var p = e.getValue();
            topics.computeIfAbsent(e.getKey().topic(), t -> {
                FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopic(t);
                request.topics().add(topic);
                return topic;
            }).partitions().add(new FetchRequestData.FetchPartition().setPartition(e.getKey().partition())
                    .setFetchOffset(p.fetchOffset).setLogStartOffset(p.logStartOffset)
                    .setPartitionMaxBytes(p.maxBytes).setCurrentLeaderEpoch(p.currentLeaderEpoch.orElse(-1))
                    .setLastFetchedEpoch(p.lastFetchedEpoch.orElse(-1)));
        }
        Map<String, FetchRequestData.ForgottenTopic> forgotten = new LinkedHashMap<>();
        for (TopicIdPartition tp : last.toForget()) {
            forgotten.computeIfAbsent(tp.topic(), t -> {
                FetchRequestData.ForgottenTopic topic = new FetchRequestData.ForgottenTopic().setTopic(t);
                request.forgottenTopicsData().add(topic);
                return topic;
            }).partitions().add(tp.partition());
        }
        return request;
    }

    /**
     * Takes the leader's answer to the last {@link #build}. True when its partitions may be applied (an
     * incremental answer leaves out the unchanged ones); false when it cannot be used and the next request is a
     * full one: a session error, another top-level error, or partitions the session does not hold.
     */
    boolean handleResponse(FetchResponseData response) {
        return handler.handleResponse(FetchResponse.of(response), FETCH_VERSION);
    }

    /** Whether a top-level error only means "start a new session", worth a new request at once without backoff. */
    static boolean isSessionError(short errorCode) {
        Errors error = Errors.forCode(errorCode);
        return error == Errors.FETCH_SESSION_ID_NOT_FOUND || error == Errors.INVALID_FETCH_SESSION_EPOCH;
    }

    /** The session the next request continues, 0 for none (it will be full). */
    int sessionId() {
        return handler.sessionId();
    }

    /** The partitions the session holds after the last {@link #build}. */
    int sessionSize() {
        return last == null ? 0 : last.sessionPartitions().size();
    }
}
