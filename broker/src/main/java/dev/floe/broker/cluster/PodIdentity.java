package dev.floe.broker.cluster;

/** A StatefulSet pod's ordinal is its broker id: {@code events-broker-2} is broker 2. */
public final class PodIdentity {
    private PodIdentity() {
    }

    public static int brokerId(String podName) {
        int dash = podName.lastIndexOf('-');
        if (dash < 0 || dash == podName.length() - 1) {
            throw new IllegalArgumentException("pod name '" + podName + "' does not end in a StatefulSet ordinal "
                    + "(-0, -1, ...); set FLOE_POD_NAME from metadata.name of a StatefulSet pod");
        }
        try {
            return Integer.parseInt(podName.substring(dash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pod name '" + podName + "' does not end in a StatefulSet ordinal", e);
        }
    }
}
