package dev.floe.broker.tier;

import dev.floe.broker.log.TimestampOffset;
import dev.floe.tier.remote.RemotePartition;
import dev.floe.tier.remote.SegmentManifest;
import dev.floe.tier.remote.SegmentUpload;
import dev.floe.tier.store.ObjectStoreException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/** The broker's tier port over the tiered-storage library; library failures become IOExceptions. */
final class LibraryRemoteStore implements RemotePartitionStore {
    private final RemotePartition partition;

    LibraryRemoteStore(RemotePartition partition) {
        this.partition = partition;
    }

    @Override
    public void upload(SealedSegment s) throws IOException {
        try {
            partition.upload(new SegmentUpload(s.baseOffset(), s.lastOffset(), s.maxTimestamp(), s.leaderEpoch(), s.log(),
                    s.offsetIndex(), s.timeIndex(), s.producerSnapshot(), s.txnIndex()));
        } catch (ObjectStoreException | java.io.UncheckedIOException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public List<RemoteSegmentRef> segments() throws IOException {
        try {
            return partition.segments().stream().map(LibraryRemoteStore::ref).toList();
        } catch (ObjectStoreException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static RemoteSegmentRef ref(SegmentManifest m) {
        return new RemoteSegmentRef(m.baseOffset(), m.lastOffset(), m.maxTimestamp(), m.sizeBytes());
    }

    @Override
    public ByteBuffer read(long offset, int maxBytes) throws IOException {
        try {
            return partition.read(offset, maxBytes);
        } catch (ObjectStoreException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public TimestampOffset offsetForTimestamp(long timestamp) throws IOException {
        try {
            long[] found = partition.offsetForTimestamp(timestamp);
            return found == null ? null : new TimestampOffset(found[1], found[0], -1);
        } catch (ObjectStoreException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public byte[] producerSnapshot(RemoteSegmentRef segment) throws IOException {
        try {
            SegmentManifest m = partition.manifest(segment.baseOffset());
            return m == null ? null : partition.producerSnapshot(m);
        } catch (ObjectStoreException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public RemoteAbortedTxns abortedTransactions(long from, long upTo) throws IOException {
        try {
            RemotePartition.AbortedTxns found = partition.abortedTransactions(from, upTo);
            return new RemoteAbortedTxns(found.txns(), found.complete());
        } catch (ObjectStoreException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public ByteBuffer download(RemoteSegmentRef segment) throws IOException {
        try {
            return partition.download(current(segment));
        } catch (ObjectStoreException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public RemoteSegmentRef rewrite(RemoteSegmentRef segment, ByteBuffer records) throws IOException {
        try {
            SegmentManifest rewritten = partition.rewrite(current(segment), records);
            return rewritten == null ? null : ref(rewritten);
        } catch (ObjectStoreException | IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public int collectRewriteGarbage() throws IOException {
        try {
            return partition.collectRewriteGarbage();
        } catch (ObjectStoreException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private SegmentManifest current(RemoteSegmentRef segment) throws IOException {
        SegmentManifest m = partition.manifest(segment.baseOffset());
        if (m == null) {
            throw new IOException("remote segment " + segment.baseOffset() + " is no longer committed");
        }
        return m;
    }

    @Override
    public long logStart() {
        return partition.logStart();
    }

    @Override
    public long advanceLogStart(long offset) throws IOException {
        try {
            return partition.advanceLogStart(offset);
        } catch (ObjectStoreException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void delete(RemoteSegmentRef segment) throws IOException {
        try {
            // From the manifests already held: retention deletes segment after segment without a LIST for each.
            SegmentManifest m = partition.manifest(segment.baseOffset());
            if (m != null) {
                partition.delete(m);
            }
        } catch (ObjectStoreException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
