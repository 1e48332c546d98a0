package dev.floe.e2e;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** kafka-consumer-groups, the console consumer in a group, and kcat's balanced consumer. */
class ConsumerGroupsCliIT extends BrokerPerClass {
    private static final String GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
    private static final String CONSOLE = "org.apache.kafka.tools.consumer.ConsoleConsumer";

    private void createTopic(String topic, int partitions) throws Exception {
        Cli.kafka("org.apache.kafka.tools.TopicCommand", null, "--bootstrap-server", broker.bootstrap(), "--create",
                "--topic", topic, "--partitions", Integer.toString(partitions)).ok();
    }

    private void produce(String topic, String prefix, int count) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "key-" + i, prefix + i)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private List<String> consumeInGroup(String topic, String group, int max, boolean fromBeginning) throws Exception {
        List<String> args = new ArrayList<>(List.of("--bootstrap-server", broker.bootstrap(), "--topic", topic,
                "--group", group, "--max-messages", Integer.toString(max)));
        if (fromBeginning) {
            args.add("--from-beginning");
        }
        return Cli.kafka(CONSOLE, null, args.toArray(String[]::new)).ok().stdout().lines().filter(l -> !l.isBlank()).toList();
    }

    private Cli.Result groups(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = broker.bootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        return Cli.kafka(GROUPS, null, all);
    }

    /** partition -> {current offset, log end offset, lag} from --describe. */
    private Map<Integer, long[]> describe(String group, String topic) throws Exception {
        Map<Integer, long[]> rows = new HashMap<>();
        for (String line : groups("--describe", "--group", group).ok().stdout().lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && f[0].equals(group) && f[1].equals(topic)) {
                rows.put(Integer.parseInt(f[2]), new long[]{parse(f[3]), parse(f[4]), parse(f[5])});
            }
        }
        return rows;
    }

    private static long parse(String s) {
        return s.equals("-") ? -1 : Long.parseLong(s);
    }

    private static long sum(Map<Integer, long[]> rows, int column) {
        return rows.values().stream().mapToLong(r -> r[column]).sum();
    }

    @Test
    void groupsToolListsDescribesResetsAndDeletes() throws Exception {
        String topic = unique("cg");
        String group = unique("group");
        createTopic(topic, 3);
        produce(topic, "first-", 20);
        assertThat(consumeInGroup(topic, group, 20, true)).hasSize(20);

        assertThat(groups("--list").ok().stdout().lines()).contains(group);
        Map<Integer, long[]> rows = describe(group, topic);
        assertThat(rows).hasSize(3);
        assertThat(sum(rows, 0)).as("current offsets").isEqualTo(20);
        assertThat(sum(rows, 1)).as("log end offsets").isEqualTo(20);
        assertThat(sum(rows, 2)).as("lag").isZero();

        Thread.sleep(1500);
        Date between = new Date();
        Thread.sleep(1500);
        produce(topic, "second-", 6);
        assertThat(sum(describe(group, topic), 2)).as("lag after 6 more records").isEqualTo(6);
        List<String> resumed = consumeInGroup(topic, group, 6, false);
        assertThat(resumed).as("the group resumes where it left off").hasSize(6).allMatch(l -> l.startsWith("second-"));

        groups("--reset-offsets", "--group", group, "--topic", topic, "--to-earliest", "--execute").ok();
        assertThat(sum(describe(group, topic), 0)).isZero();

        SimpleDateFormat iso = new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS");
        iso.setTimeZone(TimeZone.getTimeZone("UTC"));
        groups("--reset-offsets", "--group", group, "--topic", topic, "--to-datetime", iso.format(between) + "Z", "--execute").ok();
        Map<Integer, long[]> atDatetime = describe(group, topic);
        assertThat(sum(atDatetime, 0)).as("to-datetime lands after the first 20 records").isEqualTo(20);

        groups("--reset-offsets", "--group", group, "--topic", topic, "--shift-by", "-2", "--execute").ok();
        Map<Integer, long[]> shifted = describe(group, topic);
        for (Map.Entry<Integer, long[]> e : atDatetime.entrySet()) {
            assertThat(shifted.get(e.getKey())[0]).isEqualTo(Math.max(0, e.getValue()[0] - 2));
        }

        groups("--delete", "--group", group).ok();
        assertThat(groups("--list").ok().stdout().lines()).doesNotContain(group);
    }

    @Test
    void committedOffsetsSurviveASigkillOfTheBroker() throws Exception {
        String topic = unique("cgkill");
        String group = unique("group");
        createTopic(topic, 2);
        produce(topic, "v", 10);
        consumeInGroup(topic, group, 10, true);
        Map<Integer, long[]> before = describe(group, topic);
        assertThat(sum(before, 0)).isEqualTo(10);

        broker.kill();
        broker.start();
        Map<Integer, long[]> after = describe(group, topic);
        assertThat(after.keySet()).isEqualTo(before.keySet());
        before.forEach((p, row) -> assertThat(after.get(p)[0]).as("partition %d", p).isEqualTo(row[0]));
        produce(topic, "n", 3);
        assertThat(consumeInGroup(topic, group, 3, false)).hasSize(3).allMatch(l -> l.startsWith("n"));
    }

    @Test
    void kcatBalancedConsumersShareThePartitions() throws Exception {
        String topic = unique("kcatg");
        String group = unique("kgroup");
        createTopic(topic, 4);
        produce(topic, "m", 40);
        List<Process> members = new ArrayList<>();
        List<Set<String>> seen = List.of(ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet());
        try {
            for (int i = 0; i < 2; i++) {
                Process p = new ProcessBuilder(Cli.kcatBinary(), "-u", "-b", broker.bootstrap(), "-G", group, "-o", "beginning",
                        "-f", "%p:%o\\n", topic).start();
                members.add(p);
                Set<String> mine = seen.get(i);
                Thread reader = new Thread(() -> {
                    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            if (line.matches("\\d+:\\d+")) {
                                mine.add(line);
                            }
                        }
                    } catch (Exception ignored) {
                        // killed
                    }
                });
                reader.setDaemon(true);
                reader.start();
                Thread.sleep(500);
            }
            long deadline = System.currentTimeMillis() + 60_000;
            Set<String> union = new HashSet<>();
            while (System.currentTimeMillis() < deadline) {
                union.clear();
                union.addAll(seen.get(0));
                union.addAll(seen.get(1));
                if (union.size() == 40 && !seen.get(0).isEmpty() && !seen.get(1).isEmpty()) {
                    break;
                }
                Thread.sleep(200);
            }
            assertThat(union).as("together they read every record").hasSize(40);
            assertThat(seen.get(0)).as("the first member got a share").isNotEmpty();
            assertThat(seen.get(1)).as("the second member got a share").isNotEmpty();
            Set<String> partitionsA = new HashSet<>();
            seen.get(0).forEach(s -> partitionsA.add(s.split(":")[0]));
            Set<String> partitionsB = new HashSet<>();
            seen.get(1).forEach(s -> partitionsB.add(s.split(":")[0]));
            assertThat(partitionsA.size() + partitionsB.size()).as("partitions split between members").isGreaterThanOrEqualTo(4);
        } finally {
            for (Process p : members) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
