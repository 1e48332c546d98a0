package dev.floe.broker.app;

import dev.floe.broker.admin.AlterConfigsHandler;
import dev.floe.broker.admin.CreatePartitionsHandler;
import dev.floe.broker.election.ElectLeadersHandler;
import dev.floe.broker.election.PreferredElections;
import dev.floe.broker.reassign.AlterPartitionReassignmentsHandler;
import dev.floe.broker.reassign.DescribeLogDirsHandler;
import dev.floe.broker.reassign.ListPartitionReassignmentsHandler;
import dev.floe.broker.reassign.Reassignments;
import dev.floe.broker.admin.CreateTopicsHandler;
import dev.floe.broker.admin.DeleteRecordsHandler;
import dev.floe.broker.admin.DeleteTopicsHandler;
import dev.floe.broker.admin.DescribeConfigsHandler;
import dev.floe.broker.admin.IncrementalAlterConfigsHandler;
import dev.floe.broker.cleaner.CleanerConfig;
import dev.floe.broker.cleaner.CompactionSettings;
import dev.floe.broker.cleaner.LogCleaner;
import dev.floe.broker.cleaner.RemoteCleaner;
import dev.floe.broker.cluster.ClusterView;
import dev.floe.broker.cluster.KubernetesCluster;
import dev.floe.broker.cluster.StandaloneClusterView;
import dev.floe.broker.config.BrokerConfig;
import dev.floe.broker.fetch.FetchHandler;
import dev.floe.broker.fetch.FetchWaiters;
import dev.floe.broker.fetch.ListOffsetsHandler;
import dev.floe.broker.group.DeleteGroupsHandler;
import dev.floe.broker.group.DescribeGroupsHandler;
import dev.floe.broker.group.FindCoordinatorHandler;
import dev.floe.broker.group.GroupCoordinator;
import dev.floe.broker.group.HeartbeatHandler;
import dev.floe.broker.group.JoinGroupHandler;
import dev.floe.broker.group.LeaveGroupHandler;
import dev.floe.broker.group.ListGroupsHandler;
import dev.floe.broker.group.OffsetCommitHandler;
import dev.floe.broker.group.OffsetDeleteHandler;
import dev.floe.broker.group.OffsetFetchHandler;
import dev.floe.broker.group.OffsetStore;
import dev.floe.broker.group.SyncGroupHandler;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.SegmentReaper;
import dev.floe.broker.metadata.ApiVersionsHandler;
import dev.floe.broker.metadata.DescribeClusterHandler;
import dev.floe.broker.metadata.MetadataHandler;
import dev.floe.broker.metrics.TopicMetrics;
import dev.floe.broker.network.KafkaListener;
import dev.floe.broker.produce.InitProducerIdHandler;
import dev.floe.broker.produce.PartitionAppender;
import dev.floe.broker.produce.PartitionWriteQueues;
import dev.floe.broker.produce.compression.CompressionMetrics;
import dev.floe.broker.produce.ProduceHandler;
import dev.floe.broker.produce.ProducerIdAllocator;
import dev.floe.broker.protocol.RequestDispatcher;
import dev.floe.broker.replication.OffsetsForLeaderEpochHandler;
import dev.floe.broker.reassign.throttle.ReplicationThrottle;
import dev.floe.broker.reassign.throttle.ThrottleRates;
import dev.floe.broker.reassign.throttle.ThrottledReplicas;
import dev.floe.broker.replication.ReplicaFetchers;
import dev.floe.broker.replication.ReplicaManager;
import dev.floe.broker.replication.Replication;
import org.apache.kafka.common.protocol.Errors;
import dev.floe.broker.protocol.SupportedApis;
import dev.floe.broker.topic.MetadataFile;
import dev.floe.broker.topic.TopicConfigs;
import dev.floe.broker.topic.TopicRegistry;
import dev.floe.broker.topic.TopicService;
import dev.floe.broker.tier.TierBackends;
import dev.floe.broker.tier.TieringService;
import dev.floe.broker.txn.AddOffsetsToTxnHandler;
import dev.floe.broker.txn.AddPartitionsToTxnHandler;
import dev.floe.broker.txn.DescribeProducersHandler;
import dev.floe.broker.txn.DescribeTransactionsHandler;
import dev.floe.broker.txn.EndTxnHandler;
import dev.floe.broker.txn.ListTransactionsHandler;
import dev.floe.broker.txn.TransactionCoordinator;
import dev.floe.broker.txn.Transactions;
import dev.floe.broker.txn.TxnInitProducerIdHandler;
import dev.floe.broker.txn.TxnOffsetCommitHandler;
import dev.floe.broker.txn.TxnStateLog;
import dev.floe.broker.txn.WriteTxnMarkersHandler;
import dev.floe.tier.remote.RemoteLogStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import dev.floe.broker.fetch.session.FetchSessionCache;
import dev.floe.broker.fetch.session.FetchSessionMetrics;
import dev.floe.broker.fetch.session.FetchSessions;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.common.protocol.ApiKeys;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Assembles a standalone broker at start and takes it apart at shutdown: storage first, then the handlers,
 * then the listener; the reverse on the way down so that no request sees half a broker.
 */
