package dev.floe.operator.balance;

import com.sun.net.httpserver.HttpServer;
import dev.floe.operator.cluster.LiveBrokers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The sampler reads a broker's real HTTP metrics page through the autoscaler's scraper and turns it into rates. */
class PartitionLoadSamplerTest {
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void twoReadsOfALiveBrokersPageGiveItsPartitionRatesWithoutBlockingTheCaller() throws Exception {
        AtomicLong bytesIn = new AtomicLong(1000);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/q/metrics", exchange -> {
            byte[] page = ("floe_log_partitions 2.0\n"
                    + "floe_partition_bytes_in_bytes_total{partition=\"0\",topic=\"orders\"} " + bytesIn.get() + ".0\n"
                    + "floe_partition_bytes_out_bytes_total{partition=\"0\",topic=\"orders\"} 0.0\n")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        server.start();
        String address = "127.0.0.1:" + server.getAddress().getPort();
        // Broker 1 holds no live Lease (not started yet): it is not read and does not hold the load back.
        Map<Integer, String> leases = new java.util.concurrent.ConcurrentHashMap<>(Map.of(0, address));
        LiveBrokers live = new LiveBrokers(null) {
            @Override
            public Map<Integer, String> httpAddresses(String namespace, String cluster) {
                return Map.copyOf(leases);
            }
        };
        MutableClock clock = new MutableClock(Instant.parse("2026-12-03T12:00:00Z"));
        PartitionLoadSampler sampler = new PartitionLoadSampler(live, Duration.ofSeconds(30), clock);
        try {
            assertThat(sampler.latest("ns", "demo", 2)).as("nothing read yet").isNull();
            await().atMost(10, TimeUnit.SECONDS).until(() -> !sampler.reading("ns", "demo"));
            assertThat(sampler.latest("ns", "demo", 2)).as("one read is no rate, and the next is not due").isNull();

            bytesIn.set(301_000);
            clock.advance(Duration.ofSeconds(30));
            sampler.latest("ns", "demo", 2);
            PartitionLoad load = await().atMost(10, TimeUnit.SECONDS)
                    .until(() -> sampler.latest("ns", "demo", 2), l -> l != null);
            assertThat(load.rate("orders", 0)).isEqualTo(new PartitionLoad.Rate(10_000, 0));

            // Broker 1 took its Lease but serves no metrics yet: that read is incomplete, the last load stays a while.
            leases.put(1, "127.0.0.1:1");
            clock.advance(Duration.ofSeconds(30));
            sampler.latest("ns", "demo", 2);
            await().atMost(10, TimeUnit.SECONDS).until(() -> !sampler.reading("ns", "demo"));
            assertThat(sampler.latest("ns", "demo", 2)).isSameAs(load);

            clock.advance(Duration.ofSeconds(61));
            sampler.latest("ns", "demo", 2);
            await().atMost(10, TimeUnit.SECONDS).until(() -> !sampler.reading("ns", "demo"));
            assertThat(sampler.latest("ns", "demo", 2)).as("more than two intervals without a complete read").isNull();
        } finally {
            sampler.close();
        }
    }

    private static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
