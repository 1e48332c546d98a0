package dev.floe.e2e;

import dev.floe.crds.cluster.BalanceStatus;
import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Issue 12's scale-out benchmark, not a test (the name does not end in IT, so CI does not run it):
 * <pre>bench/scaleout.sh [-Dfloe.bench.mb=1024]</pre>
 * <ol>
 *   <li>Floe: two operated brokers, a 12-partition RF-2 tiered topic filled with {@code floe.bench.mb} MB of 1 KiB
 *       records, waited until only a hot tail is local; the Cluster is scaled to 3 and broker 2 started (as kubelet).
 *       Timed until broker 2 leads its share (4 partitions, from the Topic status) and a fetch from a partition it
 *       leads returns records; bytes moved are broker 2's {@code floe_replication_fetch_bytes_total}.</li>
 *   <li>Kafka: three KRaft brokers, the same topic placed on nodes 1 and 2 only, the same bytes; then the moves a
 *       balancer would make (as many of the topic's replicas as Floe's balancer put on its new broker) with
 *       {@code kafka-reassign-partitions.sh --execute} and {@code kafka-leader-election.sh} (their main classes, as
 *       processes). Timed from starting the first tool to the same two conditions; bytes moved are node 3's replica
 *       sizes (describeLogDirs).</li>
 * </ol>
 * Writes {@code target/scaleout-bench.md}.
 */
class ScaleOutBench extends OperatedCluster {
    private static final String BENCH = "history";
    private static final int PARTITIONS = 12;
    private static final int SHARE = PARTITIONS / 3;
    private static final int RECORD = 1024;
    private static final long MB = Long.getLong("floe.bench.mb", 1024);
    private static final int SEGMENT_MIB = Integer.getInteger("floe.bench.segment-mib", 2);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final StringBuilder report = new StringBuilder("# Scale-out benchmark\n\n");

    @Override
    boolean strictStatusWrites() {
        return true;
    }

    @Override
    int initialBrokers() {
        return 2;
    }

    @Override
    String extraClusterSpec() {
        return "  offsetsTopicReplicationFactor: 2\n";
    }

    @Override
    String extraClusterConfig() {
        return "    default-replication-factor: \"2\"\n";
    }

    @Override
    int topicReplicationFactor() {
        return 2;
    }

    @Override
    FloeProcess configure(FloeProcess broker) {
        return broker.jvmOptions(List.of("-Xmx1G", "-Xms1G"));
    }

    @Test
    void newBrokersShareFloeBesideKafkaReassignment() throws Exception {
        Result floe = floe();
        report.append(String.format("%d MB of 1 KiB records, 12 partitions, RF 2; Floe segment.bytes %d MiB, "
                + "local.retention.ms=0%n%n", MB, SEGMENT_MIB));
        writeRows(floe, null);
        Result kafka;
        try (KafkaCluster cluster = new KafkaCluster(work.resolve("kafka"))) {
            kafka = kafka(cluster, floe.moves());
        }
        writeRows(floe, kafka);
    }

