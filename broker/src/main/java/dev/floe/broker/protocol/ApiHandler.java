package dev.floe.broker.protocol;

import org.apache.kafka.common.protocol.ApiMessage;

import java.util.concurrent.CompletionStage;

/**
 * Handles one Kafka API. Runs on the connection's event loop, so it must not block: slow work goes to an
 * executor and waits become futures completed by events.
 */
public interface ApiHandler<Q extends ApiMessage> {

    CompletionStage<? extends ApiMessage> handle(RequestContext ctx, Q request);

    /** True when this request gets no response at all (a produce with acks=0). */
    default boolean expectsNoResponse(Q request) {
        return false;
    }
}
