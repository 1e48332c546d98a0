package dev.floe.operator.autoscale;

import dev.floe.crds.cluster.AutoscalingStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the autoscaler remembers about one Cluster between looks: the samples since the broker count last changed,
 * the counters of the previous read, and when the count changed. Lost on an operator restart, which only means the
 * windows start over; the last decision is taken back from the Cluster's status.
 */
final class ScalingState {
    final LoadRates rates = new LoadRates();
    private final List<LoadSample> history = new ArrayList<>();
    /** spec.replicas the history was taken at; -1 before the first look. */
    int replicas = -1;
    Instant lastChange;
    Instant nextLook = Instant.MIN;
    String lastProblem;
    /** The status this autoscaler last wrote (decision fields carried from one write to the next). */
    AutoscalingStatus status;

    /** A new broker count: the samples before it describe another cluster. */
    void restart(int replicas) {
        this.replicas = replicas;
        history.clear();
        rates.reset();
    }

    void add(LoadSample sample, Duration keep) {
        history.add(sample);
        Instant oldest = sample.time().minus(keep);
        history.removeIf(s -> s.time().isBefore(oldest));
    }

    List<LoadSample> history() {
        return List.copyOf(history);
    }
}