    private Result floe() throws Exception {
        String bootstrap = brokers.get(0).bootstrap() + "," + brokers.get(1).bootstrap();
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(BENCH, PARTITIONS, (short) 2).configs(Map.of(
                    "remote.storage.enable", "true", "segment.bytes", Integer.toString(SEGMENT_MIB << 20),
                    "local.retention.ms", "0")))).all().get(30, TimeUnit.SECONDS);
            awaitLeaders(admin, 2);
        }
        fill(bootstrap);
        long total = bytesIn();
        // Sealed segments uploaded and gone from the leaders' disks: at most two segment files a partition and no
        // more than one segment's bytes a partition on average (the active segment, about half full).
        long tail = await("all but a hot tail of " + BENCH + " is only in the bucket", Duration.ofMinutes(10), () -> {
            long[] local = localOnLeaders();
            return local[0] > 0 && local[1] <= 2 && local[0] <= (long) PARTITIONS * (SEGMENT_MIB << 20)
                    ? local[0] : null;
        });

        long scaledAt = System.nanoTime();
        scaleTo(3);
        StatefulSet sts = await("the StatefulSet has 3 replicas", Duration.ofSeconds(30), () -> {
            StatefulSet s = kube.apps().statefulSets().inNamespace(NS).withName("demo-broker").get();
            return s.getSpec().getReplicas() == 3 ? s : null;
        });
        startBroker(sts, 2);
        await("3 brokers hold a live lease", Duration.ofSeconds(120), () -> {
            Cluster c = cluster();
            return c.getStatus() != null && c.getStatus().getReadyBrokers() == 3 ? c : null;
        });
        long liveAt = System.nanoTime();
        Map<Integer, Long> leads = await("broker 2 leads " + SHARE + " partitions", Duration.ofMinutes(5), () -> {
            Map<Integer, Long> l = leaders();
            return l.getOrDefault(2, 0L) >= SHARE ? l : null;
        });
        int led = history().getStatus().getPartitions().stream().filter(p -> p.getLeader() == 2)
                .mapToInt(PartitionStatus::getPartition).findFirst().orElseThrow();
        awaitFetch(brokers.get(2).bootstrap(), led, 2);
        long servedAt = System.nanoTime();
        System.out.printf("ScaleOutBench: Floe leaders %s%n", leads);

        BalanceStatus balance = await("the balancing round ends", Duration.ofMinutes(5), () -> {
            BalanceStatus b = cluster().getStatus().getBalance();
            return b != null && b.getBrokers() == 3 && "Balanced".equals(b.getState()) ? b : null;
        });
        long moved = (long) metric(2, "floe_replication_fetch_bytes_total{topic=\"" + BENCH + "\"");
        // status.balance counts every topic's moves (internal ones too): the moves of this topic are its
        // replicas now on broker 2.
        int moves = (int) history().getStatus().getPartitions().stream().filter(p -> p.getReplicas().contains(2))
                .count();
        System.out.printf("ScaleOutBench: the balancer moved %d partitions in all, %d of %s%n",
                balance.getPartitionsMoved(), moves, BENCH);
        return new Result(seconds(servedAt - scaledAt), seconds(servedAt - liveAt), moved, total, tail, moves);
    }

    private Result kafka(KafkaCluster cluster, int floeMoves) throws Exception {
        String bootstrap = cluster.bootstrap();
        Map<Integer, List<Integer>> placement = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            placement.put(p, p % 2 == 0 ? List.of(1, 2) : List.of(2, 1));
        }
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(BENCH, placement).configs(Map.of(
                    "segment.bytes", Integer.toString(SEGMENT_MIB << 20))))).all().get(30, TimeUnit.SECONDS);
            awaitLeaders(admin, 2);
            fill(bootstrap);
            long total = replicaBytes(admin, 1) + replicaBytes(admin, 2);
            total /= 2;

            // The moves a balancer makes for node 3: as many of this topic's replicas as Floe's balancer put on its
            // new broker (a fair share is 8 of 24), spread over the partitions; the first SHARE make node 3 the
            // preferred leader.
            int moves = Math.max(SHARE, Math.min(PARTITIONS, floeMoves));
            StringBuilder json = new StringBuilder("{\"version\": 1, \"partitions\": [");
            List<Integer> toLead = new ArrayList<>();
            for (int j = 0; j < moves; j++) {
                int p = j * PARTITIONS / moves;
                List<Integer> old = placement.get(p);
                List<Integer> target = j < SHARE ? List.of(3, old.get(1)) : List.of(old.get(0), 3);
                if (j < SHARE) {
                    toLead.add(p);
                }
                json.append(j == 0 ? "" : ", ").append("{\"topic\": \"").append(BENCH).append("\", \"partition\": ")
                        .append(p).append(", \"replicas\": ").append(target).append("}");
            }
            Path plan = Files.writeString(work.resolve("kafka-reassignment.json"), json.append("]}").toString());
            // What a Kafka user runs: kafka-reassign-partitions.sh --execute (no --throttle, the tool's default),
            // then kafka-leader-election.sh for the new preferred leaders. The tools' own JVM starts are in the time.
            long submittedAt = System.nanoTime();
            Cli.Result execute = Cli.kafka("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", null,
                    "--bootstrap-server", bootstrap, "--reassignment-json-file", plan.toString(), "--execute").ok();
            if (!execute.stdout().contains("Successfully started partition reassignment")) {
                throw new AssertionError("kafka-reassign-partitions --execute: " + execute.all());
            }
            await("the reassignment completes", Duration.ofMinutes(10), () ->
                    admin.listPartitionReassignments().reassignments().get().isEmpty() ? true : null);
            Path election = Files.writeString(work.resolve("kafka-election.json"), "{\"partitions\": ["
                    + toLead.stream().map(p -> "{\"topic\": \"" + BENCH + "\", \"partition\": " + p + "}")
                    .collect(Collectors.joining(", ")) + "]}");
            Cli.kafka("org.apache.kafka.tools.LeaderElectionCommand", null, "--bootstrap-server", bootstrap,
                    "--election-type", "PREFERRED", "--path-to-json-file", election.toString()).ok();
            await("node 3 leads " + SHARE + " partitions", Duration.ofMinutes(5), () -> {
                var d = admin.describeTopics(List.of(BENCH)).allTopicNames().get().get(BENCH);
                return d.partitions().stream().filter(p -> p.leader() != null && p.leader().id() == 3).count()
                        >= SHARE ? d : null;
            });
            awaitFetch(cluster.bootstrap(3), toLead.get(0), 3);
            long servedAt = System.nanoTime();
            return new Result(seconds(servedAt - submittedAt), Double.NaN, replicaBytes(admin, 3), total, total,
                    moves);
        }
    }

    /** Bytes of {@value #BENCH}'s replicas on one Kafka node, from its log directories. */
    private static long replicaBytes(Admin admin, int node) throws Exception {
        return admin.describeLogDirs(List.of(node)).allDescriptions().get().get(node).values().stream()
                .flatMap(d -> d.replicaInfos().entrySet().stream())
                .filter(e -> e.getKey().topic().equals(BENCH)).mapToLong(e -> e.getValue().size()).sum();
    }

    private record Result(double fromScale, double fromLive, long moved, long total, long localAtScale, int moves) {
        double movedPercent() {
            return 100.0 * moved / total;
        }
    }

    private void writeRows(Result floe, Result kafka) throws Exception {
        StringBuilder out = new StringBuilder(report)
                .append("| | seconds from the scale / reassignment | seconds from the new broker live "
                        + "| bytes moved | % of the topic | topic bytes | local bytes on leaders at the scale "
                        + "| replicas moved to the new broker |\n|---|---|---|---|---|---|---|---|\n")
                .append(row("Floe (scale 2 to 3, balancer)", floe));
        if (kafka != null) {
            out.append(row("Kafka (reassignment + preferred election)", kafka))
                    .append(String.format("%nFloe/Kafka: time %.2f, bytes moved %.4f%n",
                            floe.fromScale() / kafka.fromScale(), (double) floe.moved() / kafka.moved()));
        }
        Files.writeString(Path.of("target", "scaleout-bench.md"), out);
        System.out.println(out);
    }

    private static String row(String what, Result r) {
        return String.format("| %s | %.1f | %s | %d | %.2f | %d | %d | %d |%n", what, r.fromScale(),
                Double.isNaN(r.fromLive()) ? "(already live)" : String.format("%.1f", r.fromLive()), r.moved(),
                r.movedPercent(), r.total(), r.localAtScale(), r.moves());
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** {@code MB} MB of 1 KiB records round-robin over the partitions, acks=1, as fast as the cluster takes them. */
    private static void fill(String bootstrap) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(128L << 20));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        byte[] value = new byte[RECORD];
        long records = MB * (1 << 20) / RECORD;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            Future<?> last = null;
            List<Future<?>> window = new ArrayList<>();
            for (long i = 0; i < records; i++) {
                last = producer.send(new ProducerRecord<>(BENCH, (int) (i % PARTITIONS), null, value));
                if (i % 10_000 == 0) {
                    window.add(last);
                }
            }
            producer.flush();
            for (Future<?> f : window) {
                f.get(); // a failed send surfaces here rather than passing unnoticed
            }
            if (last != null) {
                last.get();
            }
        }
    }

    /** A consumer bootstrapped on the new broker reads records from a partition it leads. */
    private void awaitFetch(String bootstrap, int partition, int leader) throws Exception {
        TopicPartition tp = new TopicPartition(BENCH, partition);
        try (Admin admin = admin(bootstrap)) {
            await("the new broker's Metadata names it leader of " + tp, Duration.ofMinutes(2), () -> {
                try {
                    var d = admin.describeTopics(List.of(BENCH)).allTopicNames().get().get(BENCH);
                    var p = d.partitions().get(partition);
                    return p.leader() != null && p.leader().id() == leader ? p : null;
                } catch (ExecutionException notYet) {
                    return null;
                }
            });
        }
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            consumer.seek(tp, Math.max(0, end - 100));
            await("a fetch from " + tp + " returns records", Duration.ofMinutes(2), () ->
                    consumer.poll(Duration.ofMillis(200)).isEmpty() ? null : true);
        }
    }

    private void awaitLeaders(Admin admin, int replicas) throws Exception {
        await(BENCH + " has leaders", Duration.ofSeconds(60), () -> {
            try {
                var d = admin.describeTopics(List.of(BENCH)).allTopicNames().get().get(BENCH);
                return d.partitions().stream().allMatch(p -> p.leader() != null && p.isr().size() == replicas)
                        ? d : null;
            } catch (ExecutionException notYet) {
                return null;
            }
        });
    }

    private long bytesIn() throws Exception {
        long sum = 0;
        for (int b = 0; b < brokers.size(); b++) {
            sum += (long) Math.max(0, metric(b, "floe_topic_bytes_in_bytes_total{topic=\"" + BENCH + "\""));
        }
        return sum;
    }

    /** Bytes of the local segment files the partitions' leaders hold now (the hot tail), and the most files of one. */
    private long[] localOnLeaders() throws Exception {
        long sum = 0;
        long most = 0;
        for (PartitionStatus p : history().getStatus().getPartitions()) {
            Path dir = brokers.get(p.getLeader()).dataDir().resolve(BENCH + "-" + p.getPartition());
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> logs = files.filter(f -> f.getFileName().toString().endsWith(".log")).toList();
                most = Math.max(most, logs.size());
                for (Path f : logs) {
                    try {
                        sum += Files.size(f);
                    } catch (java.nio.file.NoSuchFileException uploadedMeanwhile) {
                        // the tiering pass deleted it between the listing and now
                    }
                }
            }
        }
        return new long[] {sum, most};
    }

    private Topic history() {
        return kube.resources(Topic.class).inNamespace(NS).list().getItems().stream()
                .filter(t -> BENCH.equals(t.topicName())).findFirst().orElseThrow();
    }

    private Map<Integer, Long> leaders() {
        return history().getStatus().getPartitions().stream().filter(p -> p.getLeader() >= 0)
                .collect(Collectors.groupingBy(PartitionStatus::getLeader, TreeMap::new, Collectors.counting()));
    }

    private double metric(int b, String prefix) throws Exception {
        // HTTP/1.1: the JDK client's default h2c upgrade attempt hung on this endpoint (ScaleOutIT).
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + brokers.get(b).httpPort() + "/q/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return response.body().lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private Cluster cluster() {
        return kube.resources(Cluster.class).inNamespace(NS).withName("demo").get();
    }

    private void scaleTo(int replicas) {
        // A replace guarded by resourceVersion: the mock API server hangs on some PATCHes of custom resources.
        for (int attempt = 0; ; attempt++) {
            Cluster c = cluster();
            c.getSpec().setReplicas(replicas);
            try {
                kube.resource(c).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt > 10) {
                    throw e;
                }
            }
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000", AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                "10000"));
    }
}
