package dev.floe.e2e;

import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Replication between three packaged brokers in cluster mode, against fabric8's mock API server. The test is the
 * controller: it writes Topic.status itself (replicas, leader, leader epoch, in-sync set), as the operator would,
 * and watches what the brokers do: followers copy the leader's batches, the high watermark moves, acks=all waits
 * for the in-sync set, a hung follower (SIGSTOP) leaves the in-sync set and comes back (SIGCONT), and a deposed
 * leader cuts the records only it had once the controller moved leadership.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicationIT {
    private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    static final String NS = "replication";
    static final String TOPIC = "ledger";
    static final String QUORUM = "quorum";
    static final String FORWARDED = "forwarded";
    static final int BROKERS = 3;
    static final String WIDE = "wide";
    static final int WIDE_PARTITIONS = 50;
    static final long LAG_MS = 3_000;

    Path work;
    KubernetesMockServer api;
    KubernetesClient kube;
    final List<FloeProcess> brokers = new ArrayList<>();

    @BeforeAll
    void startThreeBrokers() throws Exception {
        work = Files.createTempDirectory(Path.of("target"), "replication-");
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), true);
        api.init(InetAddress.getByName("127.0.0.1"), 0);
        kube = api.createClient();
        String apiUrl = kube.getMasterUrl().toString();
        try (Stream<Path> crds = Files.list(Path.of(System.getProperty("floe.crds.dir", "../crds/generated")))) {
            for (Path crd : crds.sorted().toList()) {
                kube.load(Files.newInputStream(crd)).create();
            }
        }
        apply("""
                apiVersion: floe.dev/v1alpha1
                kind: Cluster
                metadata:
                  name: demo
                  namespace: replication
                spec:
                  replicas: 3
                """);
        // What the operator would have placed before the brokers start: the offsets topic (one replica here).
        createTopic("consumer-offsets", "__consumer_offsets", 1, List.of(new PartitionStatus(0, List.of(0), 0, 0,
                List.of(0))), Map.of("retention.ms", "-1"));
        // And __transaction_state, which a broker in cluster mode awaits at start (one replica here too).
        createTopic("transaction-state", "__transaction_state", 1, List.of(new PartitionStatus(0, List.of(0), 0, 0,
                List.of(0))), Map.of("cleanup.policy", "compact"));
        // The topic under test: three replicas, broker 0 leads in epoch 1, everybody in sync.
        createTopic(TOPIC, TOPIC, 1, List.of(new PartitionStatus(0, List.of(0, 1, 2), 0, 1, List.of(0, 1, 2))),
                Map.of("min.insync.replicas", "2"));
        // A second three-replica topic, led by broker 0, for the test that stops two of its replicas.
        createTopic(QUORUM, QUORUM, 1, List.of(new PartitionStatus(0, List.of(0, 1, 2), 0, 1, List.of(0, 1, 2))),
                Map.of("min.insync.replicas", "2"));
        // One led by broker 2 alone, for HTTP requests sent to the other brokers.
        createTopic(FORWARDED, FORWARDED, 1, List.of(new PartitionStatus(0, List.of(2), 2, 1, List.of(2))), Map.of());
        // Many partitions led by broker 0 and followed by broker 1, for the follower's fetch session (50, not more:
        // the tests that stop brokers make the leader shrink and expand each one's in-sync set, a status write each).
        List<PartitionStatus> wide = new ArrayList<>();
        for (int p = 0; p < WIDE_PARTITIONS; p++) {
            wide.add(new PartitionStatus(p, List.of(0, 1), 0, 1, List.of(0, 1)));
        }
        createTopic(WIDE, WIDE, WIDE_PARTITIONS, wide, Map.of());
        // And one with a single replica: it must behave as before replication (high watermark = log end).
        createTopic("single", "single", 1, List.of(new PartitionStatus(0, List.of(1), 1, 0, List.of(1))), Map.of());

        // One after another: three JVMs starting at once on a shared two-core machine starve the API server.
        for (int ordinal = 0; ordinal < BROKERS; ordinal++) {
            Path podDir = Files.createDirectories(work.resolve("demo-broker-" + ordinal));
            Map<String, String> env = new LinkedHashMap<>();
            env.put("FLOE_CLUSTER_MODE", "kubernetes");
            env.put("FLOE_CLUSTER_NAME", "demo");
            env.put("FLOE_CLUSTER_NAMESPACE", NS);
            env.put("FLOE_POD_NAME", "demo-broker-" + ordinal);
            env.put("FLOE_REPLICATION_LAG_TIME_MAX_MS", Long.toString(LAG_MS));
            // API calls time out at a third of the lease: on a busy test machine 5 s is too short to start.
            env.put("FLOE_CLUSTER_LEASE_DURATION_SECONDS", "45");
            env.put("KUBERNETES_MASTER", apiUrl);
            env.put("KUBERNETES_TRUST_CERTIFICATES", "true");
            env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
            env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
            FloeProcess broker = new FloeProcess(podDir, env);
            brokers.add(broker);
            broker.start();
        }
    }

    @AfterAll
    void stopEverything() throws Exception {
        try {
            for (FloeProcess b : brokers) {
                b.signal("CONT");
            }
            FloeProcess.closeAll(brokers);
        } finally {
            if (kube != null) {
                kube.close();
            }
            if (api != null) {
                api.destroy();
            }
        }
    }

    @Test
    void aSingleReplicaTopicCommitsOnTheLeadersAppend() throws Exception {
        List<String> values = values("single", 20);
        produce(brokers.get(1), "all", values, "single");
        assertThat(consume(brokers.get(1), "single", 20)).containsExactlyElementsOf(values);
        assertThat(metric(1, "floe_replication_high_watermark{partition=\"0\",topic=\"single\"")).isEqualTo(20);
    }

    /**
     * Open issue 10, item "Fetch sessions (KIP-227)", for followers: broker 1 follows the 50 partitions of
     * {@value #WIDE} from broker 0 on one incremental fetch session, so while only partition 0 is produced to, its
     * fetches name that partition (when it moved), not all 200 every round, and it still copies every record.
     */
    @Test
    void aFollowerOfManyPartitionsNamesOnlyThoseThatChangedInItsFetches() throws Exception {
        await("broker 0 holds a fetch session with the " + WIDE_PARTITIONS + " partitions broker 1 follows",
                () -> metric(0, "floe_fetch_sessions_partitions_cached ") >= WIDE_PARTITIONS ? true : null);
        double fetchesBefore = metric(0, "floe_fetch_sessions_incremental_fetches_total ");
        double namedBefore = metric(0, "floe_fetch_sessions_incremental_partitions_total ");
        List<String> values = values(WIDE, 20);
        for (String v : values) {
            // acks=all, one at a time: each is acknowledged only after a follower fetch from past it.
            produceOnce(brokers.get(0), "all", v, WIDE);
        }
        double fetches = metric(0, "floe_fetch_sessions_incremental_fetches_total ") - fetchesBefore;
        double named = metric(0, "floe_fetch_sessions_incremental_partitions_total ") - namedBefore;
        assertThat(fetches).as("incremental fetches while producing").isGreaterThanOrEqualTo(values.size());
        // Full fetches would name all 50 (and more) each; incremental ones name the partition that moved, if any.
        assertThat(named).as("partitions named by %s incremental fetches", fetches).isLessThanOrEqualTo(2 * fetches);
        assertThat(logValues(1, WIDE)).containsExactlyElementsOf(values);
    }

    @Test
    void httpRequestsToBrokersThatDoNotLeadThePartitionReachItsLeader() throws Exception {
        HttpResponse<String> produced = http(0, HttpRequest.newBuilder(httpUri(0, "/v1/topics/" + FORWARDED + "/records"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"records\": [{\"key\": \"k\", \"value\": \"sent-to-0\"}, "
                        + "{\"key\": \"k\", \"value\": \"also-sent-to-0\"}]}")));
        assertThat(produced.statusCode()).as(produced.body()).isEqualTo(200);
        assertThat(produced.body()).contains("\"offset\":0").contains("\"offset\":1").doesNotContain("error");
        assertThat(logValues(2, FORWARDED)).as("the leader, broker 2, appended them")
                .containsExactly("sent-to-0", "also-sent-to-0");

        HttpResponse<String> read = http(1, HttpRequest.newBuilder(
                httpUri(1, "/v1/topics/" + FORWARDED + "/partitions/0/records?offset=0&limit=10")).GET());
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(read.body()).contains("sent-to-0").contains("also-sent-to-0");
    }

    private URI httpUri(int b, String path) {
        return URI.create("http://127.0.0.1:" + brokers.get(b).httpPort() + path);
    }

    private static HttpResponse<String> http(int b, HttpRequest.Builder request) throws Exception {
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withTwoOfThreeReplicasStoppedAcksAllIsRefusedAndAcksOneWorksAndNothingAckedIsLost() throws Exception {
        List<String> acked = new ArrayList<>(values("before", 20));
        produce(brokers.get(0), "all", acked, QUORUM);

        brokers.get(1).signal("STOP");
        brokers.get(2).signal("STOP");
        try {
            // One acks=1 record gives the leader something the stopped followers never fetch; after
            // replica.lag.time.max.ms it drops them from the in-sync set and writes that to Topic.status.
            List<String> nudge = List.of("nudge");
            produce(brokers.get(0), "1", nudge, QUORUM);
            acked.addAll(nudge);
            await("the leader shrank the in-sync set to itself",
                    () -> new HashSet<>(partitionStatus(QUORUM).getIsr()).equals(Set.of(0)) ? true : null);

            assertThatThrownBy(() -> produceOnce(brokers.get(0), "all", "refused", QUORUM))
                    .as("acks=all with one in-sync replica and min.insync.replicas=2")
                    .hasRootCauseInstanceOf(NotEnoughReplicasException.class);

            List<String> single = values("acks1", 10);
            produce(brokers.get(0), "1", single, QUORUM);
            acked.addAll(single);
        } finally {
            brokers.get(1).signal("CONT");
            brokers.get(2).signal("CONT");
        }

        await("both followers are back in the in-sync set",
                () -> partitionStatus(QUORUM).getIsr().size() == 3 ? true : null);
        for (int b = 1; b < BROKERS; b++) {
            int broker = b;
            await("broker " + b + " copied every acknowledged record",
                    () -> logValues(broker, QUORUM).equals(acked) ? true : null);
        }
        assertThat(logValues(0, QUORUM)).as("the refused record was never appended").isEqualTo(acked);
        assertThat(consume(brokers.get(0), QUORUM, acked.size()))
                .as("every acknowledged record exactly once, in order").containsExactlyElementsOf(acked);
        produceOnce(brokers.get(0), "all", "after", QUORUM);
    }

    @Test
    void followersCopyTheLeaderLagAndReturnAndADeposedLeaderCutsItsDivergentTail() throws Exception {
        // 1. acks=all: every acknowledged record is in all three logs, the high watermark reaches every broker.
        List<String> first = values("first", 200);
        produce(brokers.get(0), "all", first);
        for (int b = 0; b < BROKERS; b++) {
            int broker = b;
            await("broker " + b + " has every record in its log", () -> logValues(broker).equals(first) ? true : null);
            await("broker " + b + " knows the high watermark", () -> highWatermark(broker) == 200 ? true : null);
        }
        assertThat(consume(brokers.get(0), 200)).containsExactlyElementsOf(first);

        // 2. A hung follower leaves the in-sync set after replica.lag.time.max.ms; acks=all goes on with two.
        brokers.get(2).signal("STOP");
        List<String> second = values("second", 50);
        produce(brokers.get(0), "all", second);
        assertThat(isr()).as("acks=all was answered once the leader wrote the shrink to Topic.status")
                .containsExactlyInAnyOrder(0, 1);
        assertThat(metric(0, "floe_replication_under_replicated")).isEqualTo(1);
        brokers.get(2).signal("CONT");
        await("the follower is back in the in-sync set", () -> isr().size() == 3 ? true : null);
        List<String> expected = new ArrayList<>(first);
        expected.addAll(second);
        await("the returned follower caught up", () -> logValues(2).equals(expected) ? true : null);
        assertThat(metric(0, "floe_replication_isr_shrinks_total")).isGreaterThanOrEqualTo(1);
        assertThat(metric(0, "floe_replication_isr_expands_total")).isGreaterThanOrEqualTo(1);

        // 3. Records only the leader gets (followers hung, acks=1), then the leader hangs and the controller
        //    moves leadership to broker 1 in epoch 2: those records were never committed and must go.
        brokers.get(1).signal("STOP");
        brokers.get(2).signal("STOP");
        // A fetch a follower sent before it was stopped is still parked at the leader and would carry the next
        // records into the stopped follower's socket. One record (which may or may not reach them) and a pause
        // longer than the follower fetch wait (500 ms) let those fetches finish; after that nothing reaches them.
        produce(brokers.get(0), "1", List.of("absorbed"));
        Thread.sleep(1_500);
        List<String> divergent = values("divergent", 5);
        produce(brokers.get(0), "1", divergent);
        assertThat(logValues(0)).endsWith(divergent.toArray(String[]::new));
        brokers.get(0).signal("STOP");
        brokers.get(1).signal("CONT");
        brokers.get(2).signal("CONT");
        editStatus(p -> {
            p.setLeader(1);
            p.setLeaderEpoch(2);
            p.setIsr(new ArrayList<>(List.of(1, 2)));
        });
        // Broker 1 leads "single" already; leading the ledger too makes two.
        await("broker 1 leads", () -> metric(1, "floe_replication_leader_partitions") == 2 ? true : null);
        List<String> third = values("third", 30);
        produce(brokers.get(1), "all", third);
        List<String> agreed = logValues(1);
        assertThat(agreed).as("the new leader has what was committed, then its own records")
                .startsWith(expected.toArray(String[]::new)).endsWith(third.toArray(String[]::new))
                .doesNotContainAnyElementsOf(divergent);
        await("broker 2 follows the new leader", () -> logValues(2).equals(agreed) ? true : null);

        brokers.get(0).signal("CONT");
        await("the old leader cut its divergent tail and copied the new leader's records",
                () -> logValues(0).equals(agreed) ? true : null);
        await("the old leader rejoined the in-sync set", () -> isr().size() == 3 ? true : null);
        assertThat(partitionStatus().getLeaderEpoch()).isEqualTo(2);
        assertThat(brokers.get(0).logText()).contains("cut the divergent tail at " + (agreed.size() - third.size()));
        assertThat(consume(brokers.get(1), agreed.size())).containsExactlyElementsOf(agreed);
    }

    private static List<String> values(String prefix, int count) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            values.add(prefix + "-" + i);
        }
        return values;
    }

    private void produce(FloeProcess broker, String acks, List<String> values) throws Exception {
        produce(broker, acks, values, TOPIC);
    }

    private void produce(FloeProcess broker, String acks, List<String> values, String topic) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, acks);
        // Not idempotent: InitProducerId may go to any broker, and one of them is hung on purpose here.
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            List<Future<?>> acked = new ArrayList<>();
            for (String v : values) {
                acked.add(producer.send(new ProducerRecord<>(topic, 0, v, v)));
            }
            for (Future<?> f : acked) {
                f.get();
            }
        }
    }

    /** One record, no retries: the broker's answer to this one request is the outcome. */
    private void produceOnce(FloeProcess broker, String acks, String value, String topic) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, acks);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.RETRIES_CONFIG, "0");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(topic, 0, value, value)).get();
        }
    }

    private List<String> consume(FloeProcess broker, int count) {
        return consume(broker, TOPIC, count);
    }

    private List<String> consume(FloeProcess broker, String topic, int count) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (values.size() < count && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }

    /** Every record value in broker {@code b}'s log files for the partition, read with Kafka's own classes. */
    private List<String> logValues(int b) throws Exception {
        return logValues(b, TOPIC);
    }

    private List<String> logValues(int b, String topic) throws Exception {
        Path dir = brokers.get(b).dataDir().resolve(topic + "-0");
        List<String> values = new ArrayList<>();
        List<Path> segments;
        try (Stream<Path> files = Files.list(dir)) {
            segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        for (Path segment : segments) {
            try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
                for (RecordBatch batch : records.batches()) {
                    batch.ensureValid();
                    for (Record r : batch) {
                        values.add(StandardCharsets.UTF_8.decode(r.value()).toString());
                    }
                }
            }
        }
        return values;
    }

    private long highWatermark(int b) throws Exception {
        return (long) metric(b, "floe_replication_high_watermark{partition=\"0\",topic=\"" + TOPIC + "\"");
    }

    /** A value from broker {@code b}'s Prometheus endpoint: the first line starting with {@code prefix}. */
    private double metric(int b, String prefix) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + brokers.get(b).httpPort() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body().lines().filter(l -> l.startsWith(prefix))
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1.0);
    }

    private PartitionStatus partitionStatus() {
        return partitionStatus(TOPIC);
    }

    private PartitionStatus partitionStatus(String object) {
        return kube.resources(Topic.class).inNamespace(NS).withName(object).get().getStatus().getPartitions().get(0);
    }

    private Set<Integer> isr() {
        return new HashSet<>(partitionStatus().getIsr());
    }

    /** Change the partition's status as the controller does: on the version read, again on a conflict. */
    private void editStatus(Consumer<PartitionStatus> change) {
        for (int attempt = 0; ; attempt++) {
            Topic t = kube.resources(Topic.class).inNamespace(NS).withName(TOPIC).get();
            change.accept(t.getStatus().getPartitions().get(0));
            try {
                kube.resources(Topic.class).inNamespace(NS).resource(t).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt > 10) {
                    throw e;
                }
            }
        }
    }

    private void createTopic(String object, String name, int partitions, List<PartitionStatus> placement,
                             Map<String, String> config) {
        apply("""
                apiVersion: floe.dev/v1alpha1
                kind: Topic
                metadata:
                  name: %s
                  namespace: %s
                  labels:
                    floe.dev/cluster: demo
                spec:
                  topicName: "%s"
                  partitions: %d
                  replicationFactor: %d
                """.formatted(object, NS, name, partitions, placement.get(0).getReplicas().size()));
        Topic t = kube.resources(Topic.class).inNamespace(NS).withName(object).get();
        if (t.getStatus() == null) {
            t.setStatus(new dev.floe.crds.topic.TopicStatus());
        }
        t.getStatus().setTopicName(name);
        t.getStatus().setTopicId(Uuid.randomUuid().toString());
        t.getStatus().setPartitions(new ArrayList<>(placement));
        t.getStatus().setConfig(new LinkedHashMap<>(config));
        kube.resources(Topic.class).inNamespace(NS).resource(t).updateStatus();
    }

    private void apply(String yaml) {
        for (HasMetadata object : kube.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items()) {
            kube.resource(object).create();
        }
    }

    private <T> T await(String what, Callable<T> probe) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        Exception last = null;
        while (System.currentTimeMillis() < deadline) {
            try {
                T value = probe.call();
                if (value != null) {
                    return value;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(200);
        }
        StringBuilder logs = new StringBuilder();
        for (int i = 0; i < brokers.size(); i++) {
            logs.append("\n--- broker ").append(i).append(" ---\n").append(brokers.get(i).logTail());
        }
        throw new AssertionError("timed out waiting until " + what + (last == null ? "" : " (last: " + last + ")")
                + logs);
    }
}
