package dev.floe.broker.fetch;

import dev.floe.broker.kafka.KafkaClients;
import dev.floe.broker.replication.BrokerChannel;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.Records;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Incremental fetch sessions (KIP-227) as a real consumer and a raw Fetch request see them. */
@QuarkusTest
class IncrementalFetchTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final short V12 = 12;
    private static final short V13 = 13;

    private static String createTopic(int partitions) throws Exception {
        String name = "fs-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = KafkaClients.admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
        return name;
    }

    /** A value from the broker's Prometheus endpoint, as an operator scrapes it. */
    private static double metric(String name) throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:18080/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String line : body.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError(name + " not in /q/metrics");
    }

    private static void produce(String topic, int partition, String value) throws Exception {
        try (KafkaProducer<String, String> producer = KafkaClients.producer(Map.of())) {
            producer.send(new ProducerRecord<>(topic, partition, null, value)).get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void aConsumerOfFiftyPartitionsReadsEverythingOverAnIncrementalSession() throws Exception {
        int partitions = 50;
        String topic = createTopic(partitions);
        double createdBefore = metric("floe_fetch_sessions_created_total");
        double incrementalBefore = metric("floe_fetch_sessions_incremental_fetches_total");
        double errorsBefore = metric("floe_fetch_sessions_errors_total");
        Set<String> sent = new HashSet<>();
        try (KafkaProducer<String, String> producer = KafkaClients.producer(Map.of())) {
            for (int i = 0; i < 500; i++) {
                String value = "first-" + i;
                producer.send(new ProducerRecord<>(topic, i % partitions, null, value));
                sent.add(value);
            }
            producer.flush();
        }
        Set<String> received = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "g-" + topic, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100))) {
            consumer.subscribe(List.of(topic));
            pollUntil(consumer, received, sent.size());
            // The session is live while the consumer is: it holds all fifty partitions.
            assertThat(metric("floe_fetch_sessions_active")).isGreaterThanOrEqualTo(1);
            assertThat(metric("floe_fetch_sessions_partitions_cached")).isGreaterThanOrEqualTo(partitions);

            // New records on a few partitions reach a consumer that by now only sends incremental fetches.
            try (KafkaProducer<String, String> producer = KafkaClients.producer(Map.of())) {
                for (int i = 0; i < 30; i++) {
                    String value = "second-" + i;
                    producer.send(new ProducerRecord<>(topic, (i * 7) % partitions, null, value));
                    sent.add(value);
                }
                producer.flush();
            }
            pollUntil(consumer, received, sent.size());
            // An idle consumer keeps fetching (every fetch.max.wait.ms): each of those is incremental now.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> received.add(r.value()));
                return metric("floe_fetch_sessions_incremental_fetches_total") - incrementalBefore >= 10;
            });
        }
        assertThat(received).isEqualTo(sent);
        assertThat(metric("floe_fetch_sessions_created_total") - createdBefore).isGreaterThanOrEqualTo(1);
        assertThat(metric("floe_fetch_sessions_errors_total") - errorsBefore).isZero();
    }

    private static void pollUntil(KafkaConsumer<String, String> consumer, Set<String> received, int count) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                received.add(r.value());
            }
            return received.size() >= count;
        });
    }

    @Test
    void anIncrementalFetchReturnsOnlyThePartitionThatChanged() throws Exception {
        String topic = createTopic(3);
        for (int p = 0; p < 3; p++) {
            produce(topic, p, "old-" + p);
        }
        try (BrokerChannel channel = new BrokerChannel("127.0.0.1", 19092, 10000, 15000, "raw-fetch")) {
            FetchRequestData full = fetch(0, 0, 0);
            FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic().setTopic(topic).setTopicId(Uuid.ZERO_UUID);
            for (int p = 0; p < 3; p++) {
                t.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(1)
                        .setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(-1).setLastFetchedEpoch(-1));
            }
            full.topics().add(t);
            FetchResponseData first = call(channel, full);
            assertThat(first.errorCode()).isZero();
            int session = first.sessionId();
            assertThat(session).as("a full fetch at epoch 0 opens a session").isPositive();
            assertThat(partitionsOf(first)).containsExactly(0, 1, 2);

            produce(topic, 1, "new-1");
            FetchResponseData second = call(channel, fetch(session, 1, 0));
            assertThat(second.errorCode()).isZero();
            assertThat(second.sessionId()).isEqualTo(session);
            assertThat(partitionsOf(second)).containsExactly(1);
            assertThat(values(second)).containsExactly("new-1");

            // The fetcher moves partition 1 on; nothing else changed, so nothing comes back.
            FetchRequestData moved = fetch(session, 2, 0);
            moved.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setTopicId(Uuid.ZERO_UUID)
                    .setPartitions(List.of(new FetchRequestData.FetchPartition().setPartition(1).setFetchOffset(2)
                            .setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(-1).setLastFetchedEpoch(-1))));
            FetchResponseData third = call(channel, moved);
            assertThat(third.errorCode()).isZero();
            assertThat(third.responses()).isEmpty();

            // A parked incremental fetch, completed by an append, still carries only what changed.
            CompletableFuture<Void> append = CompletableFuture.runAsync(() -> {
                try {
                    produce(topic, 2, "new-2");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            FetchResponseData parked = call(channel, fetch(session, 3, 10000));
            append.get(20, TimeUnit.SECONDS);
            assertThat(parked.errorCode()).isZero();
            assertThat(partitionsOf(parked)).containsExactly(2);
            assertThat(values(parked)).containsExactly("new-2");

            FetchResponseData stale = call(channel, fetch(session, 3, 0));
            assertThat(Errors.forCode(stale.errorCode())).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH);
            FetchResponseData unknown = call(channel, fetch(session + 1, 1, 0));
            assertThat(Errors.forCode(unknown.errorCode())).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);

            FetchResponseData closed = call(channel, fetch(session, -1, 0));
            assertThat(closed.sessionId()).isZero();
            assertThat(Errors.forCode(call(channel, fetch(session, 4, 0)).errorCode()))
                    .as("the final epoch closed the session").isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND);
        }
    }

    @Test
    void aSessionOfTopicIdsServesFetchV13AndRefusesRequestsOfNames() throws Exception {
        String topic = createTopic(2);
        Uuid id;
        try (Admin admin = KafkaClients.admin()) {
            id = admin.describeTopics(List.of(topic)).allTopicNames().get(20, TimeUnit.SECONDS).get(topic).topicId();
        }
        produce(topic, 0, "a");
        produce(topic, 1, "b");
        Uuid unknown = Uuid.randomUuid();
        try (BrokerChannel channel = new BrokerChannel("127.0.0.1", 19092, 10000, 15000, "raw-fetch-ids")) {
            FetchRequestData full = fetch(0, 0, 0);
            FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic().setTopicId(id);
            for (int p = 0; p < 2; p++) {
                t.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(0)
                        .setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(-1).setLastFetchedEpoch(-1));
            }
            full.topics().add(t);
            full.topics().add(new FetchRequestData.FetchTopic().setTopicId(unknown).setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setPartitionMaxBytes(1 << 20))));
            FetchResponseData first = (FetchResponseData) channel.call(ApiKeys.FETCH, V13, full);
            int session = first.sessionId();
            assertThat(session).isPositive();
            assertThat(first.responses()).extracting(FetchResponseData.FetchableTopicResponse::topicId)
                    .containsExactly(id, unknown);
            assertThat(values(first)).containsExactlyInAnyOrder("a", "b");
            assertThat(Errors.forCode(first.responses().get(1).partitions().get(0).errorCode()))
                    .isEqualTo(Errors.UNKNOWN_TOPIC_ID);

            // The fetcher moves both partitions past what it got and drops the unknown id.
            FetchRequestData moved = fetch(session, 1, 0);
            moved.topics().add(new FetchRequestData.FetchTopic().setTopicId(id).setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(1).setPartitionMaxBytes(1 << 20)
                            .setCurrentLeaderEpoch(-1).setLastFetchedEpoch(-1),
                    new FetchRequestData.FetchPartition().setPartition(1).setFetchOffset(1).setPartitionMaxBytes(1 << 20)
                            .setCurrentLeaderEpoch(-1).setLastFetchedEpoch(-1))));
            moved.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopicId(unknown)
                    .setPartitions(List.of(0)));
            FetchResponseData second = (FetchResponseData) channel.call(ApiKeys.FETCH, V13, moved);
            assertThat(second.errorCode()).isZero();
            assertThat(second.responses()).isEmpty();

            produce(topic, 0, "c");
            FetchResponseData third = (FetchResponseData) channel.call(ApiKeys.FETCH, V13, fetch(session, 2, 0));
            assertThat(third.responses()).extracting(FetchResponseData.FetchableTopicResponse::topicId).containsExactly(id);
            assertThat(partitionsOf(third)).containsExactly(0);
            assertThat(values(third)).containsExactly("c");

            FetchResponseData byName = call(channel, fetch(session, 3, 0));
            assertThat(Errors.forCode(byName.errorCode())).isEqualTo(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
        }
    }

    private static FetchRequestData fetch(int sessionId, int epoch, int maxWaitMs) {
        return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1).setMaxBytes(1 << 24)
                .setIsolationLevel((byte) 0).setSessionId(sessionId).setSessionEpoch(epoch);
    }

    private static FetchResponseData call(BrokerChannel channel, FetchRequestData request) throws Exception {
        return (FetchResponseData) channel.call(ApiKeys.FETCH, V12, request);
    }

    private static List<Integer> partitionsOf(FetchResponseData response) {
        List<Integer> out = new ArrayList<>();
        response.responses().forEach(t -> t.partitions().forEach(p -> out.add(p.partitionIndex())));
        return out;
    }

    private static List<String> values(FetchResponseData response) {
        List<String> out = new ArrayList<>();
        response.responses().forEach(t -> t.partitions().forEach(p -> {
            for (Record r : ((Records) p.records()).records()) {
                out.add(StandardCharsets.UTF_8.decode(r.value()).toString());
            }
        }));
        return out;
    }
}
