package dev.floe.broker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.util.List;
import java.util.Optional;

/**
 * Broker-wide settings. Every key maps to an environment variable by SmallRye's rules
 * ({@code floe.data-dir} is {@code FLOE_DATA_DIR}); docs/configuration.md lists them all.
 */
@ConfigMapping(prefix = "floe")
public interface BrokerConfig {

    /** Root of partition directories and the standalone metadata file. */
    @WithDefault("./data")
    String dataDir();

    @WithDefault("0")
    int nodeId();

    @WithDefault("0.0.0.0")
    String host();

    @WithDefault("9092")
    int kafkaPort();

    /** Host name put in Metadata responses; what clients will connect to. */
    @WithDefault("localhost")
    String advertisedHost();

    /** Port put in Metadata responses; defaults to the listening port. */
    Optional<Integer> advertisedPort();

    /** Requests larger than this close the connection (Kafka's socket.request.max.bytes). */
    @WithDefault("104857600")
    int maxRequestBytes();

    /** Requests in flight on one connection before the broker stops reading from it. */
    @WithDefault("64")
    int maxInFlightPerConnection();

    /**
     * Web origins whose pages may call the HTTP API (CORS): {@code *}, a comma-separated list such as
     * {@code https://a.example,http://localhost:3000}, or {@code none} to send no CORS headers.
     */
    @WithDefault("*")
    List<String> httpCorsOrigins();

    /** Threads doing file I/O for appends and reads; defaults to the core count. */
    Optional<Integer> ioThreads();

    @WithName("auto-create-topics")
    @WithDefault("true")
    boolean autoCreateTopics();

    @WithDefault("1")
    int numPartitions();

    /**
     * Kafka's default.replication.factor, for topics created without one (auto-created, internal, CreateTopics
     * with -1), capped by the brokers of the cluster; a standalone broker always uses 1.
     */
    @WithName("default-replication-factor")
    @WithDefault("3")
    int defaultReplicationFactor();

    /** Broker-wide defaults for topic configs (Kafka's names without the "log." prefix). */
    Defaults defaults();

    /** Interval of the background task that applies retention. */
    @WithDefault("30000")
    long retentionCheckIntervalMs();

    /** Interval at which dirty segments are fsynced; Kafka leaves this to the OS, so does Floe by default. */
    @WithDefault("0")
    long flushIntervalMs();

    /** Kafka's producer.id.expiration.ms: idempotent producers silent this long are forgotten. */
    @WithDefault("86400000")
    long producerIdExpirationMs();

    /** Deleted segment files are kept open this long so in-flight zero-copy sends finish. */
    @WithDefault("60000")
    long fileDeleteDelayMs();

    @WithDefault("50")
    int offsetsTopicPartitions();

    /** Kafka's transaction.state.log.num.partitions: partitions of {@code __transaction_state}. */
    @WithDefault("50")
    int transactionStatePartitions();

    /** Kafka's transaction.max.timeout.ms: the longest transaction.timeout.ms a producer may ask for. */
    @WithDefault("900000")
    int transactionMaxTimeoutMs();

    /**
     * The finalized level of the {@code transaction.version} feature (0-2) in ApiVersions; 2 makes Kafka 4.x
     * producers use transactions v2 (KIP-890). Unset: 2 in standalone mode, 1 in cluster mode (implicit
     * enlistment reaches only a coordinator on the same broker there, so cluster mode never offers more than 1).
     */
    java.util.OptionalInt transactionVersion();

    /**
     * How long a new group waits for more members before its first rebalance. Kafka's default is 3000;
     * Floe uses 0, as Kafka's own sample server.properties does, so a single consumer starts at once.
     */
    @WithDefault("0")
    long groupInitialRebalanceDelayMs();

    /**
     * Kafka's max.incremental.fetch.session.cache.slots: how many incremental fetch sessions (KIP-227) the broker
     * keeps. 0 turns sessions off: every fetch is then answered as a full one.
     */
    @WithDefault("1000")
    int maxIncrementalFetchSessionCacheSlots();

    /**
     * Kafka's min.incremental.fetch.session.eviction.ms: a session idle this long may be evicted by any new one, and a
     * session younger than this is protected from eviction (except a consumer's session by a follower's).
     */
    @WithDefault("120000")
    long minIncrementalFetchSessionEvictionMs();

    /** Tiered storage: where sealed segments go. */
    Tier tier();

    /** How this broker learns about topics and the other brokers. */
    Cluster cluster();

    /** Replication between brokers (cluster mode). */
    Replication replication();

    interface Replication {
        /**
         * Kafka's replica.lag.time.max.ms: an in-sync follower that has not caught up with the leader's log end
         * for this long leaves the in-sync set (FLOE_REPLICATION_LAG_TIME_MAX_MS).
         */
        @WithDefault("30000")
        long lagTimeMaxMs();

        /** Kafka's replica.fetch.wait.max.ms: how long a follower's fetch waits at the leader for new records. */
        @WithDefault("500")
        int fetchWaitMaxMs();

        /** Kafka's replica.fetch.response.max.bytes. */
        @WithDefault("10485760")
        int fetchResponseMaxBytes();

        /** Kafka's replica.fetch.max.bytes (per partition). */
        @WithDefault("1048576")
        int fetchMaxBytes();

        /** Kafka's replica.fetch.backoff.ms: wait after a failed fetch before trying again. */
        @WithDefault("1000")
        int fetchBackoffMs();

