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

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * DeleteRecords (kafka-delete-records.sh, Admin.deleteRecords, Kafka Streams' purging of repartition topics):
 * moves each partition's log start offset up to the offset asked for (-1: the high watermark), removing whole
 * segments below it. Reads and ListOffsets earliest start there at once; the new start is checkpointed with an
 * fsync before the answer, so a restart never brings deleted records back.
 */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequestData> {
    private static final Logger LOG = Logger.getLogger(DeleteRecordsHandler.class);
    private static final long HIGH_WATERMARK = -1;

    private final LogManager logs;
    private final ClusterView cluster;
    private final Executor io;
    private final Executor flush;

    /** Segments are removed on {@code io}; the checkpoint is fsynced on {@code flush}. */
    public DeleteRecordsHandler(LogManager logs, ClusterView cluster, Executor io, Executor flush) {
        this.logs = logs;
        this.cluster = cluster;
        this.io = io;
        this.flush = flush;
    }

    @Override
    public CompletionStage<DeleteRecordsResponseData> handle(RequestContext ctx, DeleteRecordsRequestData request) {
        return CompletableFuture.supplyAsync(() -> {
            DeleteRecordsResponseData response = new DeleteRecordsResponseData();
            for (DeleteRecordsRequestData.DeleteRecordsTopic topic : request.topics()) {
                DeleteRecordsResponseData.DeleteRecordsTopicResult topicResult =
                        new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(topic.name());
                response.topics().add(topicResult);
                for (DeleteRecordsRequestData.DeleteRecordsPartition p : topic.partitions()) {
                    topicResult.partitions().add(delete(new TopicPartition(topic.name(), p.partitionIndex()),
                            p.offset()));
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
        }, flush);
    }

    private DeleteRecordsResponseData.DeleteRecordsPartitionResult delete(TopicPartition tp, long offset) {
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
        if (log.config().remoteStorage()) {
            // The start of a tiered partition is in object storage, which this does not move yet: refusing is
            // better than answering with records still readable below the new start.
            LOG.infof("%s: DeleteRecords refused: not supported for tiered topics yet", tp);
            return out.setErrorCode(Errors.POLICY_VIOLATION.code());
        }
        long hw = log.highWatermark();
        long target = offset == HIGH_WATERMARK ? hw : offset;
        if (target < 0 || target > hw) {
            return out.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()).setLowWatermark(log.logStartOffset());
        }
        try {
            long before = log.logStartOffset();
            log.advanceLogStartOffset(target);
            if (log.logStartOffset() > before) {
                LOG.infof("%s: log start offset moved from %d to %d by DeleteRecords", tp, before,
                        log.logStartOffset());
            }
            return out.setErrorCode(Errors.NONE.code()).setLowWatermark(log.logStartOffset());
        } catch (IOException e) {
            LOG.errorf("%s: DeleteRecords failed: %s", tp, e.getMessage());
            return out.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
    }
}
