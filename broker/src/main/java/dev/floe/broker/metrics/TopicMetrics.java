package dev.floe.broker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.TopicPartition;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Bytes and records in and out per topic, as Micrometer counters; per partition too ({@link PartitionMetrics}). */
public final class TopicMetrics {
    private record Meters(Counter bytesIn, Counter recordsIn, Counter bytesOut, Counter produceErrors) {
    }

    private final MeterRegistry registry;
    private final Map<String, Meters> byTopic = new ConcurrentHashMap<>();
    private final PartitionMetrics partitions;

    public TopicMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.partitions = new PartitionMetrics(registry);
    }

    public PartitionMetrics partitions() {
        return partitions;
    }

    private Meters meters(String topic) {
        return byTopic.computeIfAbsent(topic, t -> new Meters(
                Counter.builder("floe.topic.bytes.in").tag("topic", t).baseUnit("bytes")
                        .description("Record batch bytes appended").register(registry),
                Counter.builder("floe.topic.records.in").tag("topic", t)
                        .description("Records appended").register(registry),
                Counter.builder("floe.topic.bytes.out").tag("topic", t).baseUnit("bytes")
                        .description("Record batch bytes sent to fetchers").register(registry),
                Counter.builder("floe.topic.produce.errors").tag("topic", t)
                        .description("Produce requests refused for a partition").register(registry)));
    }

    /** Appended as leader (produce, and the broker's own appends to internal topics). */
    public void appended(TopicPartition tp, int bytes, int records) {
        partitions.appended(tp, bytes);
        Meters m = meters(tp.topic());
        m.bytesIn().increment(bytes);
        m.recordsIn().increment(records);
    }

    public void produceFailed(String topic) {
        meters(topic).produceErrors().increment();
    }

    /** Bytes of one partition sent to a consumer (not a follower: {@link #fetched} counts both). */
    public void fetchedByConsumer(TopicPartition tp, int bytes) {
        partitions.fetchedByConsumer(tp, bytes);
    }

    public void fetched(String topic, int bytes) {
        if (bytes > 0) {
            meters(topic).bytesOut().increment(bytes);
        }
    }
}
