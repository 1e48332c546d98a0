package dev.floe.crds.cluster;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.floe.crds.common.ConditionedStatus;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;

public class ClusterStatus extends ConditionedStatus {
    @StatusReplicas
    @JsonPropertyDescription("Brokers the StatefulSet runs.")
    private int replicas;

    @JsonPropertyDescription("Brokers that are ready.")
    private int readyBrokers;

    @LabelSelector
    @JsonPropertyDescription("Label selector of the broker pods, for the scale subresource.")
    private String selector;

    @JsonPropertyDescription("host:port for Kafka clients inside the Kubernetes cluster.")
    private String bootstrap;

    @JsonPropertyDescription("Set while brokers are drained before the StatefulSet shrinks (spec.replicas below the "
            + "brokers running); absent otherwise.")
    private DrainStatus drain;

    @JsonPropertyDescription("The autoscaler's latest figures and decisions; absent while autoscaling is off.")
    private AutoscalingStatus autoscaling;

    @JsonPropertyDescription("Balancing of replicas and preferred leaders over the brokers after spec.replicas "
            + "changed; absent until the operator first looked.")
    private BalanceStatus balance;

    public int getReplicas() {
        return replicas;
    }

    public void setReplicas(int replicas) {
        this.replicas = replicas;
    }

    public int getReadyBrokers() {
        return readyBrokers;
    }

    public void setReadyBrokers(int readyBrokers) {
        this.readyBrokers = readyBrokers;
    }

    public String getSelector() {
        return selector;
    }

    public void setSelector(String selector) {
        this.selector = selector;
    }

    public String getBootstrap() {
        return bootstrap;
    }

    public void setBootstrap(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    public DrainStatus getDrain() {
        return drain;
    }

    public void setDrain(DrainStatus drain) {
        this.drain = drain;
    }

    public AutoscalingStatus getAutoscaling() {
        return autoscaling;
    }

    public void setAutoscaling(AutoscalingStatus autoscaling) {
        this.autoscaling = autoscaling;
    }

    public BalanceStatus getBalance() {
        return balance;
    }

    public void setBalance(BalanceStatus balance) {
        this.balance = balance;
    }
}
