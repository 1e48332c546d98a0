package dev.floe.broker.group;

import dev.floe.broker.log.AppendResult;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.ReadBound;
import dev.floe.broker.log.ReadResult;
import dev.floe.broker.produce.PartitionAppender;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Utils;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Committed offsets, kept in memory and made durable in the internal offsets topic before a commit is
 * acknowledged. A group's records all go to one partition of that topic (hash of the group id), so in cluster
 * mode the coordinator of a group is that partition's leader.
 */
public final class OffsetStore {
    public static final String TOPIC = "__consumer_offsets";
    private static final Logger LOG = Logger.getLogger(OffsetStore.class);
    private static final int READ_CHUNK = 1 << 20;

    private final PartitionAppender appender;
    private final int partitions;
    private final Map<String, Map<TopicPartition, CommittedOffset>> offsets = new ConcurrentHashMap<>();
    /**
     * Offsets committed inside a transaction (TxnOffsetCommit), by producer id then group: durable in the offsets
     * topic as transactional records, visible only when the COMMIT marker lands in that partition.
     */
    private final Map<Long, Map<String, Map<TopicPartition, CommittedOffset>>> pending = new ConcurrentHashMap<>();

    public OffsetStore(PartitionAppender appender, int partitions) {
        this.appender = appender;
        this.partitions = partitions;
    }

    public int partitionFor(String groupId) {
        return Utils.toPositive(groupId.hashCode()) % partitions;
    }

    public Map<TopicPartition, CommittedOffset> committed(String groupId) {
        return Map.copyOf(offsets.getOrDefault(groupId, Map.of()));
    }

    public Set<String> groups() {
        return Set.copyOf(offsets.keySet());
    }

    public CompletableFuture<Errors> commit(String groupId, Map<TopicPartition, CommittedOffset> commits) {
        if (commits.isEmpty()) {
            return CompletableFuture.completedFuture(Errors.NONE);
        }
        MemoryRecordsBuilder builder = builder();
        long now = System.currentTimeMillis();
        commits.forEach((tp, offset) -> builder.append(now, OffsetRecordCodec.key(groupId, tp), OffsetRecordCodec.value(offset)));
        return write(groupId, builder.build()).thenApply(error -> {
            if (error == Errors.NONE) {
                offsets.computeIfAbsent(groupId, g -> new ConcurrentHashMap<>()).putAll(commits);
            }
            return error;
        });
    }

    /**
     * Record offsets as part of producer {@code producerId}'s transaction: written as a transactional batch, so the
     * partition's producer state refuses a fenced (older) epoch, and held back until the transaction commits.
     */
    public CompletableFuture<Errors> commitTransactional(String groupId, long producerId, short epoch,
                                                         Map<TopicPartition, CommittedOffset> commits) {
        if (commits.isEmpty()) {
            return CompletableFuture.completedFuture(Errors.NONE);
        }
        // The builder insists on a sequence for a batch with a producer id; Kafka writes these with none (they
        // are not part of the producer's idempotent sequence), so the header is written again with NO_SEQUENCE by
        // kafka-clients' own header writer, which also computes the CRC.
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(512), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, producerId, epoch,
                0, true, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        long now = System.currentTimeMillis();
        commits.forEach((tp, offset) -> builder.append(now, OffsetRecordCodec.key(groupId, tp), OffsetRecordCodec.value(offset)));
        MemoryRecords records = builder.build();
        RecordBatch batch = records.batches().iterator().next();
        DefaultRecordBatch.writeHeader(records.buffer().duplicate(), batch.baseOffset(),
                (int) (batch.lastOffset() - batch.baseOffset()), batch.sizeInBytes(), batch.magic(),
                batch.compressionType(), batch.timestampType(), now, now, producerId, epoch, RecordBatch.NO_SEQUENCE,
                true, false, false, batch.partitionLeaderEpoch(), commits.size());
        return write(groupId, records).thenApply(error -> {
            if (error == Errors.NONE) {
                pending.computeIfAbsent(producerId, p -> new ConcurrentHashMap<>())
                        .computeIfAbsent(groupId, g -> new ConcurrentHashMap<>()).putAll(commits);
            }
            return error;
        });
    }

    /** The transaction's marker landed in offsets partition {@code partition}: apply or drop its offsets there. */
    public void completeTransaction(long producerId, int partition, boolean commit) {
        Map<String, Map<TopicPartition, CommittedOffset>> byGroup = pending.get(producerId);
        if (byGroup == null) {
            return;
        }
        byGroup.entrySet().removeIf(e -> {
            if (partitionFor(e.getKey()) != partition) {
                return false;
            }
            if (commit) {
                offsets.computeIfAbsent(e.getKey(), g -> new ConcurrentHashMap<>()).putAll(e.getValue());
            }
            return true;
        });
        if (byGroup.isEmpty()) {
            pending.remove(producerId, byGroup);
        }
    }

    /** Whether an open transaction holds an offset of {@code tp} for the group (OffsetFetch require_stable). */
    public boolean hasPendingOffset(String groupId, TopicPartition tp) {
        for (Map<String, Map<TopicPartition, CommittedOffset>> byGroup : pending.values()) {
            Map<TopicPartition, CommittedOffset> group = byGroup.get(groupId);
            if (group != null && group.containsKey(tp)) {
                return true;
            }
        }
        return false;
    }

