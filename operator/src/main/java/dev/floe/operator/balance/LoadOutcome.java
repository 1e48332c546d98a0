package dev.floe.operator.balance;

/**
 * What the load phase of a plan found and did: the busiest and idlest live broker's load (bytes per second, by the
 * {@link PartitionLoad} model) before the whole plan and after it, and the moves the load phase added on top of the
 * count phase.
 *
 * @param reorders     leadership reorders (no data moves) the load phase made
 * @param replicaMoves replicas the load phase moved to another broker
 * @param within       whether the loads after the plan are within the tolerance
 */
public record LoadOutcome(double maxBefore, double minBefore, double maxAfter, double minAfter, int reorders,
                          int replicaMoves, boolean within) {

    /** Whether the load changed the plan at all. */
    public boolean drove() {
        return reorders + replicaMoves > 0;
    }

    /** E.g. "broker load 0 B/s to 9.3 MB/s before, 1.6 MB/s to 4.3 MB/s after (1 leadership reorders, ...)". */
    public String describe() {
        return "broker load " + range(maxBefore, minBefore) + " before, " + range(maxAfter, minAfter) + " after ("
                + (drove() ? reorders + " leadership reorders, " + replicaMoves + " replica moves for load"
                : "the count moves alone") + ")";
    }

    static String range(double max, double min) {
        return rate(min) + " to " + rate(max);
    }

    static String rate(double bytesPerSecond) {
        if (bytesPerSecond >= 1e6) {
            return String.format(java.util.Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6);
        }
        if (bytesPerSecond >= 1e3) {
            return String.format(java.util.Locale.ROOT, "%.1f kB/s", bytesPerSecond / 1e3);
        }
        return String.format(java.util.Locale.ROOT, "%.0f B/s", bytesPerSecond);
    }
}
