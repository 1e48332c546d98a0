package dev.floe.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A partition's recovery point, kept in {@code .recovery-point} beside its segments: every offset below it was
 * fsynced, so after a crash only the segments at or above it are verified batch by batch (Kafka's
 * recovery-point checkpoint, one file per partition here so a partition's flush never rewrites another's).
 */
final class RecoveryPoint {
    static final String FILE = ".recovery-point";

    private RecoveryPoint() {
    }

    /** The recorded recovery point, or -1 when none was ever written (a log from before checkpoints existed). */
    static long read(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            if (!Files.exists(file)) {
                return -1;
            }
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length != 16) {
                return -1;
            }
            ByteBuffer in = ByteBuffer.wrap(bytes);
            long offset = in.getLong();
            // The offset is written twice, the second inverted: a torn write cannot pass as a valid point.
            return in.getLong() == ~offset ? offset : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Write and sync to a temporary file, then rename over the old one. */
    static void write(Path dir, long offset) throws IOException {
        Path tmp = dir.resolve(FILE + ".tmp");
        ByteBuffer out = ByteBuffer.allocate(16).putLong(offset).putLong(~offset).flip();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
