package dev.floe.tier.s3;

/**
 * How uploads go to S3: files of at least {@code multipartThresholdBytes} are sent as a multipart upload of
 * {@code partSizeBytes} parts, up to {@code partParallelism} parts of one process in flight at once, each part
 * retried on its own.
 */
public record S3Tuning(ChecksumMode checksumMode, long multipartThresholdBytes, long partSizeBytes, int partParallelism) {
    /** S3's smallest part (all but the last). */
    public static final long MIN_PART_BYTES = 5L << 20;
    /** S3's largest number of parts in one upload. */
    public static final int MAX_PARTS = 10_000;

    public S3Tuning {
        if (partSizeBytes < MIN_PART_BYTES) {
            throw new IllegalArgumentException("an S3 part must be at least 5 MiB, not " + partSizeBytes
                    + " bytes (FLOE_TIER_MULTIPART_PART_BYTES)");
        }
        if (multipartThresholdBytes < partSizeBytes) {
            throw new IllegalArgumentException("the multipart threshold (" + multipartThresholdBytes
                    + ") must be at least the part size (" + partSizeBytes + ")");
        }
        if (partParallelism < 1) {
            throw new IllegalArgumentException("part parallelism must be at least 1, not " + partParallelism);
        }
    }

    public static S3Tuning defaults() {
        return new S3Tuning(ChecksumMode.WHEN_SUPPORTED, 16L << 20, 8L << 20, 4);
    }

    /** The part size for a file: the configured one, grown when the file would need more than 10,000 parts. */
    public long partSizeFor(long fileSize) {
        long minimum = (fileSize + MAX_PARTS - 1) / MAX_PARTS;
        return Math.max(partSizeBytes, minimum);
    }
}
