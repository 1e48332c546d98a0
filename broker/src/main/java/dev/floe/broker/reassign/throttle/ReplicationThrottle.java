package dev.floe.broker.reassign.throttle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.TopicPartition;

import java.util.function.BiPredicate;

/**
 * Keeps moves from starving clients: the bytes a leader sends to, and a follower takes for, replicas being moved stay
 * under this broker's rates (Kafka's replication quotas, KIP-73). A throttled partition whose budget is spent is left
 * out of this round (a leader answers it with no records, a follower does not ask for it) and the others are served;
 * the throttle never delays a follower that is in sync, nor any partition it does not name.
 */
public final class ReplicationThrottle implements dev.floe.broker.replication.FollowerQuota {
    /** Standalone, or nothing to throttle: every answer is "not throttled". */
    public static final ReplicationThrottle NONE = new ReplicationThrottle();

    private final ThrottleRates rates;
    private final ThrottledReplicas replicas;
    private final BiPredicate<TopicPartition, Integer> inSync;
    private final Counter leaderBytes;
    private final Counter followerBytes;
    private final Counter leaderHeld;
    private final Counter followerHeld;

    private ReplicationThrottle() {
        rates = null;
        replicas = null;
        inSync = null;
        leaderBytes = followerBytes = leaderHeld = followerHeld = null;
    }

    /** @param inSync whether a follower is in the in-sync set of a partition this broker leads */
    public ReplicationThrottle(ThrottleRates rates, ThrottledReplicas replicas,
                               BiPredicate<TopicPartition, Integer> inSync, MeterRegistry registry) {
        this.rates = rates;
        this.replicas = replicas;
        this.inSync = inSync;
        this.leaderBytes = bytes(registry, "leader");
        this.followerBytes = bytes(registry, "follower");
        this.leaderHeld = held(registry, "leader");
        this.followerHeld = held(registry, "follower");
        Gauge.builder("floe.replication.throttle.rate", rates.leader(), ByteRateQuota::rate).tag("side", "leader")
                .baseUnit("bytes").description("Replication throttle in bytes/s (0: unlimited)").register(registry);
        Gauge.builder("floe.replication.throttle.rate", rates.follower(), ByteRateQuota::rate).tag("side", "follower")
                .baseUnit("bytes").description("Replication throttle in bytes/s (0: unlimited)").register(registry);
    }

    public ThrottleRates rates() {
        return rates;
    }

    public ThrottledReplicas replicas() {
        return replicas;
    }

    /**
     * Leader side: how many bytes of {@code tp} may go to follower {@code followerId} in this response:
     * {@link Integer#MAX_VALUE} when it is not throttled, 0 when it is and the budget is spent.
     */
    public int leaderAllowance(TopicPartition tp, int followerId) {
        if (rates == null || !rates.leader().limited() || !replicas.leaderThrottles(tp, followerId)
                || inSync.test(tp, followerId)) {
            return Integer.MAX_VALUE;
        }
        int allowance = rates.leader().allowance();
        if (allowance == 0) {
            leaderHeld.increment();
        }
        return allowance;
    }

    /** Leader side: {@code bytes} of a throttled partition went out (only after a limited allowance). */
    public void leaderSent(int bytes) {
        rates.leader().record(bytes);
        leaderBytes.increment(bytes);
    }

    /**
     * Follower side: how many bytes of {@code tp} this broker may ask for now, with the same meaning as
     * {@link #leaderAllowance}.
     */
    @Override
    public int allowance(TopicPartition tp) {
        return followerAllowance(tp);
    }

    @Override
    public void fetched(int bytes) {
        followerFetched(bytes);
    }

    public int followerAllowance(TopicPartition tp) {
        if (rates == null || !rates.follower().limited() || !replicas.followerThrottles(tp)) {
            return Integer.MAX_VALUE;
        }
        int allowance = rates.follower().allowance();
        if (allowance == 0) {
            followerHeld.increment();
        }
        return allowance;
    }

    /** Follower side: {@code bytes} of a throttled partition were fetched. */
    public void followerFetched(int bytes) {
        rates.follower().record(bytes);
        followerBytes.increment(bytes);
    }

    private static Counter bytes(MeterRegistry registry, String side) {
        return Counter.builder("floe.replication.throttled.bytes").tag("side", side).baseUnit("bytes")
                .description("Bytes of throttled replication (moves) that went through this broker's throttle")
                .register(registry);
    }

    private static Counter held(MeterRegistry registry, String side) {
        return Counter.builder("floe.replication.throttled.partitions.held").tag("side", side)
                .description("Times a throttled partition was left out of a fetch because the budget was spent")
                .register(registry);
    }
}
