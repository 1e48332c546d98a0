package dev.floe.broker.metadata;

/**
 * A feature flag as ApiVersions v3+ reports it (KIP-584): the range this broker supports and the level finalized
 * for the cluster, which is what clients act on (e.g. {@code transaction.version} 2 turns on transactions v2 in
 * Kafka 4.x producers). Floe has no controller to finalize features, so the level is the broker's configuration.
 */
public record Feature(String name, short minVersion, short maxVersion, short finalizedLevel) {
    public static final String TRANSACTION_VERSION = "transaction.version";

    public Feature {
        if (finalizedLevel < minVersion || finalizedLevel > maxVersion) {
            throw new IllegalArgumentException(name + " level " + finalizedLevel + " is outside the supported "
                    + minVersion + "-" + maxVersion);
        }
    }
}
