package dev.floe.e2e;

import dev.floe.crds.cluster.BalanceStatus;
import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Balancing after a scale-out, with the packaged operator and packaged brokers: two brokers carry a 12-partition RF-2
 * tiered topic whose data is mostly in the bucket (1 MiB segments, {@code local.retention.ms=0}: a sealed segment
 * leaves the disk once uploaded); an idempotent acks=all producer writes to it throughout. The Cluster is scaled to 4;
 * the test, as kubelet, starts the two new pods. Within 60 s of them being live every broker leads at least 2
 * partitions; the bytes the new brokers copied from leaders (their {@code floe_replication_fetch_bytes_total}) are at
 * most the hot tail (the leaders' local bytes when the scale began, plus what was produced since), a small part of the
 * topic's size; every acknowledged record is read back.
 */
class ScaleOutIT extends OperatedCluster {
    static final String HISTORY = "history";
    static final int PARTITIONS = 12;
    static final int RECORD_BYTES = 1000;
    /** About 4.5 MiB per partition: four sealed 1 MiB segments each go to the bucket, the active one stays. */
    static final int FILL_RECORDS = 54_000;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * Many status writers at once here (four leaders' ISR updates, the controller's pass, the balancing batches): the
     * plain mock let a stale write put a completed move back (seen: a partition returned to its union with the old
     * ISR and never recovered), which a real API server refuses with 409.
     */
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

    @Test
    void twoNewBrokersLeadTheirShareWithinAMinuteCopyingOnlyTheHotTailAndNothingIsLost() throws Exception {
        String bootstrap = brokers.get(0).bootstrap() + "," + brokers.get(1).bootstrap();
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(HISTORY, PARTITIONS, (short) 2).configs(Map.of(
                    "remote.storage.enable", "true", "segment.bytes", "1048576", "local.retention.ms", "0",
                    "min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
        }
        List<String> filled = fill(bootstrap);
        await("most of " + HISTORY + " is only in the bucket", Duration.ofSeconds(120), () -> {
            long local = localBytesOnLeaders();
            return local > 0 && local < topicBytes() / 4 ? local : null;
        });

        try (Traffic traffic = new Traffic(bootstrap)) {
            traffic.awaitAcks(200);
            long totalAtScale = topicBytes();
            long hotTailAtScale = localBytesOnLeaders();
            long bytesInAtScale = bytesIn();
            long scaledAt = System.nanoTime();

            scaleTo(4);
            StatefulSet sts = await("the StatefulSet has 4 replicas", Duration.ofSeconds(30), () -> {
                StatefulSet s = kube.apps().statefulSets().inNamespace(NS).withName("demo-broker").get();
                return s.getSpec().getReplicas() == 4 ? s : null;
            });
            startBroker(sts, 2);
            startBroker(sts, 3);
            await("4 brokers hold a live lease", Duration.ofSeconds(60), () -> {
                Cluster c = cluster();
                return c.getStatus() != null && c.getStatus().getReadyBrokers() == 4 ? c : null;
            });
            long liveAt = System.nanoTime();

            Map<Integer, Long> leads = await("every broker leads at least 2 partitions of " + HISTORY,
                    Duration.ofSeconds(60), () -> {
                        Map<Integer, Long> l = leaders();
                        return l.size() == 4 && l.values().stream().allMatch(n -> n >= 2) ? l : null;
                    });
            long balancedAt = System.nanoTime();
            System.out.printf("ScaleOutIT: leaders %s %d ms after the new brokers were live, %d ms after the scale%n",
                    leads, TimeUnit.NANOSECONDS.toMillis(balancedAt - liveAt),
                    TimeUnit.NANOSECONDS.toMillis(balancedAt - scaledAt));
            BalanceStatus balance;
            try {
                balance = await("the balancing round ends", Duration.ofSeconds(60), () -> {
                    BalanceStatus b = cluster().getStatus().getBalance();
                    return b != null && b.getBrokers() == 4 && "Balanced".equals(b.getState()) ? b : null;
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n--- status.balance: " + describe(cluster().getStatus()
                        .getBalance()) + "\n--- moving: " + moving() + "\n--- operator threads ---\n"
                        + threadDump(operator.pid()), e);
            }
            assertThat(balance.getPartitionsLeft()).isZero();
            assertThat(balance.getPartitionsMoved()).isPositive();
            assertThat(clusterEvents()).contains("BalanceStarted", "Balanced");
            Map<Integer, Long> replicas = replicasPerBroker();
            assertThat(replicas).as("replicas of %s per broker", HISTORY).containsOnlyKeys(0, 1, 2, 3);
            assertThat(replicas.values()).allSatisfy(n -> assertThat(n).isEqualTo(6L));
            // Clients are sent to the new leaders: the brokers' Metadata agrees with the status.
            awaitMetadataLeaders(bootstrap);

            long copied = fetchedBytes(2) + fetchedBytes(3);
            long producedSince = bytesIn() - bytesInAtScale;
            System.out.printf("ScaleOutIT: topic %d bytes at the scale (hot tail on the leaders %d), new brokers "
                    + "copied %d bytes, %d bytes produced since%n", totalAtScale, hotTailAtScale, copied, producedSince);
            assertThat(copied).as("the new brokers copied something (they follow and lead partitions)").isPositive();
            assertThat(copied).as("bytes the new brokers fetched from leaders: at most the hot tail at the scale "
                    + "(%d) plus what was produced since (%d)", hotTailAtScale, producedSince)
                    .isLessThanOrEqualTo(hotTailAtScale + producedSince);
            assertThat(copied).as("a small part of the topic's %d bytes", totalAtScale)
                    .isLessThan(totalAtScale / 4);

            long acked = traffic.acked();
            traffic.awaitAcks(acked + 200);
            traffic.stop();
            assertThat(traffic.failures()).as("the producer never gave up on a record").isEmpty();
            awaitEarliestIsZero(bootstrap);
            List<String> read = readAll(bootstrap);
            assertThat(new HashSet<>(read)).as("every acknowledged record is read back")
                    .containsAll(traffic.acknowledged()).containsAll(filled);
        }
    }

    private static String describe(BalanceStatus b) {
        return b == null ? "none" : b.getBrokers() + " brokers, " + b.getState() + ", " + b.getPartitionsLeft()
                + " left, " + b.getPartitionsMoved() + " moved";
    }

    private List<String> moving() {
        return kube.resources(Topic.class).inNamespace(NS).list().getItems().stream()
                .filter(t -> t.getStatus() != null && t.getStatus().getPartitions() != null)
                .flatMap(t -> t.getStatus().getPartitions().stream().filter(PartitionStatus::isReassigning)
                        .map(p -> t.topicName() + "-" + p.getPartition() + " " + p.getReplicas() + " isr "
                                + p.getIsr()))
                .toList();
    }

    private static String threadDump(long pid) {
        try {
            Process jstack = new ProcessBuilder("jstack", Long.toString(pid)).redirectErrorStream(true).start();
            String out = new String(jstack.getInputStream().readAllBytes());
            jstack.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (Exception e) {
            return "(no thread dump: " + e + ")";
        }
    }

    private List<String> fill(String bootstrap) throws Exception {
        List<String> values = new ArrayList<>();
        Properties props = producerProps(bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            String pad = "x".repeat(RECORD_BYTES - 20);
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < FILL_RECORDS; i++) {
                String value = "fill-" + i + "-" + pad;
                values.add(value);
                sent.add(producer.send(new ProducerRecord<>(HISTORY, i % PARTITIONS, null, value)));
            }
            for (var f : sent) {
                f.get(120, TimeUnit.SECONDS);
            }
        }
        return values;
    }

    /** The topic's size: bytes its leaders appended, from the brokers' {@code floe_topic_bytes_in_bytes_total}. */
    private long topicBytes() throws Exception {
        return bytesIn();
    }

    private long bytesIn() throws Exception {
        long sum = 0;
        for (int b = 0; b < brokers.size(); b++) {
            sum += (long) Math.max(0, metric(b, "floe_topic_bytes_in_bytes_total{topic=\"" + HISTORY + "\""));
        }
        return sum;
    }

    private long fetchedBytes(int b) throws Exception {
        return (long) Math.max(0, metric(b, "floe_replication_fetch_bytes_total{topic=\"" + HISTORY + "\""));
    }

    /** Bytes of the local segment files each partition's leader holds now: the hot tail. */
    private long localBytesOnLeaders() throws Exception {
        long sum = 0;
        for (PartitionStatus p : history().getStatus().getPartitions()) {
            Path dir = brokers.get(p.getLeader()).dataDir().resolve(HISTORY + "-" + p.getPartition());
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                    try {
                        sum += Files.size(f);
                    } catch (java.nio.file.NoSuchFileException deletedSinceListed) {
                        // Uploaded and removed by local retention between the listing and now: not local any more.
                    }
                }
            }
        }
        return sum;
    }

    private Topic history() {
        return kube.resources(Topic.class).inNamespace(NS).list().getItems().stream()
                .filter(t -> HISTORY.equals(t.topicName())).findFirst().orElseThrow();
    }

    private Map<Integer, Long> leaders() {
        return history().getStatus().getPartitions().stream().filter(p -> p.getLeader() >= 0)
                .collect(Collectors.groupingBy(PartitionStatus::getLeader, TreeMap::new, Collectors.counting()));
    }

    private Map<Integer, Long> replicasPerBroker() {
        return history().getStatus().getPartitions().stream().flatMap(p -> p.getReplicas().stream())
                .collect(Collectors.groupingBy(b -> b, TreeMap::new, Collectors.counting()));
    }

    private void awaitMetadataLeaders(String bootstrap) throws Exception {
        Map<Integer, Integer> expected = history().getStatus().getPartitions().stream()
                .collect(Collectors.toMap(PartitionStatus::getPartition, PartitionStatus::getLeader));
        try (Admin admin = admin(bootstrap)) {
            await("Metadata reports leaders " + expected, Duration.ofSeconds(30), () -> {
                try {
                    var d = admin.describeTopics(List.of(HISTORY)).allTopicNames().get().get(HISTORY);
                    return d.partitions().stream().allMatch(p -> p.leader() != null
                            && p.leader().id() == expected.get(p.partition())) ? d : null;
                } catch (Exception notYet) {
                    return null;
                }
            });
        }
    }

    /**
     * A broker that starts leading a tiered partition lists its remote segments on its next tiering pass; until then
     * its earliest offset is its local start (docs/reassignment.md, "Not built"). Wait for the bucket's start.
     */
    private void awaitEarliestIsZero(String bootstrap) throws Exception {
        Map<TopicPartition, OffsetSpec> earliest = IntStream.range(0, PARTITIONS).boxed()
                .collect(Collectors.toMap(p -> new TopicPartition(HISTORY, p), p -> OffsetSpec.earliest()));
        try (Admin admin = admin(bootstrap)) {
            await("every partition's earliest offset is 0", Duration.ofSeconds(30), () -> {
                try {
                    var offsets = admin.listOffsets(earliest).all().get();
                    return offsets.values().stream().allMatch(o -> o.offset() == 0) ? offsets : null;
                } catch (java.util.concurrent.ExecutionException notYet) {
                    return null;
                }
            });
        }
    }

    private List<String> readAll(String bootstrap) {
        List<String> values = new ArrayList<>();
        List<TopicPartition> parts = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(HISTORY, p))
                .toList();
        try (KafkaConsumer<String, String> consumer = ClusterClients.consumer(bootstrap, "read_uncommitted")) {
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.currentTimeMillis() + 120_000;
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
                    && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }

    private double metric(int b, String prefix) throws Exception {
        // HTTP/1.1: the JDK client's default h2c upgrade attempt hung on this endpoint's ~40 KB answer.
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + brokers.get(b).httpPort() + "/q/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return response.body().lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private Cluster cluster() {
        return kube.resources(Cluster.class).inNamespace(NS).withName("demo").get();
    }

    private List<String> clusterEvents() {
        return kube.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "demo".equals(e.getInvolvedObject().getName())
                        && "Cluster".equals(e.getInvolvedObject().getKind()))
                .map(Event::getReason).toList();
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

    private static Properties producerProps(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return props;
    }

    /** An idempotent acks=all producer writing small records to every partition of {@value #HISTORY}. */
    private static final class Traffic implements AutoCloseable {
        private final KafkaProducer<String, String> producer;
        private final Thread thread;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong acks = new AtomicLong();
        private final ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

        Traffic(String bootstrap) {
            Properties props = producerProps(bootstrap);
            props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            producer = new KafkaProducer<>(props);
            thread = new Thread(this::run, "traffic");
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            long n = 0;
            while (running.get()) {
                String value = "live-" + n;
                int partition = (int) (n++ % PARTITIONS);
                try {
                    producer.send(new ProducerRecord<>(HISTORY, partition, null, value), (meta, error) -> {
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

        Set<String> acknowledged() {
            return new HashSet<>(acknowledged);
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

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
