package dev.floe.crds.cluster;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * The operator's autoscaler, opt-in per Cluster. It writes {@code spec.replicas} between {@code spec.minReplicas} and
 * {@code spec.maxReplicas} from the brokers' own metrics, as the HorizontalPodAutoscaler writes a scale subresource.
 */
public class AutoscalingSpec {
    @Default("false")
    @JsonPropertyDescription("Let the operator set spec.replicas from the brokers' load, between spec.minReplicas and "
            + "spec.maxReplicas (both required then). Off: spec.replicas is only what you (or kubectl scale) set.")
    private boolean enabled;

    @JsonPropertyDescription("Load one broker should carry; at least one target is required when enabled. The desired "
            + "broker count is the largest of ceil(brokers * observed / target) over the targets set.")
    private AutoscalingTargets targets = new AutoscalingTargets();

    @Min(1)
    @Max(3600)
    @Default("15")
    @JsonPropertyDescription("Seconds between two reads of every broker's metrics (its Prometheus endpoint, /q/metrics).")
    private int scrapeIntervalSeconds = 15;

    @Min(0)
    @Max(3600)
    @Default("60")
    @JsonPropertyDescription("Seconds the load must stay above target, on every read, before brokers are added; the "
            + "smallest broker count the window asked for is the one applied, so a spike does not scale out.")
    private int scaleOutStabilizationSeconds = 60;

    @Min(0)
    @Max(86400)
    @Default("300")
    @JsonPropertyDescription("Seconds the load must stay below target, on every read, before brokers are removed "
            + "(drained first); the largest broker count the window asked for is the one applied.")
    private int scaleInStabilizationSeconds = 300;

    @Min(0)
    @Max(86400)
    @Default("120")
    @JsonPropertyDescription("Seconds after a change of spec.replicas (by the autoscaler or anyone) before the "
            + "autoscaler decides again; the stabilization windows also start over after a change.")
    private int cooldownSeconds = 120;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public AutoscalingTargets getTargets() {
        return targets;
    }

    public void setTargets(AutoscalingTargets targets) {
        this.targets = targets;
    }

    public int getScrapeIntervalSeconds() {
        return scrapeIntervalSeconds;
    }

    public void setScrapeIntervalSeconds(int scrapeIntervalSeconds) {
        this.scrapeIntervalSeconds = scrapeIntervalSeconds;
    }

    public int getScaleOutStabilizationSeconds() {
        return scaleOutStabilizationSeconds;
    }

    public void setScaleOutStabilizationSeconds(int scaleOutStabilizationSeconds) {
        this.scaleOutStabilizationSeconds = scaleOutStabilizationSeconds;
    }

    public int getScaleInStabilizationSeconds() {
        return scaleInStabilizationSeconds;
    }

    public void setScaleInStabilizationSeconds(int scaleInStabilizationSeconds) {
        this.scaleInStabilizationSeconds = scaleInStabilizationSeconds;
    }

    public int getCooldownSeconds() {
        return cooldownSeconds;
    }

    public void setCooldownSeconds(int cooldownSeconds) {
        this.cooldownSeconds = cooldownSeconds;
    }
}
