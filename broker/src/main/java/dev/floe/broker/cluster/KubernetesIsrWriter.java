package dev.floe.broker.cluster;

import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import dev.floe.broker.replication.IsrWriter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.cache.Store;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A leader's in-sync set change, written to {@code Topic.status.partitions[p].isr}. The contract with the
 * controller (the operator): the write is a replace of the status read just before, carrying that read's
 * resourceVersion, so a concurrent change by anyone (an election) makes it fail with 409 instead of being
 * overwritten; and it is refused before sending when that status no longer names this broker as leader in the
 * epoch it leads in. Only the isr field of that one partition is changed.
 */
public final class KubernetesIsrWriter implements IsrWriter {
    private static final Logger LOG = Logger.getLogger(KubernetesIsrWriter.class);
    private static final int ATTEMPTS = 3;

    private final KubernetesClient client;
    private final String namespace;
    private final Store<Topic> topics;

    public KubernetesIsrWriter(KubernetesClient client, String namespace, Store<Topic> topics) {
        this.client = client;
        this.namespace = namespace;
        this.topics = topics;
    }

    @Override
    public Outcome write(TopicPartition tp, int leaderId, int leaderEpoch, List<Integer> isr) {
        Optional<String> objectName = topics.list().stream()
                .filter(t -> t.getStatus() != null && tp.topic().equals(t.getStatus().getTopicName()))
                .map(t -> t.getMetadata().getName()).findFirst();
        if (objectName.isEmpty()) {
            return Outcome.FENCED;
        }
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                // A fresh read: its resourceVersion is the guard, and the informer's cached object stays untouched.
                Topic topic = client.resources(Topic.class).inNamespace(namespace).withName(objectName.get()).get();
                if (topic == null || topic.getStatus() == null || topic.getStatus().getPartitions() == null) {
                    return Outcome.FENCED;
                }
                PartitionStatus p = find(topic.getStatus().getPartitions(), tp.partition());
                if (p == null || p.getLeader() != leaderId || p.getLeaderEpoch() != leaderEpoch) {
                    LOG.infof("%s: not writing isr %s: the status names leader %s in epoch %s, not %d in %d", tp, isr,
                            p == null ? "none" : p.getLeader(), p == null ? "none" : p.getLeaderEpoch(), leaderId,
                            leaderEpoch);
                    return Outcome.FENCED;
                }
                if (p.getIsr().equals(isr)) {
                    return Outcome.WRITTEN;
                }
                p.setIsr(new ArrayList<>(isr));
                client.resources(Topic.class).inNamespace(namespace).resource(topic).updateStatus();
                return Outcome.WRITTEN;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    LOG.warnf("%s: writing isr %s failed (HTTP %d): %s", tp, isr, e.getCode(), e.getMessage());
                    return Outcome.FAILED;
                }
                // Someone changed the Topic since our read: read again and re-check the epoch.
            }
        }
        return Outcome.FAILED;
    }

    private static PartitionStatus find(List<PartitionStatus> partitions, int partition) {
        for (PartitionStatus p : partitions) {
            if (p.getPartition() == partition) {
                return p;
            }
        }
        return partition < partitions.size() ? partitions.get(partition) : null;
    }
}
