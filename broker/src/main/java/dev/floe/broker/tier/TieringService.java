package dev.floe.broker.tier;

import dev.floe.broker.log.LogConfig;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.LogSegment;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.ProducerSnapshots;
import dev.floe.broker.log.TimestampOffset;
import dev.floe.tier.txn.AbortedTxn;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Moves sealed segments to object storage and reads them back. Uploads go oldest first and only for segments
 * entirely below the high watermark and the last stable offset (so its aborted-transaction index is final); a segment counts as uploaded once its manifest is committed, and only then
 * may local retention delete it. An object-store outage stops uploads (retried with backoff), never produce.
 */
public final class TieringService {
    private static final Logger LOG = Logger.getLogger(TieringService.class);
    private static final long MAX_BACKOFF_MS = 60_000;

    /** Opens the remote side of a partition: (topic, topic id, partition) to its store. */
    public interface StoreFactory {
        RemotePartitionStore open(String topic, String topicId, int partition);
    }

    private static final class PartitionTier {
        final RemotePartitionStore store;
        /**
         * Written by uploads, listings, rewrites and remote retention while fetches read it, unlocked: every reader
         * takes one snapshot (a stream, an iteration or one atomic call), never a check and then a second access.
         */
        final List<RemoteSegmentRef> segments;
        volatile long uploadedThrough = -1;
        /** Where DeleteRecords moved the partition's start, as the bucket says (-1: never): records below are hidden. */
        volatile long logStart = -1;
        volatile boolean listed;
        // Written by one upload task at a time (one per partition per pass), read by the next pass's task.
        volatile long nextAttemptAt;
        volatile int failures;

        PartitionTier(RemotePartitionStore store, List<RemoteSegmentRef> segments) {
            this.store = store;
            this.segments = segments;
        }
    }

