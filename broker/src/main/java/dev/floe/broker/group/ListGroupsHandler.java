package dev.floe.broker.group;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** ListGroups: every group with its state, optionally filtered by state (v4+) and type (v5+). */
public final class ListGroupsHandler implements ApiHandler<ListGroupsRequestData> {
    private final GroupCoordinator groups;

    public ListGroupsHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public CompletionStage<ListGroupsResponseData> handle(RequestContext ctx, ListGroupsRequestData request) {
        ListGroupsResponseData response = new ListGroupsResponseData();
        for (String id : groups.groupIds()) {
            GroupState state = groups.stateOf(id);
            if (state == GroupState.DEAD) {
                continue;
            }
            if (request.statesFilter() != null && !request.statesFilter().isEmpty()
                    && request.statesFilter().stream().noneMatch(s -> s.equalsIgnoreCase(state.displayName()))) {
                continue;
            }
            if (request.typesFilter() != null && !request.typesFilter().isEmpty()
                    && request.typesFilter().stream().noneMatch(t -> t.equalsIgnoreCase("classic"))) {
                continue;
            }
            Group group = groups.get(id);
            String protocolType = group != null && group.protocolType() != null ? group.protocolType() : "consumer";
            response.groups().add(new ListGroupsResponseData.ListedGroup().setGroupId(id).setProtocolType(protocolType)
                    .setGroupState(state.displayName()).setGroupType("classic"));
        }
        return CompletableFuture.completedFuture(response);
    }
}
