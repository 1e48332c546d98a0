package dev.floe.broker.http;

import dev.floe.broker.cluster.ClusterView;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Cluster mode: an HTTP request for a partition another broker leads is sent on to that broker's HTTP API, so a
 * client can talk to any broker (behind one Service) as it can with the stateless API on one broker. Only the
 * partition's leader appends, and it reads the freshest data; a forwarded request carries a header and is never
 * forwarded again, so two brokers that disagree about leadership for a moment answer 503 instead of bouncing it.
 */
final class LeaderForwarding {
    static final String FORWARDED_BY = "X-Floe-Forwarded-By";
    private static final Logger LOG = Logger.getLogger(LeaderForwarding.class);
    private static final int TIMEOUT_MS = 70_000;

    private final ClusterView cluster;
    private final HttpClient client;

    LeaderForwarding(ClusterView cluster, Vertx vertx) {
        this.cluster = cluster;
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000).setKeepAlive(true)
                .setMaxPoolSize(16));
    }

    /** The leader's host:port when another broker leads {@code tp} and this request may go there; else null. */
    String leaderAddress(RoutingContext ctx, TopicPartition tp) {
        if (ctx.request().getHeader(FORWARDED_BY) != null) {
            return null;
        }
        int leader = cluster.assignment(tp.topic(), tp.partition()).leader();
        if (leader < 0 || leader == cluster.localNodeId()) {
            return null;
        }
        return cluster.httpAddress(leader);
    }

    /** POST records (each naming its partition) to the leader; the leader's per-record results, in order. */
    CompletableFuture<JsonArray> produce(String address, String topic, List<JsonObject> records) {
        CompletableFuture<JsonArray> out = new CompletableFuture<>();
        Buffer body = new JsonObject().put("records", new JsonArray(List.copyOf(records))).toBuffer();
        client.request(options(address, HttpMethod.POST, "/v1/topics/" + encode(topic) + "/records"))
                .compose(request -> request.putHeader("Content-Type", "application/json").send(body))
                .compose(response -> response.body().map(b -> {
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("HTTP " + response.statusCode() + ": " + b);
                    }
                    return b.toJsonObject().getJsonArray("results");
                }))
                .onSuccess(out::complete)
                .onFailure(out::completeExceptionally);
        return out;
    }

    /** Send this GET to the leader and answer with what it answers: status, content type and body. */
    void proxy(RoutingContext ctx, String address) {
        client.request(options(address, HttpMethod.GET, ctx.request().uri()))
                .compose(request -> request.send())
                .compose(response -> response.body().map(b -> {
                    var out = ctx.response().setStatusCode(response.statusCode());
                    String type = response.getHeader("Content-Type");
                    if (type != null) {
                        out.putHeader("Content-Type", type);
                    }
                    out.end(b);
                    return b;
                }))
                .onFailure(e -> {
                    LOG.debugf("forwarding %s to %s failed: %s", ctx.request().uri(), address, e);
                    new Problem(503, "Leader unreachable", "this broker does not lead the partition and could not "
                            + "reach its leader at " + address + " (" + e.getMessage() + "); retry shortly", null)
                            .send(ctx);
                });
    }

    private RequestOptions options(String address, HttpMethod method, String uri) {
        int colon = address.lastIndexOf(':');
        return new RequestOptions().setMethod(method).setHost(address.substring(0, colon))
                .setPort(Integer.parseInt(address.substring(colon + 1))).setURI(uri).setTimeout(TIMEOUT_MS)
                .putHeader(FORWARDED_BY, Integer.toString(cluster.localNodeId()));
    }

    private static String encode(String topic) {
        return java.net.URLEncoder.encode(topic, java.nio.charset.StandardCharsets.UTF_8);
    }
}
