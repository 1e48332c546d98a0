package dev.floe.broker.protocol;

/**
 * An ApiVersions request newer than this broker understands. It is answered (with version 0 and
 * UNSUPPORTED_VERSION) so the client can retry with a version the broker lists.
 */
public final class UnsupportedApiVersionException extends RuntimeException {
    private final int correlationId;

    public UnsupportedApiVersionException(int correlationId, String message) {
        super(message);
        this.correlationId = correlationId;
    }

    public int correlationId() {
        return correlationId;
    }
}
