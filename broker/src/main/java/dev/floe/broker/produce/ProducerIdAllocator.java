package dev.floe.broker.produce;

import dev.floe.broker.topic.TopicRegistry;

import java.io.IOException;

/**
 * Hands out producer ids from durable blocks, so an id is never reused across restarts without writing the
 * metadata file on every InitProducerId.
 */
public final class ProducerIdAllocator {
    private static final int BLOCK = 1000;
    private final TopicRegistry registry;
    private long next;
    private long blockEnd;

    public ProducerIdAllocator(TopicRegistry registry) {
        this.registry = registry;
    }

    public synchronized long nextId() throws IOException {
        if (next >= blockEnd) {
            next = registry.reserveProducerIds(BLOCK);
            blockEnd = next + BLOCK;
        }
        return next++;
    }
}
