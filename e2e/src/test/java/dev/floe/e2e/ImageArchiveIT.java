package dev.floe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.Socket;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker and operator images that the build writes as OCI archives (jib:buildTar in package, FROM scratch with
 * a jlink'd Java runtime; docs/images.md). Checks what a container runtime would read from them, then runs the
 * broker image's own entrypoint on its own unpacked files and talks Kafka to it: the image's JRE runs the broker.
 */
class ImageArchiveIT {
    private static final String RUNTIME_JAVA = "/opt/java/openjdk/bin/java";

    @Test
    void brokerImageConfigIsWhatTheChartAndOperatorExpect() throws Exception {
        ImageArchive image = ImageArchive.open(Path.of(System.getProperty("floe.broker.image")));

        assertThat(image.index().path("manifests").path(0).path("annotations")
                .path("org.opencontainers.image.ref.name").asText()).isEqualTo("floe/broker:0.1.0");
        assertCommonConfig(image);
        assertThat(ports(image)).containsExactlyInAnyOrder("9092/tcp", "8080/tcp");
        // The operator's StatefulSet mounts the data volume at /var/lib/floe (BrokerStatefulSet.DATA_PATH).
        assertThat(image.env()).containsEntry("FLOE_DATA_DIR", "/var/lib/floe");
        assertThat(image.runConfig().path("Volumes").has("/var/lib/floe")).isTrue();
    }

    @Test
    void operatorImageConfigIsWhatTheChartExpects() throws Exception {
        ImageArchive operator = ImageArchive.open(Path.of(System.getProperty("floe.operator.image")));
        ImageArchive broker = ImageArchive.open(Path.of(System.getProperty("floe.broker.image")));

        assertThat(operator.index().path("manifests").path(0).path("annotations")
                .path("org.opencontainers.image.ref.name").asText()).isEqualTo("floe/operator:0.1.0");
        assertCommonConfig(operator);
        assertThat(ports(operator)).containsExactly("8080/tcp");
        assertThat(operator.env()).doesNotContainKey("FLOE_DATA_DIR");
        // Both images start with the same runtime layer, so a node pulls the Java runtime once for both.
        assertThat(operator.manifest().path("layers").path(0).path("digest").asText())
                .isEqualTo(broker.manifest().path("layers").path(0).path("digest").asText());
    }

    /** Entrypoint, user, environment and labels shared by both images; the layer holding a runnable runtime. */
    private static void assertCommonConfig(ImageArchive image) {
        assertThat(image.config().path("os").asText()).isEqualTo("linux");
        assertThat(image.config().path("architecture").asText()).isEqualTo("amd64");
        assertThat(image.entrypoint()).containsExactly(RUNTIME_JAVA, "-jar", "/deployments/quarkus-run.jar");
        // Numeric, so that Kubernetes' runAsNonRoot can verify it; the chart's podSecurityContext says 185.
        assertThat(image.runConfig().path("User").asText()).isEqualTo("185");
        assertThat(image.runConfig().path("WorkingDir").asText()).isEqualTo("/deployments");
        assertThat(image.env()).containsEntry("JAVA_HOME", "/opt/java/openjdk")
                .containsKey("JDK_JAVA_OPTIONS");
        assertThat(image.env().get("JDK_JAVA_OPTIONS"))
                .contains("-Djava.util.logging.manager=org.jboss.logmanager.LogManager")
                .contains("-XX:MaxRAMPercentage=");
        JsonNode labels = image.runConfig().path("Labels");
        assertThat(labels.path("org.opencontainers.image.title").asText()).startsWith("Floe");
        assertThat(labels.path("org.opencontainers.image.version").asText()).isEqualTo("0.1.0");
        // Runtime first, Quarkus' libraries next, the application last: a rebuild changes only the last.
        assertThat(image.manifest().path("layers")).hasSize(3);
        image.manifest().path("layers").forEach(l ->
                assertThat(l.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip"));
    }

    private static List<String> ports(ImageArchive image) {
        List<String> ports = new ArrayList<>();
        image.runConfig().path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        return ports;
    }

    @Test
    void brokerImageRunsOnItsOwnJavaRuntimeAndServesKafkaClients(@TempDir Path work) throws Exception {
        ImageArchive image = ImageArchive.open(Path.of(System.getProperty("floe.broker.image")));
        Path root = work.resolve("rootfs");
        Map<String, Integer> modes = image.unpack(root);

        // What a container runtime needs from the files: an executable runtime and its loader, a writable /tmp
        // and data directory for user 185 (files belong to root in the image), the user in /etc/passwd.
        assertThat(modes.get(RUNTIME_JAVA) & 0111).as("mode of " + RUNTIME_JAVA).isEqualTo(0111);
        assertThat(modes.get("/lib64/ld-linux-x86-64.so.2") & 0111).as("mode of the ELF loader").isEqualTo(0111);
        assertThat(modes.get("/tmp") & 0777).isEqualTo(0777);
        assertThat(modes.get("/var/lib/floe") & 0777).isEqualTo(0777);
        assertThat(Files.readString(root.resolve("etc/passwd"))).contains("floe:x:185:0:");
        assertThat(root.resolve("deployments/quarkus-run.jar")).isRegularFile();

        int kafkaPort = FloeProcess.freePort();
        int httpPort = FloeProcess.freePort();
        Map<String, String> env = new HashMap<>(image.env());
        env.put("FLOE_KAFKA_PORT", Integer.toString(kafkaPort));
        env.put("FLOE_HTTP_PORT", Integer.toString(httpPort));
        env.put("FLOE_ADVERTISED_HOST", "127.0.0.1");
        // The image sizes the heap from a container memory limit; on a test machine without one, cap it.
        env.put("JDK_JAVA_OPTIONS", env.get("JDK_JAVA_OPTIONS") + " -Xmx384m");

        boolean isolated = ImageRun.canIsolate(work);
        System.out.println("ImageArchiveIT: running the broker image " + (isolated
                ? "chrooted into its root filesystem in a user namespace"
                : "with its runtime on the host's libraries (no unprivileged user namespaces here)"));
        Path dataDir;
        List<String> command;
        if (isolated) {
            // Inside a user namespace, chrooted into the unpacked image: only the image's files (its runtime, its
            // glibc and libraries, its /etc/passwd) are visible, and the broker writes the image's data directory.
            command = ImageRun.isolated(root, image.entrypoint());
            dataDir = root.resolve(image.env().get("FLOE_DATA_DIR").substring(1));
        } else {
            // No unprivileged user namespaces on this machine: the image's runtime on the host's libraries.
            command = new ArrayList<>(image.entrypoint());
            command.replaceAll(arg -> arg.startsWith("/") ? root + arg : arg);
            dataDir = work.resolve("data");
            env.put("FLOE_DATA_DIR", dataDir.toString());
        }
        Path log = work.resolve("broker.log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().clear();
        builder.environment().putAll(env);
        Process broker = builder.start();
        try {
            awaitReady(broker, httpPort, kafkaPort, log);
            String topic = "image-" + UUID.randomUUID();
            String bootstrap = "127.0.0.1:" + kafkaPort;
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            List<String> sent = new ArrayList<>();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(bootstrap))) {
                for (int i = 0; i < 200; i++) {
                    sent.add("record-" + i);
                    producer.send(new ProducerRecord<>(topic, Integer.toString(i), "record-" + i));
                }
                producer.flush();
            }
            List<String> read = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(bootstrap))) {
                consumer.subscribe(List.of(topic));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (read.size() < sent.size() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        read.add(r.value());
                    }
                }
            }
            assertThat(read).containsExactlyInAnyOrderElementsOf(sent);
            try (Stream<Path> dirs = Files.list(dataDir)) {
                assertThat(dirs.map(p -> p.getFileName().toString()))
                        .as("partition directories in the broker's data directory " + dataDir)
                        .contains(topic + "-0", topic + "-1");
            }
        } finally {
            // SIGTERM to the JVM itself (inside the namespace it is PID 1, as in a container); unshare exits once
            // the JVM has, so nothing writes the temporary directory after this.
            List<ProcessHandle> jvm = broker.descendants().toList();
            if (jvm.isEmpty()) {
                broker.destroy();
            } else {
                jvm.forEach(ProcessHandle::destroy);
            }
            if (!broker.waitFor(30, TimeUnit.SECONDS)) {
                broker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertThat(Files.readString(log)).as("the broker's log").doesNotContain("LEAK:");
    }

    private static Properties producerProps(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return p;
    }

    private static Properties consumerProps(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "image-check");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return p;
    }

    /** Readiness as the chart's probe sees it (/q/health/ready), then the Kafka port accepting connections. */
    private static void awaitReady(Process broker, int httpPort, int kafkaPort, Path log) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!broker.isAlive()) {
                throw new IllegalStateException("the image's broker exited with " + broker.exitValue()
                        + "; its log:\n" + Files.readString(log));
            }
            try {
                HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    try (Socket ignored = new Socket("127.0.0.1", kafkaPort)) {
                        return;
                    }
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the image's broker was not ready within 90 s; its log:\n"
                + Files.readString(log));
    }
}
