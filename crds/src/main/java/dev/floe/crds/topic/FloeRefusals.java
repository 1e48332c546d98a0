package dev.floe.crds.topic;

import java.util.List;

/**
 * Values Kafka accepts that Floe refuses, because the feature behind them is not built and accepting them would
 * silently do something else than the user asked for. Everything else Kafka accepts, Floe accepts.
 */
final class FloeRefusals {
    private FloeRefusals() {
    }

    /** Null when Floe can honour this (already Kafka-valid) value. */
    static String problem(TopicConfigKey key, String value) {
        if (key.name().equals(TopicConfigCatalog.CLEANUP_POLICY) && ((List<?>) key.parse(value)).contains("compact")) {
            // A compacted topic would keep every version of every key (or delete them by retention), which a
            // client relying on compaction would only notice when it reads stale or missing keys.
            return "Invalid value " + value + " for configuration cleanup.policy: log compaction is not implemented in"
                    + " Floe yet, so cleanup.policy may only be delete, or empty to keep records until deleted";
        }
        return null;
    }
}
