package dev.floe.broker.reassign.throttle;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.TreeMap;

/**
 * This broker's two replication throttle rates, Kafka's {@code leader.replication.throttled.rate} (bytes/s a leader
 * sends to throttled followers) and {@code follower.replication.throttled.rate} (bytes/s a follower takes for its
 * throttled partitions). Each is the dynamic value set through AlterConfigs when there is one, else the broker's
 * static setting ({@code floe.replication.throttled-rate}, from Cluster {@code spec.config}), else unlimited.
 *
 * <p>Dynamic values are kept in a small file in the data directory, because Kafka keeps them across restarts and
 * {@code kafka-reassign-partitions.sh} sets them once at {@code --execute} and removes them at {@code --verify}: a
 * broker restarting in between must still throttle the move.
 */
public final class ThrottleRates {
    private static final Logger LOG = Logger.getLogger(ThrottleRates.class);
    public static final String LEADER = "leader.replication.throttled.rate";
    public static final String FOLLOWER = "follower.replication.throttled.rate";

    private final long staticRate;
    private final Path file;
    private final Map<String, Long> dynamic = new TreeMap<>();
    private final ByteRateQuota leader;
    private final ByteRateQuota follower;

    /**
     * @param staticRate bytes/s from the broker's settings, 0 for unlimited
     * @param file       where dynamic values are kept; null keeps them in memory only
     */
    public ThrottleRates(long staticRate, Path file, java.util.function.LongSupplier nanoClock) throws IOException {
        this.staticRate = Math.max(0, staticRate);
        this.file = file;
        if (file != null && Files.exists(file)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
            for (String name : new String[]{LEADER, FOLLOWER}) {
                String v = p.getProperty(name);
                if (v != null) {
                    dynamic.put(name, Long.parseLong(v.trim()));
                }
            }
        }
        this.leader = new ByteRateQuota(effective(LEADER), nanoClock);
        this.follower = new ByteRateQuota(effective(FOLLOWER), nanoClock);
        if (!dynamic.isEmpty() || staticRate > 0) {
            LOG.infof("replication throttle: leader %s, follower %s (static %s, dynamic %s)",
                    describe(effective(LEADER)), describe(effective(FOLLOWER)), describe(staticRate), dynamic);
        }
    }

    public static boolean isRate(String name) {
        return LEADER.equals(name) || FOLLOWER.equals(name);
    }

    public ByteRateQuota leader() {
        return leader;
    }

    public ByteRateQuota follower() {
        return follower;
    }

    /** The dynamic value of {@code name}, if one is set. */
    public synchronized OptionalLong dynamic(String name) {
        Long v = dynamic.get(name);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** Sets ({@code value} not null) or removes the dynamic value of one of the two rates, and keeps it on disk. */
    public synchronized void set(String name, Long value) throws IOException {
        if (!isRate(name)) {
            throw new IllegalArgumentException(name + " is not a replication throttle rate");
        }
        if (value == null) {
            dynamic.remove(name);
        } else {
            dynamic.put(name, value);
        }
        save();
        long rate = effective(name);
        (LEADER.equals(name) ? leader : follower).setRate(rate);
        LOG.infof("%s is now %s (%s)", name, describe(rate), value == null ? "dynamic value removed, "
                + (staticRate > 0 ? "the broker's setting applies" : "none set") : "set through AlterConfigs");
    }

    private long effective(String name) {
        Long v = dynamic.get(name);
        return v != null ? v : staticRate;
    }

    private void save() throws IOException {
        if (file == null) {
            return;
        }
        Properties p = new Properties();
        dynamic.forEach((k, v) -> p.setProperty(k, Long.toString(v)));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            p.store(w, "replication throttle rates set through AlterConfigs; removed by kafka-reassign-partitions --verify");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String describe(long rate) {
        return rate > 0 ? rate + " bytes/s" : "unlimited";
    }
}