        /**
         * Kafka's replica.socket.timeout.ms: how long a follower waits to connect, and for a response beyond the
         * fetch wait, before it gives the connection up and reconnects (FLOE_REPLICATION_SOCKET_TIMEOUT_MS).
         */
        @WithDefault("10000")
        int socketTimeoutMs();

        /** Kafka's replica.high.watermark.checkpoint.interval.ms. */
        @WithDefault("5000")
        long highWatermarkCheckpointIntervalMs();

        /**
         * Bytes per second this broker sends to, and takes as, replicas being moved (both of Kafka's
         * leader/follower.replication.throttled.rate); 0 is unlimited. Followers in sync are never throttled.
         * A value set through AlterConfigs on the broker (kafka-reassign-partitions.sh --throttle) overrides it
         * (FLOE_REPLICATION_THROTTLED_RATE; in a Cluster, spec.config replication.throttled-rate).
         */
        @WithDefault("0")
        long throttledRate();
    }

    /**
     * The pod this broker runs in (cluster mode). Its StatefulSet ordinal, the number after the last '-', is the
     * broker id, so an id survives pod restarts and rescheduling.
     */
    Optional<String> podName();

    /** The log cleaner (FLOE_LOG_CLEANER_*), which compacts topics whose cleanup.policy includes compact. */
    LogCleaner logCleaner();

    interface LogCleaner {
        /** Kafka's log.cleaner.enable. */
        @WithDefault("true")
        boolean enable();

        /** Memory of the key-to-offset map (log.cleaner.dedupe.buffer.size); 24 bytes per key. */
        @WithDefault("16777216")
        long dedupeBufferBytes();

        /** Read and write buffer (log.cleaner.io.buffer.size). */
        @WithDefault("1048576")
        int ioBufferBytes();

        /** Cleaner reads plus writes per second (log.cleaner.io.max.bytes.per.second); 0 = unthrottled. */
        @WithDefault("0")
        long ioMaxBytesPerSecond();

        /** Pause between looks for a dirty log when none needed cleaning (log.cleaner.backoff.ms). */
        @WithDefault("15000")
        long backoffMs();
    }

    interface Cluster {
        /** {@code standalone}: one broker, topics in a local file. {@code kubernetes}: see docs/cluster-mode.md. */
        @WithDefault("standalone")
        String mode();

        /** The Cluster resource this broker belongs to (cluster mode). */
        Optional<String> name();

        /** Namespace of the Cluster, its Topics and the brokers' Leases (cluster mode). */
        Optional<String> namespace();

        /**
         * A broker that cannot renew its Lease for this long stops leading; the operator may then move leaders. 8 s,
         * renewed every 2 s, puts failover of a dead broker under 10 s (Kafka's broker session timeout is 9 s).
         */
        @WithDefault("8")
        int leaseDurationSeconds();

        /** How long a client's CreateTopics/DeleteTopics/config change waits for the operator to act on it. */
        @WithDefault("30000")
        long topicChangeTimeoutMs();
    }

    interface Tier {
        /** none, file (a directory) or s3. */
        @WithDefault("none")
        String backend();

        /** The directory of the file backend. */
        @WithDefault("./tier")
        String dir();

        /** Names this broker's data in the bucket, so clusters can share one. */
        @WithDefault("standalone")
        String cluster();

        /** How often sealed segments are looked for and uploaded. */
        @WithDefault("10000")
        long uploadIntervalMs();

        /** Partitions uploaded at once; segments of one partition always go one at a time, oldest first. */
        @WithDefault("4")
        int uploadParallelism();

        /** Bytes of remote data kept in memory for read-ahead. */
        @WithDefault("67108864")
        long cacheBytes();

        /** Bytes per ranged GET of remote data (the cache's unit); 8 MiB are read ahead of each sequential reader. */
        @WithDefault("4194304")
        int chunkBytes();

        /** Upload bandwidth of this broker in bytes per second, shared by every upload; 0 means unlimited. */
        @WithDefault("0")
        long uploadBytesPerSec();

        /** Files at least this large go to S3 as multipart uploads. */
        @WithDefault("16777216")
        long multipartThresholdBytes();

        /** Size of one multipart part (at least 5 MiB; grown for files that would need over 10,000 parts). */
        @WithDefault("8388608")
        long multipartPartBytes();

        /** Parts in flight at once, over all of this broker's uploads. */
        @WithDefault("4")
        int multipartParallelism();

        S3 s3();

        interface S3 {
            Optional<String> bucket();

            Optional<String> endpoint();

            @WithDefault("us-east-1")
            String region();

            @WithDefault("true")
            boolean pathStyle();

            @WithDefault("")
            Optional<String> prefix();

            Optional<String> accessKeyId();

            Optional<String> secretAccessKey();

            /**
             * when_supported: the SDK's checksums on every request (right for AWS); when_required: only where an
             * API demands one, for stores that mishandle aws-chunked trailing checksums (uploads then carry our
             * Content-MD5).
             */
            @WithDefault("when_supported")
            String checksum();
        }
    }

    interface Defaults {
        @WithDefault("1073741824")
        long segmentBytes();

        @WithDefault("604800000")
        long segmentMs();

        @WithDefault("604800000")
        long retentionMs();

        @WithDefault("-1")
        long retentionBytes();

        @WithDefault("1048588")
        int maxMessageBytes();

        @WithDefault("4096")
        int indexIntervalBytes();

        @WithDefault("10485760")
        int segmentIndexBytes();

        /** Kafka's min.insync.replicas broker default (FLOE_DEFAULTS_MIN_INSYNC_REPLICAS); topics may override it. */
        @WithDefault("1")
        int minInsyncReplicas();
    }
}
