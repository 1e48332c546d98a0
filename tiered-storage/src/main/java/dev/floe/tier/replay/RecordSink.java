package dev.floe.tier.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Where replayed records go: NDJSON on stdout, or a topic on a Kafka-compatible cluster. */
interface RecordSink extends AutoCloseable {

    void accept(String topic, int partition, long timestamp, Record record);

    @Override
    void close();

    static RecordSink ndjson(PrintStream out) {
        ObjectMapper json = new ObjectMapper();
        return new RecordSink() {
            @Override
            public void accept(String topic, int partition, long timestamp, Record record) {
                ObjectNode node = json.createObjectNode();
                node.put("topic", topic).put("partition", partition).put("offset", record.offset()).put("timestamp", timestamp);
                putBytes(node, "key", record.hasKey() ? record.key() : null);
                putBytes(node, "value", record.hasValue() ? record.value() : null);
                ArrayNode headers = node.putArray("headers");
                for (Header h : record.headers()) {
                    ObjectNode hn = headers.addObject().put("key", h.key());
                    putBytes(hn, "value", h.value() == null ? null : ByteBuffer.wrap(h.value()));
                }
                out.println(node);
            }

            @Override
            public void close() {
                out.flush();
            }
        };
    }

    /** Text when the bytes are valid UTF-8, else base64 with an "<field>Encoding": "base64" marker. */
    private static void putBytes(ObjectNode node, String field, ByteBuffer bytes) {
        if (bytes == null) {
            node.putNull(field);
            return;
        }
        byte[] raw = new byte[bytes.remaining()];
        bytes.duplicate().get(raw);
        try {
            CharBuffer text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw));
            node.put(field, text.toString());
        } catch (CharacterCodingException e) {
            node.put(field, Base64.getEncoder().encodeToString(raw));
            node.put(field + "Encoding", "base64");
        }
    }

    static RecordSink produceTo(String targetTopic, String bootstrapServers) {
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), new ByteArraySerializer(), new ByteArraySerializer());
        return new RecordSink() {
            @Override
            public void accept(String topic, int partition, long timestamp, Record record) {
                List<Header> headers = new ArrayList<>();
                for (Header h : record.headers()) {
                    headers.add(new RecordHeader(h.key(), h.value()));
                }
                producer.send(new ProducerRecord<>(targetTopic, null, timestamp, bytes(record.hasKey() ? record.key() : null),
                        bytes(record.hasValue() ? record.value() : null), headers));
            }

            @Override
            public void close() {
                producer.flush();
                producer.close();
            }
        };
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
