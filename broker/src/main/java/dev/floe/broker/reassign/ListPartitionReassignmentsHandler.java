package dev.floe.broker.reassign;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * ListPartitionReassignments (API 46, {@code kafka-reassign-partitions.sh --verify} and {@code --list}): the
 * reassignments under way, from the Topic statuses this broker watches. Partitions not being moved are left out,
 * as Kafka does.
 */
public final class ListPartitionReassignmentsHandler implements ApiHandler<ListPartitionReassignmentsRequestData> {
    private final Reassignments reassignments;
    private final Executor control;

    public ListPartitionReassignmentsHandler(Reassignments reassignments, Executor control) {
        this.reassignments = reassignments;
        this.control = control;
    }

    @Override
    public CompletionStage<ListPartitionReassignmentsResponseData> handle(RequestContext ctx,
                                                                        ListPartitionReassignmentsRequestData request) {
        return CompletableFuture.supplyAsync(() -> {
            Map<String, List<Integer>> asked = null;
            if (request.topics() != null) {
                asked = new LinkedHashMap<>();
                for (ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics t : request.topics()) {
                    asked.put(t.name(), t.partitionIndexes());
                }
            }
            List<OngoingTopicReassignment> topics = new ArrayList<>();
            reassignments.list(asked).forEach((name, ongoing) -> {
                OngoingTopicReassignment topic = new OngoingTopicReassignment().setName(name);
                for (Reassignments.Ongoing o : ongoing) {
                    topic.partitions().add(new OngoingPartitionReassignment().setPartitionIndex(o.partition())
                            .setReplicas(new ArrayList<>(o.replicas())).setAddingReplicas(new ArrayList<>(o.adding()))
                            .setRemovingReplicas(new ArrayList<>(o.removing())));
                }
                topics.add(topic);
            });
            return new ListPartitionReassignmentsResponseData().setErrorCode(Errors.NONE.code()).setTopics(topics);
        }, control);
    }
}
