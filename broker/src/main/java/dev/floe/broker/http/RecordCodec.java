package dev.floe.broker.http;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.Record;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Records between JSON and bytes. On the way in, key and value are UTF-8 strings by default, any JSON value with
 * {@code "valueEncoding": "json"}, or bytes with {@code "base64"}. On the way out, bytes that are valid UTF-8 are
 * strings, anything else base64 with an {@code Encoding} marker, so binary data round-trips.
 */
final class RecordCodec {
    /** A record to produce, decoded from JSON. */
    record Incoming(byte[] key, byte[] value, List<Header> headers, Integer partition, Long timestamp) {
    }

    private RecordCodec() {
    }

    static Incoming decode(JsonObject json) {
        try {
            return decodeFields(json);
        } catch (ClassCastException e) {
            throw Problem.badRequest("a record field has the wrong type: encodings are strings, partition and timestamp"
                    + " numbers");
        }
    }

    private static Incoming decodeFields(JsonObject json) {
        if (!json.containsKey("value")) {
            throw Problem.badRequest("a record needs a \"value\" (null for a tombstone)");
        }
        byte[] key = bytes(json, "key", json.getString("keyEncoding", "string"));
        byte[] value = bytes(json, "value", json.getString("valueEncoding", "string"));
        List<Header> headers = new ArrayList<>();
        Object h = json.getValue("headers");
        if (h instanceof JsonObject map) {
            map.forEach(e -> headers.add(new RecordHeader(e.getKey(), e.getValue() == null ? null
                    : String.valueOf(e.getValue()).getBytes(StandardCharsets.UTF_8))));
        } else if (h instanceof JsonArray list) {
            for (Object o : list) {
                if (!(o instanceof JsonObject entry) || entry.getString("key") == null) {
                    throw Problem.badRequest("each header needs a \"key\" and a \"value\"");
                }
                headers.add(new RecordHeader(entry.getString("key"), bytes(entry, "value", entry.getString("valueEncoding", "string"))));
            }
        } else if (h != null) {
            throw Problem.badRequest("\"headers\" must be an object or an array of {key, value}");
        }
        Integer partition = json.getInteger("partition");
        Long timestamp = json.getLong("timestamp");
        return new Incoming(key, value, headers, partition, timestamp);
    }

    static Incoming decode(String line) {
        try {
            return decode(new JsonObject(line));
        } catch (DecodeException | ClassCastException e) {
            throw Problem.badRequest("not a JSON object: " + e.getMessage());
        }
    }

    private static byte[] bytes(JsonObject json, String field, String encoding) {
        if (!json.containsKey(field) || json.getValue(field) == null) {
            return null;
        }
        Object v = json.getValue(field);
        switch (encoding) {
            case "string" -> {
                if (!(v instanceof String s)) {
                    throw Problem.badRequest("\"" + field + "\" must be a string, or set \"" + field
                            + "Encoding\" to \"json\" or \"base64\"");
                }
                return s.getBytes(StandardCharsets.UTF_8);
            }
            case "json" -> {
                return Json.encode(v).getBytes(StandardCharsets.UTF_8);
            }
            case "base64" -> {
                try {
                    return Base64.getDecoder().decode(String.valueOf(v));
                } catch (IllegalArgumentException e) {
                    throw Problem.badRequest("\"" + field + "\" is not valid base64: " + e.getMessage());
                }
            }
            default -> throw Problem.badRequest("unknown " + field + "Encoding '" + encoding
                    + "': use string, json or base64");
        }
    }

    static JsonObject encode(String topic, int partition, long timestamp, Record record) {
        JsonObject json = new JsonObject().put("topic", topic).put("partition", partition).put("offset", record.offset())
                .put("timestamp", timestamp);
        put(json, "key", record.hasKey() ? record.key() : null);
        put(json, "value", record.hasValue() ? record.value() : null);
        JsonArray headers = new JsonArray();
        for (Header h : record.headers()) {
            JsonObject hj = new JsonObject().put("key", h.key());
            put(hj, "value", h.value() == null ? null : ByteBuffer.wrap(h.value()));
            headers.add(hj);
        }
        return json.put("headers", headers);
    }

    private static void put(JsonObject json, String field, ByteBuffer bytes) {
        if (bytes == null) {
            json.putNull(field);
            return;
        }
        byte[] raw = new byte[bytes.remaining()];
        bytes.duplicate().get(raw);
        try {
            CharBuffer text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw));
            json.put(field, text.toString());
        } catch (CharacterCodingException e) {
            json.put(field, Base64.getEncoder().encodeToString(raw)).put(field + "Encoding", "base64");
        }
    }
}
