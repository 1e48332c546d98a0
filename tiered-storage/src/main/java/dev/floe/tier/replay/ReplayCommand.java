package dev.floe.tier.replay;

import dev.floe.tier.remote.RemoteLogStore;
import dev.floe.tier.remote.RemotePartition;
import dev.floe.tier.remote.SegmentManifest;
import dev.floe.tier.s3.S3ObjectStore;
import dev.floe.tier.s3.S3Settings;
import dev.floe.tier.store.LocalDirectoryObjectStore;
import dev.floe.tier.store.ObjectStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

import java.io.PrintStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code floe-replay}: reads a topic's records straight from a tiered bucket or directory with no broker, within
 * an offset and time range, and prints them as NDJSON or produces them into another topic.
 */
public final class ReplayCommand {
    private static final int READ_BYTES = 4 << 20;

    private ReplayCommand() {
    }

    public static void main(String[] args) {
        ReplayOptions options;
        try {
            options = ReplayOptions.parse(args);
        } catch (RuntimeException e) {
            System.err.println("floe-replay: " + e.getMessage());
            System.err.println(ReplayOptions.USAGE);
            System.exit(2);
            return;
        }
        try {
            long count = run(options, System.out);
            System.err.println("floe-replay: " + count + " records replayed from " + options.store());
        } catch (RuntimeException e) {
            System.err.println("floe-replay: " + e.getMessage());
            System.exit(1);
        }
    }

    static ObjectStore openStore(ReplayOptions o) {
        if (o.store().startsWith("file:")) {
            return new LocalDirectoryObjectStore(Path.of(URI.create(o.store())));
        }
        if (o.store().startsWith("s3://")) {
            return new S3ObjectStore(new S3Settings(o.store().substring("s3://".length()), o.endpoint(), o.region(),
                    o.pathStyle(), Optional.empty(), Optional.empty(), ""));
        }
        throw new IllegalArgumentException("--store must be file:///path or s3://bucket, not " + o.store());
    }

    /** Replays into stdout-style NDJSON or a topic; returns the number of records. */
    static long run(ReplayOptions o, PrintStream out) {
        try (RemoteLogStore remote = new RemoteLogStore(openStore(o), o.cluster(), 64L << 20, new SimpleMeterRegistry());
             RecordSink sink = o.produceTo().isPresent()
                     ? RecordSink.produceTo(o.produceTo().get(), o.bootstrapServers().orElseThrow())
                     : RecordSink.ndjson(out)) {
            RemoteLogStore.RemoteTopic topic = remote.topics().stream().filter(t -> t.topic().equals(o.topic())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("topic " + o.topic() + " of cluster " + o.cluster()
                            + " has no tiered data in " + remote.objectStore().describe()));
            long count = 0;
            for (int p : topic.partitions()) {
                if (o.partition().isPresent() && o.partition().get() != p) {
                    continue;
                }
                count += replayPartition(remote.partition(topic.topic(), topic.topicId(), p), topic.topic(), p, o, sink);
            }
            return count;
        }
    }

    private static long replayPartition(RemotePartition partition, String topic, int p, ReplayOptions o, RecordSink sink) {
        long count = 0;
        List<SegmentManifest> segments = partition.segments();
        for (SegmentManifest segment : segments) {
            if (segment.lastOffset() < o.fromOffset() || segment.lastOffset() < partition.logStart()
                    || segment.baseOffset() > o.toOffset()
                    || segment.maxTimestamp() < o.fromTime()) {
                continue;
            }
            // Records below the start DeleteRecords left are deleted, even if their segment is still there.
            long offset = Math.max(Math.max(segment.baseOffset(), o.fromOffset()), partition.logStart());
            while (offset <= segment.lastOffset() && offset <= o.toOffset()) {
                ByteBuffer bytes = partition.read(offset, READ_BYTES);
                if (!bytes.hasRemaining()) {
                    break;
                }
                long next = offset;
                for (RecordBatch batch : MemoryRecords.readableRecords(bytes).batches()) {
                    // Transaction markers are not records of the topic (aborted records are still replayed: the
                    // bucket alone does not say which transactions aborted without the .txnindex files).
                    for (Record r : batch.isControlBatch() ? java.util.List.<Record>of() : batch) {
                        long ts = batch.timestampType() == TimestampType.LOG_APPEND_TIME ? batch.maxTimestamp() : r.timestamp();
                        if (r.offset() >= offset && r.offset() <= o.toOffset() && ts >= o.fromTime() && ts <= o.toTime()) {
                            sink.accept(topic, p, ts, r);
                            count++;
                        }
                    }
                    next = batch.lastOffset() + 1;
                }
                if (next == offset) {
                    break;
                }
                offset = next;
            }
        }
        return count;
    }
}
