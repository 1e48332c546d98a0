package dev.floe.broker.election;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.topic.TopicInfo;
import dev.floe.broker.topic.TopicRegistry;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * ElectLeaders ({@code kafka-leader-election.sh}): preferred elections are handed to the controller and answered
 * per partition once it has acted. Unclean elections on request are refused: in Floe a leader outside the ISR is
 * only ever chosen by the topic's own {@code unclean.leader.election.enable}, which a person sets deliberately.
 */
public final class ElectLeadersHandler implements ApiHandler<ElectLeadersRequestData> {
    static final byte PREFERRED = 0;

    private final PreferredElections elections;
    private final TopicRegistry topics;
    private final Executor control;

    public ElectLeadersHandler(PreferredElections elections, TopicRegistry topics, Executor control) {
        this.elections = elections;
        this.topics = topics;
        this.control = control;
    }

    @Override
    public CompletionStage<ElectLeadersResponseData> handle(RequestContext ctx, ElectLeadersRequestData request) {
        return CompletableFuture.supplyAsync(() -> {
            ElectLeadersResponseData response = new ElectLeadersResponseData();
            List<ReplicaElectionResult> results = new ArrayList<>();
            if (request.topicPartitions() == null) {
                for (TopicInfo topic : topics.all()) {
                    results.add(elect(request.electionType(), topic.name(), null));
                }
            } else {
                for (ElectLeadersRequestData.TopicPartitions tp : request.topicPartitions()) {
                    results.add(elect(request.electionType(), tp.topic(), tp.partitions()));
                }
            }
            return response.setReplicaElectionResults(results);
        }, control);
    }

    private ReplicaElectionResult elect(byte type, String topic, List<Integer> partitions) {
        ReplicaElectionResult result = new ReplicaElectionResult().setTopic(topic);
        if (type != PREFERRED) {
            TopicInfo info = topics.get(topic);
            List<Integer> asked = partitions != null ? partitions : info == null ? List.of()
                    : java.util.stream.IntStream.range(0, info.partitions()).boxed().toList();
            for (int p : asked) {
                result.partitionResult().add(new PartitionResult().setPartitionId(p)
                        .setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("unclean leader election on request is not supported; set the topic config "
                                + "unclean.leader.election.enable=true to allow it when no in-sync replica is live"));
            }
            return result;
        }
        for (Map.Entry<Integer, PreferredElections.Outcome> e : elections.electPreferred(topic, partitions).entrySet()) {
            result.partitionResult().add(new PartitionResult().setPartitionId(e.getKey())
                    .setErrorCode(e.getValue().error().code()).setErrorMessage(e.getValue().message()));
        }
        return result;
    }
}
