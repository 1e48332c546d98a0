package dev.floe.broker.cluster;

import dev.floe.crds.common.Labels;
import dev.floe.crds.common.Names;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.time.ZonedDateTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * This broker's Lease: proof to the operator and the other brokers that it is alive. Renewed every third of its
 * duration, at most every {@value #MAX_RENEW_INTERVAL_MS} ms (Kafka's brokers heartbeat every 2 s): how long a dead
 * broker goes unnoticed is the lease minus the time since its last renewal, so frequent renewals keep failover
 * close to the lease's duration and a failed renewal leaves several more attempts before the lease runs out. A broker measures its own lease by its own monotonic clock from the last renewal the API server
 * accepted, so when it is cut off from the API it stops leading before anyone else can take over.
 */
public final class BrokerLease {
    private static final Logger LOG = Logger.getLogger(BrokerLease.class);
    static final long MAX_RENEW_INTERVAL_MS = 2_000;

    private final KubernetesClient client;
    private final String namespace;
    private final String cluster;
    private final int brokerId;
    private final String holder;
    private final String advertised;
    private final String advertisedHttp;
    private final int durationSeconds;
    private volatile long renewedAtNanos;
    private volatile boolean held;

    public BrokerLease(KubernetesClient client, String namespace, String cluster, int brokerId, String holder,
                       String advertised, int durationSeconds) {
        this(client, namespace, cluster, brokerId, holder, advertised, null, durationSeconds);
    }

    /** @param advertisedHttp host:port of this broker's HTTP API, or null */
    public BrokerLease(KubernetesClient client, String namespace, String cluster, int brokerId, String holder,
                       String advertised, String advertisedHttp, int durationSeconds) {
        this.advertisedHttp = advertisedHttp;
        this.client = client;
        this.namespace = namespace;
        this.cluster = cluster;
        this.brokerId = brokerId;
        this.holder = holder;
        this.advertised = advertised;
        this.durationSeconds = durationSeconds;
    }

    public String name() {
        return Names.brokerLease(cluster, brokerId);
    }

    public long renewIntervalMs() {
        return renewIntervalMs(durationSeconds);
    }

    static long renewIntervalMs(int durationSeconds) {
        return Math.min(TimeUnit.SECONDS.toMillis(durationSeconds) / 3, MAX_RENEW_INTERVAL_MS);
    }

    /** Whether this broker may act as a leader: its last accepted renewal is younger than the lease. */
    public boolean isHeld() {
        return held && System.nanoTime() - renewedAtNanos < TimeUnit.SECONDS.toNanos(durationSeconds);
    }

    /** Create or renew; true when the API server accepted it. Called from a scheduler thread, never an event loop. */
    public boolean renew() {
        long attempt = System.nanoTime();
        ZonedDateTime now = ZonedDateTime.now();
        try {
            Lease live = client.leases().inNamespace(namespace).withName(name()).get();
            if (live == null) {
                client.leases().inNamespace(namespace).resource(new LeaseBuilder()
                        .withNewMetadata().withName(name()).withNamespace(namespace)
                        .addToLabels(Labels.CLUSTER, cluster).addToLabels(Labels.BROKER_ID, String.valueOf(brokerId))
                        .addToAnnotations(Labels.ADVERTISED_KAFKA, advertised)
                        .addToAnnotations(advertisedHttp == null ? Map.of() : Map.of(Labels.ADVERTISED_HTTP, advertisedHttp))
                        .endMetadata()
                        .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(durationSeconds)
                        .withAcquireTime(now).withRenewTime(now).withLeaseTransitions(0).endSpec()
                        .build()).create();
                LOG.infof("acquired lease %s/%s as broker %d (%s)", namespace, name(), brokerId, advertised);
            } else {
                boolean takeover = !holder.equals(live.getSpec().getHolderIdentity());
                live.getMetadata().getAnnotations().put(Labels.ADVERTISED_KAFKA, advertised);
                if (advertisedHttp != null) {
                    live.getMetadata().getAnnotations().put(Labels.ADVERTISED_HTTP, advertisedHttp);
                }
                live.getSpec().setHolderIdentity(holder);
                live.getSpec().setLeaseDurationSeconds(durationSeconds);
                live.getSpec().setRenewTime(now);
                if (takeover) {
                    live.getSpec().setAcquireTime(now);
                    Integer transitions = live.getSpec().getLeaseTransitions();
                    live.getSpec().setLeaseTransitions(transitions == null ? 1 : transitions + 1);
                    LOG.infof("took over lease %s/%s as broker %d (%s)", namespace, name(), brokerId, advertised);
                }
                // Replace with the resourceVersion we read: a concurrent writer makes this fail rather than vanish.
                client.leases().inNamespace(namespace).resource(live).update();
            }
            renewedAtNanos = attempt;
            if (!held) {
                held = true;
            }
            return true;
        } catch (KubernetesClientException e) {
            LOG.warnf("could not renew lease %s/%s (HTTP %d: %s); leadership ends %d s after the last renewal",
                    namespace, name(), e.getCode(), e.getMessage(), durationSeconds);
            return false;
        }
    }

    /** On a clean stop: give the lease up at once so others need not wait for it to expire. */
    public void release() {
        held = false;
        try {
            Lease live = client.leases().inNamespace(namespace).withName(name()).get();
            if (live != null && holder.equals(live.getSpec().getHolderIdentity())) {
                live.getSpec().setHolderIdentity(null);
                client.leases().inNamespace(namespace).resource(live).update();
                LOG.infof("released lease %s/%s", namespace, name());
            }
        } catch (KubernetesClientException e) {
            LOG.warnf("could not release lease %s/%s: %s; it expires on its own", namespace, name(), e.getMessage());
        }
    }
}
