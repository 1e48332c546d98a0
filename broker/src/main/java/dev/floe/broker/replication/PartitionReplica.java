package dev.floe.broker.replication;

import dev.floe.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * One partition's replication state on this broker, as Kafka's {@code Partition} keeps it: the role (leader,
 * follower, or not a replica) and leader epoch the controller assigned, and, when leading, each follower's log end
 * and when it last caught up, the in-sync set, the high watermark, and the acks=all produces waiting for it.
 *
 * <p>Pure state: it decides, others act. It returns the in-sync set it wants written (the manager writes it to the
 * Topic status with the epoch guard and reports back), and the produce waits it completes are completed by the
 * caller outside this object's lock. Time comes from a clock the tests control; nothing here sleeps or polls.
 */
public final class PartitionReplica {
    private static final Logger LOG = Logger.getLogger(PartitionReplica.class);

    public enum Role { LEADER, FOLLOWER, NONE }

    /** What the controller assigned, from Topic.status. */
    public record Assignment(int leader, int leaderEpoch, List<Integer> replicas, List<Integer> isr) {
    }

    /** What changed when an assignment was applied. */
    public record Transition(Role role, boolean roleOrEpochChanged, int leader, int leaderEpoch) {
    }

    /** A leader's view of one follower. */
    static final class FollowerState {
        long logEndOffset = -1;
        /** Its log start as its latest fetch said (-1: not heard yet). */
        long logStartOffset = -1;
        long lastCaughtUpMs;
        long lastFetchMs;
        long leaderEndAtLastFetch = -1;
    }

    /** An acks=all produce waiting for the high watermark to pass {@code requiredOffset}. */
    record Waiter(long requiredOffset, int minInsync, CompletableFuture<Errors> result) {
    }

    /** Produce waits to complete, with their outcome, after the lock is released. */
    public record Completion(CompletableFuture<Errors> future, Errors error) {
        public void run() {
            future.complete(error);
        }
    }

    private final TopicPartition tp;
    private final PartitionLog log;
    private final int localId;
    private final LongSupplier clock;
    private final long lagTimeMaxMs;

    private Role role = Role.NONE;
    private int leader = -1;
    private int leaderEpoch = -1;
    private List<Integer> replicas = List.of();
    /** The in-sync set as last committed to Topic.status. */
    private List<Integer> isr = List.of();
    /** An in-sync set written but not yet confirmed, or null. */
    private List<Integer> pendingIsr;
    private long leaderEpochStartOffset;
    private final Map<Integer, FollowerState> followers = new HashMap<>();
    private final TreeMap<Long, List<Waiter>> waiters = new TreeMap<>();
    private final LowWatermarkWaits lowWatermarkWaits = new LowWatermarkWaits();
    private long shrinks;
    private long expands;

    public PartitionReplica(TopicPartition tp, PartitionLog log, int localId, long lagTimeMaxMs, LongSupplier clock) {
        this.tp = tp;
        this.log = log;
        this.localId = localId;
        this.lagTimeMaxMs = lagTimeMaxMs;
        this.clock = clock;
    }

    public TopicPartition topicPartition() {
        return tp;
    }

    public PartitionLog log() {
        return log;
    }

    public synchronized Role role() {
        return role;
    }

    public synchronized int leaderEpoch() {
        return leaderEpoch;
    }

    public synchronized int leader() {
        return leader;
    }

    public synchronized List<Integer> replicas() {
        return replicas;
    }

    public synchronized List<Integer> isr() {
        return isr;
    }

    public synchronized long shrinks() {
        return shrinks;
    }

    public synchronized long expands() {
        return expands;
    }

