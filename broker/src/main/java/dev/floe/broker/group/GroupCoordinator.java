package dev.floe.broker.group;

import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The coordinator of every consumer group on this broker: live membership in {@link Group}s, committed offsets
 * in the {@link OffsetStore}, and a lag gauge per group and partition.
 */
public final class GroupCoordinator {
    private static final Logger LOG = Logger.getLogger(GroupCoordinator.class);
    public static final int MAX_METADATA_BYTES = 4096;

    private final Map<String, Group> groups = new ConcurrentHashMap<>();
    private final OffsetStore offsets;
    private final LogManager logs;
    private final ScheduledExecutorService scheduler;
    private final long initialRebalanceDelayMs;
    private final MeterRegistry registry;
    private final Set<String> lagGauges = ConcurrentHashMap.newKeySet();
    private volatile java.util.function.IntPredicate leadsOffsetsPartition = p -> true;
    /** Offsets partitions this broker has just come to lead and is still reading: their groups wait. */
    private final Set<Integer> loading = ConcurrentHashMap.newKeySet();

    public GroupCoordinator(OffsetStore offsets, LogManager logs, ScheduledExecutorService scheduler,
                            long initialRebalanceDelayMs, MeterRegistry registry) {
        this.offsets = offsets;
        this.logs = logs;
        this.scheduler = scheduler;
        this.initialRebalanceDelayMs = initialRebalanceDelayMs;
        this.registry = registry;
        Gauge.builder("floe.groups", groups, Map::size).description("Consumer groups with live state").register(registry);
    }

    public OffsetStore offsets() {
        return offsets;
    }

    /**
     * Cluster mode: this broker coordinates a group only while it leads the group's partition of the offsets
     * topic; requests for other groups get NOT_COORDINATOR, and the client looks the coordinator up again.
     */
    public void setOffsetsLeadership(java.util.function.IntPredicate leadsPartition) {
        this.leadsOffsetsPartition = leadsPartition;
    }

    /** Whether group requests for {@code groupId} belong here. */
    public boolean coordinates(String groupId) {
        if (groupId == null) {
            return true;
        }
        int partition = offsets.partitionFor(groupId);
        return leadsOffsetsPartition.test(partition) && !loading.contains(partition);
    }

    /**
     * Cluster mode: this broker started or stopped leading offsets partition {@code partition}. Either way the
     * live membership of that partition's groups here is stale: gaining it, members rejoin (their old coordinator
     * is gone); losing it, they go to the new leader. Gaining it, the committed offsets are read back from the
     * replicated log on {@code loader} before any group request for the partition is served (until then they get
     * NOT_COORDINATOR and look the coordinator up again).
     */
    public void offsetsLeadershipChanged(int partition, boolean leader, LogManager logs, Executor loader) {
        groups.entrySet().removeIf(e -> {
            if (offsets.partitionFor(e.getKey()) != partition) {
                return false;
            }
            e.getValue().markDead();
            return true;
        });
        if (!leader) {
            return;
        }
        loading.add(partition);
        loader.execute(() -> {
            try {
                offsets.reload(logs, partition);
                registerLoadedLag();
            } catch (java.io.IOException | RuntimeException e) {
                LOG.errorf(
                        "could not load %s-%d as its new leader (%s); its groups keep getting NOT_COORDINATOR",
                        OffsetStore.TOPIC, partition, e);
                return;
            }
            loading.remove(partition);
        });
    }

    Group getOrCreate(String groupId) {
        return groups.computeIfAbsent(groupId, id -> new Group(id, scheduler, initialRebalanceDelayMs));
    }

    Group get(String groupId) {
        return groups.get(groupId);
    }

    /** Every group known by live membership or by committed offsets. */
    public Set<String> groupIds() {
        Set<String> ids = new HashSet<>(groups.keySet());
        ids.addAll(offsets.groups());
        return ids;
    }

    /** The state a group is in; a group known only by its offsets is Empty, an unknown one Dead. */
    GroupState stateOf(String groupId) {
        Group group = groups.get(groupId);
        if (group != null && group.state() != GroupState.DEAD) {
            return group.state();
        }
        return offsets.groups().contains(groupId) ? GroupState.EMPTY : GroupState.DEAD;
    }

    /** Commit after membership checks; null member id and generation -1 is a commit from outside the group. */
    CompletableFuture<Errors> commit(String groupId, int generation, String memberId, String instanceId,
                                     Map<TopicPartition, CommittedOffset> commits) {
        Group group = groups.get(groupId);
        if (group != null) {
            Errors membership = group.validateCommit(generation, memberId, instanceId);
            if (membership != Errors.NONE) {
                return CompletableFuture.completedFuture(membership);
            }
        } else if (generation >= 0) {
            return CompletableFuture.completedFuture(Errors.UNKNOWN_MEMBER_ID);
        }
        commits.keySet().forEach(tp -> registerLag(groupId, tp));
        return offsets.commit(groupId, commits);
    }

