package dev.floe.operator.balance;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where replicas and preferred leaderships should be so that every live broker carries an even share, moving as few
 * replicas as possible. A pure function of the current assignment: no Kubernetes, no clock.
 *
 * <p>The rule, per topic (in topic-name order): among the live brokers, the number of partitions each holds a replica
 * of, and the number each is the preferred leader (first replica) of, may differ by at most {@code tolerance}. Per
 * topic rather than over the whole cluster, because a topic's traffic is what lands on its leaders: a broker leading
 * every partition of one busy topic and none of an idle one would count as "even" over the cluster and still be hot.
 * Where a topic's share cannot split exactly, the extra replica or leadership goes to the broker with fewer over all
 * topics, so the cluster-wide totals even out too (not guaranteed within the tolerance).
 *
 * <p>How: while the most-loaded broker of a topic holds more than {@code tolerance} replicas above the least-loaded,
 * one replica moves from the former to the latter, in its place in the replica list (so a moved first replica hands
 * its preferred leadership over with it). Each move removes one replica of excess, so the count of moves is the excess
 * itself, which is the least any plan can move. The replica moved is a preferred leader when the source also leads
 * too many, else a follower; partitions not yet touched by this plan first (one new replica per partition keeps the
 * current leader in place while the new one catches up), then the lowest partition. Then leaderships still uneven are
 * evened by reordering replica lists (no data moves: the preferred leader becomes another existing replica), and
 * where no reorder can (no partition the over-leading broker leads has a replica on the under-leading one) by
 * swapping two replicas between them, the leading one of one partition for a following one of another: two moves
 * that keep the replica counts, so a last resort.
 *
 * <p>Never: two replicas of a partition on one broker, a replica onto a broker not in {@code brokers} (dead or not yet
 * started), a move that puts more of a partition's replicas in one zone than the zone it leaves held (so the spread
 * over zones that placement made is kept). Replicas on brokers outside {@code brokers} are left where they are and not
 * counted. A balanced assignment yields no change.
 *
 * <p>With measured load ({@link #plan(SortedMap, PartitionLoad, LoadTolerance)}), {@link LoadPlanner} then evens the
 * brokers' load on the assignment this count plan leads to, within the same rules; without it, the count plan alone.
 */
public final class BalancePlanner {
    private final SortedSet<Integer> brokers;
    private final ZoneSpread zoneSpread;
    private final int tolerance;
    /** Replicas and preferred leaderships of every live broker over all topics, updated as the plan moves them. */
    private final Map<Integer, Integer> totalReplicas = new HashMap<>();
    private final Map<Integer, Integer> totalLeaders = new HashMap<>();

    /** The plan: new replica lists of the partitions that change, and the replicas that change broker. */
    /** @param load what the load phase found and did; null when the plan had no load data (counts only) */
    public record Plan(SortedMap<String, SortedMap<Integer, List<Integer>>> targets, int replicaMoves,
                       int leadershipMoves, int swaps, boolean withinTolerance, LoadOutcome load) {
        public Plan(SortedMap<String, SortedMap<Integer, List<Integer>>> targets, int replicaMoves,
                    int leadershipMoves, int swaps, boolean withinTolerance) {
            this(targets, replicaMoves, leadershipMoves, swaps, withinTolerance, null);
        }

        public int partitions() {
            return targets.values().stream().mapToInt(Map::size).sum();
        }

        public boolean isEmpty() {
            return targets.isEmpty();
        }
    }

    /**
     * @param brokers   live broker ids: the only ones that receive replicas
     * @param zones     broker id to zone; a broker without one is a zone of its own
     * @param tolerance the largest difference allowed between two brokers' counts, at least 1 (with 0, a share that
     *                  does not split exactly would move replicas back and forth for ever)
     */
    public BalancePlanner(SortedSet<Integer> brokers, Map<Integer, String> zones, int tolerance) {
        if (tolerance < 1) {
            throw new IllegalArgumentException("tolerance must be at least 1, got " + tolerance);
        }
        this.brokers = new TreeSet<>(brokers);
        this.zoneSpread = new ZoneSpread(zones);
        this.tolerance = tolerance;
    }

    /** @param assignment every topic's replica lists, by partition index (first = preferred leader) */
    public Plan plan(SortedMap<String, List<List<Integer>>> assignment) {
        totalReplicas.clear();
        totalLeaders.clear();
        for (int b : brokers) {
            totalReplicas.put(b, 0);
            totalLeaders.put(b, 0);
        }
        assignment.values().forEach(partitions -> partitions.forEach(replicas -> {
            replicas.stream().filter(brokers::contains).forEach(b -> totalReplicas.merge(b, 1, Integer::sum));
            if (!replicas.isEmpty() && brokers.contains(replicas.get(0))) {
                totalLeaders.merge(replicas.get(0), 1, Integer::sum);
            }
        }));
        SortedMap<String, SortedMap<Integer, List<Integer>>> targets = new TreeMap<>();
        int moves = 0;
        int leaderships = 0;
        int swaps = 0;
        boolean within = true;
        for (Map.Entry<String, List<List<Integer>>> topic : assignment.entrySet()) {
            TopicPlan t = new TopicPlan(topic.getValue());
            if (brokers.size() > 1) {
                t.spreadReplicas();
                t.spreadLeaders();
            }
            within &= t.withinTolerance();
            swaps += t.swaps;
            SortedMap<Integer, List<Integer>> changed = new TreeMap<>();
            for (int p = 0; p < t.current.size(); p++) {
                List<Integer> before = topic.getValue().get(p);
                List<Integer> after = t.current.get(p);
                if (!after.equals(before)) {
                    changed.put(p, List.copyOf(after));
                    moves += (int) after.stream().filter(b -> !before.contains(b)).count();
                    if (!after.get(0).equals(before.get(0))) {
                        leaderships++;
                    }
                }
            }
            if (!changed.isEmpty()) {
                targets.put(topic.getKey(), changed);
            }
        }
        return new Plan(targets, moves, leaderships, swaps, within);
    }

    /**
     * The count plan, then, with load data, its load phase ({@link LoadPlanner}) on the assignment the count plan
     * leads to. Without load data ({@code load} null or empty) exactly {@link #plan(SortedMap)}.
     */
    public Plan plan(SortedMap<String, List<List<Integer>>> assignment, PartitionLoad load, LoadTolerance loadTolerance) {
        Plan counts = plan(assignment);
        if (load == null || load.isEmpty() || loadTolerance == null) {
            return counts;
        }
        SortedMap<String, List<List<Integer>>> after = new TreeMap<>();
        assignment.forEach((topic, partitions) -> {
            Map<Integer, List<Integer>> targets = counts.targets().getOrDefault(topic, new TreeMap<>());
            List<List<Integer>> copy = new ArrayList<>();
            for (int p = 0; p < partitions.size(); p++) {
                copy.add(new ArrayList<>(targets.getOrDefault(p, partitions.get(p))));
            }
            after.put(topic, copy);
        });
        LoadOutcome outcome = new LoadPlanner(brokers, zoneSpread, tolerance, loadTolerance, load).even(assignment, after);
        SortedMap<String, SortedMap<Integer, List<Integer>>> targets = new TreeMap<>();
        int moves = 0;
        int leaderships = 0;
        for (Map.Entry<String, List<List<Integer>>> topic : assignment.entrySet()) {
            SortedMap<Integer, List<Integer>> changed = new TreeMap<>();
            for (int p = 0; p < topic.getValue().size(); p++) {
                List<Integer> before = topic.getValue().get(p);
                List<Integer> now = after.get(topic.getKey()).get(p);
                if (!now.equals(before)) {
                    changed.put(p, List.copyOf(now));
                    moves += (int) now.stream().filter(b -> !before.contains(b)).count();
                    leaderships += now.get(0).equals(before.get(0)) ? 0 : 1;
                }
            }
            if (!changed.isEmpty()) {
                targets.put(topic.getKey(), changed);
            }
        }
        return new Plan(targets, moves, leaderships, counts.swaps(), counts.withinTolerance(), outcome);
    }

    /** One topic's partitions, changed in place as the plan decides. */
    private final class TopicPlan {
        final List<List<Integer>> current = new ArrayList<>();
        final boolean[] touched;
        final Map<Integer, Integer> replicas = new LinkedHashMap<>();
        final Map<Integer, Integer> leaders = new LinkedHashMap<>();
        /** Replicas per broker before this plan moved any. */
        final Map<Integer, Integer> initial = new HashMap<>();
        int swaps;

        TopicPlan(List<List<Integer>> partitions) {
            partitions.forEach(r -> current.add(new ArrayList<>(r)));
            touched = new boolean[partitions.size()];
            for (int b : brokers) {
                replicas.put(b, 0);
                leaders.put(b, 0);
            }
            for (List<Integer> r : current) {
                r.stream().filter(brokers::contains).forEach(b -> replicas.merge(b, 1, Integer::sum));
                if (!r.isEmpty() && brokers.contains(r.get(0))) {
                    leaders.merge(r.get(0), 1, Integer::sum);
                }
            }
            initial.putAll(replicas);
        }

        void spreadReplicas() {
            while (moveOneReplica()) {
                // each move removes one replica of excess; stops when balanced or nothing can move
            }
        }

        private boolean moveOneReplica() {
            for (int src : mostFirst(replicas, totalReplicas)) {
                for (int dst : leastFirst(replicas, totalReplicas)) {
                    if (replicas.get(src) - replicas.get(dst) <= tolerance) {
                        break;
                    }
                    int p = partitionToMove(src, dst);
                    if (p >= 0) {
                        List<Integer> r = current.get(p);
                        boolean leads = r.get(0) == src;
                        r.set(r.indexOf(src), dst);
                        touched[p] = true;
                        shift(replicas, totalReplicas, src, dst);
                        if (leads) {
                            shift(leaders, totalLeaders, src, dst);
                        }
                        return true;
                    }
                }
            }
            return false;
        }

        /** A partition with a replica on {@code src} and none on {@code dst} whose zone spread the move keeps. */
        private int partitionToMove(int src, int dst) {
            boolean moveLeadership = leaders.get(src) - leaders.get(dst) > tolerance
                    || (leaders.get(src) > leaders.get(dst) && replicas.get(src) - replicas.get(dst) > tolerance
                    && leaders.get(src) > share(leaders));
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            int bestOthers = -1;
            for (int p = 0; p < current.size(); p++) {
                List<Integer> r = current.get(p);
                if (!r.contains(src) || r.contains(dst) || !keepsZoneSpread(r, src, dst)) {
                    continue;
                }
                boolean leads = r.get(0) == src;
                // Lower is better: the kind of replica wanted first, then partitions this plan has not touched.
                int rank = (leads == moveLeadership ? 0 : 2) + (touched[p] ? 1 : 0);
                // Then the partition whose other replicas sat on the most-loaded brokers when this plan began: one
                // with a replica on a broker that was underloaded then (a new one) has moved before. This is what keeps a plan made again
                // after each batch to one new replica per partition, as the whole plan would have done.
                int others = r.stream().filter(b -> b != src).mapToInt(b -> initial.getOrDefault(b, 0)).sum();
                if (rank < bestRank || (rank == bestRank && others > bestOthers)) {
                    best = p;
                    bestRank = rank;
                    bestOthers = others;
                }
            }
            return best;
        }

        void spreadLeaders() {
            while (moveOneLeadership()) {
                // each reorder moves one preferred leadership from a broker with too many to one with too few
            }
        }

        private boolean moveOneLeadership() {
            for (int src : mostFirst(leaders, totalLeaders)) {
                for (int dst : leastFirst(leaders, totalLeaders)) {
                    if (leaders.get(src) - leaders.get(dst) <= tolerance) {
                        break;
                    }
                    for (List<Integer> r : current) {
                        if (!r.isEmpty() && r.get(0) == src && r.contains(dst)) {
                            r.set(r.indexOf(dst), src);
                            r.set(0, dst);
                            shift(leaders, totalLeaders, src, dst);
                            return true;
                        }
                    }
                    if (swap(src, dst)) {
                        return true;
                    }
                }
            }
            return false;
        }

        /**
         * No partition led by {@code src} has a replica on {@code dst}: exchange two replicas instead, {@code src}'s
         * leading one of partition a for {@code dst}'s following one of partition b. Replica counts stay as they are;
         * two replicas move, so this is the last resort.
         */
        private boolean swap(int src, int dst) {
            for (int a = 0; a < current.size(); a++) {
                List<Integer> ra = current.get(a);
                if (ra.isEmpty() || ra.get(0) != src || ra.contains(dst) || !keepsZoneSpread(ra, src, dst)) {
                    continue;
                }
                for (int b = 0; b < current.size(); b++) {
                    List<Integer> rb = current.get(b);
                    if (b == a || rb.isEmpty() || rb.get(0) == dst || !rb.contains(dst) || rb.contains(src)
                            || !keepsZoneSpread(rb, dst, src)) {
                        continue;
                    }
                    ra.set(0, dst);
                    rb.set(rb.indexOf(dst), src);
                    touched[a] = true;
                    touched[b] = true;
                    shift(leaders, totalLeaders, src, dst);
                    swaps++;
                    return true;
                }
            }
            return false;
        }

        boolean withinTolerance() {
            return brokers.size() <= 1 || (spread(replicas) <= tolerance && spread(leaders) <= tolerance);
        }

        /** What each broker would carry if the topic's count split exactly, rounded up. */
        private int share(Map<Integer, Integer> counts) {
            int total = counts.values().stream().mapToInt(Integer::intValue).sum();
            return (total + brokers.size() - 1) / brokers.size();
        }
    }

    private boolean keepsZoneSpread(List<Integer> r, int src, int dst) {
        return zoneSpread.keeps(r, src, dst);
    }

    private static void shift(Map<Integer, Integer> topic, Map<Integer, Integer> total, int src, int dst) {
        topic.merge(src, -1, Integer::sum);
        topic.merge(dst, 1, Integer::sum);
        total.merge(src, -1, Integer::sum);
        total.merge(dst, 1, Integer::sum);
    }

    /** Brokers by count descending; ties to the one with more over all topics, then the higher id. */
    private static List<Integer> mostFirst(Map<Integer, Integer> counts, Map<Integer, Integer> totals) {
        return counts.keySet().stream().sorted(Comparator.<Integer>comparingInt(counts::get)
                .thenComparingInt(totals::get).thenComparingInt(b -> b).reversed()).toList();
    }

    /** Brokers by count ascending; ties to the one with fewer over all topics, then the lower id. */
    private static List<Integer> leastFirst(Map<Integer, Integer> counts, Map<Integer, Integer> totals) {
        return counts.keySet().stream().sorted(Comparator.<Integer>comparingInt(counts::get)
                .thenComparingInt(totals::get).thenComparingInt(b -> b)).toList();
    }

    private static int spread(Map<Integer, Integer> counts) {
        int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int min = counts.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        return max - min;
    }
}
