package dev.floe.tier.remote;

import dev.floe.tier.layout.RemoteLayout;
import dev.floe.tier.store.ObjectStore;
import dev.floe.tier.store.ObjectStoreException;

import java.nio.charset.StandardCharsets;

/**
 * A partition's log start offset as DeleteRecords left it, kept in the bucket beside the segments so that whoever
 * reads the partition next (another broker after a failover, a broker rebuilding from the bucket, the replay tool)
 * hides the deleted records too. It only moves up. Segments wholly below it are garbage for retention to remove;
 * a segment that straddles it stays, and readers start inside it.
 */
final class RemoteLogStart {
    private final ObjectStore store;
    private final String key;
    private volatile long known = -1;

    RemoteLogStart(ObjectStore store, String partitionPrefix) {
        this.store = store;
        this.key = RemoteLayout.logStartKey(partitionPrefix);
    }

    /** Re-read from the store when a listing shows the object; -1 when DeleteRecords never moved it. */
    long refresh(boolean present) {
        if (!present) {
            return known;
        }
        String text = new String(store.get(key), StandardCharsets.US_ASCII).trim();
        try {
            known = Math.max(known, Long.parseLong(text));
        } catch (NumberFormatException e) {
            throw new ObjectStoreException(key + " does not hold an offset: '" + text + "'", e);
        }
        return known;
    }

    long get() {
        return known;
    }

    /** Write a higher start (a lower one is ignored) and return the start now in force. */
    synchronized long advance(long offset) {
        if (offset <= known) {
            return known;
        }
        store.put(key, Long.toString(offset).getBytes(StandardCharsets.US_ASCII));
        known = offset;
        return known;
    }

    boolean isKey(String objectKey) {
        return key.equals(objectKey);
    }
}
