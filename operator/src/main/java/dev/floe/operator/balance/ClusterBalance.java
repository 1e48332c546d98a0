package dev.floe.operator.balance;

import dev.floe.crds.cluster.BalanceStatus;
import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.cluster.ClusterStatus;
import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import dev.floe.operator.cluster.BrokerZones;
import dev.floe.operator.events.EventRecorder;
import dev.floe.operator.reassign.Reassignment;
import dev.floe.operator.reassign.ReassignmentPass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * Balancing after the broker count changed ({@code kubectl scale}, an edit, the autoscaler): once every broker of
 * {@code spec.replicas} is live and no drain or reassignment is under way, {@link BalancePlanner} decides the targets
 * and they are recorded as reassignments in {@code Topic.status} (the state a Kafka AlterPartitionReassignments
 * produces), at most {@code max-partitions-moving} at a time; the controller's reassignment pass carries them out.
 * When the last batch is done and the planner finds nothing more, the round ends ({@code Balanced}).
 *
 * <p>No state in memory: the round is {@code Cluster.status.balance} (the broker count it is for, its state) and the
 * Topics; each look re-plans from what the Topics say now, so an operator restart resumes, and a batch that a failover
 * or a user's move changed is planned around. A round runs only when the broker count changed since the last one:
 * a user's own reassignment afterwards is not undone.
 *
 * <p>Load: with the brokers' measured per-partition traffic ({@link PartitionLoadSampler}), each plan also evens the
 * brokers' load within {@code floe.operator.balance.load-tolerance-percent} of the mean ({@link LoadPlanner}), cheapest
 * moves first, never breaking the count tolerance; without it (first read, a broker unreadable, turned off) the plan
 * is the count plan alone. The round's status and Events give the busiest and idlest broker's load before and after.
 */
@ApplicationScoped
public class ClusterBalance {
    private static final Logger LOG = Logger.getLogger(ClusterBalance.class);
    /** {@code "false"} on a Cluster turns balancing off for it. */
    public static final String ANNOTATION = "floe.dev/balance";
    public static final String WAITING = "Waiting";
    public static final String BALANCING = "Balancing";
    public static final String BALANCED = "Balanced";
    private static final int WRITE_ATTEMPTS = 10;

    private final KubernetesClient client;
    private final EventRecorder events;
    private final BrokerZones zones;
    private final MeterRegistry meters;
    private final ReassignmentPass reassignments;
    private final int tolerance;
    private final int maxMoving;
    private final PartitionLoadSampler loads;
    private final LoadTolerance loadTolerance;
    private final Map<String, AtomicInteger> left = new ConcurrentHashMap<>();

    /** Counts only (no load data): as before load-aware balancing, for tests. */
    public ClusterBalance(KubernetesClient client, EventRecorder events, BrokerZones zones, MeterRegistry meters,
                          int tolerance, int maxMoving) {
        this(client, events, zones, meters, tolerance, maxMoving, null, LoadTolerance.DEFAULT);
    }

    @Inject
    public ClusterBalance(KubernetesClient client, EventRecorder events, BrokerZones zones, MeterRegistry meters,
                          @ConfigProperty(name = "floe.operator.balance.tolerance", defaultValue = "1") int tolerance,
                          @ConfigProperty(name = "floe.operator.balance.max-partitions-moving", defaultValue = "8")
                          int maxMoving,
                          PartitionLoadSampler loads,
                          @ConfigProperty(name = "floe.operator.balance.load-aware", defaultValue = "true")
                          boolean loadAware,
                          @ConfigProperty(name = "floe.operator.balance.load-tolerance-percent", defaultValue = "20")
                          double loadTolerancePercent,
                          @ConfigProperty(name = "floe.operator.balance.load-floor-bytes-per-second",
                                  defaultValue = "1048576") double loadFloor) {
        this(client, events, zones, meters, tolerance, maxMoving, loadAware ? loads : null,
                new LoadTolerance(loadTolerancePercent, loadFloor));
    }

