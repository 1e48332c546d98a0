package dev.floe.tier.s3;

import java.net.URI;
import java.util.Optional;

/**
 * Where a bucket is and how to reach it. Without static keys the AWS SDK's default credential chain is used
 * (environment, profile, container or instance role).
 */
public record S3Settings(String bucket, Optional<URI> endpoint, String region, boolean pathStyle,
                         Optional<String> accessKeyId, Optional<String> secretAccessKey, String keyPrefix) {

    public S3Settings {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("an S3 bucket name is required (FLOE_TIER_S3_BUCKET)");
        }
        keyPrefix = keyPrefix == null ? "" : keyPrefix;
    }
}
