package dev.floe.broker.log;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Producer-state snapshot files, {@code <20-digit offset>.snapshot} beside the segments: the idempotent-producer
 * table as of that offset. One is written when a segment is sealed (at the next segment's base offset), so when
 * retention removes old segments the table they built survives, and the uploaded copy lets a broker that starts
 * from the bucket alone keep rejecting duplicates.
 */
public final class ProducerSnapshots {
    private static final Logger LOG = Logger.getLogger(ProducerSnapshots.class);
    static final String SUFFIX = ".snapshot";

    private ProducerSnapshots() {
    }

    public static Path file(Path dir, long offset) {
        return dir.resolve(String.format("%020d", offset) + SUFFIX);
    }

    /** Written to a temporary file and renamed, so a crash never leaves half a snapshot under the real name. */
    public static void write(Path dir, long offset, byte[] bytes) throws IOException {
        Path tmp = dir.resolve(String.format("%020d", offset) + SUFFIX + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file(dir, offset), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static byte[] read(Path dir, long offset) {
        Path file = file(dir, offset);
        try {
            return Files.exists(file) ? Files.readAllBytes(file) : null;
        } catch (IOException e) {
            LOG.warnf("cannot read producer snapshot %s (%s); rebuilding producer state from the segments", file,
                    e.getMessage());
            return null;
        }
    }

    /** Offsets of the snapshots in {@code dir}, newest first. */
    static java.util.List<Long> offsetsNewestFirst(Path dir) throws IOException {
        java.util.List<Long> offsets = new java.util.ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(SUFFIX) && name.length() == 20 + SUFFIX.length()) {
                    try {
                        offsets.add(Long.parseLong(name.substring(0, 20)));
                    } catch (NumberFormatException notOurs) {
                        // not a snapshot of ours
                    }
                }
            }
        }
        offsets.sort(java.util.Comparator.reverseOrder());
        return offsets;
    }

    /** Remove snapshots above the log end: a crash cut the log below them, so they describe records that are gone. */
    static void deleteAfter(Path dir, long offset) throws IOException {
        for (long at : offsetsNewestFirst(dir)) {
            if (at > offset) {
                Files.deleteIfExists(file(dir, at));
            }
        }
    }

    /** Remove snapshots older than the log start: the state they hold is in the snapshot at the log start. */
    static void deleteBefore(Path dir, long offset) {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if ((name.endsWith(SUFFIX) || name.endsWith(SUFFIX + ".tmp")) && name.length() >= 20) {
                    try {
                        if (Long.parseLong(name.substring(0, 20)) < offset) {
                            Files.deleteIfExists(f);
                        }
                    } catch (NumberFormatException notOurs) {
                        // not a snapshot of ours
                    }
                }
            }
        } catch (IOException e) {
            LOG.warnf("cannot clean old producer snapshots in %s: %s", dir, e.getMessage());
        }
    }
}
