import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Load for the log-cleaner benchmark (bench/cleaner.sh); the same steps against either broker. Modes:
 *
 * <pre>
 * fill     bootstrap topic megabytes keys valueSize segmentBytes
 *     create a compacted single-partition topic that cannot be cleaned yet (min.compaction.lag.ms one day: every
 *     segment holds a record younger than that), produce megabytes of updates to random keys of a key space of
 *     `keys` with acks=1. Prints "records seconds produce_mbs".
 * clean    bootstrap topic dataDir rateTopic rate valueSize timeoutSeconds brokerPid
 *     note the partition's sealed (dirty) bytes on disk and its active segment, start a fixed-rate producer on
 *     rateTopic, make the topic cleanable (min.compaction.lag.ms=0 via incrementalAlterConfigs) and wait until the
 *     broker's cleaner-offset-checkpoint says the partition is clean up to its active segment. Prints
 *     "dirty_bytes clean_seconds cleaned_mbs sealed_bytes_after rate_mbs p50_ms p99_ms p999_ms sent errors".
 * baseline bootstrap rateTopic rate valueSize seconds
 *     the same fixed-rate producer with nothing else going on. Prints "rate_mbs p50_ms p99_ms p999_ms sent errors".
 * </pre>
 *
 * The end of a clean is read from the data directory, not from broker metrics, so both brokers are timed the same
 * way: both keep a cleaner-offset-checkpoint file in their data directory (Kafka: "topic partition offset" lines,
 * Floe: "topic-partition offset" lines) that the cleaner rewrites after each clean.
 */
