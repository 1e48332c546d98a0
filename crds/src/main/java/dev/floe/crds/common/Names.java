package dev.floe.crds.common;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/** Names that the operator and the brokers must agree on without talking to each other. */
public final class Names {
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

    private Names() {
    }

    /** Whether a Kafka topic name can be a Topic object name as it is. */
    public static boolean isValidTopicObjectName(String topic) {
        return topic.length() <= 253 && DNS_SUBDOMAIN.matcher(topic).matches();
    }

    /**
     * The Topic object name for a Kafka topic. Kafka names allow '_' and upper case; Kubernetes names do not. A name
     * that is already a valid object name is kept; any other gets a readable lower-case form plus a short hash (so
     * {@code Orders_V2} and {@code orders-v2} cannot collide), and its real name goes in {@code spec.topicName}.
     * The brokers (CreateTopics) and the operator (internal topics) must agree on it, so it lives here.
     */
    public static String topicObjectName(String topic) {
        if (isValidTopicObjectName(topic)) {
            return topic;
        }
        String readable = topic.toLowerCase().replaceAll("[^a-z0-9.-]", "-").replaceAll("^[^a-z0-9]+", "")
                .replaceAll("[^a-z0-9]+$", "");
        if (readable.length() > 200) {
            readable = readable.substring(0, 200);
        }
        CRC32 crc = new CRC32();
        crc.update(topic.getBytes(StandardCharsets.UTF_8));
        String hash = HexFormat.of().toHexDigits((int) crc.getValue());
        return (readable.isEmpty() ? "topic" : readable) + "-" + hash;
    }

    /** The Lease broker {@code brokerId} of {@code cluster} holds while it is alive. */
    public static String brokerLease(String cluster, int brokerId) {
        return cluster + "-broker-" + brokerId;
    }

    /** The StatefulSet of the brokers; its pods are {@code <statefulSet>-<brokerId>}. */
    public static String brokerStatefulSet(String cluster) {
        return cluster + "-broker";
    }

    /**
     * The finalizer a Topic carries for each broker that holds (or held) one of its replicas. A broker removes its
     * own after it has deleted its local data for the topic, so deletion is an event every replica observes, even
     * one that was down when the Topic was deleted.
     */
    public static String brokerDataFinalizer(int brokerId) {
        return BROKER_DATA_FINALIZER_PREFIX + brokerId;
    }

    public static final String BROKER_DATA_FINALIZER_PREFIX = "floe.dev/data-broker-";

    /** The broker id a {@link #brokerDataFinalizer} names, or -1 for any other finalizer. */
    public static int brokerOfDataFinalizer(String finalizer) {
        if (finalizer == null || !finalizer.startsWith(BROKER_DATA_FINALIZER_PREFIX)) {
            return -1;
        }
        try {
            return Integer.parseInt(finalizer.substring(BROKER_DATA_FINALIZER_PREFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