    ClusterBalance(KubernetesClient client, EventRecorder events, BrokerZones zones, MeterRegistry meters,
                   int tolerance, int maxMoving, PartitionLoadSampler loads, LoadTolerance loadTolerance) {
        this.loads = loads;
        this.loadTolerance = loadTolerance;
        this.client = client;
        this.events = events;
        this.zones = zones;
        this.meters = meters;
        this.reassignments = new ReassignmentPass(client, events);
        this.tolerance = tolerance;
        this.maxMoving = Math.max(1, maxMoving);
    }

    /**
     * One look; updates {@code cluster}'s status in place (the caller writes it).
     *
     * @param running brokers the StatefulSet runs now (above spec.replicas while a drain holds the shrink)
     * @param live    live broker ids
     */
    public void look(Cluster cluster, int running, Map<Integer, String> live) {
        ClusterStatus status = cluster.getStatus();
        int wanted = cluster.getSpec().getReplicas();
        BalanceStatus before = status.getBalance();
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        Map<String, String> annotations = cluster.getMetadata().getAnnotations();
        if (annotations != null && "false".equalsIgnoreCase(annotations.get(ANNOTATION))) {
            return;
        }
        // Read in the background whatever the round: a round that starts then has rates ready.
        PartitionLoad load = loads == null ? null : loads.latest(namespace, name, wanted);
        boolean roundDue = before == null || before.getBrokers() != wanted || !BALANCED.equals(before.getState());
        if (!roundDue) {
            return;
        }
        boolean sameRound = before != null && before.getBrokers() == wanted && BALANCING.equals(before.getState());
        int movedSoFar = sameRound ? before.getPartitionsMoved() : 0;
        if (running != wanted || status.getDrain() != null
                || !IntStream.range(0, wanted).allMatch(live::containsKey)) {
            // Brokers still starting, or a scale-down still draining: the plan would only be made again later.
            if (sameRound) {
                LOG.infof("Cluster %s/%s: the balancing round for %d brokers is held: the StatefulSet runs %d, "
                        + "drain %s, live brokers %s", namespace, name, wanted, running, status.getDrain() != null,
                        live.keySet());
            }
            status.setBalance(withLoad(new BalanceStatus(wanted, sameRound ? BALANCING : WAITING,
                    sameRound ? before.getPartitionsLeft() : 0, movedSoFar), before, sameRound, null));
            return;
        }
        List<Topic> topics = topics(namespace, name);
        int moving = (int) topics.stream().flatMap(t -> partitions(t).stream())
                .filter(PartitionStatus::isReassigning).count();
        if (moving > 0 && !sameRound) {
            // Someone else's reassignment (a user's, the drain's): one round at a time, after it.
            status.setBalance(new BalanceStatus(wanted, WAITING, 0, 0));
            return;
        }
        IntPredicate isLive = live::containsKey;
        BalancePlanner planner = new BalancePlanner(new TreeSet<>(live.keySet().stream()
                .filter(b -> b < wanted).toList()), zones.of(namespace, name), tolerance);
        SortedMap<String, List<List<Integer>>> assignment = assignment(topics);
        int partitionCount = assignment.values().stream().mapToInt(List::size).sum();
        if (load != null && movedSoFar > 2 * partitionCount) {
            // A safety valve: rates that change between batches could keep a round moving load back and forth.
            // Past twice the partition count in one round, the round finishes on counts alone.
            LOG.infof("Cluster %s/%s: the balancing round has moved %d partitions (of %d); it ends on counts alone",
                    namespace, name, movedSoFar, partitionCount);
            load = null;
        }
        BalancePlanner.Plan plan = planner.plan(assignment, load, loadTolerance);
        LoadOutcome loadOutcome = plan.load();
        int leftNow = moving + plan.partitions();
        gauge(namespace, name).set(leftNow);
        if (moving > 0) {
            // This round's batch is still moving: the next one is recorded once it is done.
            if (before.getPartitionsLeft() != leftNow) {
                LOG.infof("Cluster %s/%s: balancing round for %d brokers: %d partitions moving, %d more planned",
                        namespace, name, wanted, moving, plan.partitions());
            }
            status.setBalance(withLoad(new BalanceStatus(wanted, BALANCING, leftNow, movedSoFar), before, true,
                    loadOutcome));
            return;
        }
        if (plan.isEmpty()) {
            BalanceStatus done = withLoad(new BalanceStatus(wanted, BALANCED, 0, movedSoFar), before, sameRound,
                    loadOutcome);
            status.setBalance(done);
            events.normal(cluster, "Balanced", (movedSoFar == 0
                    ? wanted + " brokers already carry an even share of every topic's replicas and preferred "
                    + "leaders (within " + tolerance + "); nothing moved"
                    : "every topic's replicas and preferred leaders are even over the " + wanted + " brokers (within "
                    + tolerance + "); " + movedSoFar + " partitions moved or reordered") + loadSummary(done));
            return;
        }
        int recorded = record(namespace, name, plan, isLive);
        meters.counter("floe.operator.balance.partitions.moved", "namespace", namespace, "cluster", name)
                .increment(recorded);
        status.setBalance(withLoad(new BalanceStatus(wanted, BALANCING, leftNow, movedSoFar + recorded), before,
                sameRound, loadOutcome));
        if (!sameRound) {
            events.normal(cluster, "BalanceStarted", wanted + " brokers: moving " + plan.replicaMoves()
                    + " replicas and " + plan.leadershipMoves() + " preferred leaderships in " + plan.partitions()
                    + " partitions so every broker carries an even share (within " + tolerance + "), at most "
                    + maxMoving + " partitions at a time; " + recorded + " recorded now"
                    + (plan.withinTolerance() ? "" : "; the zone spread does not allow a full balance")
                    + (loadOutcome == null ? "; no load data, counts only"
                    : "; " + loadOutcome.describe() + ", tolerance " + loadTolerance
                    + (loadOutcome.within() ? "" : " (not reachable within the count tolerance and zones)")));
        } else if (recorded > 0) {
            events.normal(cluster, "BalanceProgress", recorded + " more partition moves recorded; " + leftNow
                    + " partitions left");
        } else {
            LOG.warnf("Cluster %s/%s: balancing planned %d partitions but none could be recorded (each was being "
                    + "moved or already had its target): %s", namespace, name, plan.partitions(), plan.targets());
        }
    }

