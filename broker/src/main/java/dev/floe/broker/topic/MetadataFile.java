package dev.floe.broker.topic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Standalone mode's durable metadata: cluster id, topics and the producer-id high mark, in one JSON file that
 * is replaced atomically (write a temp file, fsync, rename, fsync the directory) so a crash leaves the old or
 * the new version, never a torn one.
 */
public final class MetadataFile {
    public record TopicEntry(String name, String id, int partitions, Map<String, String> configs) {
    }

    public record Contents(String clusterId, long producerIdHighMark, List<TopicEntry> topics) {
    }

    private final Path file;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public MetadataFile(Path dataDir) {
        this.file = dataDir.resolve("meta").resolve("metadata.json");
    }

    public Contents load() throws IOException {
        if (!Files.exists(file)) {
            return new Contents(Uuid.randomUuid().toString(), 0, List.of());
        }
        try {
            return json.readValue(file.toFile(), Contents.class);
        } catch (IOException e) {
            throw new IOException("metadata file " + file + " is unreadable (" + e.getMessage()
                    + "); restore it from a backup or move it away to start with no topics", e);
        }
    }

    public synchronized void save(String clusterId, long producerIdHighMark, Iterable<TopicInfo> topics) throws IOException {
        List<TopicEntry> entries = new ArrayList<>();
        for (TopicInfo t : topics) {
            entries.add(new TopicEntry(t.name(), t.topicId().toString(), t.partitions(), new LinkedHashMap<>(t.configs())));
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] bytes = json.writeValueAsBytes(new Contents(clusterId, producerIdHighMark, entries));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
