package dev.floe.broker.protocol;

import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

import java.util.EnumMap;
import java.util.Map;

/**
 * The APIs this broker answers, each with its handler and the version range it implements. The range is
 * capped by what the bundled kafka-clients message classes can parse.
 */
public final class SupportedApis {
    private record Entry(short min, short max, ApiHandler<? extends ApiMessage> handler) {
    }

    private final Map<ApiKeys, Entry> entries = new EnumMap<>(ApiKeys.class);

    public <Q extends ApiMessage> SupportedApis register(ApiKeys api, int min, int max, ApiHandler<Q> handler) {
        short lo = (short) Math.max(min, api.oldestVersion());
        short hi = (short) Math.min(max, api.latestVersion(true));
        entries.put(api, new Entry(lo, hi, handler));
        return this;
    }

    public boolean supports(ApiKeys api) {
        return entries.containsKey(api);
    }

    public boolean supports(ApiKeys api, short version) {
        Entry e = entries.get(api);
        return e != null && version >= e.min && version <= e.max;
    }

    public short minVersion(ApiKeys api) {
        return entries.get(api).min;
    }

    public short maxVersion(ApiKeys api) {
        return entries.get(api).max;
    }

    @SuppressWarnings("unchecked")
    public <Q extends ApiMessage> ApiHandler<Q> handler(ApiKeys api) {
        return (ApiHandler<Q>) entries.get(api).handler;
    }

    /** The api_keys list of an ApiVersions response. */
    public ApiVersionsResponseData.ApiVersionCollection asApiVersions() {
        ApiVersionsResponseData.ApiVersionCollection list = new ApiVersionsResponseData.ApiVersionCollection();
        entries.forEach((api, e) -> list.add(new ApiVersionsResponseData.ApiVersion()
                .setApiKey(api.id).setMinVersion(e.min).setMaxVersion(e.max)));
        return list;
    }
}
