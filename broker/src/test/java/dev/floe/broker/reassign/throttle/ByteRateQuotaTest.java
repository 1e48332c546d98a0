package dev.floe.broker.reassign.throttle;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ByteRateQuotaTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private void advanceMs(long ms) {
        now.addAndGet(ms * 1_000_000L);
    }

    @Test
    void unlimitedByDefaultAndWithZero() {
        ByteRateQuota quota = new ByteRateQuota(0, now::get);
        quota.record(Long.MAX_VALUE / 2);
        assertThat(quota.limited()).isFalse();
        assertThat(quota.allowance()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void aFullSecondIsAllowedThenNothingUntilTimeRefillsIt() {
        ByteRateQuota quota = new ByteRateQuota(1_000_000, now::get);
        assertThat(quota.allowance()).isEqualTo(1_000_000);
        quota.record(1_000_000);
        assertThat(quota.allowance()).isZero();
        advanceMs(250);
        assertThat(quota.allowance()).isEqualTo(250_000);
    }

    @Test
    void anOversizedBatchIsPaidBackBeforeMoreIsAllowed() {
        ByteRateQuota quota = new ByteRateQuota(1_000_000, now::get);
        quota.record(3_000_000);
        advanceMs(1_500);
        assertThat(quota.allowance()).as("still 0.5 s of debt").isZero();
        advanceMs(1_000);
        assertThat(quota.allowance()).isEqualTo(500_000);
    }

    @Test
    void idleTimeBuysAtMostOneSecondOfBurst() {
        ByteRateQuota quota = new ByteRateQuota(1_000_000, now::get);
        advanceMs(60_000);
        assertThat(quota.allowance()).isEqualTo(1_000_000);
    }

    @Test
    void overAMinuteTheBytesMovedStayWithinTheRatePlusOneSecond() {
        ByteRateQuota quota = new ByteRateQuota(2_000_000, now::get);
        long moved = 0;
        for (int tick = 0; tick < 60_000 / 10; tick++) {
            int allowance = quota.allowance();
            if (allowance > 0) {
                // A fetcher asking every 10 ms takes what it is allowed, in batches of at least 64 KiB.
                int batch = Math.max(65_536, Math.min(allowance, 1_048_576));
                quota.record(batch);
                moved += batch;
            }
            advanceMs(10);
        }
        assertThat(moved).isBetween(60 * 2_000_000L - 2_000_000L, 60 * 2_000_000L + 2_000_000L + 65_536);
    }

    @Test
    void aNewRateAppliesAtOnce() {
        ByteRateQuota quota = new ByteRateQuota(1_000, now::get);
        quota.record(1_000);
        assertThat(quota.allowance()).isZero();
        quota.setRate(0);
        assertThat(quota.allowance()).isEqualTo(Integer.MAX_VALUE);
        quota.setRate(5_000);
        assertThat(quota.allowance()).isEqualTo(5_000);
    }
}
