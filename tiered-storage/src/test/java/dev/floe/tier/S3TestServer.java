package dev.floe.tier;

import dev.floe.tier.s3.S3Settings;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.util.Optional;
import java.util.Properties;

/** A real S3 server (s3proxy, in-memory) in the test JVM, on a free loopback port. */
public final class S3TestServer implements AutoCloseable {
    public static final String ACCESS_KEY = "floe-access";
    public static final String SECRET_KEY = "floe-secret";
    private final S3Proxy proxy;
    private int port;

    public S3TestServer() throws Exception {
        this(0);
    }

    public S3TestServer(int port) throws Exception {
        this(port, null);
    }

    /**
     * Start on {@code port} (0 for any); with a directory the buckets live there and survive a stop, so a test
     * can take the server away and bring it back on the same port with the same data (an outage).
     */
    public S3TestServer(int port, java.nio.file.Path directory) throws Exception {
        Properties props = new Properties();
        if (directory != null) {
            props.setProperty("jclouds.filesystem.basedir", directory.toString());
        }
        proxy = S3Proxy.builder()
                .blobStore(BlobStores.create(directory == null ? "transient" : "filesystem", props))
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.currentTimeMillis() + 10_000;
        while (proxy.getPort() <= 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        this.port = proxy.getPort();
    }

    public int port() {
        return port;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public S3Settings settings(String bucket) {
        return new S3Settings(bucket, Optional.of(endpoint()), "us-east-1", true, Optional.of(ACCESS_KEY),
                Optional.of(SECRET_KEY), "");
    }

    public void createBucket(String bucket) {
        try (S3Client s3 = S3Client.builder().endpointOverride(endpoint()).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build()) {
            s3.createBucket(b -> b.bucket(bucket));
        }
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
