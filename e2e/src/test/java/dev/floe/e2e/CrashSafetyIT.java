package dev.floe.e2e;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** SIGKILL while a producer (acks=1) is sending: every acknowledged record survives, appends continue after it. */
class CrashSafetyIT extends BrokerPerClass {

    @Test
    void acknowledgedRecordsSurviveASigkill() throws Exception {
        String topic = unique("crash");
        Cli.kafka("org.apache.kafka.tools.TopicCommand", null, "--bootstrap-server", broker.bootstrap(), "--create",
                "--topic", topic, "--partitions", "1").ok();
        Map<Long, String> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        Thread producerThread = new Thread(() -> {
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                    ProducerConfig.ACKS_CONFIG, "1",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                    ProducerConfig.LINGER_MS_CONFIG, 1,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000),
                    new StringSerializer(), new StringSerializer())) {
                for (int i = 0; sending.get(); i++) {
                    String value = "record-" + i;
                    try {
                        producer.send(new ProducerRecord<>(topic, 0, null, value), (RecordMetadata md, Exception e) -> {
                            if (e == null) {
                                acknowledged.put(md.offset(), value);
                            }
                        });
                    } catch (RuntimeException e) {
                        // the broker is gone: keep trying until the test stops us
                    }
                }
                producer.close(Duration.ZERO);
            }
        });
        producerThread.start();
        long deadline = System.currentTimeMillis() + 60_000;
        while (acknowledged.size() < 20_000 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(acknowledged.size()).as("records acknowledged before the kill").isGreaterThanOrEqualTo(20_000);
        broker.kill();
        sending.set(false);
        producerThread.join(30_000);
        Map<Long, String> acked = new HashMap<>(acknowledged);

        broker.start();
        TopicPartition tp = new TopicPartition(topic, 0);
        Map<Long, String> stored = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()), new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long readDeadline = System.currentTimeMillis() + 60_000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < readDeadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    stored.put(r.offset(), r.value());
                }
            }
            assertThat(stored).hasSize((int) end);
            for (long o = 0; o < end; o++) {
                assertThat(stored).as("offsets are contiguous after recovery").containsKey(o);
            }
            acked.forEach((offset, value) -> assertThat(stored.get(offset)).as("acknowledged offset %d", offset).isEqualTo(value));

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()), new StringSerializer(), new StringSerializer())) {
                RecordMetadata next = producer.send(new ProducerRecord<>(topic, 0, null, "after-restart")).get(30, TimeUnit.SECONDS);
                assertThat(next.offset()).as("appends continue right after the recovered log").isEqualTo(end);
            }
        }
    }
}
