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
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * FLOE_TIER_S3_CHECKSUM both ways against a real S3 server: what goes on the wire, that data reads back intact, and
 * that with the SDK's checksums off the store still verifies every upload (our Content-MD5).
 */
class S3ChecksumModeTest {
    private static final long MIB = 1 << 20;
    private static S3TestServer server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() throws Exception {
        server = new S3TestServer();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    private S3ObjectStore open(ChecksumMode mode, ExecutionInterceptor interceptor) {
        String bucket = "ck-" + UUID.randomUUID().toString().substring(0, 8);
        server.createBucket(bucket);
        return new S3ObjectStore(server.settings(bucket), new S3Tuning(mode, 5 * MIB, 5 * MIB, 2),
                UploadThrottle.unlimited(), new SimpleMeterRegistry(), List.of(interceptor));
    }

    private Path file(String name, long size) throws Exception {
        byte[] bytes = new byte[(int) size];
        new Random(7).nextBytes(bytes);
        return Files.write(tmp.resolve(name), bytes);
    }

    @Test
    void whenSupportedSendsTheSdkChecksumsWithEveryUpload() throws Exception {
        RequestRecorder recorder = new RequestRecorder();
        Path small = file("small", MIB);
        Path large = file("large", 7 * MIB);
        try (S3ObjectStore store = open(ChecksumMode.WHEN_SUPPORTED, recorder)) {
            store.put("small", small);
            store.put("large", large);
            assertThat(store.get("small")).isEqualTo(Files.readAllBytes(small));
            assertThat(store.get("large")).isEqualTo(Files.readAllBytes(large));
        }
        List<RequestRecorder.Sent> uploads = recorder.sent.stream()
                .filter(s -> s.is(PutObjectRequest.class) || s.is(UploadPartRequest.class)).toList();
        assertThat(uploads).hasSize(3);
        assertThat(uploads).allMatch(s -> s.hasHeaderStartingWith("x-amz-checksum") || s.hasHeaderStartingWith("x-amz-trailer"),
                "carries an SDK checksum");
    }

    @Test
    void whenRequiredSendsNoSdkChecksumsButAContentMd5() throws Exception {
        RequestRecorder recorder = new RequestRecorder();
        Path small = file("small", MIB);
        Path large = file("large", 7 * MIB);
        try (S3ObjectStore store = open(ChecksumMode.WHEN_REQUIRED, recorder)) {
            store.put("small", small);
            store.put("large", large);
            store.put("manifest", new byte[]{1, 2, 3});
            assertThat(store.get("small")).isEqualTo(Files.readAllBytes(small));
            assertThat(store.get("large")).isEqualTo(Files.readAllBytes(large));
        }
        List<RequestRecorder.Sent> uploads = recorder.sent.stream()
                .filter(s -> s.is(PutObjectRequest.class) || s.is(UploadPartRequest.class)).toList();
        assertThat(uploads).hasSize(4);
        assertThat(uploads).noneMatch(s -> s.hasHeaderStartingWith("x-amz-checksum") || s.hasHeaderStartingWith("x-amz-trailer"));
        assertThat(uploads).allMatch(s -> s.hasHeaderStartingWith("content-md5"));
    }

    @Test
    void whenRequiredTheStoreRejectsBytesThatDoNotMatchTheirMd5() throws Exception {
        // Replace the digest on the wire with that of other bytes: the store must refuse the upload, which shows it
        // checks what it receives against our Content-MD5 (integrity without the SDK's checksums).
        ExecutionInterceptor corrupting = new ExecutionInterceptor() {
            @Override
            public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
                return context.httpRequest().toBuilder().putHeader("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==").build();
            }
        };
        Path small = file("small", MIB);
        try (S3ObjectStore store = open(ChecksumMode.WHEN_REQUIRED, corrupting)) {
            assertThatThrownBy(() -> store.put("small", small)).hasMessageContaining("put of small");
            assertThat(store.list("")).isEmpty();
        }
    }
}
