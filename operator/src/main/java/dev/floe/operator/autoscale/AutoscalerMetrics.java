package dev.floe.operator.autoscale;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The autoscaler at /q/metrics: {@code floe_operator_autoscaler_desired_brokers{namespace,cluster}},
 * {@code floe_operator_autoscaler_decisions_total{namespace,cluster,direction=out|in}} and
 * {@code floe_operator_autoscaler_scrape_failures_total{namespace,cluster}}.
 */
final class AutoscalerMetrics {
    private final MeterRegistry registry;
    private final Map<Tags, AtomicInteger> desired = new ConcurrentHashMap<>();

    AutoscalerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void desired(String namespace, String cluster, int brokers) {
        Tags tags = Tags.of("namespace", namespace, "cluster", cluster);
        desired.computeIfAbsent(tags, t -> {
            AtomicInteger value = new AtomicInteger();
            Gauge.builder("floe.operator.autoscaler.desired.brokers", value, AtomicInteger::get).tags(t)
                    .description("Brokers the autoscaler wants for the cluster").register(registry);
            return value;
        }).set(brokers);
    }

    void decided(String namespace, String cluster, Decision.Direction direction) {
        registry.counter("floe.operator.autoscaler.decisions", "namespace", namespace, "cluster", cluster,
                "direction", direction.name().toLowerCase()).increment();
    }

    void scrapeFailed(String namespace, String cluster) {
        registry.counter("floe.operator.autoscaler.scrape.failures", "namespace", namespace, "cluster", cluster)
                .increment();
    }

    /** Autoscaling was switched off or the Cluster deleted: its gauge goes. */
    void forget(String namespace, String cluster) {
        Tags tags = Tags.of("namespace", namespace, "cluster", cluster);
        if (desired.remove(tags) != null) {
            registry.find("floe.operator.autoscaler.desired.brokers").tags(tags).meters().forEach(registry::remove);
        }
    }
}
