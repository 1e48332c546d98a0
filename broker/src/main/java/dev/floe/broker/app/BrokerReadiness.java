package dev.floe.broker.app;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the logs are open and the Kafka listener accepts connections. */
@Readiness
@ApplicationScoped
public class BrokerReadiness implements HealthCheck {
    @Inject
    Broker broker;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("kafka-listener").status(broker.isReady()).build();
    }
}
