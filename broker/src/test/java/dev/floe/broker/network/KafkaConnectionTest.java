package dev.floe.broker.network;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestDispatcher;
import dev.floe.broker.protocol.SupportedApis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A real Kafka listener on a Vert.x event loop, driven over a plain socket. */
class KafkaConnectionTest {
    private final Vertx vertx = Vertx.vertx();
    private KafkaListener listener;

    @AfterEach
    void stop() throws Exception {
        if (listener != null) {
            listener.stop();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private int startListener(int maxInFlight) throws Exception {
        ApiHandler<ApiVersionsRequestData> apiVersions = (ctx, req) ->
                CompletableFuture.completedFuture(new ApiVersionsResponseData());
        SupportedApis apis = new SupportedApis().register(ApiKeys.API_VERSIONS, 0, 3, apiVersions);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        listener = new KafkaListener(vertx, new RequestDispatcher(apis, registry), registry);
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        listener.start("127.0.0.1", port, 1 << 20, maxInFlight, 1);
        return port;
    }

    private static void send(DataOutputStream out, int correlationId) throws Exception {
        ByteBuffer request = new ApiVersionsRequest.Builder().build((short) 3)
                .serializeWithHeader(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "test", correlationId));
        out.writeInt(request.remaining());
        out.write(request.array(), request.arrayOffset() + request.position(), request.remaining());
        out.flush();
    }

    /** The correlation id of the next response (ApiVersions responses use header v0: it comes first). */
    private static int receive(DataInputStream in) throws Exception {
        byte[] frame = new byte[in.readInt()];
        in.readFully(frame);
        return ByteBuffer.wrap(frame).getInt();
    }

    @Test
    void withOneRequestInFlightPerConnectionReadingResumesAfterEachResponse() throws Exception {
        // Issue 10: FLOE_MAX_IN_FLIGHT_PER_CONNECTION=1 paused the connection after the first request and never
        // resumed it (resume waited for fewer than maxInFlight / 2 = 0 requests in flight).
        int port = startListener(1);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            for (int i = 1; i <= 5; i++) {
                send(out, i);
                assertThat(receive(in)).as("response to request %d", i).isEqualTo(i);
            }
        }
    }

    @Test
    void pipelinedRequestsBeyondTheInFlightLimitAreAllAnsweredInOrder() throws Exception {
        int port = startListener(2);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            for (int i = 1; i <= 20; i++) {
                send(out, i);
            }
            for (int i = 1; i <= 20; i++) {
                assertThat(receive(in)).isEqualTo(i);
            }
        }
    }
}
