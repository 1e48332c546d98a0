package dev.floe.crds.common;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The condition types and reasons Floe writes, and the one rule for replacing a condition: the transition time only
 * moves when the status does, so {@code kubectl describe} shows how long a resource has been in its state.
 */
public final class Conditions {
    public static final String READY = "Ready";
    public static final String TRUE = "True";
    public static final String FALSE = "False";

    private Conditions() {
    }

    public static Condition of(String type, boolean status, String reason, String message, Long generation) {
        return new ConditionBuilder()
                .withType(type)
                .withStatus(status ? TRUE : FALSE)
                .withReason(reason)
                .withMessage(message)
                .withObservedGeneration(generation)
                .withLastTransitionTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
                .build();
    }

    /** Returns a new list with {@code next} replacing the condition of the same type. */
    public static List<Condition> merge(List<Condition> current, Condition next) {
        List<Condition> merged = new ArrayList<>();
        if (current != null) {
            for (Condition c : current) {
                if (c.getType().equals(next.getType())) {
                    if (c.getStatus().equals(next.getStatus())) {
                        next.setLastTransitionTime(c.getLastTransitionTime());
                    }
                } else {
                    merged.add(c);
                }
            }
        }
        merged.add(next);
        return merged;
    }

    /**
     * Sets the condition on {@code status}; true when its status, reason or message changed, so callers emit one
     * Event per change rather than one per reconciliation.
     */
    public static boolean set(HasConditions status, String type, boolean value, String reason, String message,
                              Long generation) {
        Optional<Condition> before = find(status.getConditions(), type);
        Condition next = of(type, value, reason, message, generation);
        status.setConditions(merge(status.getConditions(), next));
        return before.map(c -> !c.getStatus().equals(next.getStatus()) || !reason.equals(c.getReason())
                || !message.equals(c.getMessage())).orElse(true);
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public static boolean isTrue(List<Condition> conditions, String type) {
        return find(conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
    }
}
