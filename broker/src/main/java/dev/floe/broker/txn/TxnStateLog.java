package dev.floe.broker.txn;

import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.ReadBound;
import dev.floe.broker.log.ReadResult;
import dev.floe.broker.produce.PartitionAppender;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Utils;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The durable side of the transaction coordinator: the internal topic {@code __transaction_state}, one record per
 * state change, keyed by transactional id (hash of the id picks the partition, so in cluster mode the coordinator
 * of an id is that partition's leader). A state change counts only once its record is appended.
 */
public final class TxnStateLog {
    public static final String TOPIC = "__transaction_state";
    private static final Logger LOG = Logger.getLogger(TxnStateLog.class);
    private static final int READ_CHUNK = 1 << 20;

    /** Creates the topic; called before the first write, since Kafka too creates it on first use. */
    public interface Creator {
        void create() throws IOException;
    }

    private final PartitionAppender appender;
    private final int partitions;
    private final Creator creator;
    private volatile boolean exists;

    public TxnStateLog(PartitionAppender appender, int partitions) {
        this(appender, partitions, true, () -> { });
    }

    TxnStateLog(PartitionAppender appender, int partitions, boolean exists, Creator creator) {
        this.appender = appender;
        this.partitions = partitions;
        this.exists = exists;
        this.creator = creator;
    }

    /**
     * The topic exists after this returns. Brokers whose clients never use transactions never create it, so they
     * do not open its partitions at every start.
     */
    synchronized void ensureExists() throws IOException {
        if (!exists) {
            creator.create();
            exists = true;
        }
    }

    boolean exists() {
        return exists;
    }

    public int partitionFor(String transactionalId) {
        return Utils.toPositive(transactionalId.hashCode()) % partitions;
    }

    CompletableFuture<Errors> write(TxnRecord record) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L);
        builder.append(record.lastUpdateTimestamp(), record.key(), record.value());
        TopicPartition tp = new TopicPartition(TOPIC, partitionFor(record.transactionalId()));
        return appender.append(tp, builder.build(), (short) -1).thenApply(result -> {
            if (!result.ok()) {
                LOG.errorf("could not persist the state of transactional id %s to %s: %s %s",
                        record.transactionalId(), tp, result.error(), result.message());
                return switch (result.error()) {
                    // As Kafka's coordinator answers: the client looks the coordinator up again, or retries.
                    case NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH -> Errors.NOT_COORDINATOR;
                    case KAFKA_STORAGE_ERROR, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT,
                            UNKNOWN_TOPIC_OR_PARTITION -> Errors.COORDINATOR_NOT_AVAILABLE;
                    default -> result.error();
                };
            }
            return Errors.NONE;
        });
    }

    /** Replay every partition (standalone, at start); the latest record per transactional id wins. */
    Map<String, TxnRecord> load(LogManager logs) throws IOException {
        if (!exists) {
            return Map.of();
        }
        long started = System.currentTimeMillis();
        Map<String, TxnRecord> latest = new HashMap<>();
        int records = 0;
        for (int p = 0; p < partitions; p++) {
            records += replay(logs, p, ReadBound.HIGH_WATERMARK, latest);
        }
        LOG.infof("loaded %d transactional ids from %d records of %s in %d ms", latest.size(), records, TOPIC,
                System.currentTimeMillis() - started);
        return latest;
    }

    /**
     * Replay one partition this broker has just come to lead, to its log end: as the new leader its whole log is
     * the truth (every state change was acknowledged only once all in-sync replicas, this one included, had it).
     */
    Map<String, TxnRecord> loadPartition(LogManager logs, int partition) throws IOException {
        Map<String, TxnRecord> latest = new HashMap<>();
        int records = replay(logs, partition, ReadBound.LOG_END, latest);
        LOG.infof("loaded %s-%d as its new leader: %d transactional ids from %d records", TOPIC, partition,
                latest.size(), records);
        return latest;
    }

    private static int replay(LogManager logs, int p, ReadBound bound, Map<String, TxnRecord> latest)
            throws IOException {
        PartitionLog log = logs.log(new TopicPartition(TOPIC, p));
        if (log == null) {
            return 0;
        }
        int records = 0;
        long offset = log.logStartOffset();
        long end = bound == ReadBound.LOG_END ? log.logEndOffset() : log.highWatermark();
        while (offset < end) {
            ReadResult read = log.read(offset, READ_CHUNK, true, bound);
            if (read.slice().sizeInBytes() == 0) {
                break;
            }
            long next = offset;
            for (RecordBatch batch : MemoryRecords.readableRecords(read.slice().readAll()).batches()) {
                for (Record record : batch) {
                    if (record.offset() < offset || !record.hasKey()) {
                        continue;
                    }
                    String id = TxnRecord.readKey(record.key());
                    if (record.hasValue()) {
                        latest.put(id, TxnRecord.read(id, record.value()));
                    } else {
                        latest.remove(id);
                    }
                    records++;
                }
                next = batch.lastOffset() + 1;
            }
            if (next == offset) {
                break;
            }
            offset = next;
        }
        return records;
    }
}
