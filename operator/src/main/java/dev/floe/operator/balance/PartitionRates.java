package dev.floe.operator.balance;

import dev.floe.operator.autoscale.BrokerReading;
import dev.floe.operator.autoscale.BrokerScraper;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns successive reads of the brokers' per-partition counters into a {@link PartitionLoad}: a partition's rate is
 * the growth of its counters on one broker between two reads of that broker, divided by the time between them.
 *
 * <p>What is not a rate: a broker read for the first time (nothing to compare with); a counter that went down (the
 * broker restarted, or stopped leading the partition and leads it again, so the counter started again from zero):
 * that partition keeps its last known rate for this interval rather than a negative or a made-up one. A series a
 * broker did not have at its previous read was made since (the broker began leading the partition), so it grew from
 * zero. Two brokers both counting a partition in one interval (leadership moved meanwhile) each carried part of its
 * traffic: their rates add up. A partition measured once keeps its rate until a newer one, for at most
 * {@link #FORGET_AFTER} (a deleted topic's rates do not stay for ever).
 */
public final class PartitionRates {
    static final Duration FORGET_AFTER = Duration.ofMinutes(10);

    private record Key(String topic, int partition) {
    }

    private record Known(PartitionLoad.Rate rate, Instant at) {
    }

    private final Map<Integer, BrokerReading> previous = new HashMap<>();
    private final Map<Key, Known> known = new HashMap<>();

    /**
     * @param results one entry per broker that should have been read: its reading or its error
     * @return the load as now known, or null when a broker could not be read (the partitions it leads would be
     * missing: a plan on that would move load onto it) or nothing was measured yet
     */
    public PartitionLoad next(Map<Integer, BrokerScraper.Result> results) {
        boolean complete = !results.isEmpty();
        Instant latest = null;
        Map<Key, double[]> measured = new HashMap<>();
        for (Map.Entry<Integer, BrokerScraper.Result> r : results.entrySet()) {
            BrokerReading reading = r.getValue().reading();
            if (reading == null) {
                previous.remove(r.getKey());
                complete = false;
                continue;
            }
            latest = latest == null || reading.time().isAfter(latest) ? reading.time() : latest;
            BrokerReading before = previous.put(r.getKey(), reading);
            if (before == null) {
                continue;
            }
            double seconds = Duration.between(before.time(), reading.time()).toNanos() / 1e9;
            if (seconds <= 0) {
                continue;
            }
            Map<Key, BrokerReading.PartitionCounters> was = new HashMap<>();
            before.partitions().forEach(c -> was.put(new Key(c.topic(), c.partition()), c));
            for (BrokerReading.PartitionCounters now : reading.partitions()) {
                Key key = new Key(now.topic(), now.partition());
                BrokerReading.PartitionCounters then = was.get(key);
                double in = then == null ? 0 : then.bytesIn();
                double out = then == null ? 0 : then.bytesOut();
                if (now.bytesIn() < in || now.bytesOut() < out) {
                    continue;
                }
                double[] rate = measured.computeIfAbsent(key, k -> new double[2]);
                rate[0] += (now.bytesIn() - in) / seconds;
                rate[1] += (now.bytesOut() - out) / seconds;
            }
        }
        previous.keySet().retainAll(results.keySet());
        if (latest == null) {
            return null;
        }
        Instant now = latest;
        measured.forEach((key, rate) -> known.put(key, new Known(new PartitionLoad.Rate(rate[0], rate[1]), now)));
        known.values().removeIf(k -> k.at().plus(FORGET_AFTER).isBefore(now));
        if (!complete || known.isEmpty()) {
            return null;
        }
        Map<String, Map<Integer, PartitionLoad.Rate>> rates = new TreeMap<>();
        known.forEach((key, k) -> rates.computeIfAbsent(key.topic(), t -> new TreeMap<>()).put(key.partition(), k.rate()));
        return PartitionLoad.of(rates);
    }
}
