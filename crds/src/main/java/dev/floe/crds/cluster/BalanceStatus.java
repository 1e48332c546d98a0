package dev.floe.crds.cluster;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Balancing after the broker count changed: which count it is for and how much is left to move. */
public class BalanceStatus {
    @JsonPropertyDescription("The broker count (spec.replicas) of the current or last balancing round.")
    private int brokers;

    @JsonPropertyDescription("Waiting (brokers not all live yet, or a drain or reassignment under way), Balancing, "
            + "or Balanced.")
    private String state;

    @JsonPropertyDescription("Partitions still to move (being moved now or planned) in this round.")
    private int partitionsLeft;

    @JsonPropertyDescription("Partitions moved or reordered by this round so far.")
    private int partitionsMoved;

    @JsonPropertyDescription("Whether the brokers' measured load (bytes in and out per partition) changed this "
            + "round's plan beyond evening the counts. Absent when the round had no load data (counts only).")
    private Boolean loadDriven;

    @JsonPropertyDescription("Bytes per second through the busiest live broker, by the operator's load model, when "
            + "this round first planned with load data.")
    private Long maxBrokerLoadBefore;

    @JsonPropertyDescription("Bytes per second through the idlest live broker when this round first planned with "
            + "load data.")
    private Long minBrokerLoadBefore;

    @JsonPropertyDescription("Bytes per second through the busiest live broker once the latest plan is carried out "
            + "(at the end of the round: now).")
    private Long maxBrokerLoadAfter;

    @JsonPropertyDescription("Bytes per second through the idlest live broker once the latest plan is carried out.")
    private Long minBrokerLoadAfter;

    @JsonPropertyDescription("Whether every live broker's load is within the load tolerance once the latest plan "
            + "is carried out.")
    private Boolean loadWithinTolerance;

    public BalanceStatus() {
    }

    public BalanceStatus(int brokers, String state, int partitionsLeft, int partitionsMoved) {
        this.brokers = brokers;
        this.state = state;
        this.partitionsLeft = partitionsLeft;
        this.partitionsMoved = partitionsMoved;
    }

    public int getBrokers() {
        return brokers;
    }

    public void setBrokers(int brokers) {
        this.brokers = brokers;
    }

    public String getState() {
        return state;
    }

    public void setState(String state) {
        this.state = state;
    }

    public int getPartitionsLeft() {
        return partitionsLeft;
    }

    public void setPartitionsLeft(int partitionsLeft) {
        this.partitionsLeft = partitionsLeft;
    }

    public int getPartitionsMoved() {
        return partitionsMoved;
    }

    public void setPartitionsMoved(int partitionsMoved) {
        this.partitionsMoved = partitionsMoved;
    }

    public Boolean getLoadDriven() {
        return loadDriven;
    }

    public void setLoadDriven(Boolean loadDriven) {
        this.loadDriven = loadDriven;
    }

    public Long getMaxBrokerLoadBefore() {
        return maxBrokerLoadBefore;
    }

    public void setMaxBrokerLoadBefore(Long maxBrokerLoadBefore) {
        this.maxBrokerLoadBefore = maxBrokerLoadBefore;
    }

    public Long getMinBrokerLoadBefore() {
        return minBrokerLoadBefore;
    }

    public void setMinBrokerLoadBefore(Long minBrokerLoadBefore) {
        this.minBrokerLoadBefore = minBrokerLoadBefore;
    }

    public Long getMaxBrokerLoadAfter() {
        return maxBrokerLoadAfter;
    }

    public void setMaxBrokerLoadAfter(Long maxBrokerLoadAfter) {
        this.maxBrokerLoadAfter = maxBrokerLoadAfter;
    }

    public Long getMinBrokerLoadAfter() {
        return minBrokerLoadAfter;
    }

    public void setMinBrokerLoadAfter(Long minBrokerLoadAfter) {
        this.minBrokerLoadAfter = minBrokerLoadAfter;
    }

    public Boolean getLoadWithinTolerance() {
        return loadWithinTolerance;
    }

    public void setLoadWithinTolerance(Boolean loadWithinTolerance) {
        this.loadWithinTolerance = loadWithinTolerance;
    }
}
