package dev.floe.operator.balance;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Measured traffic of each partition, in bytes per second: what producers append to it ({@code in}) and what
 * consumers read from it ({@code out}), from the counters its leader exports. A partition not listed was not measured
 * (idle, or led by a broker that could not be read twice) and counts as zero.
 *
 * <p>The model of what a partition costs a broker, in bytes per second through its network and disk:
 * <ul>
 *   <li>its leader takes {@code in} from producers, sends {@code in} to each of the other replicas, and {@code out}
 *       to consumers: {@code in * replicas + out};</li>
 *   <li>each follower takes {@code in} from the leader: {@code in}.</li>
 * </ul>
 * So a leadership reorder (another replica first) moves {@code in * (replicas - 1) + out} from one broker to another
 * without moving data, and a replica move carries the replica's whole share to its new broker.
 */
public final class PartitionLoad {
    /** One partition's rates, bytes per second. */
    public record Rate(double in, double out) {
    }

    private static final PartitionLoad NONE = new PartitionLoad(new TreeMap<>());
    private final SortedMap<String, SortedMap<Integer, Rate>> rates;

    private PartitionLoad(SortedMap<String, SortedMap<Integer, Rate>> rates) {
        this.rates = rates;
    }

    public static PartitionLoad none() {
        return NONE;
    }

    /** @param rates topic to partition to its rate */
    public static PartitionLoad of(Map<String, ? extends Map<Integer, Rate>> rates) {
        SortedMap<String, SortedMap<Integer, Rate>> copy = new TreeMap<>();
        rates.forEach((topic, partitions) -> {
            if (!partitions.isEmpty()) {
                copy.put(topic, new TreeMap<>(partitions));
            }
        });
        return new PartitionLoad(copy);
    }

    /** No partition measured: planning uses counts only, as without load data. */
    public boolean isEmpty() {
        return rates.isEmpty();
    }

    public Rate rate(String topic, int partition) {
        SortedMap<Integer, Rate> partitions = rates.get(topic);
        Rate r = partitions == null ? null : partitions.get(partition);
        return r == null ? new Rate(0, 0) : r;
    }

    /** What leading the partition costs its leader, with {@code replicas} replicas in all. */
    public double leaderShare(String topic, int partition, int replicas) {
        Rate r = rate(topic, partition);
        return r.in() * Math.max(1, replicas) + r.out();
    }

    /** What following the partition costs a follower. */
    public double followerShare(String topic, int partition) {
        return rate(topic, partition).in();
    }

    public SortedMap<String, SortedMap<Integer, Rate>> rates() {
        return rates;
    }

    @Override
    public String toString() {
        return rates.toString();
    }
}
