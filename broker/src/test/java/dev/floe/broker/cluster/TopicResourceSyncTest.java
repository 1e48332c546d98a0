package dev.floe.broker.cluster;

import dev.floe.broker.topic.MetadataFile;
import dev.floe.broker.topic.TopicRegistry;
import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import dev.floe.crds.topic.TopicStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Topic resources to the local registry: data goes only on an observed delete, never on a missing list entry. */
class TopicResourceSyncTest {
    @TempDir
    Path dataDir;

    TopicRegistry registry;
    TopicResourceSync sync;
    final List<String> released = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        registry = new TopicRegistry(new MetadataFile(dataDir));
        KubernetesClusterView view = new KubernetesClusterView(0, "cluster-uid",
                new ClusterView.BrokerEndpoint(0, "127.0.0.1", 9092, null),
                new BrokerLease(null, "ns", "demo", 0, "demo-broker-0", "127.0.0.1:9092", 15));
        sync = new TopicResourceSync(registry, view, t -> released.add(t.getMetadata().getName()));
    }

    @Test
    void aTopicMissingFromTheFirstListKeepsItsData() {
        sync.onAdd(placed("orders"));
        assertThat(registry.get("orders")).isNotNull();

        // A restore without status, a relabel: the first list lacks the Topic. Nothing observed a delete.
        sync.reportTopicsMissingFrom(List.of());

        assertThat(registry.get("orders")).isNotNull();
        assertThat(released).isEmpty();
    }

    @Test
    void aTopicMarkedForDeletionLosesItsDataThenReleasesThisBrokersFinalizer() {
        Topic orders = placed("orders");
        sync.onAdd(orders);
        Topic deleting = placed("orders");
        deleting.getMetadata().setDeletionTimestamp("2026-12-01T10:00:00Z");
        deleting.getMetadata().setFinalizers(List.of("floe.dev/data-broker-0", "floe.dev/data-broker-1"));

        sync.onUpdate(orders, deleting);

        assertThat(registry.get("orders")).isNull();
        assertThat(released).containsExactly("orders");
    }

    @Test
    void aBrokerThatWasDownSeesTheDeletionInItsFirstList() {
        sync.onAdd(placed("orders"));
        Topic deleting = placed("orders");
        deleting.getMetadata().setDeletionTimestamp("2026-12-01T10:00:00Z");

        // After a restart the Topic, held by our finalizer, arrives as an add with its deletionTimestamp.
        sync.onAdd(deleting);

        assertThat(registry.get("orders")).isNull();
        assertThat(released).containsExactly("orders");
    }

    private static Topic placed(String name) {
        Topic t = new Topic();
        t.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("ns")
                .withLabels(Map.of(Labels.CLUSTER, "demo")).build());
        t.getSpec().setPartitions(2);
        TopicStatus status = new TopicStatus();
        status.setTopicName(name);
        status.setTopicId(new Uuid(name.hashCode(), 1L).toString());
        status.setConfig(Map.of());
        status.setPartitions(List.of(new PartitionStatus(0, List.of(0, 1), 0, 0, List.of(0, 1)),
                new PartitionStatus(1, List.of(1, 0), 1, 0, List.of(1, 0))));
        t.setStatus(status);
        return t;
    }
}
