package dev.floe.broker.replication;

import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.log.LeaderEpochCache;
import dev.floe.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.ObjIntConsumer;

/**
 * Fetches every partition this broker follows from one leader broker, over one Kafka connection, on a thread of
 * its own (Kafka's ReplicaFetcherThread). A partition that starts following (a new leader epoch) is first
 * truncated to where its latest local epoch ended on the leader (OffsetsForLeaderEpoch, KIP-101/279), then
 * fetched from its log end, on an incremental fetch session with the leader ({@link FollowerFetchSession}), so
 * each Fetch names only the partitions that changed. The leader's batches are appended as they are: offsets,
 * epochs, timestamps kept.
 * The leader's long poll (max wait) paces the loop; a failed connection is retried after a backoff, cut short
 * when the leader's Lease changes (it came back) or a partition is added.
 */
final class ReplicaFetcher implements Runnable {
    private static final Logger LOG = Logger.getLogger(ReplicaFetcher.class);
    /** How long a fetcher whose every partition is held by the throttle waits before asking the budget again. */
    private static final long THROTTLED_PAUSE_MS = 100;
    private static final short OFFSETS_FOR_LEADER_EPOCH_VERSION = 4;

    record Settings(int maxWaitMs, int maxBytes, int partitionMaxBytes, int backoffMs, int socketTimeoutMs) {
    }

    /** One followed partition in this fetcher. */
    private static final class Follow {
        final PartitionReplica replica;
        final int epoch;
        boolean truncated;
        long retryAtMs;

        Follow(PartitionReplica replica, int epoch) {
            this.replica = replica;
            this.epoch = epoch;
        }
    }

    private final int sourceId;
    private final int localId;
    private final IntFunction<ClusterView.BrokerEndpoint> endpoints;
    private final Settings settings;
    private final Object lock = new Object();
    private final Map<TopicPartition, Follow> partitions = new LinkedHashMap<>();
    private volatile boolean running = true;
    private final Thread thread;
    private BrokerChannel channel;
    /** The incremental fetch session on {@link #channel}; a new connection starts a new one. */
    private final FollowerFetchSession session;
    private long failures;
    private String lastFailure;
    /** Set by {@link #wake()}: the next backoff is skipped (guarded by {@link #lock}). */
    private boolean woken;

    /** Told the bytes of each batch set appended as a follower, per topic (the replication fetch byte metric). */
    private final ObjIntConsumer<String> fetched;
    /** The follower side of the replication throttle, for replicas being moved here. */
    private final FollowerQuota quota;

    ReplicaFetcher(int sourceId, int localId, IntFunction<ClusterView.BrokerEndpoint> endpoints, Settings settings) {
        this(sourceId, localId, endpoints, settings, (topic, bytes) -> {
        });
    }

    ReplicaFetcher(int sourceId, int localId, IntFunction<ClusterView.BrokerEndpoint> endpoints, Settings settings,
                   ObjIntConsumer<String> fetched) {
        this(sourceId, localId, endpoints, settings, fetched, FollowerQuota.NONE);
    }

