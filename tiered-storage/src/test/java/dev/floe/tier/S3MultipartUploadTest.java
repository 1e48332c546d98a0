package dev.floe.tier;

import dev.floe.tier.layout.RemoteLayout;
import dev.floe.tier.remote.RemoteLogStore;
import dev.floe.tier.remote.RemotePartition;
import dev.floe.tier.s3.ChecksumMode;
import dev.floe.tier.s3.S3ObjectStore;
import dev.floe.tier.s3.S3Tuning;
import dev.floe.tier.store.UploadThrottle;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Multipart uploads of large segment files against a real S3 server (s3proxy) through the real AWS SDK. */
class S3MultipartUploadTest {
    private static final long MIB = 1 << 20;
    /** The smallest legal part size, so a few MiB already make a multipart upload. */
    private static final S3Tuning SMALL_PARTS = new S3Tuning(ChecksumMode.WHEN_SUPPORTED, 5 * MIB, 5 * MIB, 4);
    private static S3TestServer server;

    @TempDir
    Path tmp;
    private String bucket;
    private final RequestRecorder recorder = new RequestRecorder();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private S3ObjectStore store;

    @BeforeAll
    static void startServer() throws Exception {
        server = new S3TestServer();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void createBucket() {
        bucket = "mp-" + UUID.randomUUID().toString().substring(0, 8);
        server.createBucket(bucket);
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private S3ObjectStore open(S3Tuning tuning) {
        store = new S3ObjectStore(server.settings(bucket), tuning, UploadThrottle.unlimited(), registry, List.of(recorder));
        return store;
    }

    private Path randomFile(String name, long size) throws Exception {
        byte[] bytes = new byte[(int) size];
        new Random(size).nextBytes(bytes);
        return Files.write(tmp.resolve(name), bytes);
    }

    @Test
    void aFileAboveTheThresholdGoesUpInPartsAndReadsBackByteIdentical() throws Exception {
        Path file = randomFile("big.log", 12 * MIB + 12345);
        open(SMALL_PARTS).put("c/t/0/big.log", file);

        assertThat(recorder.count(UploadPartRequest.class)).as("12 MiB in 5 MiB parts").isEqualTo(3);
        assertThat(recorder.count(software.amazon.awssdk.services.s3.model.PutObjectRequest.class)).isZero();
        assertThat(store.get("c/t/0/big.log")).isEqualTo(Files.readAllBytes(file));
    }

    @Test
    void aFileBelowTheThresholdIsOnePut() throws Exception {
        Path file = randomFile("small.log", 3 * MIB);
        open(SMALL_PARTS).put("c/t/0/small.log", file);

        assertThat(recorder.count(UploadPartRequest.class)).isZero();
        assertThat(store.get("c/t/0/small.log")).isEqualTo(Files.readAllBytes(file));
    }

    @Test
    void aPartThatFailsOnceIsRetriedAlone() throws Exception {
        Path file = randomFile("retry.log", 11 * MIB);
        recorder.fail(r -> r instanceof UploadPartRequest p && p.partNumber() == 2, 1);
        open(SMALL_PARTS).put("c/t/0/retry.log", file);

        assertThat(recorder.of(UploadPartRequest.class)).extracting(s -> ((UploadPartRequest) s.request()).partNumber())
                .as("part 2 sent twice, the others once").containsExactlyInAnyOrder(1, 2, 2, 3);
        assertThat(registry.get("floe.tier.upload.part.retries").counter().count()).isEqualTo(1);
        assertThat(store.get("c/t/0/retry.log")).isEqualTo(Files.readAllBytes(file));
    }

    @Test
    void aPartThatKeepsFailingAbortsTheUploadAndLeavesNoObject() throws Exception {
        Path file = randomFile("doomed.log", 11 * MIB);
        recorder.fail(r -> r instanceof UploadPartRequest p && p.partNumber() == 3, 100);
        open(SMALL_PARTS);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.put("c/t/0/doomed.log", file))
                .hasMessageContaining("part 3 of 3");
        assertThat(store.list("c/")).isEmpty();
        try (S3Client s3 = rawClient()) {
            assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).as("aborted, not left behind").isEmpty();
        }
    }

    @Test
    void anUploadKilledHalfWayLeavesNoVisibleSegmentAndIsAbortedAtTheNextStart() throws Exception {
        open(SMALL_PARTS);
        RemoteLogStore remote = new RemoteLogStore(store, "c1", 8 * MIB, registry);
        RemotePartition partition = remote.partition("orders", "AAAAAAAAAAAAAAAAAAAAAA", 0);
        String logKey = RemoteLayout.objectKey(partition.prefix(), 0, RemoteLayout.LOG);
        // What a broker killed in the middle of a segment upload leaves: an upload begun, one part sent, no complete.
        try (S3Client s3 = rawClient()) {
            String id = s3.createMultipartUpload(CreateMultipartUploadRequest.builder().bucket(bucket).key(logKey).build())
                    .uploadId();
            s3.uploadPart(b -> b.bucket(bucket).key(logKey).uploadId(id).partNumber(1),
                    RequestBody.fromBytes(new byte[(int) (5 * MIB)]));
            assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).hasSize(1);
        }
        assertThat(partition.segments()).as("no manifest, no segment").isEmpty();
        assertThat(store.list(partition.prefix())).as("not even a data object").isEmpty();

        // The next start sweeps the cluster's prefix for uploads begun before it.
        assertThat(remote.abortIncompleteUploads(Instant.now().plusSeconds(1))).isEqualTo(1);
        try (S3Client s3 = rawClient()) {
            assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
        }
        assertThat(partition.segments()).isEmpty();
    }

    @Test
    void theStartSweepLeavesOtherClustersAndNewerUploadsAlone() throws Exception {
        open(SMALL_PARTS);
        RemoteLogStore remote = new RemoteLogStore(store, "c1", 8 * MIB, registry);
        try (S3Client s3 = rawClient()) {
            s3.createMultipartUpload(b -> b.bucket(bucket).key("c2/orders-AAAAAAAAAAAAAAAAAAAAAA/0/00000000000000000000.log"));
            assertThat(remote.abortIncompleteUploads(Instant.now().plusSeconds(1))).isZero();
            s3.createMultipartUpload(b -> b.bucket(bucket).key("c1/orders-AAAAAAAAAAAAAAAAAAAAAA/0/00000000000000000000.log"));
            assertThat(remote.abortIncompleteUploads(Instant.now().minusSeconds(3600))).as("begun after the cutoff").isZero();
            assertThat(s3.listMultipartUploads(b -> b.bucket(bucket)).uploads()).hasSize(2);
        }
    }

    private S3Client rawClient() {
        return S3Client.builder().endpointOverride(server.endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        S3TestServer.ACCESS_KEY, S3TestServer.SECRET_KEY))).build();
    }
}
