package dev.floe.operator.autoscale;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns successive readings of each broker into rates: bytes per second from the growth of its counters between
 * two reads. A broker read once has no rate yet; a counter that went down means the broker restarted, and that
 * interval has no rate either (it would be a guess).
 */
public final class LoadRates {
    private final Map<Integer, BrokerReading> previous = new HashMap<>();

    /**
     * @param results one entry per broker that should have been read: its reading or its error
     */
    public LoadSample next(Instant now, Map<Integer, BrokerScraper.Result> results) {
        Map<Integer, BrokerLoad> loads = new TreeMap<>();
        Map<Integer, String> missing = new TreeMap<>();
        Instant since = null;
        for (Map.Entry<Integer, BrokerScraper.Result> r : results.entrySet()) {
            int broker = r.getKey();
            BrokerReading reading = r.getValue().reading();
            if (reading == null) {
                previous.remove(broker);
                missing.put(broker, r.getValue().error());
                continue;
            }
            BrokerReading before = previous.put(broker, reading);
            if (before == null) {
                missing.put(broker, "read once; a rate needs a second read");
                continue;
            }
            double seconds = Duration.between(before.time(), reading.time()).toNanos() / 1e9;
            if (seconds <= 0) {
                missing.put(broker, "two reads at the same instant");
                continue;
            }
            if (reading.bytesIn() < before.bytesIn() || reading.bytesOut() < before.bytesOut()) {
                missing.put(broker, "its counters went back (restarted); a rate needs a second read");
                continue;
            }
            loads.put(broker, new BrokerLoad((reading.bytesIn() - before.bytesIn()) / seconds,
                    (reading.bytesOut() - before.bytesOut()) / seconds, reading.cpu()));
            since = since == null || before.time().isAfter(since) ? before.time() : since;
        }
        previous.keySet().retainAll(results.keySet());
        return LoadSample.of(since == null ? now : since, now, loads, missing);
    }

    public void reset() {
        previous.clear();
    }
}
