package dev.floe.broker.cluster;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * Kafka topic names allow '_' and upper case; Kubernetes object names do not. A topic whose name is already a valid
 * object name keeps it; any other gets a readable lower-case form plus a short hash (so {@code Orders_V2} and
 * {@code orders-v2} cannot collide), and its real name goes in {@code spec.topicName}.
 */
public final class TopicResourceNames {
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

    private TopicResourceNames() {
    }

    public static boolean isValidObjectName(String topic) {
        return topic.length() <= 253 && DNS_SUBDOMAIN.matcher(topic).matches();
    }

    public static String objectName(String topic) {
        if (isValidObjectName(topic)) {
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
}
