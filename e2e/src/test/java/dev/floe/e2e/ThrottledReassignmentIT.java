package dev.floe.e2e;

import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.floe.e2e.ClusterClients.readAll;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Moves are throttled so they never take the bandwidth clients need: a partition of about 8 MB moved with
 * {@code kafka-reassign-partitions.sh --throttle 500000} takes at least as long as its bytes at 500 kB/s (it copies
 * in well under a second unthrottled), the brokers describe the throttle while it is in force, and {@code --verify}
 * removes it once the move is done. A move the operator runs itself is held to the Cluster's
 * {@code spec.config replication.throttled-rate} with no one listing its replicas, and a joining broker with only a
 * follower rate holds its own copy to it. Every record is read back after each move.
 */
class ThrottledReassignmentIT extends OperatedCluster {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String TOOL = "org.apache.kafka.tools.reassign.ReassignPartitionsCommand";
    /** The Cluster-wide rate the operator's own moves are held to. */
    private static final long STATIC_RATE = 1_000_000;
    private static final int RECORDS = 8_000;

    @Override
    String extraClusterConfig() {
        return "    replication.throttled-rate: \"" + STATIC_RATE + "\"\n";
    }

    @Test
    void theReassignToolsThrottleHoldsTheCopyToItsRateAndVerifyRemovesIt() throws Exception {
        long rate = 500_000;
        Move move = placeAndFill("tool-throttled");
        Path plan = work.resolve("throttled.json");
        Files.writeString(plan, "{\"version\": 1, \"partitions\": [{\"topic\": \"" + move.topic
                + "\", \"partition\": 0, \"replicas\": [" + move.staying + ", " + move.joining + "]}]}");
        long started = System.nanoTime();
        Cli.Result execute = Cli.kafka(TOOL, null, "--bootstrap-server", move.bootstrap, "--reassignment-json-file",
                plan.toString(), "--execute", "--throttle", Long.toString(rate)).ok();
        assertThat(execute.stdout()).contains("Successfully started partition reassignment");

        // While the move runs, the leader says what it is held to, as kafka-configs --describe shows it.
        assertThat(dynamicConfig(move.bootstrap, move.leader, "leader.replication.throttled.rate"))
                .isEqualTo(Long.toString(rate));

        Cli.Result verified = await("--verify reports the move complete", Duration.ofSeconds(120), () -> {
            Cli.Result r = Cli.kafka(TOOL, null, "--bootstrap-server", move.bootstrap, "--reassignment-json-file",
                    plan.toString(), "--verify");
            return r.exitCode() == 0 && r.stdout().contains("Reassignment of partition " + move.topic
                    + "-0 is completed") ? r : null;
        });
        double seconds = (System.nanoTime() - started) / 1e9;
        double copied = metric(move.joining, "floe_replication_fetch_bytes_total{topic=\"" + move.topic + "\"");
        System.out.printf("%s: %.0f bytes copied in %.1f s under a %d bytes/s throttle%n", move.topic, copied, seconds,
                rate);
        assertThat(copied).as("the new replica copied the partition").isGreaterThanOrEqualTo(move.bytes);
        // The bucket holds one second of the rate; everything past it moves at the rate at most.
        assertThat(seconds).as("%.0f bytes at %d bytes/s", copied, rate)
                .isGreaterThanOrEqualTo((copied - 2.0 * rate) / rate);
        assertThat(metric(move.leader, "floe_replication_throttled_bytes_total{side=\"leader\""))
                .as("the leader counted what went through its throttle").isPositive();

        assertThat(verified.stdout()).contains("Clearing broker-level throttles on brokers");
        assertThat(dynamicConfig(move.bootstrap, move.leader, "leader.replication.throttled.rate")).isNull();
        assertThat(readAll(move.bootstrap, move.topic, 1, "read_uncommitted")).containsExactlyElementsOf(move.values);
    }