    /**
     * The round's load figures on {@code next}: those of the round so far, the "before" ones from the first plan of
     * the round that had load data, the "after" ones from the latest plan ({@code load}, null when it had none).
     */
    static BalanceStatus withLoad(BalanceStatus next, BalanceStatus before, boolean sameRound, LoadOutcome load) {
        if (sameRound && before != null) {
            next.setLoadDriven(before.getLoadDriven());
            next.setMaxBrokerLoadBefore(before.getMaxBrokerLoadBefore());
            next.setMinBrokerLoadBefore(before.getMinBrokerLoadBefore());
            next.setMaxBrokerLoadAfter(before.getMaxBrokerLoadAfter());
            next.setMinBrokerLoadAfter(before.getMinBrokerLoadAfter());
            next.setLoadWithinTolerance(before.getLoadWithinTolerance());
        }
        if (load != null) {
            if (next.getMaxBrokerLoadBefore() == null) {
                next.setMaxBrokerLoadBefore(Math.round(load.maxBefore()));
                next.setMinBrokerLoadBefore(Math.round(load.minBefore()));
            }
            next.setMaxBrokerLoadAfter(Math.round(load.maxAfter()));
            next.setMinBrokerLoadAfter(Math.round(load.minAfter()));
            next.setLoadWithinTolerance(load.within());
            next.setLoadDriven(Boolean.TRUE.equals(next.getLoadDriven()) || load.drove());
        }
        return next;
    }

