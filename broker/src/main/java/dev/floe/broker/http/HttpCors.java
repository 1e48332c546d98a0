package dev.floe.broker.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Cross-origin access to /v1, so a web page served from elsewhere can use fetch() and EventSource against the
 * broker. The API carries no cookies or credentials, which is why the default can safely be any origin.
 */
final class HttpCors {
    static final String NONE = "none";

    private HttpCors() {
    }

    /** The CORS handler for the configured origins ({@code *}, a list, or {@code none} for no CORS headers). */
    static Optional<Handler<RoutingContext>> handler(List<String> origins) {
        List<String> cleaned = origins.stream().map(String::trim).filter(o -> !o.isEmpty()).toList();
        if (cleaned.isEmpty() || cleaned.stream().anyMatch(NONE::equalsIgnoreCase)) {
            return Optional.empty();
        }
        CorsHandler cors = CorsHandler.create();
        if (!cleaned.contains("*")) {
            cors.addOrigins(cleaned);
        }
        // Vert.x names no allowed methods unless told, and browsers then refuse the preflight of a DELETE. The
        // headers are the ones the API reads; Last-Event-ID is what EventSource sends when it reconnects.
        cors.allowedMethods(new LinkedHashSet<>(List.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE, HttpMethod.OPTIONS)))
                .allowedHeaders(new LinkedHashSet<>(List.of("Content-Type", "Accept", "Last-Event-ID")))
                .exposedHeader("Location")
                .maxAgeSeconds(600);
        return Optional.of(cors);
    }
}
