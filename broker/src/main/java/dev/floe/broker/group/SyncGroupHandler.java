package dev.floe.broker.group;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** SyncGroup: members wait for the leader's assignment, then each gets its own share. */
public final class SyncGroupHandler implements ApiHandler<SyncGroupRequestData> {
    private final GroupCoordinator groups;

    public SyncGroupHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<SyncGroupResponseData> handle(RequestContext ctx, SyncGroupRequestData request) {
        if (!groups.coordinates(request.groupId())) {
            return CompletableFuture.completedFuture(new SyncGroupResponseData()
                    .setErrorCode(Errors.NOT_COORDINATOR.code()).setAssignment(new byte[0]));
        }
        Group group = groups.get(request.groupId());
        if (group == null) {
            return CompletableFuture.completedFuture(new SyncGroupResponseData()
                    .setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()).setAssignment(new byte[0]));
        }
        return group.sync(request);
    }
}
