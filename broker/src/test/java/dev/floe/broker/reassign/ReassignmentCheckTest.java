package dev.floe.broker.reassign;

import dev.floe.crds.topic.PartitionStatus;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What a broker refuses before asking the controller, with the error codes Kafka's controller gives. */
class ReassignmentCheckTest {
    private static final PartitionStatus PLACED = new PartitionStatus(0, List.of(0, 1), 0, 1, List.of(0, 1));

    private static Errors check(PartitionStatus current, List<Integer> target, boolean allowRfChange) {
        Reassignments.Outcome refused = ReassignmentCheck.refusal("orders", 0, current, target, 3, allowRfChange);
        return refused == null ? Errors.NONE : refused.error();
    }

    @Test
    void aTargetOnDistinctKnownBrokersGoesToTheController() {
        assertThat(check(PLACED, List.of(1, 2), true)).isEqualTo(Errors.NONE);
        assertThat(check(PLACED, List.of(0, 1, 2), true)).isEqualTo(Errors.NONE);
    }

    @Test
    void emptyDuplicateOrUnknownBrokersAreAnInvalidReplicaAssignment() {
        assertThat(check(PLACED, List.of(), true)).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
        assertThat(check(PLACED, List.of(1, 1), true)).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
        assertThat(check(PLACED, List.of(1, 3), true)).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
        assertThat(check(PLACED, List.of(-1, 2), true)).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
    }

    @Test
    void anUnknownPartitionAndACancelOfNothingAreRefused() {
        assertThat(check(null, List.of(1, 2), true)).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(check(PLACED, null, true)).isEqualTo(Errors.NO_REASSIGNMENT_IN_PROGRESS);
        PartitionStatus moving = new PartitionStatus(0, List.of(1, 2, 0), 0, 1, List.of(0, 1));
        moving.setAddingReplicas(List.of(2));
        moving.setRemovingReplicas(List.of(0));
        assertThat(check(moving, null, true)).isEqualTo(Errors.NONE);
    }

    @Test
    void aReplicationFactorChangeIsRefusedWhenTheRequestDisallowsIt() {
        assertThat(check(PLACED, List.of(0, 1, 2), false)).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
        assertThat(check(PLACED, List.of(1, 2), false)).isEqualTo(Errors.NONE);
    }

    @Test
    void standaloneNothingCanMove() {
        Reassignments standalone = Reassignments.standalone(0, topic -> topic.equals("orders") ? 1 : -1);
        java.util.Map<Integer, List<Integer>> targets = new java.util.LinkedHashMap<>();
        targets.put(0, List.of(1));
        assertThat(standalone.alter("orders", targets, true).get(0).error()).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
        assertThat(standalone.alter("orders", targets, true).get(0).message()).contains("standalone");
        targets.put(0, null);
        assertThat(standalone.alter("orders", targets, true).get(0).error()).isEqualTo(Errors.NO_REASSIGNMENT_IN_PROGRESS);
        assertThat(standalone.alter("other", Map.of(0, List.of(0)), true).get(0).error())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(standalone.list(null)).isEmpty();
    }
}