    private final StoreFactory factory;
    /**
     * Makes each partition's remote segment list. Always a new CopyOnWriteArrayList in production; a test seam
     * (issue 10, "remote segment list is read with check-then-act"): a test passes a subclass that runs remote
     * retention right after a reader's first access of the list, which makes a check-then-act reader fail every
     * time instead of once in a rare timing window. Called once per partition, never on a read.
     */
    private final Supplier<? extends CopyOnWriteArrayList<RemoteSegmentRef>> segmentLists;
    /**
     * Whether this broker leads a partition now. Only the leader uploads and applies remote retention: replicas
     * writing the same offsets to one bucket would race on its manifests. A single broker leads everything.
     */
    private volatile java.util.function.Predicate<TopicPartition> leads = tp -> true;
    private final LogManager logs;
    private final Function<String, String> topicIdOf;
    private final Map<TopicPartition, PartitionTier> tiers = new ConcurrentHashMap<>();
    private final ExecutorService uploads;
    /**
     * Runs the passes (and start-time clean-up) one at a time. A pass waits for its uploads; on its own thread it
     * never holds one of the broker's tier threads that serve cold reads, nor an I/O thread that runs appends.
     */
    private final ExecutorService passes = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "floe-tier-upload-pass");
        t.setDaemon(true);
        return t;
    });
    private final java.util.concurrent.atomic.AtomicBoolean passRunning = new java.util.concurrent.atomic.AtomicBoolean();
    private final Counter uploadedBytes;
    private final Counter uploadedSegments;
    private final Counter uploadFailures;
    private final Counter remoteFetchBytes;
    private final Timer remoteFetch;

    public TieringService(StoreFactory factory, LogManager logs, Function<String, String> topicIdOf, MeterRegistry registry) {
        this(factory, logs, topicIdOf, registry, 4);
    }

    /**
     * @param uploadParallelism partitions uploaded at once; one segment at a time within a partition, oldest first,
     *                          so a partition's uploaded range never has holes
     */
    public TieringService(StoreFactory factory, LogManager logs, Function<String, String> topicIdOf, MeterRegistry registry,
                          int uploadParallelism) {
        this(factory, logs, topicIdOf, registry, uploadParallelism, CopyOnWriteArrayList::new);
    }

    /** Tests only: {@code segmentLists} makes each partition's remote segment list (see the field). */
    TieringService(StoreFactory factory, LogManager logs, Function<String, String> topicIdOf, MeterRegistry registry,
                   int uploadParallelism, Supplier<? extends CopyOnWriteArrayList<RemoteSegmentRef>> segmentLists) {
        this.segmentLists = segmentLists;
        this.uploads = Executors.newFixedThreadPool(Math.max(1, uploadParallelism), r -> {
            Thread t = new Thread(r, "floe-tier-upload");
            t.setDaemon(true);
            return t;
        });
        this.factory = factory;
        this.logs = logs;
        this.topicIdOf = topicIdOf;
        uploadedBytes = Counter.builder("floe.tier.uploaded.bytes").baseUnit("bytes").register(registry);
        uploadedSegments = Counter.builder("floe.tier.uploaded.segments").register(registry);
        uploadFailures = Counter.builder("floe.tier.upload.failures").register(registry);
        remoteFetchBytes = Counter.builder("floe.tier.fetch.bytes").baseUnit("bytes")
                .description("Bytes served to fetches from object storage").register(registry);
        remoteFetch = Timer.builder("floe.tier.fetch.latency").publishPercentiles(0.5, 0.99).register(registry);
        Gauge.builder("floe.tier.upload.lag", this, TieringService::uploadLagBytes).baseUnit("bytes")
                .description("Bytes in sealed local segments not yet in object storage").register(registry);
    }

    /** Set by the broker in cluster mode: uploads and remote retention only for partitions led here. */
    public void setLeadership(java.util.function.Predicate<TopicPartition> leads) {
        this.leads = leads;
    }

    private PartitionTier tier(TopicPartition tp) {
        return tiers.computeIfAbsent(tp, k -> new PartitionTier(
                factory.open(tp.topic(), topicIdOf.apply(tp.topic()), tp.partition()), segmentLists.get()));
    }

    /** Read the remote segment list once; until then nothing counts as uploaded. */
    private PartitionTier listed(TopicPartition tp) throws IOException {
        PartitionTier tier = tier(tp);
        if (!tier.listed) {
            synchronized (tier) {
                if (!tier.listed) {
                    List<RemoteSegmentRef> remote = tier.store.segments();
                    // Added before anything is removed, so a concurrent reader never sees an empty list.
                    List<RemoteSegmentRef> stale = new ArrayList<>(tier.segments);
                    tier.segments.addAll(0, remote.stream().filter(r -> !stale.contains(r)).toList());
                    tier.segments.retainAll(remote);
                    // A segment rewritten by compaction is a new reference in the middle: keep base-offset order.
                    tier.segments.sort(java.util.Comparator.comparingLong(RemoteSegmentRef::baseOffset));
                    tier.uploadedThrough = remote.isEmpty() ? -1 : remote.get(remote.size() - 1).lastOffset();
                    tier.logStart = Math.max(tier.logStart, tier.store.logStart());
                    applyBucketLogStart(tp, tier);
                    tier.listed = true;
                }
            }
        }
        return tier;
    }

    /** Where a partition with no local segments starts: after the last uploaded offset, or 0. */
    public long emptyLogStart(TopicPartition tp) {
        try {
            return listed(tp).uploadedThrough + 1;
        } catch (IOException | RuntimeException e) {
            LOG.warnf("%s: cannot list object storage (%s); an empty local log starts at 0", tp, e.getMessage());
            return 0;
        }
    }

    /** The producer state uploaded with the last tiered segment, for a local log that starts right after it. */
    public byte[] emptyLogProducerState(TopicPartition tp) {
        try {
            PartitionTier tier = listed(tp);
            List<RemoteSegmentRef> segments = tier.store.segments();
            return segments.isEmpty() ? null : tier.store.producerSnapshot(segments.get(segments.size() - 1));
        } catch (IOException | RuntimeException e) {
            LOG.warnf("%s: cannot read the producer state from object storage (%s); idempotent producers of this "
                    + "partition start with no history", tp, e.getMessage());
            return null;
        }
    }

    /** Queue an upload pass on the upload thread; called by the broker's scheduler. */
    public void requestPass() {
        background(this::uploadPass);
    }

    /** Run clean-up work (the start sweep of abandoned uploads) on the upload thread, before the next pass. */
    public void background(Runnable work) {
        try {
            passes.execute(work);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            LOG.debug("tiering work skipped: the broker is stopping");
        }
    }

    /** One pass over every tiered partition: upload what is sealed, oldest first. Passes never overlap. */
    public void uploadPass() {
        if (!passRunning.compareAndSet(false, true)) {
            return;
        }
        try {
            uploadPartitions();
            applyRemoteRetention();
        } finally {
            passRunning.set(false);
        }
    }

    private void uploadPartitions() {
        long now = System.currentTimeMillis();
        List<Callable<Void>> work = new ArrayList<>();
        for (PartitionLog log : logs.all()) {
            if (!log.config().remoteStorage() || log.config().remoteCopyDisabled()) {
                continue;
            }
            work.add(() -> {
                uploadPartition(log, now);
                return null;
            });
        }
        try {
            uploads.invokeAll(work);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            LOG.debug("upload pass skipped: the broker is stopping");
        }
    }

    private void uploadPartition(PartitionLog log, long now) {
        TopicPartition tp = log.topicPartition();
        PartitionTier tier = tier(tp);
        if (now < tier.nextAttemptAt) {
            return;
        }
        try {
            listed(tp);
            if (!leads.test(tp)) {
                followLeaderUploads(tp, tier, log);
                return;
            }
            for (LogSegment segment : log.segments()) {
                // Only flushed segments go up: their producer snapshot is written once they are on disk. Only
                // decided ones: below the LSO every transaction with records here has its marker written, and a
                // later marker lands in a later segment's index, so this segment's index never changes again.
                if (!segment.isSealed() || segment.lastOffset() <= tier.uploadedThrough
                        || segment.lastOffset() >= log.highWatermark() || segment.lastOffset() >= log.recoveryPoint()
                        || segment.lastOffset() >= log.lastStableOffset()
                        || segment.size() == 0) {
                    continue;
                }
                if (!upload(tp, tier, log, segment)) {
                    break; // the segments after it wait for it: the bucket holds a gapless prefix
                }
            }
            if (tier.failures > 0) {
                LOG.infof("%s: object storage is reachable again, uploads resumed", tp);
            }
            tier.failures = 0;
        } catch (IOException | RuntimeException e) {
            tier.failures++;
            uploadFailures.increment();
            long backoff = Math.min(MAX_BACKOFF_MS, 1000L << Math.min(tier.failures, 16));
            tier.nextAttemptAt = now + backoff;
            LOG.warnf("%s: upload to object storage failed (attempt %d, retry in %d ms); local segments are kept: %s",
                    tp, tier.failures, backoff, e.getMessage());
        }
    }

    /**
     * A deleted topic's data goes from the bucket too, as Kafka's tiered storage does: manifests first (so nothing
     * reads a half-deleted segment), then the data. Runs in the background; a failure is logged and the objects
     * stay for an operator to remove, since the topic id no longer names anything live.
     */
    public void topicDeleted(String topic, String topicId, int partitions) {
        try {
            uploads.execute(() -> {
                int deleted = 0;
                for (int p = 0; p < partitions; p++) {
                    tiers.remove(new TopicPartition(topic, p));
                    try {
                        RemotePartitionStore store = factory.open(topic, topicId, p);
                        for (RemoteSegmentRef segment : store.segments()) {
                            store.delete(segment);
                            deleted++;
                        }
                    } catch (IOException | RuntimeException e) {
                        LOG.warnf("topic %s (id %s) was deleted but its tiered data of partition %d could not be "
                                + "removed from object storage: %s", topic, topicId, p, e.getMessage());
                    }
                }
                if (deleted > 0) {
                    LOG.infof("deleted %d tiered segments of deleted topic %s (id %s) from object storage", deleted,
                            topic, topicId);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            LOG.warnf("topic %s was deleted while the broker stopped; its tiered data stays in object storage", topic);
        }
    }

    /** Stop uploading; an upload in progress is abandoned and redone (idempotently) after the next start. */
    public void close() {
        passes.shutdownNow();
        uploads.shutdownNow();
    }

    /** False when the segment changed since it was listed (the next pass uploads its new version). */
    private boolean upload(TopicPartition tp, PartitionTier tier, PartitionLog log, LogSegment segment)
            throws IOException {
        // The local cleaner of a compacted topic could otherwise swap the segment between the files read below.
        try (PartitionLog.UploadPin pin = log.pinForUpload(segment)) {
            if (pin == null) {
                LOG.debugf("%s: segment %d changed since it was listed; uploaded on the next pass", tp,
                        segment.baseOffset());
                return false;
            }
            uploadPinned(tp, tier, log, segment);
            return true;
        }
    }

    private void uploadPinned(TopicPartition tp, PartitionTier tier, PartitionLog log, LogSegment segment)
            throws IOException {
        long started = System.nanoTime();
        java.nio.file.Path snapshot = ProducerSnapshots.file(log.dir(), segment.lastOffset() + 1);
        // A segment the cleaner compacted may have lost its last batches: it still covers up to the next segment,
        // so the tier ends where the local log goes on (no offsets between the two that neither holds).
        long last = coveredThrough(log, segment);
        tier.store.upload(new SealedSegment(segment.baseOffset(), last, segment.maxTimestamp(),
                log.leaderEpoch(), segment.size(), segment.logPath(), segment.offsetIndexPath(), segment.timeIndexPath(),
                java.nio.file.Files.exists(snapshot) ? snapshot : null, log.txnIndexFile(segment.baseOffset())));
        tier.segments.add(new RemoteSegmentRef(segment.baseOffset(), last, segment.maxTimestamp(), segment.size()));
        tier.uploadedThrough = last;
        uploadedBytes.increment(segment.size());
        uploadedSegments.increment();
        LOG.infof("%s: uploaded segment %d-%d (%d bytes) in %d ms", tp, segment.baseOffset(), segment.lastOffset(),
                segment.size(), (System.nanoTime() - started) / 1_000_000);
    }

    /** The last offset a sealed segment covers: the next segment's base - 1 (its last batch's when it is the last). */
    private static long coveredThrough(PartitionLog log, LogSegment segment) {
        List<LogSegment> segments = log.segments();
        for (int i = 0; i + 1 < segments.size(); i++) {
            if (segments.get(i).baseOffset() == segment.baseOffset()) {
                return Math.max(segment.lastOffset(), segments.get(i + 1).baseOffset() - 1);
            }
        }
        return segment.lastOffset();
    }

    /**
     * A follower uploads nothing; its local retention goes by what the leader has uploaded. Re-list the bucket only
     * when a sealed local segment is not yet known to be there (one LIST per pass, only while something waits).
     */
    private void followLeaderUploads(TopicPartition tp, PartitionTier tier, PartitionLog log) throws IOException {
        boolean waiting = log.segments().stream().anyMatch(s -> s.isSealed() && s.size() > 0
                && s.lastOffset() > tier.uploadedThrough);
        if (!waiting) {
            return;
        }
        synchronized (tier) {
            List<RemoteSegmentRef> remote = tier.store.segments();
            List<RemoteSegmentRef> known = new ArrayList<>(tier.segments);
            tier.segments.addAll(remote.stream().filter(r -> !known.contains(r)).toList());
            tier.segments.retainAll(remote);
            tier.segments.sort(java.util.Comparator.comparingLong(RemoteSegmentRef::baseOffset));
            tier.logStart = Math.max(tier.logStart, tier.store.logStart());
            long through = remote.isEmpty() ? -1 : remote.get(remote.size() - 1).lastOffset();
            if (through > tier.uploadedThrough) {
                LOG.debugf("%s: the leader has uploaded through %d", tp, through);
                tier.uploadedThrough = through;
            }
        }
    }

    /** Local retention may delete a segment only once object storage holds it (uploaded here or by the leader). */
    public boolean isUploaded(TopicPartition tp, LogSegment segment) {
        PartitionTier tier = tiers.get(tp);
        return tier != null && tier.listed && segment.lastOffset() <= tier.uploadedThrough;
    }

    /** First offset readable from object storage (not below where DeleteRecords moved the start), or -1. */
    public long remoteStart(TopicPartition tp) {
        return remoteStart(tiers.get(tp));
    }

    private static long remoteStart(PartitionTier tier) {
        RemoteSegmentRef first = firstRemote(tier);
        if (first == null) {
            return -1;
        }
        long start = Math.max(first.baseOffset(), tier.logStart);
        return start > tier.uploadedThrough ? -1 : start;
    }

    /**
     * DeleteRecords on a tiered partition: move its start in the bucket (durably, before the caller answers, so
     * another broker or the replay tool hides the deleted records too); remote segments wholly below it go with
     * the next retention pass. Blocking: call it on the object-store executor.
     */
    public long advanceLogStart(TopicPartition tp, long offset) throws IOException {
        PartitionTier tier = listed(tp);
        long start = tier.store.advanceLogStart(offset);
        tier.logStart = Math.max(tier.logStart, start);
        return tier.logStart;
    }

    /**
     * This broker just became the partition's leader: list the bucket again at once, for what the previous leader
     * changed since this broker last looked (a start moved by DeleteRecords, segments compacted). Until that listing
     * is done (one LIST and a GET) records the old leader deleted may still be read from the bucket or the local log.
     */
    public void leadershipGained(TopicPartition tp) {
        PartitionTier tier = tiers.get(tp);
        if (tier == null) {
            return;
        }
        tier.listed = false;
        try {
            uploads.execute(() -> {
                try {
                    listed(tp);
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("%s: cannot list object storage on gaining leadership (%s); the next pass retries", tp,
                            e.getMessage());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the broker is stopping
        }
    }

    /**
     * A start DeleteRecords moved in the bucket (on another broker, before a failover) hides the local records
     * below it too: the local log's start follows. Not capped at the high watermark: a new leader's watermark lags
     * until its followers fetch, while the start was below the old leader's, which every in-sync replica's log holds.
     */
    private void applyBucketLogStart(TopicPartition tp, PartitionTier tier) {
        PartitionLog log = logs.log(tp);
        if (log == null || tier.logStart <= log.logStartOffset()) {
            return;
        }
        long start = Math.min(tier.logStart, log.logEndOffset());
        try {
            log.advanceLogStartOffset(start);
            LOG.infof("%s: local log start moved to %d, where DeleteRecords left the partition's start in object "
                    + "storage", tp, log.logStartOffset());
        } catch (IOException e) {
            LOG.warnf("%s: cannot move the local log start to %d: %s", tp, start, e.getMessage());
        }
    }

    /**
     * The oldest remote segment, read in one step: remote retention removes from the list concurrently, so an
     * {@code isEmpty()} followed by {@code get(0)} could see the list empty in between and throw
     * (RemoteSegmentListRaceTest puts retention exactly there).
     */
    private static RemoteSegmentRef firstRemote(PartitionTier tier) {
        return tier == null ? null : tier.segments.stream().findFirst().orElse(null);
    }

    /**
     * List every tiered partition's remote segments, in parallel on {@code executor}, and return when all are
     * listed. The broker calls this before its listener opens: until a partition is listed its tiered history is
     * invisible (the earliest offset would be reported as the local start).
     */
    public void listAll(java.util.concurrent.Executor executor) {
        List<java.util.concurrent.CompletableFuture<Void>> listings = new ArrayList<>();
        for (PartitionLog log : logs.all()) {
            if (!log.config().remoteStorage()) {
                continue;
            }
            TopicPartition tp = log.topicPartition();
            listings.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    listed(tp);
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("%s: cannot list object storage at start (%s); its tiered history shows once the "
                            + "upload pass lists it", tp, e.getMessage());
                }
            }, executor));
        }
        java.util.concurrent.CompletableFuture.allOf(listings.toArray(java.util.concurrent.CompletableFuture[]::new))
                .join();
        if (!listings.isEmpty()) {
            LOG.infof("listed the remote segments of %d tiered partitions", listings.size());
        }
    }

    /** Last offset held in object storage, or -1. */
    public long remoteEnd(TopicPartition tp) {
        PartitionTier tier = tiers.get(tp);
        return tier == null ? -1 : tier.uploadedThrough;
    }

    /** Batches from object storage for an offset below the local log, or null when the tier does not hold it. */
    public ByteBuffer read(TopicPartition tp, long offset, int maxBytes) throws IOException {
        PartitionTier tier = tiers.get(tp);
        long start = remoteStart(tier);
        if (start < 0 || offset < start || offset > tier.uploadedThrough) {
            return null;
        }
        long started = System.nanoTime();
        ByteBuffer bytes = tier.store.read(offset, maxBytes);
        remoteFetch.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        remoteFetchBytes.increment(bytes.remaining());
        return bytes;
    }

    /**
     * The aborted transactions a read_committed reader of remote records [{@code from}, {@code upTo}) must skip,
     * oldest first, as a local read reports them: from the txn indexes uploaded with the segments, and, when the
     * bucket alone cannot tell (an ABORT marker may sit in a later segment not yet uploaded), from the local log.
     */
    public List<AbortedTxn> abortedTransactions(TopicPartition tp, PartitionLog log, long from, long upTo)
            throws IOException {
        PartitionTier tier = tiers.get(tp);
        if (tier == null) {
            return log.abortedTransactions(from, upTo);
        }
        RemotePartitionStore.RemoteAbortedTxns remote = tier.store.abortedTransactions(from, upTo);
        if (remote.complete()) {
            return remote.txns();
        }
        // A segment both uploaded and still local lists its transactions twice: keep each once.
        java.util.Set<AbortedTxn> all = new java.util.LinkedHashSet<>(remote.txns());
        all.addAll(log.abortedTransactions(from, upTo));
        List<AbortedTxn> out = new ArrayList<>(all);
        out.sort(java.util.Comparator.comparingLong(AbortedTxn::firstOffset));
        return out;
    }

    /** A by-time lookup over the remote segments, or null when none of them reaches the timestamp. */
    public TimestampOffset offsetForTimestamp(TopicPartition tp, long timestamp) throws IOException {
        PartitionTier tier = tiers.get(tp);
        if (tier == null || tier.segments.stream().noneMatch(s -> s.maxTimestamp() >= timestamp)) {
            return null;
        }
        TimestampOffset found = tier.store.offsetForTimestamp(timestamp);
        // Never an offset DeleteRecords removed: the first readable one after it stands in.
        long start = tier.logStart;
        return found == null || found.offset() >= start ? found
                : new TimestampOffset(found.timestamp(), start, found.leaderEpoch());
    }

    /** Total retention over object storage: time and size, counting local data not yet uploaded. */
    private void applyRemoteRetention() {
        long now = System.currentTimeMillis();
        for (Map.Entry<TopicPartition, PartitionTier> e : tiers.entrySet()) {
            PartitionLog log = logs.log(e.getKey());
            if (log == null) {
                continue;
            }
            if (!leads.test(e.getKey())) {
                continue;
            }
            LogConfig cfg = log.config();
            PartitionTier tier = e.getValue();
            long total = tier.segments.stream().mapToLong(RemoteSegmentRef::sizeBytes).sum()
                    + log.segments().stream().filter(s -> s.lastOffset() > tier.uploadedThrough).mapToLong(LogSegment::size).sum();
            List<RemoteSegmentRef> doomed = new ArrayList<>();
            for (RemoteSegmentRef s : tier.segments) {
                boolean expired = cfg.retentionMs() >= 0 && now - s.maxTimestamp() > cfg.retentionMs();
                boolean tooBig = cfg.retentionBytes() >= 0 && total > cfg.retentionBytes();
                boolean deletedRecords = s.lastOffset() < tier.logStart;
                if (!expired && !tooBig && !deletedRecords) {
                    break;
                }
                doomed.add(s);
                total -= s.sizeBytes();
            }
            for (RemoteSegmentRef s : doomed) {
                try {
                    tier.store.delete(s);
                    tier.segments.remove(s);
                    LOG.infof("%s: deleted remote segment %d-%d by %s", e.getKey(), s.baseOffset(), s.lastOffset(),
                            s.lastOffset() < tier.logStart ? "DeleteRecords" : "retention");
                } catch (IOException | RuntimeException ex) {
                    LOG.warnf("%s: could not delete remote segment %d: %s", e.getKey(), s.baseOffset(), ex.getMessage());
                    break;
                }
            }
        }
    }

    /** Whether this broker may change the partition's remote data now (it leads the partition). */
    public boolean leads(TopicPartition tp) {
        return leads.test(tp);
    }

    /** The partition's committed remote segments as this broker knows them, oldest first (empty until listed). */
    public List<RemoteSegmentRef> remoteSegments(TopicPartition tp) {
        PartitionTier tier = tiers.get(tp);
        return tier == null || !tier.listed ? List.of() : List.copyOf(tier.segments);
    }

    /** The whole log of a remote segment, for the remote cleaner. */
    public ByteBuffer download(TopicPartition tp, RemoteSegmentRef segment) throws IOException {
        return tier(tp).store.download(segment);
    }

    /**
     * Replace a remote segment by its compaction ({@code records}, same offsets; empty removes it) and update the
     * segment list readers go by. Returns the new reference, or null when the segment was removed.
     */
    public RemoteSegmentRef rewrite(TopicPartition tp, RemoteSegmentRef segment, ByteBuffer records) throws IOException {
        PartitionTier tier = tier(tp);
        RemoteSegmentRef rewritten = tier.store.rewrite(segment, records);
        synchronized (tier) {
            // One atomic call each, not indexOf() then set(): remote retention removes older segments unlocked, and
            // between the two the index would shift and set() would overwrite the next segment (or throw).
            if (rewritten != null) {
                tier.segments.replaceAll(s -> s.equals(segment) ? rewritten : s);
            } else {
                tier.segments.remove(segment);
            }
        }
        return rewritten;
    }

    /** Remove objects interrupted compaction rewrites left in the partition's remote directory. */
    public int collectRewriteGarbage(TopicPartition tp) throws IOException {
        return tier(tp).store.collectRewriteGarbage();
    }

    /** Forget a deleted topic's partitions (their remote objects stay until the bucket's own lifecycle rules). */
    public void forget(TopicPartition tp) {
        tiers.remove(tp);
    }

    private double uploadLagBytes() {
        long lag = 0;
        for (PartitionLog log : logs.all()) {
            if (!log.config().remoteStorage()) {
                continue;
            }
            PartitionTier tier = tiers.get(log.topicPartition());
            long through = tier == null ? -1 : tier.uploadedThrough;
            for (LogSegment s : log.segments()) {
                if (s.isSealed() && s.lastOffset() > through) {
                    lag += s.size();
                }
            }
        }
        return lag;
    }
}
