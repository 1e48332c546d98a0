package dev.floe.broker.replication;

import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * A blocking Kafka-protocol connection from one broker to another (a follower to its leader, a transaction
 * coordinator to a partition leader), one request at a time, encoded and decoded
 * with kafka-clients' message classes. Blocking on purpose: each fetcher owns a thread of its own (as Kafka's
 * ReplicaFetcherThread does with its NetworkClient), so a slow leader holds up only that fetcher, never an event
 * loop or the request pool, and there is no callback state machine to get wrong.
 */
public final class BrokerChannel implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final String clientId;
    private int correlationId;

    public BrokerChannel(String host, int port, int connectTimeoutMs, int readTimeoutMs, String clientId)
            throws IOException {
        this.clientId = clientId;
        this.socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), connectTimeoutMs);
        socket.setSoTimeout(readTimeoutMs);
        this.in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024));
        this.out = socket.getOutputStream();
    }

    /** Send {@code body} as {@code key} at {@code version} and return the decoded response body. */
    public ApiMessage call(ApiKeys key, short version, ApiMessage body) throws IOException {
        int id = ++correlationId;
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(key.id).setRequestApiVersion(version)
                .setClientId(clientId).setCorrelationId(id);
        short headerVersion = key.requestHeaderVersion(version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        MessageSizeAccumulator size = new MessageSizeAccumulator();
        header.addSize(size, cache, headerVersion);
        body.addSize(size, cache, version);
        ByteBuffer frame = ByteBuffer.allocate(4 + size.totalSize());
        frame.putInt(size.totalSize());
        ByteBufferAccessor writer = new ByteBufferAccessor(frame);
        header.write(writer, cache, headerVersion);
        body.write(writer, cache, version);
        out.write(frame.array(), 0, frame.position());
        out.flush();

        int length = in.readInt();
        if (length < 0 || length > 256 * 1024 * 1024) {
            throw new IOException("response of " + length + " bytes from " + socket.getRemoteSocketAddress());
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        ByteBufferAccessor reader = new ByteBufferAccessor(ByteBuffer.wrap(bytes));
        ResponseHeaderData responseHeader = new ResponseHeaderData(reader, key.responseHeaderVersion(version));
        if (responseHeader.correlationId() != id) {
            throw new IOException("response to request " + responseHeader.correlationId() + " while waiting for " + id);
        }
        ApiMessage response = org.apache.kafka.common.message.ApiMessageType.fromApiKey(key.id).newResponse();
        response.read(reader, version);
        return response;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
