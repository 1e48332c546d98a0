package dev.floe.tier;

import dev.floe.tier.s3.S3ObjectStore;
import dev.floe.tier.store.ObjectStore;
import dev.floe.tier.store.ObjectStoreException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The contract against a real S3 server (s3proxy) through the real AWS SDK. */
class S3ObjectStoreTest extends ObjectStoreContractTest {
    private static S3TestServer server;
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
    void open() {
        String bucket = "b-" + UUID.randomUUID().toString().substring(0, 8);
        server.createBucket(bucket);
        store = new S3ObjectStore(server.settings(bucket));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Override
    protected ObjectStore store() {
        return store;
    }

    @Test
    void anUnreachableEndpointIsAClearError() throws Exception {
        int port;
        try (S3TestServer doomed = new S3TestServer()) {
            port = doomed.port();
            doomed.createBucket("gone");
        }
        try (S3TestServer unused = null; S3ObjectStore unreachable = new S3ObjectStore(
                new dev.floe.tier.s3.S3Settings("gone", java.util.Optional.of(java.net.URI.create("http://127.0.0.1:" + port)),
                        "us-east-1", true, java.util.Optional.of("a"), java.util.Optional.of("b"), ""))) {
            assertThatThrownBy(() -> unreachable.put("k", new byte[]{1})).isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("bucket gone at http://127.0.0.1:" + port);
        }
    }
}
