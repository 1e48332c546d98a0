package dev.floe.crds.topic;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One Kafka topic config: its name, type, Apache Kafka's default and the rule its values obey. Values are parsed
 * as Kafka's ConfigDef parses them (numbers and booleans trimmed, booleans in any case, lists split on commas).
 */
public record TopicConfigKey(String name, Type type, String kafkaDefault, ConfigRule rule) {

    public enum Type {
        BOOLEAN, STRING, INT, LONG, DOUBLE, LIST
    }

    /** Null when {@code value} is acceptable, else Kafka's message for it. */
    public String problem(String value) {
        if (value == null) {
            return invalid("null", "Value must be non-null");
        }
        Object parsed;
        try {
            parsed = parse(value);
        } catch (IllegalArgumentException e) {
            return invalid(value, e.getMessage());
        }
        ConfigRule.Refusal refusal = rule.problem(parsed);
        if (refusal == null) {
            return null;
        }
        String shown = refusal.shown() != null ? refusal.shown() : type == Type.LIST ? parsed.toString() : value;
        return invalid(shown, refusal.why());
    }

    /** The value as Kafka would hold it: Long (INT and LONG), Double, Boolean, String or List of String. */
    public Object parse(String value) {
        String v = value.trim();
        switch (type) {
            case INT, LONG -> {
                long parsed;
                try {
                    parsed = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("Not a number of type " + type);
                }
                if (type == Type.INT && (parsed > Integer.MAX_VALUE || parsed < Integer.MIN_VALUE)) {
                    throw new IllegalArgumentException("Not a number of type INT");
                }
                return parsed;
            }
            case DOUBLE -> {
                try {
                    return Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("Not a number of type DOUBLE");
                }
            }
            case BOOLEAN -> {
                String lower = v.toLowerCase(Locale.ROOT);
                if (!lower.equals("true") && !lower.equals("false")) {
                    throw new IllegalArgumentException("Expected value to be either true or false");
                }
                return Boolean.parseBoolean(lower);
            }
            case LIST -> {
                List<String> items = new ArrayList<>();
                if (!v.isEmpty()) {
                    for (String item : v.split("\\s*,\\s*", -1)) {
                        items.add(item.trim());
                    }
                }
                return items;
            }
            default -> {
                return v;
            }
        }
    }

    private String invalid(String shown, String why) {
        return "Invalid value " + shown + " for configuration " + name + ": " + why;
    }
}
