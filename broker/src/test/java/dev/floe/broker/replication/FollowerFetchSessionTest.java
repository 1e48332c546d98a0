package dev.floe.broker.replication;

import dev.floe.broker.fetch.session.FetchContext;
import dev.floe.broker.fetch.session.FetchSessionCache;
import dev.floe.broker.fetch.session.FetchSessions;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Open issue 10, item "Fetch sessions (KIP-227): incremental fetches, so consumers and followers of many partitions
 * do not resend and re-process the full partition list every time" — the follower's half. A follower's
 * {@link FollowerFetchSession} against the broker's real leader-side session code ({@link FetchSessions}): after
 * the first full fetch, requests name only what changed, the leader still reads (and so tracks the follower's
 * position in) every partition of the session, a lost session is rebuilt with a full fetch without losing
 * records, and a truncated partition is resent from its new, lower offset.
 */
class FollowerFetchSessionTest {
    private static final int FOLLOWER = 2;
    private static final int EPOCH = 5;
    private static final int PARTITIONS = 200;

    /** The leader: its log end and high watermark per partition, and its fetch sessions. */
    private final Map<Integer, Long> leaderEnd = new HashMap<>();
    private final Map<Integer, Long> leaderHw = new HashMap<>();
    private FetchSessions leaderSessions = newLeaderSessions();
    /** What the leader read for the last request: every partition it stands for, with the fetch offset used. */
    private final Map<Integer, Long> leaderRead = new HashMap<>();

    /** The follower: its log end and high watermark per partition. */
    private final Map<Integer, Long> followerEnd = new HashMap<>();
    private final Map<Integer, Long> followerHw = new HashMap<>();
    private final FollowerFetchSession session = new FollowerFetchSession(1);

    private FetchRequestData lastRequest;
    private FetchResponseData lastResponse;

    private static FetchSessions newLeaderSessions() {
        return new FetchSessions(new FetchSessionCache(10, 120_000, () -> 0L));
    }

    private static TopicPartition tp(int p) {
        return new TopicPartition("t", p);
    }

    private void startWith(int partitions) {
        for (int p = 0; p < partitions; p++) {
            leaderEnd.put(p, 0L);
            leaderHw.put(p, 0L);
            followerEnd.put(p, 0L);
            followerHw.put(p, 0L);
        }
    }

    private void produce(int partition, int records) {
        leaderEnd.merge(partition, (long) records, Long::sum);
    }

    /** One fetch round of the follower for {@code ready}, answered by the leader; true if the answer was applied. */
    private boolean round(Set<Integer> ready) {
        for (int p : ready) {
            session.add(tp(p), followerEnd.get(p), 0, 1 << 20, EPOCH);
        }
        lastRequest = session.build(FOLLOWER, 500, 10 << 20);
        lastResponse = serve(lastRequest);
        if (!session.handleResponse(lastResponse)) {
            return false;
        }
        for (FetchResponseData.FetchableTopicResponse t : lastResponse.responses()) {
            for (FetchResponseData.PartitionData d : t.partitions()) {
                MemoryRecords records = (MemoryRecords) d.records();
                for (Record r : records.records()) {
                    assertThat(r.offset()).isEqualTo(followerEnd.get(d.partitionIndex()));
                    followerEnd.put(d.partitionIndex(), r.offset() + 1);
                }
                followerHw.put(d.partitionIndex(), Math.min(d.highWatermark(), followerEnd.get(d.partitionIndex())));
            }
        }
        return true;
    }

    private boolean round() {
        return round(followerEnd.keySet());
    }