    /**
     * Apply the controller's assignment. An older epoch than the one applied is ignored (informer events can
     * arrive late). A new epoch or leader changes the role: a new leader starts its epoch at its log end and counts
     * every in-sync follower as caught up now; a follower stops answering produce waits. The same epoch only brings
     * the committed in-sync set. Produce waits this ends are added to {@code done}.
     */
    public synchronized Transition apply(Assignment a, List<Completion> done) throws IOException {
        if (a.leaderEpoch() < leaderEpoch) {
            return new Transition(role, false, leader, leaderEpoch);
        }
        Role next = !a.replicas().contains(localId) && a.leader() != localId ? Role.NONE
                : a.leader() == localId ? Role.LEADER : Role.FOLLOWER;
        boolean changed = a.leaderEpoch() != leaderEpoch || a.leader() != leader || next != role;
        replicas = List.copyOf(a.replicas());
        isr = List.copyOf(a.isr());
        if (pendingIsr != null && (changed || pendingIsr.equals(isr))) {
            pendingIsr = null;
        }
        if (!changed) {
            if (role == Role.LEADER) {
                if (replicas.size() > 1) {
                    log.setHighWatermarkTracksEnd(false);
                }
                followers.keySet().retainAll(replicas);
                for (int r : replicas) {
                    if (r != localId && !followers.containsKey(r)) {
                        followers.put(r, new FollowerState());
                    }
                }
                maybeAdvanceHighWatermark(done);
            }
            return new Transition(role, false, leader, leaderEpoch);
        }
        Role before = role;
        role = next;
        leader = a.leader();
        leaderEpoch = a.leaderEpoch();
        if (role == Role.LEADER) {
            becomeLeader();
            maybeAdvanceHighWatermark(done);
        } else {
            log.setHighWatermarkTracksEnd(false);
            log.setLeaderEpoch(leaderEpoch);
            followers.clear();
            failAllWaiters(Errors.NOT_LEADER_OR_FOLLOWER, done);
        }
        LOG.infof("%s: %s in leader epoch %d (was %s), leader %d, replicas %s, isr %s", tp, role, leaderEpoch, before,
                leader, replicas, isr);
        return new Transition(role, true, leader, leaderEpoch);
    }

    private void becomeLeader() throws IOException {
        // One replica: the high watermark is the log end, exactly as before replication.
        log.setHighWatermarkTracksEnd(replicas.size() <= 1);
        log.startLeaderEpoch(leaderEpoch);
        leaderEpochStartOffset = log.logEndOffset();
        followers.clear();
        long now = clock.getAsLong();
        for (int r : replicas) {
            if (r != localId) {
                FollowerState f = new FollowerState();
                // In-sync followers get a full lag period to show up; the others must catch up first.
                f.lastCaughtUpMs = isr.contains(r) ? now : 0;
                followers.put(r, f);
            }
        }
    }

    /**
     * NONE when this broker leads in the epoch the client knows (or the client named none), else the error
     * Kafka gives.
     */
    public synchronized Errors checkLeader(int clientEpoch) {
        if (clientEpoch != Replication.NO_EPOCH && leaderEpoch >= 0) {
            if (clientEpoch < leaderEpoch) {
                return Errors.FENCED_LEADER_EPOCH;
            }
            if (clientEpoch > leaderEpoch) {
                return Errors.UNKNOWN_LEADER_EPOCH;
            }
        }
        return role == Role.LEADER ? Errors.NONE : Errors.NOT_LEADER_OR_FOLLOWER;
    }

