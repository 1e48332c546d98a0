package dev.floe.broker.fetch;

import dev.floe.broker.replication.Replication;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.TimestampOffset;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.tier.TieringService;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** ListOffsets: earliest, latest, max timestamp, earliest local, latest tiered, and lookups by time. */
public final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequestData> {
    public static final long LATEST = -1;
    public static final long EARLIEST = -2;
    public static final long MAX_TIMESTAMP = -3;
    public static final long EARLIEST_LOCAL = -4;
    public static final long LATEST_TIERED = -5;
    private static final Logger LOG = Logger.getLogger(ListOffsetsHandler.class);

    private final LogManager logs;
    private final Replication replication;
    private final Executor io;
    private final Executor remoteReads;
    private final TieringService tier;

    /**
     * {@code tier} is null when no object storage is configured. Searches by timestamp may read object storage, so
     * requests with one run on {@code remoteReads}, never on the I/O threads that appends and local reads need.
     */
    public ListOffsetsHandler(LogManager logs, Replication replication, Executor io, TieringService tier,
                              Executor remoteReads) {
        this.remoteReads = remoteReads;
        this.tier = tier;
        this.logs = logs;
        this.replication = replication;
        this.io = io;
    }

    @Override
    public CompletionStage<ListOffsetsResponseData> handle(RequestContext ctx, ListOffsetsRequestData request) {
        return CompletableFuture.supplyAsync(() -> {
            ListOffsetsResponseData response = new ListOffsetsResponseData();
            for (ListOffsetsRequestData.ListOffsetsTopic topic : request.topics()) {
                ListOffsetsResponseData.ListOffsetsTopicResponse topicResponse =
                        new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(topic.name());
                response.topics().add(topicResponse);
                for (ListOffsetsRequestData.ListOffsetsPartition p : topic.partitions()) {
                    ListOffsetsResponseData.ListOffsetsPartitionResponse out =
                            lookup(new TopicPartition(topic.name(), p.partitionIndex()), p.timestamp(),
                                    p.currentLeaderEpoch(), request.isolationLevel() == TxnFetchView.READ_COMMITTED);
                    if (ctx.apiVersion() < 4) {
                        out.setLeaderEpoch(-1); // the field exists from v4 on
                    }
                    topicResponse.partitions().add(out);
                }
            }
            return response;
        }, mayReadObjectStorage(request) ? remoteReads : io);
    }

    private boolean mayReadObjectStorage(ListOffsetsRequestData request) {
        if (tier == null) {
            return false;
        }
        for (ListOffsetsRequestData.ListOffsetsTopic topic : request.topics()) {
            for (ListOffsetsRequestData.ListOffsetsPartition p : topic.partitions()) {
                if (p.timestamp() >= 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private ListOffsetsResponseData.ListOffsetsPartitionResponse lookup(TopicPartition tp, long timestamp,
                                                                        int clientLeaderEpoch, boolean committed) {
        ListOffsetsResponseData.ListOffsetsPartitionResponse out = new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                .setPartitionIndex(tp.partition()).setTimestamp(-1).setOffset(-1);
        PartitionLog log = logs.log(tp);
        if (log == null) {
            return out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        Errors leadership = replication.checkLeader(tp, clientLeaderEpoch);
        if (leadership != Errors.NONE) {
            return out.setErrorCode(leadership.code());
        }
        out.setLeaderEpoch(log.leaderEpoch());
        try {
            if (timestamp == LATEST) {
                // A read_committed consumer's end is the last stable offset, as in Kafka.
                return out.setOffset(committed ? log.lastStableOffset() : log.highWatermark());
            }
            long remoteStart = tier == null ? -1 : tier.remoteStart(tp);
            if (timestamp == EARLIEST) {
                return out.setOffset(remoteStart >= 0 ? Math.min(remoteStart, log.logStartOffset()) : log.logStartOffset());
            }
            if (timestamp == EARLIEST_LOCAL) {
                return out.setOffset(log.logStartOffset());
            }
            if (timestamp == LATEST_TIERED) {
                return out.setOffset(tier == null ? -1 : tier.remoteEnd(tp));
            }
            TimestampOffset found = timestamp == MAX_TIMESTAMP ? log.maxTimestampRecord() : log.offsetForTimestamp(timestamp);
            if (timestamp >= 0 && tier != null) {
                TimestampOffset cold = tier.offsetForTimestamp(tp, timestamp);
                if (cold != null && (found == null || cold.offset() < found.offset())) {
                    found = cold;
                }
            }
            if (found != null) {
                out.setOffset(found.offset()).setTimestamp(found.timestamp()).setLeaderEpoch(found.leaderEpoch());
            }
            return out;
        } catch (IOException e) {
            LOG.errorf("%s: offset lookup for timestamp %d failed: %s", tp, timestamp, e.getMessage());
            return out.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
    }
}
