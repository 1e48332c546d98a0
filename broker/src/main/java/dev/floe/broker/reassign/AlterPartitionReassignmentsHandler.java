package dev.floe.broker.reassign;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * AlterPartitionReassignments (API 45, {@code kafka-reassign-partitions.sh --execute} and {@code --cancel}): per
 * partition a target replica list or null (cancel), handed to the controller; answered once recorded, as Kafka does.
 */
public final class AlterPartitionReassignmentsHandler implements ApiHandler<AlterPartitionReassignmentsRequestData> {
    private final Reassignments reassignments;
    private final Executor control;

    public AlterPartitionReassignmentsHandler(Reassignments reassignments, Executor control) {
        this.reassignments = reassignments;
        this.control = control;
    }

    @Override
    public CompletionStage<AlterPartitionReassignmentsResponseData> handle(RequestContext ctx,
                                                                         AlterPartitionReassignmentsRequestData request) {
        return CompletableFuture.supplyAsync(() -> {
            List<ReassignableTopicResponse> topics = new ArrayList<>();
            for (AlterPartitionReassignmentsRequestData.ReassignableTopic topic : request.topics()) {
                Map<Integer, List<Integer>> targets = new LinkedHashMap<>();
                topic.partitions().forEach(p -> targets.put(p.partitionIndex(), p.replicas()));
                ReassignableTopicResponse response = new ReassignableTopicResponse().setName(topic.name());
                reassignments.alter(topic.name(), targets, request.allowReplicationFactorChange())
                        .forEach((p, outcome) -> response.partitions().add(new ReassignablePartitionResponse()
                                .setPartitionIndex(p).setErrorCode(outcome.error().code())
                                .setErrorMessage(outcome.message())));
                topics.add(response);
            }
            return new AlterPartitionReassignmentsResponseData().setErrorCode(Errors.NONE.code())
                    .setAllowReplicationFactorChange(request.allowReplicationFactorChange()).setResponses(topics);
        }, control);
    }
}
