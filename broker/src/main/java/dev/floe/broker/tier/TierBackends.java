package dev.floe.broker.tier;

import dev.floe.broker.config.BrokerConfig;
import dev.floe.tier.remote.RemoteLogStore;
import dev.floe.tier.s3.ChecksumMode;
import dev.floe.tier.s3.S3ObjectStore;
import dev.floe.tier.s3.S3Tuning;
import dev.floe.tier.store.UploadThrottle;
import dev.floe.tier.s3.S3Settings;
import dev.floe.tier.store.LocalDirectoryObjectStore;
import dev.floe.tier.store.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** Builds the configured object store (FLOE_TIER_BACKEND) and the library facade over it. */
public final class TierBackends {
    private TierBackends() {
    }

    /** Null when tiering is off. */
    public static RemoteLogStore open(BrokerConfig.Tier tier, MeterRegistry registry) {
        ObjectStore store = switch (tier.backend().trim().toLowerCase()) {
            case "none", "" -> null;
            case "file" -> new LocalDirectoryObjectStore(Path.of(tier.dir()), throttle(tier));
            case "s3" -> new S3ObjectStore(new S3Settings(
                    tier.s3().bucket().orElseThrow(() -> new IllegalArgumentException(
                            "FLOE_TIER_BACKEND=s3 needs FLOE_TIER_S3_BUCKET")),
                    tier.s3().endpoint().map(URI::create), tier.s3().region(), tier.s3().pathStyle(),
                    tier.s3().accessKeyId(), tier.s3().secretAccessKey(), tier.s3().prefix().orElse("")),
                    new S3Tuning(ChecksumMode.parse(tier.s3().checksum()), tier.multipartThresholdBytes(),
                            tier.multipartPartBytes(), tier.multipartParallelism()),
                    throttle(tier), registry, List.of());
            default -> throw new IllegalArgumentException("FLOE_TIER_BACKEND must be none, file or s3, not '"
                    + tier.backend() + "'");
        };
        return store == null ? null : new RemoteLogStore(store, tier.cluster(), tier.chunkBytes(), tier.cacheBytes(), registry);
    }

    /** One bucket of upload bandwidth for the whole broker (FLOE_TIER_UPLOAD_BYTES_PER_SEC). */
    private static UploadThrottle throttle(BrokerConfig.Tier tier) {
        return tier.uploadBytesPerSec() > 0 ? new UploadThrottle(tier.uploadBytesPerSec()) : UploadThrottle.unlimited();
    }

    public static TieringService.StoreFactory factory(RemoteLogStore remote) {
        return (topic, topicId, partition) -> new LibraryRemoteStore(remote.partition(topic, topicId, partition));
    }

}