    ReplicaFetcher(int sourceId, int localId, IntFunction<ClusterView.BrokerEndpoint> endpoints, Settings settings,
                   ObjIntConsumer<String> fetched, FollowerQuota quota) {
        this.quota = quota;
        this.fetched = fetched;
        this.sourceId = sourceId;
        this.localId = localId;
        this.endpoints = endpoints;
        this.settings = settings;
        this.session = new FollowerFetchSession(sourceId);
        this.thread = new Thread(this, "floe-replica-fetcher-" + sourceId);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void add(PartitionReplica replica, int epoch) {
        synchronized (lock) {
            partitions.put(replica.topicPartition(), new Follow(replica, epoch));
            woken = true;
            lock.notifyAll();
        }
    }

    /** Something changed that may let a failed connection succeed now (the leader's Lease was renewed). */
    void wake() {
        synchronized (lock) {
            woken = true;
            lock.notifyAll();
        }
    }

    void remove(TopicPartition tp) {
        synchronized (lock) {
            partitions.remove(tp);
        }
    }

    void stop() {
        running = false;
        synchronized (lock) {
            lock.notifyAll();
        }
        thread.interrupt();
        BrokerChannel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    @Override
    public void run() {
        while (running) {
            List<Follow> work;
            try {
                work = nextWork();
            } catch (InterruptedException e) {
                return;
            }
            if (work == null) {
                continue;
            }
            try {
                if (channel == null) {
                    channel = connect();
                }
                truncate(work);
                fetch(work);
                if (failures > 0) {
                    LOG.infof("fetching from broker %d works again after %d failed attempts", sourceId, failures);
                }
                failures = 0;
                lastFailure = null;
            } catch (IOException | RuntimeException e) {
                if (!running) {
                    return;
                }
                // Every new kind of failure is logged, a repeated one every 20th time: a follower that cannot
                // reach its leader must say so and why, without flooding the log once a second.
                String failure = e.toString();
                if (!failure.equals(lastFailure) || failures % 20 == 0) {
                    LOG.warnf("fetching from broker %d failed (%s); retrying in %d ms or when its lease changes",
                            sourceId, failure, settings.backoffMs());
                }
                lastFailure = failure;
                failures++;
                if (channel != null) {
                    channel.close();
                    channel = null;
                }
                // The leader may or may not have taken the last request: its session epoch is unknown now.
                session.reset();
                backoff(settings.backoffMs());
            }
        }
        if (channel != null) {
            channel.close();
        }
    }

    /** The partitions ready to work on; waits (woken by add/stop) while there are none. */
    private List<Follow> nextWork() throws InterruptedException {
        synchronized (lock) {
            while (running && partitions.isEmpty()) {
                lock.wait();
            }
            if (!running) {
                return null;
            }
            long now = System.currentTimeMillis();
            List<Follow> ready = new ArrayList<>();
            long nextRetry = Long.MAX_VALUE;
            for (Follow f : partitions.values()) {
                if (f.retryAtMs <= now) {
                    ready.add(f);
                } else {
                    nextRetry = Math.min(nextRetry, f.retryAtMs);
                }
            }
            if (ready.isEmpty()) {
                // Every partition was refused by the leader a moment ago (it has not seen the new epoch yet).
                lock.wait(Math.max(1, nextRetry - now));
                return null;
            }
            return ready;
        }
    }

    private void backoff(long ms) {
        synchronized (lock) {
            long until = System.currentTimeMillis() + ms;
            try {
                long left;
                while (running && !woken && (left = until - System.currentTimeMillis()) > 0) {
                    lock.wait(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
            woken = false;
        }
    }

    private BrokerChannel connect() throws IOException {
        ClusterView.BrokerEndpoint leader = endpoints.apply(sourceId);
        if (leader == null) {
            throw new IOException("broker " + sourceId + " has never published an address in its lease");
        }
        // The read timeout is the leader's long poll plus the socket timeout: a hung leader (SIGSTOP) costs the
        // partitions it leads that long, never the partitions of other leaders (they have their own fetchers).
        BrokerChannel ch = new BrokerChannel(leader.host(), leader.port(), settings.socketTimeoutMs(),
                settings.maxWaitMs() + settings.socketTimeoutMs(), "floe-replica-" + localId);
        LOG.infof("fetching from broker %d at %s:%d", sourceId, leader.host(), leader.port());
        return ch;
    }

    private boolean stillCurrent(Follow f) {
        synchronized (lock) {
            return partitions.get(f.replica.topicPartition()) == f;
        }
    }

    private void retryLater(Follow f) {
        f.retryAtMs = System.currentTimeMillis() + settings.backoffMs();
    }

    /**
     * KIP-279: ask the leader where our latest epoch ended on its log; cut ours there (or where that epoch ended
     * here, if the leader answered with an older epoch). With no epoch history, fall back to the high watermark,
     * which is all a follower knows was committed.
     */
    private void truncate(List<Follow> work) throws IOException {
        OffsetForLeaderEpochRequestData request = new OffsetForLeaderEpochRequestData().setReplicaId(localId);
        Map<TopicPartition, Follow> asked = new LinkedHashMap<>();
        Map<TopicPartition, Integer> askedEpoch = new LinkedHashMap<>();
        for (Follow f : work) {
            if (f.truncated) {
                continue;
            }
            PartitionLog log = f.replica.log();
            int latest = log.epochCache().latestEpoch();
            if (latest == LeaderEpochCache.UNDEFINED_EPOCH) {
                f.replica.whileFollowing(f.epoch, l -> l.truncateTo(l.highWatermark()));
                f.truncated = true;
                continue;
            }
            TopicPartition tp = f.replica.topicPartition();
            OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic = request.topics().find(tp.topic());
            if (topic == null) {
                topic = new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(tp.topic());
                request.topics().add(topic);
            }
            topic.partitions().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition()
                    .setPartition(tp.partition()).setCurrentLeaderEpoch(f.epoch).setLeaderEpoch(latest));
            asked.put(tp, f);
            askedEpoch.put(tp, latest);
        }
        if (asked.isEmpty()) {
            return;
        }
        OffsetForLeaderEpochResponseData response = (OffsetForLeaderEpochResponseData) channel.call(
                ApiKeys.OFFSET_FOR_LEADER_EPOCH, OFFSETS_FOR_LEADER_EPOCH_VERSION, request);
        for (OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult topic : response.topics()) {
            for (OffsetForLeaderEpochResponseData.EpochEndOffset p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.topic(), p.partition());
                Follow f = asked.get(tp);
                if (f == null || !stillCurrent(f)) {
                    continue;
                }
                Errors error = Errors.forCode(p.errorCode());
                if (error != Errors.NONE) {
                    LOG.debugf("%s: leader %d answered OffsetsForLeaderEpoch with %s; retrying", tp, sourceId, error);
                    retryLater(f);
                    continue;
                }
                int requested = askedEpoch.get(tp);
                f.replica.whileFollowing(f.epoch, log -> {
                    long target = Divergence.truncationOffset(log, requested, p.leaderEpoch(), p.endOffset());
                    if (log.truncateTo(target)) {
                        LOG.infof("%s: cut the divergent tail at %d after leader %d answered epoch %d ends at %d",
                                tp, target, sourceId, p.leaderEpoch(), p.endOffset());
                    }
                });
                f.truncated = true;
            }
        }
    }

    /**
     * One Fetch on the session (KIP-227): every ready partition is named to the session, which sends only those
     * added or changed since the last request and forgets those left out (not yet truncated, or backing off after
     * an error; they come back, sent in full, once ready). The leader reads every partition of the session at the
     * position it holds, and answers only those with something new; the others need nothing done here.
     */
    private void fetch(List<Follow> work) throws IOException {
        Map<TopicPartition, Follow> asked = new LinkedHashMap<>();
        Map<TopicPartition, Integer> limited = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        boolean held = false;
        for (Follow f : work) {
            if (!f.truncated || f.retryAtMs > now) {
                continue;
            }
            TopicPartition tp = f.replica.topicPartition();
            // A replica being moved here whose throttle budget is spent sits this round out (it leaves the
            // session and comes back in full when budget is there, as Kafka's follower quota does).
            int allowance = quota.allowance(tp);
            if (allowance == 0) {
                held = true;
                continue;
            }
            if (allowance != Integer.MAX_VALUE) {
                limited.put(tp, allowance);
            }
            PartitionLog log = f.replica.log();
            session.add(tp, log.logEndOffset(), log.logStartOffset(),
                    Math.min(settings.partitionMaxBytes(), allowance), f.epoch);
            asked.put(tp, f);
        }
        if (asked.isEmpty()) {
            if (held) {
                // Every partition is held by the throttle: wait for the budget to refill instead of spinning.
                pause(THROTTLED_PAUSE_MS);
            }
            return;
        }
        FetchRequestData request = session.build(localId, settings.maxWaitMs(), settings.maxBytes());
        FetchResponseData response = (FetchResponseData) channel.call(ApiKeys.FETCH,
                FollowerFetchSession.FETCH_VERSION, request);
        if (!session.handleResponse(response)) {
            if (response.errorCode() == Errors.NONE.code()
                    || FollowerFetchSession.isSessionError(response.errorCode())) {
                // The session was evicted, the leader restarted, or the answer did not match the session: the
                // next request is a full one, sent at once (nothing of this answer is applied).
                LOG.debugf("fetch session with broker %d is gone (%s); starting a new one", sourceId,
                        Errors.forCode(response.errorCode()));
                return;
            }
            throw new IOException("fetch failed with " + Errors.forCode(response.errorCode()));
        }
        for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
            for (FetchResponseData.PartitionData p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.topic(), p.partitionIndex());
                Follow f = asked.get(tp);
                if (f == null || !stillCurrent(f)) {
                    continue;
                }
                apply(f, tp, p);
                if (limited.containsKey(tp) && p.records() != null) {
                    quota.fetched(p.records().sizeInBytes());
                }
            }
        }
    }

    /** Waits {@code ms} unless stopped; unlike a backoff, a wake-up does not cut it short. */
    private void pause(long ms) {
        synchronized (lock) {
            try {
                long until = System.currentTimeMillis() + ms;
                long left;
                while (running && (left = until - System.currentTimeMillis()) > 0) {
                    lock.wait(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    private void apply(Follow f, TopicPartition tp, FetchResponseData.PartitionData p) throws IOException {
        Errors error = Errors.forCode(p.errorCode());
        switch (error) {
            case NONE -> {
                MemoryRecords records = (MemoryRecords) p.records();
                if (records != null && records.sizeInBytes() > 0) {
                    for (MutableRecordBatch batch : records.batches()) {
                        // A corrupt batch must never reach our log: the CRC covers what the leader stored.
                        batch.ensureValid();
                    }
                }
                f.replica.whileFollowing(f.epoch, log -> {
                    if (records != null && records.sizeInBytes() > 0) {
                        log.appendAsFollower(records);
                        fetched.accept(tp.topic(), records.sizeInBytes());
                    }
                    log.advanceHighWatermark(Math.min(p.highWatermark(), log.logEndOffset()));
                    // DeleteRecords (or retention) moved the leader's start: follow it, so that a later leader
                    // never serves deleted records; never past our own high watermark, as Kafka's followers. A
                    // tiered log keeps its own local retention (it deletes only what it knows is in the bucket);
                    // its start moved by DeleteRecords is in the bucket, which a new leader reads (TieringService).
                    long leaderStart = Math.min(p.logStartOffset(), log.highWatermark());
                    if (!log.config().remoteStorage() && leaderStart > log.logStartOffset()) {
                        log.advanceLogStartOffset(leaderStart);
                    }
                });
            }
            case OFFSET_OUT_OF_RANGE -> f.replica.whileFollowing(f.epoch, log -> {
                if (log.logEndOffset() < p.logStartOffset()) {
                    // The leader no longer has what we would fetch next: start over where its log starts.
                    log.truncateFullyAndStartAt(p.logStartOffset());
                } else {
                    f.truncated = false;
                    retryLater(f);
                }
            });
            default -> {
                // NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC: the leader has not caught up
                // with the controller's decision yet (or we have not): ask again shortly.
                LOG.debugf("%s: leader %d answered %s; retrying", tp, sourceId, error);
                retryLater(f);
            }
        }
    }
}