    /** Forget offsets (tombstones); with {@code all}, the group itself is gone afterwards. */
    public CompletableFuture<Errors> delete(String groupId, Collection<TopicPartition> partitionsToDelete) {
        if (partitionsToDelete.isEmpty()) {
            offsets.remove(groupId);
            return CompletableFuture.completedFuture(Errors.NONE);
        }
        MemoryRecordsBuilder builder = builder();
        long now = System.currentTimeMillis();
        partitionsToDelete.forEach(tp -> builder.append(now, OffsetRecordCodec.key(groupId, tp), null));
        return write(groupId, builder.build()).thenApply(error -> {
            if (error == Errors.NONE) {
                Map<TopicPartition, CommittedOffset> group = offsets.get(groupId);
                if (group != null) {
                    partitionsToDelete.forEach(group::remove);
                    if (group.isEmpty()) {
                        offsets.remove(groupId);
                    }
                }
            }
            return error;
        });
    }

    private CompletableFuture<Errors> write(String groupId, MemoryRecords records) {
        TopicPartition tp = new TopicPartition(TOPIC, partitionFor(groupId));
        // acks=all (Kafka's offsets.commit.required.acks=-1): a commit is answered once every in-sync replica of
        // the offsets partition has it, so the next coordinator after a failover has it too.
        return appender.append(tp, records, (short) -1).thenApply((AppendResult result) -> {
            if (!result.ok()) {
                LOG.errorf("could not persist offsets of group %s to %s: %s %s", groupId, tp, result.error(), result.message());
                return commitError(result.error());
            }
            return Errors.NONE;
        });
    }

    /** The offsets partition's write error as a group client understands it (as Kafka's coordinator maps it). */
    static Errors commitError(Errors appendError) {
        return switch (appendError) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT,
                    KAFKA_STORAGE_ERROR -> Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH -> Errors.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> Errors.INVALID_COMMIT_OFFSET_SIZE;
            default -> appendError;
        };
    }

    private static MemoryRecordsBuilder builder() {
        return MemoryRecords.builder(ByteBuffer.allocate(512), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
    }

    /** Rebuild the in-memory offsets from the internal topic at start; the latest record per key wins. */
    public void load(LogManager logs) throws IOException {
        long started = System.currentTimeMillis();
        int records = 0;
        for (int p = 0; p < partitions; p++) {
            PartitionLog log = logs.log(new TopicPartition(TOPIC, p));
            if (log != null) {
                records += replay(log, p, ReadBound.HIGH_WATERMARK);
            }
        }
        LOG.infof("loaded committed offsets of %d groups from %d records of %s in %d ms", offsets.size(), records,
                TOPIC, System.currentTimeMillis() - started);
    }

    /**
     * This broker now leads offsets partition {@code partition}: what it holds in memory for that partition's
     * groups is whatever it read while it last led it or at start, and everything the previous leader committed
     * since is in the log it replicated. Forget the partition's groups and read the log again, to its end: as
     * the new leader its whole log is the truth (the previous leader acknowledged commits only once every in-sync
     * replica, this one included, had them).
     */
    public void reload(LogManager logs, int partition) throws IOException {
        PartitionLog log = logs.log(new TopicPartition(TOPIC, partition));
        if (log == null) {
            return;
        }
        long started = System.currentTimeMillis();
        offsets.keySet().removeIf(group -> partitionFor(group) == partition);
        pending.values().forEach(byGroup -> byGroup.keySet().removeIf(group -> partitionFor(group) == partition));
        pending.values().removeIf(Map::isEmpty);
        int records = replay(log, partition, ReadBound.LOG_END);
        LOG.infof("loaded %s-%d as its new leader: %d records up to offset %d in %d ms", TOPIC, partition, records,
                log.logEndOffset(), System.currentTimeMillis() - started);
    }

    private int replay(PartitionLog log, int p, ReadBound bound) throws IOException {
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
                    if (record.offset() < offset) {
                        continue;
                    }
                    if (batch.isControlBatch()) {
                        ControlRecordType type = ControlRecordType.parse(record.key());
                        if (type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT) {
                            completeTransaction(batch.producerId(), p, type == ControlRecordType.COMMIT);
                        }
                    } else if (batch.isTransactional()) {
                        applyPending(batch.producerId(), record);
                    } else {
                        apply(record);
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

    private void applyPending(long producerId, Record record) {
        if (!record.hasKey() || !record.hasValue()) {
            return;
        }
        OffsetRecordCodec.Key key = OffsetRecordCodec.readKey(record.key());
        pending.computeIfAbsent(producerId, id -> new ConcurrentHashMap<>())
                .computeIfAbsent(key.group(), g -> new ConcurrentHashMap<>())
                .put(key.partition(), OffsetRecordCodec.readValue(record.value()));
    }

    private void apply(Record record) {
        if (!record.hasKey()) {
            return;
        }
        OffsetRecordCodec.Key key = OffsetRecordCodec.readKey(record.key());
        if (!record.hasValue()) {
            Map<TopicPartition, CommittedOffset> group = offsets.get(key.group());
            if (group != null) {
                group.remove(key.partition());
                if (group.isEmpty()) {
                    offsets.remove(key.group());
                }
            }
            return;
        }
        offsets.computeIfAbsent(key.group(), g -> new ConcurrentHashMap<>())
                .put(key.partition(), OffsetRecordCodec.readValue(record.value()));
    }

    Map<String, Map<TopicPartition, CommittedOffset>> snapshot() {
        Map<String, Map<TopicPartition, CommittedOffset>> copy = new HashMap<>();
        offsets.forEach((g, m) -> copy.put(g, Map.copyOf(m)));
        return copy;
    }
}
