package dev.floe.broker.http;

import dev.floe.broker.app.Broker;
import dev.floe.broker.config.BrokerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The HTTP API under {@code /v1} (docs/http-api.md): another front door to the same topics, logs and appender
 * as the Kafka protocol. Stateless: every read names its position, so any broker could serve it.
 */
@ApplicationScoped
public class HttpApi {
    static final int MAX_BODY_BYTES = 16 << 20;
    private static final Logger LOG = Logger.getLogger(HttpApi.class);

    @Inject
    Broker broker;
    @Inject
    MeterRegistry registry;
    @Inject
    BrokerConfig config;
    @Inject
    Vertx vertx;

    static final String OPENAPI_PATH = "/v1/openapi.json";

    private final AppendSignals signals = new AppendSignals();
    private RecordReader reader;
    private RecordWriter writer;
    private HttpMetrics metrics;
    private LeaderForwarding forwarding;

    // After Broker.onStart (default priority 2500), which opens the logs.
    void wireSignals(@Observes @Priority(3000) StartupEvent event) {
        broker.logs().addAppendListener(signals::appended);
    }

    void init(@Observes Router router) {
        metrics = new HttpMetrics(registry);
        BodyHandler body = BodyHandler.create().setBodyLimit(MAX_BODY_BYTES).setHandleFileUploads(false);
        TopicRoutes topics = new TopicRoutes(this);
        ProduceRoutes produce = new ProduceRoutes(this);
        ReadRoutes read = new ReadRoutes(this);
        TailRoutes tail = new TailRoutes(this);
        GroupRoutes groups = new GroupRoutes(this);
        // First, so preflights are answered and every /v1 response (errors too) carries the CORS headers.
        HttpCors.handler(config.httpCorsOrigins()).ifPresent(cors -> router.route("/v1/*").handler(cors));
        router.get("/v1/topics").handler(topics::list);
        router.post("/v1/topics").handler(body).handler(topics::create);
        router.get("/v1/topics/:topic").handler(topics::describe);
        router.delete("/v1/topics/:topic").handler(topics::delete);
        router.post("/v1/topics/:topic/records").handler(body).handler(produce::produce);
        router.post("/v1/topics/:topic/records/stream").handler(produce::stream);
        router.get("/v1/topics/:topic/partitions/:partition/records").handler(read::read);
        router.get("/v1/topics/:topic/events").handler(tail::tail);
        router.get("/v1/groups/:group/offsets").handler(groups::get);
        router.post("/v1/groups/:group/offsets").handler(body).handler(groups::commit);
        // Last: anything else under /v1 gets the API's own error format, 405 with Allow when only the method is wrong.
        router.route("/v1/*").handler(ctx -> unmatched(ctx, router));
        router.route("/v1/*").failureHandler(HttpApi::failure);
    }

    private static void unmatched(RoutingContext ctx, Router router) {
        String path = ctx.normalizedPath();
        if (path.equals(OPENAPI_PATH)) {
            ctx.next(); // a static file, served by Quarkus
            return;
        }
        java.util.Set<String> allowed = new java.util.TreeSet<>();
        for (io.vertx.ext.web.Route route : router.getRoutes()) {
            if (route.getPath() != null && route.methods() != null && route.getPath().startsWith("/v1/")
                    && path.matches(route.getPath().replaceAll(":[A-Za-z]+", "[^/]+"))) {
                route.methods().forEach(m -> allowed.add(m.name()));
            }
        }
        if (allowed.isEmpty()) {
            new Problem(404, "Not found", "no API route " + path + "; the routes are listed in " + OPENAPI_PATH, null)
                    .send(ctx);
        } else {
            ctx.response().putHeader("Allow", String.join(", ", allowed));
            new Problem(405, "Method not allowed", ctx.request().method().name() + " is not supported on " + path
                    + "; use " + String.join(" or ", allowed), null).send(ctx);
        }
    }

    static void failure(RoutingContext ctx) {
        Throwable t = ctx.failure();
        if (t instanceof Problem p) {
            p.send(ctx);
        } else if (ctx.statusCode() == 413) {
            new Problem(413, "Request too large", "the request body is over the limit of " + MAX_BODY_BYTES + " bytes",
                    null).send(ctx);
        } else if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
            // Refusals by Vert.x handlers (a CORS origin not allowed, ...) are the client's fault, not ours.
            int status = ctx.statusCode();
            new Problem(status, HttpResponseStatus.valueOf(status).reasonPhrase(),
                    t != null && t.getMessage() != null ? t.getMessage() : "request refused", null).send(ctx);
        } else if (t != null) {
            LOG.errorf(t, "HTTP %s %s failed", ctx.request().method(), ctx.request().path());
            new Problem(500, "Internal error", t.toString(), null).send(ctx);
        } else {
            new Problem(ctx.statusCode() > 0 ? ctx.statusCode() : 500, "Error", "request failed", null).send(ctx);
        }
    }

    Broker broker() {
        return broker;
    }

    AppendSignals signals() {
        return signals;
    }

    HttpMetrics metrics() {
        return metrics;
    }

    synchronized RecordReader reader() {
        if (reader == null) {
            reader = new RecordReader(broker.logs(), broker.tiering());
        }
        return reader;
    }

    synchronized LeaderForwarding forwarding() {
        if (forwarding == null) {
            forwarding = new LeaderForwarding(broker.cluster(), vertx);
        }
        return forwarding;
    }

    synchronized RecordWriter writer() {
        if (writer == null) {
            writer = new RecordWriter(broker.appender());
        }
        return writer;
    }

    /** Where a read of {@code tp} from {@code offset} runs: the tier executor when it may reach object storage. */
    java.util.concurrent.Executor readExecutor(org.apache.kafka.common.TopicPartition tp, long offset) {
        return reader().mayReadRemote(tp, offset) ? broker.executors().tier() : broker.executors().io();
    }

    /** Run blocking work on the broker's I/O pool and answer on the request's event loop. */
    <T> void blocking(RoutingContext ctx, Supplier<T> work, java.util.function.BiConsumer<RoutingContext, T> respond) {
        Context loop = Vertx.currentContext();
        CompletableFuture.supplyAsync(work, broker.executors().io()).whenComplete((value, error) -> loop.runOnContext(v -> {
            if (error != null) {
                fail(ctx, error);
            } else {
                respond.accept(ctx, value);
            }
        }));
    }

    static void fail(RoutingContext ctx, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof Problem p) {
            p.send(ctx);
        } else {
            ctx.fail(cause);
        }
    }

    /**
     * The request body as a JSON object. Malformed JSON, or JSON of the wrong type, is the client's mistake and
     * must come back as a 400 that says what was expected, not as a 500.
     */
    static JsonObject jsonBody(RoutingContext ctx, String expected) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            throw Problem.badRequest("the body is not a JSON object (" + e.getMessage() + "); expected " + expected);
        }
        if (body == null) {
            throw Problem.badRequest("the body is empty; expected " + expected);
        }
        return body;
    }

    static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }
}
