package dev.floe.broker.produce.compression;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** How much produced data the broker rewrote into topics' codecs, per topic and target codec. */
public final class CompressionMetrics {
    private record Meters(Counter batches, Counter bytesIn, Counter bytesOut, Timer time) {
    }

    private final MeterRegistry registry;
    private final Map<String, Meters> byTopicAndCodec = new ConcurrentHashMap<>();

    public CompressionMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void recorded(String topic, String codec, Recompressor.Outcome outcome, long nanos) {
        Meters m = byTopicAndCodec.computeIfAbsent(topic + '\0' + codec, k -> new Meters(
                Counter.builder("floe.produce.recompressed.batches").tag("topic", topic).tag("codec", codec)
                        .description("Produced batches rewritten into the topic's compression.type").register(registry),
                Counter.builder("floe.produce.recompressed.in").tag("topic", topic).tag("codec", codec)
                        .baseUnit("bytes").description("Size of those batches as the producer sent them")
                        .register(registry),
                Counter.builder("floe.produce.recompressed.out").tag("topic", topic).tag("codec", codec)
                        .baseUnit("bytes").description("Size of those batches as stored").register(registry),
                Timer.builder("floe.produce.recompression").tag("topic", topic).tag("codec", codec)
                        .description("Time spent rewriting produced batches into the topic's codec")
                        .register(registry)));
        m.batches().increment(outcome.batchesRewritten());
        m.bytesIn().increment(outcome.bytesBefore());
        m.bytesOut().increment(outcome.bytesAfter());
        m.time().record(nanos, TimeUnit.NANOSECONDS);
    }
}