    private String loadSummary(BalanceStatus s) {
        if (s.getMaxBrokerLoadAfter() == null) {
            return "; no load data, counts only";
        }
        return "; broker load " + LoadOutcome.range(s.getMaxBrokerLoadAfter(), s.getMinBrokerLoadAfter())
                + (Boolean.TRUE.equals(s.getLoadDriven()) ? ", was " + LoadOutcome.range(s.getMaxBrokerLoadBefore(),
                s.getMinBrokerLoadBefore()) + " (load drove moves)" : "")
                + (Boolean.TRUE.equals(s.getLoadWithinTolerance()) ? ", within " : ", outside ") + loadTolerance;
    }

    /** Record the first {@code maxMoving} targets of the plan in the Topics' status. @return partitions recorded */
    private int record(String namespace, String cluster, BalancePlanner.Plan plan, IntPredicate live) {
        int budget = maxMoving;
        for (Map.Entry<String, SortedMap<Integer, List<Integer>>> e : plan.targets().entrySet()) {
            if (budget == 0) {
                break;
            }
            Map<Integer, List<Integer>> batch = new TreeMap<>();
            for (Map.Entry<Integer, List<Integer>> target : e.getValue().entrySet()) {
                if (batch.size() == budget) {
                    break;
                }
                batch.put(target.getKey(), target.getValue());
            }
            budget -= write(namespace, cluster, e.getKey(), batch, live);
        }
        return maxMoving - budget;
    }

    /**
     * Start the batch's reassignments on one Topic (found by its Kafka name), written with the resourceVersion guard:
     * a 409 (the leader's ISR update, the controller's pass) re-reads the Topic and starts them on what is there.
     */
    private int write(String namespace, String cluster, String topicName, Map<Integer, List<Integer>> batch,
                      IntPredicate live) {
        for (int attempt = 1; ; attempt++) {
            Topic topic = topics(namespace, cluster).stream().filter(t -> t.topicName().equals(topicName))
                    .findFirst().orElse(null);
            if (topic == null) {
                return 0;
            }
            List<Reassignment.Step> steps = new ArrayList<>();
            List<PartitionStatus> partitions = partitions(topic);
            batch.forEach((p, target) -> {
                if (p < partitions.size() && !partitions.get(p).isReassigning()) {
                    Reassignment.Step step = Reassignment.start(partitions.get(p), target, live);
                    if (step != null) {
                        steps.add(step);
                    }
                }
            });
            if (steps.isEmpty()) {
                return 0;
            }
            try {
                client.resource(topic).updateStatus();
                reassignments.report(topic, new ReassignmentPass.Outcome(steps, null, List.of()));
                return steps.size();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= WRITE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Every placed topic's target replica lists, by Kafka topic name. */
    static SortedMap<String, List<List<Integer>>> assignment(List<Topic> topics) {
        SortedMap<String, List<List<Integer>>> assignment = new TreeMap<>();
        for (Topic t : topics) {
            List<PartitionStatus> partitions = partitions(t);
            if (!partitions.isEmpty()) {
                assignment.put(t.topicName(), partitions.stream().map(PartitionStatus::targetReplicas).toList());
            }
        }
        return assignment;
    }

    private List<Topic> topics(String namespace, String cluster) {
        return client.resources(Topic.class).inNamespace(namespace).withLabel(Labels.CLUSTER, cluster).list()
                .getItems().stream().filter(t -> t.getMetadata().getDeletionTimestamp() == null).toList();
    }

    private static List<PartitionStatus> partitions(Topic t) {
        return t.getStatus() == null || t.getStatus().getPartitions() == null ? List.of() : t.getStatus().getPartitions();
    }

    private AtomicInteger gauge(String namespace, String cluster) {
        return left.computeIfAbsent(namespace + "/" + cluster, k -> {
            AtomicInteger holder = new AtomicInteger();
            Gauge.builder("floe.operator.balance.partitions.left", holder, AtomicInteger::get)
                    .description("Partitions the current balancing round still has to move")
                    .tags("namespace", namespace, "cluster", cluster).register(meters);
            return holder;
        });
    }
}
