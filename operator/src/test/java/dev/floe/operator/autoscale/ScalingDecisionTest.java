package dev.floe.operator.autoscale;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class ScalingDecisionTest {
    private static final double MB = 1_000_000;
    private static final Instant T0 = Instant.parse("2026-12-03T12:00:00Z");
    private static final Duration STEP = Duration.ofSeconds(15);

    /** min 2, max 6, produce 20 MB/s per broker, scale out after 60 s, in after 300 s, cooldown 120 s. */
    private static AutoscalePolicy policy() {
        return policy(20 * MB, null, null, 60, 300, 120);
    }

    private static AutoscalePolicy policy(Double produce, Double fetch, Double cpu, int out, int in, int cooldown) {
        return new AutoscalePolicy(2, 6, produce, fetch, cpu, STEP, Duration.ofSeconds(out), Duration.ofSeconds(in),
                Duration.ofSeconds(cooldown));
    }

    /** One sample ending at {@code at} with every one of {@code brokers} producing {@code perBroker} bytes/s. */
    private static LoadSample produce(Instant at, int brokers, double perBroker) {
        return load(at, brokers, perBroker, 0, null);
    }

    private static LoadSample load(Instant at, int brokers, double produce, double fetch, Double cpu) {
        Map<Integer, BrokerLoad> loads = new TreeMap<>();
        for (int b = 0; b < brokers; b++) {
            loads.put(b, new BrokerLoad(produce, fetch, cpu));
        }
        return LoadSample.of(at.minus(STEP), at, loads, Map.of());
    }

    /** Samples every 15 s from T0 + 15 s to T0 + {@code seconds}. */
    private static List<LoadSample> steady(int seconds, int brokers, double perBroker) {
        List<LoadSample> out = new ArrayList<>();
        for (int s = 15; s <= seconds; s += 15) {
            out.add(produce(T0.plusSeconds(s), brokers, perBroker));
        }
        return out;
    }

    private static Decision decide(List<LoadSample> history, int current, AutoscalePolicy p, int atSecond) {
        return ScalingDecision.decide(history, current, p, T0.plusSeconds(atSecond), null);
    }

    @Test
    void scalesOutInProportionOnceTheLoadStayedAboveTargetForTheWholeWindow() {
        Decision d = decide(steady(75, 2, 41 * MB), 2, policy(), 75);
        assertThat(d.direction()).isEqualTo(Decision.Direction.OUT);
        // ceil(2 × 41/20) = ceil(4.1)
        assertThat(d.desired()).isEqualTo(5);
        assertThat(d.reason()).startsWith("produce at least 41 MB/s per broker (target 20 MB/s) for 60 s: 2 → 5 brokers");
        assertThat(d.observed()).containsEntry(Signal.PRODUCE, 41 * MB);
    }

    @Test
    void doesNotScaleOutBeforeTheWindowIsCoveredByData() {
        Decision d = decide(steady(45, 2, 41 * MB), 2, policy(), 45);
        assertThat(d.direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(d.desired()).isEqualTo(2);
        assertThat(d.reason()).contains("above target").contains("complete data for 45 s of the 60 s scale-out window");
    }

    @Test
    void aSpikeInsideTheWindowDoesNotScaleOut() {
        List<LoadSample> history = new ArrayList<>(steady(60, 2, 15 * MB));
        history.add(produce(T0.plusSeconds(75), 2, 90 * MB));
        Decision d = decide(history, 2, policy(), 75);
        assertThat(d.direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(d.reason()).contains("not on every read of the 60 s scale-out window");
    }

    @Test
    void theSmallestStepAskedForInTheWindowIsTaken() {
        // 30 MB/s asks for ceil(2 × 1.5) = 3 (not 4: the rounding of an exact multiple), 60 MB/s for 6.
        List<LoadSample> history = new ArrayList<>(steady(45, 2, 60 * MB));
        history.add(produce(T0.plusSeconds(60), 2, 30 * MB));
        history.add(produce(T0.plusSeconds(75), 2, 60 * MB));
        Decision d = decide(history, 2, policy(), 75);
        assertThat(d.direction()).isEqualTo(Decision.Direction.OUT);
        assertThat(d.desired()).isEqualTo(3);
    }

    @Test
    void aNoisySignalAroundItsTargetNeverMovesAnything() {
        // Load that swings between 18 and 31 MB/s per broker for an hour: above target now and then, below now and
        // then, never for a whole window. Decided on every read, as the loop does.
        List<LoadSample> history = new ArrayList<>();
        double[] noise = {31, 18, 25, 19, 30, 18.5, 22, 29, 18, 21};
        for (int s = 15, i = 0; s <= 3600; s += 15, i++) {
            history.add(produce(T0.plusSeconds(s), 3, noise[i % noise.length] * MB));
            Decision d = decide(history, 3, policy(), s);
            assertThat(d.direction()).as("decision at %d s: %s", s, d.reason()).isEqualTo(Decision.Direction.NONE);
        }
    }

    @Test
    void aLoadWithinTenPercentOfItsTargetAsksForNoChange() {
        // 10 brokers at 21.5 MB/s each (7.5 % over) would be ceil(10.75) = 11 without the tolerance; 23 MB/s is not
        // within it. min/max wide enough not to interfere.
        AutoscalePolicy wide = new AutoscalePolicy(1, 20, 20 * MB, null, null, STEP, Duration.ofSeconds(60),
                Duration.ofSeconds(300), Duration.ofSeconds(120));
        assertThat(decide(steady(600, 10, 21.5 * MB), 10, wide, 600).direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(decide(steady(600, 10, 18.5 * MB), 10, wide, 600).direction()).isEqualTo(Decision.Direction.NONE);
        Decision over = decide(steady(600, 10, 23 * MB), 10, wide, 600);
        assertThat(over.direction()).isEqualTo(Decision.Direction.OUT);
        assertThat(over.desired()).isEqualTo(12);
    }

    @Test
    void theProportionalStepLandsWhereTheSameLoadAsksForNoFurtherChange() {
        // 82 MB/s in total: 2 brokers → 5; on 5 brokers the same total is 16.4 MB/s each, which asks for
        // ceil(5 × 0.82) = 5: neither out nor in, however long it lasts.
        Decision out = decide(steady(75, 2, 41 * MB), 2, policy(), 75);
        assertThat(out.desired()).isEqualTo(5);
        Decision after = decide(steady(3600, 5, 82 * MB / 5), 5, policy(), 3600);
        assertThat(after.direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(after.reason()).contains("within target for 5 brokers");
    }

    @Test
    void scaleOutIsCappedAtMaxReplicasAndHeldThere() {
        Decision d = decide(steady(75, 2, 100 * MB), 2, policy(), 75);
        assertThat(d.desired()).isEqualTo(6);
        assertThat(d.reason()).contains("ceil(2 × 5.00) = 10, capped at spec.maxReplicas 6");
        Decision atMax = decide(steady(75, 6, 100 * MB), 6, policy(), 75);
        assertThat(atMax.direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(atMax.desired()).isEqualTo(6);
        assertThat(atMax.reason()).contains("at spec.maxReplicas 6");
    }

    @Test
    void scalesInOnlyAfterTheLongerScaleInWindowAndNotBelowMin() {
        Decision early = decide(steady(240, 4, 1 * MB), 4, policy(), 240);
        assertThat(early.direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(early.reason()).contains("below target").contains("of the 300 s scale-in window");
        Decision d = decide(steady(315, 4, 1 * MB), 4, policy(), 315);
        assertThat(d.direction()).isEqualTo(Decision.Direction.IN);
        assertThat(d.desired()).isEqualTo(2);
        assertThat(d.reason()).startsWith("produce at most 1.0 MB/s per broker (target 20 MB/s) for 300 s: 4 → 2 brokers")
                .contains("floored at spec.minReplicas 2");
        Decision atMin = decide(steady(315, 2, 1 * MB), 2, policy(), 315);
        assertThat(atMin.direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(atMin.reason()).contains("at spec.minReplicas 2");
    }

    @Test
    void scaleInKeepsTheLargestCountAskedForInItsWindow() {
        // One read at 12 MB/s per broker on 6 brokers asks for ceil(6 × 0.6) = 4; the others for 1.
        List<LoadSample> history = new ArrayList<>(steady(150, 6, 2 * MB));
        history.add(produce(T0.plusSeconds(165), 6, 12 * MB));
        for (int s = 180; s <= 315; s += 15) {
            history.add(produce(T0.plusSeconds(s), 6, 2 * MB));
        }
        Decision d = decide(history, 6, policy(), 315);
        assertThat(d.direction()).isEqualTo(Decision.Direction.IN);
        assertThat(d.desired()).isEqualTo(4);
    }

    @Test
    void nothingIsDecidedDuringTheCooldownAndTheWindowsStartAfterTheChange() {
        List<LoadSample> history = steady(600, 2, 41 * MB);
        Decision cooling = ScalingDecision.decide(history, 2, policy(), T0.plusSeconds(600), T0.plusSeconds(540));
        assertThat(cooling.direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(cooling.reason()).startsWith("cooldown: spec.replicas changed at 2026-12-03T12:09:00Z; deciding "
                + "again from 2026-12-03T12:11:00Z");
        // 2 s past the cooldown of a change 122 s ago: only samples since the change count, and they cover the 60 s.
        Decision after = ScalingDecision.decide(history, 2, policy(), T0.plusSeconds(600), T0.plusSeconds(478));
        assertThat(after.direction()).isEqualTo(Decision.Direction.OUT);
        // A 30 s cooldown, change 45 s ago: the cooldown is over but the 60 s window since the change is not.
        AutoscalePolicy shortCooldown = policy(20 * MB, null, null, 60, 300, 30);
        Decision waiting = ScalingDecision.decide(history, 2, shortCooldown, T0.plusSeconds(600), T0.plusSeconds(555));
        assertThat(waiting.direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(waiting.reason()).contains("of the 60 s scale-out window");
    }

    @Test
    void aBrokerThatCannotBeReadStopsEveryDecisionAndIsNamed() {
        List<LoadSample> history = new ArrayList<>(steady(600, 2, 41 * MB));
        history.add(LoadSample.of(T0.plusSeconds(600), T0.plusSeconds(615),
                Map.of(0, new BrokerLoad(41 * MB, 0, null)),
                Map.of(1, "http://127.0.0.1:8080/q/metrics: Connection refused")));
        Decision d = decide(history, 2, policy(), 615);
        assertThat(d.direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(d.desired()).isEqualTo(2);
        assertThat(d.reason()).isEqualTo("no decision: broker 1 could not be read (http://127.0.0.1:8080/q/metrics: "
                + "Connection refused)");
        assertThat(d.observed()).as("no figures guessed from the brokers that could be read").isEmpty();
    }

    @Test
    void aGapInTheDataStartsTheWindowOver() {
        List<LoadSample> history = new ArrayList<>(steady(300, 2, 41 * MB));
        history.add(LoadSample.of(T0.plusSeconds(300), T0.plusSeconds(315), Map.of(0, new BrokerLoad(41 * MB, 0, null)),
                Map.of(1, "no live Lease")));
        for (int s = 330; s <= 360; s += 15) {
            history.add(produce(T0.plusSeconds(s), 2, 41 * MB));
        }
        Decision d = decide(history, 2, policy(), 360);
        assertThat(d.direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(d.reason()).contains("complete data for 45 s of the 60 s scale-out window");
        history.add(produce(T0.plusSeconds(375), 2, 41 * MB));
        assertThat(decide(history, 2, policy(), 375).direction()).isEqualTo(Decision.Direction.OUT);
    }

    @Test
    void samplesOfAnotherBrokerCountDoNotCount() {
        Decision d = decide(steady(75, 3, 41 * MB), 2, policy(), 75);
        assertThat(d.direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(d.reason()).contains("read 3 brokers, spec.replicas is 2");
    }

    @Test
    void anySignalAboveTargetScalesOutButScaleInNeedsEverySignalBelow() {
        AutoscalePolicy both = policy(20 * MB, 50 * MB, null, 60, 300, 120);
        List<LoadSample> fetchHeavy = new ArrayList<>();
        for (int s = 15; s <= 75; s += 15) {
            fetchHeavy.add(load(T0.plusSeconds(s), 2, 1 * MB, 120 * MB, null));
        }
        Decision out = decide(fetchHeavy, 2, both, 75);
        assertThat(out.direction()).isEqualTo(Decision.Direction.OUT);
        assertThat(out.desired()).isEqualTo(5);
        assertThat(out.reason()).startsWith("fetch at least 120 MB/s per broker (target 50 MB/s) for 60 s");

        // Produce far below, fetch at target: nothing to remove.
        List<LoadSample> fetchAtTarget = new ArrayList<>();
        for (int s = 15; s <= 600; s += 15) {
            fetchAtTarget.add(load(T0.plusSeconds(s), 4, 1 * MB, 50 * MB, null));
        }
        assertThat(decide(fetchAtTarget, 4, both, 600).direction()).isEqualTo(Decision.Direction.NONE);
    }

    @Test
    void cpuUtilizationIsATargetLikeTheOthers() {
        AutoscalePolicy cpu = policy(null, null, 0.6, 60, 300, 120);
        List<LoadSample> busy = new ArrayList<>();
        for (int s = 15; s <= 75; s += 15) {
            busy.add(load(T0.plusSeconds(s), 3, 0, 0, 0.9));
        }
        Decision d = decide(busy, 3, cpu, 75);
        // ceil(3 × 1.5) = 5
        assertThat(d.desired()).isEqualTo(5);
        assertThat(d.reason()).startsWith("CPU at least 90% per broker (target 60%) for 60 s: 3 → 5 brokers");

        List<LoadSample> noCpu = List.of(load(T0.plusSeconds(15), 3, 0, 0, null));
        Decision blind = decide(noCpu, 3, cpu, 15);
        assertThat(blind.direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(blind.reason()).isEqualTo("no decision: broker 0 reports no CPU figure");
    }

    @Test
    void zeroWindowsDecideOnTheLatestRead() {
        AutoscalePolicy immediate = policy(20 * MB, null, null, 0, 0, 0);
        Decision d = decide(List.of(produce(T0.plusSeconds(15), 2, 41 * MB)), 2, immediate, 15);
        assertThat(d.direction()).isEqualTo(Decision.Direction.OUT);
        assertThat(d.reason()).contains("on the latest read");
    }

    @Test
    void noDataNoDecision() {
        Decision d = decide(List.of(), 3, policy(), 0);
        assertThat(d.direction()).isEqualTo(Decision.Direction.NONE);
        assertThat(d.desired()).isEqualTo(3);
        assertThat(d.reason()).isEqualTo("no metrics read yet");
    }
}
