package dev.floe.broker.protocol;

import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;

/** Who sent a request and how: what a handler may need beyond the request body. */
public record RequestContext(RequestHeaderData header, ApiKeys api, short apiVersion, String clientAddress,
                             String connectionId) {

    public String clientId() {
        return header.clientId() == null ? "" : header.clientId();
    }
}
