package dev.floe.broker.admin;

import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import dev.floe.broker.replication.Replication;
import dev.floe.broker.tier.TieringService;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * DeleteRecords (kafka-delete-records.sh, Admin.deleteRecords, Kafka Streams' purging of repartition topics):
 * moves each partition's log start offset up to the offset asked for (-1: the high watermark), removing whole
 * segments below it. Reads and ListOffsets earliest start there at once; the new start is checkpointed with an
 * fsync before the answer, so a restart never brings deleted records back. On a tiered partition the start is
 * first written to the bucket (on the object-store executor), so no later reader of the bucket sees the records
 * either; remote segments wholly below it are removed by the next retention pass.
 */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequestData> {
    private static final Logger LOG = Logger.getLogger(DeleteRecordsHandler.class);
    private static final long HIGH_WATERMARK = -1;

    private final LogManager logs;
    private final ClusterView cluster;
    private final TieringService tiering;
    private final Replication replication;
    private final Executor io;
    private final Executor flush;
    private final Executor objectStore;

    /**
     * Segments are removed on {@code io}; the checkpoint is fsynced on {@code flush}; a tiered partition's start is
     * written to the bucket on {@code objectStore}. {@code tiering} is null when the broker has no object storage.
     */
    public DeleteRecordsHandler(LogManager logs, ClusterView cluster, Replication replication,
                                TieringService tiering, Executor io, Executor flush, Executor objectStore) {
        this.replication = replication;
        this.logs = logs;
        this.cluster = cluster;
        this.tiering = tiering;
        this.io = io;
        this.flush = flush;
        this.objectStore = objectStore;
    }

    @Override
    public CompletionStage<DeleteRecordsResponseData> handle(RequestContext ctx, DeleteRecordsRequestData request) {
        // Tiered partitions first move their start in the bucket; the local logs follow on the disk executor; the
        // answer waits for every in-sync replica to have followed (any of them may lead next).
        Map<TopicPartition, Long> targets = new java.util.concurrent.ConcurrentHashMap<>();
        return CompletableFuture.supplyAsync(() -> moveRemoteStarts(request), objectStore).thenApplyAsync(remote -> {
            DeleteRecordsResponseData response = new DeleteRecordsResponseData();
            for (DeleteRecordsRequestData.DeleteRecordsTopic topic : request.topics()) {
                DeleteRecordsResponseData.DeleteRecordsTopicResult topicResult =
                        new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(topic.name());
                response.topics().add(topicResult);
                for (DeleteRecordsRequestData.DeleteRecordsPartition p : topic.partitions()) {
                    TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                    Errors failed = remote.get(tp);
                    topicResult.partitions().add(failed != null
                            ? new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                                    .setPartitionIndex(tp.partition()).setLowWatermark(-1).setErrorCode(failed.code())
                            : delete(tp, p.offset(), targets));
                }
            }
            return response;
        }, io).thenApplyAsync(response -> {
            try {
                logs.checkpointLogStartOffsets();
            } catch (IOException e) {
                LOG.errorf("cannot checkpoint log start offsets after DeleteRecords: %s", e.getMessage());
                response.topics().forEach(t -> t.partitions().forEach(p -> {
                    if (p.errorCode() == Errors.NONE.code()) {
                        p.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
                    }
                }));
            }
            return response;
        }, flush).thenCompose(response -> awaitReplicas(response, targets, request.timeoutMs()));
    }

    /** Completes when every partition's in-sync replicas have moved their start (or with why not, per partition). */
    private CompletableFuture<DeleteRecordsResponseData> awaitReplicas(DeleteRecordsResponseData response,
                                                                      Map<TopicPartition, Long> targets, int timeoutMs) {
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        for (DeleteRecordsResponseData.DeleteRecordsTopicResult t : response.topics()) {
            for (DeleteRecordsResponseData.DeleteRecordsPartitionResult p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                Long target = targets.get(tp);
                if (p.errorCode() != Errors.NONE.code() || target == null) {
                    continue;
                }
                waits.add(replication.awaitLowWatermark(tp, target, timeoutMs).thenAccept(error -> {
                    if (error != Errors.NONE) {
                        LOG.infof("%s: DeleteRecords to %d not confirmed by every in-sync replica: %s", tp, target,
                                error);
                        p.setErrorCode(error.code());
                    }
                }));
            }
        }
        return CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).thenApply(v -> response);
    }

    private DeleteRecordsResponseData.DeleteRecordsPartitionResult delete(TopicPartition tp, long offset,
                                                                          Map<TopicPartition, Long> targets) {
        DeleteRecordsResponseData.DeleteRecordsPartitionResult out =
                new DeleteRecordsResponseData.DeleteRecordsPartitionResult().setPartitionIndex(tp.partition())
                        .setLowWatermark(-1);
        PartitionLog log = logs.log(tp);
        if (log == null) {
            return out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        if (!cluster.isLocalLeader(tp.topic(), tp.partition())) {
            return out.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
        }
        long hw = log.highWatermark();
        long target = offset == HIGH_WATERMARK ? hw : offset;
        if (target < 0 || target > hw) {
            return out.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()).setLowWatermark(log.logStartOffset());
        }
        try {
            long before = log.logStartOffset();
            log.advanceLogStartOffset(target);
            if (!log.config().remoteStorage()) {
                // A tiered partition's start is in the bucket already, where a new leader reads it.
                targets.put(tp, target);
            }
            if (log.logStartOffset() > before) {
                LOG.infof("%s: log start offset moved from %d to %d by DeleteRecords", tp, before,
                        log.logStartOffset());
            }
            return out.setErrorCode(Errors.NONE.code()).setLowWatermark(lowWatermark(tp, log));
        } catch (IOException e) {
            LOG.errorf("%s: DeleteRecords failed: %s", tp, e.getMessage());
            return out.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
    }

    /** The first readable offset: in the bucket when it still holds records at or after the start, else local. */
    private long lowWatermark(TopicPartition tp, PartitionLog log) {
        long remote = tiering == null || !log.config().remoteStorage() ? -1 : tiering.remoteStart(tp);
        return remote < 0 ? log.logStartOffset() : Math.min(remote, log.logStartOffset());
    }

    /**
     * Write the new start of every tiered partition asked for to the bucket; the partitions that failed, with why
     * (those not tiered, or refused for another reason, are left to {@link #delete}, which checks them again).
     */
    private Map<TopicPartition, Errors> moveRemoteStarts(DeleteRecordsRequestData request) {
        Map<TopicPartition, Errors> failed = new HashMap<>();
        if (tiering == null) {
            return failed;
        }
        for (DeleteRecordsRequestData.DeleteRecordsTopic topic : request.topics()) {
            for (DeleteRecordsRequestData.DeleteRecordsPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                PartitionLog log = logs.log(tp);
                if (log == null || !log.config().remoteStorage() || !cluster.isLocalLeader(tp.topic(), tp.partition())) {
                    continue;
                }
                long hw = log.highWatermark();
                long target = p.offset() == HIGH_WATERMARK ? hw : p.offset();
                if (target < 0 || target > hw) {
                    continue;
                }
                try {
                    long start = tiering.advanceLogStart(tp, target);
                    LOG.infof("%s: log start offset in object storage moved to %d by DeleteRecords", tp, start);
                } catch (IOException | RuntimeException e) {
                    LOG.errorf("%s: DeleteRecords could not move the start in object storage (nothing deleted; "
                            + "retry when the store is reachable): %s", tp, e.getMessage());
                    failed.put(tp, Errors.KAFKA_STORAGE_ERROR);
                }
            }
        }
        return failed;
    }
}
