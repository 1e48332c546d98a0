package dev.floe.operator.autoscale;

import java.util.Map;

/**
 * What {@link ScalingDecision} concluded.
 *
 * @param desired  the broker count wanted now (the current one unless {@code direction} is OUT or IN)
 * @param reason   for a change, why, with the figures; otherwise why nothing changes
 * @param observed the latest per-broker averages by signal, for the status (empty without data)
 */
public record Decision(int desired, Direction direction, String reason, Map<Signal, Double> observed) {
    public enum Direction {
        OUT, IN, NONE
    }

    public Decision {
        observed = Map.copyOf(observed);
    }

    public boolean changes() {
        return direction != Direction.NONE;
    }
}
