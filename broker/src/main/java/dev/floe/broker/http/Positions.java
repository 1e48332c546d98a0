package dev.floe.broker.http;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A reader's place in every partition of a topic, written as {@code 0:42,1:17}: each partition's next offset.
 * It is the SSE event id, so a reconnect with Last-Event-ID resumes exactly where the last delivered event ended.
 */
final class Positions {
    private Positions() {
    }

    static String format(Map<Integer, Long> next) {
        return new TreeMap<>(next).entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(","));
    }

    static Map<Integer, Long> parse(String text) {
        Map<Integer, Long> out = new TreeMap<>();
        for (String part : text.split(",")) {
            String[] kv = part.trim().split(":");
            if (kv.length != 2) {
                throw Problem.badRequest("position '" + text + "' is not a list of partition:offset pairs");
            }
            try {
                out.put(Integer.parseInt(kv[0]), Long.parseLong(kv[1]));
            } catch (NumberFormatException e) {
                throw Problem.badRequest("position '" + text + "' is not a list of partition:offset pairs");
            }
        }
        return out;
    }
}