    /**
     * TxnOffsetCommit's membership check (KIP-447): a producer that sends its consumer's group metadata is refused
     * once that member has left or the generation has moved on, which fences a zombie that lost its partitions in
     * a rebalance. Without group metadata (generation -1, no member id) there is nothing to check, as in Kafka.
     */
    public Errors validateTransactionalCommit(String groupId, int generation, String memberId, String instanceId) {
        if (generation < 0 && (memberId == null || memberId.isEmpty())) {
            return Errors.NONE;
        }
        Group group = groups.get(groupId);
        if (group == null || group.state() == GroupState.DEAD) {
            return Errors.ILLEGAL_GENERATION;
        }
        return group.validateTransactionalCommit(generation, memberId, instanceId);
    }

    /** For the HTTP API: commit plain offsets as a client outside the group's membership would. */
    public CompletableFuture<Map<TopicPartition, Errors>> commitOffsets(String groupId, Map<TopicPartition, Long> positions) {
        Map<TopicPartition, CommittedOffset> commits = new HashMap<>();
        Map<TopicPartition, Errors> results = new HashMap<>();
        long now = System.currentTimeMillis();
        positions.forEach((tp, offset) -> {
            if (logs.log(tp) == null) {
                results.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
            } else {
                commits.put(tp, new CommittedOffset(offset, -1, "", now));
            }
        });
        return commit(groupId, -1, "", null, commits).thenApply(error -> {
            commits.keySet().forEach(tp -> results.put(tp, error));
            return results;
        });
    }

    /** For the HTTP API: a group's committed offsets. */
    public Map<TopicPartition, Long> committedOffsets(String groupId) {
        Map<TopicPartition, Long> out = new HashMap<>();
        offsets.committed(groupId).forEach((tp, c) -> out.put(tp, c.offset()));
        return out;
    }

    CompletableFuture<Errors> deleteGroup(String groupId) {
        GroupState state = stateOf(groupId);
        if (state == GroupState.DEAD) {
            return CompletableFuture.completedFuture(Errors.GROUP_ID_NOT_FOUND);
        }
        Group group = groups.get(groupId);
        if (group != null && !group.isEmpty()) {
            return CompletableFuture.completedFuture(Errors.NON_EMPTY_GROUP);
        }
        Collection<TopicPartition> committed = offsets.committed(groupId).keySet();
        return offsets.delete(groupId, committed).thenApply(error -> {
            if (error == Errors.NONE) {
                Group removed = groups.remove(groupId);
                if (removed != null) {
                    removed.markDead();
                }
                committed.forEach(tp -> removeLag(groupId, tp));
            }
            return error;
        });
    }

    CompletableFuture<Errors> deleteOffsets(String groupId, List<TopicPartition> partitions) {
        Group group = groups.get(groupId);
        if (group != null && !group.isEmpty()) {
            return CompletableFuture.completedFuture(Errors.GROUP_SUBSCRIBED_TO_TOPIC);
        }
        return offsets.delete(groupId, partitions).thenApply(error -> {
            partitions.forEach(tp -> removeLag(groupId, tp));
            return error;
        });
    }

    private void registerLag(String groupId, TopicPartition tp) {
        String key = groupId + "\u0000" + tp;
        if (lagGauges.add(key)) {
            Gauge.builder("floe.group.lag", () -> lag(groupId, tp))
                    .tags(Tags.of("group", groupId, "topic", tp.topic(), "partition", Integer.toString(tp.partition())))
                    .description("Records between the group's committed offset and the partition's high watermark")
                    .register(registry);
        }
    }

    private void removeLag(String groupId, TopicPartition tp) {
        if (lagGauges.remove(groupId + "\u0000" + tp)) {
            registry.find("floe.group.lag").tags("group", groupId, "topic", tp.topic(), "partition",
                    Integer.toString(tp.partition())).meters().forEach(registry::remove);
        }
    }

    private double lag(String groupId, TopicPartition tp) {
        CommittedOffset committed = offsets.committed(groupId).get(tp);
        PartitionLog log = logs.log(tp);
        if (committed == null || log == null) {
            return Double.NaN;
        }
        return Math.max(0, log.highWatermark() - committed.offset());
    }

    /** Lag gauges for offsets loaded at start. */
    public void registerLoadedLag() {
        offsets.snapshot().forEach((group, parts) -> parts.keySet().forEach(tp -> registerLag(group, tp)));
    }
}
