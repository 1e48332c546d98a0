package dev.floe.broker.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.floe.broker.kafka.KafkaClients;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP API with a real HTTP client, checked against real Kafka clients on the same broker. */
@QuarkusTest
class HttpApiTest {
    static final String BASE = "http://127.0.0.1:18080/v1";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(BASE + path)).timeout(Duration.ofSeconds(60));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String createTopic(int partitions) throws Exception {
        String name = "h-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> created = send("POST", "/topics", new JsonObject().put("name", name).put("partitions", partitions).encode());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return name;
    }

    @Test
    void httpRecordsReachKafkaConsumersWhereTheJavaProducerWouldPutThem() throws Exception {
        String topic = createTopic(4);
        JsonArray records = new JsonArray();
        for (int i = 0; i < 20; i++) {
            records.add(new JsonObject().put("key", "user-" + i).put("value", "{\"n\":" + i + "}")
                    .put("headers", new JsonArray().add(new JsonObject().put("key", "source").put("value", "http"))));
        }
        records.add(new JsonObject().put("key", "bin").put("value", "AAEC/w==").put("valueEncoding", "base64"));
        HttpResponse<String> produced = send("POST", "/topics/" + topic + "/records", new JsonObject().put("records", records).encode());
        assertThat(produced.statusCode()).as(produced.body()).isEqualTo(200);
        JsonArray results = new JsonObject(produced.body()).getJsonArray("results");
        assertThat(results).hasSize(21);
        for (int i = 0; i < 20; i++) {
            int expected = Utils.toPositive(Utils.murmur2(("user-" + i).getBytes(StandardCharsets.UTF_8))) % 4;
            assertThat(results.getJsonObject(i).getInteger("partition")).as("partition of user-%d", i).isEqualTo(expected);
        }
        List<ConsumerRecord<String, String>> read = KafkaClients.readAll(
                IntStream.range(0, 4).mapToObj(p -> new TopicPartition(topic, p)).toList(), 21);
        assertThat(read).hasSize(21);
        for (ConsumerRecord<String, String> r : read) {
            if (r.key().equals("bin")) {
                continue;
            }
            int i = Integer.parseInt(r.key().substring("user-".length()));
            assertThat(r.value()).isEqualTo("{\"n\":" + i + "}");
            assertThat(new String(r.headers().lastHeader("source").value(), StandardCharsets.UTF_8)).isEqualTo("http");
            assertThat(r.partition()).isEqualTo(results.getJsonObject(i).getInteger("partition"));
            assertThat(r.offset()).isEqualTo(results.getJsonObject(i).getLong("offset"));
        }
    }

    @Test
    void kafkaRecordsReadOverHttpWithKeysHeadersAndBinary() throws Exception {
        String topic = createTopic(1);
        try (KafkaProducer<String, String> producer = KafkaClients.producer(Map.of())) {
            producer.send(new ProducerRecord<>(topic, 0, 1_000L, "k1", "hello",
                    List.of(new RecordHeader("h", "v".getBytes(StandardCharsets.UTF_8))))).get(20, TimeUnit.SECONDS);
        }
        JsonObject page = new JsonObject(send("GET", "/topics/" + topic + "/partitions/0/records?offset=0", null).body());
        JsonObject record = page.getJsonArray("records").getJsonObject(0);
        assertThat(record.getString("key")).isEqualTo("k1");
        assertThat(record.getString("value")).isEqualTo("hello");
        assertThat(record.getLong("timestamp")).isEqualTo(1_000L);
        assertThat(record.getJsonArray("headers").getJsonObject(0).getString("value")).isEqualTo("v");
        assertThat(page.getLong("nextOffset")).isEqualTo(1);
    }

    @Test
    void readingFromATimestampStartsAtTheFirstRecordAtOrAfterIt() throws Exception {
        String topic = createTopic(1);
        JsonArray records = new JsonArray();
        for (int i = 0; i < 50; i++) {
            records.add(new JsonObject().put("value", "v" + i).put("timestamp", 10_000L + i * 100).put("partition", 0));
        }
        assertThat(send("POST", "/topics/" + topic + "/records", new JsonObject().put("records", records).encode()).statusCode()).isEqualTo(200);
        JsonObject page = new JsonObject(send("GET", "/topics/" + topic + "/partitions/0/records?timestamp=12050&limit=3", null).body());
        assertThat(page.getJsonArray("records").getJsonObject(0).getLong("offset")).isEqualTo(21);
        assertThat(page.getJsonArray("records").getJsonObject(0).getLong("timestamp")).isEqualTo(12_100);
        assertThat(page.getJsonArray("records")).hasSize(3);
    }

    @Test
    void aLongPollReturnsWhenARecordArrives() throws Exception {
        String topic = createTopic(1);
        var pending = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(BASE + "/topics/" + topic
                + "/partitions/0/records?offset=0&waitMs=30000")).build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        assertThat(pending.isDone()).as("the read waits for data").isFalse();
        send("POST", "/topics/" + topic + "/records", new JsonObject().put("value", "late").encode());
        JsonObject page = new JsonObject(pending.get(20, TimeUnit.SECONDS).body());
        assertThat(page.getJsonArray("records").getJsonObject(0).getString("value")).isEqualTo("late");
    }

    @Test
    void tenThousandStreamedRecordsGetTenThousandInOrderResults() throws Exception {
        String topic = createTopic(3);
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            body.append(new JsonObject().put("key", "k" + (i % 97)).put("value", "line-" + i).encode()).append('\n');
        }
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(BASE + "/topics/" + topic + "/records/stream"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> lines = response.body().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).hasSize(10_000);
        Map<Integer, Long> lastOffset = new java.util.HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            JsonObject result = new JsonObject(lines.get(i));
            int expected = Utils.toPositive(Utils.murmur2(("k" + (i % 97)).getBytes(StandardCharsets.UTF_8))) % 3;
            assertThat(result.getInteger("partition")).as("result %d", i).isEqualTo(expected);
            long offset = result.getLong("offset");
            Long previous = lastOffset.put(expected, offset);
            assertThat(previous == null || offset == previous + 1).as("offsets in order within partition %d", expected).isTrue();
        }
    }

    @Test
    void badInputGetsProblemDetails() throws Exception {
        String topic = createTopic(1);
        HttpResponse<String> badJson = send("POST", "/topics/" + topic + "/records", "{not json");
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(badJson.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        HttpResponse<String> badBase64 = send("POST", "/topics/" + topic + "/records",
                new JsonObject().put("value", "%%%").put("valueEncoding", "base64").encode());
        assertThat(badBase64.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(badBase64.body()).getString("detail")).contains("base64");
        HttpResponse<String> unknown = send("GET", "/topics/nope-" + UUID.randomUUID() + "/partitions/0/records?offset=0", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(unknown.body()).getString("kafkaError")).isEqualTo("UNKNOWN_TOPIC_OR_PARTITION");
        HttpResponse<String> badOffset = send("GET", "/topics/" + topic + "/partitions/0/records?offset=999", null);
        assertThat(badOffset.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(badOffset.body()).getString("kafkaError")).isEqualTo("OFFSET_OUT_OF_RANGE");
        HttpResponse<String> badName = send("POST", "/topics", new JsonObject().put("name", "bad name!").encode());
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(badName.body()).getString("kafkaError")).isEqualTo("INVALID_TOPIC_EXCEPTION");

        HttpResponse<String> noRoute = send("GET", "/nothing/here", null);
        assertThat(noRoute.statusCode()).isEqualTo(404);
        assertThat(noRoute.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(new JsonObject(noRoute.body()).getString("detail")).contains("/v1/openapi.json");
        HttpResponse<String> wrongMethod = send("PUT", "/topics/" + topic, "{}");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("DELETE, GET");
        assertThat(wrongMethod.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    @Test
    void malformedBodiesAreTheClientsMistakeNotAServerError() throws Exception {
        String topic = createTopic(1);
        record Bad(String path, String body) {
        }
        List<Bad> bad = List.of(
                new Bad("/topics", "{not json"),
                new Bad("/topics", "{\"name\": \"x\", \"partitions\": \"three\"}"),
                new Bad("/topics", "[1, 2]"),
                new Bad("/topics/" + topic + "/records", "{\"records\": 5}"),
                new Bad("/topics/" + topic + "/records", "{\"value\": \"v\", \"partition\": \"zero\"}"),
                new Bad("/groups/g/offsets", "{\"offsets\": [{\"topic\": \"t\", \"partition\": \"0\", \"offset\": 1}]}"),
                new Bad("/groups/g/offsets", "not json"));
        for (Bad b : bad) {
            HttpResponse<String> response = send("POST", b.path(), b.body());
            assertThat(response.statusCode()).as("%s <- %s: %s", b.path(), b.body(), response.body()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        }
    }

    @Test
    void theOpenApiDocumentDescribesExactlyTheRegisteredRoutes() throws Exception {
        HttpResponse<String> response = send("GET", "/openapi.json", null);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode doc = new ObjectMapper().readTree(response.body());
        assertThat(doc.path("openapi").asText()).startsWith("3.0.");
        Set<String> documented = new TreeSet<>();
        Set<String> verbs = Set.of("get", "post", "put", "patch", "delete", "head", "options");
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(field -> {
            if (verbs.contains(field)) {
                documented.add(field.toUpperCase() + " " + path.getKey());
                assertPathParametersDeclared(doc, path.getKey(), path.getValue(), path.getValue().get(field));
            }
        }));
        assertThat(RegisteredRoutes.v1()).as("routes registered by HttpApi").hasSizeGreaterThanOrEqualTo(10);
        assertThat(documented).as("operations in /v1/openapi.json").isEqualTo(RegisteredRoutes.v1());
    }

    /** Each {name} in a documented path must be a declared path parameter, or clients generated from it break. */
    private static void assertPathParametersDeclared(JsonNode doc, String path, JsonNode pathItem, JsonNode operation) {
        Set<String> declared = new HashSet<>();
        for (JsonNode list : List.of(pathItem.path("parameters"), operation.path("parameters"))) {
            for (JsonNode parameter : list) {
                JsonNode p = parameter.has("$ref") ? doc.at(parameter.get("$ref").asText().substring(1)) : parameter;
                if (p.path("in").asText().equals("path")) {
                    declared.add(p.path("name").asText());
                }
            }
        }
        Set<String> inPath = new HashSet<>();
        Matcher m = Pattern.compile("\\{([^}]+)}").matcher(path);
        while (m.find()) {
            inPath.add(m.group(1));
        }
        assertThat(declared).as("path parameters of %s", path).isEqualTo(inPath);
    }

    @Test
    void pagesOnOtherOriginsMayCallTheApi() throws Exception {
        String topic = createTopic(1);
        HttpResponse<String> preflight = HTTP.send(HttpRequest.newBuilder(URI.create(BASE + "/topics/" + topic + "/records"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://page.example:3000")
                .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "content-type")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).hasValueSatisfying(v -> assertThat(v).contains("POST", "DELETE"));
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers")).hasValueSatisfying(v -> assertThat(v).containsIgnoringCase("content-type"));
        for (String path : List.of("/topics", "/topics/nope-" + UUID.randomUUID(), "/openapi.json")) {
            HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create(BASE + path))
                    .header("Origin", "http://page.example:3000").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).as(path).hasValue("*");
        }
    }

    @Test
    void groupOffsetsCommittedOverHttpAreSeenByTheGroupsApi() throws Exception {
        String topic = createTopic(2);
        String group = "hg-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> commit = send("POST", "/groups/" + group + "/offsets", new JsonObject().put("offsets", new JsonArray()
                .add(new JsonObject().put("topic", topic).put("partition", 1).put("offset", 7))).encode());
        assertThat(commit.statusCode()).as(commit.body()).isEqualTo(200);
        JsonObject offsets = new JsonObject(send("GET", "/groups/" + group + "/offsets", null).body());
        assertThat(offsets.getJsonArray("offsets").getJsonObject(0).getLong("offset")).isEqualTo(7);
        try (var admin = KafkaClients.admin()) {
            var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(20, TimeUnit.SECONDS);
            assertThat(committed.get(new TopicPartition(topic, 1)).offset()).isEqualTo(7);
        }
    }

    @Test
    void sseResumesWithLastEventIdWithNoGapAndNoDuplicate() throws Exception {
        String topic = createTopic(3);
        produceValues(topic, 0, 30);
        Set<String> seen = new HashSet<>();
        List<String> order = new ArrayList<>();
        String lastId = readEvents(topic, null, 12, seen, order);
        assertThat(seen).hasSize(12);
        produceValues(topic, 30, 60);
        readEvents(topic, lastId, 48, seen, order);
        assertThat(order).as("no duplicate across the reconnect").doesNotHaveDuplicates();
        assertThat(seen).as("no gap: all 60 records").hasSize(60);
    }

    private static void produceValues(String topic, int from, int to) throws Exception {
        JsonArray records = new JsonArray();
        for (int i = from; i < to; i++) {
            records.add(new JsonObject().put("value", "e" + i));
        }
        assertThat(send("POST", "/topics/" + topic + "/records", new JsonObject().put("records", records).encode()).statusCode()).isEqualTo(200);
    }

    /** Read {@code count} SSE events, then disconnect; returns the id of the last event read. */
    private static String readEvents(String topic, String lastEventId, int count, Set<String> seen, List<String> order) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(BASE + "/topics/" + topic + "/events?from=beginning"))
                .header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        String id = null;
        int read = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while (read < count && (line = in.readLine()) != null) {
                if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("data: ")) {
                    JsonObject record = new JsonObject(line.substring(6));
                    String key = record.getInteger("partition") + ":" + record.getLong("offset");
                    seen.add(key);
                    order.add(key);
                    read++;
                }
            }
        }
        return id;
    }
}
