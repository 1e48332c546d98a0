package dev.floe.broker.fetch.session;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Slots and eviction: who may take the place of whom when the cache is full. */
class FetchSessionCacheTest {
    private static final long EVICTION_MS = 1000;
    private final AtomicLong now = new AtomicLong(10_000);

    private FetchSessionCache cache(int slots) {
        return new FetchSessionCache(slots, EVICTION_MS, now::get);
    }

    private static FetchSession create(FetchSessionCache cache, boolean follower, int partitions) {
        return cache.maybeCreate(follower, false, partitions, s -> {
            for (int i = 0; i < partitions; i++) {
                s.upsert(Uuid.ZERO_UUID, "t", new FetchRequestData.FetchPartition().setPartition(i));
            }
        });
    }

    @Test
    void sessionsTakeFreeSlotsAndCountTheirPartitions() {
        FetchSessionCache cache = cache(3);
        FetchSession a = create(cache, false, 4);
        FetchSession b = create(cache, false, 6);
        assertThat(a.id()).isPositive().isNotEqualTo(b.id());
        assertThat(a.epoch()).isEqualTo(1);
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.partitionsCached()).isEqualTo(10);
        assertThat(cache.created()).isEqualTo(2);

        a.forget(Uuid.ZERO_UUID, "t", 0);
        cache.touch(a);
        assertThat(cache.partitionsCached()).isEqualTo(9);
        assertThat(cache.remove(b.id())).isTrue();
        assertThat(cache.partitionsCached()).isEqualTo(3);
        assertThat(cache.get(b.id())).isNull();
    }

    @Test
    void aFullCacheOfYoungConsumerSessionsRefusesAnotherConsumer() {
        FetchSessionCache cache = cache(2);
        create(cache, false, 5);
        create(cache, false, 5);
        assertThat(create(cache, false, 100)).isNull();
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.evictions()).isZero();
    }

    @Test
    void aSessionIdleLongerThanTheEvictionTimeMakesRoomForAnyone() {
        FetchSessionCache cache = cache(2);
        FetchSession idle = create(cache, true, 50);
        now.addAndGet(600);
        FetchSession busy = create(cache, false, 5);
        now.addAndGet(600);
        cache.touch(busy);
        FetchSession newcomer = create(cache, false, 1);
        assertThat(newcomer).isNotNull();
        assertThat(cache.get(idle.id())).isNull();
        assertThat(cache.get(busy.id())).isSameAs(busy);
        assertThat(cache.evictions()).isEqualTo(1);
        assertThat(cache.partitionsCached()).isEqualTo(6);
    }

    @Test
    void aFollowerEvictsEvenAYoungConsumerSessionButNotAYoungFollowerSession() {
        FetchSessionCache cache = cache(2);
        FetchSession consumer = create(cache, false, 500);
        FetchSession follower = create(cache, true, 1);
        FetchSession newFollower = create(cache, true, 1);
        assertThat(newFollower).isNotNull();
        assertThat(cache.get(consumer.id())).isNull();
        assertThat(create(cache, true, 1000)).as("young follower sessions are protected").isNull();
        assertThat(cache.get(follower.id())).isSameAs(follower);
    }

    @Test
    void anOlderBusySessionGivesWayOnlyToOneWithMorePartitionsAndNeverAConsumerToAFollower() {
        FetchSessionCache cache = cache(2);
        FetchSession small = create(cache, false, 2);
        FetchSession follower = create(cache, true, 1);
        now.addAndGet(EVICTION_MS + 1);
        cache.touch(small);
        cache.touch(follower);

        assertThat(create(cache, false, 2)).as("same size does not outrank").isNull();
        FetchSession bigger = create(cache, false, 3);
        assertThat(bigger).isNotNull();
        assertThat(cache.get(small.id())).isNull();
        assertThat(cache.get(follower.id())).as("a consumer never evicts a follower's live session").isSameAs(follower);
        assertThat(create(cache, false, 10_000)).isNull();
    }

    @Test
    void zeroSlotsMeansNoSessions() {
        FetchSessionCache cache = cache(0);
        assertThat(create(cache, true, 3)).isNull();
        assertThat(cache.size()).isZero();
    }
}
