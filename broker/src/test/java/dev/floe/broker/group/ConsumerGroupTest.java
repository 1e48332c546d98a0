package dev.floe.broker.group;

import dev.floe.broker.app.Broker;
import dev.floe.broker.kafka.KafkaClients;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Real KafkaConsumers sharing a topic through the classic group protocol. */
@QuarkusTest
class ConsumerGroupTest {
    private static final int PARTITIONS = 6;

    @Inject
    Broker broker;

    private static String topicWithRecords(int perPartition) throws Exception {
        String topic = "g-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = KafkaClients.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
        produce(topic, perPartition);
        return topic;
    }

    private static void produce(String topic, int perPartition) {
        try (KafkaProducer<String, String> producer = KafkaClients.producer(Map.of())) {
            for (int p = 0; p < PARTITIONS; p++) {
                for (int i = 0; i < perPartition; i++) {
                    producer.send(new ProducerRecord<>(topic, p, null, "v" + i));
                }
            }
            producer.flush();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Every offset 0..end-1 of every partition appears at least once. */
    private static void assertNoGaps(String topic, long end, List<ConsumerRecord<String, String>> records) {
        Map<Integer, Set<Long>> seen = new ConcurrentHashMap<>();
        records.stream().filter(r -> r.topic().equals(topic))
                .forEach(r -> seen.computeIfAbsent(r.partition(), p -> new HashSet<>()).add(r.offset()));
        for (int p = 0; p < PARTITIONS; p++) {
            for (long o = 0; o < end; o++) {
                assertThat(seen.getOrDefault(p, Set.of())).as("partition %d offset %d consumed", p, o).contains(o);
            }
        }
    }

    @Test
    void threeMembersShareSixPartitionsAndACloseMovesItsShare() throws Exception {
        String topic = topicWithRecords(50);
        String group = "grp-" + topic;
        try (GroupMember a = new GroupMember(group, topic, Map.of());
             GroupMember b = new GroupMember(group, topic, Map.of())) {
            GroupMember c = new GroupMember(group, topic, Map.of());
            await("each of three members holds two partitions",
                    () -> a.assigned.size() == 2 && b.assigned.size() == 2 && c.assigned.size() == 2);
            Set<TopicPartition> all = new HashSet<>(a.assigned);
            all.addAll(b.assigned);
            all.addAll(c.assigned);
            assertThat(all).hasSize(PARTITIONS);

            c.close();
            await("the two remaining members hold three partitions each", () -> a.assigned.size() == 3 && b.assigned.size() == 3);
            produce(topic, 50);
            List<ConsumerRecord<String, String>> consumed = new java.util.ArrayList<>();
            await("all 100 records of every partition are consumed", () -> {
                consumed.clear();
                consumed.addAll(a.recordsSnapshot());
                consumed.addAll(b.recordsSnapshot());
                consumed.addAll(c.recordsSnapshot());
                return consumed.stream().map(r -> r.partition() + ":" + r.offset()).distinct().count() == 100L * PARTITIONS;
            });
            assertNoGaps(topic, 100, consumed);
            assertThat(a.failure()).isNull();
            assertThat(b.failure()).isNull();
        }
    }

    @Test
    void aRestartedStaticMemberGetsItsPartitionsBackWithoutARebalance() throws Exception {
        // Issue 10 / KIP-345: a member with group.instance.id that restarts within its session timeout rejoins
        // under a new member id with its old assignment; the other members see no rebalance.
        String topic = topicWithRecords(5);
        String group = "grp-" + topic;
        Map<String, Object> staticMember = Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "static-1",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 30000);
        try (GroupMember other = new GroupMember(group, topic, Map.of())) {
            GroupMember first = new GroupMember(group, topic, staticMember);
            await("each member holds three partitions", () -> first.assigned.size() == 3 && other.assigned.size() == 3);
            Set<TopicPartition> staticShare = Set.copyOf(first.assigned);
            int revokedBefore = other.revoked.size();
            first.close(); // a static member's close does not leave the group

            try (GroupMember restarted = new GroupMember(group, topic, staticMember)) {
                await("the restarted static member holds partitions again", () -> restarted.assigned.size() == 3);
                assertThat(restarted.assigned).isEqualTo(staticShare);
                // Any rebalance would have made the other (eager) member revoke everything before the restarted
                // member could get an assignment, so this is already settled.
                assertThat(other.revoked).as("partitions the other member gave up").hasSize(revokedBefore);
                assertThat(other.assigned).hasSize(3);
                assertThat(restarted.failure()).isNull();
            }
            assertThat(other.failure()).isNull();
        }
    }

    @Test
    void aKilledMembersPartitionsMoveAfterItsSessionTimesOut() throws Exception {
        String topic = topicWithRecords(20);
        String group = "grp-" + topic;
        Process killed = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-cp",
                System.getProperty("java.class.path"), GroupMemberProcess.class.getName(), group, topic)
                .redirectErrorStream(true).start();
        Set<String> killedSaw = ConcurrentHashMap.newKeySet();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(killed.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("record ")) {
                        String[] parts = line.split(" ");
                        killedSaw.add(parts[1] + ":" + parts[2]);
                    } else if (line.startsWith("assigned ")) {
                        killedSaw.add(line);
                    }
                }
            } catch (Exception ignored) {
                // the process was killed
            }
        });
        reader.start();
        try {
            await("the separate consumer process joins", () -> killedSaw.stream().anyMatch(s -> s.startsWith("assigned ")));
            try (GroupMember survivor = new GroupMember(group, topic, Map.of())) {
                await("both members hold three partitions", () -> survivor.assigned.size() == 3);
                killed.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                produce(topic, 20);
                await("the survivor takes over all six partitions after the session timeout",
                        () -> survivor.assigned.size() == PARTITIONS);
                await("every record was consumed by one of them", () -> {
                    Set<String> union = new HashSet<>(killedSaw);
                    survivor.recordsSnapshot().forEach(r -> union.add(r.partition() + ":" + r.offset()));
                    for (int p = 0; p < PARTITIONS; p++) {
                        for (int o = 0; o < 40; o++) {
                            if (!union.contains(p + ":" + o)) {
                                return false;
                            }
                        }
                    }
                    return true;
                });
            }
        } finally {
            killed.destroyForcibly();
        }
    }

    @Test
    void cooperativeStickyKeepsUnaffectedPartitions() throws Exception {
        String topic = topicWithRecords(5);
        String group = "grp-" + topic;
        Map<String, Object> cooperative = Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                CooperativeStickyAssignor.class.getName());
        try (GroupMember first = new GroupMember(group, topic, cooperative)) {
            await("the first member holds every partition", () -> first.assigned.size() == PARTITIONS);
            try (GroupMember second = new GroupMember(group, topic, cooperative)) {
                await("the partitions are split three and three",
                        () -> first.assigned.size() == 3 && second.assigned.size() == 3);
                assertThat(first.revoked).as("only the partitions that moved were revoked").hasSize(3)
                        .doesNotContainAnyElementsOf(first.assigned);
            }
        }
    }

    @Test
    void committedOffsetsAreRebuiltFromTheInternalTopic() throws Exception {
        String topic = topicWithRecords(10);
        String group = "grp-" + topic;
        try (var consumer = KafkaClients.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
            consumer.assign(List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 3)));
            consumer.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(7, "m0"),
                    new TopicPartition(topic, 3), new OffsetAndMetadata(4)));
        }
        // A second store replaying the same log sees what the running coordinator acknowledged.
        OffsetStore replayed = new OffsetStore(broker.appender(), broker.topics().get(OffsetStore.TOPIC).partitions());
        replayed.load(broker.logs());
        Map<TopicPartition, CommittedOffset> committed = replayed.committed(group);
        assertThat(committed.get(new TopicPartition(topic, 0)).offset()).isEqualTo(7);
        assertThat(committed.get(new TopicPartition(topic, 0)).metadata()).isEqualTo("m0");
        assertThat(committed.get(new TopicPartition(topic, 3)).offset()).isEqualTo(4);
    }
}
