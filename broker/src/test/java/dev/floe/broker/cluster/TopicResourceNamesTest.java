package dev.floe.broker.cluster;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicResourceNamesTest {

    @Test
    void kafkaNamesThatAreValidObjectNamesAreKept() {
        assertThat(TopicResourceNames.objectName("orders")).isEqualTo("orders");
        assertThat(TopicResourceNames.objectName("orders.v2-eu")).isEqualTo("orders.v2-eu");
    }

    @Test
    void otherNamesGetAReadableFormAndAHashSoTheyCannotCollide() {
        String upper = TopicResourceNames.objectName("Orders_V2");
        assertThat(upper).startsWith("orders-v2-").matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
        assertThat(upper).isNotEqualTo(TopicResourceNames.objectName("orders-v2"))
                .isNotEqualTo(TopicResourceNames.objectName("ORDERS_V2"));
        assertThat(TopicResourceNames.objectName("__consumer_offsets")).startsWith("consumer-offsets-");
        assertThat(TopicResourceNames.objectName("___")).startsWith("topic-");
        assertThat(TopicResourceNames.objectName("a".repeat(249).toUpperCase()).length()).isLessThanOrEqualTo(253);
    }

    @Test
    void brokerIdIsTheStatefulSetOrdinal() {
        assertThat(PodIdentity.brokerId("events-broker-0")).isZero();
        assertThat(PodIdentity.brokerId("events-broker-12")).isEqualTo(12);
        assertThatThrownBy(() -> PodIdentity.brokerId("floe")).hasMessageContaining("FLOE_POD_NAME");
        assertThatThrownBy(() -> PodIdentity.brokerId("broker-x")).hasMessageContaining("ordinal");
    }
}
