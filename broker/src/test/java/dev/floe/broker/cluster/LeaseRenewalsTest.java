package dev.floe.broker.cluster;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renewals schedule themselves: a failed renewal is tried again within a second, not a third of the lease later
 * (with a 5-minute lease the old fixed-rate schedule would have waited 100 s).
 */
class LeaseRenewalsTest {
    final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void aFailedRenewalIsRetriedWithinASecond() throws Exception {
        // 300 s lease: renewals every 100 s, far beyond this test's wait.
        BrokerLease lease = new BrokerLease(null, "floe", "demo", 0, "demo-broker-0", "127.0.0.1:9092", 300);
        CountDownLatch threeAttempts = new CountDownLatch(3);
        LeaseRenewals renewals = new LeaseRenewals(lease, () -> true, 0, executor, () -> {
            threeAttempts.countDown();
            return threeAttempts.getCount() == 0;
        });

        executor.execute(renewals::run);

        // Two failures, each retried after a second: the third attempt (a success) comes long before 100 s.
        assertThat(threeAttempts.await(20, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * Issue 10, "one shared I/O pool ... a broker can lose its Lease because its renewal waited behind I/O": with
     * every floe-io thread blocked (appends stuck on a slow disk), renewals on the broker's lease executor go on.
     */
    @Test
    void renewalsGoOnWhileEveryIoThreadIsBlocked() throws Exception {
        dev.floe.broker.app.BrokerExecutors executors = new dev.floe.broker.app.BrokerExecutors(2);
        CountDownLatch releaseIo = new CountDownLatch(1);
        try {
            CountDownLatch ioBusy = new CountDownLatch(2);
            for (int i = 0; i < 2; i++) {
                executors.io().execute(() -> {
                    ioBusy.countDown();
                    try {
                        releaseIo.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThat(ioBusy.await(10, TimeUnit.SECONDS)).isTrue();
            // 3 s lease: a renewal every second.
            BrokerLease lease = new BrokerLease(null, "floe", "demo", 0, "demo-broker-0", "127.0.0.1:9092", 3);
            CountDownLatch twoRenewals = new CountDownLatch(2);
            new LeaseRenewals(lease, () -> true, 0, executors.lease(), () -> {
                twoRenewals.countDown();
                return true;
            }).start();

            assertThat(twoRenewals.await(20, TimeUnit.SECONDS)).as("renewed while floe-io is saturated").isTrue();
        } finally {
            releaseIo.countDown();
            executors.close();
        }
    }

    @Test
    void anUnhealthyBrokerDoesNotRenewAtAll() throws Exception {
        BrokerLease lease = new BrokerLease(null, "floe", "demo", 0, "demo-broker-0", "127.0.0.1:9092", 300);
        AtomicInteger attempts = new AtomicInteger();
        LeaseRenewals renewals = new LeaseRenewals(lease, () -> false, 0, executor, () -> attempts.incrementAndGet() > 0);

        executor.submit(renewals::run).get();

        assertThat(attempts.get()).isZero();
    }
}
