package dev.floe.broker.log;

import dev.floe.tier.txn.AbortedTxn;
import dev.floe.tier.txn.TxnIndexFormat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The aborted-transaction index of one segment, {@code <base offset>.txnindex}: one entry per ABORT marker in the
 * segment, in the format of {@link TxnIndexFormat} (Kafka's layout, shared with the copy uploaded beside a tiered
 * segment). Entries are kept in memory too: a fetch at
 * read_committed lists the aborted transactions in its range without touching the file. Appends come from the
 * partition's writer; readers see a copy-on-write list.
 */
final class TxnIndex {
    static final String SUFFIX = ".txnindex";
    private static final int ENTRY_SIZE = TxnIndexFormat.ENTRY_SIZE;

    private final Path file;
    private final List<AbortedTxn> entries = new CopyOnWriteArrayList<>();
    private FileChannel channel;

    private TxnIndex(Path file) {
        this.file = file;
    }

    static Path file(Path dir, long baseOffset) {
        return dir.resolve(String.format("%020d", baseOffset) + SUFFIX);
    }

    /** The index of the segment at {@code baseOffset}, with the entries already in its file; a torn tail is dropped. */
    static TxnIndex open(Path dir, long baseOffset) throws IOException {
        TxnIndex index = new TxnIndex(file(dir, baseOffset));
        if (Files.exists(index.file)) {
            index.entries.addAll(TxnIndexFormat.decode(ByteBuffer.wrap(Files.readAllBytes(index.file))));
        }
        return index;
    }

    synchronized void append(AbortedTxn txn) throws IOException {
        ByteBuffer out = TxnIndexFormat.encode(txn);
        FileChannel ch = channel();
        long at = (long) entries.size() * ENTRY_SIZE;
        while (out.hasRemaining()) {
            at += ch.write(out, at);
        }
        entries.add(txn);
    }

    /** Forget entries whose marker is at or after {@code offset}: the log above it is being re-read or was cut. */
    synchronized void truncateFrom(long offset) throws IOException {
        List<AbortedTxn> kept = new ArrayList<>();
        for (AbortedTxn txn : entries) {
            if (txn.lastOffset() < offset) {
                kept.add(txn);
            }
        }
        if (kept.size() == entries.size()) {
            return;
        }
        entries.clear();
        entries.addAll(kept);
        channel().truncate((long) kept.size() * ENTRY_SIZE);
    }

    /** Entries whose transaction overlaps [{@code from}, {@code upTo}): those a reader of that range must skip. */
    void collect(long from, long upTo, List<AbortedTxn> out) {
        for (AbortedTxn txn : entries) {
            if (TxnIndexFormat.overlaps(txn, from, upTo)) {
                out.add(txn);
            }
        }
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    Path path() {
        return file;
    }

    synchronized void flush() throws IOException {
        if (channel != null && channel.isOpen()) {
            channel.force(true);
        }
    }

    synchronized void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    synchronized void delete() throws IOException {
        close();
        Files.deleteIfExists(file);
    }

    private FileChannel channel() throws IOException {
        if (channel == null) {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        }
        return channel;
    }
}
