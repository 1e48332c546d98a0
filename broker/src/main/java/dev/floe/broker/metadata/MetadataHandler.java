package dev.floe.broker.metadata;

import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.topic.TopicInfo;
import dev.floe.broker.topic.TopicNames;
import dev.floe.broker.topic.TopicService;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** Metadata: brokers, and topics with their partitions' leaders; creates topics on demand when allowed. */
public final class MetadataHandler implements ApiHandler<MetadataRequestData> {
    private static final Logger LOG = Logger.getLogger(MetadataHandler.class);
    private static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;
    private final TopicService topics;
    private final ClusterView cluster;
    /** Auto-creation waits for the operator in cluster mode: the topic-change pool, never the I/O one. */
    private final Executor control;

    public MetadataHandler(TopicService topics, ClusterView cluster, Executor control) {
        this.topics = topics;
        this.cluster = cluster;
        this.control = control;
    }

    @Override
    public CompletionStage<MetadataResponseData> handle(RequestContext ctx, MetadataRequestData request) {
        boolean needsCreate = request.topics() != null && request.allowAutoTopicCreation() && topics.autoCreateEnabled()
                && request.topics().stream().anyMatch(t -> t.name() != null && topics.get(t.name()) == null);
        if (needsCreate) {
            return CompletableFuture.supplyAsync(() -> build(request, ctx.apiVersion()), control);
        }
        return CompletableFuture.completedFuture(build(request, ctx.apiVersion()));
    }

    private MetadataResponseData build(MetadataRequestData request, short version) {
        MetadataResponseData response = new MetadataResponseData()
                .setClusterId(cluster.clusterId())
                .setControllerId(cluster.controllerId())
                .setClusterAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        for (ClusterView.BrokerEndpoint b : cluster.brokers()) {
            response.brokers().add(new MetadataResponseData.MetadataResponseBroker()
                    .setNodeId(b.nodeId()).setHost(b.host()).setPort(b.port()).setRack(b.rack()));
        }
        // A null topic list means every topic (version 0 used an empty list for that).
        boolean all = request.topics() == null || (version == 0 && request.topics().isEmpty());
        if (all) {
            for (TopicInfo t : topics.registry().all()) {
                response.topics().add(describe(t));
            }
            return response;
        }
        for (MetadataRequestData.MetadataRequestTopic requested : request.topics()) {
            String name = requested.name();
            if (name == null && requested.topicId() != null && !Uuid.ZERO_UUID.equals(requested.topicId())) {
                name = topics.registry().nameOf(requested.topicId());
                if (name == null) {
                    response.topics().add(new MetadataResponseData.MetadataResponseTopic()
                            .setTopicId(requested.topicId()).setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
                    continue;
                }
            }
            response.topics().add(describeOrCreate(name, request.allowAutoTopicCreation()));
        }
        return response;
    }

    private MetadataResponseData.MetadataResponseTopic describeOrCreate(String name, boolean allowCreate) {
        TopicInfo topic = topics.get(name);
        if (topic == null && TopicNames.problem(name) != null) {
            return new MetadataResponseData.MetadataResponseTopic().setName(name)
                    .setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
        }
        if (topic == null && allowCreate) {
            try {
                topic = topics.autoCreate(name);
            } catch (IOException e) {
                LOG.errorf("auto-creating topic %s failed: %s", name, e.getMessage());
            }
        }
        if (topic == null) {
            return new MetadataResponseData.MetadataResponseTopic().setName(name)
                    .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        return describe(topic);
    }

    private MetadataResponseData.MetadataResponseTopic describe(TopicInfo topic) {
        MetadataResponseData.MetadataResponseTopic out = new MetadataResponseData.MetadataResponseTopic()
                .setName(topic.name())
                .setTopicId(topic.topicId())
                .setIsInternal(topic.internal())
                .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
        java.util.Set<Integer> live = new java.util.HashSet<>();
        for (ClusterView.BrokerEndpoint b : cluster.brokers()) {
            live.add(b.nodeId());
        }
        for (int p = 0; p < topic.partitions(); p++) {
            ClusterView.PartitionAssignment a = cluster.assignment(topic.name(), p);
            // A replica whose broker holds no live lease cannot serve or replicate: Kafka calls it offline.
            List<Integer> offline = new ArrayList<>();
            for (int r : a.replicas()) {
                if (!live.contains(r)) {
                    offline.add(r);
                }
            }
            out.partitions().add(new MetadataResponseData.MetadataResponsePartition()
                    .setPartitionIndex(p)
                    .setErrorCode(a.leader() < 0 ? Errors.LEADER_NOT_AVAILABLE.code() : Errors.NONE.code())
                    .setLeaderId(a.leader())
                    .setLeaderEpoch(a.leaderEpoch())
                    .setReplicaNodes(new ArrayList<>(a.replicas()))
                    .setIsrNodes(new ArrayList<>(a.isr()))
                    .setOfflineReplicas(offline));
        }
        return out;
    }

}
