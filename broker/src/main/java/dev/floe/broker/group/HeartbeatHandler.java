package dev.floe.broker.group;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Heartbeat: keeps a member's session alive and tells it when to rejoin. */
public final class HeartbeatHandler implements ApiHandler<HeartbeatRequestData> {
    private final GroupCoordinator groups;

    public HeartbeatHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<HeartbeatResponseData> handle(RequestContext ctx, HeartbeatRequestData request) {
        if (!groups.coordinates(request.groupId())) {
            return CompletableFuture.completedFuture(new HeartbeatResponseData().setErrorCode(Errors.NOT_COORDINATOR.code()));
        }
        Group group = groups.get(request.groupId());
        Errors error = group == null ? Errors.UNKNOWN_MEMBER_ID : group.heartbeat(request.memberId(), request.generationId());
        return CompletableFuture.completedFuture(new HeartbeatResponseData().setErrorCode(error.code()));
    }
}
