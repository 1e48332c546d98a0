package dev.floe.broker.cluster;

import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.floe.crds.cluster.Cluster;
import dev.floe.crds.topic.Topic;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A broker reads Clusters and Topics written by a newer operator: fields it does not know are skipped, not fatal.
 * Found when a broker built before {@code spec.autoscaling} existed exited at start on a Cluster that had it.
 */
class ForwardCompatibleResourcesTest {
    private static final String CLUSTER = """
            {"apiVersion": "floe.dev/v1", "kind": "Cluster", "metadata": {"name": "demo", "namespace": "ns"},
             "spec": {"replicas": 4, "fieldFromANewerOperator": {"enabled": true}},
             "status": {"readyBrokers": 3, "anotherNewField": [1, 2]}}
            """;
    private static final String TOPIC = """
            {"apiVersion": "floe.dev/v1", "kind": "Topic", "metadata": {"name": "orders", "namespace": "ns"},
             "spec": {"partitions": 6, "newTopicField": "x"},
             "status": {"partitions": [{"partition": 0, "replicas": [0, 1], "newPartitionField": 7}]}}
            """;

    @Test
    void unknownFieldsOfClustersAndTopicsAreSkipped() {
        KubernetesSerialization brokers = KubernetesCluster.serialization();
        Cluster cluster = brokers.unmarshal(CLUSTER, Cluster.class);
        assertThat(cluster.getSpec().getReplicas()).isEqualTo(4);
        assertThat(cluster.getStatus().getReadyBrokers()).isEqualTo(3);
        Topic topic = brokers.unmarshal(TOPIC, Topic.class);
        assertThat(topic.getSpec().getPartitions()).isEqualTo(6);
        assertThat(topic.getStatus().getPartitions().get(0).getReplicas()).containsExactly(0, 1);
    }

    @Test
    void theClientsDefaultSerializationWouldHaveRefusedThem() {
        assertThatThrownBy(() -> new KubernetesSerialization().unmarshal(CLUSTER, Cluster.class))
                .rootCause().isInstanceOf(UnrecognizedPropertyException.class)
                .hasMessageContaining("fieldFromANewerOperator");
    }
}
