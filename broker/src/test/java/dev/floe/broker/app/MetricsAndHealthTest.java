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

import static org.assertj.core.api.Assertions.assertThat;

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
}
