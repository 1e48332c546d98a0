package dev.floe.broker.produce;

import dev.floe.broker.topic.TopicRegistry;

import java.io.IOException;

/**
 * Hands out producer ids from durable blocks, so an id is never reused across restarts without writing the
 * metadata file on every InitProducerId. In a cluster each broker draws from its own range (broker id in the high
 * bits), so two brokers never hand out the same id without having to agree on anything.
 */
public final class ProducerIdAllocator {
    private static final int BLOCK = 1000;
    static final int BROKER_SHIFT = 40;
    private final TopicRegistry registry;
    private final long base;
    private long next;
    private long blockEnd;

    public ProducerIdAllocator(TopicRegistry registry) {
        this(registry, 0);
    }

    public ProducerIdAllocator(TopicRegistry registry, int brokerId) {
        this.registry = registry;
        this.base = (long) brokerId << BROKER_SHIFT;
    }

    public synchronized long nextId() throws IOException {
        if (next >= blockEnd) {
            next = registry.reserveProducerIds(BLOCK);
            blockEnd = next + BLOCK;
        }
        return base + next++;
    }
}
