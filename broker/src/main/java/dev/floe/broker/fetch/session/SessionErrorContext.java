package dev.floe.broker.fetch.session;

import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;

import java.util.List;

/**
 * A request whose session could not be used: nothing is read, and the answer is the top-level error with no
 * partitions. The fetcher then starts over with a full request.
 */
final class SessionErrorContext implements FetchContext {
    private final Errors error;

    SessionErrorContext(Errors error) {
        this.error = error;
    }

    Errors error() {
        return error;
    }

    @Override
    public List<FetchRequestData.FetchTopic> toRead() {
        return List.of();
    }

    @Override
    public FetchResponseData respond(FetchResponseData read) {
        return new FetchResponseData().setErrorCode(error.code()).setSessionId(FetchMetadata.INVALID_SESSION_ID);
    }
}
