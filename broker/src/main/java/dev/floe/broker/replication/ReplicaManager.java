package dev.floe.broker.replication;

import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Replication on one broker in cluster mode (Kafka's ReplicaManager): a {@link PartitionReplica} per partition
 * this broker holds, driven by the controller's assignments from Topic.status, by followers' fetches, and by a
 * periodic lag check. Leaders' in-sync changes go to the {@link IsrWriter} on the replication control executor,
 * one write per partition at a time; followers are handed to the fetchers.
 */
public final class ReplicaManager implements Replication {
    private static final Logger LOG = Logger.getLogger(ReplicaManager.class);

    private final int localId;
    private final LogManager logs;
    private final BooleanSupplier leaseHeld;
    private final IsrWriter isrWriter;
    private final FollowerLinks links;
    private final long lagTimeMaxMs;
    private final ScheduledExecutorService scheduler;
    private final Executor control;
    private final LongSupplier clock;
    private final Map<TopicPartition, PartitionReplica> partitions = new ConcurrentHashMap<>();
    private final MeterRegistry metrics;
    private final Counter shrinks;
    private final Counter expands;
    private ScheduledFuture<?> lagCheck;
    private final List<LeadershipListener> leadershipListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Opens the log of a partition this broker becomes a replica of again after it dropped the data. */
    private volatile LogOpener opener = tp -> null;

    /** Opens (or creates) a partition's local log with its topic's configs; null when the topic is unknown here. */
    public interface LogOpener {
        PartitionLog open(TopicPartition tp) throws IOException;
    }

    /**
     * Told when this broker starts or stops leading a partition (or leads it in a new epoch), on the thread that
     * applied the assignment, right after the role changed: coordinators load their state from the partition they
     * now lead. Must not block; hand real work to an executor.
     */
    public interface LeadershipListener {
        void leadershipChanged(TopicPartition tp, boolean leader, int leaderEpoch);
    }

    public ReplicaManager(int localId, LogManager logs, BooleanSupplier leaseHeld, IsrWriter isrWriter,
                          FollowerLinks links, long lagTimeMaxMs, ScheduledExecutorService scheduler, Executor control,
                          LongSupplier clock, MeterRegistry metrics) {
        this.localId = localId;
        this.logs = logs;
        this.leaseHeld = leaseHeld;
        this.isrWriter = isrWriter;
        this.links = links;
        this.lagTimeMaxMs = lagTimeMaxMs;
        this.scheduler = scheduler;
        this.control = control;
        this.clock = clock;
        this.metrics = metrics;
        this.shrinks = Counter.builder("floe.replication.isr.shrinks").description("In-sync set shrinks this broker "
                + "wrote as leader").register(metrics);
        this.expands = Counter.builder("floe.replication.isr.expands").description("In-sync set expansions this "
                + "broker wrote as leader").register(metrics);
        Gauge.builder("floe.replication.under.replicated", partitions,
                        m -> m.values().stream().filter(PartitionReplica::underReplicated).count())
                .description("Partitions this broker leads whose in-sync set is smaller than their replica set")
                .register(metrics);
        Gauge.builder("floe.replication.leader.partitions", partitions,
                        m -> m.values().stream().filter(r -> r.role() == PartitionReplica.Role.LEADER).count())
                .description("Partitions this broker leads").register(metrics);
        Gauge.builder("floe.replication.follower.lag.max", partitions,
                        m -> m.values().stream().mapToLong(PartitionReplica::maxFollowerLag).max().orElse(0))
                .description("Largest number of offsets any follower is behind this leader's log end")
                .register(metrics);
        logs.addAppendListener(this::appended);
    }

    /**
     * Check every led partition for followers that fell behind, every half lag period (Kafka checks at the same
     * rate). A decision is a state change written to the Topic status, not a wait, so a timer is right here.
     */
    public void start() {
        long every = Math.max(100, lagTimeMaxMs / 2);
        lagCheck = scheduler.scheduleWithFixedDelay(this::checkLagging, every, every, TimeUnit.MILLISECONDS);
    }

    /** Adds a listener and tells it at once of every partition this broker leads now. */
    public void addLeadershipListener(LeadershipListener listener) {
        leadershipListeners.add(listener);
        partitions.forEach((tp, replica) -> {
            if (replica.role() == PartitionReplica.Role.LEADER) {
                listener.leadershipChanged(tp, true, replica.leaderEpoch());
            }
        });
    }

    public void stop() {
        if (lagCheck != null) {
            lagCheck.cancel(false);
        }
    }

    /**
     * The controller's assignment of one topic's partitions (from Topic.status). Runs on the informer's thread;
     * role changes happen here, before the next event, so a request after it sees the new role.
     */
    public void assignmentsChanged(String topic, List<ClusterView.PartitionAssignment> assignments) {
        for (int p = 0; p < assignments.size(); p++) {
            ClusterView.PartitionAssignment a = assignments.get(p);
            TopicPartition tp = new TopicPartition(topic, p);
            PartitionLog found = logs.log(tp);
            PartitionLog log = found == null && isReplica(a) ? reopen(tp) : found;
            if (log == null) {
                continue;
            }
            PartitionReplica replica = partitions.computeIfAbsent(tp, k -> register(new PartitionReplica(k, log,
                    localId, lagTimeMaxMs, clock)));
            if (replica.log() != log) {
                // The topic was deleted and created again: a new log, a new state.
                replica = register(new PartitionReplica(tp, log, localId, lagTimeMaxMs, clock));
                partitions.put(tp, replica);
            }
            List<PartitionReplica.Completion> done = new ArrayList<>();
            try {
                PartitionReplica.Role before = replica.role();
                PartitionReplica.Transition t = replica.apply(new PartitionReplica.Assignment(a.leader(),
                        a.leaderEpoch(), a.replicas(), a.isr()), done);
                // A non-replica's empty log (every broker opens one per partition) is left alone; data is not.
                if (t.role() == PartitionReplica.Role.NONE && !a.replicas().isEmpty()
                        && (before != PartitionReplica.Role.NONE || log.sizeInBytes() > 0)) {
                    dropReplica(tp, replica, before, a, done);
                    done.forEach(PartitionReplica.Completion::run);
                    continue;
                }
                if (t.roleOrEpochChanged()) {
                    if (t.role() == PartitionReplica.Role.FOLLOWER && t.leader() >= 0) {
                        links.follow(replica, t.leader(), t.leaderEpoch());
                    } else {
                        links.unfollow(tp);
                    }
                    boolean leads = t.role() == PartitionReplica.Role.LEADER;
                    for (LeadershipListener l : leadershipListeners) {
                        l.leadershipChanged(tp, leads, t.leaderEpoch());
                    }
                }
            } catch (IOException e) {
                LOG.errorf("%s: could not apply leader epoch %d: %s", tp, a.leaderEpoch(), e.getMessage());
            }
            done.forEach(PartitionReplica.Completion::run);
        }
    }

    public void setLogOpener(LogOpener opener) {
        this.opener = opener;
    }

    private boolean isReplica(ClusterView.PartitionAssignment a) {
        return a.replicas().contains(localId) || a.leader() == localId;
    }

    private PartitionLog reopen(TopicPartition tp) {
        try {
            PartitionLog log = opener.open(tp);
            if (log != null) {
                LOG.infof("%s: this broker is a replica again; its log starts at %d", tp, log.logStartOffset());
            }
            return log;
        } catch (IOException e) {
            LOG.errorf("%s: this broker is a replica again but its log could not be opened: %s", tp, e.getMessage());
            return null;
        }
    }

    /**
     * The controller moved this partition off this broker (a completed reassignment), or this broker comes back
     * holding data of a partition it no longer replicates (it was down when the move completed): stop following,
     * and delete the local data, as Kafka's StopReplica with deletePartition does. Nothing here can be needed: the
     * controller only drops a replica once every replica of the target is in sync, and a tiered topic's cold data
     * is in the bucket, not in this directory.
     */
    private void dropReplica(TopicPartition tp, PartitionReplica replica, PartitionReplica.Role before,
                             ClusterView.PartitionAssignment a, List<PartitionReplica.Completion> done) {
        links.unfollow(tp);
        replica.resign(done);
        partitions.remove(tp, replica);
        if (before == PartitionReplica.Role.LEADER) {
            for (LeadershipListener l : leadershipListeners) {
                l.leadershipChanged(tp, false, a.leaderEpoch());
            }
        }
        try {
            logs.delete(tp);
            LOG.infof("%s: no longer a replica (replicas %s, leader %d, epoch %d; was %s): stopped and deleted the "
                    + "local data", tp, a.replicas(), a.leader(), a.leaderEpoch(), before);
        } catch (IOException e) {
            LOG.errorf("%s: no longer a replica, but its local data could not be deleted: %s", tp, e.getMessage());
        }
    }

    private PartitionReplica register(PartitionReplica replica) {
        Tags tags = Tags.of("topic", replica.topicPartition().topic(), "partition",
                Integer.toString(replica.topicPartition().partition()));
        Gauge.builder("floe.replication.high.watermark", replica, r -> r.log().highWatermark())
                .tags(tags).description("High watermark of a partition on this broker").register(metrics);
        Gauge.builder("floe.replication.follower.lag", replica, PartitionReplica::maxFollowerLag)
                .tags(tags).description("Offsets the slowest follower is behind this leader's log end")
                .register(metrics);
        FunctionCounter.builder("floe.replication.partition.isr.shrinks", replica, PartitionReplica::shrinks)
                .tags(tags).register(metrics);
        return replica;
    }

    public void topicRemoved(String topic) {
        List<PartitionReplica.Completion> done = new ArrayList<>();
        partitions.entrySet().removeIf(e -> {
            if (!e.getKey().topic().equals(topic)) {
                return false;
            }
            links.unfollow(e.getKey());
            e.getValue().resign(done);
            return true;
        });
        done.forEach(PartitionReplica.Completion::run);
    }

    public PartitionReplica replica(TopicPartition tp) {
        return partitions.get(tp);
    }

    @Override
    public Errors checkLeader(TopicPartition tp, int clientLeaderEpoch) {
        PartitionReplica replica = partitions.get(tp);
        if (replica == null) {
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        Errors e = replica.checkLeader(clientLeaderEpoch);
        if (e == Errors.NONE && !leaseHeld.getAsBoolean()) {
            // Our lease ran out: someone else may lead already.
            return Errors.NOT_LEADER_OR_FOLLOWER;
        }
        return e;
    }

    @Override
    public int leaderEpoch(TopicPartition tp) {
        PartitionReplica replica = partitions.get(tp);
        return replica == null ? -1 : replica.leaderEpoch();
    }

    @Override
    public int inSyncReplicas(TopicPartition tp) {
        PartitionReplica replica = partitions.get(tp);
        return replica == null ? 0 : replica.inSyncCount();
    }

    @Override
    public CompletableFuture<Errors> awaitCommitted(TopicPartition tp, long requiredOffset, int minInsync,
                                                    long timeoutMs) {
        PartitionReplica replica = partitions.get(tp);
        if (replica == null) {
            return CompletableFuture.completedFuture(Errors.NOT_LEADER_OR_FOLLOWER);
        }
        CompletableFuture<Errors> result = replica.await(requiredOffset, minInsync);
        if (!result.isDone()) {
            ScheduledFuture<?> timer = scheduler.schedule(() -> {
                replica.forget(requiredOffset, result);
                result.complete(Errors.REQUEST_TIMED_OUT);
            }, Math.max(1, timeoutMs), TimeUnit.MILLISECONDS);
            result.whenComplete((e, t) -> timer.cancel(false));
        }
        return result;
    }

    @Override
    public CompletableFuture<Errors> awaitLowWatermark(TopicPartition tp, long offset, long timeoutMs) {
        PartitionReplica replica = partitions.get(tp);
        if (replica == null) {
            return CompletableFuture.completedFuture(Errors.NOT_LEADER_OR_FOLLOWER);
        }
        CompletableFuture<Errors> result = replica.awaitLowWatermark(offset);
        if (!result.isDone()) {
            ScheduledFuture<?> timer = scheduler.schedule(() -> {
                replica.forgetLowWatermarkWait(offset, result);
                result.complete(Errors.REQUEST_TIMED_OUT);
            }, Math.max(1, timeoutMs), TimeUnit.MILLISECONDS);
            result.whenComplete((e, t) -> timer.cancel(false));
        }
        return result;
    }

    /**
     * A follower's fetch reached this leader: check it may fetch (we lead, in the epoch it knows), record its log
     * end, advance the high watermark, and write an expanded in-sync set when it caught up.
     */
    @Override
    public Errors followerFetched(TopicPartition tp, int replicaId, long fetchOffset, long followerLogStart,
                                  int followerEpoch) {
        PartitionReplica replica = partitions.get(tp);
        Errors check = checkLeader(tp, followerEpoch);
        if (check != Errors.NONE) {
            return check;
        }
        List<PartitionReplica.Completion> done = new ArrayList<>();
        try {
            List<Integer> expanded = replica.followerFetched(replicaId, fetchOffset, followerLogStart, done);
            if (expanded != null) {
                writeIsr(replica, expanded);
            }
        } catch (IOException e) {
            LOG.errorf("%s: could not advance the high watermark: %s", tp, e.getMessage());
        }
        done.forEach(PartitionReplica.Completion::run);
        return Errors.NONE;
    }

    private void appended(TopicPartition tp) {
        PartitionReplica replica = partitions.get(tp);
        if (replica == null || replica.log().highWatermarkTracksEnd()) {
            return;
        }
        List<PartitionReplica.Completion> done = new ArrayList<>();
        try {
            replica.leaderAppended(done);
        } catch (IOException e) {
            LOG.errorf("%s: could not advance the high watermark: %s", tp, e.getMessage());
        }
        done.forEach(PartitionReplica.Completion::run);
    }

    /** One pass of the lag check. */
    public void checkLagging() {
        for (PartitionReplica replica : partitions.values()) {
            List<Integer> shrunk = replica.laggingRemoved();
            if (shrunk != null) {
                writeIsr(replica, shrunk);
            }
        }
    }

    private void writeIsr(PartitionReplica replica, List<Integer> isr) {
        int epoch = replica.leaderEpoch();
        List<Integer> previous = replica.isr();
        TopicPartition tp = replica.topicPartition();
        control.execute(() -> {
            IsrWriter.Outcome outcome = leaseHeld.getAsBoolean() ? isrWriter.write(tp, localId, epoch, isr)
                    : IsrWriter.Outcome.FENCED;
            List<PartitionReplica.Completion> done = new ArrayList<>();
            try {
                if (outcome == IsrWriter.Outcome.WRITTEN) {
                    replica.isrCommitted(epoch, previous, isr, done);
                    (isr.size() < previous.size() ? shrinks : expands).increment();
                    LOG.infof("%s: in-sync set is now %s (leader epoch %d)", tp, isr, epoch);
                } else {
                    replica.isrWriteFailed();
                    LOG.warnf("%s: in-sync set %s was not written (%s) in leader epoch %d", tp, isr, outcome, epoch);
                }
            } catch (IOException e) {
                LOG.errorf("%s: %s", tp, e.getMessage());
            }
            done.forEach(PartitionReplica.Completion::run);
        });
    }
}
