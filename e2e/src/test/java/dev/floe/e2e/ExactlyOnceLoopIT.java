package dev.floe.e2e;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exactly-once processing end to end: a read-process-write loop ({@link EosLoopApp}) in its own JVM, SIGKILLed at
 * random points again and again and restarted each time, then let run to the end. Read at read_committed, the
 * output holds exactly one result for every input record: nothing lost, nothing duplicated.
 */
class ExactlyOnceLoopIT extends BrokerPerClass {
    private static final int RECORDS = 5_000;
    private static final int KILLS = 8;

    @Test
    void aLoopKilledAtRandomPointsProducesEachResultExactlyOnce() throws Exception {
        String input = unique("eos-in");
        String output = unique("eos-out");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(input, 2, (short) 1), new NewTopic(output, 2, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(input, Integer.toString(i), "v" + i));
            }
        }
        String[] args = {broker.bootstrap(), input, output, unique("eos-group"), unique("eos-tx")};
        Path log = Files.createTempFile("eos-loop", ".log");
        long seed = System.nanoTime();
        System.out.println("ExactlyOnceLoopIT: random seed " + seed);
        Random random = new Random(seed);
        int killedMidStream = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            // Kill after a random number of this run's commits (3 to 25, at most ten records each: never all the input, however
            // fast the machine) plus a random 0-100 ms, so the SIGKILL lands anywhere in the next transaction:
            // between sends, before the offsets, during the commit.
            CountDownLatch committed = new CountDownLatch(1);
            Process loop = start(args, log, committed, 3 + random.nextInt(23));
            assertThat(committed.await(120, TimeUnit.SECONDS)).as("run %d commits; its log: %s", kill, log).isTrue();
            assertThat(loop.waitFor(random.nextInt(100), TimeUnit.MILLISECONDS)).as("run %d still working", kill)
                    .isFalse();
            loop.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            killedMidStream++;
            System.out.println("ExactlyOnceLoopIT: SIGKILL " + killedMidStream + " after: " + lastLine(log));
        }
        Process last = start(args, log, new CountDownLatch(1), Integer.MAX_VALUE);
        assertThat(last.waitFor(180, TimeUnit.SECONDS)).as("the last run finishes; its log: %s", log).isTrue();
        assertThat(last.exitValue()).as("exit code of the last run; its log: %s", log).isZero();

        List<String> results = readCommitted(output);
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < RECORDS; i++) {
            expected.add("out-v" + i);
        }
        assertThat(new HashSet<>(results)).isEqualTo(expected);
        assertThat(results).as("one result per input record").hasSize(RECORDS);
    }

    /** Start the loop; its output goes to {@code log}, and {@code committed} opens after {@code commits} commits. */
    private static Process start(String[] args, Path log, CountDownLatch committed, int commits) throws Exception {
        List<String> command = new ArrayList<>(List.of(FloeProcess.javaBin(), "-Xmx256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                EosLoopApp.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread pump = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    Files.writeString(log, line + "\n", StandardOpenOption.APPEND);
                    if (line.startsWith("committed ") && Integer.parseInt(line.substring(10).trim()) >= commits) {
                        committed.countDown();
                    }
                }
            } catch (IOException killed) {
                // the process went away
            }
        });
        pump.setDaemon(true);
        pump.start();
        return process;
    }

    private static String lastLine(Path log) throws Exception {
        List<String> lines = Files.readAllLines(log);
        return lines.isEmpty() ? "(nothing yet)" : lines.get(lines.size() - 1);
    }

    private List<String> readCommitted(String topic) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.currentTimeMillis() + 60_000;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
                    && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }
}
