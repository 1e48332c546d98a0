package dev.floe.broker.http;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.Map;

/**
 * GET/POST /v1/groups/{group}/offsets: an HTTP consumer keeps its position where a Kafka consumer group would,
 * so either kind of client can resume the other's work.
 */
final class GroupRoutes {
    private final HttpApi api;

    GroupRoutes(HttpApi api) {
        this.api = api;
    }

    void get(RoutingContext ctx) {
        String group = ctx.pathParam("group");
        JsonArray out = new JsonArray();
        api.broker().groups().committedOffsets(group).entrySet().stream()
                .sorted(Map.Entry.comparingByKey((a, b) -> a.toString().compareTo(b.toString())))
                .forEach(e -> out.add(new JsonObject().put("topic", e.getKey().topic())
                        .put("partition", e.getKey().partition()).put("offset", e.getValue())));
        HttpApi.json(ctx, 200, new JsonObject().put("group", group).put("offsets", out));
    }

    void commit(RoutingContext ctx) {
        String group = ctx.pathParam("group");
        String shape = "{\"offsets\": [{\"topic\": ..., \"partition\": ..., \"offset\": ...}]}";
        JsonObject body = HttpApi.jsonBody(ctx, shape);
        if (!(body.getValue("offsets") instanceof JsonArray entries)) {
            throw Problem.badRequest("expected " + shape);
        }
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (Object o : entries) {
            if (!(o instanceof JsonObject entry) || !(entry.getValue("topic") instanceof String topic)
                    || !(entry.getValue("partition") instanceof Number partition)
                    || !(entry.getValue("offset") instanceof Number offset) || offset.longValue() < 0) {
                throw Problem.badRequest("each offset needs a topic, a partition and a non-negative offset");
            }
            offsets.put(new TopicPartition(topic, partition.intValue()), offset.longValue());
        }
        Context loop = Vertx.currentContext();
        api.broker().groups().commitOffsets(group, offsets).whenComplete((results, error) -> loop.runOnContext(v -> {
            if (error != null) {
                HttpApi.fail(ctx, error);
                return;
            }
            JsonArray out = new JsonArray();
            boolean ok = true;
            for (Map.Entry<TopicPartition, org.apache.kafka.common.protocol.Errors> e : results.entrySet()) {
                JsonObject r = new JsonObject().put("topic", e.getKey().topic()).put("partition", e.getKey().partition());
                if (e.getValue() != org.apache.kafka.common.protocol.Errors.NONE) {
                    ok = false;
                    r.put("error", Problem.of(e.getValue(), null).toJson(null));
                }
                out.add(r);
            }
            HttpApi.json(ctx, ok ? 200 : 409, new JsonObject().put("group", group).put("results", out));
        }));
    }
}
