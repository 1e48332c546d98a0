package dev.floe.broker.group;

import dev.floe.broker.kafka.KafkaClients;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real KafkaConsumer in a group, polling on its own thread and committing after each poll. */
final class GroupMember implements AutoCloseable {
    final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
    final List<TopicPartition> revoked = new CopyOnWriteArrayList<>();
    final List<ConsumerRecord<String, String>> records = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    GroupMember(String group, String topic, Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>(overrides);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10000);
        config.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1000);
        thread = new Thread(() -> run(config, topic), "member-" + group);
        thread.start();
    }

    private void run(Map<String, Object> config, String topic) {
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(config)) {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    revoked.addAll(partitions);
                    assigned.removeAll(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    assigned.addAll(partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    assigned.removeAll(partitions);
                }
            });
            while (running) {
                var batch = consumer.poll(Duration.ofMillis(100));
                batch.forEach(records::add);
                if (!batch.isEmpty()) {
                    consumer.commitSync();
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    Throwable failure() {
        return failure;
    }

    List<ConsumerRecord<String, String>> recordsSnapshot() {
        return new ArrayList<>(records);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30000);
    }
}
