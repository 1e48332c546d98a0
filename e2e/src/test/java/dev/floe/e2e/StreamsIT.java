package dev.floe.e2e;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka Streams (the kafka-streams jar from Maven Central) against the packaged broker, unchanged: its state
 * stores' changelogs are compacted topics, its repartition topics are purged with DeleteRecords. A WordCount with
 * a count() store, a windowed count and a KStream-KTable join give exactly the expected output; stopped, with its
 * local state deleted, the app restores its store from the changelog and counts on from there.
 */
class StreamsIT extends BrokerPerClass {
    /** A minute boundary two minutes ago: recent enough for retention.ms, and every record is in the past. */
    private static final long WINDOW_START = System.currentTimeMillis() / 60_000 * 60_000 - 120_000;

    @Override
    protected Map<String, String> brokerEnvironment() {
        return Map.of("FLOE_LOG_CLEANER_BACKOFF_MS", "500");
    }

    @Test
    void wordCountWindowedCountAndJoinGiveExactResultsAndSurviveLosingLocalState() throws Exception {
        String app = unique("streams");
        String lines = app + "-lines";
        String counts = app + "-counts";
        String clicks = app + "-clicks";
        String regions = app + "-regions";
        String windowed = app + "-windowed";
        String joined = app + "-joined";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(lines, 2, (short) 1), new NewTopic(clicks, 1, (short) 1),
                    new NewTopic(regions, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Path stateDir = Files.createTempDirectory(Path.of("target"), "streams-state");

        // The table side first, older than every click, so each click finds its user's region.
        produce(regions, List.<String[]>of(kv("alice", "eu"), kv("bob", "us")), WINDOW_START - 1000);
        produce(lines, List.<String[]>of(kv(null, "the quick brown fox"), kv(null, "the lazy dog"), kv(null, "The end")),
                WINDOW_START + 1000);
        produce(clicks, List.<String[]>of(kv("alice", "c1"), kv("bob", "c2"), kv("alice", "c3")), WINDOW_START + 1000);
        produce(clicks, List.<String[]>of(kv("alice", "c4")), WINDOW_START + 61_000);

        KafkaStreams streams = start(app, stateDir, lines, counts, clicks, regions, windowed, joined);
        try {
            Map<String, Long> wordCounts = awaitLatest(counts, LongDeserializer.class,
                    m -> Long.valueOf(3).equals(m.get("the")) && m.size() == 7);
            assertThat(wordCounts).isEqualTo(Map.of("the", 3L, "quick", 1L, "brown", 1L, "fox", 1L, "lazy", 1L,
                    "dog", 1L, "end", 1L));
            Map<String, Long> windows = awaitLatest(windowed, LongDeserializer.class, m -> m.size() == 3
                    && Long.valueOf(2).equals(m.get("alice@" + WINDOW_START)));
            assertThat(windows).isEqualTo(Map.of("alice@" + WINDOW_START, 2L, "bob@" + WINDOW_START, 1L,
                    "alice@" + (WINDOW_START + 60_000), 1L));
            List<String> joins = awaitValues(joined, 4);
            assertThat(joins).containsExactlyInAnyOrder("c1@eu", "c2@us", "c3@eu", "c4@eu");
        } finally {
            streams.close(Duration.ofSeconds(30));
        }

        // Its changelog is a compacted topic Floe created as Streams asked.
        String changelog = app + "-word-counts-changelog";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
            Config config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, changelog)))
                    .all().get(30, TimeUnit.SECONDS).values().iterator().next();
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }

        // Local state gone: the restart restores the count store from its changelog and counts on.
        deleteRecursively(stateDir);
        produce(lines, List.<String[]>of(kv(null, "the fox returns")), WINDOW_START + 2000);
        KafkaStreams again = start(app, stateDir, lines, counts, clicks, regions, windowed, joined);
        try {
            Map<String, Long> wordCounts = awaitLatest(counts, LongDeserializer.class,
                    m -> Long.valueOf(4).equals(m.get("the")) && m.containsKey("returns"));
            assertThat(wordCounts).containsEntry("the", 4L).containsEntry("fox", 2L).containsEntry("returns", 1L)
                    .containsEntry("quick", 1L);
        } finally {
            again.close(Duration.ofSeconds(30));
        }
    }

    private KafkaStreams start(String app, Path stateDir, String lines, String counts, String clicks,
                               String regions, String windowed, String joined) throws InterruptedException {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(lines, Consumed.with(Serdes.String(), Serdes.String()))
                .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split("\\W+")))
                .groupBy((key, word) -> word, Grouped.with("words", Serdes.String(), Serdes.String()))
                .count(org.apache.kafka.streams.kstream.Materialized.as("word-counts"))
                .toStream().to(counts, Produced.with(Serdes.String(), Serdes.Long()));
        builder.stream(clicks, Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey()
                .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMinutes(1)))
                .count(org.apache.kafka.streams.kstream.Materialized.as("clicks-per-minute"))
                .toStream((window, count) -> window.key() + "@" + window.window().start())
                .to(windowed, Produced.with(Serdes.String(), Serdes.Long()));
        KTable<String, String> regionTable = builder.table(regions, Consumed.with(Serdes.String(), Serdes.String()));
        builder.stream(clicks, Consumed.with(Serdes.String(), Serdes.String()))
                .join(regionTable, (click, region) -> click + "@" + region)
                .to(joined, Produced.with(Serdes.String(), Serdes.String()));

        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0");
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        // A Streams member does not leave its group on close: the restart's rebalance waits for its session to end.
        props.put(StreamsConfig.consumerPrefix("session.timeout.ms"), "10000");
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.start();
        assertThat(running.await(90, TimeUnit.SECONDS)).as("the Streams app reaches RUNNING").isTrue();
        return streams;
    }

    private static String[] kv(String key, String value) {
        return new String[]{key, value};
    }

    private void produce(String topic, List<String[]> records, long timestamp) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                broker.bootstrap(), "key.serializer", StringSerializer.class.getName(), "value.serializer",
                StringSerializer.class.getName()))) {
            for (String[] r : records) {
                producer.send(new ProducerRecord<>(topic, null, timestamp, r[0], r[1])).get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The latest value of every key in {@code topic}, read from the start until {@code done} holds. */
    private <V> Map<String, V> awaitLatest(String topic, Class<?> valueDeserializer, Predicate<Map<String, V>> done) {
        Map<String, V> latest = new HashMap<>();
        try (KafkaConsumer<String, V> consumer = consumer(valueDeserializer)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 90_000;
            while (!done.test(latest) && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(500))) {
                    latest.put(r.key(), r.value());
                }
            }
        }
        return latest;
    }

    private List<String> awaitValues(String topic, int count) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(StringDeserializer.class)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 90_000;
            while (values.size() < count && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
            }
            // Anything beyond the expected would be a duplicate: give it one more poll to show up.
            consumer.poll(Duration.ofMillis(1000)).forEach(r -> values.add(r.value()));
        }
        return values;
    }

    private <V> KafkaConsumer<String, V> consumer(Class<?> valueDeserializer) {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrap(), "group.id", unique("reader"),
                "auto.offset.reset", "earliest", "key.deserializer", StringDeserializer.class.getName(),
                "value.deserializer", valueDeserializer.getName()));
    }

    private static void deleteRecursively(Path dir) throws Exception {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

}
