package dev.floe.operator.autoscale;

import dev.floe.crds.cluster.AutoscalingSpec;
import dev.floe.crds.cluster.AutoscalingTargets;
import dev.floe.crds.cluster.ClusterSpec;

import java.time.Duration;
import java.util.Optional;

/**
 * A Cluster's autoscaling settings, checked and with the bounds resolved: what {@link ScalingDecision} needs and
 * nothing of the Kubernetes model.
 *
 * @param produceTarget bytes/s per broker, or null when not a target (likewise the others)
 * @param cpuTarget     utilization per broker as a fraction (0.6 for 60 %), or null
 */
public record AutoscalePolicy(int min, int max, Double produceTarget, Double fetchTarget, Double cpuTarget,
                              Duration scrapeInterval, Duration scaleOutWindow, Duration scaleInWindow,
                              Duration cooldown) {

    /** Whether autoscaling is switched on for this spec at all (the rest only matters then). */
    public static boolean enabled(ClusterSpec spec) {
        return spec.getAutoscaling() != null && spec.getAutoscaling().isEnabled();
    }

    /** @return why an enabled spec cannot be acted on, or empty when it can */
    public static Optional<String> problem(ClusterSpec spec) {
        if (spec.getMinReplicas() == null || spec.getMaxReplicas() == null) {
            return Optional.of("autoscaling needs spec.minReplicas and spec.maxReplicas");
        }
        if (spec.getMinReplicas() > spec.getMaxReplicas()) {
            return Optional.of("spec.minReplicas " + spec.getMinReplicas() + " is above spec.maxReplicas "
                    + spec.getMaxReplicas());
        }
        AutoscalingTargets t = spec.getAutoscaling().getTargets();
        if (t == null || (t.getProduceBytesPerSecond() == null && t.getFetchBytesPerSecond() == null
                && t.getCpuUtilizationPercent() == null)) {
            return Optional.of("autoscaling needs at least one of targets.produceBytesPerSecond, "
                    + "targets.fetchBytesPerSecond, targets.cpuUtilizationPercent");
        }
        return Optional.empty();
    }

    /** The policy of a spec that {@link #problem} accepts. */
    public static AutoscalePolicy of(ClusterSpec spec) {
        AutoscalingSpec a = spec.getAutoscaling();
        AutoscalingTargets t = a.getTargets();
        return new AutoscalePolicy(spec.getMinReplicas(), spec.getMaxReplicas(),
                t.getProduceBytesPerSecond() == null ? null : t.getProduceBytesPerSecond().doubleValue(),
                t.getFetchBytesPerSecond() == null ? null : t.getFetchBytesPerSecond().doubleValue(),
                t.getCpuUtilizationPercent() == null ? null : t.getCpuUtilizationPercent() / 100.0,
                Duration.ofSeconds(a.getScrapeIntervalSeconds()),
                Duration.ofSeconds(a.getScaleOutStabilizationSeconds()),
                Duration.ofSeconds(a.getScaleInStabilizationSeconds()),
                Duration.ofSeconds(a.getCooldownSeconds()));
    }

    /** How long a history the decision can need. */
    Duration longestWindow() {
        return scaleOutWindow.compareTo(scaleInWindow) > 0 ? scaleOutWindow : scaleInWindow;
    }
}
