package dev.floe.broker.admin;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.topic.TopicError;
import dev.floe.broker.topic.TopicService;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** The legacy AlterConfigs: the request's configs replace all of a topic's overrides. */
public final class AlterConfigsHandler implements ApiHandler<AlterConfigsRequestData> {
    private final TopicService topics;
    private final Executor io;

    public AlterConfigsHandler(TopicService topics, Executor io) {
        this.topics = topics;
        this.io = io;
    }

    @Override
    public CompletionStage<AlterConfigsResponseData> handle(RequestContext ctx, AlterConfigsRequestData request) {
        return CompletableFuture.supplyAsync(() -> {
            AlterConfigsResponseData response = new AlterConfigsResponseData();
            for (AlterConfigsRequestData.AlterConfigsResource resource : request.resources()) {
                AlterConfigsResponseData.AlterConfigsResourceResponse out = new AlterConfigsResponseData.AlterConfigsResourceResponse()
                        .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
                response.responses().add(out);
                if (resource.resourceType() != DescribeConfigsHandler.TOPIC) {
                    out.setErrorCode(Errors.INVALID_REQUEST.code())
                            .setErrorMessage("only topic configs can be changed on Floe; broker settings come from its environment");
                    continue;
                }
                Map<String, String> configs = new LinkedHashMap<>();
                resource.configs().forEach(c -> configs.put(c.name(), c.value()));
                TopicError problem = topics.validateConfigs(resource.resourceName(), configs);
                if (!problem.ok()) {
                    out.setErrorCode(problem.error().code()).setErrorMessage(problem.message());
                    continue;
                }
                if (!request.validateOnly()) {
                    try {
                        topics.replaceConfigs(resource.resourceName(), configs);
                    } catch (IOException e) {
                        out.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.getMessage());
                    }
                }
            }
            return response;
        }, io);
    }
}
