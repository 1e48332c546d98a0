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
    /** Ids handed out with MEMBER_ID_REQUIRED and not used yet, each with its expiry (the session timeout). */
    private final Map<String, ScheduledFuture<?>> pendingMembers = new HashMap<>();
    /** Members of this generation that have not sent SyncGroup yet. */
    private final Set<String> pendingSync = new HashSet<>();
    /** The join phase's timer: the initial delay of a new group's first rebalance, or the rebalance timeout. */
    private ScheduledFuture<?> joinTimer;
    private ScheduledFuture<?> syncDeadline;
    /** Counts rebalances, so that a timer from an earlier one does nothing. */
    private int rebalanceCount;
    private boolean initialRebalance;
    private boolean newMemberAdded;
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
        String memberId = req.memberId();
        if (memberId == null || memberId.isEmpty()) {
            String newId = (clientId.isEmpty() ? "member" : clientId) + "-" + UUID.randomUUID();
            String existing = req.groupInstanceId() == null ? null : staticMembers.get(req.groupInstanceId());
            if (existing != null) {
                return rejoinStatic(members.get(existing), newId, req, protocols, version);
            }
            if (req.groupInstanceId() == null && version >= 4) {
                // KIP-394: hand out the id first, so a retried join does not create a second member. The client
                // may never use it (librdkafka drops it when it re-subscribes): it expires like a session.
                String id = newId;
                pendingMembers.put(id, scheduler.schedule(() -> pendingMemberExpired(id), req.sessionTimeoutMs(),
                        TimeUnit.MILLISECONDS));
                return joinError(Errors.MEMBER_ID_REQUIRED, newId);
            }
            return awaitRebalance(add(newId, req, clientId, clientHost), req, protocols);
        }
        ScheduledFuture<?> pendingExpiry = pendingMembers.remove(memberId);
        if (pendingExpiry != null) {
            pendingExpiry.cancel(false);
            return awaitRebalance(add(memberId, req, clientId, clientHost), req, protocols);
        }
        Member member = members.get(memberId);
        if (member == null) {
            return joinError(req.groupInstanceId() != null && staticMembers.containsKey(req.groupInstanceId())
                    ? Errors.FENCED_INSTANCE_ID : Errors.UNKNOWN_MEMBER_ID, memberId);
        }
        if (req.groupInstanceId() != null && !memberId.equals(staticMembers.get(req.groupInstanceId()))) {
            return joinError(Errors.FENCED_INSTANCE_ID, memberId);
        }
        return rejoin(member, req, protocols);
    }

    /** A known member joins again: as Kafka, a repeated join that changes nothing does not start a rebalance. */
    private CompletableFuture<JoinGroupResponseData> rejoin(Member member, JoinGroupRequestData req,
                                                            Map<String, byte[]> protocols) {
        boolean unchanged = sameProtocols(member.protocols, protocols);
        if (state == GroupState.COMPLETING_REBALANCE && unchanged) {
            // The member lost its join response (or retried): answer again with the generation being synced, so
            // the leader's assignment in progress is not thrown away.
            return CompletableFuture.completedFuture(currentJoinResponse(member, member.memberId.equals(leaderId),
                    leaderId, false));
        }
        if (state == GroupState.STABLE && unchanged && !member.memberId.equals(leaderId)) {
            armSession(member);
            return CompletableFuture.completedFuture(currentJoinResponse(member, false, leaderId, false));
        }
        return awaitRebalance(member, req, protocols);
    }

    /**
     * KIP-345: a static member restarted and joins with its instance id and no member id. It gets a new member id
     * (the old one is fenced); a Stable group whose chosen protocol and this member's subscription are unchanged
     * does not rebalance, and the member's SyncGroup returns the assignment it had.
     */
    private CompletableFuture<JoinGroupResponseData> rejoinStatic(Member member, String newId, JoinGroupRequestData req,
                                                                  Map<String, byte[]> protocols, short version) {
        String oldLeader = leaderId;
        boolean wasLeader = member.memberId.equals(leaderId);
        byte[] oldMetadata = protocolName == null ? null : member.protocols.get(protocolName);
        LOG.infof("group %s: static member %s rejoined as %s in state %s", groupId, member.memberId, newId,
                state.displayName());
        fence(member, newId);
        if (state != GroupState.STABLE) {
            // CompletingRebalance: the leader may be assigning to the old id, so Kafka rebalances; while
            // PreparingRebalance the member simply joins the rebalance in progress.
            return awaitRebalance(member, req, protocols);
        }
        member.protocols = protocols;
        boolean unchanged = oldMetadata != null && protocolName.equals(selectProtocol())
                && Subscriptions.same(protocolType, oldMetadata, protocols.get(protocolName));
        if (!unchanged) {
            return awaitRebalance(member, req, protocols);
        }
        updateTimeouts(member, req);
        armSession(member);
        // JoinGroup v9+ can tell a returning leader to skip the assignment; older clients are told the old leader
        // id so that they do not compute an assignment a Stable group would never hand out.
        boolean leaderSkips = wasLeader && version >= 9;
        return CompletableFuture.completedFuture(currentJoinResponse(member, leaderSkips,
                leaderSkips ? newId : oldLeader, leaderSkips));
    }

    private JoinGroupResponseData currentJoinResponse(Member member, boolean withMembers, String leader,
                                                      boolean skipAssignment) {
        JoinGroupResponseData response = joinResponse(Errors.NONE, member.memberId)
                .setGenerationId(generation)
                .setProtocolType(protocolType)
                .setProtocolName(protocolName)
                .setLeader(leader)
                .setSkipAssignment(skipAssignment);
        if (withMembers) {
            for (Member other : members.values()) {
                response.members().add(new JoinGroupResponseData.JoinGroupResponseMember()
                        .setMemberId(other.memberId)
                        .setGroupInstanceId(other.groupInstanceId)
                        .setMetadata(other.metadataFor(protocolName)));
            }
        }
        return response;
    }

    private static boolean sameProtocols(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!List.copyOf(a.keySet()).equals(List.copyOf(b.keySet()))) {
            return false;
        }
        return a.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), b.get(e.getKey())));
    }

    private static void updateTimeouts(Member member, JoinGroupRequestData req) {
        member.protocolType = req.protocolType();
        member.sessionTimeoutMs = req.sessionTimeoutMs();
        member.rebalanceTimeoutMs = req.rebalanceTimeoutMs() > 0 ? req.rebalanceTimeoutMs() : req.sessionTimeoutMs();
    }

    /** The member's join waits for the rebalance, which this join starts unless one is already under way. */
    private CompletableFuture<JoinGroupResponseData> awaitRebalance(Member member, JoinGroupRequestData req,
                                                                    Map<String, byte[]> protocols) {
        member.protocols = protocols;
        updateTimeouts(member, req);
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
        newMemberAdded = true;
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
        if (pendingSync.remove(oldId)) {
            pendingSync.add(newId);
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

    /**
     * Into PreparingRebalance. A group that was Empty gets Kafka's initial delay (which a new member joining
     * extends, up to the rebalance timeout) and then completes with whoever joined: ids that were handed out but
     * not used do not hold it. Otherwise the join completes when every member and every pending id has joined,
     * or at the rebalance timeout at the latest.
     */
    private void prepareRebalance(String reason) {
        if (state == GroupState.COMPLETING_REBALANCE) {
            for (Member m : members.values()) {
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
                    m.awaitingSync = null;
                }
            }
        }
        cancelSyncDeadline();
        boolean initial = state == GroupState.EMPTY;
        state = GroupState.PREPARING_REBALANCE;
        rebalanceStartedAt = System.currentTimeMillis();
        int rebalance = ++rebalanceCount;
        LOG.infof("group %s: rebalancing at generation %d because %s", groupId, generation, reason);
        int timeout = rebalanceTimeoutMs();
        cancelJoinTimer();
        if (initial) {
            initialRebalance = true;
            newMemberAdded = false;
            if (initialRebalanceDelayMs <= 0) {
                completeJoin();
                return;
            }
            long delay = Math.min(initialRebalanceDelayMs, timeout);
            joinTimer = scheduler.schedule(() -> initialDelayPassed(rebalance, delay, Math.max(timeout - delay, 0)),
                    delay, TimeUnit.MILLISECONDS);
            return;
        }
        initialRebalance = false;
        joinTimer = scheduler.schedule(() -> rebalanceTimeoutPassed(rebalance), timeout, TimeUnit.MILLISECONDS);
        maybeCompleteJoin();
    }

    private int rebalanceTimeoutMs() {
        return members.values().stream().mapToInt(m -> m.rebalanceTimeoutMs).max().orElse(0);
    }

    private synchronized void initialDelayPassed(int rebalance, long delay, long remaining) {
        if (rebalance != rebalanceCount || state != GroupState.PREPARING_REBALANCE) {
            return;
        }
        if (newMemberAdded && remaining > 0) {
            newMemberAdded = false;
            long next = Math.min(delay, remaining);
            joinTimer = scheduler.schedule(() -> initialDelayPassed(rebalance, delay, remaining - next), next,
                    TimeUnit.MILLISECONDS);
            return;
        }
        completeJoin();
    }

    private synchronized void rebalanceTimeoutPassed(int rebalance) {
        if (rebalance == rebalanceCount && state == GroupState.PREPARING_REBALANCE) {
            completeJoin();
        }
    }

    private synchronized void pendingMemberExpired(String memberId) {
        if (pendingMembers.remove(memberId) != null) {
            LOG.infof("group %s: pending member id %s was not used within its session timeout and expired", groupId,
                    memberId);
            maybeCompleteJoin();
        }
    }

    private void maybeCompleteJoin() {
        if (state == GroupState.PREPARING_REBALANCE && !initialRebalance
                && members.values().stream().allMatch(m -> m.awaitingJoin != null) && pendingMembers.isEmpty()) {
            completeJoin();
        }
    }

    private void cancelJoinTimer() {
        if (joinTimer != null) {
            joinTimer.cancel(false);
            joinTimer = null;
        }
    }

    private void cancelSyncDeadline() {
        pendingSync.clear();
        if (syncDeadline != null) {
            syncDeadline.cancel(false);
            syncDeadline = null;
        }
    }

    private void completeJoin() {
        cancelJoinTimer();
        initialRebalance = false;
        List<Member> late = members.values().stream().filter(m -> m.awaitingJoin == null).toList();
        for (Member m : late) {
            LOG.infof("group %s: member %s did not rejoin within the rebalance timeout and was removed", groupId, m.memberId);
            remove(m);
        }
        // Pending ids are kept: each expires on its own session timer, and one that joins later starts the next
        // rebalance, as in Kafka.
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
            JoinGroupResponseData response = currentJoinResponse(m, m.memberId.equals(leaderId), leaderId, false);
            CompletableFuture<JoinGroupResponseData> f = m.awaitingJoin;
            m.awaitingJoin = null;
            armSession(m);
            pendingSync.add(m.memberId);
            f.complete(response);
        }
        int syncing = generation;
        syncDeadline = scheduler.schedule(() -> syncDeadlinePassed(syncing), rebalanceTimeoutMs(), TimeUnit.MILLISECONDS);
    }

    /**
     * Members that got this generation's join response but sent no SyncGroup within the rebalance timeout are
     * removed and the group rebalances (Kafka's pending-sync expiry): a leader that never sends its assignment
     * must not leave the other members waiting.
     */
    private synchronized void syncDeadlinePassed(int syncingGeneration) {
        if (syncingGeneration != generation || pendingSync.isEmpty()
                || (state != GroupState.COMPLETING_REBALANCE && state != GroupState.STABLE)) {
            return;
        }
        List<Member> silent = pendingSync.stream().map(members::get).filter(java.util.Objects::nonNull).toList();
        LOG.infof("group %s: members %s sent no SyncGroup within the rebalance timeout and were removed", groupId,
                pendingSync);
        pendingSync.clear();
        silent.forEach(this::remove);
        afterRemoval("members did not sync within the rebalance timeout");
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
                synced(member.memberId);
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
                synced(member.memberId);
                return CompletableFuture.completedFuture(syncOk(member));
            default:
                return CompletableFuture.completedFuture(syncError(Errors.UNKNOWN_MEMBER_ID));
        }
    }

    private void synced(String memberId) {
        if (pendingSync.remove(memberId) && pendingSync.isEmpty()) {
            cancelSyncDeadline();
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
        ScheduledFuture<?> pendingExpiry = memberId == null ? null : pendingMembers.remove(memberId);
        if (pendingExpiry != null) {
            // A consumer closed between MEMBER_ID_REQUIRED and its second JoinGroup: its id must not hold the join.
            pendingExpiry.cancel(false);
            LOG.infof("group %s: pending member id %s left", groupId, memberId);
            maybeCompleteJoin();
            return Errors.NONE;
        }
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
    /** TxnOffsetCommit with group metadata (KIP-447): the member must still be here, at this generation. */
    synchronized Errors validateTransactionalCommit(int generationId, String memberId, String groupInstanceId) {
        Member member = members.get(memberId);
        if (member == null) {
            return groupInstanceId != null && staticMembers.containsKey(groupInstanceId)
                    ? Errors.FENCED_INSTANCE_ID : Errors.UNKNOWN_MEMBER_ID;
        }
        return generationId == generation ? Errors.NONE : Errors.ILLEGAL_GENERATION;
    }

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
            member.awaitingJoin = null;
        }
        afterRemoval(reason);
    }

    /** After members were removed: an emptied group is Empty; otherwise the remaining members rebalance. */
    private void afterRemoval(String reason) {
        if (members.isEmpty() && state != GroupState.PREPARING_REBALANCE) {
            state = GroupState.EMPTY;
            generation++;
            leaderId = null;
            protocolName = null;
            cancelSyncDeadline();
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
        pendingSync.remove(member.memberId);
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
