package dev.floe.operator.balance;

import dev.floe.operator.autoscale.BrokerScraper;
import dev.floe.operator.cluster.LiveBrokers;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Keeps each Cluster's latest {@link PartitionLoad}: every {@code floe.operator.balance.load-interval} it reads the
 * live brokers' {@code /q/metrics} (the autoscaler's {@link BrokerScraper}, on a thread of its own) and turns two
 * reads into rates ({@link PartitionRates}). {@link #latest} never blocks the reconciler that asks: it answers what
 * the last read gave and starts the next one in the background when it is due.
 */
@ApplicationScoped
public class PartitionLoadSampler {
    private static final Logger LOG = Logger.getLogger(PartitionLoadSampler.class);
    private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(3);

    private static final class Sampled {
        final PartitionRates rates = new PartitionRates();
        final AtomicBoolean reading = new AtomicBoolean();
        volatile Instant lastRead = Instant.MIN;
        volatile PartitionLoad latest;
        volatile Instant latestAt = Instant.MIN;
    }

    private final LiveBrokers liveBrokers;
    private final Duration interval;
    private final Clock clock;
    private final Map<String, Sampled> clusters = new ConcurrentHashMap<>();
    private final ExecutorService reads = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "floe-balance-load");
        t.setDaemon(true);
        return t;
    });
    private volatile BrokerScraper scraper;

    @Inject
    public PartitionLoadSampler(LiveBrokers liveBrokers,
                                @ConfigProperty(name = "floe.operator.balance.load-interval", defaultValue = "30s")
                                Duration interval) {
        this(liveBrokers, interval, Clock.systemUTC());
    }

    PartitionLoadSampler(LiveBrokers liveBrokers, Duration interval, Clock clock) {
        this.liveBrokers = liveBrokers;
        this.interval = interval;
        this.clock = clock;
    }

    /**
     * The latest load measured over the Cluster's live brokers below {@code brokers}, or null when there is none yet
     * (the first read, a live broker that could not be read); starts a new read when the last one is older than the
     * interval.
     */
    public PartitionLoad latest(String namespace, String name, int brokers) {
        Sampled s = clusters.computeIfAbsent(namespace + "/" + name, k -> new Sampled());
        Instant now = clock.instant();
        if (!s.lastRead.plus(interval).isAfter(now) && s.reading.compareAndSet(false, true)) {
            s.lastRead = now;
            try {
                reads.execute(() -> read(namespace, name, brokers, s));
            } catch (RejectedExecutionException e) {
                s.reading.set(false);
            }
        }
        return s.latest;
    }

    /** Whether a read of the Cluster is under way (tests). */
    boolean reading(String namespace, String name) {
        Sampled s = clusters.get(namespace + "/" + name);
        return s != null && s.reading.get();
    }

    private void read(String namespace, String name, int brokers, Sampled s) {
        try {
            Map<Integer, String> live = liveBrokers.httpAddresses(namespace, name);
            Map<Integer, String> addresses = new LinkedHashMap<>();
            Map<Integer, BrokerScraper.Result> results = new TreeMap<>();
            // Brokers without a live Lease lead nothing (one whose Lease ran out stops leading), so they are not read
            // and do not make the read incomplete: a scale-out's new brokers are read from the moment they are live.
            live.forEach((broker, address) -> {
                if (broker >= brokers) {
                    return;
                }
                if (address == null || address.isEmpty()) {
                    results.put(broker, new BrokerScraper.Result(null, "its Lease has no HTTP address"));
                } else {
                    addresses.put(broker, address);
                }
            });
            results.putAll(scraper().scrape(addresses, SCRAPE_TIMEOUT));
            PartitionLoad load = s.rates.next(results);
            Instant now = clock.instant();
            if (load != null) {
                s.latest = load;
                s.latestAt = now;
            } else if (s.latestAt.plus(interval.multipliedBy(2)).isBefore(now)) {
                // One incomplete read (a broker that just took its Lease and does not serve metrics yet) keeps the
                // last complete load for a while; longer, it would be a guess.
                s.latest = null;
                LOG.debugf("Cluster %s/%s: no partition load: %s", namespace, name, results);
            }
        } catch (RuntimeException e) {
            LOG.warnf("Cluster %s/%s: reading the brokers' partition load failed: %s", namespace, name, e.toString());
            s.latest = null;
        } finally {
            s.reading.set(false);
        }
    }

    private BrokerScraper scraper() {
        BrokerScraper s = scraper;
        if (s == null) {
            synchronized (this) {
                if (scraper == null) {
                    scraper = new BrokerScraper(clock);
                }
                s = scraper;
            }
        }
        return s;
    }

    @PreDestroy
    void close() {
        reads.shutdownNow();
        if (scraper != null) {
            scraper.close();
        }
    }
}
