package dev.floe.e2e;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

/** A group member polling and committing after every poll, as an application would, on its own thread. */
final class GroupReader implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<String, Integer> deliveries = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Map<Integer, Long> lastCommitted = Map.of();

    GroupReader(String bootstrap, String topic, String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(topic));
        thread = new Thread(this::run, "group-reader");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running.get()) {
            try {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    deliveries.merge(r.partition() + "/" + r.offset(), 1, Integer::sum);
                }
                Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> positions = new HashMap<>();
                for (TopicPartition tp : consumer.assignment()) {
                    positions.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(consumer.position(tp)));
                }
                consumer.commitSync(positions, Duration.ofSeconds(10));
                Map<Integer, Long> merged = new HashMap<>(lastCommitted);
                positions.forEach((tp, o) -> merged.put(tp.partition(), o.offset()));
                lastCommitted = Map.copyOf(merged);
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                return;
            } catch (org.apache.kafka.common.KafkaException e) {
                // The coordinator is gone or the group is rebalancing: poll again, as an application would.
            }
        }
    }

    Map<Integer, Long> lastCommitted() {
        return lastCommitted;
    }

    long distinctConsumed() {
        return deliveries.size();
    }

    /** Deliveries after the first of records below {@code committed} (per partition). */
    List<String> redeliveredBelow(Map<Integer, Long> committed) {
        return deliveries.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .filter(k -> {
                    String[] po = k.split("/");
                    return Long.parseLong(po[1]) < committed.getOrDefault(Integer.parseInt(po[0]), -1L);
                }).sorted().toList();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        consumer.wakeup();
        thread.join(30_000);
        consumer.close(Duration.ofSeconds(5));
    }
}
