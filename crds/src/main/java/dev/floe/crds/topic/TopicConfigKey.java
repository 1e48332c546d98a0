package dev.floe.crds.topic;

import java.util.Set;

/** One topic config Floe understands: its Kafka name, type, and the values it accepts. */
public record TopicConfigKey(String name, Type type, long min, Set<String> allowed, String unsupportedReason) {

    public enum Type {
        BOOLEAN, STRING, INT, LONG, LIST
    }

    static TopicConfigKey ofLong(String name, long min) {
        return new TopicConfigKey(name, Type.LONG, min, Set.of(), null);
    }

    static TopicConfigKey ofInt(String name, long min) {
        return new TopicConfigKey(name, Type.INT, min, Set.of(), null);
    }

    static TopicConfigKey ofBoolean(String name) {
        return new TopicConfigKey(name, Type.BOOLEAN, 0, Set.of("true", "false"), null);
    }

    static TopicConfigKey ofChoice(String name, Set<String> allowed, String unsupportedReason) {
        return new TopicConfigKey(name, Type.STRING, 0, allowed, unsupportedReason);
    }

    /** Null when {@code value} is acceptable, else a message a person can act on. */
    public String problem(String value) {
        if (value == null) {
            return "config " + name + " needs a value";
        }
        String v = value.trim();
        switch (type) {
            case LONG, INT -> {
                long parsed;
                try {
                    parsed = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    return "config " + name + "=" + value + " is not a number";
                }
                if (type == Type.INT && (parsed > Integer.MAX_VALUE || parsed < Integer.MIN_VALUE)) {
                    return "config " + name + "=" + value + " does not fit in 32 bits";
                }
                if (parsed < min) {
                    return "config " + name + "=" + value + " is below the minimum " + min;
                }
                return null;
            }
            case BOOLEAN -> {
                return allowed.contains(v.toLowerCase()) ? null : "config " + name + "=" + value + " must be true or false";
            }
            default -> {
                if (allowed.isEmpty()) {
                    return null;
                }
                for (String item : v.split(",")) {
                    if (!allowed.contains(item.trim())) {
                        return unsupportedReason != null && !item.isBlank()
                                ? "config " + name + "=" + value + " is not supported: " + unsupportedReason
                                : "config " + name + "=" + value + " must be one of " + allowed;
                    }
                }
                return null;
            }
        }
    }
}
