package dev.floe.broker.metadata;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.protocol.SupportedApis;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** ApiVersions: the APIs and version ranges this broker implements. */
public final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequestData> {
    private final SupportedApis apis;

    public ApiVersionsHandler(SupportedApis apis) {
        this.apis = apis;
    }

    @Override
    public CompletionStage<ApiVersionsResponseData> handle(RequestContext ctx, ApiVersionsRequestData request) {
        return CompletableFuture.completedFuture(new ApiVersionsResponseData().setApiKeys(apis.asApiVersions()));
    }
}
