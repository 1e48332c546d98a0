package dev.floe.broker.network;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;

/** Connection counts for the Kafka listener, as Micrometer meters. */
final class ConnectionStats {
    private final AtomicInteger active = new AtomicInteger();
    private final Counter accepted;
    private final Counter rejected;

    ConnectionStats(MeterRegistry registry) {
        Gauge.builder("floe.kafka.connections.active", active, AtomicInteger::get)
                .description("Open Kafka protocol connections").register(registry);
        accepted = Counter.builder("floe.kafka.connections.accepted").register(registry);
        rejected = Counter.builder("floe.kafka.connections.rejected")
                .description("Connections closed for an oversized, malformed or unsupported request").register(registry);
    }

    void opened() {
        active.incrementAndGet();
        accepted.increment();
    }

    void closed() {
        active.decrementAndGet();
    }

    void rejected() {
        rejected.increment();
    }
}
