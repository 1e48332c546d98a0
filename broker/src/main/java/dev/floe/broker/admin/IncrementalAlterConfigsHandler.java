package dev.floe.broker.admin;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.reassign.ThrottleConfigs;
import dev.floe.broker.reassign.throttle.ThrottleRates;
import dev.floe.broker.topic.TopicError;
import dev.floe.broker.topic.TopicInfo;
import dev.floe.broker.topic.TopicService;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT applied to a topic's overrides. */
public final class IncrementalAlterConfigsHandler implements ApiHandler<IncrementalAlterConfigsRequestData> {
    private static final byte SET = 0;
    private static final byte DELETE = 1;
    private static final byte APPEND = 2;
    private static final byte SUBTRACT = 3;
    private final TopicService topics;
    private final Executor io;
    private final int localId;
    private final ThrottleRates throttleRates;

    public IncrementalAlterConfigsHandler(TopicService topics, Executor io) {
        this(topics, io, -1, null);
    }

    /** @param throttleRates this broker's replication throttle, which clients may set; null standalone */
    public IncrementalAlterConfigsHandler(TopicService topics, Executor io, int localId, ThrottleRates throttleRates) {
        this.topics = topics;
        this.io = io;
        this.localId = localId;
        this.throttleRates = throttleRates;
    }

    @Override
    public CompletionStage<IncrementalAlterConfigsResponseData> handle(RequestContext ctx,
                                                                        IncrementalAlterConfigsRequestData request) {
        return CompletableFuture.supplyAsync(() -> {
            IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
            for (IncrementalAlterConfigsRequestData.AlterConfigsResource resource : request.resources()) {
                response.responses().add(alter(resource, request.validateOnly()));
            }
            return response;
        }, io);
    }

    private IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse alter(
            IncrementalAlterConfigsRequestData.AlterConfigsResource resource, boolean validateOnly) {
        IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse out =
                new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                        .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
        if (resource.resourceType() == DescribeConfigsHandler.BROKER && ThrottleConfigs.onlyThrottles(resource)) {
            ThrottleConfigs.Outcome outcome = ThrottleConfigs.alterBroker(resource, localId, throttleRates, validateOnly);
            return out.setErrorCode(outcome.error().code()).setErrorMessage(outcome.message());
        }
        if (resource.resourceType() != DescribeConfigsHandler.TOPIC) {
            return out.setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage("only topic configs and the replication throttle rates can be changed on Floe;"
                            + " other broker settings come from its environment (the Cluster's spec.config)");
        }
        TopicInfo topic = topics.get(resource.resourceName());
        if (topic == null) {
            return out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                    .setErrorMessage("topic '" + resource.resourceName() + "' does not exist");
        }
        if (ThrottleConfigs.onlyClearsAbsentTopicThrottles(resource, topic.configs())) {
            return out;
        }
        Map<String, String> configs = new LinkedHashMap<>(topic.configs());
        for (IncrementalAlterConfigsRequestData.AlterableConfig c : resource.configs()) {
            switch (c.configOperation()) {
                case SET -> configs.put(c.name(), c.value());
                case DELETE -> configs.remove(c.name());
                case APPEND, SUBTRACT -> {
                    String current = configs.getOrDefault(c.name(), topics.configs().defaults().getOrDefault(c.name(), ""));
                    List<String> items = new ArrayList<>(current.isBlank() ? List.of() : Arrays.asList(current.split(",")));
                    List<String> change = Arrays.asList(c.value() == null ? new String[0] : c.value().split(","));
                    if (c.configOperation() == APPEND) {
                        change.stream().filter(v -> !items.contains(v)).forEach(items::add);
                    } else {
                        items.removeAll(change);
                    }
                    configs.put(c.name(), String.join(",", items));
                }
                default -> {
                    return out.setErrorCode(Errors.INVALID_REQUEST.code())
                            .setErrorMessage("unknown config operation " + c.configOperation());
                }
            }
        }
        TopicError problem = topics.validateConfigs(resource.resourceName(), configs);
        if (!problem.ok()) {
            return out.setErrorCode(problem.error().code()).setErrorMessage(problem.message());
        }
        if (!validateOnly) {
            try {
                topics.replaceConfigs(resource.resourceName(), configs);
            } catch (IOException e) {
                return out.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.getMessage());
            }
        }
        return out;
    }
}
