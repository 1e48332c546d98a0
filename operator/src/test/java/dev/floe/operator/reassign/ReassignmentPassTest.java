package dev.floe.operator.reassign;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import dev.floe.crds.topic.TopicStatus;
import dev.floe.operator.election.LeadershipPass;
import dev.floe.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reassignment state machine as the controller's pass runs it, against fabric8's mock API server in CRUD mode:
 * the request arrives as the annotation a broker writes, the ISR as the leader writes it, and every assertion reads
 * the Topic back from the server. Each step uses a new pass, as after an operator restart: the state is the status.
 */
@EnableKubernetesMockClient(crud = true)
class ReassignmentPassTest {
    static final String NS = "test";
    static final String CLUSTER = "c";
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    KubernetesClient client;

    @BeforeEach
    void setUp() {
        Cluster cluster = new Cluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName(CLUSTER).withNamespace(NS).build());
        cluster.getSpec().setReplicas(3);
        cluster.getSpec().getLeadership().setAutoRebalance(false);
        client.resource(cluster).createOr(c -> c.update());
        for (int b = 0; b < 3; b++) {
            lease(b);
        }
    }

    @Test
    void aMoveOffTheLeaderAddsTheNewReplicaWaitsForItToBeInSyncThenMovesLeadershipAndDropsTheOld() {
        topic("orders", new PartitionStatus(0, List.of(0, 1), 0, 3, List.of(0, 1)),
                new PartitionStatus(1, List.of(1, 0), 1, 2, List.of(1, 0)));

        request("orders", "r1;0=1,2");
        newPass().run(NS, CLUSTER);

        PartitionStatus moving = partitions("orders").get(0);
        assertThat(moving.getReplicas()).as("target first, then the replicas being removed").containsExactly(1, 2, 0);
        assertThat(moving.getAddingReplicas()).containsExactly(2);
        assertThat(moving.getRemovingReplicas()).containsExactly(0);
        assertThat(moving.getLeader()).isZero();
        assertThat(moving.getLeaderEpoch()).isEqualTo(3);
        assertThat(moving.getIsr()).containsExactly(0, 1);
        assertThat(status("orders").getReassignmentRequest()).isEqualTo("r1");
        assertThat(partitions("orders").get(1).getReplicas()).as("not asked for").containsExactly(1, 0);
        assertThat(reasons("orders")).contains("ReassignmentStarted");
        assertThat(client.resources(Topic.class).inNamespace(NS).withName("orders").get().getMetadata().getFinalizers())
                .as("the joining broker holds the Topic until it has deleted its data").contains("floe.dev/data-broker-2");

        // Broker 2 is not in sync yet: another look (after an operator restart) changes nothing.
        newPass().run(NS, CLUSTER);
        assertThat(partitions("orders").get(0).getReplicas()).containsExactly(1, 2, 0);

        // The leader calls broker 2 in sync.
        leaderWritesIsr("orders", 0, List.of(0, 1, 2));
        newPass().run(NS, CLUSTER);

        PartitionStatus done = partitions("orders").get(0);
        assertThat(done.getReplicas()).containsExactly(1, 2);
        assertThat(done.getLeader()).as("the first in-sync target replica").isEqualTo(1);
        assertThat(done.getLeaderEpoch()).isEqualTo(4);
        assertThat(done.getIsr()).containsExactly(1, 2);
        assertThat(done.getAddingReplicas()).isEmpty();
        assertThat(done.getRemovingReplicas()).isEmpty();
        assertThat(reasons("orders")).contains("ReassignmentLeaderMoved", "ReassignmentCompleted");
    }

    @Test
    void aLeaderThatStaysKeepsItsEpoch() {
        topic("orders", new PartitionStatus(0, List.of(0, 1), 0, 3, List.of(0, 1)));

        request("orders", "r1;0=0,2");
        newPass().run(NS, CLUSTER);
        leaderWritesIsr("orders", 0, List.of(0, 1, 2));
        newPass().run(NS, CLUSTER);

        PartitionStatus done = partitions("orders").get(0);
        assertThat(done.getReplicas()).containsExactly(0, 2);
        assertThat(done.getLeader()).isZero();
        assertThat(done.getLeaderEpoch()).isEqualTo(3);
        assertThat(done.getIsr()).containsExactly(0, 2);
        assertThat(reasons("orders")).contains("ReassignmentCompleted").doesNotContain("ReassignmentLeaderMoved");
    }

    @Test
    void aCancelGoesBackToTheOriginalReplicas() {
        topic("orders", new PartitionStatus(0, List.of(0, 1), 0, 3, List.of(0, 1)));
        request("orders", "r1;0=1,2");
        newPass().run(NS, CLUSTER);

        request("orders", "r2;0=");
        newPass().run(NS, CLUSTER);

        PartitionStatus back = partitions("orders").get(0);
        assertThat(back.getReplicas()).containsExactly(1, 0);
        assertThat(back.getAddingReplicas()).isEmpty();
        assertThat(back.getRemovingReplicas()).isEmpty();
        assertThat(back.getLeader()).isZero();
        assertThat(back.getIsr()).containsExactly(0, 1);
        assertThat(status("orders").getReassignmentRequest()).isEqualTo("r2");
        assertThat(reasons("orders")).contains("ReassignmentCancelled");
    }

    @Test
    void aTargetWithoutNewReplicasCompletesInTheWriteThatRecordsIt() {
        topic("orders", new PartitionStatus(0, List.of(0, 1, 2), 0, 1, List.of(0, 1, 2)));

        request("orders", "r1;0=2,1");
        newPass().run(NS, CLUSTER);

        PartitionStatus done = partitions("orders").get(0);
        assertThat(done.getReplicas()).containsExactly(2, 1);
        assertThat(done.getLeader()).isEqualTo(2);
        assertThat(done.getLeaderEpoch()).isEqualTo(2);
        assertThat(done.getIsr()).containsExactly(1, 2);
        assertThat(done.isReassigning()).isFalse();
    }

    @Test
    void theSameBrokersInAnotherOrderOnlyChangeThePreferredLeader() {
        topic("orders", new PartitionStatus(0, List.of(0, 1), 0, 3, List.of(0, 1)));

        request("orders", "r1;0=1,0");
        newPass().run(NS, CLUSTER);

        PartitionStatus done = partitions("orders").get(0);
        assertThat(done.getReplicas()).containsExactly(1, 0);
        assertThat(done.isReassigning()).isFalse();
        assertThat(done.getLeader()).as("auto rebalance is off in this test").isZero();
        assertThat(reasons("orders")).contains("ReassignmentCompleted").doesNotContain("ReassignmentStarted");
    }

    @Test
    void aTargetNamingABrokerOutsideTheClusterIsRefusedAndAnswered() {
        topic("orders", new PartitionStatus(0, List.of(0, 1), 0, 3, List.of(0, 1)));

        request("orders", "r1;0=1,5");
        newPass().run(NS, CLUSTER);

        PartitionStatus same = partitions("orders").get(0);
        assertThat(same.getReplicas()).containsExactly(0, 1);
        assertThat(same.isReassigning()).isFalse();
        assertThat(status("orders").getReassignmentRequest()).isEqualTo("r1");
        assertThat(reasons("orders")).contains("ReassignmentRefused");
    }

    @Test
    void aLeaderBeingRemovedStaysUntilATargetReplicaIsLive() {
        topic("orders", new PartitionStatus(0, List.of(0, 1), 0, 3, List.of(0, 1)));
        request("orders", "r1;0=2");
        newPass().run(NS, CLUSTER);
        leaderWritesIsr("orders", 0, List.of(0, 1, 2));
        client.leases().inNamespace(NS).withName(CLUSTER + "-broker-2").delete();

        newPass().run(NS, CLUSTER);
        assertThat(partitions("orders").get(0).getLeader()).isZero();
        assertThat(partitions("orders").get(0).isReassigning()).isTrue();

        lease(2);
        newPass().run(NS, CLUSTER);
        assertThat(partitions("orders").get(0).getLeader()).isEqualTo(2);
        assertThat(partitions("orders").get(0).getReplicas()).containsExactly(2);
    }

    private LeadershipPass newPass() {
        return new LeadershipPass(client, new EventRecorder(client), new SimpleMeterRegistry(),
                Clock.fixed(T0, ZoneOffset.UTC));
    }

    private void lease(int broker) {
        client.leases().inNamespace(NS).resource(new LeaseBuilder()
                .withNewMetadata().withName(CLUSTER + "-broker-" + broker).withNamespace(NS)
                .addToLabels(Labels.CLUSTER, CLUSTER).addToLabels(Labels.BROKER_ID, String.valueOf(broker)).endMetadata()
                .withNewSpec().withHolderIdentity(CLUSTER + "-broker-" + broker).withLeaseDurationSeconds(60)
                .withRenewTime(ZonedDateTime.ofInstant(T0, ZoneOffset.UTC)).endSpec()
                .build()).createOr(l -> l.update());
    }

    private void topic(String name, PartitionStatus... partitions) {
        Topic t = new Topic();
        t.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).withUid(UUID.randomUUID().toString())
                .withLabels(Map.of(Labels.CLUSTER, CLUSTER)).build());
        t.getSpec().setPartitions(partitions.length);
        t.getSpec().setReplicationFactor(partitions[0].getReplicas().size());
        Topic created = client.resource(t).create();
        TopicStatus status = new TopicStatus();
        status.setTopicName(name);
        status.setTopicId("AAAAAAAAAAAAAAAAAAAAAA");
        status.setConfig(new LinkedHashMap<>());
        status.setPartitions(new ArrayList<>(List.of(partitions)));
        created.setStatus(status);
        client.resource(created).updateStatus();
    }

    /** What a broker's AlterPartitionReassignments writes. */
    private void request(String topic, String value) {
        Topic t = client.resources(Topic.class).inNamespace(NS).withName(topic).get();
        Map<String, String> annotations = t.getMetadata().getAnnotations() == null ? new HashMap<>()
                : new HashMap<>(t.getMetadata().getAnnotations());
        annotations.put(Labels.REASSIGN, value);
        t.getMetadata().setAnnotations(annotations);
        client.resource(t).update();
    }

    /** What the partition's leader writes when a follower catches up. */
    private void leaderWritesIsr(String topic, int partition, List<Integer> isr) {
        Topic t = client.resources(Topic.class).inNamespace(NS).withName(topic).get();
        t.getStatus().getPartitions().get(partition).setIsr(new ArrayList<>(isr));
        client.resource(t).updateStatus();
    }

    private TopicStatus status(String topic) {
        return client.resources(Topic.class).inNamespace(NS).withName(topic).get().getStatus();
    }

    private List<PartitionStatus> partitions(String topic) {
        return status(topic).getPartitions();
    }

    private List<String> reasons(String involved) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> involved.equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
    }
}
