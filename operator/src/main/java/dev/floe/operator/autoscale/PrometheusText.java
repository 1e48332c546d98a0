package dev.floe.operator.autoscale;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Reads figures out of a Prometheus text exposition (what Quarkus Micrometer serves at /q/metrics): the sum of
 * every series of one metric name, whatever its labels, or each series with its labels. Only what the autoscaler and
 * the load-aware balancing need; comments and other metrics are skipped.
 */
public final class PrometheusText {
    private final String text;

    /** One series: its labels (name to unescaped value) and its value. */
    public record Series(Map<String, String> labels, double value) {
    }

    public PrometheusText(String text) {
        this.text = text;
    }

    /** The sum over every series named {@code name}, or empty when there is none. */
    public OptionalDouble sum(String name) {
        double sum = 0;
        boolean found = false;
        int at = 0;
        while (at < text.length()) {
            int end = text.indexOf('\n', at);
            if (end < 0) {
                end = text.length();
            }
            if (end > at && text.charAt(at) != '#' && text.startsWith(name, at)) {
                Double value = valueOf(text, at + name.length(), end);
                if (value != null) {
                    sum += value;
                    found = true;
                }
            }
            at = end + 1;
        }
        return found ? OptionalDouble.of(sum) : OptionalDouble.empty();
    }

    /** Every series named {@code name}, with its labels, in the order of the page. */
    public List<Series> series(String name) {
        List<Series> out = new ArrayList<>();
        int at = 0;
        while (at < text.length()) {
            int end = text.indexOf('\n', at);
            if (end < 0) {
                end = text.length();
            }
            if (end > at && text.charAt(at) != '#' && text.startsWith(name, at)) {
                Double value = valueOf(text, at + name.length(), end);
                if (value != null) {
                    out.add(new Series(labels(text, at + name.length(), end), value));
                }
            }
            at = end + 1;
        }
        return out;
    }

    /** The labels of a series whose label set starts at {@code from} ({@code {a="x",b="y"}}), or none. */
    private static Map<String, String> labels(String text, int from, int end) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (from >= end || text.charAt(from) != '{') {
            return labels;
        }
        int i = from + 1;
        while (i < end && text.charAt(i) != '}') {
            int eq = text.indexOf('=', i);
            if (eq < 0 || eq >= end || eq + 1 >= end || text.charAt(eq + 1) != '"') {
                break;
            }
            String key = text.substring(i, eq).trim();
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; j < end && text.charAt(j) != '"'; j++) {
                char c = text.charAt(j);
                if (c == '\\' && j + 1 < end) {
                    char next = text.charAt(++j);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(c);
                }
            }
            labels.put(key, value.toString());
            i = j + 1;
            if (i < end && text.charAt(i) == ',') {
                i++;
            }
        }
        return labels;
    }

    /**
     * The value of the series starting at {@code from} (just after the name), or null when the line belongs to a
     * longer name ({@code foo_total} is not {@code foo}) or has no number.
     */
    private static Double valueOf(String text, int from, int end) {
        int i = from;
        if (i < end && text.charAt(i) == '{') {
            boolean quoted = false;
            for (i++; i < end; i++) {
                char c = text.charAt(i);
                if (quoted && c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = !quoted;
                } else if (!quoted && c == '}') {
                    break;
                }
            }
            i++;
        }
        if (i >= end || text.charAt(i) != ' ') {
            return null;
        }
        String[] rest = text.substring(i, end).trim().split("\\s+");
        try {
            double v = Double.parseDouble(rest[0]);
            return Double.isNaN(v) ? null : v;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
