package dev.floe.broker.produce;

import dev.floe.broker.log.AppendResult;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.RecordRules;
import dev.floe.broker.log.LogConfig;
import dev.floe.broker.metrics.TopicMetrics;
import dev.floe.broker.produce.compression.CompressionMetrics;
import dev.floe.broker.produce.compression.Recompressor;
import dev.floe.broker.replication.Replication;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * The one way records enter a partition log, for the Kafka protocol and the HTTP API alike: queued on the
 * partition's writer, validated, appended, counted.
 */
public final class PartitionAppender {
    private static final Logger LOG = Logger.getLogger(PartitionAppender.class);
    /** Standalone: one replica, this broker leads everything it has a log for, every append is committed. */
    private static final Replication ONE_REPLICA = new Replication() {
        @Override
        public Errors checkLeader(TopicPartition tp, int clientLeaderEpoch) {
            return Errors.NONE;
        }

        @Override
        public int leaderEpoch(TopicPartition tp) {
            return 0;
        }

        @Override
        public int inSyncReplicas(TopicPartition tp) {
            return 1;
        }

        @Override
        public CompletableFuture<Errors> awaitCommitted(TopicPartition tp, long requiredOffset, int minInsync,
                                                        long timeoutMs) {
            return CompletableFuture.completedFuture(Errors.NONE);
        }
    };
    private static final long DEFAULT_ACKS_TIMEOUT_MS = 30_000;
    private volatile Replication replication = ONE_REPLICA;
    private final LogManager logs;
    private final PartitionWriteQueues writers;
    private final TopicMetrics metrics;
    private final CompressionMetrics compressionMetrics;

    public PartitionAppender(LogManager logs, PartitionWriteQueues writers, TopicMetrics metrics,
                             CompressionMetrics compressionMetrics) {
        this.logs = logs;
        this.writers = writers;
        this.metrics = metrics;
        this.compressionMetrics = compressionMetrics;
    }

    /** Cluster mode: leadership, in-sync replicas and acks=all commitment come from replication. */
    public void setReplication(Replication replication) {
        this.replication = replication;
    }

    /** Append to a partition this broker leads; the records' buffer must not change until the future completes. */
    public CompletableFuture<AppendResult> append(TopicPartition tp, MemoryRecords records) {
        return append(tp, records, (short) 1);
    }

    /** As above, for a Kafka producer asking for {@code acks} (-1: all in-sync replicas). */
    public CompletableFuture<AppendResult> append(TopicPartition tp, MemoryRecords records, short acks) {
        return append(tp, records, acks, DEFAULT_ACKS_TIMEOUT_MS);
    }

    /**
     * As above; with acks=-1 the future completes once the in-sync replicas have the records (the high watermark
     * passed them), or with the error that ended the wait, after at most {@code timeoutMs}.
     */
    public CompletableFuture<AppendResult> append(TopicPartition tp, MemoryRecords records, short acks,
                                                  long timeoutMs) {
        PartitionLog log = logs.log(tp);
        if (log == null) {
            metrics.produceFailed(tp.topic());
            return CompletableFuture.completedFuture(AppendResult.failed(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                    "this broker has no partition " + tp));
        }
        int minInsync = log.config().records().minInsyncReplicas();
        Replication rep = replication;
        int inSync = rep.inSyncReplicas(tp);
        if (acks == -1 && minInsync > inSync) {
            // Kafka refuses acks=all writes it could not make as durable as asked, before writing anything.
            metrics.produceFailed(tp.topic());
            return CompletableFuture.completedFuture(AppendResult.failed(Errors.NOT_ENOUGH_REPLICAS,
                    "The size of the current ISR : " + inSync + " is insufficient to satisfy the min.isr"
                            + " requirement of " + minInsync + " for partition " + tp));
        }
        CompletableFuture<AppendResult> appended = writers.submit(tp, () -> {
            // Checked again on the writer: leadership may have moved while the append was queued.
            Errors leadership = rep.checkLeader(tp, Replication.NO_EPOCH);
            if (leadership != Errors.NONE) {
                metrics.produceFailed(tp.topic());
                return AppendResult.failed(leadership, "this broker no longer leads " + tp);
            }
            AppendResult result = appendNow(log, records);
            if (result.ok()) {
                metrics.appended(tp, result.bytes(), result.records());
            } else {
                metrics.produceFailed(tp.topic());
                LOG.debugf("append to %s refused with %s: %s", tp, result.error(), result.message());
            }
            return result;
        });
        if (acks != -1) {
            return appended;
        }
        return appended.thenCompose(result -> {
            if (!result.ok()) {
                return CompletableFuture.completedFuture(result);
            }
            // Parked until followers' fetches move the high watermark past the batch: no thread waits.
            return rep.awaitCommitted(tp, result.lastOffset() + 1, minInsync, timeoutMs).thenApply(error -> {
                if (error == Errors.NONE) {
                    return result;
                }
                metrics.produceFailed(tp.topic());
                return AppendResult.failed(error, switch (error) {
                    case NOT_ENOUGH_REPLICAS_AFTER_APPEND -> "the in-sync set of " + tp + " shrank below "
                            + "min.insync.replicas=" + minInsync + " before the records were replicated; they were"
                            + " written to the leader and may be visible";
                    case REQUEST_TIMED_OUT -> "the in-sync replicas of " + tp + " did not all have the records "
                            + "within " + timeoutMs + " ms";
                    default -> "leadership of " + tp + " moved before the records were replicated";
                });
            });
        });
    }

