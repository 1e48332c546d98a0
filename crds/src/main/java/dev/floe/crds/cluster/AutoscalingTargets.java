package dev.floe.crds.cluster;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Per-broker load targets of the autoscaler. Unset targets are not looked at. */
public class AutoscalingTargets {
    @Min(1)
    @JsonPropertyDescription("Record bytes produced per second per broker (the brokers' floe_topic_bytes_in_bytes_total, "
            + "all topics, summed over the cluster and divided by the brokers).")
    private Long produceBytesPerSecond;

    @Min(1)
    @JsonPropertyDescription("Record bytes fetched per second per broker, consumers and follower replicas alike "
            + "(floe_topic_bytes_out_bytes_total).")
    private Long fetchBytesPerSecond;

    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Average CPU utilization of the broker processes, in percent of the CPUs each one sees "
            + "(process_cpu_usage), as the HorizontalPodAutoscaler's averageUtilization.")
    private Integer cpuUtilizationPercent;

    public Long getProduceBytesPerSecond() {
        return produceBytesPerSecond;
    }

    public void setProduceBytesPerSecond(Long produceBytesPerSecond) {
        this.produceBytesPerSecond = produceBytesPerSecond;
    }

    public Long getFetchBytesPerSecond() {
        return fetchBytesPerSecond;
    }

    public void setFetchBytesPerSecond(Long fetchBytesPerSecond) {
        this.fetchBytesPerSecond = fetchBytesPerSecond;
    }

    public Integer getCpuUtilizationPercent() {
        return cpuUtilizationPercent;
    }

    public void setCpuUtilizationPercent(Integer cpuUtilizationPercent) {
        this.cpuUtilizationPercent = cpuUtilizationPercent;
    }
}
