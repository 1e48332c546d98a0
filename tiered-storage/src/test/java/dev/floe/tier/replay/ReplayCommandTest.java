package dev.floe.tier.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.tier.remote.RemoteLogStore;
import dev.floe.tier.store.LocalDirectoryObjectStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The replay tool reads a bucket directory with no broker and prints exactly the records uploaded. */
class ReplayCommandTest {
    @TempDir
    Path tmp;

    @Test
    void printsExactlyTheRecordsInTheRangeAsNdjson() throws Exception {
        Path bucket = tmp.resolve("bucket");
        RemoteLogStore store = new RemoteLogStore(new LocalDirectoryObjectStore(bucket), "prod", 1 << 20, new SimpleMeterRegistry());
        String topicId = "BBBBBBBBBBBBBBBBBBBBBB";
        for (int p = 0; p < 2; p++) {
            store.partition("events", topicId, p).upload(
                    dev.floe.tier.TestSegmentsAccess.write(tmp.resolve("seg" + p), 0, 10, 10, Compression.snappy().build()));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long count = ReplayCommand.run(ReplayOptions.parse(new String[]{"replay", "--store", bucket.toUri().toString(),
                "--cluster", "prod", "--topic", "events", "--from-offset", "15", "--to-offset", "84"}),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(count).isEqualTo(140);
        assertThat(lines).hasSize(140);
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines.get(0));
        assertThat(first.get("topic").asText()).isEqualTo("events");
        assertThat(first.get("partition").asInt()).isZero();
        assertThat(first.get("offset").asLong()).isEqualTo(15);
        assertThat(first.get("value").asText()).isEqualTo("value-15");
        assertThat(first.get("key").asText()).isEqualTo("key-1");
        assertThat(first.get("headers").get(0).get("value").asText()).isEqualTo("hv15");
        assertThat(json.readTree(lines.get(69)).get("offset").asLong()).isEqualTo(84);

        ByteArrayOutputStream byTime = new ByteArrayOutputStream();
        ReplayCommand.run(ReplayOptions.parse(new String[]{"--store", bucket.toUri().toString(), "--cluster", "prod",
                "--topic", "events", "--partition", "1", "--from-time", Long.toString(dev.floe.tier.TestSegmentsAccess.timestamp(90))}),
                new PrintStream(byTime, true, StandardCharsets.UTF_8));
        assertThat(byTime.toString(StandardCharsets.UTF_8).lines().map(l -> {
            try {
                return json.readTree(l).get("offset").asLong();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }).toList()).containsExactly(90L, 91L, 92L, 93L, 94L, 95L, 96L, 97L, 98L, 99L);
    }

    @Test
    void recordsBelowTheStartDeleteRecordsLeftAreNotReplayed() throws Exception {
        Path bucket = tmp.resolve("bucket");
        RemoteLogStore store = new RemoteLogStore(new LocalDirectoryObjectStore(bucket), "prod", 1 << 20, new SimpleMeterRegistry());
        String topicId = "CCCCCCCCCCCCCCCCCCCCCC";
        var partition = store.partition("purged", topicId, 0);
        partition.upload(dev.floe.tier.TestSegmentsAccess.write(tmp.resolve("seg"), 0, 10, 10, Compression.NONE));
        partition.advanceLogStart(42);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long count = ReplayCommand.run(ReplayOptions.parse(new String[]{"--store", bucket.toUri().toString(),
                "--cluster", "prod", "--topic", "purged"}), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(count).isEqualTo(58);
        assertThat(new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow())
                .get("offset").asLong()).isEqualTo(42);
    }
}
