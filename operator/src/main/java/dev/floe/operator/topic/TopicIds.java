package dev.floe.operator.topic;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * Kafka topic ids: 16 random bytes shown as unpadded base64url, as Kafka prints them. Like Kafka, never an id whose
 * text starts with '-' (it would read as a command-line flag) and never the all-zero id, which means "no id".
 */
final class TopicIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private TopicIds() {
    }

    static String random() {
        while (true) {
            byte[] bytes = new byte[16];
            RANDOM.nextBytes(bytes);
            boolean zero = true;
            for (byte b : bytes) {
                zero &= b == 0;
            }
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            if (!zero && !id.startsWith("-")) {
                return id;
            }
        }
    }
}
