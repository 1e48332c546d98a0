package dev.floe.crds.common;

/** Label and annotation keys shared by the operator and the brokers. */
public final class Labels {
    /** Binds a Topic to its Cluster, and marks every object the operator owns for a Cluster. */
    public static final String CLUSTER = "floe.dev/cluster";
    /** Set on broker Leases and pods: which broker id the object belongs to. */
    public static final String BROKER_ID = "floe.dev/broker-id";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    /** On broker Leases: the host:port clients use to reach that broker's Kafka listener. */
    public static final String ADVERTISED_KAFKA = "floe.dev/advertised-kafka";
    /** On a broker's Lease: host:port of its HTTP API, where other brokers forward HTTP requests it leads. */
    public static final String ADVERTISED_HTTP = "floe.dev/advertised-http";

    /**
     * On Topics: a request for a preferred leader election (Kafka's ElectLeaders). The value is a request id,
     * optionally followed by {@code :} and a comma-separated partition list ({@code "7f3a:0,2"}); without a list
     * every partition is meant. The operator answers by setting {@code status.preferredElection} to the same value.
     */
    public static final String ELECT_PREFERRED = "floe.dev/elect-preferred";
    /**
     * On Topics: a partition reassignment request (Kafka's AlterPartitionReassignments), {@code <request id>} then
     * {@code ;<partition>=<broker>,<broker>...} per partition; an empty broker list cancels that partition's
     * reassignment ({@code "7f3a;0=1,2;3="}). A request merged into a later unanswered one keeps its id in a list
     * ({@code "9c1e,7f3a;..."}). The operator answers by setting {@code status.reassignmentRequest} to the id part.
     */
    public static final String REASSIGN = "floe.dev/reassign";
    /** Pod or Node label naming a broker's failure domain; replicas of a partition spread across its values. */
    public static final String ZONE = "topology.kubernetes.io/zone";

    private Labels() {
    }
}