@ApplicationScoped
public class Broker {
    private static final Logger LOG = Logger.getLogger(Broker.class);
    /** How often the recovery points of all partitions are checkpointed (one file, one fsync). */
    private static final long RECOVERY_CHECKPOINT_INTERVAL_MS = 10_000;

    @Inject
    BrokerConfig config;
    @Inject
    Vertx vertx;
    @Inject
    MeterRegistry registry;

    private BrokerExecutors executors;
    private LogManager logs;
    private TopicService topics;
    private ClusterView cluster;
    private KubernetesCluster kubernetes;
    private KafkaListener listener;
    private PartitionAppender appender;
    private FetchWaiters fetchWaiters;
    private GroupCoordinator groups;
    private TransactionCoordinator transactions;
    private TieringService tiering;
    private RemoteLogStore remote;
    private LogCleaner cleaner;
    private RemoteCleaner remoteCleaner;
    private volatile boolean ready;
    private Replication replication;
    private ReplicaManager replicaManager;
    private ReplicaFetchers fetchers;
    /** Keeps moves under this broker's replication rates; none standalone. */
    private ReplicationThrottle throttle = ReplicationThrottle.NONE;

    void onStart(@Observes StartupEvent event) throws Exception {
        long started = System.nanoTime();
        int ioThreads = config.ioThreads().orElse(Math.max(2, Runtime.getRuntime().availableProcessors()));
        executors = new BrokerExecutors(ioThreads);
        Path dataDir = Path.of(config.dataDir()).toAbsolutePath().normalize();
        logs = new LogManager(dataDir, new SegmentReaper(executors.scheduler(), config.fileDeleteDelayMs()),
                executors.flush());
        logs.setProducerIdExpirationMs(config.producerIdExpirationMs());
        TopicRegistry registryOfTopics = new TopicRegistry(new MetadataFile(dataDir));
        remote = TierBackends.open(config.tier(), registry);
        topics = new TopicService(registryOfTopics, logs, new TopicConfigs(config.defaults(), remote != null,
                config.fileDeleteDelayMs()),
                config.numPartitions(), config.autoCreateTopics());
        topics.setDefaultReplicationFactor(config.defaultReplicationFactor());
        if (remote != null) {
            tiering = new TieringService(TierBackends.factory(remote), logs,
                    name -> registryOfTopics.get(name).topicId().toString(), registry,
                    config.tier().uploadParallelism());
            logs.setDeletionGuard(tiering::isUploaded);
            TieringService tiers = tiering;
            registryOfTopics.addListener((before, after) -> {
                if (after == null) {
                    tiers.topicDeleted(before.name(), before.topicId().toString(), before.partitions());
                }
            });
            sweepAbandonedUploads();
            logs.setEmptyLogStart(tiering::emptyLogStart);
            logs.setEmptyLogProducerState(tiering::emptyLogProducerState);
            LOG.infof("tiered storage on: sealed segments go to %s as cluster '%s'", remote.objectStore().describe(),
                    config.tier().cluster());
        }
        boolean clusterMode = "kubernetes".equals(config.cluster().mode());
        // Several replicas per partition: logs open at their checkpointed high watermark, not their end.
        logs.setReplicated(clusterMode);
        topics.openAll();
        logs.logStartupSummary();
        if (tiering != null) {
            tiering.listAll(executors.tier());
        }
        // A clean start trusts every segment; record that at once, so a crash soon after re-reads only new data.
        logs.checkpointRecoveryPoints();
        int advertisedPort = config.advertisedPort().orElse(config.kafkaPort());
        if ("kubernetes".equals(config.cluster().mode())) {
            kubernetes = KubernetesCluster.start(new KubernetesCluster.Settings(
                    required(config.cluster().namespace(), "floe.cluster.namespace (FLOE_CLUSTER_NAMESPACE)"),
                    required(config.cluster().name(), "floe.cluster.name (FLOE_CLUSTER_NAME)"),
                    required(config.podName(), "floe.pod-name (FLOE_POD_NAME)"),
                    config.advertisedHost(), advertisedPort, httpPort(), config.cluster().leaseDurationSeconds(),
                    config.cluster().topicChangeTimeoutMs()), registryOfTopics, topics, executors.lease(),
                    () -> java.nio.file.Files.isWritable(dataDir));
            cluster = kubernetes.view();
            replication = startReplication();
            if (tiering != null) {
                ReplicaManager leaders = replicaManager;
                tiering.setLeadership(tp -> leaders.checkLeader(tp, Replication.NO_EPOCH) == Errors.NONE);
                TieringService tiers = tiering;
                leaders.addLeadershipListener((tp, leader, epoch) -> {
                    if (leader) {
                        tiers.leadershipGained(tp);
                    }
                });
            }
        } else if ("standalone".equals(config.cluster().mode())) {
            cluster = new StandaloneClusterView(config.nodeId(), config.advertisedHost(), advertisedPort,
                    registryOfTopics.clusterId());
            replication = Replication.singleReplica(cluster);
        } else {
            throw new IllegalArgumentException("floe.cluster.mode must be 'standalone' or 'kubernetes', not '"
                    + config.cluster().mode() + "'");
        }

        TopicMetrics topicMetrics = new TopicMetrics(registry);
        // Per-partition traffic is that of the partitions this broker leads: a partition it stops leading, or whose
        // log is deleted, leaves the scrape (the operator's load-aware balancing reads these).
        logs.addDeleteListener(topicMetrics.partitions()::forget);
        if (replicaManager != null) {
            replicaManager.addLeadershipListener((tp, leader, epoch) -> {
                if (!leader) {
                    topicMetrics.partitions().forget(tp);
                }
            });
        }
        FetchWaiters waiters = new FetchWaiters();
        fetchWaiters = waiters;
        logs.addAppendListener(waiters::appended);
        appender = new PartitionAppender(logs, new PartitionWriteQueues(executors.io()), topicMetrics,
                new CompressionMetrics(registry));
        appender.setReplication(replication);
        SupportedApis apis = new SupportedApis();
        apis.register(ApiKeys.API_VERSIONS, 0, 4, new ApiVersionsHandler(apis, java.util.List.of(
                        transactionVersionFeature(clusterMode))))
                .register(ApiKeys.METADATA, 0, 12, new MetadataHandler(topics, cluster, executors.control()))
                .register(ApiKeys.FETCH, 4, 17, new FetchHandler(logs, replication, waiters, executors.io(),
                        executors.scheduler(), topicMetrics, tiering, executors.tier(), fetchSessions(),
                        registryOfTopics::nameOf, throttle))
                .register(ApiKeys.LIST_OFFSETS, 1, 9, new ListOffsetsHandler(logs, replication, executors.io(), tiering,
                        executors.tier()))
                .register(ApiKeys.OFFSET_FOR_LEADER_EPOCH, 2, 4, new OffsetsForLeaderEpochHandler(logs, replication,
                        executors.io()))
                .register(ApiKeys.CREATE_TOPICS, 2, 7, new CreateTopicsHandler(topics, executors.control()))
                .register(ApiKeys.DELETE_TOPICS, 1, 6, new DeleteTopicsHandler(topics, executors.control()))
                .register(ApiKeys.CREATE_PARTITIONS, 0, 3, new CreatePartitionsHandler(topics, executors.control()))
                .register(ApiKeys.DESCRIBE_CONFIGS, 1, 4, new DescribeConfigsHandler(topics, cluster, config,
                        throttle.rates()))
                .register(ApiKeys.ALTER_CONFIGS, 0, 2, new AlterConfigsHandler(topics, executors.control()))
                .register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, 0, 1, new IncrementalAlterConfigsHandler(topics,
                        executors.control(), cluster.localNodeId(), throttle.rates()))
                .register(ApiKeys.DESCRIBE_CLUSTER, 0, 1, new DescribeClusterHandler(cluster))
                .register(ApiKeys.DELETE_RECORDS, 0, 2, new DeleteRecordsHandler(logs, cluster, replication, tiering, executors.io(),
                        executors.flush(), executors.tier()))
                .register(ApiKeys.ELECT_LEADERS, 0, 2, new ElectLeadersHandler(kubernetes != null
                        ? kubernetes.elections() : PreferredElections.standalone(name -> {
                            var info = registryOfTopics.get(name);
                            return info == null ? -1 : info.partitions();
                        }), registryOfTopics, executors.control()));
        Reassignments reassignments = kubernetes != null ? kubernetes.reassignments()
                : Reassignments.standalone(cluster.localNodeId(), name -> {
                    var info = registryOfTopics.get(name);
                    return info == null ? -1 : info.partitions();
                });
        apis.register(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, 0, 1,
                        new AlterPartitionReassignmentsHandler(reassignments, executors.control()))
                .register(ApiKeys.LIST_PARTITION_REASSIGNMENTS, 0, 0,
                        new ListPartitionReassignmentsHandler(reassignments, executors.control()))
                .register(ApiKeys.DESCRIBE_LOG_DIRS, 1, 4, new DescribeLogDirsHandler(logs, tp -> {
                    if (replicaManager == null) {
                        return true;
                    }
                    var replica = replicaManager.replica(tp);
                    return replica != null && replica.role() != dev.floe.broker.replication.PartitionReplica.Role.NONE;
                }, executors.io()));
        groups = startGroupCoordinator();
        ProducerIdAllocator producerIds = new ProducerIdAllocator(registryOfTopics, cluster.localNodeId());
        transactions = Transactions.start(new Transactions.Settings(config.transactionStatePartitions(),
                        config.transactionMaxTimeoutMs(), kubernetes != null), topics, logs, cluster, appender, groups, producerIds,
                executors.scheduler(), executors.io(), executors.control(), registry);
        if (replicaManager != null) {
            var handover = Transactions.handover(transactions, cluster, logs, executors.coordinatorLoad());
            replicaManager.addLeadershipListener((tp, leader, epoch) -> {
                if (tp.topic().equals(TxnStateLog.TOPIC)) {
                    handover.leadershipChanged(tp.partition(), leader);
                }
            });
        }
        registerTransactionApis(apis, producerIds);
        apis.register(ApiKeys.FIND_COORDINATOR, 0, 4, new FindCoordinatorHandler(cluster, groups.offsets(),
                        TxnStateLog.TOPIC, transactions.stateLog()::partitionFor))
                .register(ApiKeys.JOIN_GROUP, 0, 9, new JoinGroupHandler(groups))
                .register(ApiKeys.SYNC_GROUP, 0, 5, new SyncGroupHandler(groups))
                .register(ApiKeys.HEARTBEAT, 0, 4, new HeartbeatHandler(groups))
                .register(ApiKeys.LEAVE_GROUP, 0, 5, new LeaveGroupHandler(groups))
                .register(ApiKeys.OFFSET_COMMIT, 2, 9, new OffsetCommitHandler(groups, logs))
                .register(ApiKeys.OFFSET_FETCH, 1, 9, new OffsetFetchHandler(groups))
                .register(ApiKeys.LIST_GROUPS, 0, 5, new ListGroupsHandler(groups))
                .register(ApiKeys.DESCRIBE_GROUPS, 0, 5, new DescribeGroupsHandler(groups))
                .register(ApiKeys.DELETE_GROUPS, 0, 2, new DeleteGroupsHandler(groups))
                .register(ApiKeys.OFFSET_DELETE, 0, 0, new OffsetDeleteHandler(groups));
        registerGauges();
        startLogCleaner();
        scheduleBackgroundWork();

