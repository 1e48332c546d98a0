package dev.floe.broker.fetch;

import dev.floe.broker.fetch.session.FetchContext;
import dev.floe.broker.fetch.session.FetchSessions;
import dev.floe.broker.replication.Replication;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.LogSlice;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.ReadBound;
import dev.floe.broker.log.ReadResult;
import dev.floe.broker.metrics.TopicMetrics;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.reassign.throttle.ReplicationThrottle;
import dev.floe.broker.tier.TieringService;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * Fetch: reads each requested partition from its offset, within the partition and response byte limits, and
 * returns segment file ranges that the network layer sends with sendfile. When fewer than min.bytes are
 * available the fetch is parked until an append or max.wait.ms. Incremental fetch sessions (KIP-227) decide which
 * partitions a request stands for and which of them its response carries ({@link FetchSessions}); a parked fetch
 * applies them to its final read.
 */
public final class FetchHandler implements ApiHandler<FetchRequestData> {
    private static final Logger LOG = Logger.getLogger(FetchHandler.class);
    private final LogManager logs;
    private final Replication replication;
    private final FetchWaiters waiters;
    private final Executor io;
    private final ScheduledExecutorService scheduler;
    private final TopicMetrics metrics;
    private final TieringService tier;
    private final Executor remoteReads;
    private final FetchSessions sessions;
    private final Function<Uuid, String> topicNames;
    private final ReplicationThrottle throttle;

    /**
     * {@code tier} is null when no object storage is configured; {@code topicNames} gives the name of a topic id
     * (null when unknown), for requests that name topics by id.
     */
    public FetchHandler(LogManager logs, Replication replication, FetchWaiters waiters, Executor io,
                        ScheduledExecutorService scheduler, TopicMetrics metrics, TieringService tier,
                        Executor remoteReads, FetchSessions sessions, Function<Uuid, String> topicNames) {
        this(logs, replication, waiters, io, scheduler, metrics, tier, remoteReads, sessions, topicNames,
                ReplicationThrottle.NONE);
    }

