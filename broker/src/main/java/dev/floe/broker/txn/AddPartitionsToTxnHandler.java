package dev.floe.broker.txn;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.topic.TopicInfo;
import dev.floe.broker.topic.TopicService;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * AddPartitionsToTxn. v0-3, as producers send it: one transaction; partitions that do not exist fail with
 * UNKNOWN_TOPIC_OR_PARTITION and the rest with OPERATION_NOT_ATTEMPTED, as in Kafka; otherwise every partition
 * gets the coordinator's answer. v4+, as partition leaders send it (KIP-890 part 1): several transactions per
 * request, each either verified (verify_only: is the partition in the open transaction?) or added.
 */
public final class AddPartitionsToTxnHandler implements ApiHandler<AddPartitionsToTxnRequestData> {
    private final TransactionCoordinator coordinator;
    private final TopicService topics;

    public AddPartitionsToTxnHandler(TransactionCoordinator coordinator, TopicService topics) {
        this.coordinator = coordinator;
        this.topics = topics;
    }

    @Override
    public CompletionStage<AddPartitionsToTxnResponseData> handle(RequestContext ctx,
                                                                  AddPartitionsToTxnRequestData request) {
        if (ctx.apiVersion() >= 4) {
            return batched(request);
        }
        List<TopicPartition> partitions = new ArrayList<>();
        boolean unknown = false;
        for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic t : request.v3AndBelowTopics()) {
            TopicInfo info = topics.get(t.name());
            for (int p : t.partitions()) {
                partitions.add(new TopicPartition(t.name(), p));
                unknown |= info == null || p < 0 || p >= info.partitions();
            }
        }
        String id = request.v3AndBelowTransactionalId();
        if (unknown) {
            return CompletableFuture.completedFuture(answer(partitions, tp -> {
                TopicInfo info = topics.get(tp.topic());
                return info == null || tp.partition() < 0 || tp.partition() >= info.partitions()
                        ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.OPERATION_NOT_ATTEMPTED;
            }));
        }
        if (!coordinator.coordinates(id)) {
            return CompletableFuture.completedFuture(answer(partitions, tp -> Errors.NOT_COORDINATOR));
        }
        return coordinator.addPartitions(id, request.v3AndBelowProducerId(), request.v3AndBelowProducerEpoch(),
                partitions).thenApply(error -> answer(partitions, tp -> error));
    }

    private CompletionStage<AddPartitionsToTxnResponseData> batched(AddPartitionsToTxnRequestData request) {
        AddPartitionsToTxnResponseData response = new AddPartitionsToTxnResponseData();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction txn : request.transactions()) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic t : txn.topics()) {
                for (int p : t.partitions()) {
                    partitions.add(new TopicPartition(t.name(), p));
                }
            }
            AddPartitionsToTxnResponseData.AddPartitionsToTxnResult result =
                    new AddPartitionsToTxnResponseData.AddPartitionsToTxnResult().setTransactionalId(txn.transactionalId());
            response.resultsByTransaction().add(result);
            if (!coordinator.coordinates(txn.transactionalId())) {
                result.setTopicResults(answer(partitions, tp -> Errors.NOT_COORDINATOR).resultsByTopicV3AndBelow());
            } else if (txn.verifyOnly()) {
                var verified = coordinator.verify(txn.transactionalId(), txn.producerId(), txn.producerEpoch(),
                        partitions);
                result.setTopicResults(answer(partitions, verified::get).resultsByTopicV3AndBelow());
            } else {
                pending.add(coordinator.addPartitions(txn.transactionalId(), txn.producerId(), txn.producerEpoch(),
                        partitions).thenAccept(error -> result.setTopicResults(
                        answer(partitions, tp -> error).resultsByTopicV3AndBelow())));
            }
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(v -> response);
    }

    private static AddPartitionsToTxnResponseData answer(List<TopicPartition> partitions,
                                                         java.util.function.Function<TopicPartition, Errors> error) {
        AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection topics =
                new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection();
        for (TopicPartition tp : partitions) {
            AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult topic = topics.find(tp.topic());
            if (topic == null) {
                topic = new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult().setName(tp.topic());
                topics.add(topic);
            }
            topic.resultsByPartition().add(new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult()
                    .setPartitionIndex(tp.partition()).setPartitionErrorCode(error.apply(tp).code()));
        }
        return new AddPartitionsToTxnResponseData().setResultsByTopicV3AndBelow(topics);
    }
}
