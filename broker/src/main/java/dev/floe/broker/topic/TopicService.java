package dev.floe.broker.topic;

import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Topic lifecycle for the admin APIs, auto-creation and the HTTP API alike: validates, records the change in
 * the registry, and keeps the partition logs in step with it.
 */
public final class TopicService implements TopicRegistry.Listener {
    private static final Logger LOG = Logger.getLogger(TopicService.class);
    public static final int MAX_PARTITIONS = 10_000;

    /**
     * Where topic changes are decided when this broker is not alone (cluster mode: Topic resources). Each call
     * returns once the change has reached this broker's registry, so a client sees its own change right away.
     */
    public interface ControlPlane {
        TopicInfo create(String name, int partitions, int replicationFactor, Map<String, String> configs) throws IOException;

        /** Brokers a replica may be placed on: the upper bound of a replication factor. */
        int brokerCount();

        TopicError delete(String name) throws IOException;

        void increasePartitions(String name, int newCount) throws IOException;

        void replaceConfigs(String name, Map<String, String> configs) throws IOException;
    }

    private final TopicRegistry registry;
    private volatile ControlPlane controlPlane;
    private final LogManager logs;
    private final TopicConfigs configs;
    private final int defaultPartitions;
    private final boolean autoCreate;
    private volatile int defaultReplicationFactor = 1;

    public TopicService(TopicRegistry registry, LogManager logs, TopicConfigs configs, int defaultPartitions,
                        boolean autoCreate) {
        this.registry = registry;
        this.logs = logs;
        this.configs = configs;
        this.defaultPartitions = defaultPartitions;
        this.autoCreate = autoCreate;
        registry.addListener(this);
    }

    public void setControlPlane(ControlPlane controlPlane) {
        this.controlPlane = controlPlane;
    }

    public TopicRegistry registry() {
        return registry;
    }

    public TopicConfigs configs() {
        return configs;
    }

    /** Open the logs of every known topic; called once at start. */
    public void openAll() throws IOException {
        for (TopicInfo topic : registry.all()) {
            for (int p = 0; p < topic.partitions(); p++) {
                logs.open(new TopicPartition(topic.name(), p), configs.logConfig(topic.configs()));
            }
        }
    }

    public TopicInfo get(String name) {
        return registry.get(name);
    }

    public boolean autoCreateEnabled() {
        return autoCreate;
    }

    public int defaultPartitions() {
        return defaultPartitions;
    }

    /** Kafka's default.replication.factor: used when a client gives none and for auto-created and internal topics. */
    public void setDefaultReplicationFactor(int replicationFactor) {
        this.defaultReplicationFactor = Math.max(1, replicationFactor);
    }

    /**
     * The replication factor of a topic created without one: the configured default, capped by the brokers there
     * are (so one broker, or a standalone broker, still creates topics); always 1 without a control plane.
     */
    public int defaultReplicationFactor() {
        ControlPlane plane = controlPlane;
        return plane == null ? 1 : Math.max(1, Math.min(defaultReplicationFactor, plane.brokerCount()));
    }

