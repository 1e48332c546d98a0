package dev.floe.operator.balance;

import dev.floe.operator.autoscale.BrokerReading;
import dev.floe.operator.autoscale.BrokerScraper;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionRatesTest {
    private static final Instant T0 = Instant.parse("2026-12-03T12:00:00Z");

    @Test
    void aRateNeedsTwoReadsOfTheSameBroker() {
        PartitionRates rates = new PartitionRates();
        assertThat(rates.next(Map.of(0, read(T0, counters("orders", 0, 1000, 500))))).as("first read").isNull();

        PartitionLoad load = rates.next(Map.of(0, read(T0.plusSeconds(10), counters("orders", 0, 21_000, 1_500),
                counters("orders", 1, 400, 0))));

        assertThat(load.rate("orders", 0)).isEqualTo(new PartitionLoad.Rate(2000, 100));
        assertThat(load.rate("orders", 1)).as("a series made since the last read grew from zero")
                .isEqualTo(new PartitionLoad.Rate(40, 0));
        assertThat(load.rate("orders", 2)).as("not measured counts as idle").isEqualTo(new PartitionLoad.Rate(0, 0));
    }

    @Test
    void aCounterThatWentBackGivesNoNegativeOrHugeRateAndTheLastRateStays() {
        PartitionRates rates = new PartitionRates();
        rates.next(Map.of(0, read(T0, counters("orders", 0, 1_000_000, 0))));
        PartitionLoad first = rates.next(Map.of(0, read(T0.plusSeconds(10), counters("orders", 0, 2_000_000, 0))));
        assertThat(first.rate("orders", 0).in()).isEqualTo(100_000);

        // The broker restarted: its counter starts again from zero.
        PartitionLoad afterRestart = rates.next(Map.of(0, read(T0.plusSeconds(20), counters("orders", 0, 5_000, 0))));
        assertThat(afterRestart.rate("orders", 0).in()).as("the last measured rate, not a negative one")
                .isEqualTo(100_000);

        PartitionLoad next = rates.next(Map.of(0, read(T0.plusSeconds(30), counters("orders", 0, 55_000, 0))));
        assertThat(next.rate("orders", 0).in()).as("measured again from the restarted counter").isEqualTo(5_000);
    }

    @Test
    void aBrokerThatCouldNotBeReadMeansNoLoadAndMustBeReadTwiceAgain() {
        PartitionRates rates = new PartitionRates();
        rates.next(Map.of(0, read(T0, counters("orders", 0, 0, 0)), 1, read(T0, counters("orders", 1, 0, 0))));
        assertThat(rates.next(Map.of(0, read(T0.plusSeconds(10), counters("orders", 0, 100, 0)),
                1, new BrokerScraper.Result(null, "connection refused")))).as("a broker missing").isNull();

        PartitionLoad load = rates.next(Map.of(0, read(T0.plusSeconds(20), counters("orders", 0, 300, 0)),
                1, read(T0.plusSeconds(20), counters("orders", 1, 1_000_000, 0))));
        assertThat(load.rate("orders", 0).in()).isEqualTo(20);
        assertThat(load.rate("orders", 1).in()).as("broker 1 was read once since it failed: no rate yet").isZero();
    }

    @Test
    void twoBrokersCountingOnePartitionInOneIntervalAddUp() {
        PartitionRates rates = new PartitionRates();
        rates.next(Map.of(0, read(T0, counters("orders", 0, 1000, 0)), 1, read(T0)));
        // Leadership moved from broker 0 to broker 1 during the interval.
        PartitionLoad load = rates.next(Map.of(0, read(T0.plusSeconds(10), counters("orders", 0, 1500, 0)),
                1, read(T0.plusSeconds(10), counters("orders", 0, 700, 0))));
        assertThat(load.rate("orders", 0).in()).isEqualTo(120);
    }

    @Test
    void aMeasuredRateIsForgottenAfterAWhile() {
        PartitionRates rates = new PartitionRates();
        rates.next(Map.of(0, read(T0, counters("gone", 0, 0, 0))));
        rates.next(Map.of(0, read(T0.plusSeconds(10), counters("gone", 0, 100, 0))));
        Instant later = T0.plus(PartitionRates.FORGET_AFTER).plusSeconds(60);
        rates.next(Map.of(0, read(later.minusSeconds(10), counters("orders", 0, 0, 0))));
        PartitionLoad load = rates.next(Map.of(0, read(later, counters("orders", 0, 100, 0))));
        assertThat(load.rates()).containsOnlyKeys("orders");
    }

    private static BrokerReading.PartitionCounters counters(String topic, int partition, double in, double out) {
        return new BrokerReading.PartitionCounters(topic, partition, in, out);
    }

    private static BrokerScraper.Result read(Instant at, BrokerReading.PartitionCounters... partitions) {
        return new BrokerScraper.Result(new BrokerReading(at, 0, 0, null, List.of(partitions)), null);
    }
}
