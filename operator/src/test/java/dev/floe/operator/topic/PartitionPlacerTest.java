package dev.floe.operator.topic;

import dev.floe.crds.topic.PartitionStatus;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionPlacerTest {

    @Test
    void replicasAreOnDistinctBrokersAndTheLeaderIsTheFirst() {
        List<PartitionStatus> placed = PartitionPlacer.place(List.of(), 12, 5, 3, PartitionPlacer.Load.none(), Map.of());
        assertThat(placed).hasSize(12).allSatisfy(p -> {
            assertThat(p.getReplicas()).hasSize(3).doesNotHaveDuplicates().allMatch(b -> b >= 0 && b < 5);
            assertThat(p.getLeader()).isEqualTo(p.getReplicas().get(0));
            assertThat(p.getIsr()).isEqualTo(p.getReplicas());
            assertThat(p.getLeaderEpoch()).isZero();
        });
    }

    @Test
    void leadersAndReplicasSpreadEvenly() {
        List<PartitionStatus> placed = PartitionPlacer.place(List.of(), 6, 3, 3, PartitionPlacer.Load.none(), Map.of());
        assertThat(countBy(placed, true)).containsOnlyKeys(0, 1, 2).allSatisfy((b, n) -> assertThat(n).isEqualTo(2L));

        List<PartitionStatus> rf2 = PartitionPlacer.place(List.of(), 6, 4, 2, PartitionPlacer.Load.none(), Map.of());
        // 6 leaders on 4 brokers: none leads more than one above another; 12 replicas: 3 each.
        assertThat(countBy(rf2, true).values()).allMatch(n -> n == 1 || n == 2);
        assertThat(countBy(rf2, false)).containsOnlyKeys(0, 1, 2, 3).allSatisfy((b, n) -> assertThat(n).isEqualTo(3L));
    }

    @Test
    void leadersFillTheBrokersOtherTopicsLeaveIdle() {
        PartitionPlacer.Load elsewhere = new PartitionPlacer.Load(Map.of(0, 4, 1, 4), Map.of(0, 4, 1, 4));
        List<PartitionStatus> placed = PartitionPlacer.place(List.of(), 2, 3, 1, elsewhere, Map.of());
        assertThat(placed).extracting(PartitionStatus::getLeader).containsExactly(2, 2);
    }

    @Test
    void replicasSpreadAcrossZones() {
        // Six brokers, two per zone, ids grouped so that "the next broker ids" would put two replicas in one zone.
        Map<Integer, String> zones = Map.of(0, "a", 1, "a", 2, "b", 3, "b", 4, "c", 5, "c");
        List<PartitionStatus> placed = PartitionPlacer.place(List.of(), 12, 6, 3, PartitionPlacer.Load.none(), zones);
        assertThat(placed).allSatisfy(p -> assertThat(p.getReplicas().stream().map(zones::get).collect(Collectors.toSet()))
                .as("zones of partition %d replicas %s", p.getPartition(), p.getReplicas())
                .containsExactlyInAnyOrder("a", "b", "c"));
        assertThat(countBy(placed, true)).allSatisfy((b, n) -> assertThat(n).isEqualTo(2L));

        // More replicas than zones: every zone first, then the fewest per zone.
        Map<Integer, String> twoZones = Map.of(0, "a", 1, "a", 2, "a", 3, "b");
        List<PartitionStatus> rf3 = PartitionPlacer.place(List.of(), 4, 4, 3, PartitionPlacer.Load.none(), twoZones);
        assertThat(rf3).allSatisfy(p -> assertThat(p.getReplicas().stream().map(twoZones::get).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("a", "b"));
    }

    @Test
    void existingPartitionsStayAndCountTowardsTheSpread() {
        List<PartitionStatus> first = PartitionPlacer.place(List.of(), 3, 3, 2, PartitionPlacer.Load.none(), Map.of());
        // A failover moved partition 0's leader; placement counts its preferred replica, and keeps it all as it is.
        first.get(0).setLeader(first.get(0).getReplicas().get(1));
        List<PartitionStatus> grown = PartitionPlacer.place(first, 6, 3, 2, PartitionPlacer.Load.none(), Map.of());
        assertThat(grown.subList(0, 3)).isEqualTo(first);
        Map<Integer, Long> preferred = grown.stream().collect(Collectors.groupingBy(p -> p.getReplicas().get(0),
                Collectors.counting()));
        assertThat(preferred).allSatisfy((b, n) -> assertThat(n).isEqualTo(2L));
    }

    @Test
    void replicationFactorAboveTheBrokerCountIsRefused() {
        assertThatThrownBy(() -> PartitionPlacer.place(List.of(), 1, 2, 3, PartitionPlacer.Load.none(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Map<Integer, Long> countBy(List<PartitionStatus> placed, boolean leaders) {
        return placed.stream().flatMap(p -> leaders ? Stream.of(p.getLeader()) : p.getReplicas().stream())
                .collect(Collectors.groupingBy(b -> b, Collectors.counting()));
    }
}
