package dev.floe.e2e;

import dev.floe.crds.cluster.AutoscalingStatus;
import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.common.Conditions;
import dev.floe.crds.topic.Topic;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static dev.floe.e2e.ClusterClients.readAll;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The autoscaler end to end: the packaged operator and brokers against the mock API server, the test playing the
 * kubelet as the StatefulSet changes ({@link StatefulSetKubelet}). A Cluster of 2 brokers (bounds 2..3) targets
 * 50 kB/s of produce per broker with windows of seconds. A load generator produces about 200 kB/s (100 kB/s per
 * broker): the operator, reading the brokers' /q/metrics, scales to 3 (ceil(2 × 2) = 4, capped at maxReplicas),
 * and holds there while the load lasts. Once the load stops and the scale-in window passes, it scales back to 2
 * through the drain, and the kubelet stops broker 2. Every decision is in status.autoscaling, an Event and the
 * operator's metrics; every acknowledged record is read back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AutoscalerIT {
    static final String NS = "streaming";
    static final String TOPIC = "load";
    static final long TARGET = 50_000;

    Path work;
    KubernetesMockServer api;
    KubernetesClient kube;
    OperatorProcess operator;
    StatefulSetKubelet kubelet;

    @BeforeAll
    void startOperatorAndTwoBrokers() throws Exception {
        work = Files.createTempDirectory(Path.of("target"), "autoscale-");
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                // As a real API server: a status write from a stale copy is refused (409), never applied over a
                // completed move (on the lenient mock one such write put a partition back and left it leaderless).
                new StrictStatusDispatcher(), true);
        api.init(InetAddress.getByName("127.0.0.1"), 0);
        kube = api.createClient();
        String apiUrl = kube.getMasterUrl().toString();
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
                  replicas: 2
                  minReplicas: 2
                  maxReplicas: 3
                  offsetsTopicReplicationFactor: 2
                  autoscaling:
                    enabled: true
                    scrapeIntervalSeconds: 1
                    scaleOutStabilizationSeconds: 5
                    scaleInStabilizationSeconds: 15
                    cooldownSeconds: 10
                    targets:
                      produceBytesPerSecond: %d
                  leadership:
                    rebalanceDelaySeconds: 2
                  config:
                    offsets-topic-partitions: "3"
                    transaction-state-partitions: "3"
                    default-replication-factor: "2"
                    cluster.lease-duration-seconds: "8"
                """.formatted(TARGET));
        await("the operator creates the StatefulSet", Duration.ofSeconds(60), () ->
                kube.apps().statefulSets().inNamespace(NS).withName("demo-broker").get());
        kubelet = new StatefulSetKubelet(kube, NS, "demo-broker", work, Map.of(
                "KUBERNETES_MASTER", apiUrl,
                "KUBERNETES_TRUST_CERTIFICATES", "true",
                "KUBERNETES_AUTH_TRYKUBECONFIG", "false",
                "KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false",
                "FLOE_TIER_BACKEND", "file",
                "FLOE_TIER_DIR", work.resolve("bucket").toString(),
                "FLOE_TIER_CLUSTER", "demo"),
                broker -> broker.readyTimeout(Duration.ofSeconds(120))).start();
        await("both brokers hold a live lease", Duration.ofSeconds(120), () -> {
            Cluster c = cluster();
            return c.getStatus() != null && c.getStatus().getReadyBrokers() == 2 ? c : null;
        });
        apply("""
                apiVersion: floe.dev/v1alpha1
                kind: Topic
                metadata:
                  name: load
                  namespace: streaming
                  labels:
                    floe.dev/cluster: demo
                spec:
                  partitions: 6
                  replicationFactor: 2
                """);
        await("Topic load is placed", Duration.ofSeconds(60), () -> {
            Topic t = kube.resources(Topic.class).inNamespace(NS).withName(TOPIC).get();
            return t != null && t.getStatus() != null && Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY)
                    ? t : null;
        });
    }

    @AfterAll
    void stopEverything() throws Exception {
        try {
            if (kubelet != null) {
                kubelet.close();
            }
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
    void produceLoadScalesOutWithinTheBoundsAndItsEndScalesBackInThroughTheDrain() throws Exception {
        // Idle, the autoscaler reads both brokers and keeps 2: it is at minReplicas.
        AutoscalingStatus idle = await("the autoscaler reads both idle brokers", Duration.ofSeconds(60), () -> {
            AutoscalingStatus s = cluster().getStatus().getAutoscaling();
            return s != null && s.getBrokersObserved() != null && s.getBrokersObserved() == 2
                    && s.getObservedProduceBytesPerSecond() != null ? s : null;
        });
        assertThat(idle.getDesiredReplicas()).isEqualTo(2);
        assertThat(idle.getLastDecision()).isNull();

        String bootstrap = kubelet.pod(0).bootstrap();
        try (Load load = new Load(bootstrap, 200)) {
            // spec.replicas is written first, then the status that explains it.
            Cluster out = await("the autoscaler raises spec.replicas to 3 and says why", Duration.ofSeconds(60), () -> {
                Cluster c = cluster();
                return c.getSpec().getReplicas() == 3 && decided(c, "ScaleOut") ? c : null;
            });
            assertThat(out.getStatus().getAutoscaling().getLastDecision()).isEqualTo("ScaleOut");
            assertThat(out.getStatus().getAutoscaling().getLastDecisionFrom()).isEqualTo(2);
            assertThat(out.getStatus().getAutoscaling().getLastDecisionTo()).isEqualTo(3);
            assertThat(out.getStatus().getAutoscaling().getLastDecisionReason())
                    .matches("produce at least \\d+ kB/s per broker \\(target 50 kB/s\\) for 5 s: 2 → 3 brokers .*");
            // The step asked for is 3 or more (the lowest read of the window may be the load's first second);
            // the bound shows below, when the autoscaler holds at 3 while the load asks for 4.
            assertThat(clusterEvents("ScaledOut")).singleElement()
                    .satisfies(e -> assertThat(e.getMessage()).contains("2 → 3 brokers"));

            // The kubelet starts broker 2 from the StatefulSet; the cluster then holds at its upper bound while the
            // load lasts (3 brokers at 67 kB/s each still ask for 4).
            await("broker 2 runs and holds a live lease", Duration.ofSeconds(120), () ->
                    cluster().getStatus().getReadyBrokers() == 3 ? true : null);
            await("the autoscaler reads 3 brokers and holds at maxReplicas", Duration.ofSeconds(60), () -> {
                AutoscalingStatus s = cluster().getStatus().getAutoscaling();
                return s != null && s.getBrokersObserved() != null && s.getBrokersObserved() == 3
                        && s.getMessage() != null && s.getMessage().contains("at spec.maxReplicas 3") ? s : null;
            });
            load.stop();
            assertThat(load.failures()).as("the producer never gave up on a record").isEmpty();

            Cluster in = await("the autoscaler lowers spec.replicas to 2 after the load stopped",
                    Duration.ofSeconds(90), () -> {
                        Cluster c = cluster();
                        return c.getSpec().getReplicas() == 2 && decided(c, "ScaleIn") ? c : null;
                    });
            assertThat(in.getStatus().getAutoscaling().getLastDecision()).isEqualTo("ScaleIn");
            assertThat(in.getStatus().getAutoscaling().getLastDecisionReason())
                    .startsWith("produce at most ").contains("per broker (target 50 kB/s) for 15 s: 3 → 2 brokers");
            assertThat(clusterEvents("ScaledIn")).singleElement()
                    .satisfies(e -> assertThat(e.getMessage()).contains("3 → 2 brokers"));

            // Through the drain: the StatefulSet shrinks once broker 2 holds no replica, then its pod stops.
            await("the StatefulSet shrinks to 2 and broker 2 stops", Duration.ofSeconds(90), () ->
                    kube.apps().statefulSets().inNamespace(NS).withName("demo-broker").get().getSpec().getReplicas() == 2
                            && kubelet.running().equals(java.util.Set.of(0, 1)) ? true : null);
            assertThat(clusterEvents("Drained")).isNotEmpty();
            assertThat(kubelet.mostRunning()).as("never more brokers than maxReplicas").isEqualTo(3);
            assertThat(kubelet.actions()).containsExactly("started demo-broker-0", "started demo-broker-1",
                    "started demo-broker-2", "stopped demo-broker-2");

            String metrics = operatorMetrics();
            assertThat(metrics).contains(
                    "floe_operator_autoscaler_decisions_total{cluster=\"demo\",direction=\"out\",namespace=\"streaming\"} 1.0",
                    "floe_operator_autoscaler_decisions_total{cluster=\"demo\",direction=\"in\",namespace=\"streaming\"} 1.0",
                    "floe_operator_autoscaler_desired_brokers{cluster=\"demo\",namespace=\"streaming\"} 2.0");

            java.util.Set<String> read = new java.util.HashSet<>(readAll(bootstrap, TOPIC, "read_committed"));
            List<String> acked = load.acknowledged();
            assertThat(acked).as("records acknowledged under load").hasSizeGreaterThan(1000);
            assertThat(acked.stream().filter(v -> !read.contains(v)).map(v -> v.substring(0, v.indexOf('-'))).toList())
                    .as("acknowledged records not read back").isEmpty();
        }
    }

    private static boolean decided(Cluster c, String decision) {
        return c.getStatus() != null && c.getStatus().getAutoscaling() != null
                && decision.equals(c.getStatus().getAutoscaling().getLastDecision());
    }

    private Cluster cluster() {
        return kube.resources(Cluster.class).inNamespace(NS).withName("demo").get();
    }

    private List<Event> clusterEvents(String reason) {
        return kube.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "demo".equals(e.getInvolvedObject().getName())
                        && "Cluster".equals(e.getInvolvedObject().getKind()) && reason.equals(e.getReason()))
                .toList();
    }

    private String operatorMetrics() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.httpPort() + "/q/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private void apply(String yaml) {
        for (HasMetadata object : kube.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items()) {
            kube.resource(object).create();
        }
    }

    private <T> T await(String what, Duration limit, Callable<T> probe) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            T value = probe.call();
            if (value != null) {
                return value;
            }
            Thread.sleep(100);
        }
        Cluster c = cluster();
        throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting until " + what
                + "\nspec.replicas " + c.getSpec().getReplicas() + ", status.autoscaling message: "
                + (c.getStatus() == null || c.getStatus().getAutoscaling() == null ? null
                : c.getStatus().getAutoscaling().getMessage())
                + "\nkubelet: " + (kubelet == null ? null : kubelet.actions())
                + "\n--- operator ---\n" + operator.logTail() + (kubelet == null ? "" : kubelet.logTails()));
    }

    /**
     * The load generator: an idempotent acks=all producer sending 1 kB records at a steady {@code perSecond} over
     * every partition, on loopback.
     */
    private static final class Load implements AutoCloseable {
        private final KafkaProducer<String, String> producer;
        private final Thread thread;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

        Load(String bootstrap, int perSecond) {
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
            thread = new Thread(() -> run(perSecond), "load");
            thread.setDaemon(true);
            thread.start();
        }

        private void run(int perSecond) {
            String padding = "x".repeat(1000);
            long start = System.nanoTime();
            long n = 0;
            while (running.get()) {
                // Paced by the clock, not by sleeps adding up: record n leaves at n / perSecond seconds.
                long due = start + n * 1_000_000_000L / perSecond;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                String value = "r" + n + "-" + padding;
                int partition = (int) (n++ % 6);
                String id = value.substring(0, value.indexOf('-'));
                try {
                    producer.send(new ProducerRecord<>(TOPIC, partition, null, value), (meta, error) -> {
                        if (error == null) {
                            acknowledged.add(value);
                        } else {
                            failures.add(id + ": " + error);
                        }
                    });
                } catch (RuntimeException e) {
                    failures.add(id + ": " + e);
                }
            }
        }

        List<String> acknowledged() {
            return List.copyOf(acknowledged);
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
            producer.flush();
        }

        @Override
        public void close() {
            running.set(false);
            producer.close(Duration.ofSeconds(10));
        }
    }
}
