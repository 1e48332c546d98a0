package dev.floe.tier.s3;

import dev.floe.tier.store.ObjectStore;
import dev.floe.tier.store.ObjectStoreException;
import dev.floe.tier.store.UploadThrottle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An S3 bucket (AWS or any S3-compatible server) through the AWS SDK v2. Files are streamed from disk; those of
 * at least the multipart threshold go up as multipart uploads ({@link MultipartUploader}). Every upload byte passes
 * the {@link UploadThrottle}.
 */
public final class S3ObjectStore implements ObjectStore {
    private static final Logger LOG = LoggerFactory.getLogger(S3ObjectStore.class);
    private static final int DELETE_BATCH = 1000;
    private final S3Client s3;
    private final S3Settings settings;
    private final S3Tuning tuning;
    private final UploadThrottle throttle;
    private final ExecutorService partPool;
    private final MultipartUploader multipart;

    public S3ObjectStore(S3Settings settings) {
        this(settings, S3Tuning.defaults(), UploadThrottle.unlimited(), new SimpleMeterRegistry(), List.of());
    }

    /**
     * @param interceptors extra SDK interceptors (tests use one to inject failures into real requests)
     */
    public S3ObjectStore(S3Settings settings, S3Tuning tuning, UploadThrottle throttle, MeterRegistry registry,
                         List<ExecutionInterceptor> interceptors) {
        this.settings = settings;
        this.tuning = tuning;
        this.throttle = throttle;
        boolean everywhere = tuning.checksumMode() == ChecksumMode.WHEN_SUPPORTED;
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
                .requestChecksumCalculation(everywhere ? RequestChecksumCalculation.WHEN_SUPPORTED
                        : RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(everywhere ? ResponseChecksumValidation.WHEN_SUPPORTED
                        : ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(c -> interceptors.forEach(c::addExecutionInterceptor))
                .httpClientBuilder(ApacheHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(30))
                        .maxConnections(32));
        settings.endpoint().ifPresent(builder::endpointOverride);
        if (settings.accessKeyId().isPresent() && settings.secretAccessKey().isPresent()) {
            builder.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                    settings.accessKeyId().get(), settings.secretAccessKey().get())));
        } else {
            builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        this.s3 = builder.build();
        AtomicInteger threads = new AtomicInteger();
        this.partPool = Executors.newFixedThreadPool(tuning.partParallelism(), r -> {
            Thread t = new Thread(r, "floe-tier-part-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        Counter partRetries = Counter.builder("floe.tier.upload.part.retries")
                .description("Multipart upload parts sent again after a failed attempt").register(registry);
        Counter partBytes = Counter.builder("floe.tier.upload.part.bytes").baseUnit("bytes")
                .description("Bytes of multipart upload parts accepted by the store, as they complete").register(registry);
        this.multipart = new MultipartUploader(s3, settings.bucket(), tuning, throttle, partPool, partRetries, partBytes);
    }

    public S3Tuning tuning() {
        return tuning;
    }

    private String key(String key) {
        return settings.keyPrefix() + key;
    }

    private ObjectStoreException failure(String action, String key, Exception e) {
        return new ObjectStoreException("S3 " + action + " of " + key + " in " + describe() + " failed: " + e.getMessage(), e);
    }

    @Override
    public void put(String key, Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (size >= tuning.multipartThresholdBytes()) {
            multipart.upload(key(key), file, size);
            return;
        }
        FileRange whole = new FileRange(file, 0, size);
        try {
            s3.putObject(request(key, () -> whole.md5Base64()), whole.body(throttle));
        } catch (SdkException | UncheckedIOException e) {
            throw failure("put", key, e);
        }
    }

    @Override
    public void put(String key, byte[] bytes) {
        try {
            throttle.acquire(bytes.length);
            s3.putObject(request(key, () -> md5Base64(bytes)), RequestBody.fromBytes(bytes));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ObjectStoreException("put of " + key + " interrupted");
        } catch (SdkException | UncheckedIOException e) {
            throw failure("put", key, e);
        }
    }

    /** With the SDK's checksums off, our own Content-MD5 makes the store verify what it received. */
    private PutObjectRequest request(String key, java.util.function.Supplier<String> md5) {
        PutObjectRequest.Builder b = PutObjectRequest.builder().bucket(settings.bucket()).key(key(key));
        if (tuning.checksumMode() == ChecksumMode.WHEN_REQUIRED) {
            b.contentMD5(md5.get());
        }
        return b.build();
    }

    private static String md5Base64(byte[] bytes) {
        try {
            return java.util.Base64.getEncoder().encodeToString(
                    java.security.MessageDigest.getInstance("MD5").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5", e);
        }
    }

    /**
     * Abort multipart uploads under {@code prefix} begun before {@code initiatedBefore}: parts a killed process
     * left behind. They were never visible as objects (only a completed upload is), but they cost storage.
     */
    @Override
    public int abortIncompleteUploads(String prefix, Instant initiatedBefore) {
        int aborted = 0;
        try {
            String keyMarker = null;
            String uploadMarker = null;
            do {
                ListMultipartUploadsRequest.Builder request = ListMultipartUploadsRequest.builder()
                        .bucket(settings.bucket()).prefix(key(prefix));
                if (keyMarker != null) {
                    request.keyMarker(keyMarker).uploadIdMarker(uploadMarker);
                }
                ListMultipartUploadsResponse page = s3.listMultipartUploads(request.build());
                for (MultipartUpload u : page.uploads()) {
                    if (u.initiated() != null && !u.initiated().isBefore(initiatedBefore)) {
                        continue;
                    }
                    s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(u.key()).uploadId(u.uploadId()));
                    LOG.info("aborted multipart upload {} of {} left by an earlier run (begun {})", u.uploadId(),
                            u.key(), u.initiated());
                    aborted++;
                }
                boolean more = Boolean.TRUE.equals(page.isTruncated());
                keyMarker = more ? page.nextKeyMarker() : null;
                uploadMarker = more ? page.nextUploadIdMarker() : null;
            } while (keyMarker != null);
        } catch (SdkException | UncheckedIOException e) {
            throw failure("abort of incomplete uploads", prefix, e);
        }
        return aborted;
    }

    @Override
    public byte[] get(String key) {
        try {
            return readAll(GetObjectRequest.builder().bucket(settings.bucket()).key(key(key)).build());
        } catch (NoSuchKeyException e) {
            throw new ObjectStoreException("object " + key + " does not exist in " + describe(), e);
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("get", key, e);
        }
    }

    @Override
    public byte[] getRange(String key, long offset, int length) {
        if (length <= 0) {
            return new byte[0];
        }
        try {
            return readAll(GetObjectRequest.builder().bucket(settings.bucket()).key(key(key))
                    .range("bytes=" + offset + "-" + (offset + length - 1)).build());
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("ranged get", key, e);
        }
    }

    /**
     * The response body straight into one array of its Content-Length. The SDK's getObjectAsBytes grows a
     * ByteArrayOutputStream and copies the result twice more: a profile of a cold catch-up read had a third of the
     * broker's Java samples in that growth, and the garbage it made ran young GCs every few hundred milliseconds.
     */
    private byte[] readAll(GetObjectRequest request) {
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(request)) {
            Long length = in.response().contentLength();
            if (length == null) {
                return in.readAllBytes();
            }
            byte[] out = new byte[Math.toIntExact(length)];
            int n = in.readNBytes(out, 0, out.length);
            // Reading on to the end lets the SDK validate a whole-object checksum, which it does at end of stream.
            if (n != out.length || in.read() != -1) {
                throw new UncheckedIOException(new IOException("the body of " + request.key() + " was "
                        + (n != out.length ? "shorter" : "longer") + " than its Content-Length " + length));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        List<ObjectInfo> out = new ArrayList<>();
        try {
            String token = null;
            do {
                ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(settings.bucket()).prefix(key(prefix));
                if (token != null) {
                    request.continuationToken(token);
                }
                ListObjectsV2Response page = s3.listObjectsV2(request.build());
                for (S3Object o : page.contents()) {
                    out.add(new ObjectInfo(o.key().substring(settings.keyPrefix().length()), o.size()));
                }
                token = page.isTruncated() ? page.nextContinuationToken() : null;
            } while (token != null);
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("list", prefix, e);
        }
        return out;
    }

    @Override
    public List<String> listPrefixes(String prefix) {
        List<String> out = new ArrayList<>();
        try {
            String token = null;
            do {
                ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(settings.bucket())
                        .prefix(key(prefix)).delimiter("/");
                if (token != null) {
                    request.continuationToken(token);
                }
                ListObjectsV2Response page = s3.listObjectsV2(request.build());
                for (CommonPrefix p : page.commonPrefixes()) {
                    String name = p.prefix().substring(key(prefix).length());
                    out.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
                }
                token = page.isTruncated() ? page.nextContinuationToken() : null;
            } while (token != null);
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("list", prefix, e);
        }
        return out;
    }

    @Override
    public void delete(Collection<String> keys) {
        List<ObjectIdentifier> ids = keys.stream().map(k -> ObjectIdentifier.builder().key(key(k)).build()).toList();
        try {
            for (int i = 0; i < ids.size(); i += DELETE_BATCH) {
                List<ObjectIdentifier> batch = ids.subList(i, Math.min(ids.size(), i + DELETE_BATCH));
                s3.deleteObjects(b -> b.bucket(settings.bucket()).delete(Delete.builder().objects(batch).quiet(true).build()));
            }
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("delete", keys.size() + " objects", e);
        }
    }

    @Override
    public String describe() {
        return "bucket " + settings.bucket() + settings.endpoint().map(e -> " at " + e).orElse("");
    }

    @Override
    public void close() {
        partPool.shutdownNow();
        s3.close();
    }
}
