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
}
