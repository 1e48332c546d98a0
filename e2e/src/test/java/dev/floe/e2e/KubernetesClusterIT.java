package dev.floe.e2e;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.common.Conditions;
import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.Topic;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
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
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Floe on Kubernetes, end to end, with every part real except the API server: fabric8's mock server in CRUD mode
 * stands in for it. The packaged operator reconciles a Cluster; the test plays the kubelet and starts the packaged
 * broker once per StatefulSet pod with the environment the operator gave it; Kafka clients then use the cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubernetesClusterIT {
    /** The mock API server logs every request at INFO; held here so the quieter level is not garbage-collected. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    static final String NS = "streaming";
    static final int BROKERS = 3;

    Path work;

    KubernetesMockServer api;
    KubernetesClient kube;
    OperatorProcess operator;
    final List<FloeProcess> brokers = new ArrayList<>();

    @BeforeAll
    void startClusterOnKubernetes() throws Exception {
        work = Files.createTempDirectory(Path.of("target"), "k8s-");
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), true);
        api.init(InetAddress.getByName("127.0.0.1"), 0);
        kube = api.createClient();
        String apiUrl = kube.getMasterUrl().toString();

        // What `helm install` does first: the CRDs, as generated from the Java model.
        try (Stream<Path> crds = Files.list(Path.of(System.getProperty("floe.crds.dir", "../crds/generated")))) {
            for (Path crd : crds.sorted().toList()) {
                kube.load(Files.newInputStream(crd)).create();
            }
        }

        operator = new OperatorProcess(work, Map.of(
                "QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", apiUrl,
                "QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS", "true",
                "QUARKUS_KUBERNETES_CLIENT_NAMESPACE", NS)).start();

        apply("""
                apiVersion: floe.dev/v1alpha1
                kind: Cluster
                metadata:
                  name: demo
                  namespace: streaming
                spec:
                  replicas: 3
                  config:
                    offsets-topic-partitions: "6"
                """);
        StatefulSet sts = await("the operator creates the StatefulSet", () ->
                kube.apps().statefulSets().inNamespace(NS).withName("demo-broker").get());
        assertThat(sts.getSpec().getReplicas()).isEqualTo(BROKERS);

        // The kubelet's part: one broker process per pod, all three at once as with podManagementPolicy Parallel.
        List<Future<FloeProcess>> starting = new ArrayList<>();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(BROKERS);
        for (int ordinal = 0; ordinal < BROKERS; ordinal++) {
            Path podDir = Files.createDirectories(work.resolve("demo-broker-" + ordinal));
            Map<String, String> env = new LinkedHashMap<>(Kubelet.podEnvironment(kube, sts, ordinal, podDir));
            // Every pod shares this machine's loopback: FloeProcess picks the ports, host and data directory.
            env.keySet().removeAll(Set.of("FLOE_KAFKA_PORT", "FLOE_HTTP_PORT", "FLOE_ADVERTISED_HOST", "FLOE_DATA_DIR"));
            // In a pod the client finds the API server from its service account; here, from the environment.
            env.put("KUBERNETES_MASTER", apiUrl);
            env.put("KUBERNETES_TRUST_CERTIFICATES", "true");
            env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
            env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
            FloeProcess broker = new FloeProcess(podDir, env);
            brokers.add(broker);
            starting.add(pool.submit(broker::start));
        }
        for (Future<FloeProcess> f : starting) {
            f.get();
        }
        pool.shutdown();

        Cluster ready = await("all brokers hold a live lease", () -> {
            Cluster c = kube.resources(Cluster.class).inNamespace(NS).withName("demo").get();
            return c.getStatus() != null && c.getStatus().getReadyBrokers() == BROKERS ? c : null;
        });
        assertThat(Conditions.isTrue(ready.getStatus().getConditions(), Conditions.READY)).isTrue();
    }

    @AfterAll
    void stopEverything() throws Exception {
        try {
            FloeProcess.closeAll(brokers);
        } finally {
            if (operator != null) {
                operator.close();
            }
            if (kube != null) {
                kube.close();
            }
            if (api != null) {
                api.destroy();
            }
        }
    }

    @Test
    void topicAppliedAsYamlIsSpreadOverTheBrokersAndCarriesRecords() throws Exception {
        apply("""
                apiVersion: floe.dev/v1alpha1
                kind: Topic
                metadata:
                  name: orders
                  namespace: streaming
                  labels:
                    floe.dev/cluster: demo
                spec:
                  partitions: 6
                  replicationFactor: 1
                  config:
                    retention.ms: "86400000"
                """);
        Topic placed = awaitTopicReady("orders");
        assertThat(placed.getStatus().getPartitions()).extracting(p -> p.getLeader()).containsOnly(0, 1, 2);

        try (Admin admin = admin()) {
            TopicDescription description = await("every broker knows the topic", () -> {
                try {
                    TopicDescription d = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
                    return d.partitions().stream().allMatch(p -> p.leader() != null) ? d : null;
                } catch (Exception notYet) {
                    return null;
                }
            });
            assertThat(description.partitions()).hasSize(6);
            Set<Integer> leaders = description.partitions().stream().map(p -> p.leader().id()).collect(Collectors.toSet());
            assertThat(leaders).containsExactlyInAnyOrder(0, 1, 2);
            assertThat(admin.describeCluster().nodes().get()).hasSize(BROKERS);
        }
        roundTrip("orders", 600, 6);

        // A spec change reaches the brokers: more partitions, a new config value.
        kube.resources(Topic.class).inNamespace(NS).withName("orders").edit(t -> {
            t.getSpec().setPartitions(8);
            t.getSpec().getConfig().put("retention.ms", "3600000");
            return t;
        });
        try (Admin admin = admin()) {
            await("the new partitions have leaders", () -> {
                try {
                    TopicDescription d = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
                    return d.partitions().size() == 8 && d.partitions().stream().allMatch(p -> p.leader() != null) ? d : null;
                } catch (Exception notYet) {
                    return null;
                }
            });
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "orders");
            await("the new retention is in force", () -> "3600000".equals(admin.describeConfigs(List.of(resource))
                    .all().get().get(resource).get("retention.ms").value()) ? true : null);
        }
        roundTrip("orders", 800, 8);

        // Deleting the Topic deletes the topic's data on every broker.
        assertThat(partitionDirs("orders")).isNotEmpty();
        kube.resources(Topic.class).inNamespace(NS).withName("orders").delete();
        await("the data of orders is gone from every broker", () -> partitionDirs("orders").isEmpty() ? true : null);
        try (Admin admin = admin()) {
            await("clients no longer see orders", () -> admin.listTopics().names().get().contains("orders") ? null : true);
        }
    }

    @Test
    void adminCreateTopicsBecomesATopicResource() throws Exception {
        try (Admin admin = admin()) {
            // A name Kubernetes cannot hold as an object name: it travels in spec.topicName.
            admin.createTopics(List.of(new NewTopic("Payments_V2", 3, (short) 1))).all().get();
            Topic resource = kube.resources(Topic.class).inNamespace(NS).withLabel(Labels.CLUSTER, "demo").list()
                    .getItems().stream().filter(t -> "Payments_V2".equals(t.topicName())).findFirst().orElseThrow();
            assertThat(resource.getSpec().getTopicName()).isEqualTo("Payments_V2");
            assertThat(resource.getSpec().getPartitions()).isEqualTo(3);
            assertThat(resource.getStatus().getTopicId()).isNotNull();

            // The replication factor a client asks for is the Topic's; more replicas than brokers is refused.
            admin.createTopics(List.of(new NewTopic("replicated", 1, (short) 3))).all().get();
            Topic replicated = awaitTopicReady("replicated");
            assertThat(replicated.getSpec().getReplicationFactor()).isEqualTo(3);
            assertThat(replicated.getStatus().getPartitions().get(0).getReplicas()).containsExactlyInAnyOrder(0, 1, 2);
            var refused = admin.createTopics(List.of(new NewTopic("too-replicated", 1, (short) 4))).all();
            assertThat(org.assertj.core.api.Assertions.catchThrowable(refused::get))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidReplicationFactorException.class)
                    .hasMessageContaining("replication factor 4 is larger than the 3 brokers");
        }
        roundTrip("Payments_V2", 300, 3);

        // A consumer group: its coordinator is the leader of its __consumer_offsets partition, on whichever broker.
        Properties group = new Properties();
        group.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        group.put(ConsumerConfig.GROUP_ID_CONFIG, "payments-readers");
        group.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        group.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        group.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        group.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        int consumed = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(group)) {
            consumer.subscribe(List.of("Payments_V2"));
            long deadline = System.currentTimeMillis() + 60_000;
            while (consumed < 300 && System.currentTimeMillis() < deadline) {
                consumed += consumer.poll(Duration.ofMillis(500)).count();
            }
            consumer.commitSync();
        }
        assertThat(consumed).isEqualTo(300);
        try (Admin admin = admin()) {
            long committed = admin.listConsumerGroupOffsets("payments-readers").partitionsToOffsetAndMetadata().get()
                    .values().stream().mapToLong(o -> o.offset()).sum();
            assertThat(committed).isEqualTo(300);

            // Only the group's coordinator answers for it; any other broker says NOT_COORDINATOR.
            int coordinator = admin.describeConsumerGroups(List.of("payments-readers")).all().get()
                    .get("payments-readers").coordinator().id();
            FloeProcess other = brokers.get((coordinator + 1) % BROKERS);
            assertThat(offsetFetchError(other, "payments-readers")).isEqualTo(Errors.NOT_COORDINATOR);
            assertThat(offsetFetchError(brokers.get(coordinator), "payments-readers")).isEqualTo(Errors.NONE);
        }

        try (Admin admin = admin()) {
            admin.deleteTopics(List.of("Payments_V2")).all().get();
            // The Topic goes once every replica broker has deleted its data and released its finalizer.
            await("the Topic of Payments_V2 is gone", () -> kube.resources(Topic.class).inNamespace(NS).list()
                    .getItems().stream().noneMatch(t -> "Payments_V2".equals(t.topicName())) ? true : null);
        }
    }

    @Test
    void autoCreatedTopicsAreTopicResourcesToo() throws Exception {
        // Producing to a topic nobody created: the broker creates a Topic resource, the operator places it.
        roundTrip("auto.created", 100, 1);
        Topic resource = kube.resources(Topic.class).inNamespace(NS).withName("auto.created").get();
        assertThat(resource).isNotNull();
        assertThat(resource.getMetadata().getLabels()).containsEntry(Labels.CLUSTER, "demo");
        assertThat(resource.getStatus().getPartitions()).hasSize(1);
    }

    /** Produce keyed records with the default (idempotent, acks=all) producer; read them all back in order. */
    private void roundTrip(String topic, int count, int partitions) throws Exception {
        Map<TopicPartition, List<String>> sent = new HashMap<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String value = topic + "-" + i + "-" + System.nanoTime();
                values.add(value);
                acks.add(producer.send(new ProducerRecord<>(topic, "key-" + i, value)));
            }
            for (int i = 0; i < count; i++) {
                RecordMetadata md = acks.get(i).get();
                sent.computeIfAbsent(new TopicPartition(topic, md.partition()), k -> new ArrayList<>()).add(values.get(i));
            }
        }
        assertThat(sent.keySet()).hasSize(partitions);
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<TopicPartition, List<String>> received = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(sent.keySet());
            consumer.seekToBeginning(sent.keySet());
            long deadline = System.currentTimeMillis() + 60_000;
            int total = 0;
            Set<String> wanted = sent.values().stream().flatMap(List::stream).collect(Collectors.toCollection(HashSet::new));
            while (total < wanted.size() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (wanted.contains(r.value())) {
                        received.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayList<>())
                                .add(r.value());
                        total++;
                    }
                }
            }
        }
        assertThat(received).isEqualTo(sent);
    }

    /** One OffsetFetch v7 on a raw connection to one broker: the top-level error of its answer. */
    private static Errors offsetFetchError(FloeProcess broker, String group) throws Exception {
        short version = 7;
        OffsetFetchRequestData body = new OffsetFetchRequestData().setGroupId(group).setTopics(null);
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(ApiKeys.OFFSET_FETCH.id)
                .setRequestApiVersion(version).setClientId("e2e").setCorrelationId(7);
        short headerVersion = ApiKeys.OFFSET_FETCH.requestHeaderVersion(version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer request = ByteBuffer.allocate(header.size(cache, headerVersion) + body.size(cache, version));
        ByteBufferAccessor accessor = new ByteBufferAccessor(request);
        header.write(accessor, cache, headerVersion);
        body.write(accessor, cache, version);
        request.flip();
        String[] hostPort = broker.bootstrap().split(":");
        try (java.net.Socket socket = new java.net.Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            java.io.DataOutputStream out = new java.io.DataOutputStream(socket.getOutputStream());
            out.writeInt(request.remaining());
            out.write(request.array(), request.arrayOffset() + request.position(), request.remaining());
            out.flush();
            java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            ByteBuffer buffer = ByteBuffer.wrap(response);
            ResponseHeader.parse(buffer, ApiKeys.OFFSET_FETCH.responseHeaderVersion(version));
            OffsetFetchResponseData data = new OffsetFetchResponseData(new ByteBufferAccessor(buffer), version);
            return Errors.forCode(data.errorCode());
        }
    }

    private List<Path> partitionDirs(String topic) throws Exception {
        List<Path> found = new ArrayList<>();
        for (FloeProcess b : brokers) {
            if (Files.isDirectory(b.dataDir())) {
                try (Stream<Path> dirs = Files.list(b.dataDir())) {
                    dirs.filter(d -> d.getFileName().toString().matches(java.util.regex.Pattern.quote(topic) + "-\\d+"))
                            .forEach(found::add);
                }
            }
        }
        return found;
    }

    private Topic awaitTopicReady(String name) throws Exception {
        return await("Topic " + name + " is placed", () -> {
            Topic t = kube.resources(Topic.class).inNamespace(NS).withName(name).get();
            return t != null && t.getStatus() != null
                    && Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY) ? t : null;
        });
    }

    private void apply(String yaml) {
        InputStream in = new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8));
        for (HasMetadata object : kube.load(in).items()) {
            kube.resource(object).create();
        }
    }

    private String bootstrap() {
        return brokers.get(0).bootstrap();
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
    }

    private Properties producerProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return props;
    }

    private <T> T await(String what, Callable<T> probe) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            T value = probe.call();
            if (value != null) {
                return value;
            }
            Thread.sleep(250);
        }
        StringBuilder logs = new StringBuilder("\n--- operator ---\n").append(operator.logTail());
        for (int i = 0; i < brokers.size(); i++) {
            logs.append("\n--- broker ").append(i).append(" ---\n").append(brokers.get(i).logTail());
        }
        throw new AssertionError("timed out waiting until " + what + logs);
    }
}
