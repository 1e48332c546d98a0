package dev.floe.operator.election;

import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.cluster.LeadershipSpec;
import dev.floe.crds.common.Labels;
import dev.floe.crds.common.Names;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import dev.floe.crds.topic.TopicConfigCatalog;
import dev.floe.operator.events.EventRecorder;
import dev.floe.operator.reassign.ReassignmentPass;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One look at one cluster: read its Leases and Topics fresh from the API server, elect leaders where a leader's
 * lease is gone, bring preferred leaders back, answer preferred-election requests, and write each changed Topic
 * status with its resourceVersion (a 409 re-reads the Topic and decides again, so a leader's concurrent ISR update
 * is never overwritten). Runs on the controller's single thread only.
 */
public final class LeadershipPass {
    private static final Logger LOG = Logger.getLogger(LeadershipPass.class);
    static final int MAX_ATTEMPTS = 10;

    private final KubernetesClient client;
    private final EventRecorder events;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Timer failoverTime;
    private final ReassignmentPass reassignments;
    /** Since when each partition's preferred replica could lead again, for the rebalance delay. */
    private final Map<String, Instant> preferredSince = new HashMap<>();
    private final Map<String, AtomicInteger> offline = new HashMap<>();
    /** Runs just before each status write; tests use it to play a concurrent writer. */
    private Consumer<Topic> beforeWrite = topic -> {
    };

    public LeadershipPass(KubernetesClient client, EventRecorder events, MeterRegistry meters, Clock clock) {
        this.client = client;
        this.events = events;
        this.meters = meters;
        this.clock = clock;
        this.reassignments = new ReassignmentPass(client, events);
        this.failoverTime = Timer.builder("floe.operator.failover.time")
                .description("From a broker's lease expiry to the new leaders written in Topic status")
                .publishPercentiles(0.5, 0.99).register(meters);
    }

    void beforeWrite(Consumer<Topic> hook) {
        this.beforeWrite = hook;
    }

    /** @return when this cluster should be looked at again without an event, if ever */
    public Optional<Instant> run(String namespace, String clusterName) {
        Cluster cluster = client.resources(Cluster.class).inNamespace(namespace).withName(clusterName).get();
        List<Topic> topics = client.resources(Topic.class).inNamespace(namespace)
                .withLabel(Labels.CLUSTER, clusterName).list().getItems();
        if (cluster == null) {
            // Nothing left to hold the brokers' finalizers for: no broker of this cluster will ever run again.
            topics.stream().filter(t -> t.getMetadata().getDeletionTimestamp() != null)
                    .forEach(t -> releaseFinalizers(t, 0));
            return Optional.empty();
        }
        LeadershipSpec settings = cluster.getSpec().getLeadership() == null ? new LeadershipSpec()
                : cluster.getSpec().getLeadership();
        Duration grace = Duration.ofMillis(settings.getFailoverGraceMillis());
        List<Lease> leases = client.leases().inNamespace(namespace).withLabel(Labels.CLUSTER, clusterName).list()
                .getItems();
        BrokerLiveness liveness = BrokerLiveness.of(leases, clock.instant(), grace);

        Instant next = liveness.nextChange(grace).orElse(null);
        int offlineNow = 0;
        for (Topic topic : topics) {
            if (topic.getMetadata().getDeletionTimestamp() != null) {
                releaseFinalizers(topic, cluster.getSpec().getReplicas());
                continue;
            }
            if (topic.getStatus() == null || topic.getStatus().getPartitions() == null
                    || topic.getStatus().getPartitions().isEmpty()) {
                continue;
            }
            TopicOutcome outcome = elect(topic, liveness, settings, cluster.getSpec().getReplicas());
            if (outcome.nextDue != null && (next == null || outcome.nextDue.isBefore(next))) {
                next = outcome.nextDue;
            }
            offlineNow += outcome.offline;
        }
        offline.computeIfAbsent(namespace + "/" + clusterName, k -> {
            AtomicInteger holder = new AtomicInteger();
            Gauge.builder("floe.operator.partitions.offline", holder, AtomicInteger::get)
                    .description("Partitions without a leader").tags("namespace", namespace, "cluster", clusterName)
                    .register(meters);
            return holder;
        }).set(offlineNow);
        return Optional.ofNullable(next);
    }

