import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load with many clients on many partitions from one JVM: PRODUCERS producers (acks=all) each sending to every
 * partition in turn, CONSUMERS consumers each assigned an equal share of the partitions, for SECONDS seconds.
 * Prints one line: "produce_mbs consume_mbs p50_ms p99_ms records". Usage:
 * ManyClients bootstrap topic partitions producers consumers seconds recordSize
 */
public final class ManyClients {
    private static Thread started(Runnable body) {
        Thread t = new Thread(body);
        t.start();
        return t;
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        int partitions = Integer.parseInt(args[2]);
        int producers = Integer.parseInt(args[3]);
        int consumers = Integer.parseInt(args[4]);
        int seconds = Integer.parseInt(args[5]);
        int size = Integer.parseInt(args[6]);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong producedBytes = new AtomicLong();
        AtomicLong consumedBytes = new AtomicLong();
        AtomicLong records = new AtomicLong();
        ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            List<TopicPartition> mine = new ArrayList<>();
            for (int p = c; p < partitions; p += consumers) {
                mine.add(new TopicPartition(topic, p));
            }
            threads.add(started(() -> {
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                        "enable.auto.commit", false, "max.partition.fetch.bytes", 65536, "fetch.max.bytes", 1 << 20),
                        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    consumer.assign(mine);
                    consumer.seekToBeginning(mine);
                    while (running.get()) {
                        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
                        batch.forEach(r -> consumedBytes.addAndGet(r.serializedValueSize()));
                    }
                }
            }));
        }
        byte[] value = new byte[size];
        long started = System.nanoTime();
        for (int n = 0; n < producers; n++) {
            int producer = n;
            threads.add(started(() -> {
                long[] mine = new long[1 << 20];
                int[] count = {0};
                try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                        "acks", "all", "linger.ms", 5, "batch.size", 16384,
                        "buffer.memory", 4 << 20), new ByteArraySerializer(),
                        new ByteArraySerializer())) {
                    for (int i = 0; running.get(); i++) {
                        long sent = System.nanoTime();
                        p.send(new ProducerRecord<>(topic, (producer + i) % partitions, null, value), (md, e) -> {
                            if (e == null) {
                                producedBytes.addAndGet(size);
                                records.incrementAndGet();
                                synchronized (mine) {
                                    if (count[0] < mine.length) {
                                        mine[count[0]++] = System.nanoTime() - sent;
                                    }
                                }
                            }
                        });
                    }
                    p.flush();
                }
                synchronized (mine) {
                    latencies.add(Arrays.copyOf(mine, count[0]));
                }
            }));
        }
        Thread.sleep(seconds * 1000L);
        running.set(false);
        double elapsed = (System.nanoTime() - started) / 1e9;
        long produced = producedBytes.get();
        long consumed = consumedBytes.get();
        for (Thread t : threads) {
            t.join();
        }
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        double p50 = all.length == 0 ? 0 : all[(int) (all.length * 0.50)] / 1e6;
        double p99 = all.length == 0 ? 0 : all[(int) (all.length * 0.99)] / 1e6;
        System.out.printf("%.2f %.2f %.1f %.1f %d%n", produced / elapsed / 1e6, consumed / elapsed / 1e6, p50, p99,
                records.get());
    }
}
