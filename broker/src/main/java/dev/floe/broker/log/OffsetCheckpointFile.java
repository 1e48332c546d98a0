package dev.floe.broker.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * One offset per partition of a data directory in one file (the recovery points, the log start offsets, the
 * cleaner's clean offsets): one file and one fsync for all partitions keeps the cost independent of the partition
 * count, as Kafka's offset checkpoint files do. Lines of {@code <partition dir> <offset>}, then a CRC line; a file
 * that fails its CRC counts as absent, so every user must treat a missing entry as "unknown", never as zero.
 */
public final class OffsetCheckpointFile {
    private static final String CRC_PREFIX = "crc ";

    private OffsetCheckpointFile() {
    }

    /** Partition directory name to recovery point; empty when there is no usable file. */
    public static Map<String, Long> read(Path dataDir, String name) {
        Path file = dataDir.resolve(name);
        Map<String, Long> points = new HashMap<>();
        try {
            if (!Files.exists(file)) {
                return points;
            }
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty() || !lines.get(lines.size() - 1).startsWith(CRC_PREFIX)) {
                return points;
            }
            String body = String.join("\n", lines.subList(0, lines.size() - 1));
            long expected = Long.parseLong(lines.get(lines.size() - 1).substring(CRC_PREFIX.length()));
            if (crc(body) != expected) {
                return points;
            }
            for (String line : lines.subList(0, lines.size() - 1)) {
                int space = line.lastIndexOf(' ');
                if (space > 0) {
                    points.put(line.substring(0, space), Long.parseLong(line.substring(space + 1)));
                }
            }
            return points;
        } catch (IOException | RuntimeException e) {
            return new HashMap<>();
        }
    }

    /** Write and fsync a temporary file, then rename it over the old one. */
    public static void write(Path dataDir, String name, Map<String, Long> points) throws IOException {
        StringBuilder body = new StringBuilder();
        for (Map.Entry<String, Long> e : new TreeMap<>(points).entrySet()) {
            if (body.length() > 0) {
                body.append('\n');
            }
            body.append(e.getKey()).append(' ').append(e.getValue());
        }
        String text = body + (body.length() > 0 ? "\n" : "") + CRC_PREFIX + crc(body.toString()) + "\n";
        Path tmp = dataDir.resolve(name + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            var bytes = java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        }
        Files.move(tmp, dataDir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static long crc(String body) {
        CRC32 crc = new CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }
}
