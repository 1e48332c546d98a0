package dev.floe.tier.store;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * The few operations tiered storage needs from an object store. Keys are '/'-separated paths; objects are
 * immutable once written. Every failure is an {@link ObjectStoreException} that says which store and why.
 */
public interface ObjectStore extends AutoCloseable {

    /** A stored object's key and size. */
    record ObjectInfo(String key, long size) {
    }

    void put(String key, Path file);

    void put(String key, byte[] bytes);

    byte[] get(String key);

    /** {@code length} bytes from {@code offset}, fewer at the end of the object. */
    byte[] getRange(String key, long offset, int length);

    /** Every object whose key starts with {@code prefix}, in key order (paging hidden). */
    List<ObjectInfo> list(String prefix);

    /** Immediate "directories" under a prefix ending in '/': the distinct next key segments. */
    List<String> listPrefixes(String prefix);

    void delete(Collection<String> keys);

    /**
     * Abort uploads under {@code prefix} that began before {@code initiatedBefore} and never completed (a store
     * with multipart uploads keeps their parts until then); how many were aborted. Stores without them have none.
     */
    default int abortIncompleteUploads(String prefix, Instant initiatedBefore) {
        return 0;
    }

    /** Where this store is, for messages. */
    String describe();

    @Override
    default void close() {
    }
}
