package dev.floe.broker.txn;

import dev.floe.broker.group.OffsetStore;
import dev.floe.broker.produce.PartitionAppender;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Writes the COMMIT or ABORT marker of a transaction to each of its partitions through the partition's normal
 * append path. A marker that fails for a passing reason (the disk) is retried with backoff on the scheduler until
 * it lands, as Kafka retries WriteTxnMarkers: a decided transaction must end everywhere. A partition that no
 * longer exists needs no marker. When the marker lands in a {@code __consumer_offsets} partition the group
 * coordinator applies (or drops) the transaction's offsets.
 */
final class TxnMarkerWriter {
    private static final Logger LOG = Logger.getLogger(TxnMarkerWriter.class);
    private static final long MAX_BACKOFF_MS = 5_000;
    /** Floe has one transaction coordinator epoch per partition of the state log: coordinators do not move yet. */
    static final int COORDINATOR_EPOCH = 0;

    private final PartitionAppender appender;
    private final OffsetStore offsets;
    private final ScheduledExecutorService scheduler;
    private final TxnMetrics metrics;
    private volatile RemoteMarkers remote;

    TxnMarkerWriter(PartitionAppender appender, OffsetStore offsets, ScheduledExecutorService scheduler,
                    TxnMetrics metrics) {
        this.appender = appender;
        this.offsets = offsets;
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    /**
     * Completes when every partition has its marker (or is gone), or when {@code active} turns false: a coordinator
     * that lost its state partition stops, and the new one writes the markers again.
     */
    CompletableFuture<Void> write(long producerId, short epoch, boolean commit, Collection<TopicPartition> partitions,
                                  BooleanSupplier active) {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            attempt(tp, producerId, epoch, commit, 0, done, active);
            all.add(done);
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /** Cluster mode: markers for partitions other brokers lead go to them as WriteTxnMarkers. */
    void setRemote(RemoteMarkers remote) {
        this.remote = remote;
    }

    /** One marker, for WriteTxnMarkers: the error is the answer, nothing is retried. */
    CompletableFuture<Errors> writeOnce(TopicPartition tp, long producerId, short epoch, boolean commit) {
        return appender.appendMarker(tp, marker(producerId, epoch, commit)).thenApply(result -> {
            if (result.ok()) {
                landed(tp, producerId, commit);
            }
            return result.error();
        });
    }

    private void attempt(TopicPartition tp, long producerId, short epoch, boolean commit, int failures,
                         CompletableFuture<Void> done, BooleanSupplier active) {
        if (!active.getAsBoolean()) {
            done.complete(null);
            return;
        }
        send(tp, producerId, epoch, commit).whenComplete((Errors sent, Throwable t) -> {
            Errors error = t != null ? Errors.UNKNOWN_SERVER_ERROR : sent;
            if (error == Errors.NONE) {
                done.complete(null);
                return;
            }
            if (error == Errors.UNKNOWN_TOPIC_OR_PARTITION || error == Errors.INVALID_PRODUCER_EPOCH) {
                // The partition was deleted, or a newer epoch of this producer already ended the transaction
                // there (WriteTxnMarkers from kafka-transactions.sh abort): nothing is left to end.
                LOG.infof("no %s marker for producer %d on %s: %s", commit ? "COMMIT" : "ABORT", producerId, tp,
                        error);
                done.complete(null);
                return;
            }
            long backoff = Math.min(MAX_BACKOFF_MS, 100L << Math.min(failures, 6));
            LOG.warnf("%s marker for producer %d on %s failed (%s); retrying in %d ms", commit ? "COMMIT" : "ABORT",
                    producerId, tp, t != null ? t.toString() : error, backoff);
            metrics.markerRetried();
            scheduler.schedule(() -> attempt(tp, producerId, epoch, commit, failures + 1, done, active), backoff,
                    TimeUnit.MILLISECONDS);
        });
    }

    /** The marker written here when this broker leads the partition, else sent to its leader. */
    private CompletableFuture<Errors> send(TopicPartition tp, long producerId, short epoch, boolean commit) {
        int leader = remote == null ? -1 : remote.leaderOf(tp);
        if (leader >= 0) {
            return remote.send(leader, tp, producerId, epoch, commit).thenApply(error -> {
                if (error == Errors.NONE) {
                    metrics.markerWritten(commit);
                }
                return error;
            });
        }
        return appender.appendMarker(tp, marker(producerId, epoch, commit)).thenApply(result -> {
            if (result.ok()) {
                metrics.markerWritten(commit);
                landed(tp, producerId, commit);
            }
            return result.error();
        });
    }

    private void landed(TopicPartition tp, long producerId, boolean commit) {
        if (OffsetStore.TOPIC.equals(tp.topic())) {
            offsets.completeTransaction(producerId, tp.partition(), commit);
        }
    }

    private static MemoryRecords marker(long producerId, short epoch, boolean commit) {
        return MemoryRecords.withEndTransactionMarker(System.currentTimeMillis(), producerId, epoch,
                new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT,
                        COORDINATOR_EPOCH));
    }
}
