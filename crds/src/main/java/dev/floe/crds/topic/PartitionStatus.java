package dev.floe.crds.topic;

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
}
