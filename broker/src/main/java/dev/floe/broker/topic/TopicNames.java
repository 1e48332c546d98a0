package dev.floe.broker.topic;

import java.util.regex.Pattern;

/** Kafka's rules for topic names, so a name legal here is legal on any Kafka cluster and vice versa. */
public final class TopicNames {
    public static final int MAX_LENGTH = 249;
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]+");

    private TopicNames() {
    }

    /** Null when the name is valid, else the reason it is not. */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "topic name is empty";
        }
        if (name.equals(".") || name.equals("..")) {
            return "topic name cannot be '.' or '..'";
        }
        if (name.length() > MAX_LENGTH) {
            return "topic name is " + name.length() + " characters long, the limit is " + MAX_LENGTH;
        }
        if (!LEGAL.matcher(name).matches()) {
            return "topic name '" + name + "' is illegal: only ASCII letters, digits, '.', '_' and '-' are allowed";
        }
        return null;
    }

    public static boolean isInternal(String name) {
        return name.startsWith("__");
    }
}