    private record TopicOutcome(Instant nextDue, int offline) {
    }

    private TopicOutcome elect(Topic listed, BrokerLiveness liveness, LeadershipSpec settings, int brokers) {
        Topic topic = listed;
        for (int attempt = 1; ; attempt++) {
            Plan plan = plan(topic, liveness, settings, brokers);
            if (!plan.changed) {
                return new TopicOutcome(plan.nextDue, plan.offline);
            }
            try {
                beforeWrite.accept(topic);
                client.resource(topic).updateStatus();
                report(topic, plan.decisions, liveness, plan.answered);
                reassignments.report(topic, plan.reassigned);
                return new TopicOutcome(plan.nextDue, plan.offline);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
                // Someone wrote in between (the leader's ISR update, the placement reconciler): decide again on
                // what is there now.
                meters.counter("floe.operator.status.conflicts").increment();
                topic = client.resources(Topic.class).inNamespace(topic.getMetadata().getNamespace())
                        .withName(topic.getMetadata().getName()).get();
                if (topic == null || topic.getMetadata().getDeletionTimestamp() != null || topic.getStatus() == null) {
                    return new TopicOutcome(null, 0);
                }
            }
        }
    }

    private static final class Plan {
        final List<Election.Decision> decisions = new ArrayList<>();
        boolean changed;
        String answered;
        ReassignmentPass.Outcome reassigned;
        Instant nextDue;
        int offline;
    }

    /** Decides and applies to {@code topic}'s status in place; nothing is written here. */
    private Plan plan(Topic topic, BrokerLiveness liveness, LeadershipSpec settings, int brokers) {
        Plan plan = new Plan();
        // Replica set changes first: the elections below then work on the replicas as they now are.
        plan.reassigned = reassignments.plan(topic, brokers, liveness::isLive);
        plan.changed = plan.reassigned.changed();
        Map<String, String> config = topic.getStatus().getConfig() == null ? Map.of() : topic.getStatus().getConfig();
        boolean unclean = "true".equalsIgnoreCase(config.get(TopicConfigCatalog.UNCLEAN_LEADER_ELECTION_ENABLE));
        Optional<PreferredElectionRequest> request = PreferredElectionRequest.pending(topic);
        Instant now = liveness.now();
        Duration delay = Duration.ofSeconds(settings.getRebalanceDelaySeconds());
        for (PartitionStatus p : topic.getStatus().getPartitions()) {
            String key = topic.getMetadata().getUid() + "/" + p.getPartition();
            Election.Decision d = Election.onLeaderLoss(p, liveness::isLive, liveness::isDead, unclean);
            if (d == null && request.isPresent() && request.get().covers(p.getPartition())) {
                d = Election.preferred(p, liveness::isLive);
            }
            if (d == null && settings.isAutoRebalance() && Election.preferredEligible(p, liveness::isLive)) {
                Instant since = preferredSince.computeIfAbsent(key, k -> now);
                Instant due = since.plus(delay);
                if (!due.isAfter(now)) {
                    d = Election.preferred(p, liveness::isLive);
                } else if (plan.nextDue == null || due.isBefore(plan.nextDue)) {
                    plan.nextDue = due;
                }
            } else if (d == null) {
                preferredSince.remove(key);
            }
            if (d != null) {
                Election.apply(p, d);
                plan.decisions.add(d);
                plan.changed = true;
                preferredSince.remove(key);
            }
            if (p.getLeader() < 0) {
                plan.offline++;
            }
        }
        if (request.isPresent()) {
            topic.getStatus().setPreferredElection(request.get().value());
            plan.answered = request.get().value();
            plan.changed = true;
        }
        return plan;
    }

