package dev.floe.broker.group;

import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One consumer group under Kafka's classic protocol: members join, the coordinator picks a protocol and a
 * leader, the leader's assignment is handed out at sync, heartbeats keep members alive. Every method runs under
 * the group's lock; futures are completed after the state change they report.
 */
final class Group {
    private static final Logger LOG = Logger.getLogger(Group.class);

    final String groupId;
    private final ScheduledExecutorService scheduler;
    private final long initialRebalanceDelayMs;
    private GroupState state = GroupState.EMPTY;
    private int generation;
    private String protocolType;
    private String protocolName;
    private String leaderId;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final Map<String, String> staticMembers = new HashMap<>();
    private final Set<String> pendingMemberIds = new HashSet<>();
    private ScheduledFuture<?> joinDeadline;
    private long rebalanceStartedAt;

    Group(String groupId, ScheduledExecutorService scheduler, long initialRebalanceDelayMs) {
        this.groupId = groupId;
        this.scheduler = scheduler;
        this.initialRebalanceDelayMs = initialRebalanceDelayMs;
    }

    synchronized GroupState state() {
        return state;
    }

    synchronized int generation() {
        return generation;
    }

    synchronized String protocolType() {
        return protocolType;
    }

    synchronized String protocolName() {
        return protocolName;
    }

    synchronized List<Member> members() {
        return new ArrayList<>(members.values());
    }

    synchronized boolean isEmpty() {
        return members.isEmpty();
    }

    synchronized void markDead() {
        state = GroupState.DEAD;
    }

