package dev.floe.tier.s3;

import dev.floe.tier.store.ObjectStore;
import dev.floe.tier.store.ObjectStoreException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** An S3 bucket (AWS or any S3-compatible server) through the AWS SDK v2. */
public final class S3ObjectStore implements ObjectStore {
    private static final int DELETE_BATCH = 1000;
    private final S3Client s3;
    private final S3Settings settings;

    public S3ObjectStore(S3Settings settings) {
        this.settings = settings;
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .forcePathStyle(settings.pathStyle())
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
    }

    private String key(String key) {
        return settings.keyPrefix() + key;
    }

    private ObjectStoreException failure(String action, String key, Exception e) {
        return new ObjectStoreException("S3 " + action + " of " + key + " in " + describe() + " failed: " + e.getMessage(), e);
    }

    @Override
    public void put(String key, Path file) {
        try {
            s3.putObject(b -> b.bucket(settings.bucket()).key(key(key)), RequestBody.fromFile(file));
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("put", key, e);
        }
    }

    @Override
    public void put(String key, byte[] bytes) {
        try {
            s3.putObject(b -> b.bucket(settings.bucket()).key(key(key)), RequestBody.fromBytes(bytes));
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("put", key, e);
        }
    }

    @Override
    public byte[] get(String key) {
        try {
            return s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(key(key))).asByteArray();
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
            return s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(key(key))
                    .range("bytes=" + offset + "-" + (offset + length - 1))).asByteArray();
        } catch (SdkException | java.io.UncheckedIOException e) {
            throw failure("ranged get", key, e);
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
        s3.close();
    }
}
