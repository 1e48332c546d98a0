package dev.floe.operator;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.common.Conditions;
import dev.floe.crds.common.Labels;
import dev.floe.crds.common.Names;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator running as it does in production (Quarkus, the Java Operator SDK, informers) against fabric8's
 * mock API server in CRUD mode.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ReconcilersTest {
    static final String NS = "test";

    @Inject
    KubernetesClient client;

    @Test
    void clusterBecomesBrokersAndIsReadyWhenTheirLeasesAreLive() {
        client.resource(cluster("alpha", 3)).create();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            StatefulSet sts = client.apps().statefulSets().inNamespace(NS).withName("alpha-broker").get();
            assertThat(sts).isNotNull();
            assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
            assertThat(client.services().inNamespace(NS).withName("alpha-brokers").get()).isNotNull();
            assertThat(client.services().inNamespace(NS).withName("alpha-bootstrap").get()).isNotNull();
            assertThat(client.configMaps().inNamespace(NS).withName("alpha-broker-config").get()).isNotNull();
            assertThat(client.policy().v1().podDisruptionBudget().inNamespace(NS).withName("alpha-brokers").get()).isNotNull();
            assertThat(client.rbac().roles().inNamespace(NS).withName("alpha-broker").get()).isNotNull();
            assertThat(client.rbac().roleBindings().inNamespace(NS).withName("alpha-broker").get()).isNotNull();
            assertThat(client.serviceAccounts().inNamespace(NS).withName("alpha-broker").get()).isNotNull();
        });
        Cluster starting = awaitCluster("alpha", c -> c.getStatus() != null && c.getStatus().getObservedGeneration() != null);
        assertThat(ready(starting.getStatus().getConditions()).getReason()).isEqualTo("BrokersStarting");
        assertThat(starting.getStatus().getBootstrap()).isEqualTo("alpha-bootstrap.test.svc:9092");
        assertThat(starting.getStatus().getSelector()).contains("floe.dev/cluster=alpha");

        for (int id = 0; id < 3; id++) {
            client.resource(lease("alpha", id)).create();
        }
        Cluster ready = awaitCluster("alpha", c -> c.getStatus().getReadyBrokers() == 3);
        // The offsets topic is there before any broker needs it, replicated as the Cluster says (default 3).
        Topic offsets = awaitTopic(Names.topicObjectName("__consumer_offsets"), t -> t.getStatus().getTopicId() != null);
        assertThat(offsets.topicName()).isEqualTo("__consumer_offsets");
        assertThat(offsets.getSpec().getReplicationFactor()).isEqualTo(3);
        assertThat(offsets.getStatus().getPartitions()).hasSize(50)
                .allSatisfy(p -> assertThat(p.getReplicas()).hasSize(3).doesNotHaveDuplicates());
        assertThat(ready(ready.getStatus().getConditions()).getStatus()).isEqualTo("True");
        assertThat(eventReasons("alpha")).contains("Created", "BrokersReady");

        // A settings change rewrites the ConfigMap and the pod template's config hash, which rolls the brokers.
        String hashBefore = client.apps().statefulSets().inNamespace(NS).withName("alpha-broker").get().getSpec()
                .getTemplate().getMetadata().getAnnotations().get("floe.dev/config-hash");
        Cluster configured = client.resources(Cluster.class).inNamespace(NS).withName("alpha").get();
        configured.getSpec().getConfig().put("defaults.num-partitions", "6");
        client.resource(configured).update();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(client.configMaps().inNamespace(NS).withName("alpha-broker-config").get().getData()
                    .get("broker.properties")).contains("floe.defaults.num-partitions=6");
            assertThat(client.apps().statefulSets().inNamespace(NS).withName("alpha-broker").get().getSpec()
                    .getTemplate().getMetadata().getAnnotations().get("floe.dev/config-hash")).isNotEqualTo(hashBefore);
        });
        assertThat(eventReasons("alpha")).contains("Updated");

        // kubectl scale writes spec.replicas through the scale subresource; the StatefulSet follows.
        Cluster scaled = client.resources(Cluster.class).inNamespace(NS).withName("alpha").get();
        scaled.getSpec().setReplicas(4);
        client.resource(scaled).update();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                client.apps().statefulSets().inNamespace(NS).withName("alpha-broker").get().getSpec().getReplicas() == 4);
    }

    @Test
    void invalidClusterIsRefusedAndNothingIsCreated() {
        Cluster bad = cluster("bounded", 5);
        bad.getSpec().setMaxReplicas(3);
        client.resource(bad).create();
        Cluster refused = awaitCluster("bounded", c -> c.getStatus() != null && !c.getStatus().getConditions().isEmpty());
        Condition ready = ready(refused.getStatus().getConditions());
        assertThat(ready.getReason()).isEqualTo("ReplicasOutOfBounds");
        assertThat(ready.getMessage()).contains("above maxReplicas 3");
        assertThat(client.apps().statefulSets().inNamespace(NS).withName("bounded-broker").get()).isNull();
    }

    @Test
    void topicsArePlacedEvenlyAndRefusedWhenInvalid() {
        client.resource(cluster("beta", 3)).create();
        client.resource(topic("orders", "beta", 6)).create();
        Topic orders = awaitTopic("orders", t -> t.getStatus() != null && t.getStatus().getTopicId() != null);
        assertThat(orders.getStatus().getPartitions()).hasSize(6);
        Map<Integer, Long> perBroker = leadersPerBroker(orders);
        assertThat(perBroker).containsOnlyKeys(0, 1, 2).allSatisfy((b, n) -> assertThat(n).isEqualTo(2));
        assertThat(orders.getStatus().getTopicId()).hasSize(22);

        // A second topic fills up the least-loaded brokers across the cluster, not from broker 0 again.
        client.resource(topic("payments", "beta", 1)).create();
        client.resource(topic("audit", "beta", 2)).create();
        Topic payments = awaitTopic("payments", t -> t.getStatus() != null && t.getStatus().getTopicId() != null);
        Topic audit = awaitTopic("audit", t -> t.getStatus() != null && t.getStatus().getTopicId() != null);
        assertThat(payments.getStatus().getPartitions()).hasSize(1);
        assertThat(audit.getStatus().getPartitions()).extracting(PartitionStatus::getLeader)
                .doesNotContain(payments.getStatus().getPartitions().get(0).getLeader());

        // Growing keeps existing placement and the topic id.
        String id = orders.getStatus().getTopicId();
        List<PartitionStatus> before = orders.getStatus().getPartitions();
        orders.getSpec().setPartitions(9);
        orders.getSpec().getConfig().put("retention.ms", "3600000");
        client.resource(orders).update();
        Topic grown = awaitTopic("orders", t -> t.getStatus().getPartitions().size() == 9
                && "3600000".equals(t.getStatus().getConfig().get("retention.ms")));
        assertThat(grown.getStatus().getTopicId()).isEqualTo(id);
        assertThat(grown.getStatus().getPartitions().subList(0, 6)).usingRecursiveFieldByFieldElementComparator()
                .isEqualTo(before);
        assertThat(eventReasons("orders")).contains("Placed", "PartitionsAdded", "ConfigChanged");

        // Shrinking, replication, bad configs: refused, and the last good status stays.
        refusedWith("orders", t -> t.getSpec().setPartitions(3), "PartitionsCannotShrink", 9);
        refusedWith("orders", t -> {
            t.getSpec().setPartitions(9);
            t.getSpec().setReplicationFactor(4);
        }, "ReplicationFactorTooLarge", 9);
        refusedWith("orders", t -> {
            t.getSpec().setReplicationFactor(1);
            t.getSpec().getConfig().put("remote.storage.enable", "maybe");
        }, "InvalidConfig", 9);
        assertThat(ready(awaitTopic("orders", t -> true).getStatus().getConditions()).getMessage())
                .contains("Invalid value maybe for configuration remote.storage.enable");
    }

    @Test
    void topicWaitsForItsClusterAndNameConflictsAreRefused() {
        client.resource(topic("early", "gamma", 2)).create();
        Topic waiting = awaitTopic("early", t -> t.getStatus() != null && !t.getStatus().getConditions().isEmpty());
        assertThat(ready(waiting.getStatus().getConditions()).getReason()).isEqualTo("ClusterNotFound");

        client.resource(cluster("gamma", 2)).create();
        awaitTopic("early", t -> t.getStatus().getTopicId() != null);

        Topic twin = topic("early-twin", "gamma", 1);
        twin.getSpec().setTopicName("early");
        client.resource(twin).create();
        Topic refused = awaitTopic("early-twin", t -> t.getStatus() != null && !t.getStatus().getConditions().isEmpty());
        assertThat(ready(refused.getStatus().getConditions()).getReason()).isEqualTo("TopicNameConflict");
        assertThat(refused.getStatus().getTopicId()).isNull();
    }

    @Test
    void anExpiredLeaseMovesLeadershipAndThePreferredLeaderReturns() {
        Cluster cluster = cluster("delta", 3);
        cluster.getSpec().getLeadership().setFailoverGraceMillis(0);
        cluster.getSpec().getLeadership().setRebalanceDelaySeconds(1);
        client.resource(cluster).create();
        client.resource(lease("delta", 1)).create();
        client.resource(lease("delta", 2)).create();
        Topic replicated = topic("replicated", "delta", 3);
        replicated.getSpec().setReplicationFactor(3);
        client.resource(replicated).create();
        Topic placed = awaitTopic("replicated", t -> t.getStatus().getTopicId() != null);
        assertThat(placed.getMetadata().getFinalizers())
                .contains("floe.dev/data-broker-0", "floe.dev/data-broker-1", "floe.dev/data-broker-2");
        List<Integer> ledBy0 = placed.getStatus().getPartitions().stream().filter(p -> p.getLeader() == 0)
                .map(PartitionStatus::getPartition).toList();
        assertThat(ledBy0).isNotEmpty();

        // Broker 0's lease runs out with no further event: the pass scheduled at its expiry moves leadership.
        Lease shortLease = lease("delta", 0);
        shortLease.getSpec().setLeaseDurationSeconds(2);
        client.resource(shortLease).create();
        Topic failedOver = awaitTopic("replicated", t -> ledBy0.stream()
                .allMatch(p -> t.getStatus().getPartitions().get(p).getLeader() > 0));
        for (int p : ledBy0) {
            PartitionStatus after = failedOver.getStatus().getPartitions().get(p);
            assertThat(after.getLeaderEpoch()).isEqualTo(1);
            assertThat(after.getIsr()).doesNotContain(0).contains(after.getLeader());
        }
        // The Event follows the status write it reports.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(eventReasons("replicated")).contains("LeaderElected"));

        // Broker 0 returns and its leaders take it back into the ISR: after the delay it leads again.
        Lease renewed = client.leases().inNamespace(NS).withName("delta-broker-0").get();
        renewed.getSpec().setRenewTime(ZonedDateTime.now());
        renewed.getSpec().setLeaseDurationSeconds(60);
        client.resource(renewed).update();
        Topic current = client.resources(Topic.class).inNamespace(NS).withName("replicated").get();
        current.getStatus().getPartitions().forEach(p -> {
            if (!p.getIsr().contains(0)) {
                p.getIsr().add(0);
            }
        });
        client.resource(current).updateStatus();
        Topic back = awaitTopic("replicated", t -> ledBy0.stream()
                .allMatch(p -> t.getStatus().getPartitions().get(p).getLeader() == 0));
        for (int p : ledBy0) {
            assertThat(back.getStatus().getPartitions().get(p).getLeaderEpoch()).isEqualTo(2);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(eventReasons("replicated")).contains("PreferredLeaderElected"));
    }

    private void refusedWith(String name, java.util.function.Consumer<Topic> change, String reason, int partitions) {
        Topic t = client.resources(Topic.class).inNamespace(NS).withName(name).get();
        change.accept(t);
        client.resource(t).update();
        Topic refused = awaitTopic(name, x -> reason.equals(ready(x.getStatus().getConditions()).getReason()));
        assertThat(ready(refused.getStatus().getConditions()).getStatus()).isEqualTo("False");
        assertThat(refused.getStatus().getPartitions()).hasSize(partitions);
        assertThat(eventReasons(name)).contains(reason);
    }

    private static Map<Integer, Long> leadersPerBroker(Topic t) {
        return t.getStatus().getPartitions().stream().collect(java.util.stream.Collectors.groupingBy(
                PartitionStatus::getLeader, java.util.stream.Collectors.counting()));
    }

    private List<String> eventReasons(String involvedName) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> involvedName.equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
    }

    private Cluster awaitCluster(String name, Predicate<Cluster> condition) {
        return await().atMost(Duration.ofSeconds(30)).until(
                () -> client.resources(Cluster.class).inNamespace(NS).withName(name).get(),
                c -> c != null && condition.test(c));
    }

    private Topic awaitTopic(String name, Predicate<Topic> condition) {
        return await().atMost(Duration.ofSeconds(30)).until(
                () -> client.resources(Topic.class).inNamespace(NS).withName(name).get(),
                t -> t != null && t.getStatus() != null && condition.test(t));
    }

    private static Condition ready(List<Condition> conditions) {
        return Conditions.find(conditions, Conditions.READY).orElseThrow();
    }

    static Cluster cluster(String name, int replicas) {
        Cluster c = new Cluster();
        c.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
        c.getSpec().setReplicas(replicas);
        return c;
    }

    static Topic topic(String name, String cluster, int partitions) {
        Topic t = new Topic();
        t.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS)
                .withLabels(Map.of(Labels.CLUSTER, cluster)).build());
        t.getSpec().setPartitions(partitions);
        return t;
    }

    static Lease lease(String cluster, int id) {
        return new LeaseBuilder()
                .withNewMetadata().withName(cluster + "-broker-" + id).withNamespace(NS)
                .addToLabels(Labels.CLUSTER, cluster).addToLabels(Labels.BROKER_ID, String.valueOf(id))
                .addToAnnotations(Labels.ADVERTISED_KAFKA, "127.0.0.1:" + (9092 + id)).endMetadata()
                .withNewSpec().withHolderIdentity(cluster + "-broker-" + id).withLeaseDurationSeconds(60)
                .withRenewTime(ZonedDateTime.now()).endSpec()
                .build();
    }
}
