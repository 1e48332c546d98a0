package dev.floe.operator.balance;

import dev.floe.crds.topic.PartitionStatus;
import dev.floe.operator.topic.PartitionPlacer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BalancePlannerTest {

    /** 12 partitions, RF 2, on brokers 0 and 1 with leaders alternating, as placement leaves them. */
    private static List<List<Integer>> twelveOnTwo() {
        List<List<Integer>> partitions = new ArrayList<>();
        for (int p = 0; p < 12; p++) {
            partitions.add(p % 2 == 0 ? List.of(0, 1) : List.of(1, 0));
        }
        return partitions;
    }

    private static SortedSet<Integer> brokers(int... ids) {
        SortedSet<Integer> set = new TreeSet<>();
        for (int id : ids) {
            set.add(id);
        }
        return set;
    }

    private static SortedMap<String, List<List<Integer>>> one(List<List<Integer>> partitions) {
        SortedMap<String, List<List<Integer>>> assignment = new TreeMap<>();
        assignment.put("events", partitions);
        return assignment;
    }

    /** The assignment with the plan's targets applied. */
    private static SortedMap<String, List<List<Integer>>> applied(SortedMap<String, List<List<Integer>>> before,
                                                                  BalancePlanner.Plan plan) {
        SortedMap<String, List<List<Integer>>> after = new TreeMap<>();
        before.forEach((topic, partitions) -> {
            List<List<Integer>> copy = new ArrayList<>(partitions);
            plan.targets().getOrDefault(topic, new TreeMap<>()).forEach(copy::set);
            after.put(topic, copy);
        });
        return after;
    }

    private static Map<Integer, Integer> replicaCounts(List<List<Integer>> partitions, SortedSet<Integer> brokers) {
        Map<Integer, Integer> counts = new TreeMap<>();
        brokers.forEach(b -> counts.put(b, 0));
        partitions.forEach(r -> r.stream().filter(brokers::contains).forEach(b -> counts.merge(b, 1, Integer::sum)));
        return counts;
    }

    private static Map<Integer, Integer> leaderCounts(List<List<Integer>> partitions, SortedSet<Integer> brokers) {
        Map<Integer, Integer> counts = new TreeMap<>();
        brokers.forEach(b -> counts.put(b, 0));
        partitions.stream().filter(r -> brokers.contains(r.get(0))).forEach(r -> counts.merge(r.get(0), 1, Integer::sum));
        return counts;
    }

    private static int spread(Map<Integer, Integer> counts) {
        return counts.values().stream().mapToInt(i -> i).max().orElse(0)
                - counts.values().stream().mapToInt(i -> i).min().orElse(0);
    }

    @Test
    void twoNewBrokersTakeAnEvenShareWithTheFewestMoves() {
        SortedMap<String, List<List<Integer>>> before = one(twelveOnTwo());
        SortedSet<Integer> live = brokers(0, 1, 2, 3);

        BalancePlanner.Plan plan = new BalancePlanner(live, Map.of(), 1).plan(before);

        // 24 replicas over 4 brokers is 6 each: brokers 0 and 1 hold 6 too many each, so 12 moves is the least.
        assertThat(plan.replicaMoves()).isEqualTo(12);
        assertThat(plan.withinTolerance()).isTrue();
        List<List<Integer>> after = applied(before, plan).get("events");
        assertThat(replicaCounts(after, live)).containsValues(6, 6, 6, 6);
        assertThat(leaderCounts(after, live)).as("preferred leaders").containsValues(3, 3, 3, 3);
        assertThat(after).allSatisfy(r -> assertThat(r).hasSize(2).doesNotHaveDuplicates());
        // One new replica per partition: each keeps one of its replicas, which leads while the new one catches up.
        assertThat(plan.targets().get("events")).hasSize(12);
        plan.targets().get("events").forEach((p, target) ->
                assertThat(target).containsAnyElementsOf(before.get("events").get(p)));
    }

    @Test
    void planningAgainAfterEachBatchMovesNoMoreThanTheWholePlan() {
        // The operator records a batch, waits for it, then plans again from what the Topics say: the rounds together
        // must move what one plan would, one new replica per partition.
        SortedMap<String, List<List<Integer>>> start = new TreeMap<>();
        start.put("a-offsets", List.of(List.of(0, 1), List.of(1, 0), List.of(0, 1)));
        start.put("history", twelveOnTwo());
        start.put("payments", twelveOnTwo().subList(0, 6));
        SortedSet<Integer> live = brokers(0, 1, 2, 3);
        int whole = new BalancePlanner(live, Map.of(), 1).plan(start).replicaMoves();

        SortedMap<String, List<List<Integer>>> now = start;
        for (int batch = 0; batch < 20; batch++) {
            BalancePlanner.Plan plan = new BalancePlanner(live, Map.of(), 1).plan(now);
            if (plan.isEmpty()) {
                break;
            }
            SortedMap<String, SortedMap<Integer, List<Integer>>> first = new TreeMap<>();
            int budget = 8;
            for (var e : plan.targets().entrySet()) {
                for (var t : e.getValue().entrySet()) {
                    if (budget-- > 0) {
                        first.computeIfAbsent(e.getKey(), k -> new TreeMap<>()).put(t.getKey(), t.getValue());
                    }
                }
            }
            now = applied(now, new BalancePlanner.Plan(first, 0, 0, 0, true));
        }

        int moved = 0;
        for (String topic : start.keySet()) {
            for (int p = 0; p < start.get(topic).size(); p++) {
                List<Integer> was = start.get(topic).get(p);
                long added = now.get(topic).get(p).stream().filter(b -> !was.contains(b)).count();
                assertThat(added).as("%s-%d %s -> %s", topic, p, was, now.get(topic).get(p)).isLessThanOrEqualTo(1);
                moved += (int) added;
            }
            assertThat(spread(replicaCounts(now.get(topic), live))).isLessThanOrEqualTo(1);
            assertThat(spread(leaderCounts(now.get(topic), live))).isLessThanOrEqualTo(1);
        }
        assertThat(moved).isEqualTo(whole);
    }

    @Test
    void aMovedPreferredLeaderHandsItsPlaceToTheNewBroker() {
        SortedMap<String, List<List<Integer>>> before = one(twelveOnTwo());
        BalancePlanner.Plan plan = new BalancePlanner(brokers(0, 1, 2, 3), Map.of(), 1).plan(before);

        plan.targets().get("events").forEach((p, target) -> {
            List<Integer> was = before.get("events").get(p);
            for (int i = 0; i < target.size(); i++) {
                if (!target.get(i).equals(was.get(i))) {
                    assertThat(was).as("partition %d: only replaced in place", p).doesNotContain(target.get(i));
                }
            }
        });
        long newLeaders = plan.targets().get("events").values().stream().filter(t -> t.get(0) >= 2).count();
        assertThat(newLeaders).as("partitions whose preferred leader is a new broker").isEqualTo(6);
    }

    @Test
    void aBalancedClusterYieldsNoMoves() {
        SortedMap<String, List<List<Integer>>> before = one(twelveOnTwo());
        SortedSet<Integer> live = brokers(0, 1, 2, 3);
        BalancePlanner planner = new BalancePlanner(live, Map.of(), 1);

        BalancePlanner.Plan again = planner.plan(applied(before, planner.plan(before)));

        assertThat(again.isEmpty()).isTrue();
        assertThat(again.replicaMoves()).isZero();
        assertThat(new BalancePlanner(brokers(0, 1), Map.of(), 1).plan(before).isEmpty())
                .as("two brokers, as placed").isTrue();
    }

    @Test
    void whatPlacementProducesIsAlreadyBalanced() {
        SortedMap<String, List<List<Integer>>> placed = new TreeMap<>();
        Map<Integer, Integer> leaders = new HashMap<>();
        Map<Integer, Integer> replicas = new HashMap<>();
        for (String topic : List.of("a", "b", "c")) {
            List<PartitionStatus> statuses = PartitionPlacer.place(List.of(), 7, 5, 3,
                    new PartitionPlacer.Load(Map.copyOf(leaders), Map.copyOf(replicas)), Map.of());
            List<List<Integer>> lists = statuses.stream().map(PartitionStatus::getReplicas).toList();
            lists.forEach(r -> {
                leaders.merge(r.get(0), 1, Integer::sum);
                r.forEach(b -> replicas.merge(b, 1, Integer::sum));
            });
            placed.put(topic, lists);
        }

        assertThat(new BalancePlanner(brokers(0, 1, 2, 3, 4), Map.of(), 1).plan(placed).isEmpty()).isTrue();
    }

    @Test
    void nothingGoesToABrokerThatIsNotLiveAndItsReplicasStay() {
        // Broker 2 exists in the cluster but is not live (not started, or its lease ran out).
        List<List<Integer>> partitions = new ArrayList<>();
        for (int p = 0; p < 9; p++) {
            partitions.add(switch (p % 3) {
                case 0 -> List.of(0, 1);
                case 1 -> List.of(1, 2);
                default -> List.of(2, 0);
            });
        }
        SortedSet<Integer> live = brokers(0, 1, 3);

        BalancePlanner.Plan plan = new BalancePlanner(live, Map.of(), 1).plan(one(partitions));

        assertThat(plan.replicaMoves()).isPositive();
        plan.targets().get("events").forEach((p, target) -> {
            List<Integer> was = partitions.get(p);
            target.stream().filter(b -> !was.contains(b)).forEach(b -> assertThat(live).contains(b));
            if (was.contains(2)) {
                assertThat(target).as("the replica on broker 2 stays").contains(2);
            }
        });
        List<List<Integer>> after = applied(one(partitions), plan).get("events");
        assertThat(spread(replicaCounts(after, live))).isLessThanOrEqualTo(1);
    }

    @Test
    void movesKeepEachPartitionSpreadOverZones() {
        Map<Integer, String> zones = Map.of(0, "a", 1, "b", 2, "a", 3, "b", 4, "c", 5, "c");
        SortedSet<Integer> live = brokers(0, 1, 2, 3, 4, 5);
        SortedMap<String, List<List<Integer>>> before = one(twelveOnTwo());

        BalancePlanner.Plan plan = new BalancePlanner(live, zones, 1).plan(before);

        assertThat(plan.replicaMoves()).isPositive();
        applied(before, plan).get("events").forEach(r -> assertThat(r.stream().map(zones::get).distinct().count())
                .as("replicas %s in distinct zones", r).isEqualTo(2));
    }

    @Test
    void aZoneIsNeverLeftWithMoreReplicasOfAPartitionThanBefore() {
        // Brokers 2 and 3 are both in zone a: moving broker 1's (zone b) replica there would put both in zone a.
        Map<Integer, String> zones = Map.of(0, "a", 1, "b", 2, "a", 3, "a");
        List<List<Integer>> partitions = new ArrayList<>();
        for (int p = 0; p < 8; p++) {
            partitions.add(p % 2 == 0 ? List.of(0, 1) : List.of(1, 0));
        }
        BalancePlanner.Plan plan = new BalancePlanner(brokers(0, 1, 2, 3), zones, 1).plan(one(partitions));

        List<List<Integer>> after = applied(one(partitions), plan).get("events");
        assertThat(after).allSatisfy(r -> assertThat(r).as("a replica in zone b").contains(1));
        assertThat(plan.withinTolerance()).as("broker 1 cannot give any replica away").isFalse();
        assertThat(plan.replicaMoves()).as("broker 0's replicas spread over zone a").isPositive();
    }

    @Test
    void onlyLeadershipUnevenReordersWithoutMovingData() {
        List<List<Integer>> partitions = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            partitions.add(List.of(0, 1 + p % 2));
        }
        partitions.add(List.of(1, 2));
        partitions.add(List.of(2, 1));
        partitions.add(List.of(1, 2));
        SortedSet<Integer> live = brokers(0, 1, 2);

        BalancePlanner.Plan plan = new BalancePlanner(live, Map.of(), 1).plan(one(partitions));

        assertThat(plan.replicaMoves()).as("replicas are already even (6 each)").isZero();
        assertThat(plan.leadershipMoves()).isPositive();
        List<List<Integer>> after = applied(one(partitions), plan).get("events");
        assertThat(leaderCounts(after, live)).containsValues(3, 3, 3);
        for (int p = 0; p < partitions.size(); p++) {
            assertThat(after.get(p)).containsExactlyInAnyOrderElementsOf(partitions.get(p));
        }
    }

    @Test
    void aWiderToleranceMovesLess() {
        SortedMap<String, List<List<Integer>>> before = one(twelveOnTwo());
        SortedSet<Integer> live = brokers(0, 1, 2, 3);

        BalancePlanner.Plan tight = new BalancePlanner(live, Map.of(), 1).plan(before);
        BalancePlanner.Plan loose = new BalancePlanner(live, Map.of(), 4).plan(before);

        assertThat(loose.replicaMoves()).isLessThan(tight.replicaMoves());
        List<List<Integer>> after = applied(before, loose).get("events");
        assertThat(spread(replicaCounts(after, live))).isLessThanOrEqualTo(4);
        assertThat(spread(leaderCounts(after, live))).isLessThanOrEqualTo(4);
        assertThatThrownBy(() -> new BalancePlanner(live, Map.of(), 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theOddExtrasOfSeveralTopicsGoToDifferentBrokers() {
        // Three single-partition, single-replica topics on broker 0; three brokers: one each, not all on one.
        SortedMap<String, List<List<Integer>>> before = new TreeMap<>();
        for (String topic : List.of("a", "b", "c")) {
            before.put(topic, List.of(List.of(0)));
        }
        // Each topic alone is within tolerance 1 (1 vs 0); the spread over the cluster comes from the tie-breaks.
        BalancePlanner.Plan plan = new BalancePlanner(brokers(0, 1, 2), Map.of(), 1).plan(before);
        assertThat(plan.isEmpty()).isTrue();

        before.put("d", List.of(List.of(0), List.of(0), List.of(0)));
        plan = new BalancePlanner(brokers(0, 1, 2), Map.of(), 1).plan(before);
        SortedMap<String, List<List<Integer>>> after = applied(before, plan);
        assertThat(after.get("d").stream().map(r -> r.get(0)).distinct()).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void randomScaleOutsPlannedBatchByBatchMoveWhatOnePlanWould() {
        Random random = new Random(455);
        for (int round = 0; round < 200; round++) {
            int before = 2 + random.nextInt(3);
            int after = before + 1 + random.nextInt(3);
            int rf = 1 + random.nextInt(Math.min(3, before));
            SortedSet<Integer> old = new TreeSet<>(IntStream.range(0, before).boxed().toList());
            SortedMap<String, List<List<Integer>>> start = new TreeMap<>();
            for (int t = 0; t < 1 + random.nextInt(3); t++) {
                // Placed evenly on the old brokers first, as the operator's placement leaves a topic.
                List<List<Integer>> partitions = new ArrayList<>();
                for (int p = 0; p < 1 + random.nextInt(16); p++) {
                    List<Integer> r = new ArrayList<>();
                    for (int i = 0; i < rf; i++) {
                        r.add((p + i) % before);
                    }
                    partitions.add(List.copyOf(r));
                }
                start.put("t" + t, partitions);
            }
            SortedSet<Integer> live = new TreeSet<>(IntStream.range(0, after).boxed().toList());
            int whole = new BalancePlanner(live, Map.of(), 1).plan(start).replicaMoves();
            int batch = 1 + random.nextInt(8);

            SortedMap<String, List<List<Integer>>> now = start;
            for (int i = 0; i < 100; i++) {
                BalancePlanner.Plan plan = new BalancePlanner(live, Map.of(), 1).plan(now);
                if (plan.isEmpty()) {
                    break;
                }
                SortedMap<String, SortedMap<Integer, List<Integer>>> first = new TreeMap<>();
                int budget = batch;
                for (var e : plan.targets().entrySet()) {
                    for (var t : e.getValue().entrySet()) {
                        if (budget-- > 0) {
                            first.computeIfAbsent(e.getKey(), k -> new TreeMap<>()).put(t.getKey(), t.getValue());
                        }
                    }
                }
                now = applied(now, new BalancePlanner.Plan(first, 0, 0, 0, true));
            }
            assertThat(new BalancePlanner(live, Map.of(), 1).plan(now).isEmpty()).as("round %d converges", round)
                    .isTrue();
            int moved = 0;
            for (String topic : start.keySet()) {
                assertThat(spread(replicaCounts(now.get(topic), live))).isLessThanOrEqualTo(1);
                assertThat(spread(leaderCounts(now.get(topic), live))).isLessThanOrEqualTo(1);
                for (int p = 0; p < start.get(topic).size(); p++) {
                    List<Integer> was = start.get(topic).get(p);
                    moved += (int) now.get(topic).get(p).stream().filter(b -> !was.contains(b)).count();
                }
            }
            assertThat(moved).as("round %d: batches of %d move what one plan would", round, batch).isEqualTo(whole);
        }
    }

    @Test
    void randomAssignmentsBalanceWithTheLeastMovesAndNeverBreakARule() {
        Random random = new Random(12);
        int swapped = 0;
        int exact = 0;
        for (int round = 0; round < 300; round++) {
            int before = 1 + random.nextInt(5);
            int after = before + random.nextInt(4);
            int rf = 1 + random.nextInt(Math.min(3, before));
            SortedMap<String, List<List<Integer>>> assignment = new TreeMap<>();
            int topics = 1 + random.nextInt(3);
            for (int t = 0; t < topics; t++) {
                List<List<Integer>> partitions = new ArrayList<>();
                int count = 1 + random.nextInt(20);
                for (int p = 0; p < count; p++) {
                    List<Integer> all = new ArrayList<>(IntStream.range(0, before).boxed().toList());
                    java.util.Collections.shuffle(all, random);
                    partitions.add(List.copyOf(all.subList(0, rf)));
                }
                assignment.put("t" + t, partitions);
            }
            SortedSet<Integer> live = new TreeSet<>(IntStream.range(0, after).boxed().toList());

            BalancePlanner.Plan plan = new BalancePlanner(live, Map.of(), 1).plan(assignment);

            SortedMap<String, List<List<Integer>>> result = applied(assignment, plan);
            int leastMoves = 0;
            for (String topic : assignment.keySet()) {
                List<List<Integer>> partitions = result.get(topic);
                String what = "round " + round + " topic " + topic + " " + assignment.get(topic) + " -> " + partitions;
                assertThat(partitions).as(what).allSatisfy(r -> {
                    assertThat(r).hasSize(rf);
                    assertThat(new HashSet<>(r)).hasSize(rf);
                    assertThat(live).containsAll(r);
                });
                Map<Integer, Integer> counts = replicaCounts(assignment.get(topic), live);
                assertThat(spread(replicaCounts(partitions, live))).as(what).isLessThanOrEqualTo(1);
                assertThat(spread(leaderCounts(partitions, live))).as(what).isLessThanOrEqualTo(1);
                int total = partitions.size() * rf;
                int floor = total / live.size();
                int ceil = (total + live.size() - 1) / live.size();
                int above = counts.values().stream().mapToInt(c -> Math.max(0, c - ceil)).sum();
                int below = counts.values().stream().mapToInt(c -> Math.max(0, floor - c)).sum();
                leastMoves += Math.max(above, below);
            }
            // The least moves for the replica counts, plus two per swap that evened leaderships a reorder could not.
            assertThat(plan.replicaMoves()).as("round %d", round).isBetween(leastMoves, leastMoves + 2 * plan.swaps());
            swapped += plan.swaps() > 0 ? 1 : 0;
            exact += plan.replicaMoves() == leastMoves ? 1 : 0;
            assertThat(new BalancePlanner(live, Map.of(), 1).plan(result).isEmpty()).as("round %d idempotent", round)
                    .isTrue();
        }
        assertThat(exact).as("rounds moving exactly the least replicas (%d needed a swap)", swapped)
                .isGreaterThanOrEqualTo(300 - swapped);
    }
}
