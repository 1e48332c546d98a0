package dev.floe.crds.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Multi-document YAML as Jackson trees or typed fabric8 resources. */
final class Manifests {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Manifests() {
    }

    /** Every non-empty document; helm template output has empty ones where a template rendered nothing. */
    static List<JsonNode> documents(String yaml) {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode document = it.next();
                if (document != null && !document.isNull() && !document.isMissingNode() && !document.isEmpty()) {
                    documents.add(document);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return documents;
    }

    /** Typed resources, so assertions read like the Kubernetes API (Deployment, ClusterRole, ...). */
    static List<HasMetadata> resources(String yaml) {
        List<HasMetadata> resources = new ArrayList<>();
        for (JsonNode document : documents(yaml)) {
            resources.add(Serialization.unmarshal(document.toString(), HasMetadata.class));
        }
        return resources;
    }
}
