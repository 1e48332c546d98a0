package dev.floe.broker.topic;

import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Which topics exist, with their ids, partition counts and configs. Changes are persisted before they are
 * announced to listeners (the log manager creates or removes partition directories when told).
 */
public final class TopicRegistry {
    /** Told of every change after it is durable. */
    public interface Listener {
        void topicChanged(TopicInfo before, TopicInfo after);
    }

    private final MetadataFile file;
    private final Map<String, TopicInfo> topics = new ConcurrentHashMap<>();
    private final Map<Uuid, String> namesById = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final String clusterId;
    private long producerIdHighMark;

    public TopicRegistry(MetadataFile file) throws IOException {
        this.file = file;
        MetadataFile.Contents contents = file.load();
        this.clusterId = contents.clusterId();
        this.producerIdHighMark = contents.producerIdHighMark();
        for (MetadataFile.TopicEntry e : contents.topics()) {
            TopicInfo info = new TopicInfo(e.name(), Uuid.fromString(e.id()), e.partitions(), e.configs());
            topics.put(info.name(), info);
            namesById.put(info.topicId(), info.name());
        }
        if (contents.topics().isEmpty()) {
            persist();
        }
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    public String clusterId() {
        return clusterId;
    }

    public TopicInfo get(String name) {
        return topics.get(name);
    }

    public String nameOf(Uuid id) {
        return namesById.get(id);
    }

    public Collection<TopicInfo> all() {
        return List.copyOf(topics.values());
    }

    /** Create a topic; returns null when a topic of that name already exists. */
    public synchronized TopicInfo create(String name, int partitions, Map<String, String> configs) throws IOException {
        if (topics.containsKey(name)) {
            return null;
        }
        TopicInfo info = new TopicInfo(name, Uuid.randomUuid(), partitions, configs);
        topics.put(name, info);
        namesById.put(info.topicId(), name);
        persistOrUndo(name, null);
        announce(null, info);
        return info;
    }

    /**
     * Record a topic decided elsewhere (cluster mode: the Topic resource), with its id. A topic of the same name but
     * another id was deleted and re-created while we were not looking: its old data goes first.
     */
    public synchronized TopicInfo put(TopicInfo info) throws IOException {
        TopicInfo before = topics.get(info.name());
        if (before != null && !before.topicId().equals(info.topicId())) {
            delete(info.name());
            before = null;
        }
        if (info.equals(before)) {
            return before;
        }
        if (before == null) {
            topics.put(info.name(), info);
            namesById.put(info.topicId(), info.name());
            persistOrUndo(info.name(), null);
            announce(null, info);
            return info;
        }
        return update(info);
    }

    public synchronized TopicInfo delete(String name) throws IOException {
        TopicInfo removed = topics.remove(name);
        if (removed == null) {
            return null;
        }
        namesById.remove(removed.topicId());
        persistOrUndo(name, removed);
        announce(removed, null);
        return removed;
    }

    public synchronized TopicInfo update(TopicInfo updated) throws IOException {
        TopicInfo before = topics.put(updated.name(), updated);
        persistOrUndo(updated.name(), before);
        announce(before, updated);
        return updated;
    }

    /** Reserve a block of producer ids; the high mark is durable before any id of the block is handed out. */
    public synchronized long reserveProducerIds(int count) throws IOException {
        long first = producerIdHighMark;
        producerIdHighMark += count;
        persist();
        return first;
    }

    private void persistOrUndo(String name, TopicInfo previous) throws IOException {
        try {
            persist();
        } catch (IOException e) {
            if (previous == null) {
                TopicInfo added = topics.remove(name);
                if (added != null) {
                    namesById.remove(added.topicId());
                }
            } else {
                topics.put(name, previous);
                namesById.put(previous.topicId(), name);
            }
            throw e;
        }
    }

    private void persist() throws IOException {
        file.save(clusterId, producerIdHighMark, topics.values());
    }

    private void announce(TopicInfo before, TopicInfo after) {
        for (Listener l : listeners) {
            l.topicChanged(before, after);
        }
    }
}
