package dev.floe.broker.topic;

import dev.floe.broker.config.BrokerConfig;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.SegmentReaper;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11: in cluster mode a topic gets the replication factor a client asks for, or the broker's
 * default.replication.factor capped by the brokers there are; more replicas than brokers is refused with
 * INVALID_REPLICATION_FACTOR. A standalone broker stays at 1.
 */
class TopicReplicationFactorTest {
    @TempDir
    Path dir;
    private ScheduledExecutorService scheduler;
    private LogManager logs;
    private TopicService topics;
    private final List<String> created = new ArrayList<>();

    /** Records what would be written to the Topic resource. */
    private final class RecordingControlPlane implements TopicService.ControlPlane {
        final int brokers;

        RecordingControlPlane(int brokers) {
            this.brokers = brokers;
        }

        @Override
        public TopicInfo create(String name, int partitions, int replicationFactor, Map<String, String> configs)
                throws java.io.IOException {
            created.add(name + " rf=" + replicationFactor);
            return topics.registry().create(name, partitions, configs);
        }

        @Override
        public int brokerCount() {
            return brokers;
        }

        @Override
        public TopicError delete(String name) {
            return TopicError.NONE;
        }

        @Override
        public void increasePartitions(String name, int newCount) {
        }

        @Override
        public void replaceConfigs(String name, Map<String, String> configs) {
        }
    }

    @BeforeEach
    void start() throws Exception {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        logs = new LogManager(dir, new SegmentReaper(scheduler, 0), Runnable::run);
        topics = new TopicService(new TopicRegistry(new MetadataFile(dir)), logs,
                new TopicConfigs(new Defaults(), false, 0), 1, true);
        topics.setDefaultReplicationFactor(3);
    }

    @AfterEach
    void stop() throws Exception {
        logs.close();
        scheduler.shutdownNow();
    }

    @Test
    void clusterTopicsGetTheAskedOrDefaultReplicationFactor() throws Exception {
        topics.setControlPlane(new RecordingControlPlane(3));
        assertThat(topics.validateCreate("orders", 6, 3, Map.of()).ok()).isTrue();
        topics.create("orders", 6, 3, Map.of());
        topics.autoCreate("clicks");
        assertThat(created).containsExactly("orders rf=3", "clicks rf=3");
    }

    @Test
    void moreReplicasThanBrokersIsRefusedClearly() {
        topics.setControlPlane(new RecordingControlPlane(3));
        TopicError e = topics.validateCreate("orders", 6, 4, Map.of());
        assertThat(e.error()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
        assertThat(e.message()).isEqualTo("replication factor 4 is larger than the 3 brokers of this cluster");
        assertThat(topics.validateCreate("orders", 6, 0, Map.of()).error()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
    }

    @Test
    void theDefaultIsCappedByTheBrokers() throws Exception {
        topics.setControlPlane(new RecordingControlPlane(2));
        assertThat(topics.defaultReplicationFactor()).isEqualTo(2);
        topics.autoCreate("clicks");
        assertThat(created).containsExactly("clicks rf=2");
    }

    @Test
    void aStandaloneBrokerIsTheOnlyReplica() {
        assertThat(topics.defaultReplicationFactor()).isEqualTo(1);
        assertThat(topics.validateCreate("orders", 1, 1, Map.of()).ok()).isTrue();
        assertThat(topics.validateCreate("orders", 1, 3, Map.of()).error()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
    }

    private static final class Defaults implements BrokerConfig.Defaults {
        @Override
        public long segmentBytes() {
            return 1 << 20;
        }

        @Override
        public long segmentMs() {
            return 604800000L;
        }

        @Override
        public long retentionMs() {
            return -1;
        }

        @Override
        public long retentionBytes() {
            return -1;
        }

        @Override
        public int maxMessageBytes() {
            return 1048588;
        }

        @Override
        public int indexIntervalBytes() {
            return 4096;
        }

        @Override
        public int segmentIndexBytes() {
            return 1 << 16;
        }

        @Override
        public int minInsyncReplicas() {
            return 1;
        }
    }
}
