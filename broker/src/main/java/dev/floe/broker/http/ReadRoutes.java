package dev.floe.broker.http;

import dev.floe.broker.topic.TopicInfo;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * GET /v1/topics/{topic}/partitions/{p}/records?offset=|timestamp=&limit=&maxBytes=&waitMs=: a stateless read.
 * With nothing to return and waitMs > 0, the request waits for an append (or the time) instead of polling.
 */
final class ReadRoutes {
    private static final int MAX_LIMIT = 10_000;
    private static final long MAX_WAIT_MS = 60_000;
    private final HttpApi api;

    ReadRoutes(HttpApi api) {
        this.api = api;
    }

    static long longParam(RoutingContext ctx, String name, long fallback) {
        String v = ctx.queryParams().get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw Problem.badRequest("query parameter " + name + "=" + v + " is not a number");
        }
    }

    void read(RoutingContext ctx) {
        TopicInfo topic = TopicRoutes.require(api.broker().topics(), ctx.pathParam("topic"));
        int partition = (int) parsePartition(ctx.pathParam("partition"), topic);
        TopicPartition tp = new TopicPartition(topic.name(), partition);
        String leader = api.forwarding().leaderAddress(ctx, tp);
        if (leader != null) {
            api.forwarding().proxy(ctx, leader);
            return;
        }
        int limit = (int) Math.min(MAX_LIMIT, Math.max(1, longParam(ctx, "limit", 100)));
        int maxBytes = (int) Math.min(HttpApi.MAX_BODY_BYTES, Math.max(1, longParam(ctx, "maxBytes", 1 << 20)));
        long waitMs = Math.min(MAX_WAIT_MS, Math.max(0, longParam(ctx, "waitMs", 0)));
        boolean byTime = ctx.queryParams().contains("timestamp");
        long offsetParam = longParam(ctx, "offset", -1);
        long timestamp = longParam(ctx, "timestamp", -1);
        if (!byTime && offsetParam < 0) {
            throw Problem.badRequest("give ?offset=N or ?timestamp=epochMillis");
        }
        Context loop = Vertx.currentContext();
        CompletableFuture.supplyAsync(() -> {
            try {
                return byTime ? api.reader().offsetForTimestamp(tp, timestamp) : offsetParam;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, api.readExecutor(tp, byTime ? -1 : offsetParam)).whenComplete((offset, error) -> loop.runOnContext(v -> {
            if (error != null) {
                HttpApi.fail(ctx, error);
            } else {
                attempt(ctx, loop, tp, offset, limit, maxBytes, System.currentTimeMillis() + waitMs);
            }
        }));
    }

    private void attempt(RoutingContext ctx, Context loop, TopicPartition tp, long offset, int limit, int maxBytes, long deadline) {
        CompletableFuture.supplyAsync(() -> {
            try {
                return api.reader().read(tp, offset, limit, maxBytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, api.readExecutor(tp, offset)).whenComplete((page, error) -> loop.runOnContext(v -> {
            if (error != null) {
                HttpApi.fail(ctx, error);
                return;
            }
            long remaining = deadline - System.currentTimeMillis();
            if (page.records().isEmpty() && remaining > 0 && !ctx.response().closed()) {
                AtomicBoolean done = new AtomicBoolean();
                Runnable retry = () -> loop.runOnContext(x -> {
                    if (done.compareAndSet(false, true)) {
                        attempt(ctx, loop, tp, offset, limit, maxBytes, deadline);
                    }
                });
                Runnable cancel = api.signals().once(List.of(tp), retry);
                long timer = ctx.vertx().setTimer(remaining, t -> {
                    cancel.run();
                    if (done.compareAndSet(false, true)) {
                        attempt(ctx, loop, tp, offset, limit, maxBytes, 0);
                    }
                });
                ctx.response().closeHandler(x -> {
                    cancel.run();
                    ctx.vertx().cancelTimer(timer);
                });
                return;
            }
            api.metrics().out(page.records().size());
            HttpApi.json(ctx, 200, new JsonObject().put("records", new JsonArray(page.records()))
                    .put("nextOffset", page.nextOffset()).put("highWatermark", page.highWatermark())
                    .put("logStartOffset", page.logStartOffset()));
        }));
    }

    static long parsePartition(String text, TopicInfo topic) {
        try {
            int p = Integer.parseInt(text);
            if (p < 0 || p >= topic.partitions()) {
                throw Problem.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + topic.name() + "' has partitions 0 to "
                        + (topic.partitions() - 1) + ", not " + p);
            }
            return p;
        } catch (NumberFormatException e) {
            throw Problem.badRequest("partition '" + text + "' is not a number");
        }
    }
}
