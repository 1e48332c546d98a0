package dev.floe.broker.replication;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The follower's half of a fetch session: what each request carries as the session goes along. */
class FollowerFetchSessionTest {
    private static final TopicPartition A = new TopicPartition("t", 0);
    private static final TopicPartition B = new TopicPartition("t", 1);
    private final FollowerFetchSession session = new FollowerFetchSession();

    private static FetchRequestData.FetchPartition at(TopicPartition tp, long offset) {
        return new FetchRequestData.FetchPartition().setPartition(tp.partition()).setFetchOffset(offset)
                .setCurrentLeaderEpoch(1).setPartitionMaxBytes(1024);
    }

    private FetchRequestData build(Map<TopicPartition, FetchRequestData.FetchPartition> wanted) {
        FetchRequestData request = new FetchRequestData();
        session.build(request, wanted);
        return request;
    }

    private static List<Integer> named(FetchRequestData request) {
        List<Integer> out = new ArrayList<>();
        request.topics().forEach(t -> t.partitions().forEach(p -> out.add(p.partition())));
        return out;
    }

    private static Map<TopicPartition, FetchRequestData.FetchPartition> wanted(long a, long b) {
        Map<TopicPartition, FetchRequestData.FetchPartition> m = new LinkedHashMap<>();
        m.put(A, at(A, a));
        if (b >= 0) {
            m.put(B, at(B, b));
        }
        return m;
    }

    @Test
    void aFullRequestOpensTheSessionAndLaterOnesCarryOnlyChanges() {
        FetchRequestData first = build(wanted(0, 0));
        assertThat(first.sessionId()).isZero();
        assertThat(first.sessionEpoch()).isZero();
        assertThat(named(first)).containsExactly(0, 1);
        assertThat(session.answered(new FetchResponseData().setSessionId(77))).isTrue();

        FetchRequestData second = build(wanted(5, 0));
        assertThat(second.sessionId()).isEqualTo(77);
        assertThat(second.sessionEpoch()).isEqualTo(1);
        assertThat(named(second)).containsExactly(0);
        session.answered(new FetchResponseData().setSessionId(77));

        FetchRequestData third = build(wanted(5, -1));
        assertThat(third.sessionEpoch()).isEqualTo(2);
        assertThat(named(third)).isEmpty();
        assertThat(third.forgottenTopicsData()).hasSize(1);
        assertThat(third.forgottenTopicsData().get(0).partitions()).containsExactly(1);
    }

    @Test
    void aSessionErrorStartsOverWithAFullRequestThatClosesTheOldSession() {
        build(wanted(0, 0));
        session.answered(new FetchResponseData().setSessionId(77));
        build(wanted(1, 1));
        assertThat(session.answered(new FetchResponseData().setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code())))
                .isFalse();
        FetchRequestData again = build(wanted(1, 1));
        assertThat(again.sessionEpoch()).isZero();
        assertThat(again.sessionId()).isEqualTo(77);
        assertThat(named(again)).containsExactly(0, 1);
    }

    @Test
    void aLeaderWithNoRoomKeepsGettingFullRequests() {
        build(wanted(0, 0));
        session.answered(new FetchResponseData().setSessionId(0));
        FetchRequestData next = build(wanted(0, 0));
        assertThat(next.sessionId()).isZero();
        assertThat(next.sessionEpoch()).isZero();
        assertThat(named(next)).containsExactly(0, 1);
    }
}
