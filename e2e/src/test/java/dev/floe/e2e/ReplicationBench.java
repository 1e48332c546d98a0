package dev.floe.e2e;

import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 11's benchmark, not a test (the name does not end in IT, so CI does not run it):
 * <pre>bench/replication.sh</pre>
 * <ol>
 *   <li>RF-3 acks=all produce throughput and latency on the three operated Floe brokers, then on three Apache Kafka
 *       brokers (KRaft, from this module's Maven Central jars) on the same machine with the same client and load.</li>
 *   <li>Failover time over {@code floe.bench.kills} (default 10) SIGKILLs of a partition leader: the last
 *       acknowledgement before the kill to the first after, for a producer sending to that partition.</li>
 * </ol>
 * Writes {@code target/replication-bench.md}.
 */
class ReplicationBench extends OperatedCluster {
    private static final int RECORDS = Integer.getInteger("floe.bench.records", 300_000);
    private static final int SIZE = 1024;
    private static final int KILLS = Integer.getInteger("floe.bench.kills", 10);
    private final StringBuilder report = new StringBuilder("# Replication benchmark\n\n");

    @Override
    FloeProcess configure(FloeProcess broker) {
        return broker.jvmOptions(List.of("-Xmx1G", "-Xms1G"));
    }

    @Test
    void replicatedProduceBesideKafkaThenFailoverTimes() throws Exception {
        String floe = brokers.stream().map(FloeProcess::bootstrap).reduce((a, b) -> a + "," + b).orElseThrow();
        Load floeLoad = produce(floe);
        Load kafkaLoad;
        try (KafkaCluster kafka = new KafkaCluster(work.resolve("kafka"))) {
            kafkaLoad = produce(kafka.bootstrap());
        }
        report.append("## RF 3, acks=all, min.insync.replicas=2, 4 partitions, ").append(RECORDS)
                .append(" records of 1 KiB, one producer (linger.ms=5, batch.size=128 KiB)\n\n")
                .append("| | Floe | Kafka | Floe/Kafka |\n|---|---|---|---|\n")
                .append(row("produce MB/s", floeLoad.mbPerSec(), kafkaLoad.mbPerSec()))
                .append(row("p50 ms", floeLoad.percentile(50), kafkaLoad.percentile(50)))
                .append(row("p99 ms", floeLoad.percentile(99), kafkaLoad.percentile(99)))
                .append(row("p99.9 ms", floeLoad.percentile(99.9), kafkaLoad.percentile(99.9))).append('\n');
        write();

        List<Long> failovers = new ArrayList<>();
        for (int k = 0; k < KILLS; k++) {
            failovers.add(killLeaderAndTimeFailover());
            write();
        }
        long[] sorted = failovers.stream().mapToLong(Long::longValue).sorted().toArray();
        report.append("## Failover: last ack before a SIGKILL of the leader to the first ack after (lease ")
                .append(LEASE_SECONDS).append(" s, grace ").append(GRACE_MS).append(" ms)\n\n")
                .append("kills: ").append(sorted.length).append(", ms: ").append(failovers)
                .append("\n\nmin ").append(sorted[0]).append(" ms, median ").append(sorted[sorted.length / 2])
                .append(" ms, max ").append(sorted[sorted.length - 1]).append(" ms\n");
        write();
    }

    private static String row(String what, double floe, double kafka) {
        return String.format("| %s | %.1f | %.1f | %.2f |%n", what, floe, kafka, kafka == 0 ? 0 : floe / kafka);
    }

    private void write() throws IOException {
        Files.writeString(Path.of("target", "replication-bench.md"), report);
        System.out.println(report);
    }

    /** The same load on either cluster: a fresh RF-3 topic, then RECORDS records as fast as acks=all allows. */
    private Load produce(String bootstrap) throws Exception {
        String topic = "bench-" + System.nanoTime();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 4, (short) 3).configs(Map.of("min.insync.replicas", "2"))))
                    .all().get();
            await("topic " + topic + " has leaders", Duration.ofSeconds(60), () -> {
                try {
                    var d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                    return d.partitions().stream().allMatch(p -> p.leader() != null && p.isr().size() == 3) ? d : null;
                } catch (java.util.concurrent.ExecutionException notYet) {
                    return null;
                }
            });
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(128 * 1024));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        byte[] value = new byte[SIZE];
        long[] latencies = new long[RECORDS];
        CountDownLatch done = new CountDownLatch(RECORDS);
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < RECORDS; i++) {
                int n = i;
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, value), (m, e) -> {
                    latencies[n] = System.nanoTime() - sent;
                    if (e != null) {
                        failed.incrementAndGet();
                    }
                    done.countDown();
                });
            }
            done.await(10, TimeUnit.MINUTES);
        }
        long elapsed = System.nanoTime() - start;
        if (failed.get() > 0) {
            throw new AssertionError(failed.get() + " records failed on " + bootstrap);
        }
        return new Load((double) RECORDS * SIZE / (1 << 20) / (elapsed / 1e9), latencies);
    }

    private record Load(double mbPerSec, long[] latencies) {
        double percentile(double p) {
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)] / 1e6;
        }
    }

    /** Kill the leader of partition 0 of {@value #TOPIC} under a steady producer; the gap in its acks, in ms. */
    private long killLeaderAndTimeFailover() throws Exception {
        Topic before = await("preferred leaders lead", Duration.ofSeconds(120), () -> {
            Topic t = topic();
            return t.getStatus().getPartitions().stream().allMatch(p -> p.getLeader() == p.getReplicas().get(0)
                    && p.getIsr().size() == BROKERS) ? t : null;
        });
        int victim = before.getStatus().getPartitions().get(0).getLeader();
        String survivor = brokers.get((victim + 1) % BROKERS).bootstrap();
        ConcurrentLinkedQueue<Long> acks = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, survivor);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        long killedAt;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            Thread sender = new Thread(() -> {
                while (running.get()) {
                    producer.send(new ProducerRecord<>(TOPIC, 0, null, new byte[100]), (m, e) -> {
                        if (e == null) {
                            acks.add(System.nanoTime());
                        }
                    });
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "failover-load");
            sender.start();
            await("acks flow", Duration.ofSeconds(30), () -> acks.size() > 100 ? true : null);
            killedAt = System.nanoTime();
            brokers.get(victim).kill();
            await("an ack after the kill", Duration.ofSeconds(120),
                    () -> acks.stream().anyMatch(t -> t > killedAt + TimeUnit.MILLISECONDS.toNanos(200)) ? true : null);
            running.set(false);
            sender.join();
        }
        // Acks the leader had already sent when it was killed can still arrive a moment later: the gap is the
        // largest between consecutive acks around the kill.
        long[] times = acks.stream().mapToLong(Long::longValue).sorted().toArray();
        long gap = 0;
        for (int i = 1; i < times.length; i++) {
            if (times[i] > killedAt - TimeUnit.SECONDS.toNanos(1)) {
                gap = Math.max(gap, times[i] - times[i - 1]);
            }
        }
        brokers.get(victim).start();
        await("broker " + victim + " is back in every ISR", Duration.ofSeconds(120), () ->
                topic().getStatus().getPartitions().stream().map(PartitionStatus::getIsr)
                        .allMatch(isr -> isr.size() == BROKERS) ? true : null);
        return TimeUnit.NANOSECONDS.toMillis(gap);
    }
}