        listener = new KafkaListener(vertx, new RequestDispatcher(apis, registry), registry);
        int loops = Math.max(1, Math.min(ioThreads, Runtime.getRuntime().availableProcessors()));
        listener.start(config.host(), config.kafkaPort(), config.maxRequestBytes(), config.maxInFlightPerConnection(), loops);
        ready = true;
        LOG.infof("Floe broker %d ready in %d ms: Kafka on %s:%d (advertised %s:%d), data in %s, %d topics",
                cluster.localNodeId(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), config.host(),
                config.kafkaPort(), config.advertisedHost(), advertisedPort, dataDir, registryOfTopics.all().size());
    }

    /**
     * Cluster mode: the replica manager takes the roles the Topic statuses assign, the fetchers copy what this
     * broker follows, and in-sync changes go to Topic.status on a thread of their own (never behind topic changes,
     * which wait for the operator).
     */
    private Replication startReplication() {
        var view = kubernetes.view();
        BrokerConfig.Replication r = config.replication();
        throttle = replicationThrottle(view.localNodeId(), r.throttledRate());
        fetchers = new ReplicaFetchers(view.localNodeId(), view::lastKnownEndpoint, r.fetchWaitMaxMs(),
                r.fetchResponseMaxBytes(), r.fetchMaxBytes(), r.fetchBackoffMs(), r.socketTimeoutMs(), registry,
                throttle);
        view.addLeaseListener(fetchers::leaseChanged);
        replicaManager = new ReplicaManager(view.localNodeId(), logs, view::leaseHeld, kubernetes.isrWriter(), fetchers,
                r.lagTimeMaxMs(), executors.scheduler(), executors.replicationControl(), System::currentTimeMillis,
                registry);
        ThrottledReplicas throttled = throttle.replicas();
        view.setPlacementListener(new dev.floe.broker.cluster.KubernetesClusterView.PlacementListener() {
            @Override
            public void placementChanged(String topic, java.util.List<ClusterView.PartitionAssignment> partitions) {
                throttled.assignmentsChanged(topic, partitions);
                replicaManager.assignmentsChanged(topic, partitions);
            }

            @Override
            public void placementRemoved(String topic) {
                throttled.topicRemoved(topic);
                replicaManager.topicRemoved(topic);
            }
        });
        replicaManager.setLogOpener(tp -> {
            var info = topics.get(tp.topic());
            return info == null ? null : logs.open(tp, topics.configs().logConfig(info.configs()));
        });
        replicaManager.start();
        executors.scheduler().scheduleWithFixedDelay(() -> executors.flush().execute(logs::checkpointHighWatermarks),
                r.highWatermarkCheckpointIntervalMs(), r.highWatermarkCheckpointIntervalMs(), TimeUnit.MILLISECONDS);
        LOG.infof("replication on: replica.lag.time.max.ms=%d, follower fetch wait %d ms", r.lagTimeMaxMs(),
                r.fetchWaitMaxMs());
        return replicaManager;
    }

    /**
     * The throttle on moves: its rates (dynamic ones kept beside the data), which replicas it applies to (from the
     * Topic statuses and their throttled-replicas configs), and the leader's view of who is in sync.
     */
    private ReplicationThrottle replicationThrottle(int localId, long staticRate) {
        try {
            ThrottleRates rates = new ThrottleRates(staticRate,
                    Path.of(config.dataDir()).resolve("replication-throttle.properties"), System::nanoTime);
            ThrottledReplicas replicas = new ThrottledReplicas(localId, name -> {
                var info = topics.get(name);
                return info == null ? null : info.configs();
            });
            return new ReplicationThrottle(rates, replicas, (tp, follower) -> {
                var replica = replicaManager.replica(tp);
                return replica != null && replica.isr().contains(follower);
            }, registry);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the replication throttle kept in the data directory", e);
        }
    }

    /** The port the HTTP API listens on (FLOE_HTTP_PORT), which other brokers forward HTTP requests to. */
    private static int httpPort() {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
    }

    private static String required(java.util.Optional<String> value, String name) {
        return value.filter(v -> !v.isBlank()).orElseThrow(() -> new IllegalArgumentException(
                name + " must be set in cluster mode"));
    }

    private GroupCoordinator startGroupCoordinator() throws java.io.IOException {
        // Compacted, as in Kafka: the latest commit per group and partition stays, older ones and deleted offsets
        // (tombstones) go, so the topic and the replay at start stop growing with every commit. 100 MiB segments
        // (Kafka's offsets.topic.segment.bytes) so that sealed segments, the only ones the cleaner touches, come
        // often. Internal state stays local (as in Kafka, internal topics are not tiered).
        Map<String, String> offsetsConfigs = Map.of(TopicConfigs.CLEANUP_POLICY, "compact",
                TopicConfigs.SEGMENT_BYTES, "104857600", TopicConfigs.REMOTE_STORAGE_ENABLE, "false");
        if (topics.get(OffsetStore.TOPIC) == null) {
            topics.create(OffsetStore.TOPIC, config.offsetsTopicPartitions(), offsetsConfigs);
        } else if (!topics.get(OffsetStore.TOPIC).configs().getOrDefault(TopicConfigs.CLEANUP_POLICY, "")
                .contains("compact") && "standalone".equals(config.cluster().mode())) {
            // A data directory from before compaction: its offsets topic kept everything (retention.ms=-1).
            topics.replaceConfigs(OffsetStore.TOPIC, offsetsConfigs);
            LOG.infof("%s is compacted from now on", OffsetStore.TOPIC);
        }
        if (topics.get(OffsetStore.TOPIC) == null) {
            throw new IllegalStateException("internal topic " + OffsetStore.TOPIC + " is not available; in cluster "
                    + "mode the operator must place it (kubectl describe topics)");
        }
        OffsetStore store = new OffsetStore(appender, topics.get(OffsetStore.TOPIC).partitions());
        store.load(logs);
        GroupCoordinator coordinator = new GroupCoordinator(store, logs, executors.scheduler(),
                config.groupInitialRebalanceDelayMs(), registry);
        coordinator.setOffsetsLeadership(partition -> cluster.isLocalLeader(OffsetStore.TOPIC, partition));
        coordinator.registerLoadedLag();
        if (replicaManager != null) {
            // Coordinator failover: the new leader of an offsets partition reads it back before serving its groups.
            replicaManager.addLeadershipListener((tp, leader, epoch) -> {
                if (tp.topic().equals(OffsetStore.TOPIC)) {
                    coordinator.offsetsLeadershipChanged(tp.partition(), leader, logs, executors.coordinatorLoad());
                }
            });
        }
        return coordinator;
    }

    private void startLogCleaner() {
        BrokerConfig.LogCleaner c = config.logCleaner();
        TopicService topicService = topics;
        cleaner = new LogCleaner(logs, tp -> {
            var topic = topicService.get(tp.topic());
            return topic == null ? CompactionSettings.NONE : topicService.configs().compaction(topic.configs());
        }, new CleanerConfig(c.enable(), c.dedupeBufferBytes(), c.ioBufferBytes(), c.ioMaxBytesPerSecond(),
                c.backoffMs()), System::currentTimeMillis, registry);
        if (c.enable() && tiering != null) {
            remoteCleaner = new RemoteCleaner(logs, tiering, tp -> {
                var topic = topicService.get(tp.topic());
                return topic == null ? CompactionSettings.NONE : topicService.configs().compaction(topic.configs());
            }, new CleanerConfig(c.enable(), c.dedupeBufferBytes(), c.ioBufferBytes(), c.ioMaxBytesPerSecond(),
                    c.backoffMs()), System::currentTimeMillis, registry);
            remoteCleaner.start(executors.cleaner());
        }
        if (c.enable()) {
            cleaner.start(executors.cleaner());
        } else {
            LOG.warn("log cleaner disabled (FLOE_LOG_CLEANER_ENABLE=false): compacted topics keep every record");
        }
    }

    /** The compactor of tiered compacted topics' remote segments; null without tiering or with the cleaner off. */
    public RemoteCleaner remoteCleaner() {
        return remoteCleaner;
    }

    /** The log cleaner (also when disabled, for tests that clean on demand). */
    public LogCleaner cleaner() {
        return cleaner;
    }

    /**
     * Transactions v1 and v2: which one a client speaks follows from the finalized {@code transaction.version}
     * (see {@link #transactionVersionFeature}); the v2 request versions (Produce v12 adding partitions implicitly,
     * EndTxn v5 bumping the epoch, TxnOffsetCommit v5) are offered either way, as Kafka does, and a v1 client caps
     * itself below them.
     */
    private void registerTransactionApis(SupportedApis apis, ProducerIdAllocator producerIds) {
        var enlistment = transactions.enlistment();
        apis.register(ApiKeys.PRODUCE, 3, 12, new ProduceHandler(replication, appender, enlistment))
                .register(ApiKeys.INIT_PRODUCER_ID, 0, 5, new TxnInitProducerIdHandler(
                        new InitProducerIdHandler(producerIds, executors.io()), transactions, executors.io()))
                .register(ApiKeys.ADD_PARTITIONS_TO_TXN, 0, 5, new AddPartitionsToTxnHandler(transactions, topics))
                .register(ApiKeys.ADD_OFFSETS_TO_TXN, 0, 4, new AddOffsetsToTxnHandler(transactions, groups.offsets()))
                .register(ApiKeys.END_TXN, 0, 5, new EndTxnHandler(transactions, executors.io()))
                .register(ApiKeys.TXN_OFFSET_COMMIT, 0, 5, new TxnOffsetCommitHandler(groups, enlistment))
                .register(ApiKeys.WRITE_TXN_MARKERS, 1, 1, new WriteTxnMarkersHandler(transactions))
                .register(ApiKeys.DESCRIBE_TRANSACTIONS, 0, 0, new DescribeTransactionsHandler(transactions))
                .register(ApiKeys.LIST_TRANSACTIONS, 0, 2, new ListTransactionsHandler(transactions))
                .register(ApiKeys.DESCRIBE_PRODUCERS, 0, 0, new DescribeProducersHandler(logs, cluster));
    }

    /**
     * {@code transaction.version} as ApiVersions finalizes it: FLOE_TRANSACTION_VERSION, by default 2 standalone
     * and 1 in cluster mode, where a v2 write would have to reach a coordinator on another broker (implicit
     * AddPartitionsToTxn between brokers is not built) and so is never offered.
     */
    private dev.floe.broker.metadata.Feature transactionVersionFeature(boolean clusterMode) {
        int level = config.transactionVersion().orElse(clusterMode ? 1 : 2);
        if (clusterMode && level > 1) {
            LOG.warnf("FLOE_TRANSACTION_VERSION=%d is not offered in cluster mode (transactions v2 needs the "
                    + "coordinator on the producing broker); finalizing transaction.version 1", level);
            level = 1;
        }
        LOG.infof("transaction.version finalized at %d (transactions v%d for Kafka 4.x clients)", level,
                level >= 2 ? 2 : 1);
        return new dev.floe.broker.metadata.Feature(dev.floe.broker.metadata.Feature.TRANSACTION_VERSION,
                (short) 0, (short) 2, (short) level);
    }

    /** Incremental fetch sessions (KIP-227), bounded by floe.max-incremental-fetch-session-cache-slots. */
    private FetchSessions fetchSessions() {
        FetchSessions sessions = new FetchSessions(new FetchSessionCache(config.maxIncrementalFetchSessionCacheSlots(),
                config.minIncrementalFetchSessionEvictionMs(), System::currentTimeMillis));
        FetchSessionMetrics.register(registry, sessions);
        return sessions;
    }

    private void registerGauges() {
        Gauge.builder("floe.log.partitions", logs, l -> l.all().size())
                .description("Partition logs on this broker").register(registry);
        Gauge.builder("floe.log.size", logs, l -> l.all().stream().mapToLong(PartitionLog::sizeInBytes).sum())
                .baseUnit("bytes").description("Bytes in local segment files").register(registry);
        Gauge.builder("floe.log.recovery.segments.verified", logs, LogManager::segmentsVerifiedAtStart)
                .description("Segments verified batch by batch at start-up (those above their recovery point)")
                .register(registry);
        Gauge.builder("floe.log.segments", logs, l -> l.all().stream().mapToInt(PartitionLog::segmentCount).sum())
                .description("Local segment files").register(registry);
    }

    private void scheduleBackgroundWork() {
        if (tiering != null) {
            long every = config.tier().uploadIntervalMs();
            executors.scheduler().scheduleWithFixedDelay(tiering::requestPass,
                    every, every, TimeUnit.MILLISECONDS);
        }
        executors.scheduler().scheduleWithFixedDelay(() -> executors.io().execute(logs::applyRetention),
                config.retentionCheckIntervalMs(), config.retentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
        executors.scheduler().scheduleWithFixedDelay(() -> executors.flush().execute(logs::checkpointRecoveryPoints),
                RECOVERY_CHECKPOINT_INTERVAL_MS, RECOVERY_CHECKPOINT_INTERVAL_MS, TimeUnit.MILLISECONDS);
        if (config.flushIntervalMs() > 0) {
            executors.scheduler().scheduleWithFixedDelay(() -> executors.flush().execute(logs::flushAll),
                    config.flushIntervalMs(), config.flushIntervalMs(), TimeUnit.MILLISECONDS);
        }
    }

    void onStop(@Observes ShutdownEvent event) throws Exception {
        ready = false;
        if (listener != null) {
            listener.stop();
        }
        if (replicaManager != null) {
            replicaManager.stop();
        }
        if (fetchers != null) {
            fetchers.close();
        }
        if (kubernetes != null) {
            kubernetes.close();
        }
        if (tiering != null) {
            tiering.close();
        }
        if (remoteCleaner != null) {
            remoteCleaner.close();
        }
        if (cleaner != null) {
            cleaner.close();
        }
        if (executors != null) {
            executors.close();
        }
        if (logs != null) {
            logs.close();
        }
        if (remote != null) {
            remote.close();
        }
        LOG.info("Floe broker stopped");
    }

    public boolean isReady() {
        return ready;
    }

    public LogManager logs() {
        return logs;
    }

    public TopicService topics() {
        return topics;
    }

    /** Leadership and acks=all commitment: single-replica in standalone mode, the replica manager in cluster mode. */
    public Replication replication() {
        return replication;
    }

    public ClusterView cluster() {
        return cluster;
    }

    public GroupCoordinator groups() {
        return groups;
    }

    public PartitionAppender appender() {
        return appender;
    }

    public FetchWaiters fetchWaiters() {
        return fetchWaiters;
    }

    /**
     * Parts of segment uploads a killed broker left in the bucket were never visible (no completed object, no
     * manifest) but cost storage: abort them, in the background so a slow store does not hold up the start.
     * Standalone, every upload under the cluster's prefix that began before this start is ours and dead. In
     * cluster mode other brokers upload under the same prefix, so only uploads older than an hour (far longer
     * than any part takes) count as abandoned.
     */
    private void sweepAbandonedUploads() {
        java.time.Instant cutoff = "kubernetes".equals(config.cluster().mode())
                ? java.time.Instant.now().minus(java.time.Duration.ofHours(1)) : java.time.Instant.now();
        RemoteLogStore store = remote;
        tiering.background(() -> {
            try {
                int aborted = store.abortIncompleteUploads(cutoff);
                if (aborted > 0) {
                    LOG.infof("aborted %d multipart uploads left in object storage by an earlier run", aborted);
                }
            } catch (RuntimeException e) {
                LOG.warnf("could not look for abandoned multipart uploads (they cost storage, nothing else): %s",
                        e.getMessage());
            }
        });
    }

    /** Null when tiered storage is off. */
    public TieringService tiering() {
        return tiering;
    }

    public BrokerExecutors executors() {
        return executors;
    }
}
