package dev.floe.broker.http;

import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.topic.TopicError;
import dev.floe.broker.topic.TopicInfo;
import dev.floe.broker.topic.TopicService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** GET/POST /v1/topics, GET/DELETE /v1/topics/{topic}. */
final class TopicRoutes {
    private final HttpApi api;

    TopicRoutes(HttpApi api) {
        this.api = api;
    }

    private TopicService topics() {
        return api.broker().topics();
    }

    static TopicInfo require(TopicService topics, String name) {
        TopicInfo topic = topics.get(name);
        if (topic == null) {
            throw Problem.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
        }
        return topic;
    }

    void list(RoutingContext ctx) {
        JsonArray out = new JsonArray();
        topics().registry().all().stream().filter(t -> !t.internal()).sorted((a, b) -> a.name().compareTo(b.name()))
                .forEach(t -> out.add(new JsonObject().put("name", t.name()).put("topicId", t.topicId().toString())
                        .put("partitions", t.partitions())));
        HttpApi.json(ctx, 200, new JsonObject().put("topics", out));
    }

    void create(RoutingContext ctx) {
        String shape = "{\"name\": string, \"partitions\": number, \"replicationFactor\": number, \"configs\": {...}}";
        JsonObject body = HttpApi.jsonBody(ctx, shape);
        String name;
        int partitions;
        int replication;
        Map<String, String> configs = new LinkedHashMap<>();
        try {
            name = body.getString("name");
            partitions = body.getInteger("partitions", topics().defaultPartitions());
            replication = body.getInteger("replicationFactor", topics().defaultReplicationFactor());
            body.getJsonObject("configs", new JsonObject()).forEach(e -> configs.put(e.getKey(), String.valueOf(e.getValue())));
        } catch (ClassCastException e) {
            throw Problem.badRequest("a field has the wrong type; expected " + shape);
        }
        api.blocking(ctx, () -> {
            TopicError problem = topics().validateCreate(name, partitions, replication, configs);
            if (!problem.ok()) {
                throw Problem.of(problem.error(), problem.message());
            }
            try {
                TopicInfo created = topics().create(name, partitions, replication, configs);
                if (created == null) {
                    throw Problem.of(Errors.TOPIC_ALREADY_EXISTS, "topic '" + name + "' already exists");
                }
                return created;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, (c, created) -> {
            c.response().putHeader("Location", "/v1/topics/" + created.name());
            HttpApi.json(c, 201, describe(created));
        });
    }

    void describe(RoutingContext ctx) {
        HttpApi.json(ctx, 200, describe(require(topics(), ctx.pathParam("topic"))));
    }

    private JsonObject describe(TopicInfo topic) {
        JsonArray partitions = new JsonArray();
        for (int p = 0; p < topic.partitions(); p++) {
            TopicPartition tp = new TopicPartition(topic.name(), p);
            PartitionLog log = api.broker().logs().log(tp);
            JsonObject pj = new JsonObject().put("partition", p).put("leader", api.broker().cluster().assignment(topic.name(), p).leader());
            if (log != null) {
                pj.put("logStartOffset", api.reader().earliest(tp)).put("localLogStartOffset", log.logStartOffset())
                        .put("highWatermark", log.highWatermark()).put("sizeBytes", log.sizeInBytes());
            }
            partitions.add(pj);
        }
        JsonObject configs = new JsonObject();
        Map<String, String> effective = new LinkedHashMap<>(topics().configs().defaults());
        effective.putAll(topic.configs());
        effective.forEach(configs::put);
        return new JsonObject().put("name", topic.name()).put("topicId", topic.topicId().toString())
                .put("partitions", partitions).put("configs", configs).put("overrides", new JsonObject(new LinkedHashMap<>(topic.configs())));
    }

    void delete(RoutingContext ctx) {
        String name = ctx.pathParam("topic");
        api.blocking(ctx, () -> {
            try {
                TopicError error = topics().delete(name);
                if (!error.ok()) {
                    throw Problem.of(error.error(), error.message());
                }
                return name;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, (c, n) -> c.response().setStatusCode(204).end());
    }
}
