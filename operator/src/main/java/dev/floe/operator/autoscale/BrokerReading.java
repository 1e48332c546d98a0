package dev.floe.operator.autoscale;

import java.time.Instant;

/**
 * What one read of a broker's metrics endpoint gave: its counters (totals since the broker started) and its CPU.
 *
 * @param cpu process_cpu_usage in [0, 1], or null when the broker does not export it
 */
public record BrokerReading(Instant time, double bytesIn, double bytesOut, Double cpu) {
    /** Micrometer's counter floe.topic.bytes.in with base unit bytes, per topic. */
    static final String BYTES_IN = "floe_topic_bytes_in_bytes_total";
    static final String BYTES_OUT = "floe_topic_bytes_out_bytes_total";
    static final String CPU = "process_cpu_usage";
    /** A gauge every Floe broker registers at start: its presence says the page is a broker's. */
    static final String BROKER_MARK = "floe_log_partitions";

    /**
     * From a broker's /q/metrics text. A broker that has not counted a byte yet has no topic series at all, which
     * is a true zero (the counters are created with the first record); a page without the broker's own gauge is not
     * a broker's page, and reading zeros from it would be a guess.
     *
     * @throws IllegalArgumentException when the page is not a Floe broker's metrics
     */
    static BrokerReading parse(Instant time, String text) {
        PrometheusText metrics = new PrometheusText(text);
        if (metrics.sum(BROKER_MARK).isEmpty()) {
            throw new IllegalArgumentException("not a Floe broker's metrics (no " + BROKER_MARK + ")");
        }
        var cpu = metrics.sum(CPU);
        return new BrokerReading(time, metrics.sum(BYTES_IN).orElse(0), metrics.sum(BYTES_OUT).orElse(0),
                cpu.isPresent() ? cpu.getAsDouble() : null);
    }
}
