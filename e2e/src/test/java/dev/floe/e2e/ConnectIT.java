package dev.floe.e2e;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A distributed Kafka Connect worker (connect-runtime and connect-file 4.3.1 from Maven Central, run as its own
 * process with {@code ConnectDistributed worker.properties}) against the packaged broker: it starts, which needs
 * its three internal topics created compacted (it checks their cleanup.policy and refuses to run otherwise);
 * a FileStreamSource created over the REST API copies a file's lines into a topic and a FileStreamSink copies them
 * out; after a worker restart the source resumes from the offset it stored, so no line is copied twice.
 */
class ConnectIT extends BrokerPerClass {
    /** The Jetty connect-runtime 4.3.1 is built with. */
    private static final String JETTY_OF_CONNECT = "12.0.34";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void fileSourceAndSinkRunInADistributedWorkerAndResumeAfterARestart() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "connect").toAbsolutePath();
        String group = unique("connect");
        String topic = group + "-lines";
        Path input = work.resolve("input.txt");
        Path output = work.resolve("output.txt");
        Files.write(input, lines(1, 10));
        int port = FloeProcess.freePort();
        Path properties = work.resolve("worker.properties");
        Files.writeString(properties, String.join("\n",
                "bootstrap.servers=" + broker.bootstrap(),
                "group.id=" + group,
                "key.converter=org.apache.kafka.connect.storage.StringConverter",
                "value.converter=org.apache.kafka.connect.storage.StringConverter",
                "config.storage.topic=" + group + "-configs",
                "offset.storage.topic=" + group + "-offsets",
                "status.storage.topic=" + group + "-status",
                "config.storage.replication.factor=1",
                "offset.storage.replication.factor=1",
                "status.storage.replication.factor=1",
                "offset.flush.interval.ms=500",
                "listeners=http://127.0.0.1:" + port,
                "rest.advertised.host.name=127.0.0.1",
                "rest.advertised.port=" + port,
                // A restarted worker's old member never sent LeaveGroup: bound how long its rejoin waits for it.
                "session.timeout.ms=10000",
                "scheduled.rebalance.max.delay.ms=2000") + "\n");
        String rest = "http://127.0.0.1:" + port;

        Process worker = startWorker(properties, work.resolve("worker-1.log"));
        try {
            awaitTrue(() -> get(rest + "/connectors").statusCode() == 200, "the worker's REST API answers");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
                for (String internal : List.of("-configs", "-offsets", "-status")) {
                    Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC,
                            group + internal))).all().get(30, TimeUnit.SECONDS).values().iterator().next();
                    assertThat(config.get("cleanup.policy").value()).as(internal).isEqualTo("compact");
                }
            }
            put(rest + "/connectors/source/config", "{\"connector.class\":\"org.apache.kafka.connect.file."
                    + "FileStreamSourceConnector\",\"tasks.max\":\"1\",\"file\":\"" + input + "\",\"topic\":\""
                    + topic + "\"}");
            put(rest + "/connectors/sink/config", "{\"connector.class\":\"org.apache.kafka.connect.file."
                    + "FileStreamSinkConnector\",\"tasks.max\":\"1\",\"file\":\"" + output + "\",\"topics\":\""
                    + topic + "\"}");
            awaitTrue(() -> readTopic(topic).size() >= 10, "the source copied the file into the topic");
            assertThat(readTopic(topic)).containsExactlyElementsOf(lines(1, 10));
            awaitTrue(() -> fileLines(output).size() >= 10, "the sink copied the topic into a file");
            assertThat(fileLines(output)).containsExactlyElementsOf(lines(1, 10));
        } finally {
            stop(worker);
        }

        Files.write(input, lines(11, 15), StandardOpenOption.APPEND);
        Process restarted = startWorker(properties, work.resolve("worker-2.log"));
        try {
            awaitTrue(() -> readTopic(topic).size() >= 15, "the restarted source copied the new lines");
            // Give a duplicate from a wrongly restored offset the time to arrive: one more flush interval.
            awaitTrue(() -> fileLines(output).size() >= 15, "the restarted sink copied the new lines");
            assertThat(readTopic(topic)).as("resumed from the stored offset: nothing copied twice")
                    .containsExactlyElementsOf(lines(1, 15));
            assertThat(fileLines(output)).containsExactlyElementsOf(lines(1, 15));
            assertThat(get(rest + "/connectors/source/status").body()).contains("\"state\":\"RUNNING\"");
        } finally {
            stop(restarted);
        }
    }

    private static List<String> lines(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(i -> "line " + i).toList();
    }

    private Process startWorker(Path properties, Path log) throws IOException {
        List<String> command = List.of(FloeProcess.javaBin(), "-Xmx512m", "-cp", workerClasspath(),
                "-Dorg.slf4j.simpleLogger.showDateTime=true", "org.apache.kafka.connect.cli.ConnectDistributed",
                properties.toString());
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /**
     * This module's test classpath with two fixes from the same local repository. Maven resolves slf4j-api to 1.7
     * (for Kafka's tools) beside the 2.x slf4j-simple, which 1.7 cannot bind: the worker gets the 2.x API, so its
     * log shows what it did. And s3proxy pulls some Jetty 12.1 jars beside connect-runtime's Jetty 12.0, which
     * Connect's REST server cannot start with: the worker gets connect-runtime's version of each.
     */
    private static String workerClasspath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path jar = Path.of(entry);
            if (jar.getFileName().toString().matches("slf4j-api-1\\..*\\.jar")) {
                Path newer = jar.getParent().getParent().resolve("2.0.17").resolve("slf4j-api-2.0.17.jar");
                if (Files.exists(newer)) {
                    entries.add(newer.toString());
                    continue;
                }
            }
            if (entry.contains("/org/eclipse/jetty/") && jar.getParent().getFileName().toString().startsWith("12.1.")) {
                String name = jar.getFileName().toString();
                String version = jar.getParent().getFileName().toString();
                Path connects = jar.getParent().resolveSibling(JETTY_OF_CONNECT)
                        .resolve(name.replace(version, JETTY_OF_CONNECT));
                if (Files.exists(connects)) {
                    entries.add(connects.toString());
                    continue;
                }
            }
            entries.add(entry);
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private HttpResponse<String> get(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new Unreachable(url);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void put(String url, String json) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isIn(200, 201);
    }

    private List<String> readTopic(String topic) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
                broker.bootstrap(), "key.deserializer", StringDeserializer.class.getName(), "value.deserializer",
                StringDeserializer.class.getName()))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                }
            }
        } catch (RuntimeException e) {
            // The topic does not exist yet.
        }
        return values;
    }

    private static List<String> fileLines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Waits for a condition of another process (the worker), which sends no event this test could await. */
    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(250);
        }
    }

    /** A response for a server that is not listening yet. */
    private record Unreachable(String url) implements HttpResponse<String> {
        public int statusCode() {
            return -1;
        }

        public HttpRequest request() {
            return HttpRequest.newBuilder(URI.create(url)).build();
        }

        public java.util.Optional<HttpResponse<String>> previousResponse() {
            return java.util.Optional.empty();
        }

        public java.net.http.HttpHeaders headers() {
            return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true);
        }

        public String body() {
            return "";
        }

        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
            return java.util.Optional.empty();
        }

        public URI uri() {
            return URI.create(url);
        }

        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
