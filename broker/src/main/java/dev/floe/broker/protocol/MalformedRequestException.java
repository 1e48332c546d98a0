package dev.floe.broker.protocol;

/** A frame the broker cannot make sense of; the connection that sent it is closed. */
public final class MalformedRequestException extends RuntimeException {
    public MalformedRequestException(String message) {
        super(message);
    }

    public MalformedRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
