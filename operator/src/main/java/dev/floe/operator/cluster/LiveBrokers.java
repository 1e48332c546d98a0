package dev.floe.operator.cluster;

import dev.floe.crds.common.Labels;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which brokers of a cluster are alive, judged the way the brokers judge themselves: by their Lease. A broker whose
 * lease has run out has already stopped acting as leader, so it does not count as ready.
 */
@ApplicationScoped
public class LiveBrokers {
    private final KubernetesClient client;
    private final Clock clock;

    @Inject
    public LiveBrokers(KubernetesClient client) {
        this(client, Clock.systemUTC());
    }

    LiveBrokers(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** Live broker id to its advertised Kafka address. */
    public Map<Integer, String> of(String namespace, String cluster) {
        return annotated(namespace, cluster, Labels.ADVERTISED_KAFKA);
    }

    /** Live broker id to its advertised HTTP address (host:port; metrics at /q/metrics), "" when it has none. */
    public Map<Integer, String> httpAddresses(String namespace, String cluster) {
        return annotated(namespace, cluster, Labels.ADVERTISED_HTTP);
    }

    private Map<Integer, String> annotated(String namespace, String cluster, String annotation) {
        List<Lease> leases = client.leases().inNamespace(namespace).withLabel(Labels.CLUSTER, cluster).list().getItems();
        Map<Integer, String> live = new TreeMap<>();
        Instant now = clock.instant();
        for (Lease lease : leases) {
            if (isLive(lease, now)) {
                String id = lease.getMetadata().getLabels().get(Labels.BROKER_ID);
                if (id != null) {
                    String address = lease.getMetadata().getAnnotations() == null ? null
                            : lease.getMetadata().getAnnotations().get(annotation);
                    live.put(Integer.parseInt(id), address == null ? "" : address);
                }
            }
        }
        return live;
    }

    static boolean isLive(Lease lease, Instant now) {
        var spec = lease.getSpec();
        if (spec == null || spec.getHolderIdentity() == null || spec.getHolderIdentity().isEmpty()) {
            return false;
        }
        ZonedDateTime renewed = spec.getRenewTime();
        Integer duration = spec.getLeaseDurationSeconds();
        return renewed != null && duration != null && renewed.toInstant().plusSeconds(duration).isAfter(now);
    }
}
