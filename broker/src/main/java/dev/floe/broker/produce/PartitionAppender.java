package dev.floe.broker.produce;

import dev.floe.broker.log.AppendResult;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.metrics.TopicMetrics;
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
    private final LogManager logs;
    private final PartitionWriteQueues writers;
    private final TopicMetrics metrics;

    public PartitionAppender(LogManager logs, PartitionWriteQueues writers, TopicMetrics metrics) {
        this.logs = logs;
        this.writers = writers;
        this.metrics = metrics;
    }

    /** Append to a partition this broker leads; the records' buffer must not change until the future completes. */
    public CompletableFuture<AppendResult> append(TopicPartition tp, MemoryRecords records) {
        PartitionLog log = logs.log(tp);
        if (log == null) {
            metrics.produceFailed(tp.topic());
            return CompletableFuture.completedFuture(AppendResult.failed(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                    "this broker has no partition " + tp));
        }
        return writers.submit(tp, () -> {
            AppendResult result = appendNow(log, records);
            if (result.ok()) {
                metrics.appended(tp.topic(), result.bytes(), result.records());
            } else {
                metrics.produceFailed(tp.topic());
                LOG.debugf("append to %s refused with %s: %s", tp, result.error(), result.message());
            }
            return result;
        });
    }

    private AppendResult appendNow(PartitionLog log, MemoryRecords records) {
        AppendResult invalid = BatchValidator.problem(records.buffer(), log.config().maxMessageBytes());
        if (invalid != null) {
            return invalid;
        }
        try {
            return log.appendAsLeader(records);
        } catch (IOException e) {
            LOG.errorf("%s: append failed, answering KAFKA_STORAGE_ERROR: %s", log.topicPartition(), e.getMessage());
            return AppendResult.failed(Errors.KAFKA_STORAGE_ERROR, "the broker could not write to its disk: "
                    + e.getMessage());
        }
    }
}
