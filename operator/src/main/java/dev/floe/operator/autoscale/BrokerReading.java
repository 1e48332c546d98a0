package dev.floe.operator.autoscale;

import java.time.Instant;
import java.util.List;

/**
 * What one read of a broker's metrics endpoint gave: its counters (totals since the broker started), its CPU, and
 * the traffic counters of each partition it leads (read by the load-aware balancing, not by the autoscaler).
 *
 * @param cpu        process_cpu_usage in [0, 1], or null when the broker does not export it
 * @param partitions per partition it leads: bytes appended and bytes sent to consumers since it began leading it
 */
public record BrokerReading(Instant time, double bytesIn, double bytesOut, Double cpu,
                            List<PartitionCounters> partitions) {
    /** Micrometer's counters floe.partition.bytes.in / .out, per topic and partition. */
    static final String PARTITION_BYTES_IN = "floe_partition_bytes_in_bytes_total";
    static final String PARTITION_BYTES_OUT = "floe_partition_bytes_out_bytes_total";

    /** One partition's counters on this broker; a counter the broker has not made yet (no byte) reads 0. */
    public record PartitionCounters(String topic, int partition, double bytesIn, double bytesOut) {
    }

    public BrokerReading {
        partitions = partitions == null ? List.of() : List.copyOf(partitions);
    }

    public BrokerReading(Instant time, double bytesIn, double bytesOut, Double cpu) {
        this(time, bytesIn, bytesOut, cpu, List.of());
    }

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
                cpu.isPresent() ? cpu.getAsDouble() : null, partitions(metrics));
    }

    private static List<PartitionCounters> partitions(PrometheusText metrics) {
        java.util.Map<String, double[]> byPartition = new java.util.TreeMap<>();
        collect(metrics, PARTITION_BYTES_IN, 0, byPartition);
        collect(metrics, PARTITION_BYTES_OUT, 1, byPartition);
        return byPartition.entrySet().stream().map(e -> {
            int cut = e.getKey().lastIndexOf('\u0000');
            return new PartitionCounters(e.getKey().substring(0, cut),
                    Integer.parseInt(e.getKey().substring(cut + 1)), e.getValue()[0], e.getValue()[1]);
        }).toList();
    }

    private static void collect(PrometheusText metrics, String name, int slot, java.util.Map<String, double[]> into) {
        for (PrometheusText.Series s : metrics.series(name)) {
            String topic = s.labels().get("topic");
            String partition = s.labels().get("partition");
            if (topic == null || partition == null || !partition.chars().allMatch(Character::isDigit)
                    || partition.isEmpty() || partition.length() > 9) {
                continue;
            }
            into.computeIfAbsent(topic + '\u0000' + partition, k -> new double[2])[slot] += s.value();
        }
    }
}
