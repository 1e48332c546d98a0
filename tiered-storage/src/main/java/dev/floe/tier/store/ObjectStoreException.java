package dev.floe.tier.store;

/** An object-store operation failed; the message names the store, the key and the cause. */
public final class ObjectStoreException extends RuntimeException {
    public ObjectStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public ObjectStoreException(String message) {
        super(message);
    }
}
