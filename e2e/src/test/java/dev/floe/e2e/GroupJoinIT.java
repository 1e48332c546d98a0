package dev.floe.e2e;

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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15, part 1: a consumer that re-subscribes quickly leaves member ids it never uses; the group's join must
 * still complete at once (Apache Kafka: about 100 ms), not after the 5-minute rebalance timeout.
 */
class GroupJoinIT extends BrokerPerClass {
    private static final int RECORDS = 10;

    private String topicWithRecords() throws Exception {
        String topic = unique("joins");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
            producer.flush();
        }
        return topic;
    }

    @Test
    void aJavaConsumerThatResubscribesGetsItsAssignmentWithinSeconds() throws Exception {
        String topic = topicWithRecords();
        String other = topicWithRecords();
        String group = unique("resubscribe-java");
        // Two quick subscriptions of librdkafka's kind whose ids are dropped; see AbandonedJoin for why they are raw.
        AbandonedJoin.send(broker.bootstrap(), group, topic);
        AbandonedJoin.send(broker.bootstrap(), group, topic);

        long start = System.nanoTime();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            // The application changes its mind several times before its first poll has joined the group.
            consumer.subscribe(List.of(topic, other));
            consumer.poll(Duration.ZERO);
            consumer.subscribe(List.of(other));
            consumer.poll(Duration.ZERO);
            consumer.subscribe(List.of(topic));

            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (records.size() < RECORDS && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(records).as("records consumed within 30 s").hasSize(RECORDS);
            assertThat(records).allMatch(r -> r.topic().equals(topic));
            assertThat(consumer.assignment()).hasSize(2);
            assertThat(seconds).as("seconds until the consumer joined and read everything").isLessThan(15);
        }
    }

    @Test
    void kcatJoinsWithinSecondsAfterAbandonedMemberIds() throws Exception {
        String topic = topicWithRecords();
        String group = unique("resubscribe-kcat");
        // kcat -G subscribes once; the ids librdkafka drops when an application re-subscribes are made raw.
        AbandonedJoin.send(broker.bootstrap(), group, topic);
        AbandonedJoin.send(broker.bootstrap(), group, topic);

        long start = System.nanoTime();
        // -G: a balanced consumer in the group (JoinGroup/SyncGroup through librdkafka); -e: exit at the end of
        // every assigned partition. Against the old broker this waited for the 300 s rebalance timeout.
        Cli.Result result = Cli.run(List.of(Cli.kcatBinary(), "-b", broker.bootstrap(), "-G", group, "-o", "beginning",
                "-e", "-f", "%s\\n", topic), null, 45);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(result.exitCode()).as(result.all()).isZero();
        assertThat(result.stdout().lines().filter(l -> l.startsWith("v")).count()).isEqualTo(RECORDS);
        assertThat(seconds).as("seconds until kcat joined and read everything").isLessThan(20);
    }
}
