package dev.floe.broker.http;

import dev.floe.broker.topic.TopicInfo;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * GET /v1/topics/{topic}/events: a live tail of one or all partitions, as Server-Sent Events (default) or NDJSON
 * ({@code Accept: application/x-ndjson} or {@code ?format=ndjson}). Each event carries the reader's position in
 * every partition after it (its SSE id), so a reconnect with Last-Event-ID, or {@code ?position=}, resumes with
 * no gap and no duplicate.
 */
final class TailRoutes {
    private static final int PAGE = 200;
    private static final long KEEPALIVE_MS = 15_000;
    private final HttpApi api;

    TailRoutes(HttpApi api) {
        this.api = api;
    }

    void tail(RoutingContext ctx) {
        TopicInfo topic = TopicRoutes.require(api.broker().topics(), ctx.pathParam("topic"));
        List<Integer> partitions = new ArrayList<>();
        String only = ctx.queryParams().get("partition");
        if (only != null) {
            partitions.add((int) ReadRoutes.parsePartition(only, topic));
        } else {
            for (int p = 0; p < topic.partitions(); p++) {
                partitions.add(p);
            }
        }
        String accept = ctx.request().getHeader("Accept");
        boolean ndjson = "ndjson".equals(ctx.queryParams().get("format"))
                || (accept != null && accept.contains("application/x-ndjson"));
        String resume = ctx.request().getHeader("Last-Event-ID");
        if (resume == null || resume.isBlank()) {
            resume = ctx.queryParams().get("position");
        }
        String from = ctx.queryParams().get("from") == null ? "end" : ctx.queryParams().get("from");
        String resumeFrom = resume;
        Context loop = Vertx.currentContext();
        CompletableFuture.supplyAsync(() -> startPositions(topic, partitions, resumeFrom, from), api.broker().executors().io())
                .whenComplete((start, error) -> loop.runOnContext(v -> {
                    if (error != null) {
                        HttpApi.fail(ctx, error);
                    } else {
                        new Tail(ctx, loop, topic, start, ndjson).start();
                    }
                }));
    }

    private Map<Integer, Long> startPositions(TopicInfo topic, List<Integer> partitions, String resume, String from) {
        Map<Integer, Long> start = new TreeMap<>();
        Map<Integer, Long> resumed = resume == null || resume.isBlank() ? Map.of() : Positions.parse(resume);
        for (int p : partitions) {
            TopicPartition tp = new TopicPartition(topic.name(), p);
            Long at = resumed.get(p);
            if (at == null) {
                at = initial(tp, from);
            }
            start.put(p, at);
        }
        return start;
    }

    private long initial(TopicPartition tp, String from) {
        RecordReader reader = api.reader();
        if (from.equals("beginning")) {
            return reader.earliest(tp);
        }
        if (from.equals("end")) {
            return reader.log(tp).highWatermark();
        }
        try {
            if (from.startsWith("timestamp:")) {
                return reader.offsetForTimestamp(tp, Long.parseLong(from.substring("timestamp:".length())));
            }
            return Long.parseLong(from);
        } catch (NumberFormatException e) {
            throw Problem.badRequest("from=" + from + " must be beginning, end, an offset or timestamp:<epoch millis>");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One open tail. Its state is touched only on its event loop; reads run on the I/O pool (tier pool if cold). */
    private final class Tail {
        private final RoutingContext ctx;
        private final Context loop;
        private final TopicInfo topic;
        private final Map<Integer, Long> next;
        private final boolean ndjson;
        private final HttpServerResponse response;
        private final List<TopicPartition> tps = new ArrayList<>();
        private boolean closed;
        private boolean reading;
        private Runnable cancelWait = () -> { };
        private long keepalive;

        Tail(RoutingContext ctx, Context loop, TopicInfo topic, Map<Integer, Long> start, boolean ndjson) {
            this.ctx = ctx;
            this.loop = loop;
            this.topic = topic;
            this.next = new TreeMap<>(start);
            this.ndjson = ndjson;
            this.response = ctx.response();
            start.keySet().forEach(p -> tps.add(new TopicPartition(topic.name(), p)));
        }

        void start() {
            response.setChunked(true)
                    .putHeader("Content-Type", ndjson ? "application/x-ndjson" : "text/event-stream")
                    .putHeader("Cache-Control", "no-cache")
                    .putHeader("X-Accel-Buffering", "no");
            response.write(ndjson ? "" : "retry: 1000\n\n");
            response.closeHandler(v -> close());
            api.metrics().streamOpened();
            keepalive = ctx.vertx().setPeriodic(KEEPALIVE_MS, t -> {
                if (!closed) {
                    response.write(ndjson ? "\n" : ": keepalive\n\n");
                }
            });
            readMore();
        }

        private void close() {
            if (!closed) {
                closed = true;
                cancelWait.run();
                ctx.vertx().cancelTimer(keepalive);
                api.metrics().streamClosed();
            }
        }

        private void readMore() {
            if (closed || reading) {
                return;
            }
            reading = true;
            Map<Integer, Long> from = new TreeMap<>(next);
            CompletableFuture.supplyAsync(() -> {
                List<JsonObject> records = new ArrayList<>();
                from.forEach((p, offset) -> {
                    try {
                        records.addAll(api.reader().read(new TopicPartition(topic.name(), p), offset, PAGE, 1 << 20).records());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                return records;
            }, anyRemote(from) ? api.broker().executors().tier() : api.broker().executors().io())
                    .whenComplete((records, error) -> loop.runOnContext(v -> {
                reading = false;
                if (closed) {
                    return;
                }
                if (error != null) {
                    response.end();
                    close();
                    return;
                }
                deliver(records);
            }));
        }

        /** Whether any of the positions lies below its partition's local log, in object storage. */
        private boolean anyRemote(Map<Integer, Long> from) {
            for (Map.Entry<Integer, Long> e : from.entrySet()) {
                if (api.reader().mayReadRemote(new TopicPartition(topic.name(), e.getKey()), e.getValue())) {
                    return true;
                }
            }
            return false;
        }

        private void deliver(List<JsonObject> records) {
            if (!records.isEmpty()) {
                Buffer out = Buffer.buffer();
                for (JsonObject r : records) {
                    next.put(r.getInteger("partition"), r.getLong("offset") + 1);
                    String position = Positions.format(next);
                    if (ndjson) {
                        out.appendString(r.copy().put("position", position).encode()).appendString("\n");
                    } else {
                        out.appendString("id: ").appendString(position).appendString("\nevent: record\ndata: ")
                                .appendString(r.encode()).appendString("\n\n");
                    }
                }
                api.metrics().out(records.size());
                response.write(out);
                if (response.writeQueueFull()) {
                    response.drainHandler(v -> readMore());
                } else {
                    readMore();
                }
                return;
            }
            // Caught up: sleep until an append to one of the partitions.
            cancelWait = api.signals().once(tps, () -> loop.runOnContext(v -> readMore()));
            // An append between the read and the registration would be missed: look once more.
            CompletableFuture.supplyAsync(this::behind, api.broker().executors().io()).thenAccept(behind -> {
                if (behind) {
                    cancelWait.run();
                    loop.runOnContext(v -> readMore());
                }
            });
        }

        private boolean behind() {
            for (TopicPartition tp : tps) {
                if (api.reader().log(tp).highWatermark() > next.get(tp.partition())) {
                    return true;
                }
            }
            return false;
        }
    }
}
