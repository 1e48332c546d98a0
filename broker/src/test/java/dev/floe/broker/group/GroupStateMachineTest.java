package dev.floe.broker.group;

import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The classic group state machine driven directly, with real timers: every rebalance timeout here is a minute,
 * so a join that completes within a few seconds completed because of the rule under test, not because a
 * deadline passed. Expected behaviour is Kafka's classic group coordinator.
 */
class GroupStateMachineTest {
    private static final int LONG_REBALANCE_TIMEOUT_MS = 60_000;
    private static final int SESSION_TIMEOUT_MS = 30_000;
    private static final short JOIN_VERSION = 7;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final Group group = new Group("g", scheduler, 0);

    @AfterEach
    void stopTimers() {
        scheduler.shutdownNow();
    }

    private static JoinGroupRequestData joinRequest(String memberId, String subscription) {
        JoinGroupRequestData req = new JoinGroupRequestData().setGroupId("g").setMemberId(memberId)
                .setProtocolType("consumer").setSessionTimeoutMs(SESSION_TIMEOUT_MS)
                .setRebalanceTimeoutMs(LONG_REBALANCE_TIMEOUT_MS);
        req.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range")
                .setMetadata(subscription.getBytes(StandardCharsets.UTF_8)));
        return req;
    }

    private CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData req) {
        return group.join(req, "client", "/127.0.0.1", JOIN_VERSION);
    }

    /** The id a dynamic member gets with MEMBER_ID_REQUIRED (KIP-394), which it may or may not use. */
    private String memberIdFor(JoinGroupRequestData req) throws Exception {
        JoinGroupResponseData response = join(req.setMemberId("")).get(1, TimeUnit.SECONDS);
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        return response.memberId();
    }

    private static <T> T within(CompletableFuture<T> future, int seconds, String what) throws Exception {
        try {
            return future.get(seconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(what + " did not complete within " + seconds + " s");
        }
    }

    private CompletableFuture<SyncGroupResponseData> sync(String memberId, int generation, String... assignments) {
        SyncGroupRequestData req = new SyncGroupRequestData().setGroupId("g").setMemberId(memberId)
                .setGenerationId(generation).setProtocolType("consumer").setProtocolName("range");
        for (int i = 0; i + 1 < assignments.length; i += 2) {
            req.assignments().add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(assignments[i])
                    .setAssignment(assignments[i + 1].getBytes(StandardCharsets.UTF_8)));
        }
        return group.sync(req);
    }

    /** Two dynamic members, a (the leader) and b, Stable at generation 2 with assignments "pa" and "pb". */
    private String[] stableGroupOfTwo() throws Exception {
        String a = memberIdFor(joinRequest("", "t"));
        JoinGroupResponseData first = within(join(joinRequest(a, "t")), 2, "a's first join");
        within(sync(a, first.generationId(), a, "pa"), 2, "a's first sync");
        String b = memberIdFor(joinRequest("", "t"));
        CompletableFuture<JoinGroupResponseData> bJoin = join(joinRequest(b, "t"));
        JoinGroupResponseData aJoin = within(join(joinRequest(a, "t")), 2, "a's rejoin");
        within(bJoin, 2, "b's join");
        assertThat(aJoin.leader()).isEqualTo(a);
        within(sync(a, aJoin.generationId(), a, "pa", b, "pb"), 2, "leader's sync");
        within(sync(b, aJoin.generationId()), 2, "b's sync");
        assertThat(group.state()).isEqualTo(GroupState.STABLE);
        return new String[]{a, b};
    }

    @Test
    void anAbandonedPendingMemberIdDoesNotHoldTheFirstJoin() throws Exception {
        // librdkafka re-subscribing quickly: it asks for an id, drops the answer, asks again and joins with the
        // second id. The first id is never used; Kafka completes the new group's join at once anyway.
        memberIdFor(joinRequest("", "t"));
        String used = memberIdFor(joinRequest("", "t"));
        JoinGroupResponseData joined = within(join(joinRequest(used, "t")), 3, "the join with the second id");
        assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
        assertThat(joined.generationId()).isEqualTo(1);
        assertThat(joined.leader()).isEqualTo(used);
    }

    @Test
    void anAbandonedPendingMemberIdExpiresAfterItsSessionTimeout() throws Exception {
        String[] ab = stableGroupOfTwo();
        // A third consumer asks for an id with a short session timeout and never comes back.
        memberIdFor(joinRequest("", "t").setSessionTimeoutMs(300));
        CompletableFuture<JoinGroupResponseData> aJoin = join(joinRequest(ab[0], "t"));
        CompletableFuture<JoinGroupResponseData> bJoin = join(joinRequest(ab[1], "t"));
        JoinGroupResponseData a = within(aJoin, 5, "the rebalance while an abandoned id is pending");
        within(bJoin, 1, "b's join");
        assertThat(a.generationId()).isEqualTo(3);
        assertThat(a.members()).extracting(JoinGroupResponseData.JoinGroupResponseMember::memberId)
                .containsExactlyInAnyOrder(ab[0], ab[1]);
    }

    @Test
    void aPendingMemberIdThatLeavesNoLongerHoldsTheJoin() throws Exception {
        String[] ab = stableGroupOfTwo();
        // The Java consumer closed between MEMBER_ID_REQUIRED and its second JoinGroup sends LeaveGroup with the id.
        String pending = memberIdFor(joinRequest("", "t"));
        CompletableFuture<JoinGroupResponseData> aJoin = join(joinRequest(ab[0], "t"));
        CompletableFuture<JoinGroupResponseData> bJoin = join(joinRequest(ab[1], "t"));
        assertThat(group.leave(pending, null)).isEqualTo(Errors.NONE);
        assertThat(within(aJoin, 2, "a's join after the pending id left").generationId()).isEqualTo(3);
        within(bJoin, 1, "b's join");
    }

    @Test
    void aMemberLeavingMidJoinCompletesTheRebalanceWithoutIt() throws Exception {
        String[] ab = stableGroupOfTwo();
        CompletableFuture<JoinGroupResponseData> aJoin = join(joinRequest(ab[0], "t2"));
        assertThat(group.state()).isEqualTo(GroupState.PREPARING_REBALANCE);
        assertThat(group.leave(ab[1], null)).isEqualTo(Errors.NONE);
        JoinGroupResponseData a = within(aJoin, 2, "a's join after b left");
        assertThat(a.generationId()).isEqualTo(3);
        assertThat(a.members()).extracting(JoinGroupResponseData.JoinGroupResponseMember::memberId).containsExactly(ab[0]);
    }

    @Test
    void aLeaderThatLeavesBeforeSyncGroupStartsAnotherRebalance() throws Exception {
        String[] ab = stableGroupOfTwo();
        CompletableFuture<JoinGroupResponseData> aJoin = join(joinRequest(ab[0], "t"));
        CompletableFuture<JoinGroupResponseData> bJoin = join(joinRequest(ab[1], "t"));
        int generation = within(aJoin, 2, "a's join").generationId();
        within(bJoin, 1, "b's join");
        CompletableFuture<SyncGroupResponseData> bSync = sync(ab[1], generation);
        assertThat(group.leave(ab[0], null)).isEqualTo(Errors.NONE);
        assertThat(Errors.forCode(within(bSync, 2, "b's sync").errorCode())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        JoinGroupResponseData b = within(join(joinRequest(ab[1], "t")), 2, "b's rejoin");
        assertThat(b.leader()).isEqualTo(ab[1]);
        assertThat(b.generationId()).isEqualTo(generation + 1);
    }

    @Test
    void aLeaderThatNeverSendsSyncGroupIsRemovedAfterTheRebalanceTimeout() throws Exception {
        String[] ab = stableGroupOfTwo();
        CompletableFuture<JoinGroupResponseData> aJoin = join(joinRequest(ab[0], "t").setRebalanceTimeoutMs(500));
        CompletableFuture<JoinGroupResponseData> bJoin = join(joinRequest(ab[1], "t").setRebalanceTimeoutMs(500));
        int generation = within(aJoin, 2, "a's join").generationId();
        within(bJoin, 1, "b's join");
        CompletableFuture<SyncGroupResponseData> bSync = sync(ab[1], generation);
        // The leader is alive (it heartbeats) but its assignor never finishes: Kafka drops members that have not
        // sent SyncGroup within the rebalance timeout and rebalances, so the others do not wait forever.
        assertThat(group.heartbeat(ab[0], generation)).isEqualTo(Errors.NONE);
        assertThat(Errors.forCode(within(bSync, 5, "b's sync").errorCode())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        JoinGroupResponseData b = within(join(joinRequest(ab[1], "t")), 2, "b's rejoin");
        assertThat(b.leader()).isEqualTo(ab[1]);
        assertThat(b.members()).hasSize(1);
    }

    @Test
    void aRepeatedJoinWhileAwaitingSyncGetsTheSameGeneration() throws Exception {
        String[] ab = stableGroupOfTwo();
        CompletableFuture<JoinGroupResponseData> aJoin = join(joinRequest(ab[0], "t"));
        CompletableFuture<JoinGroupResponseData> bJoin = join(joinRequest(ab[1], "t"));
        int generation = within(aJoin, 2, "a's join").generationId();
        within(bJoin, 1, "b's join");
        // b retries its JoinGroup (its response was lost) while a computes the assignment: nothing changed, so
        // Kafka answers with the generation in progress instead of throwing away a's work.
        JoinGroupResponseData again = within(join(joinRequest(ab[1], "t")), 2, "b's repeated join");
        assertThat(again.generationId()).isEqualTo(generation);
        assertThat(group.state()).isEqualTo(GroupState.COMPLETING_REBALANCE);
        SyncGroupResponseData aSync = within(sync(ab[0], generation, ab[0], "pa", ab[1], "pb"), 2, "a's sync");
        assertThat(Errors.forCode(aSync.errorCode())).isEqualTo(Errors.NONE);
    }

    @Test
    void aStaticMemberRejoiningAStableGroupKeepsTheGenerationAndItsAssignment() throws Exception {
        String[] ab = stableGroupOfTwo();
        CompletableFuture<JoinGroupResponseData> staticJoin = join(joinRequest("", "t").setGroupInstanceId("instance-1"));
        assertThat(group.state()).isEqualTo(GroupState.PREPARING_REBALANCE);
        CompletableFuture<JoinGroupResponseData> aJoin = join(joinRequest(ab[0], "t"));
        CompletableFuture<JoinGroupResponseData> bJoin = join(joinRequest(ab[1], "t"));
        int generation = within(aJoin, 2, "a's join").generationId();
        within(bJoin, 1, "b's join");
        String s = within(staticJoin, 1, "static join").memberId();
        within(sync(ab[0], generation, ab[0], "pa", ab[1], "pb", s, "ps"), 2, "leader's sync");
        within(sync(ab[1], generation), 1, "b's sync");
        assertThat(new String(within(sync(s, generation), 1, "static sync").assignment(), StandardCharsets.UTF_8))
                .isEqualTo("ps");

        // The static member restarts (KIP-345): same instance id, no member id, same subscription.
        JoinGroupResponseData rejoined = within(join(joinRequest("", "t").setGroupInstanceId("instance-1")), 2,
                "the static member's rejoin");
        assertThat(Errors.forCode(rejoined.errorCode())).isEqualTo(Errors.NONE);
        assertThat(rejoined.memberId()).isNotEqualTo(s);
        assertThat(rejoined.generationId()).isEqualTo(generation);
        assertThat(group.state()).isEqualTo(GroupState.STABLE);
        assertThat(group.generation()).isEqualTo(generation);
        SyncGroupResponseData assignment = within(sync(rejoined.memberId(), generation), 1, "the rejoined sync");
        assertThat(new String(assignment.assignment(), StandardCharsets.UTF_8)).isEqualTo("ps");
        // The old member id is fenced.
        assertThat(Errors.forCode(within(sync(s, generation), 1, "old id's sync").errorCode()))
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(group.heartbeat(ab[0], generation)).isEqualTo(Errors.NONE);
        assertThat(group.members()).extracting(m -> m.memberId).containsExactlyInAnyOrder(ab[0], ab[1],
                rejoined.memberId());
    }

    @Test
    void aStaticMemberRejoiningWithANewSubscriptionTriggersARebalance() throws Exception {
        JoinGroupResponseData first = within(join(joinRequest("", "t").setGroupInstanceId("instance-1")), 2,
                "static join");
        within(sync(first.memberId(), first.generationId(), first.memberId(), "ps"), 2, "static sync");
        assertThat(group.state()).isEqualTo(GroupState.STABLE);

        JoinGroupResponseData rejoined = within(join(joinRequest("", "t,u").setGroupInstanceId("instance-1")), 2,
                "the static member's rejoin");
        assertThat(rejoined.generationId()).isEqualTo(first.generationId() + 1);
        assertThat(rejoined.members()).extracting(m -> new String(m.metadata(), StandardCharsets.UTF_8))
                .isEqualTo(List.of("t,u"));
    }

    private static String consumerSubscription(List<String> topics, List<org.apache.kafka.common.TopicPartition> owned,
                                               int generation) {
        java.nio.ByteBuffer bytes = org.apache.kafka.clients.consumer.internals.ConsumerProtocol.serializeSubscription(
                new org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription(topics, null, owned,
                        generation, java.util.Optional.empty()));
        return new String(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining(),
                StandardCharsets.ISO_8859_1);
    }

    private static JoinGroupRequestData consumerJoin(String memberId, String subscription) {
        JoinGroupRequestData req = joinRequest(memberId, "");
        req.protocols().iterator().next().setMetadata(subscription.getBytes(StandardCharsets.ISO_8859_1));
        return req;
    }

    @Test
    void aRestartedStaticConsumerThatNoLongerOwnsItsPartitionsIsStillTheSameSubscription() throws Exception {
        // The Java consumer's metadata carries the partitions it owns and their generation; after a restart it
        // owns nothing, yet it is the same subscription and must not cause a rebalance.
        var tp = new org.apache.kafka.common.TopicPartition("t", 0);
        JoinGroupResponseData first = within(join(consumerJoin("", consumerSubscription(List.of("t"), List.of(), -1))
                .setGroupInstanceId("instance-1")), 2, "static join");
        within(sync(first.memberId(), first.generationId(), first.memberId(), "ps"), 2, "static sync");
        JoinGroupResponseData again = within(join(consumerJoin(first.memberId(),
                consumerSubscription(List.of("t"), List.of(tp), first.generationId())).setGroupInstanceId("instance-1")),
                2, "the leader's rejoin");
        within(sync(again.memberId(), again.generationId(), again.memberId(), "ps"), 2, "second sync");
        int generation = group.generation();

        JoinGroupResponseData restarted = within(join(consumerJoin("", consumerSubscription(List.of("t"), List.of(), -1))
                .setGroupInstanceId("instance-1")), 2, "the restarted member's join");
        assertThat(restarted.generationId()).isEqualTo(generation);
        assertThat(group.state()).isEqualTo(GroupState.STABLE);
        assertThat(new String(within(sync(restarted.memberId(), generation), 1, "sync").assignment(),
                StandardCharsets.UTF_8)).isEqualTo("ps");

        JoinGroupResponseData moreTopics = within(join(consumerJoin("", consumerSubscription(List.of("t", "u"),
                List.of(), -1)).setGroupInstanceId("instance-1")), 2, "a join with another subscription");
        assertThat(moreTopics.generationId()).as("a changed subscription rebalances").isEqualTo(generation + 1);
    }
}
