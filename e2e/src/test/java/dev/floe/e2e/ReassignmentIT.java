package dev.floe.e2e;

import dev.floe.crds.common.Conditions;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.floe.e2e.ClusterClients.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Kafka's own {@code kafka-reassign-partitions.sh} ({@code ReassignPartitionsCommand}) against three packaged brokers
 * and the packaged operator: {@code --execute} moves an RF-2 partition off its leader onto the third broker while an
 * acks=all producer writes, {@code --verify} reports it complete, every acknowledged record is read back from the new
 * replicas, and the broker that left has deleted the partition's directory.
 */
class ReassignmentIT extends OperatedCluster {
    static final String MOVED = "moves";

    @Test
    void kafkaReassignPartitionsMovesAPartitionBetweenBrokersWhileAProducerWrites() throws Exception {
        apply("""
                apiVersion: floe.dev/v1alpha1
                kind: Topic
                metadata:
                  name: moves
                  namespace: streaming
                  labels:
                    floe.dev/cluster: demo
                spec:
                  partitions: 1
                  replicationFactor: 2
                  config:
                    min.insync.replicas: "2"
                """);
        Topic placed = await("Topic moves is placed and in sync", Duration.ofSeconds(60), () -> {
            Topic t = moved();
            return t != null && t.getStatus() != null && Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY)
                    && t.getStatus().getPartitions().get(0).getIsr().size() == 2 ? t : null;
        });
        List<Integer> before = placed.getStatus().getPartitions().get(0).getReplicas();
        int leaving = before.get(0);
        int staying = before.get(1);
        int joining = IntStream.range(0, BROKERS).filter(b -> !before.contains(b)).findFirst().orElseThrow();
        List<Integer> target = List.of(staying, joining);
        String bootstrap = brokers.get(staying).bootstrap();

