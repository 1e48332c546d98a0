package dev.floe.broker.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The recovery points of every partition in a data directory ({@code recovery-point-checkpoint}): below its
 * recovery point a partition's log was fsynced, so after a crash only what lies above is verified. A missing or
 * corrupt file only makes the next recovery read more.
 */
final class RecoveryPointCheckpoint {
    static final String FILE = "recovery-point-checkpoint";

    private RecoveryPointCheckpoint() {
    }

    /** Partition directory name to recovery point; empty when there is no usable file. */
    static Map<String, Long> read(Path dataDir) {
        return OffsetCheckpointFile.read(dataDir, FILE);
    }

    static void write(Path dataDir, Map<String, Long> points) throws IOException {
        OffsetCheckpointFile.write(dataDir, FILE, points);
    }
}
