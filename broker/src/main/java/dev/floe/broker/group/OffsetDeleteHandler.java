package dev.floe.broker.group;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** OffsetDelete: drop a group's committed offsets for some partitions while it has no members. */
public final class OffsetDeleteHandler implements ApiHandler<OffsetDeleteRequestData> {
    private final GroupCoordinator groups;

    public OffsetDeleteHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<OffsetDeleteResponseData> handle(RequestContext ctx, OffsetDeleteRequestData request) {
        List<TopicPartition> partitions = new ArrayList<>();
        request.topics().forEach(t -> t.partitions().forEach(p -> partitions.add(new TopicPartition(t.name(), p.partitionIndex()))));
        if (!groups.coordinates(request.groupId())) {
            return CompletableFuture.completedFuture(new OffsetDeleteResponseData()
                    .setErrorCode(Errors.NOT_COORDINATOR.code()));
        }
        return groups.deleteOffsets(request.groupId(), partitions).thenApply(error -> {
            OffsetDeleteResponseData response = new OffsetDeleteResponseData();
            boolean groupLevel = error == Errors.GROUP_ID_NOT_FOUND || error == Errors.COORDINATOR_NOT_AVAILABLE;
            if (groupLevel) {
                return response.setErrorCode(error.code());
            }
            request.topics().forEach(t -> {
                OffsetDeleteResponseData.OffsetDeleteResponseTopic topic = new OffsetDeleteResponseData.OffsetDeleteResponseTopic()
                        .setName(t.name());
                t.partitions().forEach(p -> topic.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code())));
                response.topics().add(topic);
            });
            return response;
        });
    }
}
