package dev.floe.tier.remote;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.tier.layout.RemoteLayout;
import dev.floe.tier.store.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A cluster's tiered data in one object store: the entry point for the broker and the replay tool. */
public final class RemoteLogStore implements AutoCloseable {
    /**
     * Bytes per ranged GET. Per-request cost dominates small GETs: on s3proxy here a plain client's sequential
     * ranged GETs ran 2-3x faster with 8 MiB ranges than with 1 MiB (bench/tiered.sh baseline), so 4 MiB.
     */
    public static final int DEFAULT_CHUNK_BYTES = 4 << 20;
    /** Bytes fetched ahead of each sequential reader, in whole chunks. */
    static final int READ_AHEAD_BYTES = 8 << 20;

    /** A topic found in the bucket. */
    public record RemoteTopic(String topic, String topicId, List<Integer> partitions) {
    }

    private final ObjectStore store;
    private final String cluster;
    private final ChunkCache cache;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, RemotePartition> partitions = new ConcurrentHashMap<>();

    public RemoteLogStore(ObjectStore store, String cluster, long cacheBytes, MeterRegistry registry) {
        this(store, cluster, DEFAULT_CHUNK_BYTES, cacheBytes, registry);
    }

    /**
     * @param chunkBytes bytes per ranged GET; the cache should hold (1 + read-ahead) chunks for each partition
     *                   read from the bucket at once, or read-ahead is evicted before it is used
     */
    public RemoteLogStore(ObjectStore store, String cluster, int chunkBytes, long cacheBytes, MeterRegistry registry) {
        this.store = store;
        this.cluster = cluster;
        this.cache = new ChunkCache(store, chunkBytes, Math.max(1, READ_AHEAD_BYTES / chunkBytes), cacheBytes, registry);
    }

    public ObjectStore objectStore() {
        return store;
    }

    public RemotePartition partition(String topic, String topicId, int partition) {
        return partitions.computeIfAbsent(RemoteLayout.partitionPrefix(cluster, topic, topicId, partition),
                k -> new RemotePartition(store, cache, json, cluster, topic, topicId, partition));
    }

    /**
     * Abort this cluster's uploads that began before {@code initiatedBefore} and never completed: parts of a
     * segment a killed broker was uploading. Called at start; those uploads never became visible segments.
     */
    public int abortIncompleteUploads(java.time.Instant initiatedBefore) {
        return store.abortIncompleteUploads(RemoteLayout.clusterPrefix(cluster), initiatedBefore);
    }

    /** Every topic with data in the bucket for this cluster. */
    public List<RemoteTopic> topics() {
        List<RemoteTopic> out = new ArrayList<>();
        String clusterPrefix = RemoteLayout.clusterPrefix(cluster);
        for (String directory : store.listPrefixes(clusterPrefix)) {
            String[] parsed = RemoteLayout.parseTopicDirectory(directory);
            if (parsed == null) {
                continue;
            }
            List<Integer> parts = new ArrayList<>();
            for (String p : store.listPrefixes(clusterPrefix + directory + "/")) {
                try {
                    parts.add(Integer.parseInt(p));
                } catch (NumberFormatException ignored) {
                    // not a partition directory
                }
            }
            parts.sort(Integer::compare);
            out.add(new RemoteTopic(parsed[0], parsed[1], parts));
        }
        return out;
    }

    @Override
    public void close() {
        cache.close();
        store.close();
    }
}
