package dev.floe.broker.network;

import dev.floe.broker.protocol.RequestDecoder;
import dev.floe.broker.protocol.RequestDispatcher;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.impl.NetSocketInternal;
import org.jboss.logging.Logger;

import java.util.concurrent.TimeUnit;

/**
 * The Kafka protocol listener: one Vert.x NetServer per event loop on the same port, so connections spread
 * over the loops.
 */
public final class KafkaListener {
    private static final Logger LOG = Logger.getLogger(KafkaListener.class);
    private final Vertx vertx;
    private final RequestDispatcher dispatcher;
    private final ConnectionStats stats;
    private String deploymentId;

    public KafkaListener(Vertx vertx, RequestDispatcher dispatcher, MeterRegistry registry) {
        this.vertx = vertx;
        this.dispatcher = dispatcher;
        this.stats = new ConnectionStats(registry);
    }

    public void start(String host, int port, int maxFrameBytes, int maxInFlight, int instances) throws Exception {
        RequestDecoder decoder = new RequestDecoder(dispatcher.apis());
        NetServerOptions options = new NetServerOptions().setHost(host).setPort(port).setTcpNoDelay(true)
                .setReuseAddress(true);
        deploymentId = vertx.deployVerticle(() -> new AbstractVerticle() {
            @Override
            public void start(Promise<Void> started) {
                vertx.createNetServer(options)
                        .connectHandler(socket -> new KafkaConnection((NetSocketInternal) socket, decoder, dispatcher,
                                stats, maxFrameBytes, maxInFlight))
                        .listen()
                        .<Void>mapEmpty()
                        .onComplete(started);
            }
        }, new DeploymentOptions().setInstances(instances)).toCompletionStage().toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        LOG.infof("Kafka listener on %s:%d (%d event loops)", host, port, instances);
    }

    public void stop() {
        if (deploymentId != null) {
            try {
                vertx.undeploy(deploymentId).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warnf("Kafka listener did not stop cleanly: %s", e.getMessage());
            }
        }
    }
}
