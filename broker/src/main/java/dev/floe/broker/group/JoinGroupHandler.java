package dev.floe.broker.group;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** JoinGroup: parked until the group's rebalance completes; the leader gets every member's metadata. */
public final class JoinGroupHandler implements ApiHandler<JoinGroupRequestData> {
    private static final int MIN_SESSION_TIMEOUT_MS = 1000;
    private static final int MAX_SESSION_TIMEOUT_MS = 1_800_000;
    private final GroupCoordinator groups;

    public JoinGroupHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<JoinGroupResponseData> handle(RequestContext ctx, JoinGroupRequestData request) {
        if (request.groupId() == null || request.groupId().isEmpty()) {
            return error(Errors.INVALID_GROUP_ID, request.memberId());
        }
        if (!groups.coordinates(request.groupId())) {
            return error(Errors.NOT_COORDINATOR, request.memberId());
        }
        if (request.sessionTimeoutMs() < MIN_SESSION_TIMEOUT_MS || request.sessionTimeoutMs() > MAX_SESSION_TIMEOUT_MS) {
            return error(Errors.INVALID_SESSION_TIMEOUT, request.memberId());
        }
        return groups.getOrCreate(request.groupId()).join(request, ctx.clientId(), ctx.clientAddress(), ctx.apiVersion());
    }

    private static CompletionStage<JoinGroupResponseData> error(Errors error, String memberId) {
        return CompletableFuture.completedFuture(new JoinGroupResponseData().setErrorCode(error.code())
                .setMemberId(memberId == null ? "" : memberId).setGenerationId(-1).setLeader(""));
    }
}
