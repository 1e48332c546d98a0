package dev.floe.e2e;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** librdkafka's kcat: metadata listing, producing keyed lines, consuming them back. */
class KcatIT extends BrokerPerClass {

    @Test
    void produceListAndConsume() throws Exception {
        String topic = unique("kcat");
        Cli.kafka("org.apache.kafka.tools.TopicCommand", null, "--bootstrap-server", broker.bootstrap(), "--create",
                "--topic", topic, "--partitions", "2").ok();
        Cli.kcat("alpha:one\nbeta:two\nalpha:three\n", "-b", broker.bootstrap(), "-P", "-t", topic, "-K:").ok();

        String metadata = Cli.kcat(null, "-b", broker.bootstrap(), "-L").ok().stdout();
        assertThat(metadata).contains("1 brokers:").contains("broker 0 at 127.0.0.1")
                .contains("topic \"" + topic + "\" with 2 partitions");

        String consumed = Cli.kcat(null, "-b", broker.bootstrap(), "-C", "-t", topic, "-o", "beginning", "-e",
                "-f", "%p %o %k=%s\\n").ok().stdout();
        List<String> lines = consumed.lines().filter(l -> l.contains("=")).toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.stream().map(l -> l.substring(l.indexOf(' ', l.indexOf(' ') + 1) + 1)))
                .containsExactlyInAnyOrder("alpha=one", "beta=two", "alpha=three");
        long alphaPartitions = lines.stream().filter(l -> l.contains("alpha=")).map(l -> l.split(" ")[0]).distinct().count();
        assertThat(alphaPartitions).as("one key, one partition").isEqualTo(1);
    }
}
