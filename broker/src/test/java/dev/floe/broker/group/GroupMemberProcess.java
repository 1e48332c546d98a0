package dev.floe.broker.group;

import dev.floe.broker.kafka.KafkaClients;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A group consumer in its own JVM, so a test can kill it with SIGKILL. It prints "assigned N" after each
 * rebalance and "record P O" for every record, and commits after each poll.
 */
public final class GroupMemberProcess {
    public static void main(String[] args) {
        String group = args[0];
        String topic = args[1];
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1000))) {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    System.out.println("assigned " + consumer.assignment().size());
                    System.out.flush();
                }
            });
            while (true) {
                var batch = consumer.poll(Duration.ofMillis(100));
                batch.forEach(r -> System.out.println("record " + r.partition() + " " + r.offset()));
                if (!batch.isEmpty()) {
                    consumer.commitSync();
                }
                System.out.flush();
            }
        }
    }
}
