package dev.floe.broker.cleaner;

/**
 * The broker's log cleaner settings (FLOE_LOG_CLEANER_*; Kafka's log.cleaner.* in brackets):
 * {@code dedupeBufferBytes} the memory of the key map (log.cleaner.dedupe.buffer.size), {@code ioBufferBytes} the
 * read and write buffer (log.cleaner.io.buffer.size), {@code ioMaxBytesPerSecond} the I/O throttle, 0 for none
 * (log.cleaner.io.max.bytes.per.second), {@code backoffMs} the pause between looks for a log to clean when none
 * needed it (log.cleaner.backoff.ms).
 */
public record CleanerConfig(boolean enabled, long dedupeBufferBytes, int ioBufferBytes, long ioMaxBytesPerSecond,
                            long backoffMs) {
    public static CleanerConfig defaults() {
        return new CleanerConfig(true, 16L << 20, 1 << 20, 0, 15_000);
    }
}
