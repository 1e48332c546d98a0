package dev.floe.broker.group;

import dev.floe.broker.log.LogManager;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** OffsetCommit: checks membership and each partition, persists, then answers per partition. */
public final class OffsetCommitHandler implements ApiHandler<OffsetCommitRequestData> {
    private final GroupCoordinator groups;
    private final LogManager logs;

    public OffsetCommitHandler(GroupCoordinator groups, LogManager logs) {
        this.groups = groups;
        this.logs = logs;
    }

    @Override
    public CompletionStage<OffsetCommitResponseData> handle(RequestContext ctx, OffsetCommitRequestData request) {
        Map<TopicPartition, CommittedOffset> commits = new HashMap<>();
        Map<TopicPartition, Errors> errors = new HashMap<>();
        long now = System.currentTimeMillis();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics()) {
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                if (logs.log(tp) == null) {
                    errors.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                } else if (p.committedMetadata() != null && p.committedMetadata().length() > GroupCoordinator.MAX_METADATA_BYTES) {
                    errors.put(tp, Errors.OFFSET_METADATA_TOO_LARGE);
                } else {
                    commits.put(tp, new CommittedOffset(p.committedOffset(), p.committedLeaderEpoch(),
                            p.committedMetadata(), now));
                }
            }
        }
        CompletableFuture<Errors> written = request.groupId() == null || request.groupId().isEmpty()
                ? CompletableFuture.completedFuture(Errors.INVALID_GROUP_ID)
                : !groups.coordinates(request.groupId()) ? CompletableFuture.completedFuture(Errors.NOT_COORDINATOR)
                : groups.commit(request.groupId(), request.generationIdOrMemberEpoch(), request.memberId(),
                request.groupInstanceId(), commits);
        return written.thenApply(error -> {
            OffsetCommitResponseData response = new OffsetCommitResponseData();
            for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics()) {
                OffsetCommitResponseData.OffsetCommitResponseTopic out = new OffsetCommitResponseData.OffsetCommitResponseTopic()
                        .setName(topic.name());
                response.topics().add(out);
                for (OffsetCommitRequestData.OffsetCommitRequestPartition p : topic.partitions()) {
                    Errors e = errors.getOrDefault(new TopicPartition(topic.name(), p.partitionIndex()), error);
                    out.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setErrorCode(e.code()));
                }
            }
            return response;
        });
    }
}
