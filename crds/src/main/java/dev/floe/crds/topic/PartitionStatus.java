package dev.floe.crds.topic;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.ArrayList;
import java.util.List;

/** Where one partition lives. Written by the operator (placement, leader) and by the leader (ISR), epoch-guarded. */
public class PartitionStatus {
    private int partition;

    @JsonPropertyDescription("Broker ids holding a replica; the first is the preferred leader.")
    private List<Integer> replicas = new ArrayList<>();

    @JsonPropertyDescription("Broker id of the leader, -1 when none.")
    private int leader = -1;

    @JsonPropertyDescription("Bumped on every leader change; fences requests from an older leader.")
    private int leaderEpoch;

    @JsonPropertyDescription("In-sync replicas.")
    private List<Integer> isr = new ArrayList<>();

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonPropertyDescription("During a reassignment (Kafka's KIP-455): replicas being added, not yet in the ISR. "
            + "replicas is then the target followed by the replicas being removed.")
    private List<Integer> addingReplicas = new ArrayList<>();

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonPropertyDescription("During a reassignment: replicas that leave once every adding replica is in sync.")
    private List<Integer> removingReplicas = new ArrayList<>();

    public PartitionStatus() {
    }

    public PartitionStatus(int partition, List<Integer> replicas, int leader, int leaderEpoch, List<Integer> isr) {
        this.partition = partition;
        this.replicas = new ArrayList<>(replicas);
        this.leader = leader;
        this.leaderEpoch = leaderEpoch;
        this.isr = new ArrayList<>(isr);
    }

    public int getPartition() {
        return partition;
    }

    public void setPartition(int partition) {
        this.partition = partition;
    }

    public List<Integer> getReplicas() {
        return replicas;
    }

    public void setReplicas(List<Integer> replicas) {
        this.replicas = replicas;
    }

    public int getLeader() {
        return leader;
    }

    public void setLeader(int leader) {
        this.leader = leader;
    }

    public int getLeaderEpoch() {
        return leaderEpoch;
    }

    public void setLeaderEpoch(int leaderEpoch) {
        this.leaderEpoch = leaderEpoch;
    }

    public List<Integer> getIsr() {
        return isr;
    }

    public void setIsr(List<Integer> isr) {
        this.isr = isr;
    }

    public List<Integer> getAddingReplicas() {
        return addingReplicas;
    }

    public void setAddingReplicas(List<Integer> addingReplicas) {
        this.addingReplicas = addingReplicas == null ? new ArrayList<>() : addingReplicas;
    }

    public List<Integer> getRemovingReplicas() {
        return removingReplicas;
    }

    public void setRemovingReplicas(List<Integer> removingReplicas) {
        this.removingReplicas = removingReplicas == null ? new ArrayList<>() : removingReplicas;
    }

    /** Whether a reassignment of this partition is under way. */
    @JsonIgnore
    public boolean isReassigning() {
        return !addingReplicas.isEmpty() || !removingReplicas.isEmpty();
    }

    /** The replica set this partition is moving to: {@code replicas} without the ones being removed, in order. */
    @JsonIgnore
    public List<Integer> targetReplicas() {
        List<Integer> target = new ArrayList<>(replicas);
        target.removeAll(removingReplicas);
        return target;
    }
}
