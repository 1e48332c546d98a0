package dev.floe.broker.replication;

import dev.floe.broker.log.LeaderEpochCache;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * OffsetsForLeaderEpoch (KIP-101/279): where a leader epoch ended in this leader's log, so a follower (or a
 * consumer validating its position, KIP-320) can cut what a deposed leader wrote. Only the current leader
 * answers, and only to a caller that knows its epoch (or names none).
 */
public final class OffsetsForLeaderEpochHandler implements ApiHandler<OffsetForLeaderEpochRequestData> {
    private static final Logger LOG = Logger.getLogger(OffsetsForLeaderEpochHandler.class);
    private final LogManager logs;
    private final Replication replication;
    private final Executor io;

    public OffsetsForLeaderEpochHandler(LogManager logs, Replication replication, Executor io) {
        this.logs = logs;
        this.replication = replication;
        this.io = io;
    }

    @Override
    public CompletionStage<OffsetForLeaderEpochResponseData> handle(RequestContext ctx,
                                                                    OffsetForLeaderEpochRequestData request) {
        // The epoch history may have to be read from disk the first time: never on an event loop.
        return CompletableFuture.supplyAsync(() -> answer(request), io);
    }

    private OffsetForLeaderEpochResponseData answer(OffsetForLeaderEpochRequestData request) {
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic : request.topics()) {
            OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult out =
                    new OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult().setTopic(topic.topic());
            response.topics().add(out);
            for (OffsetForLeaderEpochRequestData.OffsetForLeaderPartition p : topic.partitions()) {
                OffsetForLeaderEpochResponseData.EpochEndOffset end = new OffsetForLeaderEpochResponseData.EpochEndOffset()
                        .setPartition(p.partition()).setLeaderEpoch(LeaderEpochCache.UNDEFINED_EPOCH)
                        .setEndOffset(LeaderEpochCache.UNDEFINED_OFFSET);
                out.partitions().add(end);
                TopicPartition tp = new TopicPartition(topic.topic(), p.partition());
                PartitionLog log = logs.log(tp);
                if (log == null) {
                    end.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    continue;
                }
                Errors leadership = replication.checkLeader(tp, p.currentLeaderEpoch());
                if (leadership != Errors.NONE) {
                    end.setErrorCode(leadership.code());
                    continue;
                }
                try {
                    LeaderEpochCache.EpochEnd found = log.endOffsetForEpoch(p.leaderEpoch());
                    end.setLeaderEpoch(found.epoch()).setEndOffset(found.endOffset());
                } catch (IOException e) {
                    LOG.errorf("%s: cannot read the leader epoch history: %s", tp, e.getMessage());
                    end.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
                }
            }
        }
        return response;
    }
}
