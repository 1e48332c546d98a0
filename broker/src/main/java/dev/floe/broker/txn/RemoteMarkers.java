package dev.floe.broker.txn;

import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.replication.BrokerChannel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;

/**
 * Cluster mode: a transaction's markers for partitions other brokers lead are sent to those leaders as
 * WriteTxnMarkers (v1), as Kafka's coordinator does. One thread and one blocking connection per destination
 * broker, so a hung broker delays only the markers bound for it. A failure is answered as a retriable error and
 * {@link TxnMarkerWriter} retries with backoff, looking the leader up again each time.
 */
final class RemoteMarkers implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RemoteMarkers.class);
    private static final short VERSION = 1;
    /** Past the leader's own wait for its in-sync replicas to have the marker (30 s). */
    private static final int READ_TIMEOUT_MS = 40_000;

    private final ClusterView cluster;
    private final IntFunction<ClusterView.BrokerEndpoint> endpoints;
    private final Map<Integer, Destination> destinations = new ConcurrentHashMap<>();

    RemoteMarkers(ClusterView cluster, IntFunction<ClusterView.BrokerEndpoint> endpoints) {
        this.cluster = cluster;
        this.endpoints = endpoints;
    }

    /** The broker to send {@code tp}'s marker to, or -1 when this broker writes it (it leads, or nobody does). */
    int leaderOf(TopicPartition tp) {
        int leader = cluster.assignment(tp.topic(), tp.partition()).leader();
        return leader < 0 || leader == cluster.localNodeId() ? -1 : leader;
    }

    CompletableFuture<Errors> send(int broker, TopicPartition tp, long producerId, short epoch, boolean commit) {
        Destination d = destinations.computeIfAbsent(broker, Destination::new);
        return CompletableFuture.supplyAsync(() -> d.send(tp, producerId, epoch, commit), d.thread);
    }

    @Override
    public void close() {
        destinations.values().forEach(Destination::close);
    }

    private final class Destination {
        final int broker;
        final ExecutorService thread;
        BrokerChannel channel;

        Destination(int broker) {
            this.broker = broker;
            this.thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "floe-txn-markers-" + broker);
                t.setDaemon(true);
                return t;
            });
        }

        /** On {@link #thread} only. */
        Errors send(TopicPartition tp, long producerId, short epoch, boolean commit) {
            WriteTxnMarkersRequestData request = new WriteTxnMarkersRequestData().setMarkers(List.of(
                    new WriteTxnMarkersRequestData.WritableTxnMarker().setProducerId(producerId)
                            .setProducerEpoch(epoch).setTransactionResult(commit)
                            .setCoordinatorEpoch(TxnMarkerWriter.COORDINATOR_EPOCH)
                            .setTopics(List.of(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic()
                                    .setName(tp.topic()).setPartitionIndexes(List.of(tp.partition()))))));
            try {
                if (channel == null) {
                    ClusterView.BrokerEndpoint endpoint = endpoints.apply(broker);
                    if (endpoint == null) {
                        LOG.debugf("no address for broker %d, which leads %s", broker, tp);
                        return Errors.BROKER_NOT_AVAILABLE;
                    }
                    channel = new BrokerChannel(endpoint.host(), endpoint.port(), 5_000, READ_TIMEOUT_MS,
                            "floe-txn-coordinator-" + cluster.localNodeId());
                }
                WriteTxnMarkersResponseData response = (WriteTxnMarkersResponseData) channel.call(
                        ApiKeys.WRITE_TXN_MARKERS, VERSION, request);
                for (var marker : response.markers()) {
                    for (var topic : marker.topics()) {
                        for (var partition : topic.partitions()) {
                            return Errors.forCode(partition.errorCode());
                        }
                    }
                }
                return Errors.UNKNOWN_SERVER_ERROR;
            } catch (IOException e) {
                LOG.debugf("WriteTxnMarkers to broker %d for %s failed: %s", broker, tp, e);
                close();
                return Errors.NETWORK_EXCEPTION;
            }
        }

        void close() {
            if (channel != null) {
                channel.close();
                channel = null;
            }
        }
    }
}
