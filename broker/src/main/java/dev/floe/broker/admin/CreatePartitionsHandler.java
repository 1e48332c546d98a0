package dev.floe.broker.admin;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.topic.TopicError;
import dev.floe.broker.topic.TopicService;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** CreatePartitions: grow a topic's partition count; it never shrinks. */
public final class CreatePartitionsHandler implements ApiHandler<CreatePartitionsRequestData> {
    private final TopicService topics;
    private final Executor io;

    public CreatePartitionsHandler(TopicService topics, Executor io) {
        this.topics = topics;
        this.io = io;
    }

    @Override
    public CompletionStage<CreatePartitionsResponseData> handle(RequestContext ctx, CreatePartitionsRequestData request) {
        return CompletableFuture.supplyAsync(() -> {
            CreatePartitionsResponseData response = new CreatePartitionsResponseData();
            for (CreatePartitionsRequestData.CreatePartitionsTopic t : request.topics()) {
                CreatePartitionsResponseData.CreatePartitionsTopicResult result =
                        new CreatePartitionsResponseData.CreatePartitionsTopicResult().setName(t.name());
                response.results().add(result);
                TopicError problem = topics.validatePartitionIncrease(t.name(), t.count());
                if (!problem.ok()) {
                    result.setErrorCode(problem.error().code()).setErrorMessage(problem.message());
                    continue;
                }
                if (!request.validateOnly()) {
                    try {
                        topics.increasePartitions(t.name(), t.count());
                    } catch (IOException e) {
                        result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.getMessage());
                    }
                }
            }
            return response;
        }, io);
    }
}
