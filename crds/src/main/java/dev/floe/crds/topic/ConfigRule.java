package dev.floe.crds.topic;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What a parsed topic-config value must satisfy, with the wording Kafka's own validators use, so that a client
 * sees the same message from Floe as from Apache Kafka.
 */
public interface ConfigRule {

    /** Why a value is refused, and the value as Kafka shows it (null: the value as given). */
    record Refusal(String shown, String why) {
    }

    /** Null when {@code value} (already parsed to Long, Double, Boolean, String or List) is acceptable. */
    String why(Object value);

    /** As {@link #why}, with the value to show when it is not the one given. */
    default Refusal problem(Object value) {
        String why = why(value);
        return why == null ? null : new Refusal(null, why);
    }

    /** Any value of the right type. */
    ConfigRule ANY = value -> null;

    static ConfigRule atLeast(long min) {
        return value -> ((Number) value).doubleValue() < min ? "Value must be at least " + min : null;
    }

    static ConfigRule between(long min, long max) {
        return value -> {
            double v = ((Number) value).doubleValue();
            if (v < min) {
                return "Value must be at least " + min;
            }
            return v > max ? "Value must be no more than " + max : null;
        };
    }

    /** Kafka's ratio check: numbers print as they were declared (0 and 1, not 0.0 and 1.0). */
    static ConfigRule ratio() {
        return between(0, 1);
    }

    /** A range plus one special value outside it (compression.gzip.level: 1..9 or -1 for the codec default). */
    static ConfigRule betweenOrEqual(long min, long max, long special) {
        return value -> {
            long v = ((Number) value).longValue();
            return v == special || (v >= min && v <= max) ? null
                    : "Value must be between " + min + " and " + max + " or equal to " + special;
        };
    }

    /** One of a fixed set of strings, case-sensitive as in Kafka. */
    static ConfigRule oneOf(String... choices) {
        List<String> allowed = List.of(choices);
        return value -> allowed.contains(value) ? null : "String must be one of: " + String.join(", ", allowed);
    }

    /** Every item of a list is one of a fixed set (cleanup.policy); an empty list is allowed. */
    static ConfigRule eachOneOf(String... choices) {
        List<String> allowed = List.of(choices);
        return new ConfigRule() {
            @Override
            public String why(Object value) {
                Refusal refusal = problem(value);
                return refusal == null ? null : refusal.why();
            }

            @Override
            public Refusal problem(Object value) {
                // Kafka names the first item that is not allowed, not the whole list.
                for (Object item : (List<?>) value) {
                    if (!allowed.contains(item)) {
                        return new Refusal(item.toString(), "String must be one of: " + String.join(", ", allowed));
                    }
                }
                return null;
            }
        };
    }

    /** The replica lists of the replication throttles: {@code *} or {@code partition:broker,...}. */
    static ConfigRule throttledReplicas(String name) {
        Pattern replica = Pattern.compile("[0-9]+:[0-9]+");
        return value -> {
            List<?> items = (List<?>) value;
            boolean wildcard = items.size() == 1 && "*".equals(items.get(0));
            if (wildcard || items.stream().allMatch(item -> replica.matcher(item.toString()).matches())) {
                return null;
            }
            return name + " must be the literal '*' or a list of replicas in the following format:"
                    + " [partitionId]:[brokerId],[partitionId]:[brokerId],...";
        };
    }
}
