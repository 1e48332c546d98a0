package dev.floe.crds.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.floe.crds.common.Labels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks a manifest the way the API server would check it against a CRD: the version's openAPIV3Schema (types,
 * bounds, patterns, required fields) plus the structural-schema rule that fields the schema does not declare are
 * unknown. A JSON Schema validator alone misses the second part, because Kubernetes schemas never say
 * {@code additionalProperties: false}: the API server prunes undeclared fields (or, with kubectl's default strict
 * field validation, refuses them), so a misspelt field in an example would silently do nothing.
 * CEL rules ({@code x-kubernetes-validations}) are not evaluated: there is no CEL engine here.
 */
final class CrdSchemas {
    /** Fields of every object that the API server handles itself, outside the CRD's schema. */
    static final Set<String> ROOT_FIELDS = Set.of("apiVersion", "kind", "metadata");
    static final Pattern DNS_SUBDOMAIN = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

    private final Map<String, JsonNode> openApiSchemas = new HashMap<>();
    private final Map<String, JsonSchema> jsonSchemas = new HashMap<>();

    /** Every served version of every CRD in the directory, by "group/version Kind". */
    static CrdSchemas load(Path crdDir) {
        CrdSchemas schemas = new CrdSchemas();
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
        try (Stream<Path> files = Files.list(crdDir)) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                for (JsonNode crd : Manifests.documents(Files.readString(file))) {
                    if (!"CustomResourceDefinition".equals(crd.path("kind").asText())) {
                        continue;
                    }
                    String group = crd.path("spec").path("group").asText();
                    String kind = crd.path("spec").path("names").path("kind").asText();
                    for (JsonNode version : crd.path("spec").path("versions")) {
                        JsonNode openApi = version.path("schema").path("openAPIV3Schema");
                        String key = key(group + "/" + version.path("name").asText(), kind);
                        schemas.openApiSchemas.put(key, openApi);
                        schemas.jsonSchemas.put(key, factory.getSchema(toJsonSchema(openApi)));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return schemas;
    }

    static String key(String apiVersion, String kind) {
        return apiVersion + " " + kind;
    }

    Set<String> kinds() {
        return openApiSchemas.keySet();
    }

    /**
     * The openAPIV3Schema as a draft-07 JSON Schema. The two are nearly the same language; the differences that
     * matter are the Kubernetes extensions, which a JSON Schema validator would report as unknown keywords, and
     * {@code nullable}, which JSON Schema spells as a "null" type.
     */
    static ObjectNode toJsonSchema(JsonNode openApi) {
        ObjectNode schema = convert(openApi);
        schema.put("$schema", "http://json-schema.org/draft-07/schema#");
        return schema;
    }

    private static ObjectNode convert(JsonNode openApi) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = openApi.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String keyword = field.getKey();
            JsonNode value = field.getValue();
            if (keyword.startsWith("x-kubernetes-") || keyword.equals("nullable")) {
                continue;
            }
            switch (keyword) {
                case "properties" -> {
                    // Property names are data, not keywords: a property may be called "x-kubernetes-..." too.
                    ObjectNode properties = out.putObject("properties");
                    value.fields().forEachRemaining(p -> properties.set(p.getKey(), convert(p.getValue())));
                }
                case "items", "additionalProperties", "not" -> out.set(keyword, value.isObject() ? convert(value) : value);
                case "anyOf", "allOf", "oneOf" -> {
                    ArrayNode branches = out.putArray(keyword);
                    value.forEach(branch -> branches.add(convert(branch)));
                }
                default -> out.set(keyword, value.deepCopy());
            }
        }
        if (openApi.path("nullable").asBoolean(false) && out.has("type")) {
            out.putArray("type").add(openApi.get("type").asText()).add("null");
        }
        return out;
    }

    /** Every problem the API server would have with this manifest; empty when it would accept it. */
    List<String> problems(JsonNode manifest) {
        List<String> problems = new ArrayList<>();
        String key = key(manifest.path("apiVersion").asText(), manifest.path("kind").asText());
        JsonNode openApi = openApiSchemas.get(key);
        if (openApi == null) {
            problems.add("no CRD serves " + key + " (known: " + kinds() + ")");
            return problems;
        }
        for (ValidationMessage message : jsonSchemas.get(key).validate(manifest)) {
            problems.add(message.getMessage());
        }
        unknownFields(openApi, manifest, "", true, problems);
        metadata(manifest, problems);
        return problems;
    }

    /**
     * Walks the manifest beside its schema. An object field is known when the schema declares it under
     * properties, or the schema is a map (additionalProperties) or keeps unknown fields on purpose.
     */
    static void unknownFields(JsonNode schema, JsonNode node, String path, boolean root, List<String> problems) {
        if (node.isObject()) {
            JsonNode properties = schema.path("properties");
            JsonNode additional = schema.get("additionalProperties");
            boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String name = field.getKey();
                String fieldPath = path.isEmpty() ? name : path + "." + name;
                if (root && ROOT_FIELDS.contains(name)) {
                    continue;
                }
                if (properties.has(name)) {
                    unknownFields(properties.get(name), field.getValue(), fieldPath, false, problems);
                } else if (additional != null && additional.isObject()) {
                    unknownFields(additional, field.getValue(), fieldPath, false, problems);
                } else if (!preserve && (additional == null || !additional.asBoolean(false))) {
                    problems.add("unknown field \"" + fieldPath + "\" (the schema declares "
                            + fieldNames(properties) + ")");
                }
            }
        } else if (node.isArray() && schema.has("items")) {
            int i = 0;
            for (JsonNode item : node) {
                unknownFields(schema.get("items"), item, path + "[" + i++ + "]", false, problems);
            }
        }
    }

    private static List<String> fieldNames(JsonNode properties) {
        List<String> names = new ArrayList<>();
        properties.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The parts of ObjectMeta the API server checks that matter for Floe resources. */
    static void metadata(JsonNode manifest, List<String> problems) {
        JsonNode metadata = manifest.path("metadata");
        String name = metadata.path("name").asText("");
        if (name.isEmpty()) {
            problems.add("metadata.name is missing");
        } else if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
            problems.add("metadata.name \"" + name + "\" is not a DNS-1123 subdomain (lower case, digits, '-', '.')");
        }
        metadata.path("labels").fields().forEachRemaining(label -> {
            if (!label.getValue().isTextual()) {
                problems.add("label " + label.getKey() + " must be a string");
            }
        });
        if ("Topic".equals(manifest.path("kind").asText())
                && metadata.path("labels").path(Labels.CLUSTER).asText("").isEmpty()) {
            problems.add("a Topic needs the label " + Labels.CLUSTER + " naming its Cluster");
        }
        if (manifest.has("status")) {
            problems.add("status is written by the operator; a manifest should not carry one");
        }
    }
}
