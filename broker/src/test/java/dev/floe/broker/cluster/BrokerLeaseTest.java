package dev.floe.broker.cluster;

import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.PartitionStatus;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A broker's Lease against a real HTTP API server (fabric8's mock in CRUD mode): it proves liveness to others and,
 * once it cannot be renewed, ends this broker's leadership on its own clock.
 */
class BrokerLeaseTest {
    /** The mock API server logs every request at INFO; held here so the quieter level is not garbage-collected. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    static final String NS = "floe";

    KubernetesMockServer api;
    KubernetesClient client;

    @BeforeEach
    void startApi() {
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(),
                false);
        api.init();
        // As in the broker: no long retry ladder when the API server is away.
        client = api.createClient(b -> b.withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(
                io.fabric8.kubernetes.client.Config.empty()).withMasterUrl(api.url("/")).withTrustCerts(true)
                .withRequestTimeout(2000).withRequestRetryBackoffLimit(1).withNamespace(NS).build()));
    }

    @AfterEach
    void stopApi() {
        client.close();
        api.destroy();
    }

    @Test
    void renewalCreatesALeaseOthersCanFindTheBrokerBy() {
        BrokerLease lease = new BrokerLease(client, NS, "demo", 2, "demo-broker-2", "10.0.0.7:9092", 15);
        assertThat(lease.isHeld()).isFalse();
        assertThat(lease.renew()).isTrue();
        assertThat(lease.isHeld()).isTrue();

        Lease stored = client.leases().inNamespace(NS).withName("demo-broker-2").get();
        assertThat(stored.getMetadata().getLabels()).containsEntry(Labels.CLUSTER, "demo").containsEntry(Labels.BROKER_ID, "2");
        assertThat(stored.getMetadata().getAnnotations()).containsEntry(Labels.ADVERTISED_KAFKA, "10.0.0.7:9092");
        assertThat(stored.getSpec().getHolderIdentity()).isEqualTo("demo-broker-2");

        ZonedDateTime first = stored.getSpec().getRenewTime();
        assertThat(lease.renew()).isTrue();
        assertThat(client.leases().inNamespace(NS).withName("demo-broker-2").get().getSpec().getRenewTime())
                .isAfterOrEqualTo(first);
    }

    @Test
    void aBrokerCutOffFromTheApiStopsLeadingWhenItsLeaseRunsOut() throws Exception {
        BrokerLease lease = new BrokerLease(client, NS, "demo", 0, "demo-broker-0", "127.0.0.1:9092", 1);
        KubernetesClusterView view = new KubernetesClusterView(0, "cluster-uid",
                new ClusterView.BrokerEndpoint(0, "127.0.0.1", 9092, null), lease);
        view.placementChanged("orders", List.of(new PartitionStatus(0, List.of(0), 0, 3, List.of(0))));
        assertThat(lease.renew()).isTrue();
        assertThat(view.isLocalLeader("orders", 0)).isTrue();
        assertThat(view.assignment("orders", 0).leaderEpoch()).isEqualTo(3);

        api.destroy();
        assertThat(lease.renew()).as("renewal with the API server gone").isFalse();
        long deadline = System.currentTimeMillis() + 10_000;
        while (lease.isHeld() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(lease.isHeld()).isFalse();
        assertThat(view.isLocalLeader("orders", 0)).as("no leadership without the lease").isFalse();
        assertThat(view.brokers()).as("a broker without its lease does not list itself").isEmpty();
    }

    @Test
    void onlyLiveLeasesOfOtherBrokersAreListed() {
        BrokerLease mine = new BrokerLease(client, NS, "demo", 0, "demo-broker-0", "127.0.0.1:9092", 15);
        mine.renew();
        KubernetesClusterView view = new KubernetesClusterView(0, "cluster-uid",
                new ClusterView.BrokerEndpoint(0, "127.0.0.1", 9092, null), mine);
        view.leaseChanged(lease("demo-broker-1", 1, "10.0.0.1:9092", ZonedDateTime.now(), "demo-broker-1"));
        view.leaseChanged(lease("demo-broker-2", 2, "10.0.0.2:9092", ZonedDateTime.now().minusMinutes(5), "demo-broker-2"));
        view.leaseChanged(lease("demo-broker-3", 3, "10.0.0.3:9092", ZonedDateTime.now(), null));

        assertThat(view.brokers()).extracting(ClusterView.BrokerEndpoint::nodeId).containsExactly(0, 1);
        assertThat(view.brokers().get(1).host()).isEqualTo("10.0.0.1");
        assertThat(view.controllerId()).isZero();
        assertThat(view.assignment("unknown", 0).leader()).isEqualTo(-1);
    }

    @Test
    void aFollowerStillFindsALeaderWhoseLeaseLooksExpiredInItsView() {
        BrokerLease mine = new BrokerLease(client, NS, "demo", 0, "demo-broker-0", "127.0.0.1:9092", 15);
        KubernetesClusterView view = new KubernetesClusterView(0, "cluster-uid",
                new ClusterView.BrokerEndpoint(0, "127.0.0.1", 9092, null), mine);
        List<Integer> changed = new java.util.concurrent.CopyOnWriteArrayList<>();
        view.addLeaseListener(changed::add);
        // This view last saw broker 2's lease five minutes ago (its watch may have died while we were stopped).
        view.leaseChanged(lease("demo-broker-2", 2, "10.0.0.2:9092", ZonedDateTime.now().minusMinutes(5), "demo-broker-2"));

        assertThat(view.endpoint(2)).as("not live, so not offered to clients").isNull();
        assertThat(view.lastKnownEndpoint(2)).as("but a follower can still reach it")
                .extracting(ClusterView.BrokerEndpoint::host, ClusterView.BrokerEndpoint::port)
                .containsExactly("10.0.0.2", 9092);
        assertThat(view.lastKnownEndpoint(5)).as("a broker that never published an address").isNull();
        assertThat(changed).as("lease listeners hear of the change, to wake fetchers backing off").containsExactly(2);
    }

    @Test
    void releaseHandsTheLeaseBackAtOnce() {
        BrokerLease lease = new BrokerLease(client, NS, "demo", 1, "demo-broker-1", "127.0.0.1:9092", 15);
        lease.renew();
        lease.release();
        assertThat(lease.isHeld()).isFalse();
        assertThat(client.leases().inNamespace(NS).withName("demo-broker-1").get().getSpec().getHolderIdentity()).isNull();
    }

    private static Lease lease(String name, int id, String address, ZonedDateTime renewed, String holder) {
        return new LeaseBuilder()
                .withNewMetadata().withName(name).withNamespace(NS)
                .addToLabels(Labels.CLUSTER, "demo").addToLabels(Labels.BROKER_ID, String.valueOf(id))
                .addToAnnotations(Labels.ADVERTISED_KAFKA, address).endMetadata()
                .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(15).withRenewTime(renewed).endSpec()
                .build();
    }
}
