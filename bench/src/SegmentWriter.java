import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes many small segments in Kafka's on-disk format into existing partition directories
 * ({@code <logDir>/<topic>-<partition>}), replacing their empty segment: the same bytes serve Floe and Kafka, so
 * both brokers start on identical data. Usage: SegmentWriter logDir topic partitions segmentsPerPartition.
 */
public final class SegmentWriter {
    private static void write(Path file, ByteBuffer bytes) throws java.io.IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path logDir = Path.of(args[0]);
        String topic = args[1];
        int partitions = Integer.parseInt(args[2]);
        int segments = Integer.parseInt(args[3]);
        for (int p = 0; p < partitions; p++) {
            Path dir = logDir.resolve(topic + "-" + p);
            try (var old = Files.list(dir)) {
                for (Path f : (Iterable<Path>) old::iterator) {
                    if (f.getFileName().toString().matches("\\d{20}\\.(log|index|timeindex)")) {
                        Files.delete(f);
                    }
                }
            }
            for (int s = 0; s < segments; s++) {
                long base = 2L * s;
                MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(512),
                        RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE, TimestampType.CREATE_TIME, base);
                builder.append(System.currentTimeMillis(), null, ("p" + p + "-o" + base).getBytes(StandardCharsets.UTF_8));
                long maxTimestamp = System.currentTimeMillis();
                builder.append(maxTimestamp, null, ("p" + p + "-o" + (base + 1)).getBytes(StandardCharsets.UTF_8));
                write(dir.resolve(String.format("%020d.log", base)), builder.build().buffer());
                // The indexes Kafka itself leaves for a one-batch segment: no offset entry (the batch is below
                // index.interval.bytes) and, once sealed, one time entry for the newest record.
                write(dir.resolve(String.format("%020d.index", base)), ByteBuffer.allocate(0));
                ByteBuffer time = ByteBuffer.allocate(s == segments - 1 ? 0 : 12);
                if (s != segments - 1) {
                    time.putLong(maxTimestamp).putInt(1).flip();
                }
                write(dir.resolve(String.format("%020d.timeindex", base)), time);
            }
        }
    }
}
