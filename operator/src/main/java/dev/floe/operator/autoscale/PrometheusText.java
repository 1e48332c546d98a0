package dev.floe.operator.autoscale;

import java.util.OptionalDouble;

/**
 * Reads figures out of a Prometheus text exposition (what Quarkus Micrometer serves at /q/metrics): the sum of
 * every series of one metric name, whatever its labels. Only what the autoscaler needs; comments and other metrics
 * are skipped.
 */
public final class PrometheusText {
    private final String text;

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