    /** {@code throttle} keeps what this broker sends to followers copying a moved partition under its rate. */
    public FetchHandler(LogManager logs, Replication replication, FetchWaiters waiters, Executor io,
                        ScheduledExecutorService scheduler, TopicMetrics metrics, TieringService tier,
                        Executor remoteReads, FetchSessions sessions, Function<Uuid, String> topicNames,
                        ReplicationThrottle throttle) {
        this.throttle = throttle;
        this.sessions = sessions;
        this.topicNames = topicNames;
        this.tier = tier;
        this.remoteReads = remoteReads;
        this.logs = logs;
        this.replication = replication;
        this.waiters = waiters;
        this.io = io;
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    @Override
    public CompletionStage<FetchResponseData> handle(RequestContext ctx, FetchRequestData request) {
        if (ctx.apiVersion() >= 15) {
            // From v15 a follower names itself in replica_state (replica_id is no longer sent and reads as -1).
            request.setReplicaId(request.replicaState().replicaId());
        }
        FetchContext context = sessions.newContext(ctx.apiVersion(), request, request.replicaId() >= 0, topicNames);
        List<FetchRequestData.FetchTopic> topics = context.toRead();
        List<TopicPartition> partitions = new ArrayList<>();
        for (FetchRequestData.FetchTopic topic : topics) {
            if (topic.topic() == null) {
                continue;
            }
            for (FetchRequestData.FetchPartition p : topic.partitions()) {
                partitions.add(new TopicPartition(topic.topic(), p.partition()));
            }
        }
        DelayedFetch.Attempt attempt = new DelayedFetch.Attempt() {
            @Override
            public CompletableFuture<FetchResponseData> read(boolean finalAttempt) {
                return readAll(request, topics);
            }

            @Override
            public int bytesOf(FetchResponseData response) {
                return FetchHandler.bytesOf(response);
            }
        };
        return CompletableFuture.supplyAsync(() -> readAll(request, topics), io).thenCompose(f -> f).thenCompose(first -> {
            int bytes = bytesOf(first);
            if (bytes >= request.minBytes() || request.maxWaitMs() <= 0 || hasErrors(first) || partitions.isEmpty()) {
                return CompletableFuture.completedFuture(answer(context, first, request.replicaId() >= 0));
            }
            return new DelayedFetch(attempt, Math.max(1, request.minBytes()), partitions, waiters, io)
                    .park(scheduler, request.maxWaitMs())
                    .thenApply(r -> answer(context, r, request.replicaId() >= 0));
        });
    }

    /** The final read, as the session lets it out; the bytes counted are those actually sent. */
    private FetchResponseData answer(FetchContext context, FetchResponseData read, boolean follower) {
        FetchResponseData response = context.respond(read);
        countOut(response, follower);
        return response;
    }

    /**
     * One read of every requested partition. Local reads happen here, on the calling I/O thread; reads below the
     * local log go to object storage on the tier executor, and the response completes when they do, with no I/O
     * thread waiting for them. A failure reading one partition is an error code for that partition only.
     */
    private CompletableFuture<FetchResponseData> readAll(FetchRequestData request, List<FetchRequestData.FetchTopic> topics) {
        FetchResponseData response = new FetchResponseData().setSessionId(0);
        List<CompletableFuture<Void>> remote = new ArrayList<>();
        int remaining = request.maxBytes() <= 0 ? Integer.MAX_VALUE : request.maxBytes();
        boolean committed = request.isolationLevel() == TxnFetchView.READ_COMMITTED;
        boolean first = true;
        for (FetchRequestData.FetchTopic topic : topics) {
            FetchResponseData.FetchableTopicResponse topicResponse = new FetchResponseData.FetchableTopicResponse()
                    .setTopic(topic.topic()).setTopicId(topic.topicId());
            response.responses().add(topicResponse);
            for (FetchRequestData.FetchPartition p : topic.partitions()) {
                FetchResponseData.PartitionData out = new FetchResponseData.PartitionData()
                        .setPartitionIndex(p.partition())
                        .setRecords(LogSlice.EMPTY);
                topicResponse.partitions().add(out);
                if (topic.topic() == null) {
                    // A topic id (Fetch v13+) with no known name.
                    out.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()).setHighWatermark(-1).setLastStableOffset(-1)
                            .setLogStartOffset(-1);
                    continue;
                }
                TopicPartition tp = new TopicPartition(topic.topic(), p.partition());
                PartitionLog log = logs.log(tp);
                if (log == null) {
                    out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setHighWatermark(-1)
                            .setLastStableOffset(-1).setLogStartOffset(-1);
                    continue;
                }
                boolean follower = request.replicaId() >= 0;
                Errors leadership = follower
                        ? replication.followerFetched(tp, request.replicaId(), p.fetchOffset(),
                                p.logStartOffset(), p.currentLeaderEpoch())
                        : replication.checkLeader(tp, p.currentLeaderEpoch());
                if (leadership != Errors.NONE) {
                    out.setErrorCode(leadership.code()).setHighWatermark(-1).setLastStableOffset(-1)
                            .setLogStartOffset(-1);
                    continue;
                }
                int limit = Math.min(p.partitionMaxBytes(), remaining);
                try {
                    // A follower reads to the log end (what it must copy); a consumer only to the high watermark, or to
                    // the last stable offset when it reads committed records only.
                    if (follower) {
                        // A follower copying a moved partition takes what the leader's throttle allows, at least one
                        // batch when any is allowed; with none allowed it gets no records this round (as Kafka's
                        // leader quota), which also keeps it from counting toward min.bytes.
                        int allowance = throttle.leaderAllowance(tp, request.replicaId());
                        if (allowance == 0) {
                            out.setHighWatermark(log.highWatermark()).setLastStableOffset(log.highWatermark())
                                    .setLogStartOffset(log.logStartOffset());
                            continue;
                        }
                        ReadResult read = log.read(p.fetchOffset(), Math.max(Math.min(limit, allowance), 0), first,
                                ReadBound.LOG_END);
                        int size = read.slice().sizeInBytes();
                        if (allowance != Integer.MAX_VALUE) {
                            throttle.leaderSent(size);
                        }
                        // This broker's local start: an empty follower of a tiered log restarts there (the cold data
                        // stays in the bucket), and a follower of a log that is not tiered moves its own start to it
                        // (DeleteRecords).
                        out.setErrorCode(read.error().code()).setHighWatermark(log.highWatermark())
                                .setLastStableOffset(log.highWatermark()).setLogStartOffset(read.logStartOffset())
                                .setRecords(read.slice());
                        if (size > 0) {
                            first = false;
                            remaining -= size;
                        }
                        continue;
                    }
                    long stable = log.lastStableOffset();
                    ReadResult read = log.read(p.fetchOffset(), Math.max(limit, 0), first,
                            committed ? ReadBound.LAST_STABLE_OFFSET : ReadBound.HIGH_WATERMARK);
                    // One look at the remote start: retention may empty the bucket between two.
                    long remoteStart = tier == null ? -1 : tier.remoteStart(tp);
                    long globalStart = remoteStart < 0 ? read.logStartOffset()
                            : Math.min(remoteStart, read.logStartOffset());
                    out.setErrorCode(read.error().code())
                            .setHighWatermark(read.highWatermark())
                            .setLastStableOffset(Math.min(stable, read.highWatermark()))
                            .setLogStartOffset(globalStart)
                            .setRecords(read.slice());
                    if (committed) {
                        out.setAbortedTransactions(TxnFetchView.aborted(log, p.fetchOffset(), read));
                    }
                    if (read.error() == Errors.OFFSET_OUT_OF_RANGE && tier != null && p.fetchOffset() < read.logStartOffset()
                            && p.fetchOffset() >= globalStart) {
                        // Below the local log: the bytes come from object storage, several partitions at once.
                        int remoteLimit = Math.max(limit, 1);
                        ReadBound bound = committed ? ReadBound.LAST_STABLE_OFFSET : ReadBound.HIGH_WATERMARK;
                        remote.add(CompletableFuture.runAsync(() -> readRemote(tp, p.fetchOffset(), remoteLimit, out,
                                log, bound, committed), remoteReads));
                        remaining -= Math.min(remaining, remoteLimit);
                        first = false;
                        continue;
                    }
                    int size = read.slice().sizeInBytes();
                    if (size > 0) {
                        first = false;
                        remaining -= size;
                    }
                } catch (IOException e) {
                    LOG.errorf("%s: read at offset %d failed: %s", tp, p.fetchOffset(), e.getMessage());
                    out.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setRecords(LogSlice.EMPTY);
                } catch (RuntimeException e) {
                    LOG.errorf(e, "%s: read at offset %d failed unexpectedly; only this partition answers with an error",
                            tp, p.fetchOffset());
                    out.setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code()).setRecords(LogSlice.EMPTY);
                }
            }
        }
        if (remote.isEmpty()) {
            return CompletableFuture.completedFuture(response);
        }
        return CompletableFuture.allOf(remote.toArray(CompletableFuture[]::new)).thenApply(v -> response);
    }

    /** A read_committed fetch ({@code committed}) also lists the aborted transactions of what it returns. */
    private void readRemote(TopicPartition tp, long offset, int maxBytes, FetchResponseData.PartitionData out,
                            PartitionLog log, ReadBound bound, boolean committed) {
        try {
            java.nio.ByteBuffer bytes = tier.read(tp, offset, maxBytes);
            if (bytes == null) {
                return;
            }
            if (!bytes.hasRemaining()) {
                // Compaction removed every batch from the offset to the end of the tier: the records go on at the
                // local log start. Consumers take batches above their position (compaction gaps), as from Kafka.
                ReadResult local = log.read(log.logStartOffset(), maxBytes, true, bound);
                out.setErrorCode(local.error().code()).setRecords(local.slice());
                if (committed) {
                    out.setAbortedTransactions(TxnFetchView.aborted(log, log.logStartOffset(), local));
                }
                return;
            }
            MemoryRecords records = MemoryRecords.readableRecords(bytes);
            if (committed) {
                out.setAbortedTransactions(TxnFetchView.abortedRemote(tier, tp, log, offset, records));
            }
            out.setErrorCode(Errors.NONE.code()).setRecords(records);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("%s: reading offset %d from object storage failed: %s", tp, offset, e.getMessage());
            out.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
    }

    private void countOut(FetchResponseData response, boolean follower) {
        for (FetchResponseData.FetchableTopicResponse t : response.responses()) {
            int bytes = 0;
            for (FetchResponseData.PartitionData p : t.partitions()) {
                int size = p.records() == null ? 0 : p.records().sizeInBytes();
                bytes += size;
                if (!follower && size > 0 && t.topic() != null) {
                    metrics.fetchedByConsumer(new TopicPartition(t.topic(), p.partitionIndex()), size);
                }
            }
            if (t.topic() != null) {
                metrics.fetched(t.topic(), bytes);
            }
        }
    }

    static int bytesOf(FetchResponseData response) {
        int bytes = 0;
        for (FetchResponseData.FetchableTopicResponse t : response.responses()) {
            for (FetchResponseData.PartitionData p : t.partitions()) {
                bytes += p.records() == null ? 0 : p.records().sizeInBytes();
            }
        }
        return bytes;
    }

    private static boolean hasErrors(FetchResponseData response) {
        for (FetchResponseData.FetchableTopicResponse t : response.responses()) {
            for (FetchResponseData.PartitionData p : t.partitions()) {
                if (p.errorCode() != Errors.NONE.code()) {
                    return true;
                }
            }
        }
        return false;
    }
}
