package dev.floe.broker.log;

/**
 * The settings one partition log obeys; built from the topic's configs layered over broker defaults.
 * {@code remoteCopyDisabled} is Kafka's remote.log.copy.disable: a tiered topic that uploads nothing more, whose
 * local segments then go by local retention (which Kafka makes equal to total retention) without waiting for an
 * upload. {@code flushMessages} and {@code flushMs} are Kafka's flush.messages and flush.ms: an append that
 * leaves that many messages, or that much time, unsynced fsyncs the active segment. {@code fileDeleteDelayMs} is
 * file.delete.delay.ms: how long a removed segment's files stay for in-flight reads (negative: the broker's).
 */
public record LogConfig(long segmentBytes, long segmentMs, long retentionMs, long retentionBytes,
                        int maxMessageBytes, int indexIntervalBytes, int segmentIndexBytes,
                        boolean logAppendTime, long localRetentionMs, long localRetentionBytes,
                        boolean remoteStorage, boolean remoteCopyDisabled, RecordRules records,
                        long flushMessages, long flushMs, long fileDeleteDelayMs) {

    /** A log that stores batches as producers send them and accepts any timestamp. */
    public LogConfig(long segmentBytes, long segmentMs, long retentionMs, long retentionBytes, int maxMessageBytes,
                     int indexIntervalBytes, int segmentIndexBytes, boolean logAppendTime, long localRetentionMs,
                     long localRetentionBytes, boolean remoteStorage) {
        this(segmentBytes, segmentMs, retentionMs, retentionBytes, maxMessageBytes, indexIntervalBytes,
                segmentIndexBytes, logAppendTime, localRetentionMs, localRetentionBytes, remoteStorage, false,
                RecordRules.AS_SENT, Long.MAX_VALUE, Long.MAX_VALUE, -1);
    }
}
