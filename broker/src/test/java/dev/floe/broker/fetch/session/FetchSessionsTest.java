package dev.floe.broker.fetch.session;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session state machine of KIP-227 as a fetcher sees it: full requests create sessions, incremental ones add,
 * update and forget partitions, wrong ids and epochs are errors, and incremental responses carry only what changed.
 */
class FetchSessionsTest {
    private static final short V12 = 12;
    private static final short V13 = 13;
    private static final Uuid ID = Uuid.randomUuid();
    private final FetchSessions sessions = new FetchSessions(new FetchSessionCache(10, 120_000, () -> 0L));
    private final Function<Uuid, String> names = id -> id.equals(ID) ? "t" : null;

    /** The broker's state per partition index, as a read reports it. */
    private final Map<Integer, FetchResponseData.PartitionData> state = new HashMap<>();

    private static FetchRequestData request(int sessionId, int epoch, int... partitions) {
        FetchRequestData r = new FetchRequestData().setSessionId(sessionId).setSessionEpoch(epoch).setMaxWaitMs(0);
        if (partitions.length > 0) {
            FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic().setTopic("t").setTopicId(Uuid.ZERO_UUID);
            for (int p : partitions) {
                t.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(p * 10L)
                        .setPartitionMaxBytes(1024));
            }
            r.topics().add(t);
        }
        return r;
    }

    private static FetchRequestData forget(FetchRequestData r, int... partitions) {
        List<Integer> list = new ArrayList<>();
        for (int p : partitions) {
            list.add(p);
        }
        r.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopic("t").setTopicId(Uuid.ZERO_UUID)
                .setPartitions(list));
        return r;
    }

    private FetchResponseData.PartitionData at(int partition) {
        return state.computeIfAbsent(partition, p -> new FetchResponseData.PartitionData().setPartitionIndex(p)
                .setHighWatermark(100).setLastStableOffset(100).setLogStartOffset(0).setRecords(MemoryRecords.EMPTY));
    }

    /** Reads what the context asks for, as the handler would: the partition's current state, nothing new. */
    private FetchResponseData read(FetchContext context) {
        FetchResponseData response = new FetchResponseData();
        for (FetchRequestData.FetchTopic t : context.toRead()) {
            FetchResponseData.FetchableTopicResponse out = new FetchResponseData.FetchableTopicResponse()
                    .setTopic(t.topic()).setTopicId(t.topicId());
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                FetchResponseData.PartitionData s = at(p.partition());
                out.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p.partition())
                        .setHighWatermark(s.highWatermark()).setLastStableOffset(s.lastStableOffset())
                        .setLogStartOffset(s.logStartOffset()).setErrorCode(s.errorCode()).setRecords(s.records()));
            }
            response.responses().add(out);
        }
        return response;
    }

    private FetchResponseData fetch(short version, FetchRequestData request) {
        FetchContext context = sessions.newContext(version, request, false, names);
        return context.respond(read(context));
    }

    private static List<Integer> partitionsOf(FetchResponseData response) {
        List<Integer> out = new ArrayList<>();
        response.responses().forEach(t -> t.partitions().forEach(p -> out.add(p.partitionIndex())));
        return out;
    }

    private static MemoryRecords oneRecord() {
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes()));
    }

    @Test
    void aFullRequestCreatesASessionAndIncrementalResponsesCarryOnlyChanges() {
        FetchResponseData full = fetch(V12, request(0, 0, 0, 1, 2));
        int id = full.sessionId();
        assertThat(id).isPositive();
        assertThat(partitionsOf(full)).containsExactly(0, 1, 2);
        assertThat(sessions.cache().partitionsCached()).isEqualTo(3);

        FetchContext quiet = sessions.newContext(V12, request(id, 1), false, names);
        assertThat(quiet.toRead()).hasSize(1);
        assertThat(quiet.toRead().get(0).partitions()).extracting(FetchRequestData.FetchPartition::fetchOffset)
                .as("cached fetch offsets stand in for partitions the request left out").containsExactly(0L, 10L, 20L);
        FetchResponseData nothing = quiet.respond(read(quiet));
        assertThat(nothing.errorCode()).isZero();
        assertThat(nothing.sessionId()).isEqualTo(id);
        assertThat(nothing.responses()).isEmpty();

        at(1).setRecords(oneRecord());
        at(2).setHighWatermark(101);
        FetchResponseData changed = fetch(V12, request(id, 2));
        assertThat(partitionsOf(changed)).containsExactly(1, 2);
        assertThat(sessions.incrementalFetches()).isEqualTo(2);
    }

    @Test
    void theLogStartOffsetLastStableOffsetAndErrorsAreReportedAndAnErrorIsReportedAgainWhenItClears() {
        int id = fetch(V12, request(0, 0, 0, 1, 2, 3)).sessionId();
        at(0).setLogStartOffset(5);
        at(1).setLastStableOffset(90);
        at(2).setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
        assertThat(partitionsOf(fetch(V12, request(id, 1)))).containsExactly(0, 1, 2);
        assertThat(partitionsOf(fetch(V12, request(id, 2)))).as("the error stays until it clears").containsExactly(2);
        at(2).setErrorCode(Errors.NONE.code());
        assertThat(partitionsOf(fetch(V12, request(id, 3)))).as("recovery is news").containsExactly(2);
        assertThat(partitionsOf(fetch(V12, request(id, 4)))).isEmpty();
    }

    @Test
    void incrementalRequestsAddUpdateAndForgetPartitions() {
        int id = fetch(V12, request(0, 0, 0, 1)).sessionId();
        FetchRequestData addAndMove = request(id, 1, 5);
        addAndMove.topics().get(0).partitions().add(new FetchRequestData.FetchPartition().setPartition(0)
                .setFetchOffset(42).setPartitionMaxBytes(1024));
        FetchResponseData added = fetch(V12, addAndMove);
        assertThat(partitionsOf(added)).as("a new partition is news").containsExactly(5);
        assertThat(sessions.cache().get(id).size()).isEqualTo(3);
        assertThat(sessions.cache().get(id).get(PartitionKey.of(false, Uuid.ZERO_UUID, "t", 0)).fetchOffset())
                .isEqualTo(42);

        FetchContext afterForget = sessions.newContext(V12, forget(request(id, 2), 0, 5), false, names);
        assertThat(afterForget.toRead().get(0).partitions()).extracting(FetchRequestData.FetchPartition::partition)
                .containsExactly(1);
        afterForget.respond(read(afterForget));
        assertThat(sessions.cache().partitionsCached()).isEqualTo(1);
    }

    @Test
    void forgettingEveryPartitionEndsTheSession() {
        int id = fetch(V12, request(0, 0, 0)).sessionId();
        FetchResponseData last = fetch(V12, forget(request(id, 1), 0));
        assertThat(last.sessionId()).isZero();
        assertThat(sessions.cache().size()).isZero();
    }

    @Test
    void unknownSessionsAndWrongEpochsAreErrorsWithNoPartitions() {
        FetchResponseData unknown = fetch(V12, request(12345, 1, 0));
        assertThat(unknown.errorCode()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
        assertThat(unknown.sessionId()).isZero();
        assertThat(unknown.responses()).isEmpty();

        int id = fetch(V12, request(0, 0, 0)).sessionId();
        FetchResponseData wrongEpoch = fetch(V12, request(id, 5));
        assertThat(wrongEpoch.errorCode()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());
        assertThat(wrongEpoch.responses()).isEmpty();
        assertThat(fetch(V12, request(id, 1)).errorCode()).as("the session survives a wrong epoch").isZero();
        assertThat(sessions.sessionErrors()).isEqualTo(2);
    }

    @Test
    void aResentRequestAndAnOverlappingUseOfTheSessionGetInvalidEpoch() {
        int id = fetch(V12, request(0, 0, 0)).sessionId();
        FetchContext first = sessions.newContext(V12, request(id, 1), false, names);
        FetchContext resent = sessions.newContext(V12, request(id, 1), false, names);
        assertThat(resent.respond(read(resent)).errorCode()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());

        // The fetcher moves on before the first answer (e.g. it timed out and retried with the next epoch).
        FetchContext second = sessions.newContext(V12, request(id, 2), false, names);
        at(0).setRecords(oneRecord());
        FetchResponseData late = first.respond(read(first));
        assertThat(late.errorCode()).isEqualTo(Errors.INVALID_FETCH_SESSION_EPOCH.code());
        assertThat(late.sessionId()).isEqualTo(id);
        assertThat(late.responses()).isEmpty();
        assertThat(partitionsOf(second.respond(read(second)))).containsExactly(0);
    }

    @Test
    void epochZeroOnAnExistingSessionReplacesItAndTheFinalEpochClosesIt() {
        int first = fetch(V12, request(0, 0, 0)).sessionId();
        int second = fetch(V12, request(first, 0, 0, 1)).sessionId();
        assertThat(second).isPositive().isNotEqualTo(first);
        assertThat(sessions.cache().get(first)).isNull();

        FetchResponseData closing = fetch(V12, request(second, -1, 0, 1));
        assertThat(closing.sessionId()).isZero();
        assertThat(partitionsOf(closing)).containsExactly(0, 1);
        assertThat(sessions.cache().size()).isZero();
        assertThat(fetch(V12, request(second, 1)).errorCode()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
    }

    @Test
    void sessionlessRequestsKeepNoState() {
        FetchResponseData r = fetch(V12, request(0, -1, 0, 1));
        assertThat(r.sessionId()).isZero();
        assertThat(partitionsOf(r)).containsExactly(0, 1);
        assertThat(sessions.cache().size()).isZero();
    }

    @Test
    void sessionsOfTopicIdsResolveNamesAndRefuseRequestsOfNames() {
        FetchRequestData full = new FetchRequestData().setSessionId(0).setSessionEpoch(0);
        full.topics().add(new FetchRequestData.FetchTopic().setTopicId(ID).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0), new FetchRequestData.FetchPartition().setPartition(1))));
        Uuid unknown = Uuid.randomUuid();
        full.topics().add(new FetchRequestData.FetchTopic().setTopicId(unknown).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0))));
        FetchContext context = sessions.newContext(V13, full, false, names);
        assertThat(context.toRead()).extracting(FetchRequestData.FetchTopic::topic).containsExactly("t", null);
        int id = context.respond(read(context)).sessionId();
        assertThat(id).isPositive();

        FetchRequestData incremental = new FetchRequestData().setSessionId(id).setSessionEpoch(1);
        incremental.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopicId(unknown)
                .setPartitions(List.of(0)));
        FetchContext next = sessions.newContext(V13, incremental, false, names);
        assertThat(next.toRead()).hasSize(1);
        assertThat(next.toRead().get(0).topicId()).isEqualTo(ID);
        assertThat(next.toRead().get(0).topic()).isEqualTo("t");
        next.respond(read(next));

        FetchResponseData mismatch = fetch(V12, request(id, 2));
        assertThat(mismatch.errorCode()).isEqualTo(Errors.FETCH_SESSION_TOPIC_ID_ERROR.code());
        int byName = fetch(V12, request(0, 0, 0)).sessionId();
        assertThat(fetch(V13, request(byName, 1)).errorCode()).isEqualTo(Errors.FETCH_SESSION_TOPIC_ID_ERROR.code());
    }

    @Test
    void partitionsThatReturnedRecordsAreReadLast() {
        int id = fetch(V12, request(0, 0, 0, 1, 2)).sessionId();
        at(0).setRecords(oneRecord());
        fetch(V12, request(id, 1));
        FetchContext next = sessions.newContext(V12, request(id, 2), false, names);
        List<Integer> order = new ArrayList<>();
        next.toRead().forEach(t -> t.partitions().forEach(p -> order.add(p.partition())));
        assertThat(order).containsExactly(1, 2, 0);
    }
}
