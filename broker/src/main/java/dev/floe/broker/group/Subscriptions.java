package dev.floe.broker.group;

import org.apache.kafka.common.message.ConsumerProtocolSubscription;
import org.apache.kafka.common.protocol.ByteBufferAccessor;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;

/**
 * Whether a returning static member asks for the same thing it asked for before. For the consumer protocol
 * that is its set of subscribed topics: the rest of its metadata (owned partitions, the generation they came
 * from, sticky user data) always differs after a restart, and comparing it would turn every static restart into
 * the rebalance that static membership exists to avoid. Other protocol types are compared byte for byte.
 */
final class Subscriptions {
    private Subscriptions() {
    }

    static boolean same(String protocolType, byte[] before, byte[] after) {
        if (before == null || after == null) {
            return false;
        }
        if (!"consumer".equals(protocolType)) {
            return Arrays.equals(before, after);
        }
        try {
            return new HashSet<>(topics(before).topics()).equals(new HashSet<>(topics(after).topics()));
        } catch (RuntimeException unreadable) {
            return Arrays.equals(before, after);
        }
    }

    private static ConsumerProtocolSubscription topics(byte[] metadata) {
        ByteBuffer buffer = ByteBuffer.wrap(metadata);
        short version = buffer.getShort();
        short readable = (short) Math.min(version, ConsumerProtocolSubscription.HIGHEST_SUPPORTED_VERSION);
        return new ConsumerProtocolSubscription(new ByteBufferAccessor(buffer), readable);
    }
}
