package dev.floe.tier;

import dev.floe.tier.s3.ChecksumMode;
import dev.floe.tier.s3.S3ObjectStore;
import dev.floe.tier.s3.S3Tuning;
import dev.floe.tier.store.UploadThrottle;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * FLOE_TIER_UPLOAD_BYTES_PER_SEC holds against a real S3 server: the one timed assertion, kept robust by measuring
 * seconds of transfer (a 0.1 s burst and s3proxy's own time are small next to it) and allowing 20%.
 */
class UploadThrottleTest {
    private static final long MIB = 1 << 20;
    private static S3TestServer server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() throws Exception {
        server = new S3TestServer();
        server.createBucket("throttled");
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    private double measuredRate(S3ObjectStore store, Path file) throws Exception {
        long started = System.nanoTime();
        store.put(file.getFileName().toString(), file);
        double seconds = (System.nanoTime() - started) / 1e9;
        return Files.size(file) / seconds;
    }

    private Path file(String name, long size) throws Exception {
        byte[] bytes = new byte[(int) size];
        new Random(3).nextBytes(bytes);
        return Files.write(tmp.resolve(name), bytes);
    }

    @Test
    void onePutHoldsTheConfiguredRate() throws Exception {
        long rate = 2 * MIB;
        try (S3ObjectStore store = new S3ObjectStore(server.settings("throttled"), S3Tuning.defaults(),
                new UploadThrottle(rate), new SimpleMeterRegistry(), List.of())) {
            double measured = measuredRate(store, file("single", 4 * MIB));
            assertThat(measured).as("bytes/s of a 4 MiB put at 2 MiB/s").isCloseTo(rate, within(0.2 * rate));
        }
    }

    @Test
    void partsInParallelShareOneRate() throws Exception {
        // Four parts in flight at once still add up to the one configured rate: the bucket is per process.
        long rate = 4 * MIB;
        try (S3ObjectStore store = new S3ObjectStore(server.settings("throttled"),
                new S3Tuning(ChecksumMode.WHEN_SUPPORTED, 5 * MIB, 5 * MIB, 4), new UploadThrottle(rate),
                new SimpleMeterRegistry(), List.of())) {
            double measured = measuredRate(store, file("parts", 10 * MIB));
            assertThat(measured).as("bytes/s of a 10 MiB multipart upload at 4 MiB/s").isCloseTo(rate, within(0.2 * rate));
        }
    }
}
