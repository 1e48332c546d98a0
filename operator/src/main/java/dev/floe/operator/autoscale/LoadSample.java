package dev.floe.operator.autoscale;

import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The cluster's load over one scrape interval: a rate per broker that could be read twice in a row, and, for each
 * broker that should have been read but could not, why. A sample with any broker missing is incomplete and the
 * autoscaler does not decide on it (nor on a window that contains it).
 *
 * @param since start of the interval the rates cover (the previous read)
 * @param time  end of it (this read)
 */
public record LoadSample(Instant since, Instant time, SortedMap<Integer, BrokerLoad> brokers,
                         SortedMap<Integer, String> missing) {

    public LoadSample {
        brokers = new TreeMap<>(brokers);
        missing = new TreeMap<>(missing);
    }

    public static LoadSample of(Instant since, Instant time, Map<Integer, BrokerLoad> brokers,
                                Map<Integer, String> missing) {
        return new LoadSample(since, time, new TreeMap<>(brokers), new TreeMap<>(missing));
    }

    public boolean complete() {
        return missing.isEmpty() && !brokers.isEmpty();
    }
}
