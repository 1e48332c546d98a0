package dev.floe.broker.http;

import dev.floe.broker.log.AppendResult;
import dev.floe.broker.produce.PartitionAppender;
import dev.floe.broker.topic.TopicInfo;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Utils;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Produces HTTP records through the same appender as Kafka's Produce: one batch per partition per call, keys
 * placed with the Java client's partitioner (murmur2), unkeyed records spread round-robin.
 */
final class RecordWriter {
    private final PartitionAppender appender;
    private final Map<String, AtomicInteger> roundRobin = new ConcurrentHashMap<>();

    RecordWriter(PartitionAppender appender) {
        this.appender = appender;
    }

    /** Where a record goes: its explicit partition, its key's hash, or the next partition in turn. */
    int partitionFor(TopicInfo topic, RecordCodec.Incoming record) {
        if (record.partition() != null) {
            if (record.partition() < 0 || record.partition() >= topic.partitions()) {
                throw Problem.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + topic.name() + "' has partitions 0 to "
                        + (topic.partitions() - 1) + ", not " + record.partition());
            }
            return record.partition();
        }
        if (record.key() != null) {
            return Utils.toPositive(Utils.murmur2(record.key())) % topic.partitions();
        }
        return Utils.toPositive(roundRobin.computeIfAbsent(topic.name(), t -> new AtomicInteger()).getAndIncrement())
                % topic.partitions();
    }

    /** Sends a partition's records to another broker; null when this broker writes them itself. */
    interface Forward {
        Forward NONE = (partition, indexes) -> null;

        /** The results of records {@code indexes}, all for {@code partition}, as its leader wrote them. */
        CompletableFuture<List<JsonObject>> to(int partition, List<Integer> indexes);
    }

    /** Append the records; the results come back in the records' order, each a position or an error. */
    CompletableFuture<List<JsonObject>> write(TopicInfo topic, List<RecordCodec.Incoming> records) {
        return write(topic, records, Forward.NONE);
    }

    /** As above, sending the records of partitions led elsewhere to their leaders as {@code forward} says. */
    CompletableFuture<List<JsonObject>> write(TopicInfo topic, List<RecordCodec.Incoming> records, Forward forward) {
        Map<Integer, List<Integer>> byPartition = new LinkedHashMap<>();
        List<JsonObject> results = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            results.add(null);
            try {
                byPartition.computeIfAbsent(partitionFor(topic, records.get(i)), p -> new ArrayList<>()).add(i);
            } catch (Problem p) {
                results.set(i, new JsonObject().put("error", p.toJson(null)));
            }
        }
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        long now = System.currentTimeMillis();
        byPartition.forEach((partition, indexes) -> {
            CompletableFuture<List<JsonObject>> forwarded = forward.to(partition, indexes);
            if (forwarded != null) {
                pending.add(forwarded.handle((answers, error) -> {
                    for (int j = 0; j < indexes.size(); j++) {
                        results.set(indexes.get(j), error == null && answers != null && j < answers.size()
                                ? answers.get(j) : new JsonObject().put("partition", partition).put("error", Problem.of(
                                        Errors.NOT_LEADER_OR_FOLLOWER, "this broker does not lead partition " + partition
                                                + " and could not forward to its leader: " + (error == null
                                                ? "no result" : error.getMessage()) + "; retry shortly").toJson(null)));
                    }
                    return null;
                }));
                return;
            }
            MemoryRecords batch = batch(records, indexes, now);
            pending.add(appender.append(new TopicPartition(topic.name(), partition), batch).thenAccept(result -> {
                for (int j = 0; j < indexes.size(); j++) {
                    results.set(indexes.get(j), outcome(partition, result, j));
                }
            }));
        });
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(v -> results);
    }

    private static JsonObject outcome(int partition, AppendResult result, int index) {
        if (!result.ok()) {
            return new JsonObject().put("partition", partition)
                    .put("error", Problem.of(result.error(), result.message()).toJson(null));
        }
        JsonObject out = new JsonObject().put("partition", partition).put("offset", result.baseOffset() + index);
        if (result.logAppendTime() > 0) {
            out.put("timestamp", result.logAppendTime());
        }
        return out;
    }

    private static MemoryRecords batch(List<RecordCodec.Incoming> records, List<Integer> indexes, long now) {
        int estimate = 128;
        for (int i : indexes) {
            RecordCodec.Incoming r = records.get(i);
            estimate += 64 + (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
            for (Header h : r.headers()) {
                estimate += 16 + h.key().length() + (h.value() == null ? 0 : h.value().length);
            }
        }
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(estimate), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L);
        for (int i : indexes) {
            RecordCodec.Incoming r = records.get(i);
            builder.append(r.timestamp() == null ? now : r.timestamp(), r.key(), r.value(), r.headers().toArray(Header[]::new));
        }
        return builder.build();
    }
}
