package dev.floe.broker.txn;

import dev.floe.broker.group.CommittedOffset;
import dev.floe.broker.group.GroupCoordinator;
import dev.floe.broker.group.OffsetStore;
import dev.floe.broker.produce.TransactionEnlistment;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * TxnOffsetCommit (sendOffsetsToTransaction): the group's offsets, written as part of the producer's
 * transaction. They become the group's committed offsets only when the transaction commits. A zombie producer
 * (older epoch) is refused by the offsets partition's producer state, as any of its writes would be; a producer
 * whose consumer is no longer a member at this generation (v3+ group metadata, KIP-447) by the group coordinator.
 * From v5 on (transactions v2) the client sends no AddOffsetsToTxn: the group's offsets partition joins the
 * transaction here, before the offsets are written.
 */
public final class TxnOffsetCommitHandler implements ApiHandler<TxnOffsetCommitRequestData> {
    /** The first TxnOffsetCommit version of transactions v2. */
    static final short IMPLICIT_ENLISTMENT_VERSION = 5;
    private final GroupCoordinator groups;
    private final TransactionEnlistment enlistment;

    public TxnOffsetCommitHandler(GroupCoordinator groups, TransactionEnlistment enlistment) {
        this.groups = groups;
        this.enlistment = enlistment;
    }

    @Override
    public CompletionStage<TxnOffsetCommitResponseData> handle(RequestContext ctx, TxnOffsetCommitRequestData request) {
        Map<TopicPartition, CommittedOffset> commits = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic t : request.topics()) {
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : t.partitions()) {
                commits.put(new TopicPartition(t.name(), p.partitionIndex()), new CommittedOffset(p.committedOffset(),
                        p.committedLeaderEpoch(), p.committedMetadata() == null ? "" : p.committedMetadata(), now));
            }
        }
        if (!groups.coordinates(request.groupId())) {
            return CompletableFuture.completedFuture(answer(commits, Errors.NOT_COORDINATOR));
        }
        // v5+: the offsets partition joins the transaction first, as in Kafka, so a commit refused below still
        // leaves a transaction the producer can abort (a v2 client then sends EndTxn).
        CompletableFuture<Errors> enlisted = ctx.apiVersion() < IMPLICIT_ENLISTMENT_VERSION
                ? CompletableFuture.completedFuture(Errors.NONE)
                : enlistment.enlist(request.transactionalId(), request.producerId(), request.producerEpoch(),
                List.of(new TopicPartition(OffsetStore.TOPIC, groups.offsets().partitionFor(request.groupId()))));
        return enlisted.thenCompose(error -> {
            if (error != Errors.NONE) {
                return CompletableFuture.completedFuture(error);
            }
            Errors membership = groups.validateTransactionalCommit(request.groupId(), request.generationId(),
                    request.memberId(), request.groupInstanceId());
            if (membership != Errors.NONE) {
                return CompletableFuture.completedFuture(membership);
            }
            return groups.offsets().commitTransactional(request.groupId(), request.producerId(),
                    request.producerEpoch(), commits);
        }).thenApply(error -> answer(commits, error == Errors.INVALID_PRODUCER_EPOCH ? Errors.PRODUCER_FENCED : error));
    }

    private static TxnOffsetCommitResponseData answer(Map<TopicPartition, CommittedOffset> commits, Errors error) {
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        Map<String, TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic> topics = new LinkedHashMap<>();
        for (TopicPartition tp : commits.keySet()) {
            topics.computeIfAbsent(tp.topic(), name -> {
                TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic topic =
                        new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName(name);
                response.topics().add(topic);
                return topic;
            }).partitions().add(new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition()
                    .setPartitionIndex(tp.partition()).setErrorCode(error.code()));
        }
        return response;
    }
}
