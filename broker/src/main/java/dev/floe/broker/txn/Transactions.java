package dev.floe.broker.txn;

import org.jboss.logging.Logger;
import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.group.GroupCoordinator;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.produce.PartitionAppender;
import dev.floe.broker.produce.ProducerIdAllocator;
import dev.floe.broker.topic.TopicConfigs;
import dev.floe.broker.topic.TopicService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Puts the transaction coordinator together at start: its state replayed from {@code __transaction_state} when that
 * topic exists; otherwise the topic is created at the first transactional InitProducerId, as Kafka does.
 */
public final class Transactions {
    private static final Logger LOG = Logger.getLogger(Transactions.class);
    private Transactions() {
    }

    /**
     * @param createAtStart create {@code __transaction_state} at start rather than at first use: in cluster mode
     *                      FindCoordinator can only name a coordinator once the operator has placed the topic
     */
    public record Settings(int statePartitions, int maxTimeoutMs, boolean createAtStart) {
    }

    public static TransactionCoordinator start(Settings settings, TopicService topics, LogManager logs,
                                               ClusterView cluster, PartitionAppender appender,
                                               GroupCoordinator groups, ProducerIdAllocator ids,
                                               ScheduledExecutorService scheduler, Executor io, Executor control,
                                               MeterRegistry registry) throws IOException {
        var existing = topics.get(TxnStateLog.TOPIC);
        TxnStateLog.Creator creator = () -> {
            if (topics.get(TxnStateLog.TOPIC) == null) {
                // Compacted, as in Kafka: the latest record per transactional id is its whole state, and start-up
                // replays only what the cleaner kept. Internal state stays local (internal topics are not tiered).
                topics.create(TxnStateLog.TOPIC, settings.statePartitions(), Map.of(
                        TopicConfigs.CLEANUP_POLICY, "compact", TopicConfigs.SEGMENT_BYTES, "104857600",
                        TopicConfigs.REMOTE_STORAGE_ENABLE, "false"));
            }
            if (topics.get(TxnStateLog.TOPIC) == null) {
                throw new IOException("internal topic " + TxnStateLog.TOPIC + " is not available; in cluster mode "
                        + "the operator must place it (kubectl describe topics)");
            }
        };
        if (settings.createAtStart() && existing == null) {
            // In cluster mode a partition's coordinator is its leader, so the topic must be placed before any
            // client asks. The operator decides that placement: ask now but never hold up the start for it (a
            // broker must serve without an operator running, as it must without transactions being used).
            control.execute(() -> {
                try {
                    creator.create();
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("cannot create %s yet (%s); transactional producers get COORDINATOR_NOT_AVAILABLE "
                            + "until it exists", TxnStateLog.TOPIC, e.getMessage());
                }
            });
        }
        TxnMetrics metrics = new TxnMetrics(registry);
        TxnStateLog stateLog = new TxnStateLog(appender,
                existing != null ? existing.partitions() : settings.statePartitions(), existing != null, creator);
        TxnMarkerWriter markers = new TxnMarkerWriter(appender, groups.offsets(), scheduler, metrics);
        TransactionCoordinator coordinator = new TransactionCoordinator(stateLog, markers, ids, scheduler, io,
                settings.maxTimeoutMs(), metrics);
        coordinator.setCoordinates(id -> cluster.isLocalLeader(TxnStateLog.TOPIC, stateLog.partitionFor(id)));
        if (settings.createAtStart()) {
            // Cluster mode: state partitions are taken over as this broker comes to lead them (handover below),
            // and markers for partitions other brokers lead are sent to them.
            markers.setRemote(new RemoteMarkers(cluster, cluster::lastKnownEndpoint));
        } else {
            coordinator.recover(logs);
        }
        Gauge.builder("floe.txn.ongoing", coordinator, c -> c.all().stream()
                        .filter(t -> t.state() == TxnState.ONGOING).count())
                .description("Transactions open on this coordinator").register(registry);
        return coordinator;
    }

    /**
     * Cluster mode: coordination of transactional ids follows leadership of their state partitions. Register the
     * result's {@link StatePartitionHandover#leadershipChanged} for {@code __transaction_state}.
     */
    public static StatePartitionHandover handover(TransactionCoordinator coordinator, ClusterView cluster,
                                                  LogManager logs, Executor loader) {
        TxnStateLog stateLog = coordinator.stateLog();
        StatePartitionHandover handover = new StatePartitionHandover(coordinator, stateLog, logs, loader);
        coordinator.setCoordinates(id -> cluster.isLocalLeader(TxnStateLog.TOPIC, stateLog.partitionFor(id))
                && !handover.loading(id));
        return handover;
    }
}
