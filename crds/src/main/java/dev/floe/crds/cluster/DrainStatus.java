package dev.floe.crds.cluster;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.ArrayList;
import java.util.List;

/** A scale-down in progress: the brokers leaving and how much is still to move off them. */
public class DrainStatus {
    @JsonPropertyDescription("Broker ids that leave when the drain is done (the highest StatefulSet ordinals).")
    private List<Integer> brokers = new ArrayList<>();

    @JsonPropertyDescription("Partitions (all topics) that still have a replica on a leaving broker. The StatefulSet "
            + "shrinks once this is 0.")
    private int partitionsLeft;

    public DrainStatus() {
    }

    public DrainStatus(List<Integer> brokers, int partitionsLeft) {
        this.brokers = new ArrayList<>(brokers);
        this.partitionsLeft = partitionsLeft;
    }

    public List<Integer> getBrokers() {
        return brokers;
    }

    public void setBrokers(List<Integer> brokers) {
        this.brokers = brokers == null ? new ArrayList<>() : brokers;
    }

    public int getPartitionsLeft() {
        return partitionsLeft;
    }

    public void setPartitionsLeft(int partitionsLeft) {
        this.partitionsLeft = partitionsLeft;
    }
}
