package dev.floe.crds.cluster;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

public class ListenersSpec {
    @Min(1)
    @Max(65535)
    @Default("9092")
    @JsonPropertyDescription("Kafka protocol port of every broker and of the bootstrap Service.")
    private int kafka = 9092;

    @Min(1)
    @Max(65535)
    @Default("8080")
    @JsonPropertyDescription("HTTP API, metrics and health port.")
    private int http = 8080;

    public int getKafka() {
        return kafka;
    }

    public void setKafka(int kafka) {
        this.kafka = kafka;
    }

    public int getHttp() {
        return http;
    }

    public void setHttp(int http) {
        this.http = http;
    }
}
