package dev.floe.broker.kafka;

import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raw bytes on the Kafka port: each bad connection is closed or answered with an error, and a real client on
 * another connection keeps working after every one.
 */
@QuarkusTest
class BadInputTest {

    private static Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", 19092);
        socket.setSoTimeout(10000);
        return socket;
    }

    /** True when the broker closed the connection without answering. */
    private static boolean closedWithoutAnswer(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() == -1;
        } catch (SocketException e) {
            return true;
        }
    }

    private static void assertBrokerStillServes() throws Exception {
        try (Admin admin = KafkaClients.admin()) {
            assertThat(admin.describeCluster().clusterId().get(20, TimeUnit.SECONDS)).isNotBlank();
        }
    }

    @Test
    void oversizedFrameIsRefused() throws Exception {
        try (Socket socket = connect()) {
            new DataOutputStream(socket.getOutputStream()).writeInt(1 << 30);
            assertThat(closedWithoutAnswer(socket)).isTrue();
        }
        assertBrokerStillServes();
    }

    @Test
    void randomGarbageIsRefused() throws Exception {
        Random random = new Random(42);
        for (int i = 0; i < 20; i++) {
            byte[] body = new byte[10 + random.nextInt(200)];
            random.nextBytes(body);
            try (Socket socket = connect()) {
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                out.writeInt(body.length);
                out.write(body);
                out.flush();
                assertThat(closedWithoutAnswer(socket)).as("garbage frame %d", i).isTrue();
            }
        }
        assertBrokerStillServes();
    }

    @Test
    void truncatedFrameDoesNotDisturbOthers() throws Exception {
        try (Socket socket = connect()) {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(100);
            out.write(new byte[10]);
            out.flush();
            assertBrokerStillServes();
        }
        assertBrokerStillServes();
    }

    @Test
    void unknownApiKeyIsRefused() throws Exception {
        try (Socket socket = connect()) {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            ByteBuffer frame = ByteBuffer.allocate(14).putShort((short) 9999).putShort((short) 0).putInt(7)
                    .putShort((short) -1).putInt(0);
            out.writeInt(frame.capacity());
            out.write(frame.array());
            out.flush();
            assertThat(closedWithoutAnswer(socket)).isTrue();
        }
        assertBrokerStillServes();
    }

    @Test
    void tooNewApiVersionsGetsUnsupportedVersionAndTheListOfVersions() throws Exception {
        try (Socket socket = connect()) {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            // ApiVersions v127: header v2 (api key, version, correlation id, client id, no tagged fields), empty body.
            ByteBuffer frame = ByteBuffer.allocate(11).putShort((short) 18).putShort((short) 127).putInt(42)
                    .putShort((short) -1).put((byte) 0);
            out.writeInt(frame.capacity());
            out.write(frame.array());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int size = in.readInt();
            assertThat(size).isGreaterThan(6);
            assertThat(in.readInt()).as("correlation id").isEqualTo(42);
            assertThat(in.readShort()).as("error code UNSUPPORTED_VERSION").isEqualTo((short) 35);
            int apiCount = in.readInt();
            assertThat(apiCount).isGreaterThan(10);
        } catch (EOFException e) {
            throw new AssertionError("broker closed instead of answering ApiVersions with UNSUPPORTED_VERSION", e);
        }
        assertBrokerStillServes();
    }

    @Test
    void unsupportedVersionOfAnotherApiIsRefused() throws Exception {
        try (Socket socket = connect()) {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            ByteBuffer frame = ByteBuffer.allocate(11).putShort((short) 3).putShort((short) 99).putInt(1)
                    .putShort((short) -1).put((byte) 0);
            out.writeInt(frame.capacity());
            out.write(frame.array());
            out.flush();
            assertThat(closedWithoutAnswer(socket)).isTrue();
        }
        assertBrokerStillServes();
    }
}
