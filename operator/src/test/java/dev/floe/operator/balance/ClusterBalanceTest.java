package dev.floe.operator.balance;

import dev.floe.crds.cluster.BalanceStatus;
import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import dev.floe.crds.topic.TopicStatus;
import dev.floe.operator.apply.ResourceApplier;
import dev.floe.operator.cluster.BrokerZones;
import dev.floe.operator.cluster.ClusterReconciler;
import dev.floe.operator.cluster.LiveBrokers;
import dev.floe.operator.drain.BrokerDrain;
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
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A balancing round through the real Cluster reconciler and the controller's pass, against fabric8's mock API server
 * in CRUD mode. A new reconciler per step (what an operator restart does): the round's state is the Cluster status
 * and the Topics. The leader's ISR updates are written as a broker writes them.
 */
@EnableKubernetesMockClient(crud = true)
class ClusterBalanceTest {
    static final String NS = "test";
    static final String CLUSTER = "c";
    static final int BATCH = 4;

    KubernetesClient client;

    @BeforeEach
    void setUp() {
        Cluster cluster = new Cluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName(CLUSTER).withNamespace(NS)
                .withUid(UUID.randomUUID().toString()).withGeneration(1L).build());
        cluster.getSpec().setReplicas(2);
        cluster.getSpec().getLeadership().setAutoRebalance(false);
        client.resource(cluster).create();
        lease(0);
        lease(1);
        List<PartitionStatus> partitions = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            List<Integer> replicas = p % 2 == 0 ? List.of(0, 1) : List.of(1, 0);
            partitions.add(new PartitionStatus(p, replicas, replicas.get(0), 1, replicas));
        }
        topic("orders", partitions);
        reconcile();
    }

    @Test
    void twoBrokersAreBalancedAlreadyAndNothingMoves() {
        BalanceStatus balance = cluster().getStatus().getBalance();
        assertThat(balance.getState()).isEqualTo(ClusterBalance.BALANCED);
        assertThat(balance.getBrokers()).isEqualTo(2);
        assertThat(balance.getPartitionsMoved()).isZero();
        assertThat(partitions().stream().noneMatch(PartitionStatus::isReassigning)).isTrue();
    }

    @Test
    void newBrokersGetTheirShareInBoundedBatchesOnceLive() {
        scaleTo(4);
        reconcile();
        assertThat(cluster().getStatus().getBalance().getState()).as("brokers 2 and 3 not live yet")
                .isEqualTo(ClusterBalance.WAITING);
        assertThat(partitions().stream().noneMatch(PartitionStatus::isReassigning)).isTrue();

        lease(2);
        lease(3);
        reconcile();
        BalanceStatus balance = cluster().getStatus().getBalance();
        assertThat(balance.getState()).isEqualTo(ClusterBalance.BALANCING);
        // 12 replicas over 4 brokers: 3 each, so 6 move, one per partition.
        assertThat(balance.getPartitionsLeft()).isEqualTo(6);
        assertThat(moving()).as("at most a batch at once").hasSize(BATCH);
        assertThat(reasons(CLUSTER)).contains("BalanceStarted");
        assertThat(reasons("orders")).contains("ReassignmentStarted");
        for (PartitionStatus p : moving()) {
            assertThat(p.getAddingReplicas()).hasSize(1).allSatisfy(b -> assertThat(b).isIn(2, 3));
        }

        reconcile();
        assertThat(moving()).as("no new batch while one is moving").hasSize(BATCH);

        while (!moving().isEmpty()) {
            for (PartitionStatus p : moving()) {
                List<Integer> isr = new ArrayList<>(p.getIsr());
                isr.addAll(p.getAddingReplicas());
                leaderWritesIsr(p.getPartition(), isr);
            }
            controllerPass();
            reconcile();
        }

        balance = cluster().getStatus().getBalance();
        assertThat(balance.getState()).isEqualTo(ClusterBalance.BALANCED);
        assertThat(balance.getPartitionsLeft()).isZero();
        assertThat(balance.getPartitionsMoved()).isEqualTo(6);
        assertThat(reasons(CLUSTER)).contains("BalanceProgress", "Balanced");
        Map<Integer, Long> replicas = partitions().stream().flatMap(p -> p.getReplicas().stream())
                .collect(Collectors.groupingBy(b -> b, TreeMap::new, Collectors.counting()));
        assertThat(replicas).containsOnlyKeys(0, 1, 2, 3);
        assertThat(replicas.values()).allSatisfy(n -> assertThat(n).isEqualTo(3L));
        Map<Integer, Long> preferred = partitions().stream()
                .collect(Collectors.groupingBy(p -> p.getReplicas().get(0), TreeMap::new, Collectors.counting()));
        assertThat(preferred.values()).allSatisfy(n -> assertThat(n).isBetween(1L, 2L));
        assertThat(preferred).containsKeys(0, 1, 2, 3);

        int startedBefore = reasons("orders").stream().filter("ReassignmentStarted"::equals).toList().size();
        reconcile();
        assertThat(reasons("orders").stream().filter("ReassignmentStarted"::equals).toList())
                .as("a balanced cluster: no further round").hasSize(startedBefore);
    }

    /** Brokers 0 leads the three busy partitions: the plan evens the brokers' load too and says so. */
    @Test
    void measuredLoadDrivesTheRoundAndTheStatusAndEventsSaySo() {
        java.util.Map<Integer, PartitionLoad.Rate> rates = new TreeMap<>();
        for (int p = 0; p < 6; p++) {
            rates.put(p, p % 2 == 0 ? new PartitionLoad.Rate(1e6, 1e6) : new PartitionLoad.Rate(1e5, 1e5));
        }
        PartitionLoad load = PartitionLoad.of(Map.of("orders", rates));
        scaleTo(4);
        lease(2);
        lease(3);

        reconcileWithLoad(load);
        BalanceStatus started = cluster().getStatus().getBalance();
        assertThat(started.getState()).isEqualTo(ClusterBalance.BALANCING);
        assertThat(started.getMaxBrokerLoadBefore()).as("broker 0: leads 3 busy, follows 3 idle")
                .isEqualTo(Math.round(3 * 3e6 + 3 * 1e5));
        assertThat(started.getMinBrokerLoadBefore()).as("brokers 2 and 3 carry nothing yet").isZero();
        assertThat(messages(CLUSTER, "BalanceStarted")).singleElement().asString().contains("broker load 0 B/s to 9.3 MB/s before");

        while (!moving().isEmpty()) {
            for (PartitionStatus p : moving()) {
                List<Integer> isr = new ArrayList<>(p.getIsr());
                isr.addAll(p.getAddingReplicas());
                leaderWritesIsr(p.getPartition(), isr);
            }
            controllerPass();
            reconcileWithLoad(load);
        }

        BalanceStatus done = cluster().getStatus().getBalance();
        assertThat(done.getState()).isEqualTo(ClusterBalance.BALANCED);
        assertThat(done.getLoadDriven()).isTrue();
        assertThat(done.getMaxBrokerLoadBefore()).as("kept from the round's first plan")
                .isEqualTo(started.getMaxBrokerLoadBefore());
        assertThat(done.getMaxBrokerLoadAfter()).isBetween(3_300_001L, 9_299_999L);
        assertThat(done.getMinBrokerLoadAfter()).isBetween(1L, 3_299_999L);
        // 13.2 MB/s over 4 brokers is 3.3 MB/s each, but with 1-2 leaderships each (count tolerance 1) one broker
        // leads no busy partition and carries at most 2.3 MB/s: the 20% band is out of reach, and the status says so.
        assertThat(done.getLoadWithinTolerance()).isFalse();
        assertThat(messages(CLUSTER, "Balanced")).hasSize(2).last().asString().contains("(load drove moves)")
                .contains("outside ±20% of the mean");
    }

    @Test
    void aRoundWaitsForAMoveAlreadyUnderWay() {
        Topic t = topic();
        PartitionStatus p0 = t.getStatus().getPartitions().get(0);
        // A user's move of partition 0 that has not completed: broker 2 being added.
        p0.setReplicas(new ArrayList<>(List.of(0, 2, 1)));
        p0.setAddingReplicas(new ArrayList<>(List.of(2)));
        p0.setRemovingReplicas(new ArrayList<>(List.of(1)));
        client.resource(t).updateStatus();
        scaleTo(4);
        lease(2);
        lease(3);

        reconcile();

        assertThat(cluster().getStatus().getBalance().getState()).isEqualTo(ClusterBalance.WAITING);
        assertThat(moving()).hasSize(1);
    }

    @Test
    void theAnnotationTurnsBalancingOff() {
        Cluster c = cluster();
        c.getMetadata().setAnnotations(Map.of(ClusterBalance.ANNOTATION, "false"));
        c.getSpec().setReplicas(4);
        client.resource(c).update();
        lease(2);
        lease(3);

        reconcile();

        assertThat(moving()).isEmpty();
        assertThat(cluster().getStatus().getBalance().getBrokers()).as("left as it was").isEqualTo(2);
    }

    private List<PartitionStatus> moving() {
        return partitions().stream().filter(PartitionStatus::isReassigning).toList();
    }

    /** A new reconciler each time, as after an operator restart. */
    private void reconcile() {
        EventRecorder events = new EventRecorder(client);
        LiveBrokers live = new LiveBrokers(client);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ClusterReconciler reconciler = new ClusterReconciler(client, new ResourceApplier(client), events, live,
                meters, new BrokerDrain(client, events, live, new BrokerZones(client)),
                new ClusterBalance(client, events, new BrokerZones(client), meters, 1, BATCH), "floe/broker:test");
        reconciler.reconcile(cluster(), null);
    }

    private void reconcileWithLoad(PartitionLoad load) {
        EventRecorder events = new EventRecorder(client);
        LiveBrokers live = new LiveBrokers(client);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        PartitionLoadSampler sampler = new PartitionLoadSampler(live, java.time.Duration.ofSeconds(30)) {
            @Override
            public PartitionLoad latest(String namespace, String name, int brokers) {
                return load;
            }
        };
        ClusterReconciler reconciler = new ClusterReconciler(client, new ResourceApplier(client), events, live,
                meters, new BrokerDrain(client, events, live, new BrokerZones(client)),
                new ClusterBalance(client, events, new BrokerZones(client), meters, 1, BATCH, sampler,
                        new LoadTolerance(20, 0)), "floe/broker:test");
        reconciler.reconcile(cluster(), null);
    }

    private List<String> messages(String involved, String reason) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> involved.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
                .map(Event::getMessage).toList();
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

    private Topic topic() {
        return client.resources(Topic.class).inNamespace(NS).withName("orders").get();
    }

    private List<PartitionStatus> partitions() {
        return topic().getStatus().getPartitions();
    }

    private void lease(int broker) {
        client.leases().inNamespace(NS).resource(new LeaseBuilder()
                .withNewMetadata().withName(CLUSTER + "-broker-" + broker).withNamespace(NS)
                .addToLabels(Labels.CLUSTER, CLUSTER).addToLabels(Labels.BROKER_ID, String.valueOf(broker)).endMetadata()
                .withNewSpec().withHolderIdentity(CLUSTER + "-broker-" + broker).withLeaseDurationSeconds(3600)
                .withRenewTime(ZonedDateTime.now(ZoneOffset.UTC)).endSpec()
                .build()).createOr(l -> l.update());
    }

    private void topic(String name, List<PartitionStatus> partitions) {
        Topic t = new Topic();
        t.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).withUid(UUID.randomUUID().toString())
                .withLabels(Map.of(Labels.CLUSTER, CLUSTER)).build());
        t.getSpec().setPartitions(partitions.size());
        t.getSpec().setReplicationFactor(2);
        Topic created = client.resource(t).create();
        TopicStatus status = new TopicStatus();
        status.setTopicName(name);
        status.setTopicId("AAAAAAAAAAAAAAAAAAAAAA");
        status.setPartitions(new ArrayList<>(partitions));
        created.setStatus(status);
        client.resource(created).updateStatus();
    }

    /** What the partition's leader writes when a follower catches up. */
    private void leaderWritesIsr(int partition, List<Integer> isr) {
        Topic t = topic();
        t.getStatus().getPartitions().get(partition).setIsr(new ArrayList<>(isr));
        client.resource(t).updateStatus();
    }

    private List<String> reasons(String involved) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> involved.equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
    }
}
