package dev.floe.crds.common;

/** Names that the operator and the brokers must agree on without talking to each other. */
public final class Names {
    private Names() {
    }

    /** The Lease broker {@code brokerId} of {@code cluster} holds while it is alive. */
    public static String brokerLease(String cluster, int brokerId) {
        return cluster + "-broker-" + brokerId;
    }

    /** The StatefulSet of the brokers; its pods are {@code <statefulSet>-<brokerId>}. */
    public static String brokerStatefulSet(String cluster) {
        return cluster + "-broker";
    }
}
