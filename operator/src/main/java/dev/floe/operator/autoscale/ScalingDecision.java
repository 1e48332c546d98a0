package dev.floe.operator.autoscale;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The autoscaler's decision as a pure function of the samples, the current broker count and the policy.
 *
 * <p>Like the HorizontalPodAutoscaler: for each targeted signal, the per-broker average over the brokers against the
 * per-broker target gives a ratio, and the broker count that signal asks for is {@code ceil(current * ratio)}
 * (which is {@code ceil(cluster total / target)}), or the current count while the ratio is within
 * {@value #TOLERANCE} of 1, so a load hovering at its target does not move anything. Stabilization differs from the
 * HPA's in one respect: each signal is stabilized on its own, so every change can be explained by one figure.
 * <ul>
 *   <li>Scale out: a signal asks for more brokers only with the smallest count it asked for on every sample of the
 *   scale-out window (it was above target for all of it); the largest such count over the signals wins, up to max.
 *   <li>Scale in: every signal must have asked for fewer brokers on every sample of the (longer) scale-in window;
 *   the largest count any signal asked for in the window wins, down to min.
 * </ul>
 * A window counts only once complete data covers all of it: a sample with a broker missing, or a change of the
 * broker count (the history should restart then), starts it over. Nothing is decided during the cooldown after a
 * change, nor when the latest sample is incomplete: missing data is reported, never filled in.
 */
public final class ScalingDecision {
    /** A ratio within this of 1 asks for no change, as the HPA's default tolerance. */
    static final double TOLERANCE = 0.1;

    private ScalingDecision() {
    }

    /**
     * @param history    samples oldest first, taken while the cluster ran {@code current} brokers (older ones, or
     *                   ones before {@code lastChange}, are ignored)
     * @param lastChange when spec.replicas last changed, or null if unknown (no cooldown then)
     */
    public static Decision decide(List<LoadSample> history, int current, AutoscalePolicy policy, Instant now,
                                  Instant lastChange) {
        if (history.isEmpty()) {
            return hold(current, "no metrics read yet", Map.of());
        }
        LoadSample latest = history.get(history.size() - 1);
        if (!latest.missing().isEmpty()) {
            return hold(current, "no decision: " + missing(latest), Map.of());
        }
        if (latest.brokers().size() != current) {
            return hold(current, "no decision: read " + latest.brokers().size() + " brokers, spec.replicas is "
                    + current, Map.of());
        }
        List<Signal> targeted = targeted(policy);
        for (Signal s : targeted) {
            for (Map.Entry<Integer, BrokerLoad> b : latest.brokers().entrySet()) {
                if (s.of(b.getValue()) == null) {
                    return hold(current, "no decision: broker " + b.getKey() + " reports no " + s.label()
                            + " figure", Map.of());
                }
            }
        }
        Map<Signal, Double> observed = averages(latest);
        if (lastChange != null && now.isBefore(lastChange.plus(policy.cooldown()))) {
            return hold(current, "cooldown: spec.replicas changed at " + lastChange + "; deciding again from "
                    + lastChange.plus(policy.cooldown()), observed);
        }

        List<LoadSample> run = completeRun(history, current, targeted, lastChange);
        Instant coveredFrom = run.get(0).since();

        // Scale out: signals above target on every sample of the window.
        List<LoadSample> outWindow = window(run, policy.scaleOutWindow(), now);
        boolean outCovered = covers(coveredFrom, policy.scaleOutWindow(), now);
        Signal outDriver = null;
        int outWanted = current;
        for (Signal s : targeted) {
            int asked = outWindow.stream().mapToInt(x -> asked(x, s, current, policy)).min().orElse(current);
            if (asked > outWanted) {
                outWanted = asked;
                outDriver = s;
            }
        }
        if (outCovered && outDriver != null) {
            Signal driver = outDriver;
            double least = outWindow.stream().mapToDouble(x -> average(x, driver)).min().orElseThrow();
            String why = outDriver.label() + " at least " + outDriver.format(least) + " per broker (target "
                    + outDriver.format(outDriver.target(policy)) + ") " + over(policy.scaleOutWindow());
            if (current >= policy.max()) {
                return hold(current, why + ", but the cluster is at spec.maxReplicas " + policy.max(), observed);
            }
            int desired = Math.min(outWanted, policy.max());
            return new Decision(desired, Decision.Direction.OUT, why + ": " + current + " → " + desired + " brokers ("
                    + step(current, least, outDriver.target(policy), outWanted)
                    + (desired < outWanted ? ", capped at spec.maxReplicas " + policy.max() : "") + ")", observed);
        }

        // Scale in: every signal below target on every sample of the (longer) window.
        List<LoadSample> inWindow = window(run, policy.scaleInWindow(), now);
        boolean inCovered = covers(coveredFrom, policy.scaleInWindow(), now);
        int inWanted = 0;
        List<String> figures = new ArrayList<>();
        for (Signal s : targeted) {
            int asked = inWindow.stream().mapToInt(x -> asked(x, s, current, policy)).max().orElse(current);
            inWanted = Math.max(inWanted, asked);
            double most = inWindow.stream().mapToDouble(x -> average(x, s)).max().orElseThrow();
            figures.add(s.label() + " at most " + s.format(most) + " per broker (target " + s.format(s.target(policy))
                    + ")");
        }
        if (inCovered && inWanted < current) {
            String why = String.join(", ", figures) + " " + over(policy.scaleInWindow());
            if (current <= policy.min()) {
                return hold(current, why + ", but the cluster is at spec.minReplicas " + policy.min(), observed);
            }
            int desired = Math.max(inWanted, policy.min());
            return new Decision(desired, Decision.Direction.IN, why + ": " + current + " → " + desired + " brokers"
                    + (desired > inWanted ? " (" + inWanted + " would do; floored at spec.minReplicas " + policy.min()
                    + ")" : ""), observed);
        }
        return hold(current, waiting(latest, current, policy, targeted, outCovered, inCovered, coveredFrom, now),
                observed);
    }

    /** Why nothing changes although data is complete: within target, or a window not yet covered or not yet met. */
    private static String waiting(LoadSample latest, int current, AutoscalePolicy policy, List<Signal> targeted,
                                  boolean outCovered, boolean inCovered, Instant coveredFrom, Instant now) {
        String now_ = targeted.stream().map(s -> s.label() + " " + s.format(average(latest, s)) + " per broker (target "
                + s.format(s.target(policy)) + ")").collect(Collectors.joining(", "));
        boolean anyAbove = targeted.stream().anyMatch(s -> asked(latest, s, current, policy) > current);
        boolean allBelow = targeted.stream().allMatch(s -> asked(latest, s, current, policy) < current);
        long seen = Duration.between(coveredFrom, now).toSeconds();
        if (anyAbove) {
            return now_ + ": above target, " + (outCovered ? "but not on every read of the "
                    + policy.scaleOutWindow().toSeconds() + " s scale-out window" : "complete data for " + seen
                    + " s of the " + policy.scaleOutWindow().toSeconds() + " s scale-out window");
        }
        if (allBelow) {
            return now_ + ": below target, " + (inCovered ? "but not on every read of the "
                    + policy.scaleInWindow().toSeconds() + " s scale-in window" : "complete data for " + seen
                    + " s of the " + policy.scaleInWindow().toSeconds() + " s scale-in window");
        }
        return now_ + ": within target for " + current + " brokers";
    }

    /** The broker count one sample asks for by one signal. */
    static int asked(LoadSample sample, Signal signal, int current, AutoscalePolicy policy) {
        double ratio = average(sample, signal) / signal.target(policy);
        if (Math.abs(ratio - 1) <= TOLERANCE) {
            return current;
        }
        // The epsilon keeps an exact multiple (2 brokers × 1.5 = 3) from becoming 4 through rounding.
        return (int) Math.ceil(current * ratio - 1e-9);
    }

    static double average(LoadSample sample, Signal signal) {
        return sample.brokers().values().stream().mapToDouble(b -> signal.of(b)).average().orElse(0);
    }

    private static Map<Signal, Double> averages(LoadSample sample) {
        Map<Signal, Double> out = new EnumMap<>(Signal.class);
        for (Signal s : Signal.values()) {
            if (sample.brokers().values().stream().allMatch(b -> s.of(b) != null)) {
                out.put(s, average(sample, s));
            }
        }
        return out;
    }

    private static List<Signal> targeted(AutoscalePolicy policy) {
        List<Signal> out = new ArrayList<>();
        for (Signal s : Signal.values()) {
            if (s.target(policy) != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** The latest samples back to the first gap: incomplete, another broker count, or before the last change. */
    private static List<LoadSample> completeRun(List<LoadSample> history, int current, List<Signal> targeted,
                                                Instant lastChange) {
        int start = history.size() - 1;
        while (start > 0 && usable(history.get(start - 1), current, targeted, lastChange)) {
            start--;
        }
        return history.subList(start, history.size());
    }

    private static boolean usable(LoadSample s, int current, List<Signal> targeted, Instant lastChange) {
        return s.missing().isEmpty() && s.brokers().size() == current
                && (lastChange == null || !s.since().isBefore(lastChange))
                && targeted.stream().allMatch(t -> s.brokers().values().stream().allMatch(b -> t.of(b) != null));
    }

    /** Samples that end within the window; the latest always (a zero window decides on it alone). */
    private static List<LoadSample> window(List<LoadSample> run, Duration window, Instant now) {
        Instant from = now.minus(window);
        List<LoadSample> in = run.stream().filter(s -> !s.time().isBefore(from)).collect(Collectors.toList());
        if (in.isEmpty()) {
            in.add(run.get(run.size() - 1));
        }
        return in;
    }

    private static boolean covers(Instant coveredFrom, Duration window, Instant now) {
        return !coveredFrom.isAfter(now.minus(window));
    }

    private static String over(Duration window) {
        return window.isZero() ? "on the latest read" : "for " + window.toSeconds() + " s";
    }

    private static String step(int current, double observed, double target, int wanted) {
        return "ceil(" + current + " × " + String.format(java.util.Locale.ROOT, "%.2f", observed / target) + ") = "
                + wanted;
    }

    private static String missing(LoadSample sample) {
        return sample.missing().entrySet().stream().map(e -> "broker " + e.getKey() + " could not be read ("
                + e.getValue() + ")").collect(Collectors.joining("; "));
    }

    private static Decision hold(int current, String reason, Map<Signal, Double> observed) {
        return new Decision(current, Decision.Direction.NONE, reason, observed);
    }
}
