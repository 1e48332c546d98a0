package dev.floe.broker.admin;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.topic.TopicChangeException;
import dev.floe.broker.topic.TopicError;
import dev.floe.broker.topic.TopicInfo;
import dev.floe.broker.topic.TopicService;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** CreateTopics, including validate-only requests; each topic succeeds or fails on its own. */
public final class CreateTopicsHandler implements ApiHandler<CreateTopicsRequestData> {
    private static final byte SOURCE_TOPIC = 1;
    private static final byte SOURCE_DEFAULT = 5;
    private final TopicService topics;
    private final Executor io;

    public CreateTopicsHandler(TopicService topics, Executor io) {
        this.topics = topics;
        this.io = io;
    }

    @Override
    public CompletionStage<CreateTopicsResponseData> handle(RequestContext ctx, CreateTopicsRequestData request) {
        return CompletableFuture.supplyAsync(() -> {
            CreateTopicsResponseData response = new CreateTopicsResponseData();
            for (CreateTopicsRequestData.CreatableTopic t : request.topics()) {
                response.topics().add(create(t, request.validateOnly()));
            }
            return response;
        }, io);
    }

    private CreateTopicsResponseData.CreatableTopicResult create(CreateTopicsRequestData.CreatableTopic t, boolean validateOnly) {
        CreateTopicsResponseData.CreatableTopicResult result = new CreateTopicsResponseData.CreatableTopicResult()
                .setName(t.name()).setNumPartitions(-1).setReplicationFactor((short) -1);
        int partitions;
        short replication;
        if (!t.assignments().isEmpty()) {
            if (t.numPartitions() != -1 || t.replicationFactor() != -1) {
                return fail(result, Errors.INVALID_REQUEST,
                        "give either a replica assignment or partitions and replication factor, not both");
            }
            partitions = t.assignments().size();
            replication = (short) t.assignments().iterator().next().brokerIds().size();
        } else {
            partitions = t.numPartitions() == -1 ? topics.defaultPartitions() : t.numPartitions();
            replication = t.replicationFactor() == -1 ? (short) topics.defaultReplicationFactor() : t.replicationFactor();
        }
        Map<String, String> configs = new LinkedHashMap<>();
        for (CreateTopicsRequestData.CreatableTopicConfig c : t.configs()) {
            configs.put(c.name(), c.value());
        }
        TopicError problem = topics.validateCreate(t.name(), partitions, replication, configs);
        if (!problem.ok()) {
            return fail(result, problem.error(), problem.message());
        }
        if (!validateOnly) {
            try {
                TopicInfo created = topics.create(t.name(), partitions, replication, configs);
                if (created == null) {
                    return fail(result, Errors.TOPIC_ALREADY_EXISTS, "topic '" + t.name() + "' already exists");
                }
                result.setTopicId(created.topicId());
            } catch (TopicChangeException e) {
                return fail(result, e.error(), e.getMessage());
            } catch (IOException e) {
                return fail(result, Errors.KAFKA_STORAGE_ERROR, "could not record the topic: " + e.getMessage());
            }
        }
        result.setNumPartitions(partitions).setReplicationFactor(replication);
        Map<String, String> effective = new HashMap<>(topics.configs().defaults());
        effective.putAll(configs);
        effective.forEach((name, value) -> result.configs().add(new CreateTopicsResponseData.CreatableTopicConfigs()
                .setName(name).setValue(value).setReadOnly(false)
                .setConfigSource(configs.containsKey(name) ? SOURCE_TOPIC : SOURCE_DEFAULT)
                .setIsSensitive(false)));
        return result;
    }

    private static CreateTopicsResponseData.CreatableTopicResult fail(CreateTopicsResponseData.CreatableTopicResult r,
                                                                     Errors error, String message) {
        return r.setErrorCode(error.code()).setErrorMessage(message);
    }

}
