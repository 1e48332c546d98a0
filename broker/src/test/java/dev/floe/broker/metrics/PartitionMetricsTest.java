package dev.floe.broker.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TopicMetrics metrics = new TopicMetrics(registry);
    private final TopicPartition tp = new TopicPartition("orders", 3);

    @Test
    void countsAppendedAndConsumerBytesPerPartition() {
        metrics.appended(tp, 100, 2);
        metrics.appended(tp, 50, 1);
        metrics.appended(new TopicPartition("orders", 4), 7, 1);
        metrics.fetchedByConsumer(tp, 300);

        assertThat(registry.get(PartitionMetrics.BYTES_IN).tags("topic", "orders", "partition", "3").counter().count())
                .isEqualTo(150);
        assertThat(registry.get(PartitionMetrics.BYTES_OUT).tags("topic", "orders", "partition", "3").counter().count())
                .isEqualTo(300);
        assertThat(registry.get("floe.topic.bytes.in").tags("topic", "orders").counter().count()).isEqualTo(157);
    }

    @Test
    void forgettingAPartitionRemovesItsSeriesAndItStartsAgainFromZero() {
        metrics.appended(tp, 100, 2);
        metrics.partitions().forget(tp);
        assertThat(registry.find(PartitionMetrics.BYTES_IN).tags("partition", "3").counter()).isNull();
        assertThat(registry.find(PartitionMetrics.BYTES_OUT).tags("partition", "3").counter()).isNull();

        metrics.appended(tp, 10, 1);
        assertThat(registry.get(PartitionMetrics.BYTES_IN).tags("partition", "3").counter().count()).isEqualTo(10);
    }
}
