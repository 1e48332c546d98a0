package dev.floe.broker.txn;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Transaction coordinator counters: how transactions end, and markers written and retried. */
final class TxnMetrics {
    private final Counter committed;
    private final Counter aborted;
    private final Counter timedOut;
    private final Counter fenced;
    private final Counter commitMarkers;
    private final Counter abortMarkers;
    private final Counter markerRetries;

    TxnMetrics(MeterRegistry registry) {
        committed = Counter.builder("floe.txn.completed").tag("result", "commit")
                .description("Transactions completed by the coordinator").register(registry);
        aborted = Counter.builder("floe.txn.completed").tag("result", "abort")
                .description("Transactions completed by the coordinator").register(registry);
        timedOut = Counter.builder("floe.txn.timed.out")
                .description("Transactions aborted because they outlived transaction.timeout.ms").register(registry);
        fenced = Counter.builder("floe.txn.fenced")
                .description("Open transactions aborted because a new producer took over their transactional id")
                .register(registry);
        commitMarkers = Counter.builder("floe.txn.markers").tag("type", "commit")
                .description("Transaction markers written to partitions").register(registry);
        abortMarkers = Counter.builder("floe.txn.markers").tag("type", "abort")
                .description("Transaction markers written to partitions").register(registry);
        markerRetries = Counter.builder("floe.txn.marker.retries")
                .description("Marker writes retried after a failure").register(registry);
    }

    void completed(boolean commit) {
        (commit ? committed : aborted).increment();
    }

    void timedOut() {
        timedOut.increment();
    }

    void fenced() {
        fenced.increment();
    }

    void markerWritten(boolean commit) {
        (commit ? commitMarkers : abortMarkers).increment();
    }

    void markerRetried() {
        markerRetries.increment();
    }
}
