package dev.floe.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Response order and buffer ownership of one connection (issue 15, part 3). Buffers are released with
 * {@code ReferenceCountUtil.release}, which throws on a second release, so a double release fails the test
 * instead of being logged and reused by a later response.
 */
class ResponseQueueTest {
    private final List<Object> written = new ArrayList<>();
    private final ResponseQueue queue = new ResponseQueue(written::add);

    private static ByteBuf buffer(String text) {
        return Unpooled.copiedBuffer(text, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void responsesLeaveInRequestOrderEvenWhenALaterOneIsReadyFirst() {
        ResponseQueue.Slot first = queue.enqueue();
        ResponseQueue.Slot second = queue.enqueue();
        ByteBuf a = buffer("a");
        ByteBuf b = buffer("b");
        queue.complete(second, List.of(b));
        assertThat(written).isEmpty();
        queue.complete(first, List.of(a));
        assertThat(written).containsExactly(a, b);
        assertThat(queue.size()).isZero();
        assertThat(a.refCnt()).as("written buffers belong to the writer (Netty) now").isEqualTo(1);
        a.release();
        b.release();
    }

    @Test
    void aResponseWaitingBehindAnUnfinishedOneIsReleasedOnceWhenTheConnectionCloses() {
        ResponseQueue.Slot slow = queue.enqueue();
        ResponseQueue.Slot fast = queue.enqueue();
        ByteBuf fastResponse = buffer("fast");
        queue.complete(fast, List.of(fastResponse));
        queue.close();
        assertThat(fastResponse.refCnt()).isZero();

        ByteBuf slowResponse = buffer("slow");
        queue.complete(slow, List.of(slowResponse));
        assertThat(slowResponse.refCnt()).as("a response completed after close is released").isZero();
        assertThat(written).isEmpty();
    }

    @Test
    void aResponseCompletedAfterCloseIsReleasedAndNotWritten() {
        ResponseQueue.Slot slot = queue.enqueue();
        queue.close();
        queue.close();
        ByteBuf response = buffer("late");
        queue.complete(slot, List.of(response));
        assertThat(response.refCnt()).isZero();
        assertThat(written).isEmpty();
        assertThat(queue.size()).isZero();
    }
}
