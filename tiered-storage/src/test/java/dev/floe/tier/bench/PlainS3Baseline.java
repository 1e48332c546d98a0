package dev.floe.tier.bench;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * The baseline of bench/tiered.sh: what a plain AWS SDK client (default settings, one request at a time) gets from
 * the same store in the same run, for objects the size of Floe's segments: sequential PUTs of whole objects, then
 * sequential ranged GETs over them. Floe's upload and cold-read figures are reported as ratios of these.
 *
 * <pre>java -cp ... dev.floe.tier.bench.PlainS3Baseline ENDPOINT BUCKET OBJECT_BYTES COUNT RANGE_BYTES...</pre>
 * Prints {@code put_mbs=...} and one {@code get_mbs_<range>=...} per range size, MB = 10^6 bytes.
 */
public final class PlainS3Baseline {
    private PlainS3Baseline() {
    }

    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(args[0]);
        String bucket = args[1];
        int objectBytes = Integer.parseInt(args[2]);
        int count = Integer.parseInt(args[3]);
        byte[] data = new byte[objectBytes];
        new Random(1).nextBytes(data);
        Path file = Files.createTempFile("floe-baseline", ".bin");
        Files.write(file, data);
        try (S3Client s3 = S3Client.builder().endpointOverride(endpoint).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        System.getProperty("accessKey", "bench"), System.getProperty("secretKey", "bench"))))
                .build()) {
            long started = System.nanoTime();
            for (int i = 0; i < count; i++) {
                String key = key(i);
                s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file));
                System.err.printf("[baseline] put %d of %d%n", i + 1, count);
            }
            System.out.printf("put_mbs=%.1f%n", mbs((long) objectBytes * count, started));
            for (int a = 4; a < args.length; a++) {
                int range = Integer.parseInt(args[a]);
                long read = 0;
                started = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    String key = key(i);
                    for (long at = 0; at < objectBytes; at += range) {
                        long from = at;
                        read += s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)
                                .range("bytes=" + from + "-" + Math.min(objectBytes - 1, from + range - 1))).asByteArray().length;
                    }
                }
                System.out.printf("get_mbs_%d=%.1f%n", range, mbs(read, started));
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String key(int i) {
        return "baseline/" + String.format("%05d", i);
    }

    private static double mbs(long bytes, long startedNanos) {
        return bytes / 1e6 / ((System.nanoTime() - startedNanos) / 1e9);
    }
}
