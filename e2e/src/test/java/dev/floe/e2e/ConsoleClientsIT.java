package dev.floe.e2e;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The console producer and consumer, kafka-get-offsets and kafka-configs, as processes. */
class ConsoleClientsIT extends BrokerPerClass {

    private void createTopic(String topic, int partitions) throws Exception {
        Cli.kafka("org.apache.kafka.tools.TopicCommand", null, "--bootstrap-server", broker.bootstrap(), "--create",
                "--topic", topic, "--partitions", Integer.toString(partitions)).ok();
    }

    @Test
    void keyedLinesRoundTripThroughTheConsoleTools() throws Exception {
        String topic = unique("console");
        createTopic(topic, 3);
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            input.append("user").append(i % 5).append(',').append("event-").append(i).append('\n');
        }
        Cli.kafka("org.apache.kafka.tools.ConsoleProducer", input.toString(), "--bootstrap-server", broker.bootstrap(),
                "--topic", topic, "--property", "parse.key=true", "--property", "key.separator=,").ok();

        String out = Cli.kafka("org.apache.kafka.tools.consumer.ConsoleConsumer", null, "--bootstrap-server",
                broker.bootstrap(), "--topic", topic, "--from-beginning", "--max-messages", "30",
                "--property", "print.timestamp=true", "--property", "print.key=true", "--property", "print.value=true",
                "--property", "print.headers=true", "--property", "print.partition=true", "--property", "print.offset=true",
                "--property", "key.separator=|").ok().stdout();
        List<String> lines = out.lines().filter(l -> l.contains("event-")).toList();
        assertThat(lines).hasSize(30);
        Map<String, String> partitionOfKey = new HashMap<>();
        for (String line : lines) {
            // CreateTime:<ts>|Partition:<p>|Offset:<o>|<headers>|<key>|<value>
            String[] f = line.split("\\|");
            assertThat(f[0]).startsWith("CreateTime:");
            assertThat(f[1]).startsWith("Partition:");
            assertThat(f[2]).startsWith("Offset:");
            String key = f[4];
            String value = f[5];
            int i = Integer.parseInt(value.substring("event-".length()));
            assertThat(key).isEqualTo("user" + (i % 5));
            String previous = partitionOfKey.putIfAbsent(key, f[1]);
            assertThat(previous == null || previous.equals(f[1])).as("records with key %s share a partition", key).isTrue();
        }

        String offsets = Cli.kafka("org.apache.kafka.tools.GetOffsetShell", null, "--bootstrap-server", broker.bootstrap(),
                "--topic", topic).ok().stdout();
        long total = offsets.lines().filter(l -> l.startsWith(topic + ":"))
                .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(':') + 1))).sum();
        assertThat(offsets.lines().filter(l -> l.startsWith(topic + ":"))).hasSize(3);
        assertThat(total).as("end offsets add up to the 30 records").isEqualTo(30);
    }

    @Test
    void topicConfigsWithKafkaConfigs() throws Exception {
        String topic = unique("configs");
        createTopic(topic, 1);
        Cli.kafka("kafka.admin.ConfigCommand", null, "--bootstrap-server", broker.bootstrap(), "--entity-type", "topics",
                "--entity-name", topic, "--alter", "--add-config", "retention.ms=86400000,segment.bytes=1048576").ok();
        String described = Cli.kafka("kafka.admin.ConfigCommand", null, "--bootstrap-server", broker.bootstrap(),
                "--entity-type", "topics", "--entity-name", topic, "--describe").ok().stdout();
        assertThat(described).contains("retention.ms=86400000").contains("segment.bytes=1048576");

        Cli.kafka("kafka.admin.ConfigCommand", null, "--bootstrap-server", broker.bootstrap(), "--entity-type",
                "topics", "--entity-name", topic, "--alter", "--add-config", "cleanup.policy=compact").ok();
        assertThat(Cli.kafka("kafka.admin.ConfigCommand", null, "--bootstrap-server", broker.bootstrap(),
                "--entity-type", "topics", "--entity-name", topic, "--describe").ok().stdout())
                .contains("cleanup.policy=compact");
    }
}
