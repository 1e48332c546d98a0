package dev.floe.broker.http;

import dev.floe.broker.topic.TopicInfo;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.RoutingContext;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.List;

/**
 * POST /v1/topics/{topic}/records (one record or {"records": [...]}) and POST .../records/stream (NDJSON in,
 * one NDJSON result per record out, in order, while the body is still arriving).
 */
final class ProduceRoutes {
    private static final int STREAM_BATCH = 500;
    private static final int MAX_LINE_BYTES = 1 << 20;
    private final HttpApi api;

    ProduceRoutes(HttpApi api) {
        this.api = api;
    }

    void produce(RoutingContext ctx) {
        TopicInfo topic = TopicRoutes.require(api.broker().topics(), ctx.pathParam("topic"));
        JsonObject body = HttpApi.jsonBody(ctx, "a JSON record or {\"records\": [...]}");
        List<RecordCodec.Incoming> records = new ArrayList<>();
        List<JsonObject> sources = new ArrayList<>();
        if (body.containsKey("records")) {
            if (!(body.getValue("records") instanceof JsonArray array)) {
                throw Problem.badRequest("\"records\" must be an array of records");
            }
            for (int i = 0; i < array.size(); i++) {
                if (!(array.getValue(i) instanceof JsonObject r)) {
                    throw Problem.badRequest("records[" + i + "] is not a JSON object");
                }
                records.add(RecordCodec.decode(r));
                sources.add(r);
            }
        } else {
            records.add(RecordCodec.decode(body));
            sources.add(body);
        }
        if (records.isEmpty()) {
            throw Problem.badRequest("no records to produce");
        }
        Context loop = Vertx.currentContext();
        RecordWriter.Forward forward = (partition, indexes) -> {
            String leader = api.forwarding().leaderAddress(ctx, new TopicPartition(topic.name(), partition));
            if (leader == null) {
                return null;
            }
            // The partition is chosen here (key hash or round robin); the leader is told it, not left to choose.
            List<JsonObject> named = indexes.stream().map(i -> sources.get(i).copy().put("partition", partition))
                    .toList();
            return api.forwarding().produce(leader, topic.name(), named).thenApply(answers ->
                    answers.stream().map(a -> (JsonObject) a).toList());
        };
        api.writer().write(topic, records, forward).whenComplete((results, error) -> loop.runOnContext(v -> {
            if (error != null) {
                HttpApi.fail(ctx, error);
                return;
            }
            api.metrics().in((int) results.stream().filter(r -> r.containsKey("offset")).count());
            HttpApi.json(ctx, 200, new JsonObject().put("results", new JsonArray(new ArrayList<>(results))));
        }));
    }

    void stream(RoutingContext ctx) {
        TopicInfo topic = TopicRoutes.require(api.broker().topics(), ctx.pathParam("topic"));
        new Stream(ctx, topic).start();
    }

    /** One streaming produce: lines in, results out in the same order, a batch at a time. */
    private final class Stream {
        private final RoutingContext ctx;
        private final TopicInfo topic;
        private final HttpServerRequest request;
        private final HttpServerResponse response;
        private final Context loop = Vertx.currentContext();
        private final List<String> pending = new ArrayList<>();
        private boolean writing;
        private boolean ended;

        Stream(RoutingContext ctx, TopicInfo topic) {
            this.ctx = ctx;
            this.topic = topic;
            this.request = ctx.request();
            this.response = ctx.response();
        }

        void start() {
            response.setChunked(true).putHeader("Content-Type", "application/x-ndjson");
            RecordParser lines = RecordParser.newDelimited("\n", this::line).maxRecordSize(MAX_LINE_BYTES);
            lines.exceptionHandler(e -> HttpApi.fail(ctx, Problem.badRequest("a line is over " + MAX_LINE_BYTES + " bytes")));
            request.handler(lines);
            request.endHandler(v -> {
                ended = true;
                flush();
            });
            request.resume();
        }

        private void line(Buffer line) {
            String text = line.toString().trim();
            if (!text.isEmpty()) {
                pending.add(text);
            }
            if (pending.size() >= STREAM_BATCH) {
                flush();
            }
        }

        private void flush() {
            if (writing) {
                return;
            }
            if (pending.isEmpty()) {
                if (ended) {
                    response.end();
                }
                return;
            }
            List<String> batch = new ArrayList<>(pending);
            pending.clear();
            writing = true;
            request.pause();
            List<RecordCodec.Incoming> records = new ArrayList<>();
            List<JsonObject> results = new ArrayList<>();
            List<Integer> slots = new ArrayList<>();
            for (String text : batch) {
                try {
                    records.add(RecordCodec.decode(text));
                    slots.add(results.size());
                    results.add(null);
                } catch (Problem p) {
                    results.add(new JsonObject().put("error", p.toJson(null)));
                }
            }
            api.writer().write(topic, records).whenComplete((written, error) -> loop.runOnContext(v -> {
                if (error != null) {
                    HttpApi.fail(ctx, error);
                    return;
                }
                for (int i = 0; i < written.size(); i++) {
                    results.set(slots.get(i), written.get(i));
                }
                Buffer out = Buffer.buffer();
                for (JsonObject r : results) {
                    out.appendString(r.encode()).appendString("\n");
                }
                api.metrics().in(written.size());
                response.write(out);
                writing = false;
                request.resume();
                if (ended || pending.size() >= STREAM_BATCH) {
                    flush();
                }
            }));
        }
    }
}
