package dev.floe.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which leader epoch wrote which part of a partition's log: epoch → the first offset written in it, kept in
 * {@code leader-epoch-checkpoint} beside the segments in Kafka's text layout (a version line {@code 0}, a count,
 * then {@code <epoch> <start offset>} lines). A follower asks its leader where the follower's latest epoch ended
 * there (OffsetsForLeaderEpoch) and cuts everything after that point: the records a deposed leader wrote that the
 * new leader never had (KIP-101, KIP-279).
 *
 * <p>It lives in the log package because it is part of the log's on-disk state and changes with it (truncation
 * cuts both); the partition's lock guards every change. The file is rewritten only when an epoch starts, which
 * happens once per leader change, so the fsync is never on the append path of a steady leader.
 */
public final class LeaderEpochCache {
    public static final String FILE = "leader-epoch-checkpoint";
    public static final int UNDEFINED_EPOCH = -1;
    public static final long UNDEFINED_OFFSET = -1;

    /** The answer to "where did epoch e end": the largest epoch at or below e that this log knows, and its end. */
    public record EpochEnd(int epoch, long endOffset) {
        public static final EpochEnd UNDEFINED = new EpochEnd(UNDEFINED_EPOCH, UNDEFINED_OFFSET);
    }

    private final Path file;
    private final TreeMap<Integer, Long> starts = new TreeMap<>();

    private LeaderEpochCache(Path file) {
        this.file = file;
    }

    /** The cache kept in {@code dir}; empty when the file is absent. A corrupt file counts as absent. */
    public static LeaderEpochCache load(Path dir) {
        LeaderEpochCache cache = new LeaderEpochCache(dir.resolve(FILE));
        try {
            if (Files.exists(cache.file)) {
                List<String> lines = Files.readAllLines(cache.file, StandardCharsets.UTF_8);
                int count = Integer.parseInt(lines.get(1).trim());
                for (String line : lines.subList(2, 2 + count)) {
                    String[] parts = line.trim().split("\\s+");
                    cache.starts.put(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
                }
            }
        } catch (IOException | RuntimeException e) {
            cache.starts.clear();
        }
        return cache;
    }

    static boolean exists(Path dir) {
        return Files.exists(dir.resolve(FILE));
    }

    public synchronized int latestEpoch() {
        return starts.isEmpty() ? UNDEFINED_EPOCH : starts.lastKey();
    }

    /** Snapshot of every entry, oldest first. */
    public synchronized Map<Integer, Long> entries() {
        return new TreeMap<>(starts);
    }

    /**
     * Record that {@code epoch} starts at {@code startOffset}. Repeating the latest epoch changes nothing. A new
     * epoch supersedes any entry that claims the same or a later epoch or starts at or after this offset (they
     * described records that were truncated). Returns whether the cache changed (and was written).
     */
    public synchronized boolean assign(int epoch, long startOffset) throws IOException {
        if (epoch < 0) {
            return false;
        }
        if (!starts.isEmpty() && starts.lastKey() == epoch) {
            return false;
        }
        if (!starts.isEmpty() && starts.lastKey() > epoch && starts.lastEntry().getValue() <= startOffset) {
            // An older epoch's batch after a newer one: a leader never writes that; keep the newer history.
            return false;
        }
        starts.tailMap(epoch, true).clear();
        starts.entrySet().removeIf(e -> e.getValue() >= startOffset);
        starts.put(epoch, startOffset);
        write();
        return true;
    }

    /**
     * Where {@code requestedEpoch} ended in a log ending at {@code logEndOffset}, as Kafka answers
     * OffsetsForLeaderEpoch: the latest epoch ends at the log end; an older one ends where the next known epoch
     * starts, reported with the largest known epoch not above it; an epoch below every entry ends where the first
     * entry starts; an unknown epoch above the latest, or an empty cache, is undefined.
     */
    public synchronized EpochEnd endOffsetFor(int requestedEpoch, long logEndOffset) {
        if (requestedEpoch == UNDEFINED_EPOCH || starts.isEmpty()) {
            return EpochEnd.UNDEFINED;
        }
        if (requestedEpoch == starts.lastKey()) {
            return new EpochEnd(requestedEpoch, logEndOffset);
        }
        Map.Entry<Integer, Long> higher = starts.higherEntry(requestedEpoch);
        if (higher == null) {
            return EpochEnd.UNDEFINED;
        }
        Map.Entry<Integer, Long> floor = starts.floorEntry(requestedEpoch);
        if (floor == null) {
            return new EpochEnd(requestedEpoch, higher.getValue());
        }
        return new EpochEnd(floor.getKey(), higher.getValue());
    }

    /** The log was cut at {@code endOffset}: epochs that started at or after it are gone with their records. */
    public synchronized void truncateFromEnd(long endOffset) throws IOException {
        if (starts.entrySet().removeIf(e -> e.getValue() >= endOffset)) {
            write();
        }
    }

    /** Forget everything (a log emptied and restarted at a new offset). */
    public synchronized void clear() throws IOException {
        if (!starts.isEmpty()) {
            starts.clear();
            write();
        }
    }

    /** Temporary file, fsync, atomic rename: a crash leaves the old file or the new one, never half of one. */
    private void write() throws IOException {
        StringBuilder text = new StringBuilder("0\n").append(starts.size()).append('\n');
        for (Map.Entry<Integer, Long> e : starts.entrySet()) {
            text.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
