package dev.floe.operator.autoscale;

import com.sun.net.httpserver.HttpServer;
import dev.floe.crds.cluster.AutoscalingSpec;
import dev.floe.crds.cluster.AutoscalingStatus;
import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.cluster.ClusterStatus;
import dev.floe.crds.common.Labels;
import dev.floe.operator.cluster.LiveBrokers;
import dev.floe.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The autoscaler's looks against fabric8's mock API server in CRUD mode, with brokers played by small HTTP servers
 * serving a Prometheus page whose counters the test sets, and a clock the test moves. Each look is run by hand, so
 * nothing here waits on time.
 */
@EnableKubernetesMockClient(crud = true)
class AutoscalerTest {
    static final String NS = "test";
    static final String CLUSTER = "c";

    KubernetesClient client;
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T12:00:00Z"));
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final List<FakeBroker> brokers = new ArrayList<>();
    BrokerScraper scraper;
    Autoscaler autoscaler;

    @BeforeEach
    void setUp() throws IOException {
        Cluster cluster = new Cluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName(CLUSTER).withNamespace(NS)
                .withUid(UUID.randomUUID().toString()).withGeneration(1L).build());
        cluster.getSpec().setReplicas(2);
        cluster.getSpec().setMinReplicas(2);
        cluster.getSpec().setMaxReplicas(4);
        AutoscalingSpec a = new AutoscalingSpec();
        a.setEnabled(true);
        a.getTargets().setProduceBytesPerSecond(1000L);
        a.setScrapeIntervalSeconds(1);
        a.setScaleOutStabilizationSeconds(0);
        a.setCooldownSeconds(0);
        cluster.getSpec().setAutoscaling(a);
        client.resource(cluster).create();
        // What the Cluster reconciler reports once the StatefulSet runs spec.replicas brokers.
        Cluster created = cluster();
        created.setStatus(new ClusterStatus());
        created.getStatus().setReplicas(2);
        client.resource(created).updateStatus();
        for (int b = 0; b < 3; b++) {
            brokers.add(new FakeBroker());
        }
        scraper = new BrokerScraper(clock);
        autoscaler = new Autoscaler(client, new EventRecorder(client), new LiveBrokers(client), meters, clock, scraper);
    }

    @AfterEach
    void tearDown() {
        brokers.forEach(FakeBroker::close);
        scraper.close();
    }

    @Test
    void loadAboveTargetOnEveryBrokerRaisesSpecReplicasAndSaysWhyEverywhere() {
        lease(0, brokers.get(0).address());
        lease(1, brokers.get(1).address());
        autoscaler.lookNow(NS, CLUSTER);
        AutoscalingStatus first = cluster().getStatus().getAutoscaling();
        assertThat(first.getUnobserved()).contains("read once; a rate needs a second read");
        assertThat(first.getMessage()).startsWith("no decision: broker 0 could not be read (read once");
        assertThat(cluster().getSpec().getReplicas()).isEqualTo(2);

        // 3000 bytes in 1 s on each broker: 3 × the target, ceil(2 × 3) = 6, capped at 4.
        clock.advanceSeconds(1);
        brokers.get(0).bytesIn.addAndGet(3000);
        brokers.get(1).bytesIn.addAndGet(3000);
        autoscaler.lookNow(NS, CLUSTER);

        Cluster c = cluster();
        assertThat(c.getSpec().getReplicas()).isEqualTo(4);
        AutoscalingStatus s = c.getStatus().getAutoscaling();
        assertThat(s.getLastDecision()).isEqualTo("ScaleOut");
        assertThat(s.getLastDecisionFrom()).isEqualTo(2);
        assertThat(s.getLastDecisionTo()).isEqualTo(4);
        assertThat(s.getLastDecisionReason()).isEqualTo("produce at least 3.0 kB/s per broker (target 1.0 kB/s) on the "
                + "latest read: 2 → 4 brokers (ceil(2 × 3.00) = 6, capped at spec.maxReplicas 4)");
        assertThat(s.getLastDecisionTime()).isEqualTo(clock.instant().toString());
        assertThat(s.getObservedProduceBytesPerSecond()).isEqualTo(3000L);
        assertThat(s.getBrokersObserved()).isEqualTo(2);
        assertThat(s.getUnobserved()).isNull();
        assertThat(events("ScaledOut")).singleElement()
                .satisfies(e -> assertThat(e.getMessage()).isEqualTo(s.getLastDecisionReason()));
        assertThat(meters.get("floe.operator.autoscaler.decisions").tag("direction", "out").counter().count())
                .isEqualTo(1);
        assertThat(meters.get("floe.operator.autoscaler.desired.brokers").gauge().value()).isEqualTo(4);

        // Until the StatefulSet runs 4 brokers, the autoscaler waits and decides nothing more.
        clock.advanceSeconds(1);
        autoscaler.lookNow(NS, CLUSTER);
        assertThat(cluster().getStatus().getAutoscaling().getMessage())
                .isEqualTo("waiting: the StatefulSet runs 2 brokers, spec.replicas is 4");
        assertThat(cluster().getStatus().getAutoscaling().getLastDecision()).as("kept").isEqualTo("ScaleOut");
    }

    @Test
    void aBrokerThatCannotBeReadIsReportedAndNothingIsDecided() {
        lease(0, brokers.get(0).address());
        // Broker 1 has no Lease at all.
        for (int i = 0; i < 3; i++) {
            brokers.get(0).bytesIn.addAndGet(100_000);
            autoscaler.lookNow(NS, CLUSTER);
            clock.advanceSeconds(1);
        }
        Cluster c = cluster();
        assertThat(c.getSpec().getReplicas()).isEqualTo(2);
        AutoscalingStatus s = c.getStatus().getAutoscaling();
        assertThat(s.getMessage()).isEqualTo("no decision: broker 1 could not be read (no live Lease)");
        assertThat(s.getUnobserved()).isEqualTo("{1=no live Lease}");
        assertThat(s.getBrokersObserved()).isEqualTo(1);
        assertThat(s.getObservedProduceBytesPerSecond()).as("no average made up from one broker").isNull();
        assertThat(s.getLastDecision()).isNull();

        // A Lease pointing at a port where nothing answers: a connection error, named.
        int closed = brokers.get(2).address().lastIndexOf(':');
        String dead = brokers.get(2).address();
        brokers.get(2).close();
        lease(1, dead);
        autoscaler.lookNow(NS, CLUSTER);
        assertThat(cluster().getStatus().getAutoscaling().getMessage())
                .startsWith("no decision: broker 1 could not be read (http://" + dead.substring(0, closed));
        assertThat(meters.get("floe.operator.autoscaler.scrape.failures").counter().count()).isEqualTo(4);
        assertThat(events("ScaledOut")).isEmpty();
    }

    @Test
    void switchedOffItRemovesItsStatusAndGauge() {
        lease(0, brokers.get(0).address());
        lease(1, brokers.get(1).address());
        autoscaler.lookNow(NS, CLUSTER);
        assertThat(cluster().getStatus().getAutoscaling()).isNotNull();

        Cluster c = cluster();
        c.getSpec().getAutoscaling().setEnabled(false);
        client.resource(c).update();
        autoscaler.lookNow(NS, CLUSTER);

        assertThat(cluster().getStatus().getAutoscaling()).isNull();
        assertThat(cluster().getStatus().getReplicas()).as("the rest of the status is kept").isEqualTo(2);
        assertThat(meters.find("floe.operator.autoscaler.desired.brokers").gauge()).isNull();
    }

    @Test
    void withoutBoundsItWarnsOnceAndDoesNothing() {
        Cluster c = cluster();
        c.getSpec().setMaxReplicas(null);
        client.resource(c).update();
        autoscaler.lookNow(NS, CLUSTER);
        autoscaler.lookNow(NS, CLUSTER);
        assertThat(cluster().getStatus().getAutoscaling().getMessage())
                .isEqualTo("not acting: autoscaling needs spec.minReplicas and spec.maxReplicas");
        assertThat(events("AutoscalingNotConfigured")).hasSize(1);
        assertThat(cluster().getSpec().getReplicas()).isEqualTo(2);
    }

    private Cluster cluster() {
        return client.resources(Cluster.class).inNamespace(NS).withName(CLUSTER).get();
    }

    private List<Event> events(String reason) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }

    private void lease(int broker, String httpAddress) {
        client.leases().inNamespace(NS).resource(new LeaseBuilder()
                .withNewMetadata().withName(CLUSTER + "-broker-" + broker).withNamespace(NS)
                .addToLabels(Labels.CLUSTER, CLUSTER).addToLabels(Labels.BROKER_ID, String.valueOf(broker))
                .addToAnnotations(Labels.ADVERTISED_HTTP, httpAddress).endMetadata()
                .withNewSpec().withHolderIdentity(CLUSTER + "-broker-" + broker).withLeaseDurationSeconds(3600)
                .withRenewTime(ZonedDateTime.now(ZoneOffset.UTC)).endSpec()
                .build()).create();
    }

    /** A broker's metrics page with counters the test sets. */
    static final class FakeBroker implements AutoCloseable {
        final AtomicLong bytesIn = new AtomicLong();
        private final HttpServer server;

        FakeBroker() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/q/metrics", exchange -> {
                byte[] body = ("# TYPE floe_topic_bytes_in_bytes_total counter\n"
                        + "floe_topic_bytes_in_bytes_total{topic=\"t\"} " + bytesIn.get() + ".0\n"
                        + "floe_topic_bytes_out_bytes_total{topic=\"t\"} 0.0\n"
                        + "process_cpu_usage 0.1\nfloe_log_partitions 1.0\n").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        }

        String address() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now;

        MutableClock(Instant start) {
            now = new AtomicReference<>(start);
        }

        void advanceSeconds(long seconds) {
            now.updateAndGet(t -> t.plusSeconds(seconds));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
