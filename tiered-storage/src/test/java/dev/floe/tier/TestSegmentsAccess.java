package dev.floe.tier;

import dev.floe.tier.remote.SegmentUpload;
import org.apache.kafka.common.compress.Compression;

import java.io.IOException;
import java.nio.file.Path;

/** Public door to {@link TestSegments} for tests in other packages. */
public final class TestSegmentsAccess {
    private TestSegmentsAccess() {
    }

    public static SegmentUpload write(Path dir, long baseOffset, int batches, int perBatch, Compression compression) throws IOException {
        return TestSegments.write(dir, baseOffset, batches, perBatch, compression);
    }

    public static long timestamp(long offset) {
        return TestSegments.timestamp(offset);
    }
}
