package dev.floe.broker.replication;

import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * DeleteRecords waits, as Kafka's delayed DeleteRecords does, until every in-sync replica has moved its log start
 * to the offset asked for (the partition's low watermark): only then may the answer say the records are gone, since
 * any of those replicas may lead next. Followers report their log start in every fetch. Not thread-safe: used under
 * its {@link PartitionReplica}'s lock, completions run after the lock is released.
 */
final class LowWatermarkWaits {
    private final TreeMap<Long, List<CompletableFuture<Errors>>> waits = new TreeMap<>();

    void add(long offset, CompletableFuture<Errors> result) {
        waits.computeIfAbsent(offset, k -> new ArrayList<>()).add(result);
    }

    void forget(long offset, CompletableFuture<Errors> result) {
        List<CompletableFuture<Errors>> list = waits.get(offset);
        if (list != null) {
            list.remove(result);
            if (list.isEmpty()) {
                waits.remove(offset);
            }
        }
    }

    /** The waits the low watermark now satisfies, to complete with NONE. */
    void reached(long lowWatermark, List<PartitionReplica.Completion> done) {
        Iterator<Map.Entry<Long, List<CompletableFuture<Errors>>>> it = waits.headMap(lowWatermark, true).entrySet()
                .iterator();
        while (it.hasNext()) {
            for (CompletableFuture<Errors> f : it.next().getValue()) {
                done.add(new PartitionReplica.Completion(f, Errors.NONE));
            }
            it.remove();
        }
    }

    void failAll(Errors error, List<PartitionReplica.Completion> done) {
        waits.values().forEach(list -> list.forEach(f -> done.add(new PartitionReplica.Completion(f, error))));
        waits.clear();
    }
}
