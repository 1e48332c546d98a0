package dev.floe.operator.drain;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.common.Conditions;
import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import dev.floe.crds.topic.TopicStatus;
import dev.floe.operator.apply.ResourceApplier;
import dev.floe.operator.cluster.BrokerZones;
import dev.floe.operator.cluster.ClusterReconciler;
import dev.floe.operator.cluster.LiveBrokers;
import dev.floe.operator.election.LeadershipPass;
import dev.floe.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drain before scale-down through the real Cluster reconciler and the controller's pass, against fabric8's mock API
 * server in CRUD mode. Every step builds a new reconciler (what an operator restart does): the drain's state is the
 * StatefulSet, the Topics and the Cluster status, nothing in memory. The leader's ISR updates are written as a
 * broker writes them.
 */
@EnableKubernetesMockClient(crud = true)
class BrokerDrainTest {
    static final String NS = "test";
    static final String CLUSTER = "c";
    static final String STS = "c-broker";

    KubernetesClient client;

    @BeforeEach
    void setUp() {
        Cluster cluster = new Cluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName(CLUSTER).withNamespace(NS)
                .withUid(UUID.randomUUID().toString()).withGeneration(1L).build());
        cluster.getSpec().setReplicas(3);
        // The offsets topic must fit on 2 brokers, or every scale-down to 2 is refused (tested below).
        cluster.getSpec().setOffsetsTopicReplicationFactor(2);
        cluster.getSpec().getLeadership().setAutoRebalance(false);
        client.resource(cluster).create();
        for (int b = 0; b < 3; b++) {
            lease(b);
        }
        reconcile();
        assertThat(stsReplicas()).isEqualTo(3);
    }

    @Test
    void theLeavingBrokerIsEmptiedFirstAndTheStatefulSetShrinksOnlyOnceNoPartitionHasAReplicaOnIt() {
        topic("orders", 2, Map.of(),
                new PartitionStatus(0, List.of(2, 0), 2, 1, List.of(2, 0)),
                new PartitionStatus(1, List.of(0, 1), 0, 1, List.of(0, 1)),
                new PartitionStatus(2, List.of(1, 2), 1, 1, List.of(1, 2)),
                new PartitionStatus(3, List.of(1, 0), 1, 1, List.of(1, 0)));

        scaleTo(2);
        reconcile();

        assertThat(stsReplicas()).as("not shrunk while broker 2 holds replicas").isEqualTo(3);
        PartitionStatus p0 = partition("orders", 0);
        assertThat(p0.getReplicas()).as("broker 2 replaced in its place by the only free staying broker, 1")
                .containsExactly(1, 0, 2);
        assertThat(p0.getAddingReplicas()).containsExactly(1);
        assertThat(p0.getRemovingReplicas()).containsExactly(2);
        assertThat(p0.getLeader()).as("leads until the new replica is in sync").isEqualTo(2);
        PartitionStatus p2 = partition("orders", 2);
        assertThat(p2.getReplicas()).containsExactly(1, 0, 2);
        assertThat(p2.getAddingReplicas()).containsExactly(0);
        assertThat(partition("orders", 1).isReassigning()).as("no replica on broker 2").isFalse();
        assertThat(partition("orders", 3).isReassigning()).isFalse();
        Cluster draining = cluster();
        assertThat(draining.getStatus().getDrain().getBrokers()).containsExactly(2);
        assertThat(draining.getStatus().getDrain().getPartitionsLeft()).isEqualTo(2);
        assertThat(draining.getStatus().getReplicas()).as("what the StatefulSet runs").isEqualTo(3);
        assertThat(condition(draining).getStatus()).isEqualTo("True");
        assertThat(condition(draining).getReason()).isEqualTo("Draining");
        assertThat(reasons(CLUSTER)).contains("DrainStarted");
        assertThat(reasons("orders")).contains("ReassignmentStarted");

        // Nothing in sync yet: another look (after a restart) keeps the StatefulSet and the targets as they are.
        reconcile();
        assertThat(stsReplicas()).isEqualTo(3);
        assertThat(partition("orders", 0).getReplicas()).containsExactly(1, 0, 2);

        // Broker 1 catches up on partition 0: the controller's pass moves leadership off broker 2 and completes.
        leaderWritesIsr("orders", 0, List.of(2, 0, 1));
        controllerPass();
        PartitionStatus moved = partition("orders", 0);
        assertThat(moved.getReplicas()).containsExactly(1, 0);
        assertThat(moved.getLeader()).isEqualTo(1);
        assertThat(moved.getLeaderEpoch()).isEqualTo(2);
        reconcile();
        assertThat(stsReplicas()).as("partition 2 still has a replica on broker 2").isEqualTo(3);
        assertThat(cluster().getStatus().getDrain().getPartitionsLeft()).isEqualTo(1);
        assertThat(reasons(CLUSTER)).contains("DrainProgress");

        leaderWritesIsr("orders", 2, List.of(1, 2, 0));
        controllerPass();
        reconcile();

        assertThat(stsReplicas()).isEqualTo(2);
        Topic orders = client.resources(Topic.class).inNamespace(NS).withName("orders").get();
        assertThat(orders.getStatus().getPartitions()).allSatisfy(p -> {
            assertThat(p.getReplicas()).doesNotContain(2).hasSize(2);
            assertThat(p.getLeader()).isNotEqualTo(2);
        });
        Cluster done = cluster();
        assertThat(done.getStatus().getDrain()).isNull();
        assertThat(done.getStatus().getReplicas()).isEqualTo(2);
        assertThat(condition(done).getReason()).isEqualTo("Drained");
        assertThat(reasons(CLUSTER)).contains("Drained");
    }

    @Test
    void replacementsGoToTheStayingBrokersWithFewestReplicas() {
        // 5 → 3: brokers 3 and 4 leave. Broker 0 already carries much, so the replacements go to 1 and 2.
        scaleTo(5);
        reconcile();
        for (int b = 3; b < 5; b++) {
            lease(b);
        }
        topic("busy", 1, Map.of(), new PartitionStatus(0, List.of(0), 0, 0, List.of(0)),
                new PartitionStatus(1, List.of(0), 0, 0, List.of(0)),
                new PartitionStatus(2, List.of(0), 0, 0, List.of(0)));
        topic("moving", 2, Map.of(), new PartitionStatus(0, List.of(3, 4), 3, 0, List.of(3, 4)),
                new PartitionStatus(1, List.of(4, 0), 4, 0, List.of(4, 0)));

        scaleTo(3);
        reconcile();

        assertThat(stsReplicas()).isEqualTo(5);
        assertThat(partition("moving", 0).targetReplicas()).containsExactlyInAnyOrder(1, 2);
        assertThat(partition("moving", 1).targetReplicas()).hasSize(2).contains(0).doesNotHaveDuplicates()
                .allSatisfy(b -> assertThat(b).isLessThan(3));
        assertThat(cluster().getStatus().getDrain().getBrokers()).containsExactly(3, 4);
        assertThat(cluster().getStatus().getDrain().getPartitionsLeft()).isEqualTo(2);
    }

    @Test
    void aScaleDownBelowAReplicationFactorIsRefusedAndNothingMoves() {
        topic("wide", 3, Map.of(), new PartitionStatus(0, List.of(2, 0, 1), 2, 1, List.of(2, 0, 1)));

        scaleTo(2);
        reconcile();

        assertThat(stsReplicas()).isEqualTo(3);
        Condition refused = condition(cluster());
        assertThat(refused.getStatus()).isEqualTo("False");
        assertThat(refused.getReason()).isEqualTo("ScaleDownRefused");
        assertThat(refused.getMessage()).contains("'wide'", "replication factor 3", "keeps 3 brokers");
        assertThat(cluster().getStatus().getDrain()).isNull();
        assertThat(partition("wide", 0).isReassigning()).isFalse();
        assertThat(reasons(CLUSTER)).containsOnlyOnce("ScaleDownRefused").doesNotContain("DrainStarted");

        // Looked at again: still refused, no second Event.
        reconcile();
        assertThat(stsReplicas()).isEqualTo(3);
        assertThat(reasons(CLUSTER)).containsOnlyOnce("ScaleDownRefused");

        // Back to 3: nothing to drain, the refusal is withdrawn.
        scaleTo(3);
        reconcile();
        assertThat(condition(cluster()).getReason()).isEqualTo("NoScaleDown");
    }

    @Test
    void aScaleDownThatWouldMakeAcksAllImpossibleIsRefusedWithMinInsyncReplicasAsTheReason() {
        topic("strict", 2, Map.of("min.insync.replicas", "2"),
                new PartitionStatus(0, List.of(0, 1), 0, 1, List.of(0, 1)));

        scaleTo(1);
        reconcile();

        assertThat(stsReplicas()).isEqualTo(3);
        Condition refused = condition(cluster());
        assertThat(refused.getReason()).isEqualTo("ScaleDownRefused");
        assertThat(refused.getMessage()).contains("'strict'", "min.insync.replicas=2", "acks=all");
    }

    @Test
    void theInternalOffsetsTopicsReplicationFactorCountsToo() {
        Cluster c = cluster();
        Topic offsets = client.resources(Topic.class).inNamespace(NS).withLabel(Labels.CLUSTER, CLUSTER).list()
                .getItems().stream().filter(t -> "__consumer_offsets".equals(t.topicName())).findFirst().orElseThrow();
        assertThat(offsets.getSpec().getReplicationFactor()).isEqualTo(2);
        assertThat(c.getStatus().getReplicas()).isEqualTo(3);

        scaleTo(1);
        reconcile();

        assertThat(stsReplicas()).isEqualTo(3);
        assertThat(condition(cluster()).getMessage()).contains("'__consumer_offsets'", "replication factor 2");
    }

    @Test
    void aScaleUpDuringTheDrainCancelsTheMovesNoLongerNeeded() {
        topic("orders", 2, Map.of(),
                new PartitionStatus(0, List.of(2, 0), 2, 1, List.of(2, 0)),
                new PartitionStatus(1, List.of(0, 1), 0, 1, List.of(0, 1)));
        scaleTo(2);
        reconcile();
        assertThat(partition("orders", 0).isReassigning()).isTrue();

        scaleTo(3);
        reconcile();

        PartitionStatus back = partition("orders", 0);
        assertThat(back.isReassigning()).isFalse();
        // The original brokers, in the order the union had them (as Kafka's cancel does): the preferred leader may
        // change, the leader does not.
        assertThat(back.getReplicas()).containsExactlyInAnyOrder(2, 0);
        assertThat(back.getLeader()).isEqualTo(2);
        assertThat(stsReplicas()).isEqualTo(3);
        Cluster c = cluster();
        assertThat(c.getStatus().getDrain()).isNull();
        assertThat(condition(c).getReason()).isEqualTo("DrainCancelled");
        assertThat(reasons(CLUSTER)).contains("DrainCancelled");
        assertThat(reasons("orders")).contains("ReassignmentCancelled");
    }

    @Test
    void aMoveRequestedByAUserIsLeftAloneWhenItAlreadyAvoidsTheLeavingBroker() {
        // A user's move {0,2} → {0,1} is under way; the drain counts it but needs to change nothing.
        PartitionStatus userMove = new PartitionStatus(0, List.of(0, 1, 2), 0, 1, List.of(0, 2));
        userMove.setAddingReplicas(List.of(1));
        userMove.setRemovingReplicas(List.of(2));
        topic("orders", 2, Map.of(), userMove);

        scaleTo(2);
        reconcile();

        assertThat(partition("orders", 0).getReplicas()).containsExactly(0, 1, 2);
        assertThat(cluster().getStatus().getDrain().getPartitionsLeft()).isEqualTo(1);
        assertThat(stsReplicas()).isEqualTo(3);

        leaderWritesIsr("orders", 0, List.of(0, 2, 1));
        controllerPass();
        reconcile();
        assertThat(stsReplicas()).isEqualTo(2);
    }

    /** A new reconciler each time, as after an operator restart. */
    private void reconcile() {
        EventRecorder events = new EventRecorder(client);
        LiveBrokers live = new LiveBrokers(client);
        ClusterReconciler reconciler = new ClusterReconciler(client, new ResourceApplier(client), events, live,
                new SimpleMeterRegistry(), new BrokerDrain(client, events, live, new BrokerZones(client)),
                "floe/broker:test");
        reconciler.reconcile(cluster(), null);
    }

    private void controllerPass() {
        new LeadershipPass(client, new EventRecorder(client), new SimpleMeterRegistry(), Clock.systemUTC())
                .run(NS, CLUSTER);
    }

    private void scaleTo(int replicas) {
        Cluster c = cluster();
        c.getSpec().setReplicas(replicas);
        c.getMetadata().setGeneration(c.getMetadata().getGeneration() + 1);
        client.resource(c).update();
    }

    private Cluster cluster() {
        return client.resources(Cluster.class).inNamespace(NS).withName(CLUSTER).get();
    }

    private int stsReplicas() {
        return client.apps().statefulSets().inNamespace(NS).withName(STS).get().getSpec().getReplicas();
    }

    private static Condition condition(Cluster c) {
        return Conditions.find(c.getStatus().getConditions(), BrokerDrain.CONDITION).orElseThrow();
    }

    private void lease(int broker) {
        client.leases().inNamespace(NS).resource(new LeaseBuilder()
                .withNewMetadata().withName(CLUSTER + "-broker-" + broker).withNamespace(NS)
                .addToLabels(Labels.CLUSTER, CLUSTER).addToLabels(Labels.BROKER_ID, String.valueOf(broker)).endMetadata()
                .withNewSpec().withHolderIdentity(CLUSTER + "-broker-" + broker).withLeaseDurationSeconds(3600)
                .withRenewTime(ZonedDateTime.now(ZoneOffset.UTC)).endSpec()
                .build()).createOr(l -> l.update());
    }

    private void topic(String name, int rf, Map<String, String> config, PartitionStatus... partitions) {
        Topic t = new Topic();
        t.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).withUid(UUID.randomUUID().toString())
                .withLabels(Map.of(Labels.CLUSTER, CLUSTER)).build());
        t.getSpec().setPartitions(partitions.length);
        t.getSpec().setReplicationFactor(rf);
        t.getSpec().setConfig(new LinkedHashMap<>(config));
        Topic created = client.resource(t).create();
        TopicStatus status = new TopicStatus();
        status.setTopicName(name);
        status.setTopicId("AAAAAAAAAAAAAAAAAAAAAA");
        status.setConfig(new LinkedHashMap<>(config));
        status.setPartitions(new ArrayList<>(List.of(partitions)));
        created.setStatus(status);
        client.resource(created).updateStatus();
    }

    /** What the partition's leader writes when a follower catches up. */
    private void leaderWritesIsr(String topic, int partition, List<Integer> isr) {
        Topic t = client.resources(Topic.class).inNamespace(NS).withName(topic).get();
        t.getStatus().getPartitions().get(partition).setIsr(new ArrayList<>(isr));
        client.resource(t).updateStatus();
    }

    private PartitionStatus partition(String topic, int partition) {
        return client.resources(Topic.class).inNamespace(NS).withName(topic).get().getStatus().getPartitions()
                .get(partition);
    }

    private List<String> reasons(String involved) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> involved.equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
    }
}
