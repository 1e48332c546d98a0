package dev.floe.broker.tier;

/** A segment committed to object storage (its manifest exists). */
public record RemoteSegmentRef(long baseOffset, long lastOffset, long maxTimestamp, long sizeBytes) {
}
