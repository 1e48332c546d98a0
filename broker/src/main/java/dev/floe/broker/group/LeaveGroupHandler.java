package dev.floe.broker.group;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** LeaveGroup: one member (v0-2) or a batch of members by id or instance id (v3+). */
public final class LeaveGroupHandler implements ApiHandler<LeaveGroupRequestData> {
    private final GroupCoordinator groups;

    public LeaveGroupHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<LeaveGroupResponseData> handle(RequestContext ctx, LeaveGroupRequestData request) {
        LeaveGroupResponseData response = new LeaveGroupResponseData();
        if (!groups.coordinates(request.groupId())) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.NOT_COORDINATOR.code()));
        }
        Group group = groups.get(request.groupId());
        if (ctx.apiVersion() < 3) {
            Errors error = group == null ? Errors.UNKNOWN_MEMBER_ID : group.leave(request.memberId(), null);
            return CompletableFuture.completedFuture(response.setErrorCode(error.code()));
        }
        for (LeaveGroupRequestData.MemberIdentity m : request.members()) {
            Errors error = group == null ? Errors.UNKNOWN_MEMBER_ID : group.leave(m.memberId(), m.groupInstanceId());
            response.members().add(new LeaveGroupResponseData.MemberResponse().setMemberId(m.memberId())
                    .setGroupInstanceId(m.groupInstanceId()).setErrorCode(error.code()));
        }
        return CompletableFuture.completedFuture(response);
    }
}
