package dev.floe.broker.reassign;

import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.Errors;

import java.io.File;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * DescribeLogDirs (API 35): the one data directory of this broker and the partitions it holds a replica of, with
 * their local size. {@code kafka-reassign-partitions.sh} asks for it before it moves anything (to print the current
 * assignment with log directories), and {@code kafka-log-dirs.sh} shows it. Floe has one log directory per broker,
 * so moving a replica between directories (AlterReplicaLogDirs) does not apply.
 */
public final class DescribeLogDirsHandler implements ApiHandler<DescribeLogDirsRequestData> {
    private final LogManager logs;
    private final Predicate<TopicPartition> hosted;
    private final Executor io;

    /** @param hosted whether this broker holds a replica of the partition (every local log standalone) */
    public DescribeLogDirsHandler(LogManager logs, Predicate<TopicPartition> hosted, Executor io) {
        this.logs = logs;
        this.hosted = hosted;
        this.io = io;
    }

    @Override
    public CompletionStage<DescribeLogDirsResponseData> handle(RequestContext ctx, DescribeLogDirsRequestData request) {
        return CompletableFuture.supplyAsync(() -> {
            Map<String, DescribeLogDirsTopic> topics = new TreeMap<>();
            for (PartitionLog log : logs.all()) {
                TopicPartition tp = log.topicPartition();
                if (!asked(request, tp) || !hosted.test(tp)) {
                    continue;
                }
                topics.computeIfAbsent(tp.topic(), name -> new DescribeLogDirsTopic().setName(name)).partitions()
                        .add(new DescribeLogDirsPartition().setPartitionIndex(tp.partition())
                                .setPartitionSize(log.sizeInBytes()).setOffsetLag(0).setIsFutureKey(false));
            }
            File dir = logs.dataDir().toFile();
            DescribeLogDirsResult result = new DescribeLogDirsResult().setErrorCode(Errors.NONE.code())
                    .setLogDir(logs.dataDir().toAbsolutePath().toString())
                    .setTopics(new java.util.ArrayList<>(topics.values()))
                    .setTotalBytes(dir.getTotalSpace()).setUsableBytes(dir.getUsableSpace());
            return new DescribeLogDirsResponseData().setErrorCode(Errors.NONE.code())
                    .setResults(new java.util.ArrayList<>(java.util.List.of(result)));
        }, io);
    }

    private static boolean asked(DescribeLogDirsRequestData request, TopicPartition tp) {
        if (request.topics() == null) {
            return true;
        }
        DescribeLogDirsRequestData.DescribableLogDirTopic topic = request.topics().find(tp.topic());
        return topic != null && topic.partitions().contains(tp.partition());
    }
}
