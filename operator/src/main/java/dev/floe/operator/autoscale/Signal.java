package dev.floe.operator.autoscale;

import java.util.Locale;

/** The load figures the autoscaler can target, each read per broker and compared as a per-broker average. */
public enum Signal {
    PRODUCE("produce") {
        @Override
        Double target(AutoscalePolicy p) {
            return p.produceTarget();
        }

        @Override
        Double of(BrokerLoad load) {
            return load.produceBytesPerSecond();
        }
    },
    FETCH("fetch") {
        @Override
        Double target(AutoscalePolicy p) {
            return p.fetchTarget();
        }

        @Override
        Double of(BrokerLoad load) {
            return load.fetchBytesPerSecond();
        }
    },
    CPU("CPU") {
        @Override
        Double target(AutoscalePolicy p) {
            return p.cpuTarget();
        }

        @Override
        Double of(BrokerLoad load) {
            return load.cpu();
        }

        @Override
        String format(double value) {
            return String.format(Locale.ROOT, "%.0f%%", value * 100);
        }
    };

    private final String label;

    Signal(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    /** The per-broker target, or null when this signal is not a target. */
    abstract Double target(AutoscalePolicy p);

    /** This broker's figure, or null when it does not export it. */
    abstract Double of(BrokerLoad load);

    String format(double value) {
        return bytesPerSecond(value);
    }

    /** Decimal units, as people quote network and disk rates: 41 MB/s. */
    static String bytesPerSecond(double value) {
        String[] units = {"B/s", "kB/s", "MB/s", "GB/s"};
        int unit = 0;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 && unit > 0 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    }
}
