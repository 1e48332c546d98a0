package dev.floe.operator.autoscale;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrometheusTextTest {
    /** As Quarkus Micrometer serves it, with labels that hold spaces, braces and quotes. */
    private static final String EXPOSITION = """
            # HELP floe_topic_bytes_in_bytes_total Record batch bytes appended
            # TYPE floe_topic_bytes_in_bytes_total counter
            floe_topic_bytes_in_bytes_total{topic="payments"} 1200.0
            floe_topic_bytes_in_bytes_total{topic="__consumer_offsets"} 300.5
            # HELP floe_topic_bytes_in Not the counter
            floe_topic_bytes_in_bytes_total_extra{topic="x"} 99.0
            floe_topic_bytes_out_bytes_total{topic="payments"} 4.0E3
            http_server_requests_seconds_count{method="GET",outcome="SUCCESS",uri="/v1/{a b}\\"}",status="200"} 7.0
            process_cpu_usage 0.25
            floe_log_partitions 7.0
            system_load_average_1m NaN
            # TYPE floe_partition_bytes_in_bytes counter
            floe_partition_bytes_in_bytes_total{partition="0",topic="payments"} 800.0
            floe_partition_bytes_in_bytes_total{partition="3",topic="a \\"quoted\\", topic"} 400.0
            floe_partition_bytes_out_bytes_total{partition="0",topic="payments"} 4000.0
            floe_partition_bytes_in_bytes_total{partition="x",topic="payments"} 1.0
            """;

    @Test
    void sumsEverySeriesOfOneNameAndNothingElse() {
        PrometheusText text = new PrometheusText(EXPOSITION);
        assertThat(text.sum("floe_topic_bytes_in_bytes_total")).hasValue(1500.5);
        assertThat(text.sum("floe_topic_bytes_out_bytes_total")).hasValue(4000.0);
        assertThat(text.sum("http_server_requests_seconds_count")).hasValue(7.0);
        assertThat(text.sum("process_cpu_usage")).hasValue(0.25);
        assertThat(text.sum("system_load_average_1m")).as("NaN is no figure").isEmpty();
        assertThat(text.sum("jvm_threads_live_threads")).isEmpty();
    }

    @Test
    void aBrokerReadingTakesTheTopicCountersAndCpu() {
        BrokerReading r = BrokerReading.parse(Instant.EPOCH, EXPOSITION);
        assertThat(r.bytesIn()).isEqualTo(1500.5);
        assertThat(r.bytesOut()).isEqualTo(4000.0);
        assertThat(r.cpu()).isEqualTo(0.25);
        BrokerReading idle = BrokerReading.parse(Instant.EPOCH, "floe_log_partitions 0.0\n");
        assertThat(idle.bytesIn()).as("no topic counted a byte yet").isZero();
        assertThat(idle.cpu()).isNull();
        assertThatThrownBy(() -> BrokerReading.parse(Instant.EPOCH, "jvm_threads_live_threads 12.0\n"))
                .as("another application's page gives no zeros").hasMessageContaining("not a Floe broker's metrics");
    }

    @Test
    void seriesComeWithTheirLabels() {
        PrometheusText text = new PrometheusText(EXPOSITION);
        assertThat(text.series("floe_partition_bytes_in_bytes_total")).containsExactly(
                new PrometheusText.Series(Map.of("partition", "0", "topic", "payments"), 800.0),
                new PrometheusText.Series(Map.of("partition", "3", "topic", "a \"quoted\", topic"), 400.0),
                new PrometheusText.Series(Map.of("partition", "x", "topic", "payments"), 1.0));
        assertThat(text.series("process_cpu_usage")).containsExactly(new PrometheusText.Series(Map.of(), 0.25));
    }

    @Test
    void aBrokerReadingTakesThePartitionCounters() {
        BrokerReading r = BrokerReading.parse(Instant.EPOCH, EXPOSITION);
        assertThat(r.partitions()).containsExactlyInAnyOrder(
                new BrokerReading.PartitionCounters("payments", 0, 800.0, 4000.0),
                new BrokerReading.PartitionCounters("a \"quoted\", topic", 3, 400.0, 0.0));
        assertThat(r.bytesIn()).as("the topic counters are still what the autoscaler reads").isEqualTo(1500.5);
    }

    @Test
    void ratesComeFromTwoReadsAndNeverFromOneOrAReset() {
        LoadRates rates = new LoadRates();
        Instant t0 = Instant.parse("2026-12-03T12:00:00Z");
        LoadSample first = rates.next(t0, Map.of(0, ok(t0, 1000, 0), 1, failed()));
        assertThat(first.complete()).isFalse();
        assertThat(first.missing()).containsEntry(0, "read once; a rate needs a second read")
                .containsEntry(1, "connection refused");

        Instant t1 = t0.plusSeconds(2);
        LoadSample second = rates.next(t1, Map.of(0, ok(t1, 5000, 200), 1, ok(t1, 10, 0)));
        assertThat(second.brokers().get(0).produceBytesPerSecond()).isEqualTo(2000.0);
        assertThat(second.brokers().get(0).fetchBytesPerSecond()).isEqualTo(100.0);
        assertThat(second.missing()).containsOnlyKeys(1);
        assertThat(second.since()).isEqualTo(t0);

        Instant t2 = t1.plusSeconds(2);
        LoadSample third = rates.next(t2, Map.of(0, ok(t2, 100, 0), 1, ok(t2, 30, 0)));
        assertThat(third.missing()).containsOnlyKeys(0);
        assertThat(third.missing().get(0)).contains("restarted");
        assertThat(third.brokers().get(1).produceBytesPerSecond()).isEqualTo(10.0);
    }

    private static BrokerScraper.Result ok(Instant at, double in, double out) {
        return new BrokerScraper.Result(new BrokerReading(at, in, out, 0.1), null);
    }

    private static BrokerScraper.Result failed() {
        return BrokerScraper.Result.failed("connection refused");
    }
}
