package dev.floe.broker.log;

/** The settings one partition log obeys; built from the topic's configs layered over broker defaults. */
public record LogConfig(long segmentBytes, long segmentMs, long retentionMs, long retentionBytes,
                        int maxMessageBytes, int indexIntervalBytes, int segmentIndexBytes,
                        boolean logAppendTime, long localRetentionMs, long localRetentionBytes,
                        boolean remoteStorage) {
}
