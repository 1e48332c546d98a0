package dev.floe.broker.admin;

import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.config.BrokerConfig;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.reassign.throttle.ThrottleRates;
import dev.floe.broker.topic.TopicConfigs;
import dev.floe.broker.topic.TopicInfo;
import dev.floe.broker.topic.TopicService;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * DescribeConfigs for topics (every Kafka topic config, marking which the topic overrides) and for the broker
 * (its settings under Kafka's broker config names, read-only; see {@link BrokerConfigView}).
 */
public final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequestData> {
    static final byte TOPIC = 2;
    static final byte BROKER = 4;
    static final byte BROKER_LOGGER = 8;
    private static final byte SOURCE_TOPIC = 1;
    private static final byte SOURCE_DYNAMIC_BROKER = 2;
    private static final byte TYPE_LONG = 5;
    private static final byte SOURCE_STATIC_BROKER = 4;
    private static final byte SOURCE_DEFAULT = 5;

    private final TopicService topics;
    private final ClusterView cluster;
    private final BrokerConfig brokerConfig;
    private final ThrottleRates throttleRates;

    public DescribeConfigsHandler(TopicService topics, ClusterView cluster, BrokerConfig brokerConfig) {
        this(topics, cluster, brokerConfig, null);
    }

    /** @param throttleRates this broker's replication throttle (the one broker setting clients change); null standalone */
    public DescribeConfigsHandler(TopicService topics, ClusterView cluster, BrokerConfig brokerConfig,
                                  ThrottleRates throttleRates) {
        this.topics = topics;
        this.cluster = cluster;
        this.brokerConfig = brokerConfig;
        this.throttleRates = throttleRates;
    }

    @Override
    public CompletionStage<DescribeConfigsResponseData> handle(RequestContext ctx, DescribeConfigsRequestData request) {
        DescribeConfigsResponseData response = new DescribeConfigsResponseData();
        for (DescribeConfigsRequestData.DescribeConfigsResource resource : request.resources()) {
            response.results().add(describe(resource, request.includeDocumentation()));
        }
        return CompletableFuture.completedFuture(response);
    }

    private DescribeConfigsResponseData.DescribeConfigsResult describe(
            DescribeConfigsRequestData.DescribeConfigsResource resource, boolean documentation) {
        DescribeConfigsResponseData.DescribeConfigsResult result = new DescribeConfigsResponseData.DescribeConfigsResult()
                .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
        Map<String, String> overrides;
        switch (resource.resourceType()) {
            case TOPIC -> {
                TopicInfo topic = topics.get(resource.resourceName());
                if (topic == null) {
                    return result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage("topic '" + resource.resourceName() + "' does not exist");
                }
                overrides = topic.configs();
            }
            case BROKER, BROKER_LOGGER -> {
                if (!resource.resourceName().isEmpty()
                        && !resource.resourceName().equals(Integer.toString(cluster.localNodeId()))) {
                    return result.setErrorCode(Errors.INVALID_REQUEST.code())
                            .setErrorMessage("broker " + resource.resourceName() + " is not this broker");
                }
                if (resource.resourceType() == BROKER_LOGGER) {
                    return result;
                }
                return describeBroker(resource, result);
            }
            default -> {
                return result.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("resource type " + resource.resourceType() + " has no configs in Floe");
            }
        }
        Map<String, String> effective = new LinkedHashMap<>(topics.configs().defaults());
        effective.putAll(overrides);
        for (Map.Entry<String, String> e : effective.entrySet()) {
            if (resource.configurationKeys() != null && !resource.configurationKeys().contains(e.getKey())) {
                continue;
            }
            boolean overridden = overrides.containsKey(e.getKey());
            result.configs().add(new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                    .setName(e.getKey())
                    .setValue(e.getValue())
                    .setReadOnly(false)
                    .setConfigSource(overridden ? SOURCE_TOPIC : SOURCE_DEFAULT)
                    .setIsSensitive(false)
                    .setConfigType(TopicConfigs.typeCode(e.getKey()))
                    .setDocumentation(null));
        }
        return result;
    }

    private DescribeConfigsResponseData.DescribeConfigsResult describeBroker(
            DescribeConfigsRequestData.DescribeConfigsResource resource,
            DescribeConfigsResponseData.DescribeConfigsResult result) {
        for (BrokerConfigView.Entry e : BrokerConfigView.entries(brokerConfig, cluster.localNodeId(),
                topics.configs().defaults())) {
            if (resource.configurationKeys() != null && !resource.configurationKeys().contains(e.name())) {
                continue;
            }
            result.configs().add(new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                    .setName(e.name())
                    .setValue(e.value())
                    .setReadOnly(true)
                    .setConfigSource(e.isDefault() ? SOURCE_DEFAULT : SOURCE_STATIC_BROKER)
                    .setIsSensitive(false)
                    .setConfigType(e.type())
                    .setDocumentation(null));
        }
        if (throttleRates != null && !resource.resourceName().isEmpty()) {
            // Set through AlterConfigs on this broker (kafka-reassign-partitions --throttle, kafka-configs).
            for (String name : new String[]{ThrottleRates.LEADER, ThrottleRates.FOLLOWER}) {
                java.util.OptionalLong value = throttleRates.dynamic(name);
                if (value.isEmpty() || resource.configurationKeys() != null
                        && !resource.configurationKeys().contains(name)) {
                    continue;
                }
                result.configs().add(new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                        .setName(name).setValue(Long.toString(value.getAsLong())).setReadOnly(false)
                        .setConfigSource(SOURCE_DYNAMIC_BROKER).setIsSensitive(false).setConfigType(TYPE_LONG)
                        .setDocumentation(null));
            }
        }
        return result;
    }
}
