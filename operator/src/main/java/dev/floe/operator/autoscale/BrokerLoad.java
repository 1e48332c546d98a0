package dev.floe.operator.autoscale;

/**
 * One broker's load over one scrape interval.
 *
 * @param cpu process CPU utilization in [0, 1] of the CPUs the broker sees, or null when it does not export it
 */
public record BrokerLoad(double produceBytesPerSecond, double fetchBytesPerSecond, Double cpu) {
}
