package dev.floe.broker.admin;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.topic.TopicError;
import dev.floe.broker.topic.TopicInfo;
import dev.floe.broker.topic.TopicService;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** DeleteTopics by name (all versions) or by topic id (v6+); deleting a topic deletes its data. */
public final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequestData> {
    private final TopicService topics;
    private final Executor io;

    public DeleteTopicsHandler(TopicService topics, Executor io) {
        this.topics = topics;
        this.io = io;
    }

    @Override
    public CompletionStage<DeleteTopicsResponseData> handle(RequestContext ctx, DeleteTopicsRequestData request) {
        return CompletableFuture.supplyAsync(() -> {
            DeleteTopicsResponseData response = new DeleteTopicsResponseData();
            for (String name : request.topicNames()) {
                response.responses().add(delete(name, null));
            }
            for (DeleteTopicsRequestData.DeleteTopicState state : request.topics()) {
                String name = state.name();
                if (name == null && state.topicId() != null && !Uuid.ZERO_UUID.equals(state.topicId())) {
                    name = topics.registry().nameOf(state.topicId());
                    if (name == null) {
                        response.responses().add(new DeleteTopicsResponseData.DeletableTopicResult()
                                .setTopicId(state.topicId()).setErrorCode(Errors.UNKNOWN_TOPIC_ID.code())
                                .setErrorMessage("no topic has id " + state.topicId()));
                        continue;
                    }
                }
                response.responses().add(delete(name, state.topicId()));
            }
            return response;
        }, io);
    }

    private DeleteTopicsResponseData.DeletableTopicResult delete(String name, Uuid id) {
        DeleteTopicsResponseData.DeletableTopicResult result = new DeleteTopicsResponseData.DeletableTopicResult()
                .setName(name);
        TopicInfo topic = topics.get(name);
        result.setTopicId(topic != null ? topic.topicId() : id == null ? Uuid.ZERO_UUID : id);
        try {
            TopicError error = topics.delete(name);
            return result.setErrorCode(error.error().code()).setErrorMessage(error.message());
        } catch (IOException e) {
            return result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.getMessage());
        }
    }
}