    synchronized CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData req, String clientId,
                                                               String clientHost, short version) {
        if (state == GroupState.DEAD) {
            return joinError(Errors.COORDINATOR_NOT_AVAILABLE, req.memberId());
        }
        if (!members.isEmpty() && protocolType != null && !protocolType.equals(req.protocolType())) {
            return joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, req.memberId());
        }
        Map<String, byte[]> protocols = new LinkedHashMap<>();
        req.protocols().forEach(p -> protocols.put(p.name(), p.metadata()));
        if (protocols.isEmpty() || (!members.isEmpty() && !sharesProtocol(protocols))) {
            return joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, req.memberId());
        }
        Member member;
        String memberId = req.memberId();
        if (memberId == null || memberId.isEmpty()) {
            String newId = (clientId.isEmpty() ? "member" : clientId) + "-" + UUID.randomUUID();
            String existing = req.groupInstanceId() == null ? null : staticMembers.get(req.groupInstanceId());
            if (existing != null) {
                member = members.get(existing);
                fence(member, newId);
            } else if (req.groupInstanceId() == null && version >= 4) {
                // Kafka 2.2+: hand out the id first, so a retried join does not create a second member.
                pendingMemberIds.add(newId);
                return joinError(Errors.MEMBER_ID_REQUIRED, newId);
            } else {
                member = add(newId, req, clientId, clientHost);
            }
        } else if (pendingMemberIds.remove(memberId)) {
            member = add(memberId, req, clientId, clientHost);
        } else {
            member = members.get(memberId);
            if (member == null) {
                return joinError(req.groupInstanceId() != null && staticMembers.containsKey(req.groupInstanceId())
                        ? Errors.FENCED_INSTANCE_ID : Errors.UNKNOWN_MEMBER_ID, memberId);
            }
        }
        member.protocols = protocols;
        member.protocolType = req.protocolType();
        member.sessionTimeoutMs = req.sessionTimeoutMs();
        member.rebalanceTimeoutMs = req.rebalanceTimeoutMs() > 0 ? req.rebalanceTimeoutMs() : req.sessionTimeoutMs();
        if (member.awaitingJoin != null) {
            member.awaitingJoin.complete(joinResponse(Errors.UNKNOWN_MEMBER_ID, member.memberId));
        }
        CompletableFuture<JoinGroupResponseData> future = new CompletableFuture<>();
        member.awaitingJoin = future;
        if (member.sessionExpiry != null) {
            member.sessionExpiry.cancel(false);
        }
        if (state == GroupState.PREPARING_REBALANCE) {
            maybeCompleteJoin();
        } else {
            prepareRebalance("member " + member.memberId + " joined");
        }
        return future;
    }

    private Member add(String memberId, JoinGroupRequestData req, String clientId, String clientHost) {
        Member member = new Member(memberId, req.groupInstanceId(), clientId, clientHost);
        members.put(memberId, member);
        if (member.isStatic()) {
            staticMembers.put(member.groupInstanceId, memberId);
        }
        return member;
    }

    /** A static member came back under a new member id: the old id is fenced, its waits answered. */
    private void fence(Member member, String newId) {
        String oldId = member.memberId;
        members.remove(oldId);
        if (member.awaitingJoin != null) {
            member.awaitingJoin.complete(joinResponse(Errors.FENCED_INSTANCE_ID, oldId));
            member.awaitingJoin = null;
        }
        if (member.awaitingSync != null) {
            member.awaitingSync.complete(syncError(Errors.FENCED_INSTANCE_ID));
            member.awaitingSync = null;
        }
        member.memberId = newId;
        members.put(newId, member);
        staticMembers.put(member.groupInstanceId, newId);
        if (oldId.equals(leaderId)) {
            leaderId = newId;
        }
    }

    private boolean sharesProtocol(Map<String, byte[]> protocols) {
        for (String name : protocols.keySet()) {
            if (members.values().stream().allMatch(m -> m.protocols.containsKey(name))) {
                return true;
            }
        }
        return false;
    }

    private void prepareRebalance(String reason) {
        if (state == GroupState.COMPLETING_REBALANCE) {
            for (Member m : members.values()) {
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
                    m.awaitingSync = null;
                }
            }
        }
        boolean fresh = state == GroupState.EMPTY;
        state = GroupState.PREPARING_REBALANCE;
        rebalanceStartedAt = System.currentTimeMillis();
        LOG.infof("group %s: rebalancing at generation %d because %s", groupId, generation, reason);
        int timeout = members.values().stream().mapToInt(m -> m.rebalanceTimeoutMs).max().orElse(0);
        long wait = fresh && initialRebalanceDelayMs > 0 ? Math.min(initialRebalanceDelayMs, timeout) : timeout;
        if (joinDeadline != null) {
            joinDeadline.cancel(false);
        }
        joinDeadline = scheduler.schedule(this::joinDeadlinePassed, wait, TimeUnit.MILLISECONDS);
        if (!(fresh && initialRebalanceDelayMs > 0)) {
            maybeCompleteJoin();
        }
    }

    private synchronized void joinDeadlinePassed() {
        if (state == GroupState.PREPARING_REBALANCE) {
            completeJoin();
        }
    }

    private void maybeCompleteJoin() {
        if (state == GroupState.PREPARING_REBALANCE && members.values().stream().allMatch(m -> m.awaitingJoin != null)
                && pendingMemberIds.isEmpty()) {
            completeJoin();
        }
    }

    private void completeJoin() {
        if (joinDeadline != null) {
            joinDeadline.cancel(false);
            joinDeadline = null;
        }
        List<Member> late = members.values().stream().filter(m -> m.awaitingJoin == null).toList();
        for (Member m : late) {
            LOG.infof("group %s: member %s did not rejoin within the rebalance timeout and was removed", groupId, m.memberId);
            remove(m);
        }
        pendingMemberIds.clear();
        generation++;
        if (members.isEmpty()) {
            state = GroupState.EMPTY;
            protocolName = null;
            leaderId = null;
            return;
        }
        protocolName = selectProtocol();
        protocolType = members.values().iterator().next().protocolType;
        if (leaderId == null || !members.containsKey(leaderId)) {
            leaderId = members.keySet().iterator().next();
        }
        state = GroupState.COMPLETING_REBALANCE;
        LOG.infof("group %s: generation %d with %d members, protocol %s, leader %s (rebalance took %d ms)", groupId,
                generation, members.size(), protocolName, leaderId, System.currentTimeMillis() - rebalanceStartedAt);
        for (Member m : members.values()) {
            JoinGroupResponseData response = joinResponse(Errors.NONE, m.memberId)
                    .setGenerationId(generation)
                    .setProtocolType(protocolType)
                    .setProtocolName(protocolName)
                    .setLeader(leaderId);
            if (m.memberId.equals(leaderId)) {
                for (Member other : members.values()) {
                    response.members().add(new JoinGroupResponseData.JoinGroupResponseMember()
                            .setMemberId(other.memberId)
                            .setGroupInstanceId(other.groupInstanceId)
                            .setMetadata(other.metadataFor(protocolName)));
                }
            }
            CompletableFuture<JoinGroupResponseData> f = m.awaitingJoin;
            m.awaitingJoin = null;
            armSession(m);
            f.complete(response);
        }
    }

    private String selectProtocol() {
        Map<String, Integer> votes = new LinkedHashMap<>();
        Member first = members.values().iterator().next();
        for (String name : first.protocols.keySet()) {
            if (members.values().stream().allMatch(m -> m.protocols.containsKey(name))) {
                votes.put(name, 0);
            }
        }
        for (Member m : members.values()) {
            m.protocols.keySet().stream().filter(votes::containsKey).findFirst()
                    .ifPresent(choice -> votes.merge(choice, 1, Integer::sum));
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElseThrow();
    }

    synchronized CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData req) {
        Member member = members.get(req.memberId());
        if (member == null) {
            return CompletableFuture.completedFuture(syncError(Errors.UNKNOWN_MEMBER_ID));
        }
        if (req.generationId() != generation) {
            return CompletableFuture.completedFuture(syncError(Errors.ILLEGAL_GENERATION));
        }
        if ((req.protocolType() != null && !req.protocolType().equals(protocolType))
                || (req.protocolName() != null && !req.protocolName().equals(protocolName))) {
            return CompletableFuture.completedFuture(syncError(Errors.INCONSISTENT_GROUP_PROTOCOL));
        }
        switch (state) {
            case PREPARING_REBALANCE:
                return CompletableFuture.completedFuture(syncError(Errors.REBALANCE_IN_PROGRESS));
            case COMPLETING_REBALANCE: {
                CompletableFuture<SyncGroupResponseData> future = new CompletableFuture<>();
                member.awaitingSync = future;
                armSession(member);
                if (member.memberId.equals(leaderId)) {
                    Map<String, byte[]> assignments = new HashMap<>();
                    req.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
                    for (Member m : members.values()) {
                        m.assignment = assignments.getOrDefault(m.memberId, new byte[0]);
                    }
                    state = GroupState.STABLE;
                    LOG.debugf("group %s: generation %d is stable", groupId, generation);
                    for (Member m : members.values()) {
                        if (m.awaitingSync != null) {
                            CompletableFuture<SyncGroupResponseData> f = m.awaitingSync;
                            m.awaitingSync = null;
                            f.complete(syncOk(m));
                        }
                    }
                }
                return future;
            }
            case STABLE:
                armSession(member);
                return CompletableFuture.completedFuture(syncOk(member));
            default:
                return CompletableFuture.completedFuture(syncError(Errors.UNKNOWN_MEMBER_ID));
        }
    }

    synchronized Errors heartbeat(String memberId, int generationId) {
        Member member = members.get(memberId);
        if (member == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (generationId != generation) {
            return Errors.ILLEGAL_GENERATION;
        }
        if (member.awaitingJoin == null) {
            armSession(member);
        }
        return state == GroupState.PREPARING_REBALANCE ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
    }

    synchronized Errors leave(String memberId, String groupInstanceId) {
        Member member = memberId != null && !memberId.isEmpty() ? members.get(memberId)
                : groupInstanceId != null ? members.get(staticMembers.get(groupInstanceId)) : null;
        if (member == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (groupInstanceId != null && member.groupInstanceId != null && !groupInstanceId.equals(member.groupInstanceId)) {
            return Errors.FENCED_INSTANCE_ID;
        }
        LOG.infof("group %s: member %s left", groupId, member.memberId);
        removeAndRebalance(member, "member " + member.memberId + " left the group");
        return Errors.NONE;
    }

    /** Validation of an offset commit against the group's membership, as Kafka does it. */
    synchronized Errors validateCommit(int generationId, String memberId, String groupInstanceId) {
        if (generationId < 0 && (memberId == null || memberId.isEmpty())) {
            return members.isEmpty() ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
        }
        if (state == GroupState.COMPLETING_REBALANCE) {
            return Errors.REBALANCE_IN_PROGRESS;
        }
        Member member = members.get(memberId);
        if (member == null) {
            return groupInstanceId != null && staticMembers.containsKey(groupInstanceId)
                    ? Errors.FENCED_INSTANCE_ID : Errors.UNKNOWN_MEMBER_ID;
        }
        if (generationId != generation) {
            return Errors.ILLEGAL_GENERATION;
        }
        return Errors.NONE;
    }

    private void armSession(Member member) {
        if (member.sessionExpiry != null) {
            member.sessionExpiry.cancel(false);
        }
        String id = member.memberId;
        member.sessionExpiry = scheduler.schedule(() -> sessionExpired(id), member.sessionTimeoutMs, TimeUnit.MILLISECONDS);
    }

    private synchronized void sessionExpired(String memberId) {
        Member member = members.get(memberId);
        if (member == null || member.awaitingJoin != null) {
            return;
        }
        LOG.infof("group %s: member %s removed, no heartbeat within its session timeout of %d ms", groupId,
                memberId, member.sessionTimeoutMs);
        removeAndRebalance(member, "member " + memberId + "'s session expired");
    }

    private void removeAndRebalance(Member member, String reason) {
        remove(member);
        if (member.awaitingJoin != null) {
            member.awaitingJoin.complete(joinResponse(Errors.UNKNOWN_MEMBER_ID, member.memberId));
        }
        if (members.isEmpty() && state != GroupState.PREPARING_REBALANCE) {
            state = GroupState.EMPTY;
            generation++;
            leaderId = null;
            return;
        }
        if (state == GroupState.PREPARING_REBALANCE) {
            maybeCompleteJoin();
        } else if (state == GroupState.STABLE || state == GroupState.COMPLETING_REBALANCE) {
            prepareRebalance(reason);
        }
    }

    private void remove(Member member) {
        members.remove(member.memberId);
        if (member.isStatic()) {
            staticMembers.remove(member.groupInstanceId);
        }
        if (member.sessionExpiry != null) {
            member.sessionExpiry.cancel(false);
        }
        if (member.awaitingSync != null) {
            member.awaitingSync.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
            member.awaitingSync = null;
        }
    }

    private static CompletableFuture<JoinGroupResponseData> joinError(Errors error, String memberId) {
        return CompletableFuture.completedFuture(joinResponse(error, memberId));
    }

    private static JoinGroupResponseData joinResponse(Errors error, String memberId) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setMemberId(memberId == null ? "" : memberId)
                .setGenerationId(-1).setLeader("").setProtocolName(""); // not nullable before v7
    }

    private SyncGroupResponseData syncOk(Member member) {
        return new SyncGroupResponseData().setProtocolType(protocolType).setProtocolName(protocolName)
                .setAssignment(Arrays.copyOf(member.assignment, member.assignment.length));
    }

    private static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
    }
}