    /**
     * A follower fetched from {@code fetchOffset}: its log end is there. Updates when it last caught up (as Kafka
     * does: at or past our log end now, or past the log end we had at its previous fetch), may advance the high
     * watermark, and returns an expanded in-sync set to write when the follower has caught up, else null.
     */
    public synchronized List<Integer> followerFetched(int replicaId, long fetchOffset, long followerLogStart,
                                                     List<Completion> done) throws IOException {
        FollowerState f = followers.get(replicaId);
        if (role != Role.LEADER || f == null) {
            return null;
        }
        f.logStartOffset = followerLogStart;
        lowWatermarkWaits.reached(lowWatermark(), done);
        long now = clock.getAsLong();
        long leaderEnd = log.logEndOffset();
        if (fetchOffset >= leaderEnd) {
            f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, now);
        } else if (f.leaderEndAtLastFetch >= 0 && fetchOffset >= f.leaderEndAtLastFetch) {
            f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
        }
        f.leaderEndAtLastFetch = leaderEnd;
        f.lastFetchMs = now;
        f.logEndOffset = fetchOffset;
        maybeAdvanceHighWatermark(done);
        if (pendingIsr == null && !isr.contains(replicaId) && fetchOffset >= log.highWatermark()
                && fetchOffset >= leaderEpochStartOffset && now - f.lastCaughtUpMs <= lagTimeMaxMs) {
            List<Integer> expanded = new ArrayList<>(isr);
            expanded.add(replicaId);
            pendingIsr = List.copyOf(expanded);
            LOG.infof("%s: follower %d caught up at offset %d; expanding the in-sync set %s to %s", tp, replicaId,
                    fetchOffset, isr, pendingIsr);
            return pendingIsr;
        }
        return null;
    }

    /**
     * The periodic lag check: followers in the in-sync set that have not caught up with the leader's log end for
     * {@code replica.lag.time.max.ms} leave it. Returns the shrunk set to write, or null.
     */
    public synchronized List<Integer> laggingRemoved() {
        if (role != Role.LEADER || pendingIsr != null) {
            return null;
        }
        long now = clock.getAsLong();
        long leaderEnd = log.logEndOffset();
        Set<Integer> keep = new LinkedHashSet<>();
        List<Integer> out = new ArrayList<>();
        for (int r : isr) {
            FollowerState f = followers.get(r);
            boolean lagging = r != localId && (f == null
                    || (f.logEndOffset < leaderEnd && now - f.lastCaughtUpMs > lagTimeMaxMs));
            if (lagging) {
                out.add(r);
            } else {
                keep.add(r);
            }
        }
        if (out.isEmpty()) {
            return null;
        }
        keep.add(localId);
        pendingIsr = List.copyOf(keep);
        LOG.warnf("%s: followers %s have not caught up for %d ms; shrinking the in-sync set %s to %s", tp, out,
                lagTimeMaxMs, isr, pendingIsr);
        return pendingIsr;
    }

    /**
     * The in-sync set written for {@code epoch} was accepted. {@code previous} is the set it replaced (the
     * informer may already have brought the new one here, so the current set cannot tell shrink from expand).
     */
    public synchronized void isrCommitted(int epoch, List<Integer> previous, List<Integer> committed,
                                          List<Completion> done) throws IOException {
        if (epoch != leaderEpoch || role != Role.LEADER) {
            return;
        }
        if (committed.size() < previous.size()) {
            shrinks++;
        } else if (committed.size() > previous.size()) {
            expands++;
        }
        isr = List.copyOf(committed);
        pendingIsr = null;
        maybeAdvanceHighWatermark(done);
        lowWatermarkWaits.reached(lowWatermark(), done);
    }

    /**
     * The smallest log start among the in-sync replicas (this leader's included): below it no replica that may
     * lead next holds a record. A follower not heard from in this epoch counts as 0.
     */
    private long lowWatermark() {
        long low = log.logStartOffset();
        for (int id : isr) {
            FollowerState f = followers.get(id);
            if (id != localId) {
                low = Math.min(low, f == null ? 0 : Math.max(0, f.logStartOffset));
            }
        }
        return low;
    }

    /**
     * Park a DeleteRecords until every in-sync replica's log start reaches {@code offset}; completes at once when
     * it already has (always with one replica). The caller arranges the timeout.
     */
    public CompletableFuture<Errors> awaitLowWatermark(long offset) {
        CompletableFuture<Errors> result = new CompletableFuture<>();
        List<Completion> done = new ArrayList<>();
        synchronized (this) {
            if (role != Role.LEADER) {
                done.add(new Completion(result, Errors.NOT_LEADER_OR_FOLLOWER));
            } else {
                lowWatermarkWaits.add(offset, result);
                lowWatermarkWaits.reached(lowWatermark(), done);
            }
        }
        done.forEach(Completion::run);
        return result;
    }

    /** Drop a DeleteRecords wait that timed out (the caller completes it). */
    public synchronized void forgetLowWatermarkWait(long offset, CompletableFuture<Errors> result) {
        lowWatermarkWaits.forget(offset, result);
    }

    /** The write was refused (deposed, or lost a race): forget it; the informer brings the truth. */
    public synchronized void isrWriteFailed() {
        pendingIsr = null;
    }

    /** The leader appended: with no follower in sync, the high watermark follows the log end. */
    public synchronized void leaderAppended(List<Completion> done) throws IOException {
        if (role == Role.LEADER) {
            maybeAdvanceHighWatermark(done);
        }
    }

    /**
     * The high watermark is the smallest log end among the in-sync replicas (counting one being added, as
     * Kafka's "maximal ISR" does, so a write in flight never lets it run ahead). It only moves forward. Produce
     * waits it passes complete.
     */
    private void maybeAdvanceHighWatermark(List<Completion> done) throws IOException {
        if (!log.highWatermarkTracksEnd()) {
            long hw = log.logEndOffset();
            Set<Integer> members = new LinkedHashSet<>(isr);
            if (pendingIsr != null) {
                members.addAll(pendingIsr);
            }
            for (int r : members) {
                if (r == localId) {
                    continue;
                }
                FollowerState f = followers.get(r);
                if (f == null || f.logEndOffset < 0) {
                    // An in-sync follower we have not heard from in this epoch: wait for it (or the lag check).
                    return;
                }
                hw = Math.min(hw, f.logEndOffset);
            }
            log.advanceHighWatermark(hw);
        }
        completeWaiters(done);
    }

    /** Effective in-sync count for acks=all before an append (the committed set, as Kafka checks it). */
    public synchronized int inSyncCount() {
        return role == Role.LEADER ? Math.max(1, isr.size()) : 0;
    }

    /**
     * Park an acks=all produce until the high watermark reaches {@code requiredOffset}; completes at once when it
     * already has. The caller arranges the timeout.
     */
    public CompletableFuture<Errors> await(long requiredOffset, int minInsync) {
        CompletableFuture<Errors> result = new CompletableFuture<>();
        List<Completion> done = new ArrayList<>();
        synchronized (this) {
            if (log.highWatermark() >= requiredOffset) {
                // Already committed, whatever this broker's role is now: an append's wait is registered after the
                // append, and leadership can move in between. Answering NOT_LEADER here made the producer retry a
                // batch whose successor it had already been told was written, so it saw them acknowledged out of
                // order (ReplicationFailoverIT).
                done.add(new Completion(result, isr.size() >= minInsync ? Errors.NONE
                        : Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND));
            } else if (role != Role.LEADER) {
                done.add(new Completion(result, Errors.NOT_LEADER_OR_FOLLOWER));
            } else {
                waiters.computeIfAbsent(requiredOffset, k -> new ArrayList<>())
                        .add(new Waiter(requiredOffset, minInsync, result));
                completeWaiters(done);
            }
        }
        done.forEach(Completion::run);
        return result;
    }

    /** Drop a wait that timed out (the caller completes it). */
    public synchronized void forget(long requiredOffset, CompletableFuture<Errors> result) {
        List<Waiter> list = waiters.get(requiredOffset);
        if (list != null) {
            list.removeIf(w -> w.result() == result);
            if (list.isEmpty()) {
                waiters.remove(requiredOffset);
            }
        }
    }

    synchronized int waiting() {
        return waiters.values().stream().mapToInt(List::size).sum();
    }

    private void completeWaiters(List<Completion> done) {
        long hw = log.highWatermark();
        Iterator<Map.Entry<Long, List<Waiter>>> it = waiters.headMap(hw, true).entrySet().iterator();
        while (it.hasNext()) {
            for (Waiter w : it.next().getValue()) {
                // Kafka's check once the watermark passes: were enough replicas in sync to call it durable?
                done.add(new Completion(w.result(), isr.size() >= w.minInsync() ? Errors.NONE
                        : Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND));
            }
            it.remove();
        }
    }

    private void failAllWaiters(Errors error, List<Completion> done) {
        lowWatermarkWaits.failAll(error, done);
        for (List<Waiter> list : waiters.values()) {
            for (Waiter w : list) {
                done.add(new Completion(w.result(), error));
            }
        }
        waiters.clear();
    }

    /** Stop leading at once (lease lost, topic deleted): waits end with NOT_LEADER_OR_FOLLOWER. */
    public synchronized void resign(List<Completion> done) {
        if (role == Role.LEADER) {
            failAllWaiters(Errors.NOT_LEADER_OR_FOLLOWER, done);
        }
    }

    /** Work a follower does on its log (append, truncate), done only while it still follows in {@code epoch}. */
    public interface LogWork {
        void run(PartitionLog log) throws IOException;
    }

    /**
     * Run {@code work} under this partition's lock if this broker still follows it in {@code epoch}; false when
     * it does not (a newer assignment arrived meanwhile), so a fetch answered in an old epoch is never applied.
     */
    public synchronized boolean whileFollowing(int epoch, LogWork work) throws IOException {
        if (role != Role.FOLLOWER || leaderEpoch != epoch) {
            return false;
        }
        work.run(log);
        return true;
    }

    /** The largest gap between this leader's log end and a follower's, for the follower-lag metric. */
    public synchronized long maxFollowerLag() {
        if (role != Role.LEADER) {
            return 0;
        }
        long end = log.logEndOffset();
        long lag = 0;
        for (FollowerState f : followers.values()) {
            lag = Math.max(lag, f.logEndOffset < 0 ? end : end - f.logEndOffset);
        }
        return lag;
    }

    public synchronized boolean underReplicated() {
        return role == Role.LEADER && isr.size() < replicas.size();
    }
}