    /** Null when a topic like this could be created, else why not. */
    public TopicError validateCreate(String name, int partitions, int replicationFactor, Map<String, String> topicConfigs) {
        String nameProblem = TopicNames.problem(name);
        if (nameProblem != null) {
            return new TopicError(Errors.INVALID_TOPIC_EXCEPTION, nameProblem);
        }
        if (registry.get(name) != null) {
            return new TopicError(Errors.TOPIC_ALREADY_EXISTS, "topic '" + name + "' already exists");
        }
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            return new TopicError(Errors.INVALID_PARTITIONS, "number of partitions must be between 1 and "
                    + MAX_PARTITIONS + ", not " + partitions);
        }
        ControlPlane plane = controlPlane;
        if (plane == null && replicationFactor != 1) {
            return new TopicError(Errors.INVALID_REPLICATION_FACTOR, "replication factor " + replicationFactor
                    + " is not possible: this standalone broker is the only replica (use 1 or leave it unset)");
        }
        if (replicationFactor < 1) {
            return new TopicError(Errors.INVALID_REPLICATION_FACTOR, "replication factor must be at least 1, not "
                    + replicationFactor);
        }
        if (plane != null && replicationFactor > plane.brokerCount()) {
            return new TopicError(Errors.INVALID_REPLICATION_FACTOR, "replication factor " + replicationFactor
                    + " is larger than the " + plane.brokerCount() + " brokers of this cluster");
        }
        String configProblem = configs.problem(topicConfigs);
        if (configProblem != null) {
            return new TopicError(Errors.INVALID_CONFIG, configProblem);
        }
        return TopicError.NONE;
    }

    /** Create with the default replication factor (internal topics, callers that give none). */
    public TopicInfo create(String name, int partitions, Map<String, String> topicConfigs) throws IOException {
        return create(name, partitions, defaultReplicationFactor(), topicConfigs);
    }

    public TopicInfo create(String name, int partitions, int replicationFactor, Map<String, String> topicConfigs)
            throws IOException {
        if (controlPlane != null) {
            return controlPlane.create(name, partitions, replicationFactor, topicConfigs);
        }
        TopicInfo created = registry.create(name, partitions, topicConfigs);
        if (created != null) {
            LOG.infof("created topic %s (id %s) with %d partitions and configs %s", name, created.topicId(),
                    partitions, topicConfigs);
        }
        return created;
    }

    /** Create a topic a client asked for by using it, as Kafka's auto.create.topics.enable does. */
    public TopicInfo autoCreate(String name) throws IOException {
        TopicInfo existing = registry.get(name);
        if (existing != null || !autoCreate || TopicNames.problem(name) != null) {
            return existing;
        }
        if (controlPlane != null) {
            TopicInfo created = controlPlane.create(name, defaultPartitions, defaultReplicationFactor(), Map.of());
            return created != null ? created : registry.get(name);
        }
        TopicInfo created = registry.create(name, defaultPartitions, Map.of());
        if (created != null) {
            LOG.infof("auto-created topic %s with %d partitions because a client asked for it", name, defaultPartitions);
        }
        return created != null ? created : registry.get(name);
    }

    public TopicError delete(String name) throws IOException {
        if (TopicNames.isInternal(name)) {
            return new TopicError(Errors.INVALID_TOPIC_EXCEPTION, "internal topic '" + name + "' cannot be deleted");
        }
        if (controlPlane != null) {
            return controlPlane.delete(name);
        }
        if (registry.delete(name) == null) {
            return new TopicError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
        }
        LOG.infof("deleted topic %s and its data", name);
        return TopicError.NONE;
    }

    public TopicError validatePartitionIncrease(String name, int newCount) {
        TopicInfo topic = registry.get(name);
        if (topic == null) {
            return new TopicError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
        }
        if (newCount <= topic.partitions()) {
            return new TopicError(Errors.INVALID_PARTITIONS, "topic '" + name + "' has " + topic.partitions()
                    + " partitions; the count can only grow, so " + newCount + " is not possible");
        }
        if (newCount > MAX_PARTITIONS) {
            return new TopicError(Errors.INVALID_PARTITIONS, "at most " + MAX_PARTITIONS + " partitions");
        }
        return TopicError.NONE;
    }

    public void increasePartitions(String name, int newCount) throws IOException {
        if (controlPlane != null) {
            controlPlane.increasePartitions(name, newCount);
            return;
        }
        TopicInfo topic = registry.get(name);
        registry.update(topic.withPartitions(newCount));
        LOG.infof("topic %s now has %d partitions (was %d)", name, newCount, topic.partitions());
    }

    public TopicError validateConfigs(String name, Map<String, String> newConfigs) {
        if (registry.get(name) == null) {
            return new TopicError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
        }
        String problem = configs.problem(newConfigs);
        if (problem == null) {
            problem = configs.transitionProblem(registry.get(name).configs(), newConfigs);
        }
        return problem == null ? TopicError.NONE : new TopicError(Errors.INVALID_CONFIG, problem);
    }

    public void replaceConfigs(String name, Map<String, String> newConfigs) throws IOException {
        if (controlPlane != null) {
            controlPlane.replaceConfigs(name, newConfigs);
            return;
        }
        TopicInfo topic = registry.get(name);
        registry.update(topic.withConfigs(newConfigs));
        LOG.infof("topic %s configs are now %s", name, newConfigs);
    }

    @Override
    public void topicChanged(TopicInfo before, TopicInfo after) {
        try {
            if (after == null) {
                for (int p = 0; p < before.partitions(); p++) {
                    logs.delete(new TopicPartition(before.name(), p));
                }
                return;
            }
            for (int p = 0; p < after.partitions(); p++) {
                PartitionLog log = logs.open(new TopicPartition(after.name(), p), configs.logConfig(after.configs()));
                log.updateConfig(configs.logConfig(after.configs()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not apply the change to topic "
                    + (after != null ? after.name() : before.name()) + " to its logs: " + e.getMessage(), e);
        }
    }
}
