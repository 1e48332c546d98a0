package dev.floe.e2e;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Kafka's producer and consumer performance tools complete against the broker (no timing asserted). */
class PerfToolsIT extends BrokerPerClass {

    @Test
    void producerAndConsumerPerformanceRunToCompletion() throws Exception {
        String topic = unique("perf");
        Cli.kafka("org.apache.kafka.tools.TopicCommand", null, "--bootstrap-server", broker.bootstrap(), "--create",
                "--topic", topic, "--partitions", "2").ok();
        String produced = Cli.kafka("org.apache.kafka.tools.ProducerPerformance", null, "--topic", topic,
                "--num-records", "20000", "--record-size", "1024", "--throughput", "-1",
                "--producer-props", "bootstrap.servers=" + broker.bootstrap(), "acks=all").ok().stdout();
        assertThat(produced).contains("20000 records sent");

        String consumed = Cli.kafka("org.apache.kafka.tools.ConsumerPerformance", null, "--bootstrap-server",
                broker.bootstrap(), "--topic", topic, "--messages", "20000", "--timeout", "60000").ok().stdout();
        String last = consumed.lines().reduce((a, b) -> b).orElseThrow();
        // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, ...
        assertThat(Long.parseLong(last.split(",\\s*")[4].trim())).isEqualTo(20000);
    }
}
