package dev.floe.broker.metadata;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.protocol.SupportedApis;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * ApiVersions: the APIs and version ranges this broker implements, and (v3+) its feature flags. The finalized
 * features carry epoch 0: clients compare epochs only to notice a change, and Floe's levels change only with a
 * restart, which opens new connections.
 */
public final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequestData> {
    static final long FINALIZED_FEATURES_EPOCH = 0;
    private final SupportedApis apis;
    private final List<Feature> features;

    public ApiVersionsHandler(SupportedApis apis) {
        this(apis, List.of());
    }

    public ApiVersionsHandler(SupportedApis apis, List<Feature> features) {
        this.apis = apis;
        this.features = List.copyOf(features);
    }

    @Override
    public CompletionStage<ApiVersionsResponseData> handle(RequestContext ctx, ApiVersionsRequestData request) {
        ApiVersionsResponseData response = new ApiVersionsResponseData().setApiKeys(apis.asApiVersions());
        if (!features.isEmpty()) {
            ApiVersionsResponseData.SupportedFeatureKeyCollection supported =
                    new ApiVersionsResponseData.SupportedFeatureKeyCollection();
            ApiVersionsResponseData.FinalizedFeatureKeyCollection finalized =
                    new ApiVersionsResponseData.FinalizedFeatureKeyCollection();
            for (Feature f : features) {
                supported.add(new ApiVersionsResponseData.SupportedFeatureKey().setName(f.name())
                        .setMinVersion(f.minVersion()).setMaxVersion(f.maxVersion()));
                finalized.add(new ApiVersionsResponseData.FinalizedFeatureKey().setName(f.name())
                        .setMinVersionLevel(f.finalizedLevel()).setMaxVersionLevel(f.finalizedLevel()));
            }
            response.setSupportedFeatures(supported).setFinalizedFeatures(finalized)
                    .setFinalizedFeaturesEpoch(FINALIZED_FEATURES_EPOCH);
        }
        return CompletableFuture.completedFuture(response);
    }
}
