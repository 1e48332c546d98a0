package dev.floe.broker.produce;

import dev.floe.broker.replication.Replication;
import dev.floe.broker.log.AppendResult;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Produce: validates each partition's batches, queues them on the partition's writer and answers when every
 * partition is written (acks=1) or replicated to the in-sync replicas (acks=all, parked until the high watermark
 * passes the records).
 */
public final class ProduceHandler implements ApiHandler<ProduceRequestData> {
    private static final Logger LOG = Logger.getLogger(ProduceHandler.class);
    private final Replication replication;
    private final PartitionAppender appender;

    public ProduceHandler(Replication replication, PartitionAppender appender) {
        this.replication = replication;
        this.appender = appender;
    }

    @Override
    public boolean expectsNoResponse(ProduceRequestData request) {
        return request.acks() == 0;
    }

    @Override
    public CompletionStage<ProduceResponseData> handle(RequestContext ctx, ProduceRequestData request) {
        ProduceResponseData response = new ProduceResponseData();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        if (request.acks() != 0 && request.acks() != 1 && request.acks() != -1) {
            return CompletableFuture.failedFuture(new org.apache.kafka.common.errors.InvalidRequiredAcksException(
                    "acks must be 0, 1 or -1 (all), not " + request.acks()));
        }
        for (ProduceRequestData.TopicProduceData topic : request.topicData()) {
            ProduceResponseData.TopicProduceResponse topicResponse = new ProduceResponseData.TopicProduceResponse()
                    .setName(topic.name()).setTopicId(topic.topicId());
            response.responses().add(topicResponse);
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                ProduceResponseData.PartitionProduceResponse out = new ProduceResponseData.PartitionProduceResponse()
                        .setIndex(partition.index());
                topicResponse.partitionResponses().add(out);
                TopicPartition tp = new TopicPartition(topic.name(), partition.index());
                Errors leadership = replication.checkLeader(tp, Replication.NO_EPOCH);
                if (leadership != Errors.NONE) {
                    fail(out, tp, leadership, "this broker does not lead " + tp);
                    continue;
                }
                MemoryRecords records = (MemoryRecords) partition.records();
                pending.add(appender.append(tp, records, request.acks(), request.timeoutMs())
                        .thenAccept(result -> report(out, tp, result)));
            }
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(v -> response);
    }

    private void report(ProduceResponseData.PartitionProduceResponse out, TopicPartition tp, AppendResult result) {
        if (!result.ok()) {
            fail(out, tp, result.error(), result.message());
            return;
        }
        out.setErrorCode(Errors.NONE.code())
                .setBaseOffset(result.baseOffset())
                .setLogAppendTimeMs(result.logAppendTime())
                .setLogStartOffset(result.logStartOffset());
    }

    private void fail(ProduceResponseData.PartitionProduceResponse out, TopicPartition tp, Errors error, String message) {
        LOG.debugf("produce to %s refused with %s: %s", tp, error, message);
        out.setErrorCode(error.code()).setErrorMessage(message).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1);
    }
}