public final class CleanerLoad {
    private static final long ONE_DAY_MS = 86_400_000L;

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "fill" -> fill(args[1], args[2], Long.parseLong(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]), Integer.parseInt(args[6]));
            case "clean" -> clean(args[1], args[2], Path.of(args[3]), args[4], Integer.parseInt(args[5]),
                    Integer.parseInt(args[6]), Integer.parseInt(args[7]), Long.parseLong(args[8]));
            case "baseline" -> baseline(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static void fill(String bootstrap, String topic, long megabytes, int keys, int valueSize,
                             int segmentBytes) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of(
                    "cleanup.policy", "compact",
                    "segment.bytes", Integer.toString(segmentBytes),
                    "min.compaction.lag.ms", Long.toString(ONE_DAY_MS))))).all().get();
        }
        long records = megabytes * 1_000_000 / valueSize;
        Random random = new Random(42);
        byte[] value = new byte[valueSize];
        random.nextBytes(value);  // incompressible; compression stays off anyway
        long started = System.nanoTime();
        AtomicLong errors = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "acks", "1", "linger.ms", "5", "batch.size", "131072"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < records; i++) {
                byte[] key = String.format("key-%08d", random.nextInt(keys)).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, 0, key, value), (md, e) -> {
                    if (e != null) {
                        errors.incrementAndGet();
                    }
                });
            }
            producer.flush();
        }
        if (errors.get() > 0) {
            throw new IllegalStateException(errors.get() + " records of the fill failed");
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("%d %.1f %.1f%n", records, seconds, records * (double) valueSize / 1e6 / seconds);
    }

    private static void clean(String bootstrap, String topic, Path dataDir, String rateTopic, int rate,
                              int valueSize, int timeoutSeconds, long brokerPid) throws Exception {
        Path partitionDir = dataDir.resolve(topic + "-0");
        List<Long> bases = segmentBases(partitionDir);
        long activeBase = bases.get(bases.size() - 1);
        long dirtyBytes = 0;
        for (long base : bases.subList(0, bases.size() - 1)) {
            dirtyBytes += Files.size(partitionDir.resolve(String.format("%020d.log", base)));
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(rateTopic, 1, (short) 1))).all().get();
            FixedRate load = new FixedRate(bootstrap, rateTopic, rate, valueSize);
            load.start();
            Thread.sleep(5000);  // the producer connected, warmed up and at its rate before the clean starts
            load.record(true);
            double cpuBefore = cpuSeconds(brokerPid);
            long started = System.nanoTime();
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(
                    new AlterConfigOp(new ConfigEntry("min.compaction.lag.ms", "0"), AlterConfigOp.OpType.SET))))
                    .all().get();
            long deadline = started + timeoutSeconds * 1_000_000_000L;
            boolean done = false;
            while (!done && System.nanoTime() < deadline) {
                Thread.sleep(100);
                done = cleanOffset(dataDir, topic) >= activeBase;
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            double cpu = cpuSeconds(brokerPid) - cpuBefore;
            load.record(false);
            load.stop();
            if (!done) {
                System.err.printf("cleaning did not reach offset %d within %d s (checkpoint at %d)%n", activeBase,
                        timeoutSeconds, cleanOffset(dataDir, topic));
            }
            long segmentsAfter = segmentBases(partitionDir).stream().filter(b -> b < activeBase).count();
            System.out.printf("%d %s %s %d %d %d %.1f %s%n", dirtyBytes, done ? String.format("%.1f", seconds) : "timeout",
                    done ? String.format("%.1f", dirtyBytes / 1e6 / seconds) : "n/a", sealedBytes(partitionDir, activeBase),
                    bases.size() - 1, segmentsAfter, cpu, load.summary(seconds));
        }
    }

    private static void baseline(String bootstrap, String rateTopic, int rate, int valueSize, int seconds)
            throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(rateTopic, 1, (short) 1))).all().get();
        }
        FixedRate load = new FixedRate(bootstrap, rateTopic, rate, valueSize);
        load.start();
        Thread.sleep(5000);
        load.record(true);
        long started = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        double elapsed = (System.nanoTime() - started) / 1e9;
        load.record(false);
        load.stop();
        System.out.println(load.summary(elapsed));
    }

    /** User plus system CPU seconds of a process (Linux /proc; clock ticks of 100 Hz, as on every usual kernel). */
    private static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");  // fields from the 3rd on
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    /** Base offsets of the partition's segments, ascending; the last is the active one. */
    private static List<Long> segmentBases(Path partitionDir) throws IOException {
        try (Stream<Path> files = Files.list(partitionDir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{20}\\.log"))
                    .map(n -> Long.parseLong(n.substring(0, 20))).sorted().toList();
        }
    }

    /** Bytes of the partition's live segments below {@code activeBase} (files awaiting deletion not counted). */
    private static long sealedBytes(Path partitionDir, long activeBase) throws IOException {
        long total = 0;
        for (long base : segmentBases(partitionDir)) {
            if (base >= activeBase) {
                continue;
            }
            total += Files.size(partitionDir.resolve(String.format("%020d.log", base)));
        }
        return total;
    }

    /** Where the broker's last clean of partition 0 ended, -1 when it has none (or the file is mid-rename). */
    private static long cleanOffset(Path dataDir, String topic) {
        try {
            for (String line : Files.readAllLines(dataDir.resolve("cleaner-offset-checkpoint"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 3 && f[0].equals(topic) && f[1].equals("0")) {           // Kafka
                    return Long.parseLong(f[2]);
                }
                if (f.length == 2 && f[0].equals(topic + "-0")) {                        // Floe
                    return Long.parseLong(f[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not written yet, or replaced while read: ask again at the next poll
        }
        return -1;
    }

    /**
     * A producer sending `rate` records a second (acks=1, linger.ms=1) from one thread on a fixed schedule;
     * latency is send() to acknowledgement, counted only while recording is on.
     */
    private static final class FixedRate {
        private final KafkaProducer<byte[], byte[]> producer;
        private final String topic;
        private final int rate;
        private final byte[] value;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<long[]> latencies = new ArrayList<>();  // chunks of micros, appended by callbacks
        private final Object lock = new Object();
        private long[] chunk = new long[1 << 16];
        private int inChunk;
        private volatile boolean recording;
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();
        private Thread thread;

        FixedRate(String bootstrap, String topic, int rate, int valueSize) {
            this.producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "1",
                    "linger.ms", "1"), new ByteArraySerializer(), new ByteArraySerializer());
            this.topic = topic;
            this.rate = rate;
            this.value = new byte[valueSize];
            new Random(7).nextBytes(value);
        }

        void start() {
            thread = new Thread(() -> {
                long interval = 1_000_000_000L / rate;
                long next = System.nanoTime();
                long n = 0;
                while (running.get()) {
                    long now = System.nanoTime();
                    if (now < next) {
                        long wait = next - now;
                        if (wait > 200_000) {
                            try {
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                        continue;
                    }
                    // Latency counts from the scheduled send time, so a stalled send() is not hidden
                    // (no coordinated omission).
                    long scheduled = next;
                    next += interval;
                    boolean counted = recording;
                    byte[] key = Long.toString(n++).getBytes(StandardCharsets.UTF_8);
                    producer.send(new ProducerRecord<>(topic, 0, key, value), (md, e) -> {
                        if (!counted) {
                            return;
                        }
                        if (e != null) {
                            errors.incrementAndGet();
                            return;
                        }
                        add((System.nanoTime() - scheduled) / 1000);
                    });
                    if (counted) {
                        sent.incrementAndGet();
                    }
                }
            }, "fixed-rate");
            thread.start();
        }

        void record(boolean on) {
            recording = on;
        }

        private void add(long micros) {
            synchronized (lock) {
                if (inChunk == chunk.length) {
                    latencies.add(chunk);
                    chunk = new long[1 << 16];
                    inChunk = 0;
                }
                chunk[inChunk++] = micros;
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
            producer.flush();
            producer.close();
        }

        /** "achieved_mbs p50_ms p99_ms p999_ms acknowledged errors" over the recorded window. */
        String summary(double seconds) {
            long[] all;
            synchronized (lock) {
                int total = latencies.size() * chunk.length + inChunk;
                all = new long[total];
                int at = 0;
                for (long[] c : latencies) {
                    System.arraycopy(c, 0, all, at, c.length);
                    at += c.length;
                }
                System.arraycopy(chunk, 0, all, at, inChunk);
            }
            Arrays.sort(all);
            double mbs = all.length * (double) value.length / 1e6 / seconds;
            return String.format("%.2f %.1f %.1f %.1f %d %d", mbs, pct(all, 0.50), pct(all, 0.99), pct(all, 0.999),
                    all.length, errors.get());
        }

        private static double pct(long[] sorted, double q) {
            return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, (long) (q * sorted.length))]
                    / 1000.0;
        }
    }
}