    /** The leader's fetch handler in miniature: the session decides what is read and what is answered. */
    private FetchResponseData serve(FetchRequestData request) {
        FetchContext context = leaderSessions.newContext(FollowerFetchSession.FETCH_VERSION, request, true, id -> null);
        leaderRead.clear();
        FetchResponseData read = new FetchResponseData();
        for (FetchRequestData.FetchTopic t : context.toRead()) {
            FetchResponseData.FetchableTopicResponse out = new FetchResponseData.FetchableTopicResponse()
                    .setTopic(t.topic());
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                leaderRead.put(p.partition(), p.fetchOffset());
                // As the leader does: a follower's fetch offset is its position; the high watermark follows it.
                if (p.fetchOffset() >= leaderEnd.get(p.partition())) {
                    leaderHw.put(p.partition(), leaderEnd.get(p.partition()));
                }
                out.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p.partition())
                        .setHighWatermark(leaderHw.get(p.partition())).setLastStableOffset(leaderHw.get(p.partition()))
                        .setLogStartOffset(0).setRecords(records(p.fetchOffset(), leaderEnd.get(p.partition()))));
            }
            read.responses().add(out);
        }
        return context.respond(read);
    }

    private static MemoryRecords records(long from, long to) {
        if (from >= to) {
            return MemoryRecords.EMPTY;
        }
        SimpleRecord[] records = new SimpleRecord[(int) (to - from)];
        for (int i = 0; i < records.length; i++) {
            records[i] = new SimpleRecord(("v" + (from + i)).getBytes());
        }
        return MemoryRecords.withRecords(from, Compression.NONE, EPOCH, records);
    }

    private static List<Integer> named(FetchRequestData request) {
        List<Integer> named = new ArrayList<>();
        request.topics().forEach(t -> t.partitions().forEach(p -> named.add(p.partition())));
        return named;
    }

    private static List<Integer> answered(FetchResponseData response) {
        List<Integer> answered = new ArrayList<>();
        response.responses().forEach(t -> t.partitions().forEach(p -> answered.add(p.partitionIndex())));
        return answered;
    }

    private static List<Integer> forgotten(FetchRequestData request) {
        List<Integer> forgotten = new ArrayList<>();
        request.forgottenTopicsData().forEach(t -> forgotten.addAll(t.partitions()));
        return forgotten;
    }

    @Test
    void afterTheFirstFetchAFollowerOf200PartitionsNamesOnlyTheOneBeingProducedTo() {
        startWith(PARTITIONS);
        assertThat(round()).isTrue();
        assertThat(lastRequest.sessionEpoch()).isZero();
        assertThat(named(lastRequest)).hasSize(PARTITIONS);
        assertThat(lastResponse.sessionId()).isPositive();

        for (int i = 0; i < 10; i++) {
            produce(7, 3);
            assertThat(round()).isTrue();
            // Nothing of ours changed since the last request except partition 7's position (after the first
            // produce, not even that): the request names at most that one, and forgets nothing.
            assertThat(lastRequest.sessionEpoch()).isPositive();
            assertThat(named(lastRequest)).isSubsetOf(7).hasSizeLessThanOrEqualTo(1);
            assertThat(forgotten(lastRequest)).isEmpty();
            assertThat(answered(lastResponse)).containsExactly(7);
            // The leader still read every partition of the session, at the position the follower last sent.
            assertThat(leaderRead).hasSize(PARTITIONS);
            assertThat(leaderRead.get(7)).isEqualTo(3L * i);
        }
        assertThat(followerEnd.get(7)).isEqualTo(30L);
        // The round after the last records names partition 7 at its new end, and the leader's high watermark follows.
        assertThat(round()).isTrue();
        assertThat(named(lastRequest)).containsExactly(7);
        assertThat(lastRequest.topics().get(0).partitions().get(0).fetchOffset()).isEqualTo(30L);
        assertThat(leaderHw.get(7)).isEqualTo(30L);
        assertThat(answered(lastResponse)).containsExactly(7);
        assertThat(followerHw.get(7)).isEqualTo(30L);
        // Then a round with nothing new names nothing and is answered with nothing.
        assertThat(round()).isTrue();
        assertThat(named(lastRequest)).isEmpty();
        assertThat(answered(lastResponse)).isEmpty();
    }

    @Test
    void aLeaderThatLostTheSessionIsAnsweredWithAFullFetchAndNothingIsLost() {
        startWith(PARTITIONS);
        assertThat(round()).isTrue();
        produce(3, 5);
        assertThat(round()).isTrue();

        // The leader restarts: its sessions are gone.
        leaderSessions = newLeaderSessions();
        produce(3, 2);
        produce(150, 4);
        assertThat(round()).isFalse();
        assertThat(lastResponse.errorCode()).isEqualTo(Errors.FETCH_SESSION_ID_NOT_FOUND.code());
        assertThat(round()).isTrue();
        assertThat(lastRequest.sessionEpoch()).isZero();
        assertThat(named(lastRequest)).hasSize(PARTITIONS);
        assertThat(followerEnd.get(3)).isEqualTo(7L);
        assertThat(followerEnd.get(150)).isEqualTo(4L);

        // The session is evicted from the leader's cache.
        leaderSessions.cache().remove(lastResponse.sessionId());
        produce(150, 1);
        assertThat(round()).isFalse();
        assertThat(round()).isTrue();
        assertThat(named(lastRequest)).hasSize(PARTITIONS);
        assertThat(followerEnd.get(150)).isEqualTo(5L);
        assertThat(round()).isTrue();
        assertThat(lastRequest.sessionEpoch()).isPositive();
    }

    @Test
    void aRequestTheLeaderTookTwiceEndsInANewSession() {
        startWith(20);
        assertThat(round()).isTrue();
        assertThat(round()).isTrue();
        // The answer to an incremental request got lost on the way (the leader moved its epoch on), so the
        // follower sends the same epoch again after a reconnect without reset: the leader refuses it.
        FetchRequestData again = lastRequest.duplicate();
        assertThat(session.handleResponse(serve(again))).isFalse();
        assertThat(round()).isTrue();
        assertThat(lastRequest.sessionEpoch()).isZero();
        assertThat(named(lastRequest)).hasSize(20);
    }

    @Test
    void aReconnectStartsAFullFetch() {
        startWith(20);
        assertThat(round()).isTrue();
        int old = lastResponse.sessionId();
        produce(1, 1);
        session.reset();
        assertThat(round()).isTrue();
        // A full request that names the old session, so the leader closes it rather than keep it until evicted.
        assertThat(lastRequest.sessionId()).isEqualTo(old);
        assertThat(lastRequest.sessionEpoch()).isZero();
        assertThat(named(lastRequest)).hasSize(20);
        assertThat(leaderSessions.cache().get(old)).isNull();
        assertThat(leaderSessions.cache().get(lastResponse.sessionId())).isNotNull();
        assertThat(followerEnd.get(1)).isEqualTo(1L);
    }

    @Test
    void aTruncatedPartitionIsResentFromItsLowerOffsetAndCatchesUp() {
        startWith(50);
        produce(9, 10);
        assertThat(round()).isTrue();
        assertThat(round()).isTrue();
        assertThat(followerEnd.get(9)).isEqualTo(10L);
        assertThat(followerHw.get(9)).isEqualTo(10L);

        // The follower cut a divergent tail (OffsetsForLeaderEpoch) back to 6: its position went backwards.
        followerEnd.put(9, 6L);
        followerHw.put(9, 6L);
        assertThat(round()).isTrue();
        assertThat(named(lastRequest)).containsExactly(9);
        assertThat(lastRequest.topics().get(0).partitions().get(0).fetchOffset()).isEqualTo(6L);
        assertThat(leaderRead.get(9)).isEqualTo(6L);
        assertThat(followerEnd.get(9)).isEqualTo(10L);
        assertThat(round()).isTrue();
        assertThat(followerHw.get(9)).isEqualTo(10L);
    }

    @Test
    void aNewLeaderEpochIsResentAndTheLeaderAnswersIt() {
        startWith(10);
        assertThat(round()).isTrue();
        assertThat(round()).isTrue();
        assertThat(named(lastRequest)).isEmpty();
        // Partition 0 follows a new leader epoch at the same position; the leader has nothing new for it, but the
        // changed request is answered (the leader's session re-answers a partition whose epoch changed).
        session.add(tp(0), 0, 0, 1 << 20, EPOCH + 1);
        for (int p = 1; p < 10; p++) {
            session.add(tp(p), 0, 0, 1 << 20, EPOCH);
        }
        lastRequest = session.build(FOLLOWER, 500, 10 << 20);
        assertThat(named(lastRequest)).containsExactly(0);
        assertThat(lastRequest.topics().get(0).partitions().get(0).currentLeaderEpoch()).isEqualTo(EPOCH + 1);
        lastResponse = serve(lastRequest);
        assertThat(session.handleResponse(lastResponse)).isTrue();
        assertThat(answered(lastResponse)).containsExactly(0);
    }

    @Test
    void aPartitionBackingOffLeavesTheSessionAndComesBackInFull() {
        startWith(30);
        assertThat(round()).isTrue();
        Set<Integer> withoutFive = new LinkedHashSet<>(followerEnd.keySet());
        withoutFive.remove(5);
        // Partition 5 was refused (say NOT_LEADER_OR_FOLLOWER) and waits out its backoff: it is forgotten, and
        // the leader no longer reads it for this follower.
        assertThat(round(withoutFive)).isTrue();
        assertThat(forgotten(lastRequest)).containsExactly(5);
        assertThat(leaderRead).hasSize(29).doesNotContainKey(5);
        assertThat(round(withoutFive)).isTrue();
        assertThat(forgotten(lastRequest)).isEmpty();
        // Ready again: it is named in full, the leader reads it again, and records produced meanwhile arrive.
        produce(5, 3);
        assertThat(round()).isTrue();
        assertThat(named(lastRequest)).containsExactly(5);
        assertThat(leaderRead).hasSize(30);
        assertThat(followerEnd.get(5)).isEqualTo(3L);
        assertThat(IntStream.range(0, 30).filter(p -> p != 5).mapToLong(p -> followerEnd.get(p)).sum()).isZero();
    }
}
