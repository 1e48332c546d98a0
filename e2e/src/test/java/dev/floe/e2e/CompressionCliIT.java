package dev.floe.e2e;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A topic created by kafka-topics with compression.type set stores every batch in that codec, whatever the
 * producer sent, and consumers read every record back intact. The stored codec is read from the broker's segment
 * files with kafka-clients' FileRecords (in record.internal since 4.2): consumer records do not show it.
 */
class CompressionCliIT extends BrokerPerClass {
    private static final int PER_PRODUCER = 25;

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd", "uncompressed"})
    void batchesAreStoredInTheTopicsCodec(String codec) throws Exception {
        String topic = unique("codec-" + codec);
        Cli.kafka("org.apache.kafka.tools.TopicCommand", null, "--bootstrap-server", broker.bootstrap(), "--create",
                "--topic", topic, "--partitions", "1", "--config", "compression.type=" + codec).ok();

        // Uncompressed, in another codec, and in the topic's own codec (producer name "none" for uncompressed).
        String same = codec.equals("uncompressed") ? "none" : codec;
        String other = codec.equals("gzip") ? "lz4" : "gzip";
        List<String> sent = new ArrayList<>();
        for (String producerCodec : List.of("none", other, same)) {
            sent.addAll(produce(topic, producerCodec));
        }

        assertThat(consumeAll(topic, sent.size())).containsExactlyElementsOf(sent);
        CompressionType expected = codec.equals("uncompressed") ? CompressionType.NONE : CompressionType.forName(codec);
        List<CompressionType> stored = storedCodecs(topic);
        assertThat(stored).as("codecs of the stored batches").hasSizeGreaterThanOrEqualTo(3).containsOnly(expected);
        // The uncompressed and the other-codec batches were rewritten (for "uncompressed" the first one was already).
        assertThat(recompressedBatches(topic)).isEqualTo(codec.equals("uncompressed") ? 1.0 : 2.0);
    }

    /** The broker's count of batches it rewrote for this topic, from its Prometheus endpoint. */
    private double recompressedBatches(String topic) throws Exception {
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + broker.httpPort() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        return metrics.body().lines()
                .filter(l -> l.startsWith("floe_produce_recompressed_batches_total{") && l.contains("topic=\"" + topic + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** One flushed batch of records with keys, values and headers, sent with the given producer codec. */
    private List<String> produce(String topic, String producerCodec) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, producerCodec);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1000);
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < PER_PRODUCER; i++) {
                String key = producerCodec + "-k" + i;
                String value = producerCodec + " value " + i + " " + "payload ".repeat(20);
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, 0, key, value);
                record.headers().add("codec", producerCodec.getBytes(StandardCharsets.UTF_8));
                producer.send(record);
                sent.add(key + "|" + value + "|codec=" + producerCodec);
            }
            producer.flush();
        }
        return sent;
    }

    private List<String> consumeAll(String topic, int count) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> got = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (got.size() < count && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    StringBuilder line = new StringBuilder(r.key() + "|" + r.value());
                    for (Header h : r.headers()) {
                        line.append('|').append(h.key()).append('=').append(new String(h.value(), StandardCharsets.UTF_8));
                    }
                    got.add(line.toString());
                }
            }
        }
        return got;
    }

    /** The codec of every batch in the partition's segment files, as the broker wrote them. */
    private List<CompressionType> storedCodecs(String topic) throws Exception {
        List<CompressionType> codecs = new ArrayList<>();
        List<Path> segments;
        try (Stream<Path> files = Files.list(broker.dataDir().resolve(topic + "-0"))) {
            segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
        }
        for (Path segment : segments) {
            try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
                for (RecordBatch batch : records.batches()) {
                    batch.ensureValid();
                    codecs.add(batch.compressionType());
                }
            }
        }
        return codecs;
    }
}
