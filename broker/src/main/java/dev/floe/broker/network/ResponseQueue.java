package dev.floe.broker.network;

import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

/**
 * One connection's responses in request order, and the single rule for who releases their buffers.
 *
 * <p>Ownership: the parts of a response (ByteBufs, file regions) belong to this queue from {@link #complete}
 * until they are handed to the writer; from then on Netty owns them and releases them once written or when the
 * write fails. After {@link #close} nothing is written: close releases the parts of every response still queued
 * and empties the queue, and a response completed later is released at once by complete, never queued. So each
 * part is released exactly once, by Netty, by close, or by complete after close. (Before, close released the
 * queued responses but left them in the queue, and the next completion released them a second time.)
 *
 * <p>Not thread-safe: everything runs on the connection's event loop.
 */
final class ResponseQueue {
    /** A request's place in the response order. */
    static final class Slot {
        private List<Object> response;
    }

    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    private final Consumer<Object> writer;
    private boolean closed;

    ResponseQueue(Consumer<Object> writer) {
        this.writer = writer;
    }

    Slot enqueue() {
        Slot slot = new Slot();
        if (!closed) {
            slots.addLast(slot);
        }
        return slot;
    }

    /** Requests whose responses have not been written yet. */
    int size() {
        return slots.size();
    }

    /** Takes ownership of {@code response}; writes it, and every response ready behind it, when it is next in line. */
    void complete(Slot slot, List<Object> response) {
        if (closed) {
            release(response);
            return;
        }
        slot.response = response;
        while (!slots.isEmpty() && slots.peekFirst().response != null) {
            Slot head = slots.pollFirst();
            List<Object> parts = head.response;
            head.response = null;
            parts.forEach(writer);
        }
    }

    /** The connection is gone: release what was never written. Idempotent. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Slot slot : slots) {
            if (slot.response != null) {
                release(slot.response);
                slot.response = null;
            }
        }
        slots.clear();
    }

    private static void release(List<Object> parts) {
        parts.forEach(ReferenceCountUtil::release);
    }
}