    @Test
    void aMoveTheOperatorRunsIsHeldToTheClustersRate() throws Exception {
        Move move = placeAndFill("operator-throttled");
        TopicPartition tp = new TopicPartition(move.topic, 0);
        long started = System.nanoTime();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, move.bootstrap))) {
            // The Admin call alone, no --throttle: nothing lists the replicas, the Cluster's rate applies to the one
            // being added.
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(
                    List.of(move.staying, move.joining))))).all().get();
        }
        await("the move of " + tp + " completes", Duration.ofSeconds(120), () -> {
            PartitionStatus p = kube.resources(Topic.class).inNamespace(NS).withName(move.topic).get().getStatus()
                    .getPartitions().get(0);
            return !p.isReassigning() && p.getReplicas().equals(List.of(move.staying, move.joining)) ? p : null;
        });
        double seconds = (System.nanoTime() - started) / 1e9;
        double copied = metric(move.joining, "floe_replication_fetch_bytes_total{topic=\"" + move.topic + "\"");
        System.out.printf("%s: %.0f bytes copied in %.1f s under a %d bytes/s throttle%n", move.topic, copied, seconds,
                STATIC_RATE);
        assertThat(copied).isGreaterThanOrEqualTo(move.bytes);
        assertThat(seconds).as("%.0f bytes at %d bytes/s", copied, STATIC_RATE)
                .isGreaterThanOrEqualTo((copied - 2.0 * STATIC_RATE) / STATIC_RATE);
        assertThat(readAll(move.bootstrap, move.topic, 1, "read_uncommitted")).containsExactlyElementsOf(move.values);
    }

    @Test
    void theReplicaBeingAddedHoldsItsOwnCopyToItsFollowerRate() throws Exception {
        long rate = 500_000;
        Move move = placeAndFill("follower-throttled");
        TopicPartition tp = new TopicPartition(move.topic, 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, move.bootstrap))) {
            // The leader lets the copy go at full speed; only the joining broker holds itself back.
            setBrokerConfig(admin, move.leader, "leader.replication.throttled.rate", "1000000000");
            setBrokerConfig(admin, move.joining, "follower.replication.throttled.rate", Long.toString(rate));
            long started = System.nanoTime();
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(
                    List.of(move.staying, move.joining))))).all().get();
            await("the move of " + tp + " completes", Duration.ofSeconds(120), () -> {
                PartitionStatus p = kube.resources(Topic.class).inNamespace(NS).withName(move.topic).get().getStatus()
                        .getPartitions().get(0);
                return !p.isReassigning() && p.getReplicas().equals(List.of(move.staying, move.joining)) ? p : null;
            });
            double seconds = (System.nanoTime() - started) / 1e9;
            double copied = metric(move.joining, "floe_replication_fetch_bytes_total{topic=\"" + move.topic + "\"");
            System.out.printf("%s: %.0f bytes copied in %.1f s under a %d bytes/s follower throttle%n", move.topic,
                    copied, seconds, rate);
            assertThat(copied).isGreaterThanOrEqualTo(move.bytes);
            assertThat(seconds).as("%.0f bytes at %d bytes/s", copied, rate)
                    .isGreaterThanOrEqualTo((copied - 2.0 * rate) / rate);
            assertThat(metric(move.joining, "floe_replication_throttled_bytes_total{side=\"follower\""))
                    .as("the follower counted what went through its throttle").isPositive();
            for (int b : List.of(move.leader, move.joining)) {
                admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.BROKER,
                        Integer.toString(b)), List.of(
                        new AlterConfigOp(new ConfigEntry("leader.replication.throttled.rate", ""),
                                AlterConfigOp.OpType.DELETE),
                        new AlterConfigOp(new ConfigEntry("follower.replication.throttled.rate", ""),
                                AlterConfigOp.OpType.DELETE)))).all().get();
            }
        }
        assertThat(readAll(move.bootstrap, move.topic, 1, "read_uncommitted")).containsExactlyElementsOf(move.values);
    }

    private static void setBrokerConfig(Admin admin, int broker, String name, String value) throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(broker)),
                List.of(new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET)))).all().get();
    }

    private record Move(String topic, String bootstrap, int leader, int staying, int joining, List<String> values,
                        long bytes) {
    }

    /** An RF-2 topic of one partition holding about 8 MB, and the move that swaps its leader for a third broker. */
    private Move placeAndFill(String topic) throws Exception {
        String everyBroker = brokers.stream().map(FloeProcess::bootstrap).collect(Collectors.joining(","));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, everyBroker))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 2))).all().get();
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            values.add(topic + "-" + i + "-" + "x".repeat(1000));
        }
        ClusterClients.produceInOrder(everyBroker, topic, values);
        Topic placed = await("Topic " + topic + " is placed and in sync", Duration.ofSeconds(60), () -> {
            Topic t = kube.resources(Topic.class).inNamespace(NS).withName(topic).get();
            return t != null && t.getStatus() != null && !t.getStatus().getPartitions().isEmpty()
                    && t.getStatus().getPartitions().get(0).getIsr().size() == 2 ? t : null;
        });
        PartitionStatus p = placed.getStatus().getPartitions().get(0);
        int leader = p.getLeader();
        int staying = p.getReplicas().stream().filter(b -> b != leader).findFirst().orElseThrow();
        int joining = IntStream.range(0, BROKERS).filter(b -> !p.getReplicas().contains(b)).findFirst().orElseThrow();
        long bytes;
        try (var files = Files.list(brokers.get(leader).dataDir().resolve(topic + "-0"))) {
            bytes = files.filter(f -> f.toString().endsWith(".log")).mapToLong(f -> f.toFile().length()).sum();
        }
        assertThat(bytes).as("the partition holds what was produced").isGreaterThan(RECORDS * 1000L);
        return new Move(topic, everyBroker, leader, staying, joining, values, bytes);
    }

    /** A broker's dynamic config value as the Admin client describes it, null when not set dynamically. */
    private static String dynamicConfig(String bootstrap, int broker, String name) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(broker));
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            ConfigEntry entry = config.get(name);
            return entry == null || entry.source() != ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG ? null
                    : entry.value();
        }
    }

    private double metric(int b, String prefix) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + brokers.get(b).httpPort() + "/q/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return response.body().lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
