package dev.floe.e2e;

import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.RequestHeader;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * What librdkafka leaves behind when a consumer re-subscribes quickly: it sends JoinGroup with no member id, is
 * told MEMBER_ID_REQUIRED with an id, but has meanwhile moved on and never uses that id. Neither kcat (it
 * subscribes once) nor the Java consumer (it keeps the id across subscribe() calls) can be made to drop the id
 * on purpose, so this sends that first JoinGroup itself, with kafka-clients' message classes over a socket, and
 * drops the answer as librdkafka does.
 */
final class AbandonedJoin {
    private static final short VERSION = 5; // the first version with MEMBER_ID_REQUIRED; header v1, not flexible

    private AbandonedJoin() {
    }

    /** Sends the first JoinGroup of a consumer of {@code topic} in {@code group}; returns the id it never uses. */
    static String send(String bootstrap, String group, String topic) throws Exception {
        String[] hostPort = bootstrap.split(":");
        ByteBuffer metadata = ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(List.of(topic)));
        byte[] subscription = new byte[metadata.remaining()];
        metadata.get(subscription);
        JoinGroupRequestData data = new JoinGroupRequestData().setGroupId(group).setMemberId("")
                .setProtocolType("consumer").setSessionTimeoutMs(45_000).setRebalanceTimeoutMs(300_000);
        data.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(subscription));
        ByteBuffer request = new JoinGroupRequest.Builder(data).build(VERSION)
                .serializeWithHeader(new RequestHeader(ApiKeys.JOIN_GROUP, VERSION, "rdkafka", 1));
        try (Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            socket.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(request.remaining());
            out.write(request.array(), request.arrayOffset() + request.position(), request.remaining());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] frame = new byte[in.readInt()];
            in.readFully(frame);
            ByteBuffer response = ByteBuffer.wrap(frame);
            response.getInt(); // correlation id (response header v0)
            JoinGroupResponseData answer = new JoinGroupResponseData(new ByteBufferAccessor(response), VERSION);
            if (answer.errorCode() != Errors.MEMBER_ID_REQUIRED.code()) {
                throw new AssertionError("expected MEMBER_ID_REQUIRED for a JoinGroup without member id, got "
                        + Errors.forCode(answer.errorCode()));
            }
            return answer.memberId();
        }
    }
}
