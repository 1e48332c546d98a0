import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Transactional produce: RECORDS records in transactions of TXN_SIZE records each (begin, send, commit), with a
 * read_committed consumer in the same JVM measuring end-to-end latency (record timestamp to receipt). Prints one
 * line: "produce_mbs transactions_per_s commit_p50_ms commit_p99_ms e2e_p50_ms e2e_p99_ms". Usage:
 * TxnProduce bootstrap topic partitions txnSize records recordSize
 */
public final class TxnProduce {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        int partitions = Integer.parseInt(args[2]);
        int txnSize = Integer.parseInt(args[3]);
        int records = Integer.parseInt(args[4]);
        int size = Integer.parseInt(args[5]);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        long[] e2e = new long[records];
        Thread consumer = new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                    "isolation.level", "read_committed", "fetch.max.wait.ms", "100"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.assign(tps);
                c.seekToBeginning(tps);
                int seen = 0;
                while (seen < records) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        if (seen < records) {
                            e2e[seen++] = System.currentTimeMillis() - r.timestamp();
                        }
                    }
                }
            }
        });
        consumer.start();
        byte[] value = new byte[size];
        int transactions = (records + txnSize - 1) / txnSize;
        long[] commit = new long[transactions];
        long started = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "transactional.id", "bench-" + topic, "linger.ms", "5", "batch.size", "131072"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            int sent = 0;
            for (int t = 0; t < transactions; t++) {
                long begin = System.nanoTime();
                producer.beginTransaction();
                for (int i = 0; i < txnSize && sent < records; i++, sent++) {
                    producer.send(new ProducerRecord<>(topic, sent % partitions, null, value));
                }
                producer.commitTransaction();
                commit[t] = (System.nanoTime() - begin) / 1_000_000;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        consumer.join();
        Arrays.sort(commit);
        Arrays.sort(e2e);
        System.out.printf("%.2f %.1f %d %d %d %d%n", (double) records * size / 1e6 / seconds, transactions / seconds,
                commit[transactions / 2], commit[Math.min(transactions - 1, (int) (transactions * 0.99))],
                e2e[records / 2], e2e[Math.min(records - 1, (int) (records * 0.99))]);
    }
}
