package dev.floe.broker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.TopicPartition;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Traffic of each partition this broker leads, for the operator's load-aware balancing: {@code floe.partition.bytes.in}
 * (record batch bytes appended as leader) and {@code floe.partition.bytes.out} (record batch bytes sent to consumers;
 * follower fetches are replication, not load a leader change would move, so they are not counted here).
 *
 * <p>A partition's counters are made on its first byte and removed when this broker stops leading it or its log is
 * deleted, so the series a scrape sees are the partitions this broker leads (or led until a moment ago), and a
 * partition that comes back starts again from zero: readers take a counter that went down as a restart. The counters
 * are kept by {@link TopicPartition} (whose hash is cached), one lookup per batch or per fetched partition.
 */
public final class PartitionMetrics {
    static final String BYTES_IN = "floe.partition.bytes.in";
    static final String BYTES_OUT = "floe.partition.bytes.out";

    private record Meters(Counter bytesIn, Counter bytesOut) {
    }

    private final MeterRegistry registry;
    private final Map<TopicPartition, Meters> byPartition = new ConcurrentHashMap<>();

    public PartitionMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    private Meters meters(TopicPartition tp) {
        Meters m = byPartition.get(tp);
        return m != null ? m : byPartition.computeIfAbsent(tp, this::register);
    }

    private Meters register(TopicPartition tp) {
        String partition = Integer.toString(tp.partition());
        return new Meters(
                Counter.builder(BYTES_IN).tag("topic", tp.topic()).tag("partition", partition).baseUnit("bytes")
                        .description("Record batch bytes appended to a partition this broker leads")
                        .register(registry),
                Counter.builder(BYTES_OUT).tag("topic", tp.topic()).tag("partition", partition).baseUnit("bytes")
                        .description("Record batch bytes of a partition this broker leads sent to consumers")
                        .register(registry));
    }

    public void appended(TopicPartition tp, int bytes) {
        if (bytes > 0) {
            meters(tp).bytesIn().increment(bytes);
        }
    }

    public void fetchedByConsumer(TopicPartition tp, int bytes) {
        if (bytes > 0) {
            meters(tp).bytesOut().increment(bytes);
        }
    }

    /** This broker no longer leads {@code tp}, or its log is gone: its series leave the scrape. */
    public void forget(TopicPartition tp) {
        Meters m = byPartition.remove(tp);
        if (m != null) {
            registry.remove(m.bytesIn());
            registry.remove(m.bytesOut());
        }
    }
}