        try (Traffic traffic = new Traffic(bootstrap)) {
            traffic.awaitAcks(200);

            Path plan = work.resolve("reassignment.json");
            Files.writeString(plan, "{\"version\": 1, \"partitions\": [{\"topic\": \"" + MOVED
                    + "\", \"partition\": 0, \"replicas\": [" + staying + ", " + joining + "]}]}");
            Cli.Result execute = Cli.kafka("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", null,
                    "--bootstrap-server", bootstrap, "--reassignment-json-file", plan.toString(), "--execute").ok();
            assertThat(execute.stdout()).contains("Successfully started partition reassignment");

            Cli.Result verified = await("--verify reports the move complete", Duration.ofSeconds(90), () -> {
                Cli.Result r = Cli.kafka("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", null,
                        "--bootstrap-server", bootstrap, "--reassignment-json-file", plan.toString(), "--verify");
                return r.exitCode() == 0 && r.stdout().contains("Reassignment of partition " + MOVED + "-0 is completed")
                        ? r : null;
            });
            assertThat(verified.stdout()).doesNotContain("still in progress");

            long ackedAtTheEnd = traffic.acked();
            traffic.awaitAcks(ackedAtTheEnd + 200);
            traffic.stop();
            assertThat(traffic.failures()).as("the producer never gave up on a record").isEmpty();

            PartitionStatus after = moved().getStatus().getPartitions().get(0);
            assertThat(after.getReplicas()).containsExactlyElementsOf(target);
            assertThat(after.getLeader()).as("leadership left the broker that was removed").isEqualTo(staying);
            assertThat(after.getAddingReplicas()).isEmpty();
            assertThat(after.getRemovingReplicas()).isEmpty();

            // What a user checks: the topic's describe shows the new replicas, from every broker.
            for (int b = 0; b < BROKERS; b++) {
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        brokers.get(b).bootstrap()))) {
                    TopicDescription d = await("broker " + b + " describes the new replicas", Duration.ofSeconds(30),
                            () -> {
                                try {
                                    TopicDescription desc = admin.describeTopics(List.of(MOVED)).allTopicNames().get()
                                            .get(MOVED);
                                    return desc.partitions().get(0).replicas().stream().map(Node::id).toList()
                                            .equals(target) ? desc : null;
                                } catch (java.util.concurrent.ExecutionException notYet) {
                                    return null;
                                }
                            });
                    assertThat(d.partitions().get(0).leader().id()).isEqualTo(staying);
                    assertThat(admin.listPartitionReassignments().reassignments().get()).isEmpty();
                }
            }

            // Every acknowledged record, read back from the new replica set (the consumer follows the leader).
            List<String> read = readAll(brokers.get(joining).bootstrap(), MOVED, 1, "read_uncommitted");
            Set<String> readSet = new HashSet<>(read);
            List<String> lost = traffic.acknowledged().stream().filter(v -> !readSet.contains(v)).toList();
            assertThat(lost).as("acknowledged records missing after the move (%d acked)", traffic.acked()).isEmpty();

            // And from the joining broker's own disk: it holds the partition now.
            Path joined = brokers.get(joining).dataDir().resolve(MOVED + "-0");
            assertThat(joined).isDirectory();

            Path left = brokers.get(leaving).dataDir().resolve(MOVED + "-0");
            await("broker " + leaving + " deleted its copy of " + MOVED + "-0", Duration.ofSeconds(30),
                    () -> Files.exists(left) ? null : left);
        }
        assertThat(eventReasons(MOVED)).contains("ReassignmentStarted", "ReassignmentLeaderMoved", "ReassignmentCompleted");
    }

    @Test
    void aMoveThatCannotFinishIsListedAndCancelledAndBadTargetsGetKafkasErrors() throws Exception {
        String stuck = "stuck";
        apply("""
                apiVersion: floe.dev/v1alpha1
                kind: Topic
                metadata:
                  name: stuck
                  namespace: streaming
                  labels:
                    floe.dev/cluster: demo
                spec:
                  partitions: 1
                  replicationFactor: 2
                """);
        Topic placed = await("Topic stuck is placed and in sync", Duration.ofSeconds(60), () -> {
            Topic t = kube.resources(Topic.class).inNamespace(NS).withName(stuck).get();
            return t != null && t.getStatus() != null && Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY)
                    && t.getStatus().getPartitions().get(0).getIsr().size() == 2 ? t : null;
        });
        List<Integer> before = placed.getStatus().getPartitions().get(0).getReplicas();
        int down = IntStream.range(0, BROKERS).filter(b -> !before.contains(b)).findFirst().orElseThrow();
        String bootstrap = brokers.get(before.get(0)).bootstrap();
        TopicPartition tp = new TopicPartition(stuck, 0);

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            // Refused by the broker, with the codes Kafka's controller gives.
            assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(tp, Optional.of(
                    new NewPartitionReassignment(List.of(before.get(0), 7))))).all().get())
                    .hasCauseInstanceOf(InvalidReplicaAssignmentException.class);
            assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(tp, Optional.of(
                    new NewPartitionReassignment(List.of(down, down))))).all().get())
                    .hasCauseInstanceOf(InvalidReplicaAssignmentException.class);
            assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get())
                    .hasCauseInstanceOf(NoReassignmentInProgressException.class);
            assertThatThrownBy(() -> admin.alterPartitionReassignments(Map.of(new TopicPartition(stuck, 5),
                    Optional.of(new NewPartitionReassignment(List.of(0, 1))))).all().get())
                    .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);

            // A target on a broker that is down: the move starts, and stays in progress.
            brokers.get(down).kill();
            try {
                admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(
                        List.of(before.get(0), down))))).all().get();
                Map<TopicPartition, PartitionReassignment> ongoing = admin.listPartitionReassignments().reassignments()
                        .get();
                assertThat(ongoing).containsKey(tp);
                assertThat(ongoing.get(tp).addingReplicas()).containsExactly(down);
                assertThat(ongoing.get(tp).removingReplicas()).containsExactly(before.get(1));
                assertThat(ongoing.get(tp).replicas()).containsExactly(before.get(0), down, before.get(1));

                Cli.Result list = Cli.kafka("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", null,
                        "--bootstrap-server", bootstrap, "--list").ok();
                assertThat(list.stdout()).contains(stuck + "-0");

                Path plan = work.resolve("stuck.json");
                Files.writeString(plan, "{\"version\": 1, \"partitions\": [{\"topic\": \"" + stuck
                        + "\", \"partition\": 0, \"replicas\": [" + before.get(0) + ", " + down + "]}]}");
                // --preserve-throttles: otherwise the tool then clears throttles on every broker, the stopped one
                // included, and waits for it (against Kafka as well).
                Cli.Result cancel = Cli.kafka("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", null,
                        "--bootstrap-server", bootstrap, "--reassignment-json-file", plan.toString(), "--cancel",
                        "--preserve-throttles").ok();
                assertThat(cancel.stdout()).contains("Successfully cancelled");

                PartitionStatus back = kube.resources(Topic.class).inNamespace(NS).withName(stuck).get().getStatus()
                        .getPartitions().get(0);
                assertThat(back.getReplicas()).containsExactlyInAnyOrderElementsOf(before);
                assertThat(back.isReassigning()).isFalse();
                assertThat(admin.listPartitionReassignments().reassignments().get()).doesNotContainKey(tp);
            } finally {
                brokers.get(down).start();
            }
        }
        assertThat(eventReasons(stuck)).contains("ReassignmentStarted", "ReassignmentCancelled");
    }

    /**
     * A tiered topic whose data is mostly in the bucket moves onto a broker that never had it: the new replica copies
     * only the hot tail from the leader, leads afterwards, and serves every record, the cold ones from the bucket.
     */
    @Test
    void aTieredPartitionMovesWithoutCopyingItsColdData() throws Exception {
        String topic = "cold";
        String everyBroker = brokers.stream().map(FloeProcess::bootstrap).collect(Collectors.joining(","));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, everyBroker))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 2).configs(Map.of(
                    "remote.storage.enable", "true", "segment.bytes", "1048576", "local.retention.bytes", "2097152",
                    "min.insync.replicas", "2")))).all().get();
        }
        List<String> values = new java.util.ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            values.add("cold-" + i + "-" + "x".repeat(1000));
        }
        // About 5 MiB in 1 MiB segments, 2 MiB kept locally: most of it is only in the bucket.
        ClusterClients.produceInOrder(everyBroker, topic, values);
        Topic placed = await("Topic cold is placed", Duration.ofSeconds(30), () -> {
            Topic t = kube.resources(Topic.class).inNamespace(NS).withName(topic).get();
            return t != null && t.getStatus() != null && !t.getStatus().getPartitions().isEmpty() ? t : null;
        });
        List<Integer> before = placed.getStatus().getPartitions().get(0).getReplicas();
        int leader = placed.getStatus().getPartitions().get(0).getLeader();
        int joining = IntStream.range(0, BROKERS).filter(b -> !before.contains(b)).findFirst().orElseThrow();
        int staying = before.stream().filter(b -> b != leader).findFirst().orElseThrow();
        await("the leader uploaded and dropped its oldest local segments", Duration.ofSeconds(60),
                () -> firstLocalOffset(leader, topic) > 0 ? true : null);

        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, everyBroker))) {
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(
                    List.of(joining, staying))))).all().get();
            await("the move of " + tp + " completes", Duration.ofSeconds(90), () -> {
                PartitionStatus p = kube.resources(Topic.class).inNamespace(NS).withName(topic).get().getStatus()
                        .getPartitions().get(0);
                return !p.isReassigning() && p.getReplicas().equals(List.of(joining, staying)) ? p : null;
            });
        }
        assertThat(firstLocalOffset(joining, topic)).as("the new replica did not copy the cold data").isPositive();
        await("broker " + joining + " leads " + topic, Duration.ofSeconds(30), () -> {
            Integer l = ClusterClients.leaderOf(everyBroker, topic);
            return l != null && l == joining ? l : null;
        });
        // A broker that starts leading a tiered partition lists its remote segments on its next tiering pass; until
        // then its earliest offset is its local start (docs/tiered-storage.md).
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, everyBroker))) {
            await("the new leader reports the bucket's start as the earliest offset", Duration.ofSeconds(30), () -> {
                try {
                    long earliest = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.earliest()))
                            .partitionResult(tp).get().offset();
                    return earliest == 0 ? earliest : null;
                } catch (java.util.concurrent.ExecutionException notYet) {
                    return null;
                }
            });
        }
        assertThat(readAll(brokers.get(joining).bootstrap(), topic, 1, "read_uncommitted"))
                .as("every record, read from the new leader (the cold ones from the bucket)")
                .containsExactlyElementsOf(values);
        Path left = brokers.get(leader).dataDir().resolve(topic + "-0");
        await("broker " + leader + " deleted its copy of " + tp, Duration.ofSeconds(30),
                () -> Files.exists(left) ? null : left);
    }

    /** The base offset of broker {@code b}'s oldest local segment of partition 0, -1 with none. */
    private long firstLocalOffset(int b, String topic) throws Exception {
        try (java.util.stream.Stream<Path> files = Files.list(brokers.get(b).dataDir().resolve(topic + "-0"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log"))
                    .mapToLong(n -> Long.parseLong(n.substring(0, n.indexOf('.')))).min().orElse(-1);
        }
    }

    private Topic moved() {
        return kube.resources(Topic.class).inNamespace(NS).withName(MOVED).get();
    }

    private List<String> eventReasons(String topic) {
        return kube.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> topic.equals(e.getInvolvedObject().getName())).map(e -> e.getReason())
                .collect(Collectors.toList());
    }

    /** An idempotent acks=all producer writing to {@value #MOVED} on its own thread, remembering what was acked. */
    private static final class Traffic implements AutoCloseable {
        private final KafkaProducer<String, String> producer;
        private final Thread thread;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong acks = new AtomicLong();
        private final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

        Traffic(String bootstrap) {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
            props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            producer = new KafkaProducer<>(props);
            thread = new Thread(this::run, "traffic");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            long n = 0;
            while (running.get()) {
                String value = "value-" + n++;
                try {
                    producer.send(new ProducerRecord<>(MOVED, 0, null, value), (meta, error) -> {
                        if (error == null) {
                            acknowledged.add(value);
                            synchronized (acks) {
                                acks.incrementAndGet();
                                acks.notifyAll();
                            }
                        } else {
                            failures.add(value + ": " + error);
                        }
                    });
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    failures.add(value + ": " + e);
                }
            }
        }

        long acked() {
            return acks.get();
        }

        List<String> acknowledged() {
            return List.copyOf(acknowledged);
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        /** Parked until the producer's callbacks report {@code count} acknowledgements in all. */
        void awaitAcks(long count) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            synchronized (acks) {
                while (acks.get() < count) {
                    long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                    if (leftMs <= 0) {
                        throw new AssertionError("only " + acks.get() + " of " + count + " records acknowledged; "
                                + "failures: " + failures.stream().limit(5).toList());
                    }
                    acks.wait(leftMs);
                }
            }
        }

        /** Stops sending and waits for every record sent to be acknowledged or failed. */
        void stop() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
            producer.flush();
        }

        @Override
        public void close() throws InterruptedException {
            stop();
            producer.close(Duration.ofSeconds(10));
        }
    }
}
