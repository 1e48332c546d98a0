package dev.floe.broker.replication;

import org.apache.kafka.common.TopicPartition;

import java.util.List;

/**
 * Where a leader records a change of its in-sync set: Topic.status in cluster mode. The write must be refused when
 * the status no longer names this broker leader in {@code leaderEpoch} (a deposed leader never overwrites the
 * controller's choice), and must be based on the status it read (optimistic concurrency). Blocking; called on the
 * replication control thread only.
 */
public interface IsrWriter {
    enum Outcome {
        /** The status now holds {@code isr} for this epoch. */
        WRITTEN,
        /** The status names another leader or epoch: this broker is deposed and must not retry. */
        FENCED,
        /** The API could not be reached or kept conflicting: retry on the next change. */
        FAILED
    }

    Outcome write(TopicPartition tp, int leaderId, int leaderEpoch, List<Integer> isr);
}
