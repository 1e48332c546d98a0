package dev.floe.broker.cleaner;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Key to latest offset, in a fixed amount of memory: each key is stored as its 16-byte MD5 digest next to an
 * 8-byte offset in open-addressed arrays, so the cleaner's memory is bounded by configuration however large the
 * keys are. Two keys with the same digest would count as one; with 128-bit digests that is negligible, which is
 * the trade Kafka's cleaner makes too. Not thread-safe: one cleaner thread owns it.
 */
final class OffsetMap {
    private static final int DIGEST = 16;
    private static final int ENTRY = DIGEST + 8;
    /** Probing gets slow when the table is nearly full; stop taking keys at this load. */
    private static final double MAX_LOAD = 0.9;

    private final byte[] digests;
    private final long[] offsets;
    private final boolean[] used;
    private final int slots;
    private final MessageDigest md5;
    private final byte[] scratch = new byte[DIGEST];
    private int size;
    private long latestOffset = -1;

    OffsetMap(long memoryBytes) {
        this.slots = (int) Math.max(16, Math.min(Integer.MAX_VALUE / DIGEST, memoryBytes / ENTRY));
        this.digests = new byte[slots * DIGEST];
        this.offsets = new long[slots];
        this.used = new boolean[slots];
        try {
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no MD5", e);
        }
    }

    /** Keys this map can hold before {@link #isFull()}. */
    int capacity() {
        return (int) (slots * MAX_LOAD);
    }

    boolean isFull() {
        return size >= capacity();
    }

    int size() {
        return size;
    }

    /** The largest offset put since the last clear, -1 when none. */
    long latestOffset() {
        return latestOffset;
    }

    void clear() {
        Arrays.fill(used, false);
        size = 0;
        latestOffset = -1;
    }

    /** Record that {@code key} was last seen at {@code offset} (offsets come in increasing order). */
    void put(ByteBuffer key, long offset) {
        int slot = find(key);
        if (!used[slot]) {
            used[slot] = true;
            System.arraycopy(scratch, 0, digests, slot * DIGEST, DIGEST);
            size++;
        }
        offsets[slot] = offset;
        latestOffset = Math.max(latestOffset, offset);
    }

    /** The latest offset of {@code key}, -1 when it is not in the map. */
    long get(ByteBuffer key) {
        int slot = find(key);
        return used[slot] ? offsets[slot] : -1;
    }

    /** The slot holding the key's digest, or the empty slot where it would go; leaves the digest in scratch. */
    private int find(ByteBuffer key) {
        md5.reset();
        md5.update(key.duplicate());
        try {
            md5.digest(scratch, 0, DIGEST);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
        int hash = ((scratch[0] & 0xff) << 24) | ((scratch[1] & 0xff) << 16) | ((scratch[2] & 0xff) << 8)
                | (scratch[3] & 0xff);
        int slot = Math.floorMod(hash, slots);
        while (used[slot] && !Arrays.equals(digests, slot * DIGEST, slot * DIGEST + DIGEST, scratch, 0, DIGEST)) {
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
        return slot;
    }
}
