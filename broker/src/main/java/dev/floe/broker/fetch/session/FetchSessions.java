package dev.floe.broker.fetch.session;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Turns a Fetch request into its {@link FetchContext} by the session id and epoch it carries (KIP-227, Kafka's
 * FetchManager):
 * <ul>
 *   <li>epoch -1 (FINAL): no session; one named by the id is closed;</li>
 *   <li>epoch 0 (INITIAL): a full request; one named by the id is closed and a new one created if there is room;</li>
 *   <li>epoch n &gt; 0: an incremental request on session {@code id}, which must expect epoch n; its {@code topics}
 *       add or update partitions, its {@code forgotten_topics_data} remove them. Errors: FETCH_SESSION_ID_NOT_FOUND
 *       (no such session, e.g. evicted), INVALID_FETCH_SESSION_EPOCH, FETCH_SESSION_TOPIC_ID_ERROR (a session of
 *       topic ids used by a request of names, v12 or below, or the other way round).</li>
 * </ul>
 */
public final class FetchSessions {
    private static final Logger LOG = Logger.getLogger(FetchSessions.class);
    /** Fetch v13 is the first to name topics by id. */
    private static final short FIRST_TOPIC_ID_VERSION = 13;

    private final FetchSessionCache cache;
    private final AtomicLong incrementalFetches = new AtomicLong();
    private final AtomicLong sessionErrors = new AtomicLong();
    private final AtomicLong incrementalPartitions = new AtomicLong();

    public FetchSessions(FetchSessionCache cache) {
        this.cache = cache;
    }

    public FetchSessionCache cache() {
        return cache;
    }

    /**
     * @param names the topic name of an id (null when unknown); used from v13, where requests carry ids only
     */
    public FetchContext newContext(short version, FetchRequestData request, boolean follower,
                                   Function<Uuid, String> names) {
        boolean usesTopicIds = version >= FIRST_TOPIC_ID_VERSION;
        List<FetchRequestData.FetchTopic> topics = usesTopicIds ? resolve(request.topics(), names) : request.topics();
        FetchMetadata metadata = new FetchMetadata(request.sessionId(), request.sessionEpoch());
        if (metadata.isFull()) {
            if (metadata.sessionId() != FetchMetadata.INVALID_SESSION_ID) {
                cache.remove(metadata.sessionId());
            }
            if (metadata.epoch() == FetchMetadata.FINAL_EPOCH) {
                return new SessionlessContext(topics);
            }
            return new FullContext(cache, topics, follower, usesTopicIds);
        }
        FetchContext context = incremental(metadata, topics, request.forgottenTopicsData(), usesTopicIds, names);
        if (context instanceof SessionErrorContext error) {
            sessionErrors.incrementAndGet();
            LOG.debugf("fetch session %d at epoch %d: %s", metadata.sessionId(), metadata.epoch(), error.error());
        } else if (context instanceof IncrementalContext) {
            incrementalFetches.incrementAndGet();
        }
        return context;
    }

    private FetchContext incremental(FetchMetadata metadata, List<FetchRequestData.FetchTopic> topics,
                                     List<FetchRequestData.ForgottenTopic> forgotten, boolean usesTopicIds,
                                     Function<Uuid, String> names) {
        // Cache lock, then session lock: the order the cache itself uses, so no deadlock.
        synchronized (cache) {
            FetchSession session = cache.get(metadata.sessionId());
            if (session == null) {
                return new SessionErrorContext(Errors.FETCH_SESSION_ID_NOT_FOUND);
            }
            synchronized (session) {
                if (session.epoch() != metadata.epoch()) {
                    return new SessionErrorContext(Errors.INVALID_FETCH_SESSION_EPOCH);
                }
                if (session.usesTopicIds() != usesTopicIds) {
                    return new SessionErrorContext(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
                }
                for (FetchRequestData.FetchTopic t : topics) {
                    for (FetchRequestData.FetchPartition p : t.partitions()) {
                        session.upsert(t.topicId(), t.topic(), p);
                    }
                }
                for (FetchRequestData.ForgottenTopic t : forgotten) {
                    for (int partition : t.partitions()) {
                        session.forget(t.topicId(), t.topic(), partition);
                    }
                }
                if (session.size() == 0) {
                    // Everything forgotten: the session ends and this request is answered without one.
                    cache.remove(session);
                    return new SessionlessContext(topics);
                }
                cache.touch(session);
                // What the session saves shows here: next to incremental fetches, how many partitions they named.
                int named = 0;
                for (FetchRequestData.FetchTopic t : topics) {
                    named += t.partitions().size();
                }
                incrementalPartitions.addAndGet(named);
                int next = FetchMetadata.nextEpoch(session.epoch());
                session.setEpoch(next);
                return new IncrementalContext(session, next, session.toRequest(names));
            }
        }
    }

    private static List<FetchRequestData.FetchTopic> resolve(List<FetchRequestData.FetchTopic> topics,
                                                             Function<Uuid, String> names) {
        List<FetchRequestData.FetchTopic> out = new ArrayList<>(topics.size());
        for (FetchRequestData.FetchTopic t : topics) {
            out.add(t.duplicate().setTopic(names.apply(t.topicId())));
        }
        return out;
    }

    /** Incremental fetches accepted on a live session. */
    public long incrementalFetches() {
        return incrementalFetches.get();
    }

    /** Partitions named (added or changed) by the incremental fetches accepted; the rest were implied. */
    public long incrementalPartitions() {
        return incrementalPartitions.get();
    }

    /** Requests answered with a session error. */
    public long sessionErrors() {
        return sessionErrors.get();
    }
}
