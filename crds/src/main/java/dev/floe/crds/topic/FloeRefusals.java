package dev.floe.crds.topic;

/**
 * Values Kafka accepts that Floe refuses, because the feature behind them is not built and accepting them would
 * silently do something else than the user asked for. Everything else Kafka accepts, Floe accepts. None today:
 * {@code cleanup.policy=compact}, the last one, is built (the broker's log cleaner).
 */
final class FloeRefusals {
    private FloeRefusals() {
    }

    /** Null when Floe can honour this (already Kafka-valid) value. */
    static String problem(TopicConfigKey key, String value) {
        return null;
    }
}
