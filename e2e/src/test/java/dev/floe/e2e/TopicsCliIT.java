package dev.floe.e2e;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** kafka-topics.sh (org.apache.kafka.tools.TopicCommand) against the packaged broker. */
class TopicsCliIT extends BrokerPerClass {
    private static final String TOOL = "org.apache.kafka.tools.TopicCommand";

    private Cli.Result topics(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = broker.bootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        return Cli.kafka(TOOL, null, all);
    }

    @Test
    void createListDescribeAlterDelete() throws Exception {
        String topic = unique("orders");
        assertThat(topics("--create", "--topic", topic, "--partitions", "3", "--replication-factor", "1").ok().stdout())
                .contains("Created topic " + topic);
        assertThat(topics("--list").ok().stdout().lines()).contains(topic);

        String described = topics("--describe", "--topic", topic).ok().stdout();
        assertThat(described).contains("PartitionCount: 3").contains("ReplicationFactor: 1");
        assertThat(described.lines().filter(l -> l.contains("Partition: ")).toList()).hasSize(3)
                .allMatch(l -> l.contains("Leader: 0"));

        topics("--alter", "--topic", topic, "--partitions", "5").ok();
        assertThat(topics("--describe", "--topic", topic).ok().stdout()).contains("PartitionCount: 5");

        topics("--delete", "--topic", topic).ok();
        assertThat(topics("--list").ok().stdout().lines()).doesNotContain(topic);
    }

    @Test
    void anInvalidNameIsRefusedWithAReason() throws Exception {
        Cli.Result result = topics("--create", "--topic", "bad name!", "--partitions", "1");
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.all()).containsIgnoringCase("illegal");
    }

    @Test
    void shrinkingPartitionsIsRefused() throws Exception {
        String topic = unique("shrink");
        topics("--create", "--topic", topic, "--partitions", "4").ok();
        Cli.Result result = topics("--alter", "--topic", topic, "--partitions", "2");
        assertThat(result.all()).contains("can only grow");
        assertThat(topics("--describe", "--topic", topic).ok().stdout()).contains("PartitionCount: 4");
    }
}