    private static boolean hasKeylessRecord(MemoryRecords records) {
        for (org.apache.kafka.common.record.RecordBatch batch : records.batches()) {
            if (batch.isControlBatch()) {
                continue;
            }
            for (org.apache.kafka.common.record.Record record : batch) {
                if (!record.hasKey()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Append a COMMIT/ABORT marker batch built by the broker itself (transaction coordinator, WriteTxnMarkers): it
     * skips the producer-batch checks, which refuse control batches from clients, but still goes through the
     * partition's writer queue and the producer-state epoch check in the log.
     */
    public CompletableFuture<AppendResult> appendMarker(TopicPartition tp, MemoryRecords marker) {
        PartitionLog log = logs.log(tp);
        if (log == null) {
            return CompletableFuture.completedFuture(AppendResult.failed(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                    "this broker has no partition " + tp));
        }
        Replication rep = replication;
        CompletableFuture<AppendResult> appended = writers.submit(tp, () -> {
            // Only the leader writes a marker (a coordinator's view of the leader may be a moment old).
            Errors leadership = rep.checkLeader(tp, Replication.NO_EPOCH);
            if (leadership != Errors.NONE) {
                return AppendResult.failed(leadership, "this broker does not lead " + tp);
            }
            try {
                return log.appendAsLeader(marker);
            } catch (IOException e) {
                LOG.errorf("%s: marker append failed: %s", tp, e.getMessage());
                return AppendResult.failed(Errors.KAFKA_STORAGE_ERROR, "the broker could not write to its disk: "
                        + e.getMessage());
            }
        });
        // As Kafka writes markers (acks=-1): a transaction counts as ended on a partition once every in-sync
        // replica has its marker, so a leader change cannot lose it. One replica: at once.
        return appended.thenCompose(result -> !result.ok() ? CompletableFuture.completedFuture(result)
                : rep.awaitCommitted(tp, result.lastOffset() + 1, 1, DEFAULT_ACKS_TIMEOUT_MS).thenApply(error ->
                        error == Errors.NONE ? result : AppendResult.failed(error, "the marker on " + tp
                                + " was not replicated: " + error)));
    }

    /** Runs on the partition's writer (floe-io), so decompressing and recompressing never hold an event loop. */
    private AppendResult appendNow(PartitionLog log, MemoryRecords records) {
        LogConfig config = log.config();
        AppendResult invalid = BatchValidator.problem(records.buffer(), config.maxMessageBytes());
        if (invalid != null) {
            return invalid;
        }
        MemoryRecords stored;
        try {
            invalid = TimestampWindow.problem(records, config.records(), config.logAppendTime(), System.currentTimeMillis());
            if (invalid != null) {
                return invalid;
            }
            if (config.records().keysRequired() && hasKeylessRecord(records)) {
                return AppendResult.failed(Errors.INVALID_RECORD, "Compacted topic cannot accept message without key"
                        + " in topic partition " + log.topicPartition() + ".");
            }
            stored = inTopicCodec(log, records);
        } catch (RuntimeException e) {
            // A batch whose CRC matched but whose records do not decode (bad compressed stream, bad varints).
            return AppendResult.failed(Errors.CORRUPT_MESSAGE, "a record batch could not be read: " + e.getMessage());
        }
        if (stored != records) {
            // Recompressing can grow a batch (uncompressed is larger than lz4); Kafka checks the stored size.
            invalid = BatchValidator.problem(stored.buffer(), config.maxMessageBytes());
            if (invalid != null) {
                return invalid;
            }
        }
        try {
            return log.appendAsLeader(stored);
        } catch (IOException e) {
            LOG.errorf("%s: append failed, answering KAFKA_STORAGE_ERROR: %s", log.topicPartition(), e.getMessage());
            return AppendResult.failed(Errors.KAFKA_STORAGE_ERROR, "the broker could not write to its disk: "
                    + e.getMessage());
        }
    }

    /** The records in the topic's codec (compression.type), or the same object when nothing had to change. */
    private MemoryRecords inTopicCodec(PartitionLog log, MemoryRecords records) {
        RecordRules rules = log.config().records();
        if (!rules.recompresses()) {
            return records;
        }
        long started = System.nanoTime();
        Recompressor.Outcome outcome = Recompressor.toCodec(records, rules.compression());
        if (!outcome.rewritten()) {
            return records;
        }
        compressionMetrics.recorded(log.topicPartition().topic(), rules.compression().type().name, outcome,
                System.nanoTime() - started);
        return outcome.records();
    }
}
