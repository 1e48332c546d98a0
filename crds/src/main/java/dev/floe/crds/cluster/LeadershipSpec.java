package dev.floe.crds.cluster;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** How the operator moves partition leadership: failover after a Lease expires, and back to preferred leaders. */
public class LeadershipSpec {
    @Default("true")
    @JsonPropertyDescription("Move leadership back to each partition's preferred replica (the first in its replica "
            + "list) once that replica is live and in sync again, as Kafka's auto.leader.rebalance.enable.")
    private boolean autoRebalance = true;

    @Min(0)
    @Max(86400)
    @Default("10")
    @JsonPropertyDescription("Seconds a preferred replica must stay live and in sync before leadership moves back "
            + "to it, so a broker that flaps does not drag leadership with it.")
    private int rebalanceDelaySeconds = 10;

    @Min(0)
    @Max(60000)
    @Default("1000")
    @JsonPropertyDescription("Milliseconds added to a Lease's expiry before its broker's partitions fail over: a "
            + "margin for clock skew between the broker, which stops leading at expiry by its own clock, and the "
            + "operator.")
    private int failoverGraceMillis = 1000;

    public boolean isAutoRebalance() {
        return autoRebalance;
    }

    public void setAutoRebalance(boolean autoRebalance) {
        this.autoRebalance = autoRebalance;
    }

    public int getRebalanceDelaySeconds() {
        return rebalanceDelaySeconds;
    }

    public void setRebalanceDelaySeconds(int rebalanceDelaySeconds) {
        this.rebalanceDelaySeconds = rebalanceDelaySeconds;
    }

    public int getFailoverGraceMillis() {
        return failoverGraceMillis;
    }

    public void setFailoverGraceMillis(int failoverGraceMillis) {
        this.failoverGraceMillis = failoverGraceMillis;
    }
}
