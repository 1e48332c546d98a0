package dev.floe.broker.protocol;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;
import org.jboss.logging.Logger;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Routes a decoded request to its API's handler, times it, and turns a handler failure into that API's own
 * error response (built by kafka-clients from the original request bytes), so a bug answers with an error
 * code instead of silence.
 */
public final class RequestDispatcher {
    private static final Logger LOG = Logger.getLogger(RequestDispatcher.class);
    private final SupportedApis apis;
    private final MeterRegistry registry;
    private final Map<ApiKeys, Timer> timers = new EnumMap<>(ApiKeys.class);

    public RequestDispatcher(SupportedApis apis, MeterRegistry registry) {
        this.apis = apis;
        this.registry = registry;
    }

    public SupportedApis apis() {
        return apis;
    }

    public boolean expectsNoResponse(DecodedRequest request) {
        return apis.<ApiMessage>handler(request.api()).expectsNoResponse(request.message());
    }

    public CompletionStage<ApiMessage> dispatch(RequestContext ctx, DecodedRequest request) {
        long start = System.nanoTime();
        CompletionStage<? extends ApiMessage> stage;
        try {
            stage = apis.<ApiMessage>handler(request.api()).handle(ctx, request.message());
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        return stage.handle((response, error) -> {
            timer(request.api()).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            if (error == null) {
                return (ApiMessage) response;
            }
            return errorResponse(ctx, request, error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error);
        });
    }

    private ApiMessage errorResponse(RequestContext ctx, DecodedRequest request, Throwable error) {
        if (error instanceof ApiException) {
            LOG.debugf("%s v%d from %s failed: %s", request.api(), request.version(), ctx.clientAddress(), error.getMessage());
        } else {
            LOG.errorf(error, "%s v%d from %s failed unexpectedly, answering UNKNOWN_SERVER_ERROR", request.api(),
                    request.version(), ctx.clientAddress());
        }
        AbstractRequest parsed = AbstractRequest.parseRequest(request.api(), request.version(),
                new org.apache.kafka.common.protocol.ByteBufferAccessor(request.body().duplicate())).request;
        return parsed.getErrorResponse(0, error).data();
    }

    private Timer timer(ApiKeys api) {
        synchronized (timers) {
            return timers.computeIfAbsent(api, a -> Timer.builder("floe.kafka.requests")
                    .description("Kafka requests handled, by API")
                    .tag("api", a.name)
                    .publishPercentiles(0.5, 0.99)
                    .register(registry));
        }
    }
}
