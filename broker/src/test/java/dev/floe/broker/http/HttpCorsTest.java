package dev.floe.broker.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** FLOE_HTTP_CORS_ORIGINS other than the default, on a bare Vert.x router with the API's CORS and failure handlers. */
class HttpCorsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private Vertx vertx;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private int serve(List<String> origins) throws Exception {
        Router router = Router.router(vertx);
        HttpCors.handler(origins).ifPresent(cors -> router.route("/v1/*").handler(cors));
        router.get("/v1/topics").handler(ctx -> ctx.response().end("{}"));
        router.route("/v1/*").failureHandler(HttpApi::failure);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return server.actualPort();
    }

    private static HttpResponse<String> get(int port, String origin) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/topics"))
                .header("Origin", origin).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void listedOriginsAreEchoedAndOthersRefusedWithAProblem() throws Exception {
        int port = serve(List.of("https://a.example", " http://localhost:3000 "));
        HttpResponse<String> allowed = get(port, "http://localhost:3000");
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://localhost:3000");
        assertThat(allowed.headers().firstValue("Vary")).hasValueSatisfying(v -> assertThat(v).containsIgnoringCase("origin"));

        HttpResponse<String> refused = get(port, "https://evil.example");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void noneSendsNoCorsHeaders() throws Exception {
        int port = serve(List.of("none"));
        HttpResponse<String> response = get(port, "https://a.example");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }
}
