package dev.floe.broker.group;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** DescribeGroups: state, protocol and members with their metadata and assignments. */
public final class DescribeGroupsHandler implements ApiHandler<DescribeGroupsRequestData> {
    private final GroupCoordinator groups;

    public DescribeGroupsHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<DescribeGroupsResponseData> handle(RequestContext ctx, DescribeGroupsRequestData request) {
        DescribeGroupsResponseData response = new DescribeGroupsResponseData();
        for (String id : request.groups()) {
            if (!groups.coordinates(id)) {
                response.groups().add(new DescribeGroupsResponseData.DescribedGroup().setGroupId(id)
                        .setErrorCode(Errors.NOT_COORDINATOR.code()).setGroupState("").setProtocolType("")
                        .setProtocolData("").setAuthorizedOperations(Integer.MIN_VALUE));
                continue;
            }
            GroupState state = groups.stateOf(id);
            DescribeGroupsResponseData.DescribedGroup out = new DescribeGroupsResponseData.DescribedGroup()
                    .setGroupId(id).setGroupState(state.displayName()).setProtocolType("").setProtocolData("")
                    .setAuthorizedOperations(Integer.MIN_VALUE);
            response.groups().add(out);
            if (state == GroupState.DEAD) {
                if (ctx.apiVersion() >= 6) {
                    out.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setErrorMessage("group '" + id + "' does not exist");
                }
                continue;
            }
            Group group = groups.get(id);
            if (group == null) {
                out.setProtocolType("consumer");
                continue;
            }
            out.setProtocolType(group.protocolType() == null ? "consumer" : group.protocolType());
            boolean stable = group.state() == GroupState.STABLE;
            out.setProtocolData(stable && group.protocolName() != null ? group.protocolName() : "");
            for (Member m : group.members()) {
                out.members().add(new DescribeGroupsResponseData.DescribedGroupMember()
                        .setMemberId(m.memberId).setGroupInstanceId(m.groupInstanceId).setClientId(m.clientId)
                        .setClientHost(m.clientHost)
                        .setMemberMetadata(stable ? m.metadataFor(group.protocolName()) : new byte[0])
                        .setMemberAssignment(stable ? m.assignment : new byte[0]));
            }
        }
        return CompletableFuture.completedFuture(response);
    }
}
