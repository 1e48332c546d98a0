package dev.floe.broker.produce;

import dev.floe.broker.replication.Replication;
import dev.floe.broker.log.AppendResult;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Produce: validates each partition's batches, queues them on the partition's writer and answers when every
 * partition is written (acks=1) or replicated to the in-sync replicas (acks=all, parked until the high watermark
 * passes the records). From v12 on (transactions v2) a transactional write first adds its partitions to the
 * producer's transaction through {@link TransactionEnlistment}; the write is appended only if that succeeds.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequestData> {
    private static final Logger LOG = Logger.getLogger(ProduceHandler.class);
    /** The first Produce version whose transactional writes join their transaction implicitly (KIP-890). */
    static final short IMPLICIT_ENLISTMENT_VERSION = 12;
    private final Replication replication;
    private final PartitionAppender appender;
    private final TransactionEnlistment enlistment;
    /** Per producer id: completes once that producer's latest transactional request has queued its appends. */
    private final Map<Long, CompletableFuture<Void>> enlistOrder = new ConcurrentHashMap<>();

    private record Write(TopicPartition tp, MemoryRecords records,
                         ProduceResponseData.PartitionProduceResponse out) {
    }

    public ProduceHandler(Replication replication, PartitionAppender appender) {
        this(replication, appender, TransactionEnlistment.UNAVAILABLE);
    }

    public ProduceHandler(Replication replication, PartitionAppender appender, TransactionEnlistment enlistment) {
        this.replication = replication;
        this.appender = appender;
        this.enlistment = enlistment;
    }

    @Override
    public boolean expectsNoResponse(ProduceRequestData request) {
        return request.acks() == 0;
    }

    @Override
    public CompletionStage<ProduceResponseData> handle(RequestContext ctx, ProduceRequestData request) {
        ProduceResponseData response = new ProduceResponseData();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        List<Write> transactional = new ArrayList<>();
        boolean implicit = ctx.apiVersion() >= IMPLICIT_ENLISTMENT_VERSION && request.transactionalId() != null;
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
                if (implicit && isTransactional(records)) {
                    transactional.add(new Write(tp, records, out));
                    continue;
                }
                pending.add(append(new Write(tp, records, out), request));
            }
        }
        if (!transactional.isEmpty()) {
            pending.add(enlistThenAppend(transactional, request));
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(v -> response);
    }

    /**
     * One request comes from one producer, so its transactional partitions join the transaction in one call, and
     * are appended (or all refused) once they are in it. A producer keeps several requests in flight, and the
     * partitions expect its batches in sequence order: so each producer's requests are enlisted one after another,
     * in arrival order, and a request's appends are queued before the next request is enlisted. Without this a
     * request whose enlistment waited (the coordinator busy with the previous one) was appended after the next
     * request and refused with OUT_OF_ORDER_SEQUENCE.
     */
    private CompletableFuture<Void> enlistThenAppend(List<Write> writes, ProduceRequestData request) {
        RecordBatch first = writes.get(0).records().firstBatch();
        long producerId = first.producerId();
        List<TopicPartition> partitions = writes.stream().map(Write::tp).toList();
        CompletableFuture<Void> queued = new CompletableFuture<>();
        CompletableFuture<Void> previous = enlistOrder.put(producerId, queued);
        CompletableFuture<Void> turn = previous == null ? CompletableFuture.completedFuture(null) : previous;
        CompletableFuture<Void> done = turn.thenCompose(v -> enlistment.enlist(request.transactionalId(), producerId,
                        first.producerEpoch(), partitions))
                .thenCompose(error -> {
                    if (error != Errors.NONE) {
                        writes.forEach(w -> fail(w.out(), w.tp(), error, "could not add " + w.tp()
                                + " to the transaction of " + request.transactionalId() + ": " + error));
                        return CompletableFuture.completedFuture(null);
                    }
                    CompletableFuture<?>[] appends = writes.stream().map(w -> append(w, request))
                            .toArray(CompletableFuture[]::new);
                    queued.complete(null);
                    return CompletableFuture.allOf(appends);
                });
        done.whenComplete((v, t) -> {
            queued.complete(null);
            enlistOrder.remove(producerId, queued);
        });
        return done;
    }

    private CompletableFuture<Void> append(Write w, ProduceRequestData request) {
        return appender.append(w.tp(), w.records(), request.acks(), request.timeoutMs())
                .thenAccept(result -> report(w.out(), w.tp(), result));
    }

    private static boolean isTransactional(MemoryRecords records) {
        try {
            RecordBatch first = records == null ? null : records.firstBatch();
            return first != null && first.isTransactional() && first.hasProducerId();
        } catch (RuntimeException malformed) {
            return false; // the appender's validation refuses it with the proper error
        }
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
