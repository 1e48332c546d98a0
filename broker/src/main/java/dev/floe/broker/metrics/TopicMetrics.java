package dev.floe.broker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Bytes and records in and out per topic, as Micrometer counters. */
public final class TopicMetrics {
    private record Meters(Counter bytesIn, Counter recordsIn, Counter bytesOut, Counter produceErrors) {
    }

    private final MeterRegistry registry;
    private final Map<String, Meters> byTopic = new ConcurrentHashMap<>();

    public TopicMetrics(MeterRegistry registry) {
        this.registry = registry;
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

    public void appended(String topic, int bytes, int records) {
        Meters m = meters(topic);
        m.bytesIn().increment(bytes);
        m.recordsIn().increment(records);
    }

    public void produceFailed(String topic) {
        meters(topic).produceErrors().increment();
    }

    public void fetched(String topic, int bytes) {
        if (bytes > 0) {
            meters(topic).bytesOut().increment(bytes);
        }
    }
}
