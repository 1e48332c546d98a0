package dev.floe.operator.balance;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * The load phase of a balancing plan: after {@link BalancePlanner} has evened the counts, even each live broker's
 * measured load ({@link PartitionLoad}'s model) within a {@link LoadTolerance}, moving as little as it can.
 *
 * <p>Greedy, one step at a time, each step the one that most lowers the sum of squared broker loads (so the loads
 * draw together; the total does not change) among the cheapest kind of step that lowers it at all, and each step
 * taking load off the busiest broker or onto the idlest one:
 * <ol>
 *   <li>leadership reorders, which move no data: another existing replica of a partition becomes its first; or two
 *       partitions of one topic swap leaderships between the same two brokers (which keeps the leader counts);</li>
 *   <li>one replica moved to another broker (its place in the list kept, so a moved leader hands its leadership over);</li>
 *   <li>two replicas of one topic exchanged between two brokers (keeps the replica counts), the last resort.</li>
 * </ol>
 * It starts only when the loads are outside the tolerance and goes on until they are within half of it, or no step
 * helps. Every step keeps the rules of the count phase: per topic, the spread of replica and of preferred-leader
 * counts over the live brokers stays within the count tolerance (or does not grow, where zones kept it wider); never
 * two replicas of a partition on one broker, never a replica onto a broker not live, never a zone holding more of a
 * partition's replicas than the zone it leaves held. Replicas on brokers not live are not moved and carry no load.
 */
final class LoadPlanner {
    private static final int REORDER = 0;
    private static final int MOVE = 1;
    private static final int EXCHANGE = 2;

    private final SortedSet<Integer> brokers;
    private final ZoneSpread zones;
    private final int tolerance;
    private final LoadTolerance loadTolerance;
    private final PartitionLoad load;

    private final List<String> names = new ArrayList<>();
    private final List<List<List<Integer>>> current = new ArrayList<>();
    private final List<Map<Integer, Integer>> replicaCounts = new ArrayList<>();
    private final List<Map<Integer, Integer>> leaderCounts = new ArrayList<>();
    private final Map<Integer, Double> loads = new HashMap<>();

    /** A candidate step: new replica lists for partition p (and q, or -1) of topic t. */
    private record Step(int kind, int t, int p, List<Integer> newP, int q, List<Integer> newQ, double gain) {
    }

    LoadPlanner(SortedSet<Integer> brokers, ZoneSpread zones, int tolerance, LoadTolerance loadTolerance,
                PartitionLoad load) {
        this.brokers = brokers;
        this.zones = zones;
        this.tolerance = tolerance;
        this.loadTolerance = loadTolerance;
        this.load = load;
    }

    /**
     * Evens the loads of {@code assignment}'s replica lists, changing them in place (every list must be mutable).
     *
     * @param original the assignment before the whole plan (count phase included): the "before" of the outcome
     */
    LoadOutcome even(SortedMap<String, List<List<Integer>>> original, SortedMap<String, List<List<Integer>>> assignment) {
        List<List<List<Integer>>> before = new ArrayList<>();
        for (Map.Entry<String, List<List<Integer>>> topic : assignment.entrySet()) {
            names.add(topic.getKey());
            current.add(topic.getValue());
            before.add(topic.getValue().stream().map(r -> (List<Integer>) new ArrayList<>(r)).toList());
            Map<Integer, Integer> replicas = new HashMap<>();
            Map<Integer, Integer> leaders = new HashMap<>();
            brokers.forEach(b -> {
                replicas.put(b, 0);
                leaders.put(b, 0);
            });
            for (List<Integer> r : topic.getValue()) {
                countInto(r, replicas, leaders, 1);
            }
            replicaCounts.add(replicas);
            leaderCounts.add(leaders);
        }
        brokers.forEach(b -> loads.put(b, 0.0));
        for (int t = 0; t < current.size(); t++) {
            for (int p = 0; p < current.get(t).size(); p++) {
                shares(t, p, current.get(t).get(p)).forEach((b, share) -> loads.merge(b, share, Double::sum));
            }
        }
        if (brokers.size() > 1 && !loadTolerance.within(min(), max(), mean(), 1)) {
            int limit = 4 * current.stream().mapToInt(List::size).sum() + 16;
            for (int i = 0; i < limit && !loadTolerance.within(min(), max(), mean(), 0.5); i++) {
                Step step = best();
                if (step == null) {
                    break;
                }
                apply(step);
            }
        }
        int reorders = 0;
        int moves = 0;
        for (int t = 0; t < current.size(); t++) {
            for (int p = 0; p < current.get(t).size(); p++) {
                List<Integer> was = before.get(t).get(p);
                List<Integer> now = current.get(t).get(p);
                int moved = (int) now.stream().filter(b -> !was.contains(b)).count();
                moves += moved;
                if (moved == 0 && !now.equals(was)) {
                    reorders++;
                }
            }
        }
        Map<Integer, Double> before0 = loadsOf(original);
        return new LoadOutcome(before0.values().stream().mapToDouble(Double::doubleValue).max().orElse(0),
                before0.values().stream().mapToDouble(Double::doubleValue).min().orElse(0), max(), min(), reorders, moves,
                brokers.size() <= 1 || loadTolerance.within(min(), max(), mean(), 1));
    }

    /**
     * The best step of the cheapest kind that lowers the sum of squared loads; null when none does. Steps off the
     * busiest or onto the idlest broker first; when there is none, a reorder or move between any two brokers that
     * still draws the loads together (it frees the way for the busiest or idlest one next).
     */
    private Step best() {
        int hot = brokers.stream().max((a, b) -> Double.compare(loads.get(a), loads.get(b))).orElseThrow();
        int cold = brokers.stream().min((a, b) -> Double.compare(loads.get(a), loads.get(b))).orElseThrow();
        Step best = best(hot, cold, false);
        return best != null ? best : best(hot, cold, true);
    }

    private Step best(int hot, int cold, boolean anyBrokers) {
        for (int kind = REORDER; kind <= (anyBrokers ? MOVE : EXCHANGE); kind++) {
            Step best = null;
            for (int t = 0; t < current.size(); t++) {
                for (Step s : candidates(kind, t, anyBrokers ? -1 : hot, anyBrokers ? -1 : cold)) {
                    if (best == null || s.gain() > best.gain()) {
                        best = s;
                    }
                }
            }
            if (best != null) {
                return best;
            }
        }
        return null;
    }

    /** @param hot the busiest broker, -1 for any; cold likewise the idlest */
    private List<Step> candidates(int kind, int t, int hot, int cold) {
        List<Step> out = new ArrayList<>();
        List<List<Integer>> partitions = current.get(t);
        for (int p = 0; p < partitions.size(); p++) {
            List<Integer> r = partitions.get(p);
            for (int i = 0; i < r.size(); i++) {
                int src = r.get(i);
                if (!brokers.contains(src)) {
                    continue;
                }
                if (kind == REORDER && i > 0 && brokers.contains(r.get(0))) {
                    int leader = r.get(0);
                    if (hot >= 0 && leader != hot && src != cold) {
                        continue;
                    }
                    List<Integer> reordered = swapped(r, 0, i);
                    consider(out, REORDER, t, p, reordered, -1, null);
                    // The same two brokers swapping leaderships of two partitions keeps the leader counts even.
                    for (int q = 0; q < partitions.size(); q++) {
                        List<Integer> rq = partitions.get(q);
                        int j = rq.indexOf(leader);
                        if (q != p && rq.get(0) == src && j > 0) {
                            consider(out, REORDER, t, p, reordered, q, swapped(rq, 0, j));
                        }
                    }
                } else if (kind == MOVE) {
                    for (int dst : brokers) {
                        if ((hot < 0 || src == hot || dst == cold) && !r.contains(dst) && zones.keeps(r, src, dst)) {
                            consider(out, MOVE, t, p, replaced(r, i, dst), -1, null);
                        }
                    }
                } else if (kind == EXCHANGE && src == hot && !r.contains(cold) && zones.keeps(r, src, cold)) {
                    List<Integer> moved = replaced(r, i, cold);
                    for (int q = 0; q < partitions.size(); q++) {
                        List<Integer> rq = partitions.get(q);
                        int j = rq.indexOf(cold);
                        if (q != p && j >= 0 && !rq.contains(src) && zones.keeps(rq, cold, src)) {
                            consider(out, EXCHANGE, t, p, moved, q, replaced(rq, j, src));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Adds the step when it keeps the count rules and lowers the sum of squared loads. */
    private void consider(List<Step> out, int kind, int t, int p, List<Integer> newP, int q, List<Integer> newQ) {
        List<List<Integer>> partitions = current.get(t);
        Map<Integer, Double> delta = new HashMap<>();
        shares(t, p, newP).forEach((b, s) -> delta.merge(b, s, Double::sum));
        shares(t, p, partitions.get(p)).forEach((b, s) -> delta.merge(b, -s, Double::sum));
        if (q >= 0) {
            shares(t, q, newQ).forEach((b, s) -> delta.merge(b, s, Double::sum));
            shares(t, q, partitions.get(q)).forEach((b, s) -> delta.merge(b, -s, Double::sum));
        }
        double gain = 0;
        for (Map.Entry<Integer, Double> d : delta.entrySet()) {
            double l = loads.get(d.getKey());
            gain += l * l - (l + d.getValue()) * (l + d.getValue());
        }
        double scale = Math.max(1, mean());
        if (gain <= 1e-9 * scale * scale || !keepsCounts(t, p, newP, q, newQ)) {
            return;
        }
        out.add(new Step(kind, t, p, newP, q, newQ, gain));
    }

    private boolean keepsCounts(int t, int p, List<Integer> newP, int q, List<Integer> newQ) {
        Map<Integer, Integer> replicas = new HashMap<>(replicaCounts.get(t));
        Map<Integer, Integer> leaders = new HashMap<>(leaderCounts.get(t));
        List<List<Integer>> partitions = current.get(t);
        countInto(partitions.get(p), replicas, leaders, -1);
        countInto(newP, replicas, leaders, 1);
        if (q >= 0) {
            countInto(partitions.get(q), replicas, leaders, -1);
            countInto(newQ, replicas, leaders, 1);
        }
        return spread(replicas) <= Math.max(tolerance, spread(replicaCounts.get(t)))
                && spread(leaders) <= Math.max(tolerance, spread(leaderCounts.get(t)));
    }

    private void apply(Step s) {
        replace(s.t(), s.p(), s.newP());
        if (s.q() >= 0) {
            replace(s.t(), s.q(), s.newQ());
        }
    }

    private void replace(int t, int p, List<Integer> now) {
        List<Integer> r = current.get(t).get(p);
        shares(t, p, r).forEach((b, s) -> loads.merge(b, -s, Double::sum));
        countInto(r, replicaCounts.get(t), leaderCounts.get(t), -1);
        for (int i = 0; i < now.size(); i++) {
            r.set(i, now.get(i));
        }
        shares(t, p, r).forEach((b, s) -> loads.merge(b, s, Double::sum));
        countInto(r, replicaCounts.get(t), leaderCounts.get(t), 1);
    }

    /** Each live broker's load under {@code assignment}. */
    private Map<Integer, Double> loadsOf(SortedMap<String, List<List<Integer>>> assignment) {
        Map<Integer, Double> out = new HashMap<>();
        brokers.forEach(b -> out.put(b, 0.0));
        assignment.forEach((topic, partitions) -> {
            for (int p = 0; p < partitions.size(); p++) {
                List<Integer> r = partitions.get(p);
                for (int i = 0; i < r.size(); i++) {
                    if (brokers.contains(r.get(i))) {
                        out.merge(r.get(i), i == 0 ? load.leaderShare(topic, p, r.size())
                                : load.followerShare(topic, p), Double::sum);
                    }
                }
            }
        });
        return out;
    }

    /** What partition p of topic t with replica list r costs each live broker in it. */
    private Map<Integer, Double> shares(int t, int p, List<Integer> r) {
        Map<Integer, Double> out = new HashMap<>();
        for (int i = 0; i < r.size(); i++) {
            int b = r.get(i);
            if (brokers.contains(b)) {
                out.put(b, i == 0 ? load.leaderShare(names.get(t), p, r.size()) : load.followerShare(names.get(t), p));
            }
        }
        return out;
    }

    private void countInto(List<Integer> r, Map<Integer, Integer> replicas, Map<Integer, Integer> leaders, int sign) {
        r.stream().filter(brokers::contains).forEach(b -> replicas.merge(b, sign, Integer::sum));
        if (!r.isEmpty() && brokers.contains(r.get(0))) {
            leaders.merge(r.get(0), sign, Integer::sum);
        }
    }

    private static List<Integer> swapped(List<Integer> r, int i, int j) {
        List<Integer> copy = new ArrayList<>(r);
        copy.set(i, r.get(j));
        copy.set(j, r.get(i));
        return copy;
    }

    private static List<Integer> replaced(List<Integer> r, int i, int broker) {
        List<Integer> copy = new ArrayList<>(r);
        copy.set(i, broker);
        return copy;
    }

    private static int spread(Map<Integer, Integer> counts) {
        int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int min = counts.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        return max - min;
    }

    private double max() {
        return loads.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    private double min() {
        return loads.values().stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }

    private double mean() {
        return loads.values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }
}
