package dev.floe.operator.election;

import dev.floe.crds.common.Labels;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which brokers of one cluster are live, which are dead, and when that next changes, read from their Leases at one
 * instant. A broker stops leading when its lease runs out by its own clock; the operator waits {@code grace} longer
 * before calling it dead, so a little clock skew can never give a partition two leaders.
 */
public final class BrokerLiveness {
    private final Map<Integer, Instant> liveUntil = new HashMap<>();
    private final Map<Integer, Instant> deadSince = new HashMap<>();
    private final Map<Integer, Instant> deadAt = new HashMap<>();
    private final Instant now;

    private BrokerLiveness(Instant now) {
        this.now = now;
    }

    public static BrokerLiveness of(List<Lease> leases, Instant now, Duration grace) {
        BrokerLiveness l = new BrokerLiveness(now);
        for (Lease lease : leases) {
            String id = lease.getMetadata().getLabels() == null ? null
                    : lease.getMetadata().getLabels().get(Labels.BROKER_ID);
            if (id == null) {
                continue;
            }
            int broker;
            try {
                broker = Integer.parseInt(id);
            } catch (NumberFormatException e) {
                continue;
            }
            var spec = lease.getSpec();
            boolean released = spec == null || spec.getHolderIdentity() == null || spec.getHolderIdentity().isEmpty();
            Instant expiry = spec == null || spec.getRenewTime() == null || spec.getLeaseDurationSeconds() == null
                    ? null : spec.getRenewTime().toInstant().plusSeconds(spec.getLeaseDurationSeconds());
            if (released) {
                // Given up on a clean stop: the broker stopped leading before it let go.
                l.deadSince.put(broker, expiry == null ? now : min(expiry, now));
                l.deadAt.put(broker, now);
            } else if (expiry != null && expiry.isAfter(now)) {
                l.liveUntil.put(broker, expiry);
            } else if (expiry == null || !expiry.plus(grace).isAfter(now)) {
                l.deadSince.put(broker, expiry == null ? now : expiry);
                l.deadAt.put(broker, expiry == null ? now : expiry.plus(grace));
            } else {
                // Expired, inside the grace: neither live nor dead yet; decided at expiry + grace.
                l.deadAt.put(broker, expiry.plus(grace));
            }
        }
        return l;
    }

    public boolean isLive(int broker) {
        return liveUntil.containsKey(broker);
    }

    public boolean isDead(int broker) {
        return deadSince.containsKey(broker);
    }

    /** When the broker's lease ran out (or was released): where failover time is measured from. */
    public Optional<Instant> deadSince(int broker) {
        return Optional.ofNullable(deadSince.get(broker));
    }

    /** The next instant a broker's standing can change without an event: a live lease expiring, plus the grace. */
    public Optional<Instant> nextChange(Duration grace) {
        Instant next = null;
        for (Instant until : liveUntil.values()) {
            next = next == null ? until.plus(grace) : min(next, until.plus(grace));
        }
        for (Map.Entry<Integer, Instant> e : deadAt.entrySet()) {
            if (!deadSince.containsKey(e.getKey())) {
                next = next == null ? e.getValue() : min(next, e.getValue());
            }
        }
        return Optional.ofNullable(next);
    }

    public java.util.Set<Integer> live() {
        return java.util.Collections.unmodifiableSet(new java.util.TreeSet<>(liveUntil.keySet()));
    }

    public Instant now() {
        return now;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
