package dev.floe.broker.network;

import dev.floe.broker.protocol.DecodedRequest;
import dev.floe.broker.protocol.MalformedRequestException;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.protocol.RequestDecoder;
import dev.floe.broker.protocol.RequestDispatcher;
import dev.floe.broker.protocol.UnsupportedApiVersionException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.impl.NetSocketInternal;
import io.vertx.core.parsetools.RecordParser;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One client connection. Frames are cut by their 4-byte size; each request is dispatched as soon as it
 * arrives (pipelining), and responses leave in request order even when a later one is ready first.
 * Everything here runs on the connection's event loop. Who releases a response's buffers is
 * {@link ResponseQueue}'s rule: the queue until they are written, Netty after.
 */
final class KafkaConnection {
    private static final Logger LOG = Logger.getLogger(KafkaConnection.class);

    private final NetSocketInternal socket;
    private final Context context;
    private final RequestDecoder decoder;
    private final RequestDispatcher dispatcher;
    private final ConnectionStats stats;
    private final int maxFrameBytes;
    private final int maxInFlight;
    private final String remote;
    private final String id;
    private final RecordParser parser;
    private final ResponseQueue inFlight;
    private int expectedFrame = -1;
    private boolean closed;
    private boolean pausedForInFlight;
    private boolean pausedForWrites;

    KafkaConnection(NetSocketInternal socket, RequestDecoder decoder, RequestDispatcher dispatcher,
                    ConnectionStats stats, int maxFrameBytes, int maxInFlight) {
        this.socket = socket;
        this.context = Vertx.currentContext();
        this.decoder = decoder;
        this.dispatcher = dispatcher;
        this.stats = stats;
        this.maxFrameBytes = maxFrameBytes;
        this.maxInFlight = maxInFlight;
        this.remote = String.valueOf(socket.remoteAddress());
        this.id = Integer.toHexString(System.identityHashCode(this));
        this.inFlight = new ResponseQueue(socket::writeMessage);
        this.parser = RecordParser.newFixed(4, this::onChunk);
        socket.handler(parser);
        socket.closeHandler(v -> onClosed());
        socket.exceptionHandler(e -> {
            LOG.debugf("connection %s failed: %s", remote, e.getMessage());
            close();
        });
        stats.opened();
    }

    private void onChunk(Buffer chunk) {
        if (closed) {
            return;
        }
        if (expectedFrame < 0) {
            int size = chunk.getInt(0);
            if (size <= 0 || size > maxFrameBytes) {
                LOG.warnf("closing connection from %s: request frame of %d bytes is outside the limit of %d bytes"
                        + " (floe.max-request-bytes)", remote, size, maxFrameBytes);
                stats.rejected();
                close();
                return;
            }
            expectedFrame = size;
            parser.fixedSizeMode(size);
        } else {
            expectedFrame = -1;
            parser.fixedSizeMode(4);
            onFrame(chunk.getByteBuf().nioBuffer());
        }
    }

    private void onFrame(ByteBuffer frame) {
        DecodedRequest request;
        try {
            request = decoder.decode(frame);
        } catch (UnsupportedApiVersionException e) {
            ResponseQueue.Slot slot = enqueue();
            ApiMessage body = new ApiVersionsResponseData()
                    .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
                    .setApiKeys(dispatcher.apis().asApiVersions());
            complete(slot, ResponseEncoder.encode(socket.channelHandlerContext().alloc(), ApiKeys.API_VERSIONS,
                    (short) 0, e.correlationId(), body));
            return;
        } catch (MalformedRequestException e) {
            LOG.warnf("closing connection from %s: %s", remote, e.getMessage());
            stats.rejected();
            close();
            return;
        }
        RequestContext ctx = new RequestContext(request.header(), request.api(), request.version(), remote, id);
        boolean noResponse = dispatcher.expectsNoResponse(request);
        ResponseQueue.Slot slot = enqueue();
        dispatcher.dispatch(ctx, request).whenComplete((response, error) -> {
            if (Vertx.currentContext() == context) {
                onResponse(slot, request, response, error, noResponse);
            } else {
                context.runOnContext(v -> onResponse(slot, request, response, error, noResponse));
            }
        });
    }

    private ResponseQueue.Slot enqueue() {
        ResponseQueue.Slot slot = inFlight.enqueue();
        if (inFlight.size() >= maxInFlight && !pausedForInFlight) {
            pausedForInFlight = true;
            socket.pause();
        }
        return slot;
    }

    private void onResponse(ResponseQueue.Slot slot, DecodedRequest request, ApiMessage response, Throwable error, boolean noResponse) {
        if (error != null) {
            LOG.errorf(error, "closing connection from %s: %s could not be answered", remote, request.api());
            close();
            return;
        }
        if (noResponse || closed) {
            complete(slot, List.of());
            return;
        }
        List<Object> encoded;
        try {
            encoded = ResponseEncoder.encode(socket.channelHandlerContext().alloc(), request.api(), request.version(),
                    request.header().correlationId(), response);
        } catch (RuntimeException e) {
            // A response the client's version cannot carry is a broker bug; closing makes the client retry
            // instead of waiting forever for an answer that will never come.
            LOG.errorf(e, "closing connection from %s: cannot encode the %s v%d response", remote, request.api(),
                    request.version());
            close();
            return;
        }
        complete(slot, encoded);
    }

    private void complete(ResponseQueue.Slot slot, List<Object> response) {
        inFlight.complete(slot, response);
        // Resume once at most half the limit is in flight; with a limit of 1 that is when nothing is (a strict
        // "fewer than maxInFlight / 2" never held for 1, and the connection stayed paused for good).
        if (pausedForInFlight && inFlight.size() <= maxInFlight / 2) {
            pausedForInFlight = false;
            resumeIfAllowed();
        }
        if (!closed && socket.writeQueueFull() && !pausedForWrites) {
            pausedForWrites = true;
            socket.pause();
            socket.drainHandler(v -> {
                pausedForWrites = false;
                resumeIfAllowed();
            });
        }
    }

    private void resumeIfAllowed() {
        if (!closed && !pausedForInFlight && !pausedForWrites) {
            socket.resume();
        }
    }

    private void close() {
        if (!closed) {
            closed = true;
            inFlight.close();
            socket.close();
        }
    }

    private void onClosed() {
        closed = true;
        inFlight.close();
        stats.closed();
    }
}
