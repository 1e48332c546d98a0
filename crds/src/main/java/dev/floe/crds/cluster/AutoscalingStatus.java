package dev.floe.crds.cluster;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the autoscaler saw and decided last; absent while autoscaling is off. */
public class AutoscalingStatus {
    @JsonPropertyDescription("Broker count the autoscaler wants now (equals spec.replicas unless a change is held).")
    private Integer desiredReplicas;

    @JsonPropertyDescription("ScaleOut or ScaleIn: the last change the autoscaler made to spec.replicas.")
    private String lastDecision;

    @JsonPropertyDescription("Why the last change was made, with the figures that made it.")
    private String lastDecisionReason;

    @JsonPropertyDescription("When the last change was made (RFC 3339).")
    private String lastDecisionTime;

    @JsonPropertyDescription("spec.replicas before the last change.")
    private Integer lastDecisionFrom;

    @JsonPropertyDescription("spec.replicas after the last change.")
    private Integer lastDecisionTo;

    @JsonPropertyDescription("What the latest evaluation concluded, e.g. why nothing changes now (within target, "
            + "window not yet passed, cooldown, a broker that could not be read).")
    private String message;

    @JsonPropertyDescription("When the figures below were read (RFC 3339).")
    private String observedTime;

    @JsonPropertyDescription("Produce bytes per second per broker at the latest read.")
    private Long observedProduceBytesPerSecond;

    @JsonPropertyDescription("Fetch bytes per second per broker at the latest read.")
    private Long observedFetchBytesPerSecond;

    @JsonPropertyDescription("Average CPU utilization of the brokers at the latest read, in percent.")
    private Integer observedCpuUtilizationPercent;

    @JsonPropertyDescription("Brokers whose metrics were read at the latest read.")
    private Integer brokersObserved;

    @JsonPropertyDescription("Brokers that should have been read but could not be, with the error; the autoscaler "
            + "does not decide while this is set.")
    private String unobserved;

    public Integer getDesiredReplicas() {
        return desiredReplicas;
    }

    public void setDesiredReplicas(Integer desiredReplicas) {
        this.desiredReplicas = desiredReplicas;
    }

    public String getLastDecision() {
        return lastDecision;
    }

    public void setLastDecision(String lastDecision) {
        this.lastDecision = lastDecision;
    }

    public String getLastDecisionReason() {
        return lastDecisionReason;
    }

    public void setLastDecisionReason(String lastDecisionReason) {
        this.lastDecisionReason = lastDecisionReason;
    }

    public String getLastDecisionTime() {
        return lastDecisionTime;
    }

    public void setLastDecisionTime(String lastDecisionTime) {
        this.lastDecisionTime = lastDecisionTime;
    }

    public Integer getLastDecisionFrom() {
        return lastDecisionFrom;
    }

    public void setLastDecisionFrom(Integer lastDecisionFrom) {
        this.lastDecisionFrom = lastDecisionFrom;
    }

    public Integer getLastDecisionTo() {
        return lastDecisionTo;
    }

    public void setLastDecisionTo(Integer lastDecisionTo) {
        this.lastDecisionTo = lastDecisionTo;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public String getObservedTime() {
        return observedTime;
    }

    public void setObservedTime(String observedTime) {
        this.observedTime = observedTime;
    }

    public Long getObservedProduceBytesPerSecond() {
        return observedProduceBytesPerSecond;
    }

    public void setObservedProduceBytesPerSecond(Long observedProduceBytesPerSecond) {
        this.observedProduceBytesPerSecond = observedProduceBytesPerSecond;
    }

    public Long getObservedFetchBytesPerSecond() {
        return observedFetchBytesPerSecond;
    }

    public void setObservedFetchBytesPerSecond(Long observedFetchBytesPerSecond) {
        this.observedFetchBytesPerSecond = observedFetchBytesPerSecond;
    }

    public Integer getObservedCpuUtilizationPercent() {
        return observedCpuUtilizationPercent;
    }

    public void setObservedCpuUtilizationPercent(Integer observedCpuUtilizationPercent) {
        this.observedCpuUtilizationPercent = observedCpuUtilizationPercent;
    }

    public Integer getBrokersObserved() {
        return brokersObserved;
    }

    public void setBrokersObserved(Integer brokersObserved) {
        this.brokersObserved = brokersObserved;
    }

    public String getUnobserved() {
        return unobserved;
    }

    public void setUnobserved(String unobserved) {
        this.unobserved = unobserved;
    }
}
