package dev.floe.e2e;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka Streams WordCount with {@code exactly_once_v2} ({@link EosWordCountApp}, its own JVM) while its input is
 * still being produced, SIGKILLed at random points and restarted each time. Read at read_committed, the output
 * holds, for every word, the counts 1, 2, ... n exactly once and in order: the final count is the true total, no
 * count ever exceeds it, none is repeated (a replay after a crash) and none is skipped.
 */
class StreamsExactlyOnceIT extends BrokerPerClass {
    private static final int LINES = 3_000;
    private static final int KILLS = 3;
    private static final String[] VOCABULARY = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
            "hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa"};

    @Test
    void wordCountKilledAndRestartedGivesExactCounts() throws Exception {
        String app = unique("eos-wc");
        String input = app + "-lines";
        String output = app + "-counts";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(input, 2, (short) 1), new NewTopic(output, 2, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        long seed = System.nanoTime();
        System.out.println("StreamsExactlyOnceIT: random seed " + seed);
        Random random = new Random(seed);
        List<String> lines = new ArrayList<>();
        Map<String, Long> expected = new HashMap<>();
        for (int i = 0; i < LINES; i++) {
            StringBuilder line = new StringBuilder();
            for (int w = 0; w < 5; w++) {
                String word = VOCABULARY[random.nextInt(VOCABULARY.length)];
                line.append(w == 0 ? "" : " ").append(word);
                expected.merge(word, 1L, Long::sum);
            }
            lines.add(line.toString());
        }
        // The input arrives over about 60 s, so every kill lands while the app is processing.
        CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> produceSlowly(input, lines));

        Path stateDir = Files.createTempDirectory(Path.of("target"), "eos-wc-state");
        Path log = Files.createTempFile("eos-wc", ".log");
        String[] args = {broker.bootstrap(), app, input, output, stateDir.toAbsolutePath().toString()};
        Map<String, List<Long>> counts = new HashMap<>();
        Process streams = null;
        try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(),
                new LongDeserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(output, 0), new TopicPartition(output, 1));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            for (int kill = 1; kill <= KILLS; kill++) {
                CountDownLatch running = new CountDownLatch(1);
                streams = start(args, log, running);
                assertThat(running.await(120, TimeUnit.SECONDS)).as("run %d reaches RUNNING; its log: %s", kill, log)
                        .isTrue();
                // Kill only once this run has committed output of its own, then at a random point after that,
                // while the input is still arriving: inside a transaction, during a commit, or between them.
                int before = seen(counts);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (seen(counts) == before && System.nanoTime() < until) {
                    poll(consumer, counts);
                }
                assertThat(seen(counts)).as("run %d commits counts; its log: %s", kill, log).isGreaterThan(before);
                assertThat(streams.waitFor(random.nextInt(2000), TimeUnit.MILLISECONDS))
                        .as("run %d still working; its log: %s", kill, log).isFalse();
                streams.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                System.out.println("StreamsExactlyOnceIT: SIGKILL " + kill + " with " + seen(counts)
                        + " committed counts read so far");
            }
            streams = start(args, log, new CountDownLatch(1));
            producing.get(120, TimeUnit.SECONDS);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!reachedTotals(counts, expected) && System.nanoTime() < until) {
                poll(consumer, counts);
            }
            assertThat(reachedTotals(counts, expected)).as("the last run counts every word to its total; "
                    + "latest counts %s; its log: %s", latest(counts), log).isTrue();
            // Anything beyond the totals (a duplicate) would follow them: give it time to show up.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < deadline) {
                poll(consumer, counts);
            }
        } finally {
            if (streams != null) {
                streams.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        assertThat(counts.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            assertThat(counts.get(e.getKey())).as("every committed count of '%s', in order", e.getKey())
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, e.getValue()).boxed().toList());
        }
    }

    private static void poll(KafkaConsumer<String, Long> consumer, Map<String, List<Long>> counts) {
        for (ConsumerRecord<String, Long> r : consumer.poll(Duration.ofMillis(200))) {
            counts.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
        }
    }

    private static int seen(Map<String, List<Long>> counts) {
        return counts.values().stream().mapToInt(List::size).sum();
    }

    private static boolean reachedTotals(Map<String, List<Long>> counts, Map<String, Long> expected) {
        return expected.entrySet().stream().allMatch(e -> {
            List<Long> seen = counts.get(e.getKey());
            return seen != null && seen.get(seen.size() - 1) >= e.getValue();
        });
    }

    private static Map<String, Long> latest(Map<String, List<Long>> counts) {
        Map<String, Long> out = new HashMap<>();
        counts.forEach((word, seen) -> out.put(word, seen.get(seen.size() - 1)));
        return out;
    }

    private void produceSlowly(String topic, List<String> lines) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()), new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < lines.size(); i++) {
                producer.send(new ProducerRecord<>(topic, Integer.toString(i), lines.get(i)));
                if (i % 50 == 49) {
                    producer.flush();
                    Thread.sleep(1000);
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Start the app; its output goes to {@code log}, and {@code running} opens when it first reaches RUNNING. */
    private static Process start(String[] args, Path log, CountDownLatch running) throws IOException {
        List<String> command = new ArrayList<>(List.of(FloeProcess.javaBin(), "-Xmx256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
                EosWordCountApp.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread pump = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    Files.writeString(log, line + "\n", StandardOpenOption.APPEND);
                    if (line.equals("RUNNING")) {
                        running.countDown();
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
}
