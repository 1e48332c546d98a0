package dev.floe.broker.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import java.util.Set;
import java.util.TreeSet;

/**
 * Keeps the router the application really built, so a test can hold the OpenAPI document against the routes that
 * exist rather than against a second hand-written list that could drift just like the document.
 */
@Singleton
public class RegisteredRoutes {
    private static volatile Router router;

    void capture(@Observes Router router) {
        RegisteredRoutes.router = router;
    }

    /** "METHOD /v1/path/{param}" for every /v1 route bound to methods (CORS and failure handlers are not). */
    static Set<String> v1() {
        if (router == null) {
            throw new IllegalStateException("the application's router was never seen");
        }
        Set<String> out = new TreeSet<>();
        for (Route route : router.getRoutes()) {
            String path = route.getPath();
            Set<HttpMethod> methods = route.methods();
            if (path == null || !path.startsWith("/v1/") || methods == null || methods.isEmpty()) {
                continue;
            }
            String templated = path.replaceAll(":([A-Za-z0-9_]+)", "{$1}");
            methods.forEach(m -> out.add(m.name() + " " + templated));
        }
        return out;
    }
}
