package dev.floe.broker.cluster;

import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.PartitionStatus;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

/**
 * The cluster as the Kubernetes API describes it: live brokers from their Leases, partition leaders from the Topics'
 * status. Fed by informers, read on every Metadata, Produce and Fetch, so reads are map lookups only.
 */
public final class KubernetesClusterView implements ClusterView {
    private static final PartitionAssignment NO_LEADER = new PartitionAssignment(-1, -1, List.of(), List.of());

    private final int localNodeId;
    private final String clusterId;
    private final BrokerEndpoint self;
    private final BrokerLease lease;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final Map<String, List<PartitionAssignment>> placements = new ConcurrentHashMap<>();
    private volatile PlacementListener listener;
    private final List<IntConsumer> leaseListeners = new CopyOnWriteArrayList<>();

    /** Told of every topic's placement as the informer delivers it (replication acts on roles and epochs). */
    public interface PlacementListener {
        void placementChanged(String topic, List<PartitionAssignment> partitions);

        void placementRemoved(String topic);
    }

    public KubernetesClusterView(int localNodeId, String clusterId, BrokerEndpoint self, BrokerLease lease) {
        this.localNodeId = localNodeId;
        this.clusterId = clusterId;
        this.self = self;
        this.lease = lease;
    }

    @Override
    public int localNodeId() {
        return localNodeId;
    }

    @Override
    public String clusterId() {
        return clusterId;
    }

    /** Kafka clients want a controller id; the lowest live broker stands in (the operator is the real one). */
    @Override
    public int controllerId() {
        return brokers().stream().mapToInt(BrokerEndpoint::nodeId).min().orElse(localNodeId);
    }

    @Override
    public List<BrokerEndpoint> brokers() {
        Instant now = Instant.now();
        List<BrokerEndpoint> live = new ArrayList<>();
        for (Lease l : leases.values()) {
            BrokerEndpoint endpoint = endpointOf(l, now);
            if (endpoint != null && endpoint.nodeId() != localNodeId) {
                live.add(endpoint);
            }
        }
        if (lease.isHeld()) {
            live.add(self);
        }
        live.sort(Comparator.comparingInt(BrokerEndpoint::nodeId));
        return live;
    }

    @Override
    public PartitionAssignment assignment(String topic, int partition) {
        List<PartitionAssignment> partitions = placements.get(topic);
        if (partitions == null || partition < 0 || partition >= partitions.size()) {
            return NO_LEADER;
        }
        return partitions.get(partition);
    }

    /** Leading needs both: the Topic names us leader, and our lease is still ours. */
    @Override
    public boolean isLocalLeader(String topic, int partition) {
        return lease.isHeld() && assignment(topic, partition).leader() == localNodeId;
    }

    /**
     * Register the one listener and replay what is known already (the informer's first list arrived before the
     * listener existed). A placement arriving during the replay may be delivered twice; listeners are idempotent.
     */
    public synchronized void setPlacementListener(PlacementListener l) {
        this.listener = l;
        placements.forEach(l::placementChanged);
    }

    /** Whether this broker's own lease is live (it may act as a leader). */
    public boolean leaseHeld() {
        return lease.isHeld();
    }

    /** A live broker's address, or null. */
    public BrokerEndpoint endpoint(int nodeId) {
        for (BrokerEndpoint b : brokers()) {
            if (b.nodeId() == nodeId) {
                return b;
            }
        }
        return null;
    }

    /**
     * The address a broker last advertised in its Lease, live or not. A follower fetches from the leader the
     * placement names even when this broker's view of that leader's Lease looks expired: the view can lag (a watch
     * that died while this process was stopped), and whether the leader may lead is the leader's and the
     * controller's call, not the follower's. A leader that lost its lease refuses the fetch itself.
     */
    @Override
    public BrokerEndpoint lastKnownEndpoint(int nodeId) {
        if (nodeId == localNodeId) {
            return self;
        }
        for (Lease l : leases.values()) {
            BrokerEndpoint endpoint = addressOf(l);
            if (endpoint != null && endpoint.nodeId() == nodeId) {
                return endpoint;
            }
        }
        return null;
    }

    @Override
    public String httpAddress(int nodeId) {
        for (Lease l : leases.values()) {
            Map<String, String> labels = l.getMetadata().getLabels();
            Map<String, String> annotations = l.getMetadata().getAnnotations();
            if (labels != null && annotations != null && String.valueOf(nodeId).equals(labels.get(Labels.BROKER_ID))) {
                return annotations.get(Labels.ADVERTISED_HTTP);
            }
        }
        return null;
    }

    /** Called with a broker id whenever that broker's Lease changes (renewed, taken over, released). */
    public void addLeaseListener(IntConsumer listener) {
        leaseListeners.add(listener);
    }

    /**
     * Brokers of this cluster that have ever held a lease, live or not: a broker down for a moment still counts as
     * a place for a replica (the operator checks a replication factor against the Cluster's replicas too).
     */
    public int knownBrokers() {
        return Math.max(1, Math.max(leases.size(), brokers().size()));
    }

    void leaseChanged(Lease l) {
        leases.put(l.getMetadata().getName(), l);
        BrokerEndpoint endpoint = addressOf(l);
        if (endpoint != null) {
            leaseListeners.forEach(listener -> listener.accept(endpoint.nodeId()));
        }
    }

    void leaseDeleted(Lease l) {
        leases.remove(l.getMetadata().getName());
    }

    void placementChanged(String topic, List<PartitionStatus> partitions) {
        List<PartitionAssignment> assignments = new ArrayList<>(partitions.size());
        for (PartitionStatus p : partitions) {
            assignments.add(new PartitionAssignment(p.getLeader(), p.getLeaderEpoch(), List.copyOf(p.getReplicas()),
                    List.copyOf(p.getIsr()), List.copyOf(p.getAddingReplicas())));
        }
        List<PartitionAssignment> placed = List.copyOf(assignments);
        placements.put(topic, placed);
        PlacementListener l = listener;
        if (l != null) {
            l.placementChanged(topic, placed);
        }
    }

    void placementRemoved(String topic) {
        placements.remove(topic);
        PlacementListener l = listener;
        if (l != null) {
            l.placementRemoved(topic);
        }
    }

    private static BrokerEndpoint endpointOf(Lease l, Instant now) {
        var spec = l.getSpec();
        if (spec == null || spec.getHolderIdentity() == null || spec.getHolderIdentity().isEmpty()
                || spec.getRenewTime() == null || spec.getLeaseDurationSeconds() == null
                || !spec.getRenewTime().toInstant().plusSeconds(spec.getLeaseDurationSeconds()).isAfter(now)) {
            return null;
        }
        return addressOf(l);
    }

    /** The broker id and advertised address a Lease carries, whether or not it is live. */
    private static BrokerEndpoint addressOf(Lease l) {
        Map<String, String> labels = l.getMetadata().getLabels();
        Map<String, String> annotations = l.getMetadata().getAnnotations();
        String id = labels == null ? null : labels.get(Labels.BROKER_ID);
        String address = annotations == null ? null : annotations.get(Labels.ADVERTISED_KAFKA);
        if (id == null || address == null || address.lastIndexOf(':') < 0) {
            return null;
        }
        int colon = address.lastIndexOf(':');
        return new BrokerEndpoint(Integer.parseInt(id), address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1)), null);
    }
}
