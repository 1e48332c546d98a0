package dev.floe.e2e;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Headless Chromium on a page of another origin tails a topic with the browser's own EventSource: what the SSE
 * endpoint and the CORS headers are for, and what no Java HTTP client can stand in for (the browser enforces CORS
 * and reconnects with Last-Event-ID by itself).
 */
class BrowserEventSourceIT extends BrokerPerClass {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Reports each event to the page's own origin, one at a time so the reports arrive in the order seen. */
    private static final String PAGE = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>waiting</title></head>
            <body><ol id="records"></ol>
            <script>
            let seq = 0;
            let chain = Promise.resolve();
            function report(fields) {
              const body = new URLSearchParams({seq: String(seq++), ...fields});
              chain = chain.then(() => fetch('/report', {method: 'POST', body})).catch(() => {});
            }
            let received = 0;
            const source = new EventSource(STREAM_URL);
            source.onopen = () => report({kind: 'open'});
            source.onerror = () => report({kind: 'error', readyState: String(source.readyState)});
            source.addEventListener('record', event => {
              const record = JSON.parse(event.data);
              const item = document.createElement('li');
              item.textContent = record.value;
              document.getElementById('records').appendChild(item);
              document.title = 'received ' + (++received);
              const header = record.headers.map(h => h.key + '=' + h.value).join(',');
              report({kind: 'record', id: event.lastEventId, offset: String(record.offset), key: record.key,
                      value: record.value, header, title: document.title,
                      items: String(document.getElementById('records').children.length)});
            });
            </script>
            </body></html>
            """;

    @Test
    void aPageOnAnotherOriginReceivesExactlyTheProducedRecordsInOrder() throws Exception {
        String topic = createTopic();
        try (PageServer page = new PageServer(page(topic)); Chromium browser = Chromium.open(page.pageUrl(), workDir())) {
            page.next("open", WAIT, browser);
            produce(topic, 0, 5);
            for (int i = 0; i < 5; i++) {
                assertRecord(page.next("record", WAIT, browser), i);
            }
            assertThat(page.drain(Duration.ofSeconds(1))).as("nothing after the produced records")
                    .noneMatch(r -> "record".equals(r.kind()));
        }
    }

    @Test
    void theBrowserResumesAcrossABrokerRestartWithNoGapAndNoDuplicate() throws Exception {
        String topic = createTopic();
        try (PageServer page = new PageServer(page(topic)); Chromium browser = Chromium.open(page.pageUrl(), workDir())) {
            page.next("open", WAIT, browser);
            produce(topic, 0, 3);
            for (int i = 0; i < 3; i++) {
                assertRecord(page.next("record", WAIT, browser), i);
            }
            broker.stop();
            assertThat(page.next("error", WAIT, browser).get("readyState")).as("EventSource is reconnecting").isEqualTo("0");
            broker.start();
            // Likely written before the browser is back: it must ask for them with Last-Event-ID, not skip them.
            produce(topic, 3, 6);
            page.next("open", WAIT, browser);
            for (int i = 3; i < 6; i++) {
                assertRecord(page.next("record", WAIT, browser), i);
            }
            assertThat(page.drain(Duration.ofSeconds(1))).as("no record twice").noneMatch(r -> "record".equals(r.kind()));
        }
    }

    private static void assertRecord(PageServer.Report report, int i) {
        assertThat(report.get("offset")).as("offset of record %d", i).isEqualTo(Integer.toString(i));
        assertThat(report.get("id")).as("event id: the position after record %d", i).isEqualTo("0:" + (i + 1));
        assertThat(report.get("key")).isEqualTo("k" + i);
        assertThat(report.get("value")).isEqualTo(value(i));
        assertThat(report.get("header")).isEqualTo("seq=" + i);
        assertThat(report.get("title")).as("document.title").isEqualTo("received " + (i + 1));
        assertThat(report.get("items")).as("list items in the DOM").isEqualTo(Integer.toString(i + 1));
    }

    /** Not ASCII, so a wrong charset anywhere between log and DOM shows. */
    private static String value(int i) {
        return "reading " + i + ": 21.5 °C, grüße ✓";
    }

    private String page(String topic) {
        String stream = "http://127.0.0.1:" + broker.httpPort() + "/v1/topics/" + topic + "/events?from=beginning";
        return PAGE.replace("STREAM_URL", "'" + stream + "'");
    }

    private java.nio.file.Path workDir() {
        return broker.dataDir().getParent();
    }

    private String createTopic() throws Exception {
        String topic = unique("browser");
        HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + broker.httpPort() + "/v1/topics"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"" + topic + "\", \"partitions\": 1}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return topic;
    }

    private void produce(String topic, int from, int to) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (int i = from; i < to; i++) {
                producer.send(new ProducerRecord<>(topic, null, "k" + i, value(i),
                        List.of(new RecordHeader("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8)))))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }
}
