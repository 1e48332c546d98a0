package dev.floe.broker.txn;

import dev.floe.broker.log.LogManager;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Cluster mode: the transaction coordinator of a transactional id is the leader of its {@code __transaction_state}
 * partition, so coordination moves with leadership. Gaining a partition, this broker replays it (on the coordinator
 * load thread, never the thread that applied the assignment) and takes its transactions over: decided ones get
 * their markers written, open ones their timeouts armed. Until the replay is done the partition's ids are not
 * coordinated here (clients get NOT_COORDINATOR and look again). Losing a partition, its ids are forgotten; the
 * new leader does the same replay.
 */
public final class StatePartitionHandover {
    private static final Logger LOG = Logger.getLogger(StatePartitionHandover.class);

    private final TransactionCoordinator coordinator;
    private final TxnStateLog stateLog;
    private final LogManager logs;
    private final Executor loader;
    private final Set<Integer> loading = ConcurrentHashMap.newKeySet();

    StatePartitionHandover(TransactionCoordinator coordinator, TxnStateLog stateLog, LogManager logs, Executor loader) {
        this.coordinator = coordinator;
        this.stateLog = stateLog;
        this.logs = logs;
        this.loader = loader;
    }

    /** Whether the partition of {@code transactionalId} is still being replayed here. */
    boolean loading(String transactionalId) {
        return loading.contains(stateLog.partitionFor(transactionalId));
    }

    public void leadershipChanged(int partition, boolean leader) {
        coordinator.forget(partition);
        if (!leader) {
            return;
        }
        loading.add(partition);
        loader.execute(() -> {
            try {
                Map<String, TxnRecord> loaded = stateLog.loadPartition(logs, partition);
                int resumed = coordinator.resume(loaded);
                LOG.infof("coordinating the %d transactional ids of %s-%d (%d decided transactions resumed)",
                        loaded.size(), TxnStateLog.TOPIC, partition, resumed);
            } catch (IOException | RuntimeException e) {
                LOG.errorf("could not load %s-%d as its new leader (%s); its transactional ids keep getting "
                        + "NOT_COORDINATOR", TxnStateLog.TOPIC, partition, e);
                return;
            }
            loading.remove(partition);
        });
    }
}
