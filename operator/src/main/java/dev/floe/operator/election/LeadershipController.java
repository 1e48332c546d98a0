package dev.floe.operator.election;

import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.Topic;
import dev.floe.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The controller half of failover. Event-driven: a Lease that appears, changes holder, is released or comes back
 * from expiry, and any Topic change (a leader's ISR update, a new placement, an election request), schedules a
 * {@link LeadershipPass} over that cluster; each pass schedules the next one at the earliest instant something can
 * change without an event (a live lease's expiry plus the grace, a preferred leader's rebalance delay). There is no
 * fixed polling loop. One thread does every pass, so decisions for a cluster never race each other; writes race only
 * with the brokers and the placement reconciler, and resourceVersion settles those.
 */
@ApplicationScoped
public class LeadershipController {
    private static final Logger LOG = Logger.getLogger(LeadershipController.class);
    /** Events arriving together (a burst of ISR updates) coalesce into one pass. */
    static final Duration DEBOUNCE = Duration.ofMillis(100);
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(2);

    private final KubernetesClient client;
    private final LeadershipPass pass;
    private final List<String> namespaces;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "floe-leadership");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Scheduled> scheduled = new ConcurrentHashMap<>();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

    private record Scheduled(Instant at, ScheduledFuture<?> future) {
    }

    public LeadershipController(KubernetesClient client, EventRecorder events, MeterRegistry meters,
                                @ConfigProperty(name = "quarkus.operator-sdk.controllers.topic.namespaces",
                                        defaultValue = "JOSDK_ALL_NAMESPACES") List<String> namespaces) {
        this.client = client;
        this.pass = new LeadershipPass(client, events, meters, Clock.systemUTC());
        this.namespaces = namespaces;
    }

    void start(@Observes StartupEvent started) {
        boolean all = namespaces.isEmpty() || namespaces.contains("JOSDK_ALL_NAMESPACES");
        if (all) {
            informers.add(client.leases().inAnyNamespace().withLabel(Labels.CLUSTER).inform(leaseHandler()));
            informers.add(client.resources(Topic.class).inAnyNamespace().withLabel(Labels.CLUSTER)
                    .inform(topicHandler()));
        } else {
            for (String ns : namespaces) {
                informers.add(client.leases().inNamespace(ns.trim()).withLabel(Labels.CLUSTER).inform(leaseHandler()));
                informers.add(client.resources(Topic.class).inNamespace(ns.trim()).withLabel(Labels.CLUSTER)
                        .inform(topicHandler()));
            }
        }
        LOG.infof("leader election watching Leases and Topics in %s", all ? "every namespace" : namespaces);
    }

    void stop(@Observes ShutdownEvent stopping) {
        informers.forEach(SharedIndexInformer::stop);
        thread.shutdownNow();
    }

    private ResourceEventHandler<Lease> leaseHandler() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Lease lease) {
                soon(lease);
            }

            @Override
            public void onUpdate(Lease before, Lease after) {
                // A plain renewal of a live lease changes nothing: its expiry is already scheduled, and the pass
                // at that instant reads the renewed lease. Holder changes and returns from expiry matter now.
                var b = before.getSpec();
                var a = after.getSpec();
                boolean holderChanged = b == null || a == null
                        || !Objects.equals(b.getHolderIdentity(), a.getHolderIdentity());
                boolean wasExpired = b == null || b.getRenewTime() == null || b.getLeaseDurationSeconds() == null
                        || !b.getRenewTime().toInstant().plusSeconds(b.getLeaseDurationSeconds()).isAfter(Instant.now());
                if (holderChanged || wasExpired) {
                    soon(after);
                }
            }

            @Override
            public void onDelete(Lease lease, boolean finalStateUnknown) {
                soon(lease);
            }
        };
    }

    private ResourceEventHandler<Topic> topicHandler() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Topic topic) {
                soon(topic);
            }

            @Override
            public void onUpdate(Topic before, Topic after) {
                soon(after);
            }

            @Override
            public void onDelete(Topic topic, boolean finalStateUnknown) {
            }
        };
    }

    private void soon(HasMetadata about) {
        String cluster = about.getMetadata().getLabels() == null ? null
                : about.getMetadata().getLabels().get(Labels.CLUSTER);
        if (cluster != null && !cluster.isEmpty()) {
            schedule(about.getMetadata().getNamespace(), cluster, Instant.now().plus(DEBOUNCE));
        }
    }

    /** Run a pass over the cluster at {@code at}, unless one is already due no later. */
    void schedule(String namespace, String cluster, Instant at) {
        String key = namespace + "/" + cluster;
        scheduled.compute(key, (k, current) -> {
            // One that is still waiting and due no later covers this request. One whose time has come may already
            // be running on data read before this event, so it does not.
            if (current != null && !current.future().isDone() && current.at().isAfter(Instant.now())
                    && !current.at().isAfter(at)) {
                return current;
            }
            if (current != null) {
                current.future().cancel(false);
            }
            long delayMs = Math.max(0, Duration.between(Instant.now(), at).toMillis());
            return new Scheduled(at, thread.schedule(() -> run(namespace, cluster), delayMs, TimeUnit.MILLISECONDS));
        });
    }

    private void run(String namespace, String cluster) {
        try {
            pass.run(namespace, cluster).ifPresent(next -> schedule(namespace, cluster, next));
        } catch (RuntimeException e) {
            LOG.warnf("leader election pass over cluster %s/%s failed (%s); trying again in %d s", namespace, cluster,
                    e.getMessage(), RETRY_AFTER_FAILURE.toSeconds());
            schedule(namespace, cluster, Instant.now().plus(RETRY_AFTER_FAILURE));
        }
    }
}
