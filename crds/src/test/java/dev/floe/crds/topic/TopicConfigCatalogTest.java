package dev.floe.crds.topic;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalogue against Apache Kafka 4.x: the expected names, and messages below are what Kafka 4.3.1's
 * LogConfig.validate answers for the same input (checked by running it), so a client sees Kafka's words.
 */
class TopicConfigCatalogTest {

    /** A valid value, different from Kafka's default, for every topic config of Kafka 4.x. */
    static Map<String, String> nonDefaults() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("cleanup.policy", "");
        c.put("compression.type", "zstd");
        c.put("compression.gzip.level", "5");
        c.put("compression.lz4.level", "3");
        c.put("compression.zstd.level", "-5");
        c.put("delete.retention.ms", "3600000");
        c.put("file.delete.delay.ms", "30000");
        c.put("flush.messages", "1000");
        c.put("flush.ms", "5000");
        c.put("follower.replication.throttled.replicas", "0:0");
        c.put("index.interval.bytes", "8192");
        c.put("leader.replication.throttled.replicas", "*");
        // Tiered, with uploads stopped: Kafka then wants local retention equal to total retention.
        c.put("local.retention.bytes", "10737418240");
        c.put("local.retention.ms", "86400000");
        c.put("max.compaction.lag.ms", "86400000");
        c.put("max.message.bytes", "2097152");
        c.put("message.timestamp.after.max.ms", "60000");
        c.put("message.timestamp.before.max.ms", "86400000");
        c.put("message.timestamp.type", "LogAppendTime");
        c.put("min.cleanable.dirty.ratio", "0.25");
        c.put("min.compaction.lag.ms", "1000");
        c.put("min.insync.replicas", "2");
        c.put("preallocate", "true");
        c.put("remote.log.copy.disable", "true");
        c.put("remote.log.delete.on.disable", "true");
        c.put("remote.storage.enable", "true");
        c.put("retention.bytes", "10737418240");
        c.put("retention.ms", "86400000");
        c.put("segment.bytes", "2097152");
        c.put("segment.index.bytes", "1048576");
        c.put("segment.jitter.ms", "1000");
        c.put("segment.ms", "3600000");
        c.put("unclean.leader.election.enable", "true");
        return c;
    }

    @Test
    void knowsExactlyTheTopicConfigsOfKafka4() {
        // Kafka 4.x LogConfig.configNames() minus internal.segment.bytes (internal, for Kafka's own tests);
        // message.downconversion.enable was removed in 4.0.
        assertThat(TopicConfigCatalog.keys().keySet()).containsExactlyInAnyOrderElementsOf(nonDefaults().keySet());
        assertThat(TopicConfigCatalog.isKnown("message.downconversion.enable")).isFalse();
    }

    @Test
    void acceptsEveryConfigAtANonDefaultValue() {
        Map<String, String> configs = nonDefaults();
        configs.forEach((name, value) -> assertThat(value).as(name)
                .isNotEqualTo(TopicConfigCatalog.keys().get(name).kafkaDefault()));
        assertThat(TopicConfigCatalog.problem(configs)).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "cleanup.policy|foo|Invalid value foo for configuration cleanup.policy: String must be one of: compact, delete",
        "compression.type|brotli|Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer",
        "compression.type|GZIP|Invalid value GZIP for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer",
        "compression.gzip.level|10|Invalid value 10 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1",
        "compression.gzip.level|0|Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1",
        "compression.lz4.level|0|Invalid value 0 for configuration compression.lz4.level: Value must be at least 1",
        "compression.lz4.level|18|Invalid value 18 for configuration compression.lz4.level: Value must be no more than 17",
        "compression.zstd.level|23|Invalid value 23 for configuration compression.zstd.level: Value must be no more than 22",
        "compression.zstd.level|-131073|Invalid value -131073 for configuration compression.zstd.level: Value must be at least -131072",
        "delete.retention.ms|-1|Invalid value -1 for configuration delete.retention.ms: Value must be at least 0",
        "file.delete.delay.ms|-1|Invalid value -1 for configuration file.delete.delay.ms: Value must be at least 0",
        "flush.messages|0|Invalid value 0 for configuration flush.messages: Value must be at least 1",
        "flush.ms|-1|Invalid value -1 for configuration flush.ms: Value must be at least 0",
        "follower.replication.throttled.replicas|x|Invalid value [x] for configuration follower.replication.throttled.replicas: follower.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...",
        "leader.replication.throttled.replicas|0:a|Invalid value [0:a] for configuration leader.replication.throttled.replicas: leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...",
        "index.interval.bytes|-1|Invalid value -1 for configuration index.interval.bytes: Value must be at least 0",
        "local.retention.bytes|-3|Invalid value -3 for configuration local.retention.bytes: Value must be at least -2",
        "local.retention.ms|-3|Invalid value -3 for configuration local.retention.ms: Value must be at least -2",
        "max.compaction.lag.ms|0|Invalid value 0 for configuration max.compaction.lag.ms: Value must be at least 1",
        "max.message.bytes|-1|Invalid value -1 for configuration max.message.bytes: Value must be at least 0",
        "message.timestamp.after.max.ms|-1|Invalid value -1 for configuration message.timestamp.after.max.ms: Value must be at least 0",
        "message.timestamp.before.max.ms|-1|Invalid value -1 for configuration message.timestamp.before.max.ms: Value must be at least 0",
        "message.timestamp.type|createtime|Invalid value createtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime",
        "min.cleanable.dirty.ratio|1.5|Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1",
        "min.cleanable.dirty.ratio|abc|Invalid value abc for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE",
        "min.compaction.lag.ms|-1|Invalid value -1 for configuration min.compaction.lag.ms: Value must be at least 0",
        "min.insync.replicas|0|Invalid value 0 for configuration min.insync.replicas: Value must be at least 1",
        "preallocate|yes|Invalid value yes for configuration preallocate: Expected value to be either true or false",
        "remote.log.copy.disable|1|Invalid value 1 for configuration remote.log.copy.disable: Expected value to be either true or false",
        "remote.log.delete.on.disable|no|Invalid value no for configuration remote.log.delete.on.disable: Expected value to be either true or false",
        "remote.storage.enable|maybe|Invalid value maybe for configuration remote.storage.enable: Expected value to be either true or false",
        "retention.bytes|abc|Invalid value abc for configuration retention.bytes: Not a number of type LONG",
        "retention.ms|-2|Invalid value -2 for configuration retention.ms: Value must be at least -1",
        "segment.bytes|1000|Invalid value 1000 for configuration segment.bytes: Value must be at least 1048576",
        "segment.bytes|99999999999|Invalid value 99999999999 for configuration segment.bytes: Not a number of type INT",
        "segment.index.bytes|3|Invalid value 3 for configuration segment.index.bytes: Value must be at least 4",
        "segment.jitter.ms|-1|Invalid value -1 for configuration segment.jitter.ms: Value must be at least 0",
        "segment.ms|0|Invalid value 0 for configuration segment.ms: Value must be at least 1",
        "unclean.leader.election.enable|x|Invalid value x for configuration unclean.leader.election.enable: Expected value to be either true or false",
        "message.downconversion.enable|true|Unknown topic config name: message.downconversion.enable",
    })
    void refusesInvalidValuesWithKafkasMessage(String name, String value, String message) {
        assertThat(TopicConfigCatalog.problem(Map.of(name, value))).isEqualTo(message);
    }

    @Test
    void parsesAsKafkaDoes() {
        assertThat(TopicConfigCatalog.problem(Map.of("retention.ms", " 100 ", "preallocate", "TRUE",
                "follower.replication.throttled.replicas", "0:1, 1:2", "compression.gzip.level", "-1",
                "retention.bytes", "-2"))).isNull();
    }

    @Test
    void checksConfigsAgainstEachOtherAsKafkaDoes() {
        assertThat(TopicConfigCatalog.problem(Map.of("min.compaction.lag.ms", "10", "max.compaction.lag.ms", "5")))
                .isEqualTo("conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)");
        assertThat(TopicConfigCatalog.problem(Map.of("remote.storage.enable", "true", "retention.bytes", "100",
                "local.retention.bytes", "200"))).isEqualTo("Invalid value 200 for configuration local.retention.bytes:"
                + " Value must not be more than retention.bytes property value: 100");
        assertThat(TopicConfigCatalog.problem(Map.of("remote.storage.enable", "true", "retention.bytes", "100",
                "local.retention.bytes", "-1"))).isEqualTo("Invalid value -1 for configuration local.retention.bytes:"
                + " Value must not be -1 as retention.bytes value is set as 100.");
        assertThat(TopicConfigCatalog.problem(Map.of("remote.storage.enable", "true", "retention.ms", "100",
                "local.retention.ms", "200"))).isEqualTo("Invalid value 200 for configuration local.retention.ms:"
                + " Value must not be more than retention.ms property value: 100");
        assertThat(TopicConfigCatalog.problem(Map.of("remote.storage.enable", "true", "remote.log.copy.disable", "true",
                "retention.ms", "100", "local.retention.ms", "50"))).isEqualTo("When `remote.log.copy.disable` is set"
                + " to true, the `local.retention.ms` and `retention.ms` must be set to the identical value because"
                + " there will be no more logs copied to the remote storage.");
        // Without remote storage the local retention configs are not related to the total ones (Kafka too).
        assertThat(TopicConfigCatalog.problem(Map.of("retention.ms", "100", "local.retention.ms", "200"))).isNull();
    }

    @Test
    void acceptsEveryCleanupPolicyWithAndWithoutRemoteStorage() {
        for (String policy : new String[]{"compact", "compact,delete", "delete, compact", "delete", ""}) {
            assertThat(TopicConfigCatalog.problem(Map.of("cleanup.policy", policy))).as(policy).isNull();
            assertThat(TopicConfigCatalog.problem(Map.of("cleanup.policy", policy, "remote.storage.enable", "true")))
                    .as(policy + " tiered").isNull();
        }
        Map<String, String> explicit = new java.util.HashMap<>(TopicConfigCatalog.kafkaDefaults());
        explicit.put("cleanup.policy", "compact");
        explicit.put("remote.storage.enable", "true");
        assertThat(TopicConfigCatalog.isTiered(Map.of("cleanup.policy", "compact", "remote.storage.enable", "true"),
                explicit)).as("a compacted topic that asks for tiering is tiered").isTrue();
        // Tiering on by the broker's default: a compacted topic is accepted and stays local.
        Map<String, String> tieringBroker = Map.of("remote.storage.enable", "true");
        assertThat(TopicConfigCatalog.problem(Map.of("cleanup.policy", "compact"), tieringBroker)).isNull();
        Map<String, String> effective = new java.util.HashMap<>(TopicConfigCatalog.kafkaDefaults());
        effective.putAll(tieringBroker);
        effective.put("cleanup.policy", "compact");
        assertThat(TopicConfigCatalog.isTiered(Map.of("cleanup.policy", "compact"), effective)).isFalse();
        effective.put("cleanup.policy", "delete");
        assertThat(TopicConfigCatalog.isTiered(Map.of(), effective)).isTrue();
    }
}