    private void report(Topic topic, List<Election.Decision> decisions, BrokerLiveness liveness, String answered) {
        Instant written = clock.instant();
        Map<Election.Kind, List<Election.Decision>> byKind = decisions.stream()
                .collect(Collectors.groupingBy(Election.Decision::kind));
        for (Map.Entry<Election.Kind, List<Election.Decision>> e : byKind.entrySet()) {
            meters.counter("floe.operator.leader.elections", "kind", e.getKey().name().toLowerCase())
                    .increment(e.getValue().size());
            for (Election.Decision d : e.getValue()) {
                if (d.kind() == Election.Kind.FAILOVER || d.kind() == Election.Kind.UNCLEAN
                        || d.kind() == Election.Kind.OFFLINE) {
                    liveness.deadSince(d.oldLeader()).ifPresent(since ->
                            failoverTime.record(Duration.between(since, written).abs()));
                }
            }
            String what = e.getValue().stream().map(LeadershipPass::describe).collect(Collectors.joining("; "));
            switch (e.getKey()) {
                case FAILOVER -> events.normal(topic, "LeaderElected", "lease of broker(s) "
                        + brokers(e.getValue()) + " expired or was released; new leaders from the in-sync replicas: "
                        + what);
                case RECOVERED -> events.normal(topic, "LeaderElected", "offline partitions have a leader again "
                        + "from their last in-sync replicas: " + what);
                case OFFLINE -> events.warning(topic, "PartitionOffline", "lease of broker(s) "
                        + brokers(e.getValue()) + " expired or was released and no other in-sync replica is live; "
                        + "partitions have "
                        + "no leader until one returns (unclean.leader.election.enable is false): " + what);
                case UNCLEAN -> events.warning(topic, "UncleanLeaderElection", "no in-sync replica is live; "
                        + "unclean.leader.election.enable=true let an out-of-sync replica lead, so acknowledged "
                        + "records may be lost: " + what);
                case PREFERRED -> events.normal(topic, "PreferredLeaderElected", "leadership back on the "
                        + "preferred replicas" + (answered != null ? " (election request " + answered + ")" : "")
                        + ": " + what);
            }
        }
        if (answered != null && decisions.stream().noneMatch(d -> d.kind() == Election.Kind.PREFERRED)) {
            events.normal(topic, "PreferredElectionAnswered", "election request " + answered
                    + ": every requested partition is already led by its preferred replica or it cannot lead");
        }
    }

    private static String describe(Election.Decision d) {
        return "partition " + d.partition() + " leader " + d.oldLeader() + "→" + d.newLeader() + " epoch " + d.epoch()
                + " isr " + d.isr();
    }

    private static String brokers(List<Election.Decision> decisions) {
        return decisions.stream().map(d -> String.valueOf(d.oldLeader())).distinct().sorted()
                .collect(Collectors.joining(","));
    }

    /**
     * A Topic being deleted keeps one finalizer per broker until that broker has deleted its data. Brokers that no
     * longer exist (ids at or above the cluster size, or every id once the Cluster is gone) never will: their
     * finalizers go here. Brokers in {@code [0, brokers)} that are merely down keep theirs until they return.
     */
    private void releaseFinalizers(Topic topic, int brokers) {
        List<String> finalizers = topic.getMetadata().getFinalizers();
        if (finalizers == null) {
            return;
        }
        List<String> kept = finalizers.stream().filter(f -> {
            int broker = Names.brokerOfDataFinalizer(f);
            return broker < 0 || broker < brokers;
        }).toList();
        if (kept.size() == finalizers.size()) {
            return;
        }
        topic.getMetadata().setFinalizers(new ArrayList<>(kept));
        try {
            client.resource(topic).update();
            LOG.infof("Topic %s/%s: released the data finalizers of brokers that no longer exist",
                    topic.getMetadata().getNamespace(), topic.getMetadata().getName());
        } catch (KubernetesClientException e) {
            // A 409 means the Topic changed; its update event brings us back here with the fresh version.
            LOG.debugf("could not release finalizers of Topic %s: %s", topic.getMetadata().getName(), e.getMessage());
        }
    }
}
