package dev.floe.broker.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;

/** Records in and out over HTTP, and the streams held open. */
final class HttpMetrics {
    private final Counter recordsIn;
    private final Counter recordsOut;
    private final AtomicInteger streams = new AtomicInteger();

    HttpMetrics(MeterRegistry registry) {
        recordsIn = Counter.builder("floe.http.records.in").description("Records produced over HTTP").register(registry);
        recordsOut = Counter.builder("floe.http.records.out").description("Records read or streamed over HTTP").register(registry);
        Gauge.builder("floe.http.streams.open", streams, AtomicInteger::get)
                .description("Open SSE and NDJSON tails").register(registry);
    }

    void in(int n) {
        recordsIn.increment(n);
    }

    void out(int n) {
        recordsOut.increment(n);
    }

    void streamOpened() {
        streams.incrementAndGet();
    }

    void streamClosed() {
        streams.decrementAndGet();
    }
}
