package dev.floe.broker.app;

import dev.floe.broker.kafka.KafkaClients;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What an operator scrapes and probes: Prometheus metrics and health on the HTTP port. */
@QuarkusTest
class MetricsAndHealthTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:18080" + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readinessIsUpOnceTheListenerServes() throws Exception {
        HttpResponse<String> ready = get("/q/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("kafka-listener").contains("UP");
    }

    @Test
    void trafficShowsUpInPrometheusMetrics() throws Exception {
        String topic = "m-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = KafkaClients.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = KafkaClients.producer(Map.of())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "k", "v" + i)).get(20, TimeUnit.SECONDS);
            }
        }
        KafkaClients.readAll(List.of(new TopicPartition(topic, 0)), 10);

        String metrics = get("/q/metrics").body();
        assertThat(metrics).contains("floe_topic_records_in_total{topic=\"" + topic + "\"} 10.0");
        assertThat(metrics).containsPattern("floe_topic_bytes_in_bytes_total\\{topic=\"" + topic + "\"\\} [1-9]");
        assertThat(metrics).containsPattern("floe_topic_bytes_out_bytes_total\\{topic=\"" + topic + "\"\\} [1-9]");
        assertThat(metrics).contains("floe_kafka_requests_seconds_count{api=\"Produce\"");
        assertThat(metrics).contains("floe_kafka_requests_seconds{api=\"Fetch\",quantile=\"0.99\"");
        assertThat(metrics).contains("floe_kafka_connections_active");
        assertThat(metrics).containsPattern("floe_log_partitions [1-9]");
        assertThat(metrics).containsPattern("floe_log_size_bytes [1-9]");
    }

    /** What the operator's load-aware balancing reads: bytes in and out of each partition this broker leads. */
    @Test
    void partitionTrafficIsCountedPerPartitionAndLeavesWithTheTopic() throws Exception {
        String topic = "pm-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = KafkaClients.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = KafkaClients.producer(Map.of())) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, 1, "k", "value-" + i)).get(20, TimeUnit.SECONDS);
            }
        }
        String metrics = get("/q/metrics").body();
        double topicIn = value(metrics, "floe_topic_bytes_in_bytes_total{topic=\"" + topic + "\"}");
        assertThat(topicIn).isPositive();
        // Every byte of the topic went to partition 1; partition 0 took none and has no series.
        assertThat(value(metrics, series("floe_partition_bytes_in_bytes_total", topic, 1))).isEqualTo(topicIn);
        assertThat(metrics).doesNotContain(series("floe_partition_bytes_in_bytes_total", topic, 0));
        assertThat(value(metrics, series("floe_partition_bytes_out_bytes_total", topic, 1))).as("no consumer yet")
                .isZero();

        KafkaClients.readAll(List.of(new TopicPartition(topic, 1)), 20);
        metrics = get("/q/metrics").body();
        // A consumer that read the partition once from the start was sent at least every byte appended to it.
        assertThat(value(metrics, series("floe_partition_bytes_out_bytes_total", topic, 1))).isGreaterThanOrEqualTo(topicIn);

        try (Admin admin = KafkaClients.admin()) {
            admin.deleteTopics(List.of(topic)).all().get(20, TimeUnit.SECONDS);
        }
        await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(get("/q/metrics").body())
                .doesNotContain(series("floe_partition_bytes_in_bytes_total", topic, 1))
                .doesNotContain(series("floe_partition_bytes_out_bytes_total", topic, 1)));
    }

    private static String series(String name, String topic, int partition) {
        return name + "{partition=\"" + partition + "\",topic=\"" + topic + "\"}";
    }

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        assertThat(m.find()).as("series %s in%n%s", series, metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
