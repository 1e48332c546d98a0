package dev.floe.crds.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floe.crds.common.Labels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's example manifests are what people copy first, so each must be accepted by the CRDs it ships with.
 * The broken variants prove the check itself can fail: a validator that accepts everything would pass the first
 * half alone.
 */
class ExampleManifestsTest {
    static CrdSchemas schemas;

    @BeforeAll
    static void loadCrds() {
        schemas = CrdSchemas.load(ChartPaths.chart().resolve("crds"));
        assertThat(schemas.kinds()).contains("floe.dev/v1alpha1 Cluster", "floe.dev/v1alpha1 Topic");
    }

    static Path examples() {
        return ChartPaths.chart().resolve("examples");
    }

    static Stream<Path> exampleFiles() throws IOException {
        try (Stream<Path> files = Files.list(examples())) {
            return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .sorted().collect(Collectors.toList()).stream();
        }
    }

    static JsonNode single(String example) throws IOException {
        List<JsonNode> documents = Manifests.documents(Files.readString(examples().resolve(example)));
        assertThat(documents).as(example).hasSize(1);
        return documents.get(0);
    }

    @Test
    void theDocumentedExamplesExist() throws IOException {
        assertThat(exampleFiles().map(f -> f.getFileName().toString()))
                .contains("cluster.yaml", "cluster-minimal.yaml", "topic.yaml", "topic-custom-name.yaml");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exampleFiles")
    void exampleIsAcceptedByItsCrd(Path file) throws IOException {
        List<JsonNode> documents = Manifests.documents(Files.readString(file));
        assertThat(documents).as("%s has no manifest", file.getFileName()).isNotEmpty();
        for (JsonNode manifest : documents) {
            assertThat(manifest.path("apiVersion").asText()).as("apiVersion in %s", file.getFileName())
                    .isEqualTo("floe.dev/v1alpha1");
            assertThat(schemas.problems(manifest)).as("%s (%s %s)", file.getFileName(),
                    manifest.path("kind").asText(), manifest.path("metadata").path("name").asText()).isEmpty();
        }
    }

    @Test
    void topicExamplesNameAClusterThatTheExamplesDefine() throws IOException {
        Set<String> clusters = new TreeSet<>();
        List<String> wanted = new ArrayList<>();
        for (Path file : (Iterable<Path>) exampleFiles()::iterator) {
            for (JsonNode manifest : Manifests.documents(Files.readString(file))) {
                switch (manifest.path("kind").asText()) {
                    case "Cluster" -> clusters.add(manifest.path("metadata").path("name").asText());
                    case "Topic" -> wanted.add(manifest.path("metadata").path("labels").path(Labels.CLUSTER).asText());
                    default -> { }
                }
            }
        }
        assertThat(clusters).containsAll(wanted);
    }

    @Test
    void examplesSayWhatTheReadmePromises() throws IOException {
        JsonNode cluster = single("cluster.yaml");
        assertThat(cluster.at("/metadata/name").asText()).isEqualTo("demo");
        assertThat(cluster.at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(cluster.at("/spec/objectStorage/endpoint").asText()).startsWith("http");
        assertThat(cluster.at("/spec/objectStorage/credentialsSecret").asText()).isNotEmpty();

        JsonNode topic = single("topic.yaml");
        assertThat(topic.at("/metadata/name").asText()).isEqualTo("orders");
        assertThat(topic.at("/spec/partitions").asInt()).isEqualTo(6);
        assertThat(topic.at("/spec/replicationFactor").asInt()).isEqualTo(1);
        assertThat(topic.at("/spec/config").fieldNames()).toIterable()
                .contains("retention.ms", "local.retention.ms", "segment.bytes", "remote.storage.enable");

        assertThat(single("topic-custom-name.yaml").at("/spec/topicName").asText()).isEqualTo("Orders_V2");
    }

    /** A change to an example: set a field (creating parents) or, with a null value, remove it. */
    record Breakage(String example, String pointer, Object value, String expectedProblem) {
        @Override
        public String toString() {
            return example + " " + pointer + " = " + value;
        }

        JsonNode apply(JsonNode original) {
            ObjectNode copy = (ObjectNode) original.deepCopy();
            // JSON Pointer escaping, so label keys such as floe.dev/cluster can be addressed.
            String[] parts = Stream.of(pointer.substring(1).split("/"))
                    .map(p -> p.replace("~1", "/").replace("~0", "~")).toArray(String[]::new);
            ObjectNode parent = copy;
            for (int i = 0; i < parts.length - 1; i++) {
                parent = parent.has(parts[i]) ? (ObjectNode) parent.get(parts[i]) : parent.putObject(parts[i]);
            }
            String last = parts[parts.length - 1];
            if (value == null) {
                parent.remove(last);
            } else {
                parent.set(last, Manifests.YAML.valueToTree(value));
            }
            return copy;
        }
    }

    static Stream<Arguments> brokenManifests() {
        return Stream.of(
                new Breakage("topic.yaml", "/spec/partitions", 0, "spec.partitions"),
                new Breakage("topic.yaml", "/spec/partitions", "6", "spec.partitions"),
                new Breakage("topic.yaml", "/spec/partitions", 10001, "spec.partitions"),
                new Breakage("topic.yaml", "/spec/partitions", null, "partitions"),
                new Breakage("topic.yaml", "/spec/partitons", 6, "unknown field \"spec.partitons\""),
                new Breakage("topic.yaml", "/spec/replicationFactor", 0, "spec.replicationFactor"),
                new Breakage("topic.yaml", "/spec/config/retention.ms", 604800000, "retention.ms"),
                new Breakage("topic.yaml", "/specs", List.of(), "unknown field \"specs\""),
                new Breakage("topic.yaml", "/metadata/labels/floe.dev~1cluster", null, Labels.CLUSTER),
                new Breakage("topic.yaml", "/metadata/name", "Orders_V2", "DNS-1123"),
                new Breakage("topic.yaml", "/status/topicId", "x", "status"),
                new Breakage("topic-custom-name.yaml", "/spec/topicName", "orders/v2", "spec.topicName"),
                new Breakage("cluster.yaml", "/spec/objectStorage/bucket", null, "bucket"),
                new Breakage("cluster.yaml", "/spec/objectStorage/bucket", "Floe_Bucket", "spec.objectStorage.bucket"),
                new Breakage("cluster.yaml", "/spec/objectStorage/secret", "s3", "unknown field \"spec.objectStorage.secret\""),
                new Breakage("cluster.yaml", "/spec/objectStorage/pathStyle", "yes", "spec.objectStorage.pathStyle"),
                new Breakage("cluster.yaml", "/spec/storage/size", "lots", "spec.storage.size"),
                new Breakage("cluster.yaml", "/spec/listeners/kafka", 70000, "spec.listeners.kafka"),
                new Breakage("cluster.yaml", "/spec/replicas", 0, "spec.replicas"),
                new Breakage("cluster.yaml", "/spec/resources/limits/memory", true, "spec.resources.limits.memory"),
                new Breakage("cluster.yaml", "/spec/resources/limitz", List.of(), "unknown field \"spec.resources.limitz\""),
                new Breakage("cluster.yaml", "/spec/config/num-partitions", 6, "num-partitions"),
                new Breakage("cluster-minimal.yaml", "/apiVersion", "floe.dev/v1", "no CRD serves")
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenManifests")
    void brokenManifestIsRefused(Breakage breakage) throws IOException {
        JsonNode original = single(breakage.example());
        // The example itself passes, so the problem below comes from the breakage alone.
        assertThat(schemas.problems(original)).as("unbroken %s", breakage.example()).isEmpty();
        List<String> problems = schemas.problems(breakage.apply(original));
        assertThat(problems).as("problems after %s", breakage).isNotEmpty()
                .anySatisfy(problem -> assertThat(problem).contains(breakage.expectedProblem()));
    }
}
