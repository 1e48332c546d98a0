package dev.floe.operator.balance;

/**
 * How even the brokers' measured load must be: each live broker within {@code percent} of the mean, or the busiest
 * and the idlest within {@code floorBytesPerSecond} of each other (below that a cluster is idle and moving leaders or
 * data for it costs more than it gains).
 *
 * <p>Planning starts only when the brokers are outside this band and then goes on to half of it (or until no move
 * helps), so that a plan made again on slightly different rates after each batch does not start moving again.
 */
public record LoadTolerance(double percent, double floorBytesPerSecond) {
    public static final LoadTolerance DEFAULT = new LoadTolerance(20, 1024 * 1024);

    public LoadTolerance {
        if (!(percent > 0) || floorBytesPerSecond < 0) {
            throw new IllegalArgumentException("load tolerance must be above 0% with a floor of at least 0, got "
                    + percent + "% and " + floorBytesPerSecond);
        }
    }

    /** Whether loads between {@code min} and {@code max} around {@code mean} are even enough, at {@code share} of the band. */
    boolean within(double min, double max, double mean, double share) {
        if (max - min <= floorBytesPerSecond * share) {
            return true;
        }
        double band = mean * percent / 100 * share;
        return max - mean <= band && mean - min <= band;
    }

    @Override
    public String toString() {
        return "±" + (percent == Math.rint(percent) ? String.valueOf((long) percent) : String.valueOf(percent))
                + "% of the mean" + (floorBytesPerSecond > 0 ? " or " + LoadOutcome.rate(floorBytesPerSecond)
                + " apart" : "");
    }
}
