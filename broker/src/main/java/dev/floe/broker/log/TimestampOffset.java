package dev.floe.broker.log;

/** A record located by time: its timestamp, offset and the leader epoch of its batch. */
public record TimestampOffset(long timestamp, long offset, int leaderEpoch) {
}
