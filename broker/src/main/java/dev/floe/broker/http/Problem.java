package dev.floe.broker.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.apache.kafka.common.protocol.Errors;

/** Errors as RFC 9457 problem details, with the Kafka error name where one applies. */
final class Problem extends RuntimeException {
    private final int status;
    private final String title;
    private final Errors kafkaError;

    Problem(int status, String title, String detail, Errors kafkaError) {
        super(detail);
        this.status = status;
        this.title = title;
        this.kafkaError = kafkaError;
    }

    static Problem badRequest(String detail) {
        return new Problem(400, "Bad request", detail, null);
    }

    static Problem notFound(String detail, Errors error) {
        return new Problem(404, "Not found", detail, error);
    }

    /** The HTTP status a Kafka error maps to. */
    static Problem of(Errors error, String detail) {
        int status = switch (error) {
            case UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, GROUP_ID_NOT_FOUND -> 404;
            case TOPIC_ALREADY_EXISTS -> 409;
            case INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_CONFIG,
                 INVALID_RECORD, CORRUPT_MESSAGE, OFFSET_OUT_OF_RANGE -> 400;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE -> 413;
            case KAFKA_STORAGE_ERROR, NOT_LEADER_OR_FOLLOWER, COORDINATOR_NOT_AVAILABLE -> 503;
            default -> 500;
        };
        return new Problem(status, error.name(), detail == null ? error.message() : detail, error);
    }

    int status() {
        return status;
    }

    JsonObject toJson(String instance) {
        JsonObject json = new JsonObject()
                .put("type", "about:blank")
                .put("title", title)
                .put("status", status)
                .put("detail", getMessage())
                .put("instance", instance);
        if (kafkaError != null) {
            json.put("kafkaError", kafkaError.name());
        }
        return json;
    }

    void send(RoutingContext ctx) {
        if (ctx.response().headWritten()) {
            ctx.response().end();
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/problem+json")
                .end(toJson(ctx.request().path()).encode());
    }
}
