package dev.floe.broker.fetch.session;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many fetchers at once on a cache too small for them all: sessions are created, used, evicted and closed
 * concurrently, and the cache's accounting comes out exact.
 */
class FetchSessionsConcurrencyTest {

    @Test
    void concurrentFetchersLeaveTheCacheConsistent() throws Exception {
        AtomicLong clock = new AtomicLong();
        FetchSessions sessions = new FetchSessions(new FetchSessionCache(4, 5, clock::incrementAndGet));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> results = new ArrayList<>();
        for (int f = 0; f < 8; f++) {
            int fetcher = f;
            results.add(pool.submit(() -> run(sessions, new Random(fetcher), fetcher % 3 == 0)));
        }
        int served = 0;
        for (Future<Integer> r : results) {
            served += r.get();
        }
        pool.shutdown();
        assertThat(served).isPositive();
        assertThat(sessions.cache().size()).as("every fetcher closed its last session").isZero();
        assertThat(sessions.cache().partitionsCached()).isZero();
        assertThat(sessions.cache().evictions()).isPositive();
    }

    /** One fetcher: full, then incremental fetches (adding and forgetting), starting over on session errors. */
    private static int run(FetchSessions sessions, Random random, boolean follower) {
        int id = 0;
        int epoch = 0;
        int served = 0;
        for (int i = 0; i < 2000; i++) {
            FetchRequestData request = new FetchRequestData().setSessionId(id).setSessionEpoch(epoch);
            FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopic("t").setTopicId(Uuid.ZERO_UUID);
            int adds = epoch == 0 ? 1 + random.nextInt(20) : random.nextInt(3);
            for (int a = 0; a < adds; a++) {
                topic.partitions().add(new FetchRequestData.FetchPartition().setPartition(random.nextInt(40)));
            }
            request.topics().add(topic);
            if (epoch > 0 && random.nextBoolean()) {
                request.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopic("t")
                        .setTopicId(Uuid.ZERO_UUID).setPartitions(List.of(random.nextInt(40))));
            }
            FetchContext context = sessions.newContext((short) 12, request, follower, u -> null);
            FetchResponseData read = new FetchResponseData();
            for (FetchRequestData.FetchTopic t : context.toRead()) {
                FetchResponseData.FetchableTopicResponse out = new FetchResponseData.FetchableTopicResponse().setTopic(t.topic());
                t.partitions().forEach(p -> out.partitions().add(new FetchResponseData.PartitionData()
                        .setPartitionIndex(p.partition()).setHighWatermark(random.nextInt(3))
                        .setRecords(MemoryRecords.EMPTY)));
                read.responses().add(out);
            }
            FetchResponseData response = context.respond(read);
            if (response.errorCode() != Errors.NONE.code() || response.sessionId() == 0) {
                id = 0;
                epoch = 0;
            } else {
                served++;
                id = response.sessionId();
                epoch = epoch == 0 ? 1 : epoch + 1;
            }
        }
        if (id != 0) {
            sessions.newContext((short) 12, new FetchRequestData().setSessionId(id).setSessionEpoch(-1), follower, u -> null);
        }
        return served;
    }
}
