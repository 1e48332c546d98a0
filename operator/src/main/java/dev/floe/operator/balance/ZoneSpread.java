package dev.floe.operator.balance;

import java.util.List;
import java.util.Map;

/** The zone rule both planning phases keep: a move never crowds more of a partition's replicas into one zone. */
final class ZoneSpread {
    private final Map<Integer, String> zones;

    /** @param zones broker id to zone; a broker without one is a zone of its own */
    ZoneSpread(Map<Integer, String> zones) {
        this.zones = zones;
    }

    /**
     * Whether moving a replica of {@code r} from {@code src} to {@code dst} keeps its spread over zones: the zone it
     * enters holds, without {@code src}, no more of the partition's replicas than the zone it leaves.
     */
    boolean keeps(List<Integer> r, int src, int dst) {
        String from = zoneOf(src);
        String to = zoneOf(dst);
        if (from.equals(to)) {
            return true;
        }
        long inFrom = r.stream().filter(b -> b != src && zoneOf(b).equals(from)).count();
        long inTo = r.stream().filter(b -> b != src && zoneOf(b).equals(to)).count();
        return inTo <= inFrom;
    }

    private String zoneOf(int broker) {
        String zone = zones.get(broker);
        return zone == null || zone.isEmpty() ? "\u0000broker-" + broker : zone;
    }
}
