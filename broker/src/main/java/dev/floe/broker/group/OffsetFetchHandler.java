package dev.floe.broker.group;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * OffsetFetch: a group's committed offsets, for named partitions (-1 when none is committed) or all of them;
 * one group per request before v8, several after.
 */
public final class OffsetFetchHandler implements ApiHandler<OffsetFetchRequestData> {
    private final GroupCoordinator groups;

    public OffsetFetchHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<OffsetFetchResponseData> handle(RequestContext ctx, OffsetFetchRequestData request) {
        OffsetFetchResponseData response = new OffsetFetchResponseData();
        if (ctx.apiVersion() < 8) {
            if (!groups.coordinates(request.groupId())) {
                return CompletableFuture.completedFuture(response.setErrorCode(Errors.NOT_COORDINATOR.code()));
            }
            Map<String, List<Integer>> wanted = null;
            if (request.topics() != null) {
                wanted = new LinkedHashMap<>();
                for (OffsetFetchRequestData.OffsetFetchRequestTopic t : request.topics()) {
                    wanted.put(t.name(), t.partitionIndexes());
                }
            }
            for (Map.Entry<String, List<OffsetFetchResponseData.OffsetFetchResponsePartitions>> e
                    : lookup(request.groupId(), wanted, request.requireStable()).entrySet()) {
                OffsetFetchResponseData.OffsetFetchResponseTopic topic = new OffsetFetchResponseData.OffsetFetchResponseTopic()
                        .setName(e.getKey());
                for (OffsetFetchResponseData.OffsetFetchResponsePartitions p : e.getValue()) {
                    topic.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setCommittedOffset(p.committedOffset())
                            .setCommittedLeaderEpoch(p.committedLeaderEpoch()).setMetadata(p.metadata())
                            .setErrorCode(p.errorCode()));
                }
                response.topics().add(topic);
            }
            return CompletableFuture.completedFuture(response);
        }
        for (OffsetFetchRequestData.OffsetFetchRequestGroup group : request.groups()) {
            Map<String, List<Integer>> wanted = null;
            if (group.topics() != null) {
                wanted = new LinkedHashMap<>();
                for (OffsetFetchRequestData.OffsetFetchRequestTopics t : group.topics()) {
                    wanted.put(t.name(), t.partitionIndexes());
                }
            }
            OffsetFetchResponseData.OffsetFetchResponseGroup out = new OffsetFetchResponseData.OffsetFetchResponseGroup()
                    .setGroupId(group.groupId());
            if (!groups.coordinates(group.groupId())) {
                response.groups().add(out.setErrorCode(Errors.NOT_COORDINATOR.code()));
                continue;
            }
            lookup(group.groupId(), wanted, request.requireStable()).forEach((name, partitions) -> out.topics().add(
                    new OffsetFetchResponseData.OffsetFetchResponseTopics().setName(name).setPartitions(partitions)));
            response.groups().add(out);
        }
        return CompletableFuture.completedFuture(response);
    }

    private Map<String, List<OffsetFetchResponseData.OffsetFetchResponsePartitions>> lookup(
            String groupId, Map<String, List<Integer>> wanted, boolean requireStable) {
        Map<TopicPartition, CommittedOffset> committed = groups.offsets().committed(groupId);
        Map<String, List<OffsetFetchResponseData.OffsetFetchResponsePartitions>> out = new LinkedHashMap<>();
        if (wanted == null) {
            committed.forEach((tp, c) -> out.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(partition(tp.partition(), c)));
            return out;
        }
        wanted.forEach((topic, partitions) -> {
            List<OffsetFetchResponseData.OffsetFetchResponsePartitions> list = out.computeIfAbsent(topic, t -> new ArrayList<>());
            for (int p : partitions) {
                TopicPartition tp = new TopicPartition(topic, p);
                if (requireStable && groups.offsets().hasPendingOffset(groupId, tp)) {
                    // An open transaction will change this offset: the consumer retries until it is decided.
                    list.add(partition(p, null).setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code()));
                } else {
                    list.add(partition(p, committed.get(tp)));
                }
            }
        });
        return out;
    }

    private static OffsetFetchResponseData.OffsetFetchResponsePartitions partition(int index, CommittedOffset c) {
        return new OffsetFetchResponseData.OffsetFetchResponsePartitions()
                .setPartitionIndex(index)
                .setCommittedOffset(c == null ? -1 : c.offset())
                .setCommittedLeaderEpoch(c == null ? -1 : c.leaderEpoch())
                .setMetadata(c == null ? "" : c.metadata());
    }
}
