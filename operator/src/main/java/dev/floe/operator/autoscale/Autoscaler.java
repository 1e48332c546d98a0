package dev.floe.operator.autoscale;

import dev.floe.crds.cluster.AutoscalingStatus;
import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.cluster.ClusterStatus;
import dev.floe.operator.cluster.LiveBrokers;
import dev.floe.operator.events.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The autoscaler's loop. One thread of its own looks at each Cluster with autoscaling on, every scrape interval:
 * reads every broker's metrics ({@link BrokerScraper}, on its own bounded pool), turns them into rates
 * ({@link LoadRates}), decides ({@link ScalingDecision}) and, for a change, writes {@code spec.replicas} as the
 * HorizontalPodAutoscaler writes a scale subresource, so drain and balancing follow as for a manual scale. Every
 * look ends in {@code status.autoscaling}; every change also in an Event and the metrics.
 *
 * <p>Clusters are made known by the Cluster reconciler ({@link #watch}); the loop reads each one fresh from the API
 * server, so a spec change (or autoscaling switched off) is seen on the next look.
 */
@ApplicationScoped
public class Autoscaler {
    private static final Logger LOG = Logger.getLogger(Autoscaler.class);
    /** How often the loop checks whether a Cluster's next look is due; the finest scrape interval is 1 s. */
    private static final long TICK_MS = 250;
    private static final Duration MAX_SCRAPE_TIMEOUT = Duration.ofSeconds(5);

    private final KubernetesClient client;
    private final EventRecorder events;
    private final LiveBrokers liveBrokers;
    private final AutoscalerMetrics metrics;
    private final Clock clock;
    private final ClusterScaleWriter writer;
    private final Map<String, ScalingState> clusters = new ConcurrentHashMap<>();
    private BrokerScraper scraper;
    private ScheduledExecutorService loop;

    @Inject
    public Autoscaler(KubernetesClient client, EventRecorder events, LiveBrokers liveBrokers, MeterRegistry meters) {
        this(client, events, liveBrokers, meters, Clock.systemUTC(), null);
    }

    /** For tests: a clock of their own, and looks run by {@link #lookNow} instead of the loop. */
    Autoscaler(KubernetesClient client, EventRecorder events, LiveBrokers liveBrokers, MeterRegistry meters,
               Clock clock, BrokerScraper scraper) {
        this.client = client;
        this.events = events;
        this.liveBrokers = liveBrokers;
        this.metrics = new AutoscalerMetrics(meters);
        this.writer = new ClusterScaleWriter(client);
        this.clock = clock;
        this.scraper = scraper;
    }

    void start(@Observes StartupEvent started) {
        scraper = new BrokerScraper(clock);
        loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "floe-autoscaler");
            t.setDaemon(true);
            return t;
        });
        loop.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (loop != null) {
            loop.shutdownNow();
        }
        if (scraper != null) {
            scraper.close();
        }
    }

    /**
     * Called by the Cluster reconciler on every reconciliation: a Cluster with autoscaling on (or with an autoscaling
     * status left to clear) is looked at from now on. Cheap; never blocks the reconciler.
     */
    public void watch(Cluster cluster) {
        boolean enabled = AutoscalePolicy.enabled(cluster.getSpec());
        boolean leftover = cluster.getStatus() != null && cluster.getStatus().getAutoscaling() != null;
        if (enabled || leftover) {
            clusters.computeIfAbsent(key(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName()),
                    k -> new ScalingState());
        }
    }

    /** One look at a Cluster now, whatever its schedule (tests). */
    void lookNow(String namespace, String name) {
        look(namespace, name, clusters.computeIfAbsent(key(namespace, name), k -> new ScalingState()));
    }

    private void tick() {
        Instant now = clock.instant();
        for (Map.Entry<String, ScalingState> c : clusters.entrySet()) {
            if (now.isBefore(c.getValue().nextLook)) {
                continue;
            }
            String[] ns = c.getKey().split("/", 2);
            try {
                look(ns[0], ns[1], c.getValue());
            } catch (RuntimeException e) {
                // The next look tries again; the autoscaler never takes the operator down.
                LOG.warnf(e, "autoscaler: look at Cluster %s failed", c.getKey());
                c.getValue().nextLook = clock.instant().plusSeconds(5);
            }
        }
    }

    private void look(String namespace, String name, ScalingState state) {
        Cluster cluster = client.resources(Cluster.class).inNamespace(namespace).withName(name).get();
        if (cluster == null || !AutoscalePolicy.enabled(cluster.getSpec())) {
            clusters.remove(key(namespace, name));
            metrics.forget(namespace, name);
            if (cluster != null && cluster.getStatus() != null && cluster.getStatus().getAutoscaling() != null) {
                writer.status(namespace, name, null);
            }
            return;
        }
        Optional<String> problem = AutoscalePolicy.problem(cluster.getSpec());
        if (problem.isPresent()) {
            state.nextLook = clock.instant().plusSeconds(5);
            if (!problem.get().equals(state.lastProblem)) {
                state.lastProblem = problem.get();
                events.warning(cluster, "AutoscalingNotConfigured", problem.get() + "; the autoscaler does nothing");
            }
            writeStatus(namespace, name, state, cluster, "not acting: " + problem.get(), null, null);
            return;
        }
        state.lastProblem = null;
        AutoscalePolicy policy = AutoscalePolicy.of(cluster.getSpec());
        Instant now = clock.instant();
        state.nextLook = now.plus(policy.scrapeInterval());
        if (state.status == null && cluster.getStatus() != null) {
            state.status = cluster.getStatus().getAutoscaling();
            state.lastChange = lastDecisionTime(state.status);
        }

        int replicas = cluster.getSpec().getReplicas();
        if (state.replicas != replicas) {
            if (state.replicas >= 0) {
                state.lastChange = now; // changed by someone else (kubectl scale): the cooldown applies as well
            }
            state.restart(replicas);
        }
        ClusterStatus status = cluster.getStatus();
        if (status == null || status.getDrain() != null || status.getReplicas() != replicas) {
            state.restart(replicas);
            writeStatus(namespace, name, state, cluster, "waiting: the StatefulSet runs "
                    + (status == null ? "no" : status.getReplicas()) + " brokers"
                    + (status != null && status.getDrain() != null ? " and drains " + status.getDrain().getBrokers() : "")
                    + ", spec.replicas is " + replicas, null, null);
            return;
        }

        Map<Integer, BrokerScraper.Result> results = readBrokers(namespace, name, replicas, policy);
        LoadSample sample = state.rates.next(clock.instant(), results);
        state.add(sample, policy.longestWindow().plus(policy.scrapeInterval().multipliedBy(2)));

        Decision decision = ScalingDecision.decide(state.history(), replicas, policy, clock.instant(),
                state.lastChange);
        metrics.desired(namespace, name, decision.desired());
        String message = decision.reason();
        if (decision.changes() && !writer.replicas(namespace, name, replicas, decision.desired())) {
            message = "not applied, spec.replicas changed meanwhile: " + decision.reason();
        } else if (decision.changes()) {
            Instant at = clock.instant();
            boolean out = decision.direction() == Decision.Direction.OUT;
            AutoscalingStatus s = copy(state.status);
            s.setLastDecision(out ? "ScaleOut" : "ScaleIn");
            s.setLastDecisionReason(decision.reason());
            s.setLastDecisionTime(at.toString());
            s.setLastDecisionFrom(replicas);
            s.setLastDecisionTo(decision.desired());
            state.status = s;
            state.lastChange = at;
            state.restart(decision.desired());
            metrics.decided(namespace, name, decision.direction());
            events.normal(cluster, out ? "ScaledOut" : "ScaledIn", decision.reason());
        }
        writeStatus(namespace, name, state, cluster, message, sample, decision);
    }

    /** Every broker 0..replicas-1: its reading, or why there is none (no live Lease, no address, a failed read). */
    private Map<Integer, BrokerScraper.Result> readBrokers(String namespace, String name, int replicas,
                                                           AutoscalePolicy policy) {
        Map<Integer, String> live = liveBrokers.httpAddresses(namespace, name);
        Map<Integer, String> addresses = new LinkedHashMap<>();
        Map<Integer, BrokerScraper.Result> results = new TreeMap<>();
        for (int broker = 0; broker < replicas; broker++) {
            String address = live.get(broker);
            if (address == null) {
                results.put(broker, BrokerScraper.Result.failed("no live Lease"));
            } else if (address.isEmpty()) {
                results.put(broker, BrokerScraper.Result.failed("its Lease has no HTTP address"));
            } else {
                addresses.put(broker, address);
            }
        }
        Duration timeout = policy.scrapeInterval().compareTo(MAX_SCRAPE_TIMEOUT) < 0
                ? policy.scrapeInterval() : MAX_SCRAPE_TIMEOUT;
        results.putAll(scraper.scrape(addresses, timeout));
        results.values().stream().filter(r -> r.reading() == null).forEach(r -> metrics.scrapeFailed(namespace, name));
        return results;
    }

    private void writeStatus(String namespace, String name, ScalingState state, Cluster cluster, String message,
                             LoadSample sample, Decision decision) {
        AutoscalingStatus s = copy(state.status);
        s.setMessage(message);
        s.setDesiredReplicas(decision == null ? cluster.getSpec().getReplicas() : decision.desired());
        if (sample != null) {
            s.setObservedTime(sample.time().toString());
            s.setBrokersObserved(sample.brokers().size());
            s.setUnobserved(sample.missing().isEmpty() ? null : sample.missing().toString());
            Map<Signal, Double> observed = decision.observed();
            s.setObservedProduceBytesPerSecond(round(observed.get(Signal.PRODUCE)));
            s.setObservedFetchBytesPerSecond(round(observed.get(Signal.FETCH)));
            Double cpu = observed.get(Signal.CPU);
            s.setObservedCpuUtilizationPercent(cpu == null ? null : (int) Math.round(cpu * 100));
        }
        state.status = s;
        writer.status(namespace, name, s);
    }

    private static Long round(Double value) {
        return value == null ? null : Math.round(value);
    }

    private static AutoscalingStatus copy(AutoscalingStatus from) {
        AutoscalingStatus s = new AutoscalingStatus();
        if (from != null) {
            s.setLastDecision(from.getLastDecision());
            s.setLastDecisionReason(from.getLastDecisionReason());
            s.setLastDecisionTime(from.getLastDecisionTime());
            s.setLastDecisionFrom(from.getLastDecisionFrom());
            s.setLastDecisionTo(from.getLastDecisionTo());
        }
        return s;
    }

    private static Instant lastDecisionTime(AutoscalingStatus status) {
        if (status == null || status.getLastDecisionTime() == null) {
            return null;
        }
        try {
            return Instant.parse(status.getLastDecisionTime());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
