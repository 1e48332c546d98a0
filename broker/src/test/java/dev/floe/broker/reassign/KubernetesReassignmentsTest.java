package dev.floe.broker.reassign;

import dev.floe.crds.common.Labels;
import dev.floe.crds.topic.PartitionStatus;
import dev.floe.crds.topic.Topic;
import dev.floe.crds.topic.TopicStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broker's AlterPartitionReassignments against a real HTTP API server (fabric8's mock in CRUD mode), the test
 * playing the operator: the request goes on the Topic as an annotation, and the broker answers once the status
 * carries its id, woken by its Topic informer.
 */
class KubernetesReassignmentsTest {
    private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
    static final String NS = "test";

    static {
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    KubernetesMockServer api;
    KubernetesClient client;
    SharedIndexInformer<Topic> informer;
    KubernetesReassignments reassignments;

    @BeforeEach
    void start() {
        api = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(),
                false);
        api.init();
        client = api.createClient(b -> b.withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(
                io.fabric8.kubernetes.client.Config.empty()).withMasterUrl(api.url("/")).withTrustCerts(true)
                .withRequestTimeout(5000).withNamespace(NS).build()));
        topic("orders", new PartitionStatus(0, List.of(0, 1), 0, 1, List.of(0, 1)),
                new PartitionStatus(1, List.of(1, 2), 1, 1, List.of(1, 2)));
        informer = client.resources(Topic.class).inNamespace(NS).inform();
        reassignments = new KubernetesReassignments(client, NS, informer.getStore(), 30_000, () -> 3);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Topic t) {
                reassignments.onChange();
            }

            @Override
            public void onUpdate(Topic before, Topic after) {
                reassignments.onChange();
            }

            @Override
            public void onDelete(Topic t, boolean unknown) {
                reassignments.onChange();
            }
        });
    }

    @AfterEach
    void stop() {
        informer.stop();
        client.close();
        api.destroy();
    }

    @Test
    void theTargetGoesOnTheTopicAndTheAnswerIsTheOperatorsRecord() throws Exception {
        CompletableFuture<Map<Integer, Reassignments.Outcome>> answer = CompletableFuture.supplyAsync(() ->
                reassignments.alter("orders", Map.of(0, List.of(1, 2)), true));

        String request = await().atMost(Duration.ofSeconds(10)).until(this::pendingRequest, v -> v != null);
        assertThat(request).endsWith(";0=1,2");
        assertThat(answer).as("not answered before the operator records it").isNotDone();

        operatorAnswers(request);
        assertThat(answer.get(10, TimeUnit.SECONDS)).containsEntry(0, Reassignments.Outcome.DONE);
    }

    @Test
    void aRequestArrivingBeforeTheOperatorAnsweredTheFirstIsMergedAndBothAreAnswered() throws Exception {
        CompletableFuture<Map<Integer, Reassignments.Outcome>> first = CompletableFuture.supplyAsync(() ->
                reassignments.alter("orders", Map.of(0, List.of(1, 2)), true));
        String firstRequest = await().atMost(Duration.ofSeconds(10)).until(this::pendingRequest, v -> v != null);

        CompletableFuture<Map<Integer, Reassignments.Outcome>> second = CompletableFuture.supplyAsync(() ->
                reassignments.alter("orders", Map.of(1, List.of(2, 0)), true));
        String merged = await().atMost(Duration.ofSeconds(10)).until(this::pendingRequest,
                v -> v != null && !v.equals(firstRequest));
        assertThat(merged).contains("0=1,2", "1=2,0");
        assertThat(merged.substring(0, merged.indexOf(';'))).endsWith("," + firstRequest.substring(0,
                firstRequest.indexOf(';')));

        operatorAnswers(merged);
        assertThat(first.get(10, TimeUnit.SECONDS)).containsEntry(0, Reassignments.Outcome.DONE);
        assertThat(second.get(10, TimeUnit.SECONDS)).containsEntry(1, Reassignments.Outcome.DONE);
    }

    @Test
    void refusalsNeedNoOperatorAndAMoveInProgressIsListed() {
        Map<Integer, List<Integer>> targets = new LinkedHashMap<>();
        targets.put(0, List.of(0, 5));
        targets.put(1, null);
        targets.put(9, List.of(0, 1));
        Map<Integer, Reassignments.Outcome> out = reassignments.alter("orders", targets, true);
        assertThat(out.get(0).error()).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
        assertThat(out.get(1).error()).isEqualTo(Errors.NO_REASSIGNMENT_IN_PROGRESS);
        assertThat(out.get(9).error()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(reassignments.alter("orders", Map.of(0, List.of(0, 1)), true).get(0))
                .as("already there").isEqualTo(Reassignments.Outcome.DONE);
        assertThat(pendingRequest()).as("nothing was asked of the operator").isNull();

        Topic t = client.resources(Topic.class).inNamespace(NS).withName("orders").get();
        PartitionStatus moving = t.getStatus().getPartitions().get(0);
        moving.setReplicas(new ArrayList<>(List.of(1, 2, 0)));
        moving.setAddingReplicas(List.of(2));
        moving.setRemovingReplicas(List.of(0));
        client.resource(t).updateStatus();
        await().atMost(Duration.ofSeconds(10)).until(() -> !reassignments.list(null).isEmpty());
        assertThat(reassignments.list(null)).containsOnlyKeys("orders");
        assertThat(reassignments.list(null).get("orders")).containsExactly(
                new Reassignments.Ongoing(0, List.of(1, 2, 0), List.of(2), List.of(0)));
        assertThat(reassignments.list(Map.of("orders", List.of(1)))).isEmpty();
    }

    private String pendingRequest() {
        Topic t = client.resources(Topic.class).inNamespace(NS).withName("orders").get();
        return t.getMetadata().getAnnotations() == null ? null : t.getMetadata().getAnnotations().get(Labels.REASSIGN);
    }

    /** What the operator writes when it records a request (the state machine itself is the operator's, tested there). */
    private void operatorAnswers(String request) {
        Topic t = client.resources(Topic.class).inNamespace(NS).withName("orders").get();
        t.getStatus().setReassignmentRequest(request.substring(0, request.indexOf(';')));
        client.resource(t).updateStatus();
    }

    private void topic(String name, PartitionStatus... partitions) {
        Topic t = new Topic();
        t.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS)
                .withLabels(Map.of(Labels.CLUSTER, "demo")).build());
        t.getSpec().setPartitions(partitions.length);
        t.getSpec().setReplicationFactor(2);
        Topic created = client.resource(t).create();
        TopicStatus status = new TopicStatus();
        status.setTopicName(name);
        status.setTopicId("AAAAAAAAAAAAAAAAAAAAAA");
        status.setPartitions(new ArrayList<>(List.of(partitions)));
        created.setStatus(status);
        client.resource(created).updateStatus();
    }
}
