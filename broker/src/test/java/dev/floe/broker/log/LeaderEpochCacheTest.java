package dev.floe.broker.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The epoch → start offset history and Kafka's OffsetsForLeaderEpoch answers from it. */
class LeaderEpochCacheTest {
    @TempDir
    Path dir;

    @Test
    void answersWhereEachEpochEndedAsKafkaDoes() throws IOException {
        LeaderEpochCache cache = LeaderEpochCache.load(dir);
        assertThat(cache.endOffsetFor(0, 10)).isEqualTo(LeaderEpochCache.EpochEnd.UNDEFINED);
        cache.assign(1, 0);
        cache.assign(1, 5);
        cache.assign(3, 8);
        cache.assign(6, 12);
        assertThat(cache.entries()).containsExactly(Map.entry(1, 0L), Map.entry(3, 8L), Map.entry(6, 12L));

        assertThat(cache.endOffsetFor(6, 20)).as("the latest epoch ends at the log end")
                .isEqualTo(new LeaderEpochCache.EpochEnd(6, 20));
        assertThat(cache.endOffsetFor(3, 20)).isEqualTo(new LeaderEpochCache.EpochEnd(3, 12));
        assertThat(cache.endOffsetFor(4, 20)).as("an epoch this log never had: the largest below it, ending where"
                + " the next starts").isEqualTo(new LeaderEpochCache.EpochEnd(3, 12));
        assertThat(cache.endOffsetFor(0, 20)).as("below every epoch").isEqualTo(new LeaderEpochCache.EpochEnd(0, 0));
        assertThat(cache.endOffsetFor(7, 20)).as("above the latest").isEqualTo(LeaderEpochCache.EpochEnd.UNDEFINED);
    }

    @Test
    void survivesARestartInKafkasFileLayoutAndTruncatesWithTheLog() throws IOException {
        LeaderEpochCache cache = LeaderEpochCache.load(dir);
        cache.assign(0, 0);
        cache.assign(2, 100);
        cache.assign(5, 180);
        assertThat(Files.readAllLines(dir.resolve(LeaderEpochCache.FILE)))
                .containsExactly("0", "3", "0 0", "2 100", "5 180");

        LeaderEpochCache reloaded = LeaderEpochCache.load(dir);
        assertThat(reloaded.entries()).isEqualTo(cache.entries());
        reloaded.truncateFromEnd(150);
        assertThat(reloaded.latestEpoch()).isEqualTo(2);
        assertThat(LeaderEpochCache.load(dir).entries()).containsExactly(Map.entry(0, 0L), Map.entry(2, 100L));
    }

    @Test
    void aNewEpochReplacesEntriesForRecordsThatWereCut() throws IOException {
        LeaderEpochCache cache = LeaderEpochCache.load(dir);
        cache.assign(1, 0);
        cache.assign(2, 50);
        cache.assign(3, 40);
        assertThat(cache.entries()).containsExactly(Map.entry(1, 0L), Map.entry(3, 40L));
    }
}
