package dev.floe.operator.election;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import dev.floe.crds.topic.TopicStatus;
import dev.floe.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One leadership pass against fabric8's mock API server in CRUD mode: real HTTP, real resourceVersion conflicts.
 * Time is a settable clock, so lease expiry and the rebalance delay are decided, not waited for.
 */
@EnableKubernetesMockClient(crud = true)
class LeadershipPassTest {
    static final String NS = "test";
    static final String CLUSTER = "c";
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    KubernetesClient client;
    SimpleMeterRegistry meters;
    MutableClock clock;
    LeadershipPass pass;

    @BeforeEach
    void setUp() {
        meters = new SimpleMeterRegistry();
        clock = new MutableClock(T0);
        pass = new LeadershipPass(client, new EventRecorder(client), meters, clock);
        Cluster cluster = new Cluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName(CLUSTER).withNamespace(NS).build());
        cluster.getSpec().setReplicas(3);
        cluster.getSpec().getLeadership().setRebalanceDelaySeconds(10);
        cluster.getSpec().getLeadership().setFailoverGraceMillis(1000);
        client.resource(cluster).createOr(c -> c.update());
    }

    @Test
    void anExpiredLeaseMovesLeadershipToTheFirstLiveInSyncReplica() {
        lease(0, T0.minusSeconds(20), 10);
        lease(1, T0, 10);
        lease(2, T0, 10);
        topic("orders", Map.of(),
                new PartitionStatus(0, List.of(0, 1, 2), 0, 4, List.of(0, 2, 1)),
                new PartitionStatus(1, List.of(1, 2, 0), 1, 2, List.of(1, 2, 0)),
                new PartitionStatus(2, List.of(0, 2, 1), 0, 0, List.of(0, 2)));

        Optional<Instant> next = pass.run(NS, CLUSTER);

        List<PartitionStatus> after = partitions("orders");
        assertThat(after.get(0).getLeader()).isEqualTo(1);
        assertThat(after.get(0).getLeaderEpoch()).isEqualTo(5);
        assertThat(after.get(0).getIsr()).containsExactly(2, 1);
        assertThat(after.get(1)).usingRecursiveComparison()
                .isEqualTo(new PartitionStatus(1, List.of(1, 2, 0), 1, 2, List.of(1, 2, 0)));
        assertThat(after.get(2).getLeader()).isEqualTo(2);
        assertThat(after.get(2).getLeaderEpoch()).isEqualTo(1);
        assertThat(after.get(2).getIsr()).containsExactly(2);
        assertThat(events("orders")).anySatisfy(e -> {
            assertThat(e.getReason()).isEqualTo("LeaderElected");
            assertThat(e.getMessage()).contains("partition 0 leader 0→1 epoch 5", "partition 2 leader 0→2 epoch 1");
        });
        assertThat(meters.counter("floe.operator.leader.elections", "kind", "failover").count()).isEqualTo(2.0);
        assertThat(meters.timer("floe.operator.failover.time").count()).isEqualTo(2);
        // The next look is due when the live leases run out (plus the grace), not on a fixed period.
        assertThat(next).contains(T0.plusSeconds(10).plusMillis(1000));
    }

    @Test
    void insideTheGraceNothingMovesAndTheNextLookIsScheduledAtItsEnd() {
        lease(0, T0.minusSeconds(10).minusMillis(500), 10);
        lease(1, T0, 30);
        topic("orders", Map.of(), new PartitionStatus(0, List.of(0, 1), 0, 0, List.of(0, 1)));

        assertThat(pass.run(NS, CLUSTER)).contains(T0.plusMillis(500));
        assertThat(partitions("orders").get(0).getLeader()).isZero();

        clock.set(T0.plusMillis(500));
        pass.run(NS, CLUSTER);
        assertThat(partitions("orders").get(0).getLeader()).isEqualTo(1);
    }

    @Test
    void aConflictingWriteIsReadBackAndKept() {
        lease(0, T0.minusSeconds(20), 10);
        lease(1, T0, 10);
        lease(2, T0, 10);
        topic("orders", Map.of(),
                new PartitionStatus(0, List.of(0, 1, 2), 0, 4, List.of(0, 1, 2)),
                new PartitionStatus(1, List.of(1, 2, 0), 1, 2, List.of(1, 2, 0)));
        AtomicBoolean once = new AtomicBoolean();
        pass.beforeWrite(planned -> {
            if (once.compareAndSet(false, true)) {
                // The live leader of partition 1 shrinks its ISR between our read and our write.
                Topic current = client.resources(Topic.class).inNamespace(NS).withName("orders").get();
                current.getStatus().getPartitions().get(1).setIsr(new ArrayList<>(List.of(1, 2)));
                client.resource(current).updateStatus();
                // A real API server now refuses our write, whose resourceVersion is stale, with 409. The mock
                // server does not check resourceVersion on the status subresource (it does on the main resource),
                // so the refusal it would give is given here.
                assertThat(planned.getMetadata().getResourceVersion())
                        .isNotEqualTo(client.resources(Topic.class).inNamespace(NS).withName("orders").get()
                                .getMetadata().getResourceVersion());
                throw new KubernetesClientException(new StatusBuilder().withCode(409).withReason("Conflict")
                        .withMessage("the object has been modified").build());
            }
        });

        pass.run(NS, CLUSTER);

        List<PartitionStatus> after = partitions("orders");
        assertThat(after.get(0).getLeader()).isEqualTo(1);
        assertThat(after.get(0).getLeaderEpoch()).isEqualTo(5);
        assertThat(after.get(1).getIsr()).as("the leader's concurrent ISR update survives").containsExactly(1, 2);
        assertThat(meters.counter("floe.operator.status.conflicts").count()).isEqualTo(1.0);
    }

    @Test
    void withoutALiveInSyncReplicaThePartitionIsOfflineUnlessUncleanElectionIsOn() {
        lease(0, T0.minusSeconds(20), 10);
        lease(1, T0, 10);
        topic("strict", Map.of(), new PartitionStatus(0, List.of(0, 1), 0, 3, List.of(0)));
        topic("lenient", Map.of("unclean.leader.election.enable", "true"),
                new PartitionStatus(0, List.of(0, 1), 0, 3, List.of(0)));

        pass.run(NS, CLUSTER);

        PartitionStatus strict = partitions("strict").get(0);
        assertThat(strict.getLeader()).isEqualTo(-1);
        assertThat(strict.getLeaderEpoch()).isEqualTo(4);
        assertThat(strict.getIsr()).containsExactly(0);
        assertThat(events("strict")).extracting(Event::getReason).contains("PartitionOffline");
        PartitionStatus lenient = partitions("lenient").get(0);
        assertThat(lenient.getLeader()).isEqualTo(1);
        assertThat(lenient.getLeaderEpoch()).isEqualTo(4);
        assertThat(lenient.getIsr()).containsExactly(1);
        assertThat(events("lenient")).anySatisfy(e -> {
            assertThat(e.getReason()).isEqualTo("UncleanLeaderElection");
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getMessage()).contains("may be lost");
        });
        assertThat(meters.get("floe.operator.partitions.offline").gauge().value()).isEqualTo(1.0);

        // Broker 0 comes back: the offline partition gets its last in-sync replica as leader again.
        lease(0, T0, 10);
        clock.set(T0.plusSeconds(1));
        pass.run(NS, CLUSTER);
        assertThat(partitions("strict").get(0).getLeader()).isZero();
        assertThat(partitions("strict").get(0).getLeaderEpoch()).isEqualTo(5);
    }

    @Test
    void thePreferredLeaderReturnsAfterTheDelayOrAtOnceOnRequest() {
        lease(0, T0, 60);
        lease(1, T0, 60);
        // Broker 0 is back and in sync again (its leader added it), but broker 1 still leads.
        topic("orders", Map.of(),
                new PartitionStatus(0, List.of(0, 1), 1, 6, List.of(1, 0)),
                new PartitionStatus(1, List.of(0, 1), 1, 2, List.of(1, 0)));

        Optional<Instant> due = pass.run(NS, CLUSTER);
        assertThat(due).contains(T0.plusSeconds(10));
        assertThat(partitions("orders")).extracting(PartitionStatus::getLeader).containsExactly(1, 1);

        // kafka-leader-election --election-type PREFERRED for partition 1, as a broker writes it.
        Topic t = client.resources(Topic.class).inNamespace(NS).withName("orders").get();
        t.getMetadata().setAnnotations(new LinkedHashMap<>(Map.of(Labels.ELECT_PREFERRED, "req-1:1")));
        client.resource(t).update();
        clock.set(T0.plusSeconds(2));
        pass.run(NS, CLUSTER);
        Topic answered = client.resources(Topic.class).inNamespace(NS).withName("orders").get();
        assertThat(answered.getStatus().getPreferredElection()).isEqualTo("req-1:1");
        assertThat(answered.getStatus().getPartitions()).extracting(PartitionStatus::getLeader).containsExactly(1, 0);
        assertThat(answered.getStatus().getPartitions().get(1).getLeaderEpoch()).isEqualTo(3);

        clock.set(T0.plusSeconds(10));
        pass.run(NS, CLUSTER);
        assertThat(partitions("orders")).extracting(PartitionStatus::getLeader).containsExactly(0, 0);
        assertThat(partitions("orders").get(0).getLeaderEpoch()).isEqualTo(7);
        assertThat(events("orders")).extracting(Event::getReason).contains("PreferredLeaderElected");
    }

    @Test
    void aDeletedTopicKeepsTheFinalizersOfExistingBrokersOnly() {
        Topic t = topic("gone", Map.of(), new PartitionStatus(0, List.of(2, 3), 2, 0, List.of(2, 3)));
        t = client.resources(Topic.class).inNamespace(NS).withName("gone").get();
        t.getMetadata().setFinalizers(new ArrayList<>(List.of("floe.dev/data-broker-2", "floe.dev/data-broker-3")));
        client.resource(t).update();
        client.resources(Topic.class).inNamespace(NS).withName("gone").delete();

        pass.run(NS, CLUSTER);

        // Broker 3 is beyond the cluster's 3 brokers: it will never delete anything. Broker 2 still must.
        Topic deleting = client.resources(Topic.class).inNamespace(NS).withName("gone").get();
        assertThat(deleting.getMetadata().getFinalizers()).containsExactly("floe.dev/data-broker-2");
    }

    private void lease(int broker, Instant renewed, int seconds) {
        client.leases().inNamespace(NS).resource(new LeaseBuilder()
                .withNewMetadata().withName(CLUSTER + "-broker-" + broker).withNamespace(NS)
                .addToLabels(Labels.CLUSTER, CLUSTER).addToLabels(Labels.BROKER_ID, String.valueOf(broker)).endMetadata()
                .withNewSpec().withHolderIdentity(CLUSTER + "-broker-" + broker).withLeaseDurationSeconds(seconds)
                .withRenewTime(ZonedDateTime.ofInstant(renewed, ZoneOffset.UTC)).endSpec()
                .build()).createOr(l -> l.update());
    }

    private Topic topic(String name, Map<String, String> config, PartitionStatus... partitions) {
        Topic t = new Topic();
        t.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).withUid(UUID.randomUUID().toString())
                .withLabels(Map.of(Labels.CLUSTER, CLUSTER)).build());
        t.getSpec().setPartitions(partitions.length);
        t.getSpec().setReplicationFactor(partitions[0].getReplicas().size());
        t.getSpec().setConfig(new LinkedHashMap<>(config));
        Topic created = client.resource(t).create();
        TopicStatus status = new TopicStatus();
        status.setTopicName(name);
        status.setTopicId("AAAAAAAAAAAAAAAAAAAAAA");
        status.setConfig(new LinkedHashMap<>(config));
        status.setPartitions(new ArrayList<>(List.of(partitions)));
        created.setStatus(status);
        return client.resource(created).updateStatus();
    }

    private List<PartitionStatus> partitions(String topic) {
        return client.resources(Topic.class).inNamespace(NS).withName(topic).get().getStatus().getPartitions();
    }

    private List<Event> events(String involved) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> involved.equals(e.getInvolvedObject().getName())).toList();
    }

    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

    }
}
