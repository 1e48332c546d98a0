package dev.floe.broker.log;

/**
 * One producer of a partition as DescribeProducers shows it: epoch, last sequence written, timestamp of its last
 * batch, and the first offset of its open transaction (-1 when none is open).
 */
public record ProducerView(long producerId, short epoch, int lastSequence, long lastTimestamp, long txnFirstOffset) {
}
