package dev.floe.broker.txn;

import dev.floe.broker.group.CommittedOffset;
import dev.floe.broker.group.OffsetStore;
import dev.floe.broker.log.LogConfig;
import dev.floe.broker.log.LogManager;
import dev.floe.broker.log.PartitionLog;
import dev.floe.broker.log.SegmentReaper;
import dev.floe.broker.metrics.TopicMetrics;
import dev.floe.broker.produce.PartitionAppender;
import dev.floe.broker.produce.PartitionWriteQueues;
import dev.floe.broker.produce.ProduceHandler;
import dev.floe.broker.replication.Replication;
import dev.floe.broker.produce.ProducerIdAllocator;
import dev.floe.broker.produce.compression.CompressionMetrics;
import dev.floe.broker.topic.MetadataFile;
import dev.floe.broker.protocol.RequestContext;
import dev.floe.broker.topic.TopicRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The transaction coordinator over real partition logs (writes complete on the calling thread): epochs and
 * fencing, markers on every partition, offsets that count only when their transaction commits, and recovery
 * of a decided transaction from {@code __transaction_state} alone.
 */
class TransactionCoordinatorTest {
    private static final TopicPartition DATA = new TopicPartition("t", 0);
    private static final LogConfig CONFIG = new LogConfig(1 << 20, Long.MAX_VALUE, -1, -1, 1 << 20, 4096, 1 << 16,
            false, -1, -1, false);

    @TempDir
    Path dir;
    private ScheduledExecutorService scheduler;
    private LogManager logs;
    private PartitionAppender appender;
    private OffsetStore offsets;
    private ProducerIdAllocator ids;

    @BeforeEach
    void start() throws Exception {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        logs = new LogManager(dir.resolve("data"), new SegmentReaper(scheduler, 0));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        appender = new PartitionAppender(logs, new PartitionWriteQueues(Runnable::run), new TopicMetrics(registry),
                new CompressionMetrics(registry));
        for (TopicPartition tp : List.of(DATA, new TopicPartition(TxnStateLog.TOPIC, 0),
                new TopicPartition(OffsetStore.TOPIC, 0))) {
            logs.open(tp, CONFIG);
        }
        offsets = new OffsetStore(appender, 1);
        ids = new ProducerIdAllocator(new TopicRegistry(new MetadataFile(dir)));
    }

    @AfterEach
    void stop() throws Exception {
        logs.close();
        scheduler.shutdownNow();
    }

    private TransactionCoordinator coordinator() {
        TxnMetrics metrics = new TxnMetrics(new SimpleMeterRegistry());
        return new TransactionCoordinator(new TxnStateLog(appender, 1),
                new TxnMarkerWriter(appender, offsets, scheduler, metrics), ids, scheduler, Runnable::run, 900_000,
                metrics);
    }

    private void produce(long producerId, short epoch, int sequence, String value) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, producerId, epoch, sequence,
                true, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        builder.append(System.currentTimeMillis(), null, value.getBytes());
        assertThat(appender.append(DATA, builder.build()).join().error()).isEqualTo(Errors.NONE);
    }

    private PartitionLog data() {
        return logs.log(DATA);
    }

    @Test
    void aNewProducerAbortsTheOpenTransactionAndFencesTheOldEpoch() {
        TransactionCoordinator coordinator = coordinator();
        TransactionCoordinator.InitResult first = coordinator.initProducerId("app", 60_000, -1, (short) -1).join();
        assertThat(first.error()).isEqualTo(Errors.NONE);
        assertThat(first.epoch()).isZero();
        assertThat(coordinator.addPartitions("app", first.producerId(), first.epoch(), List.of(DATA)).join())
                .isEqualTo(Errors.NONE);
        produce(first.producerId(), first.epoch(), 0, "zombie");
        assertThat(data().lastStableOffset()).isZero();

        assertThat(coordinator.initProducerId("app", 60_000, -1, (short) -1).join().error())
                .as("the open transaction is aborted first").isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(data().lastStableOffset()).isEqualTo(data().highWatermark()).isEqualTo(2);
        assertThat(data().abortedTransactions(0, 2)).hasSize(1);
        TransactionCoordinator.InitResult second = coordinator.initProducerId("app", 60_000, -1, (short) -1).join();
        assertThat(second.error()).isEqualTo(Errors.NONE);
        assertThat(second.producerId()).isEqualTo(first.producerId());
        assertThat(second.epoch()).isEqualTo((short) 2);

        assertThat(coordinator.endTxn("app", first.producerId(), first.epoch(), true).join())
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(coordinator.addPartitions("app", first.producerId(), first.epoch(), List.of(DATA)).join())
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(coordinator.addPartitions("app", first.producerId() + 1, second.epoch(), List.of(DATA)).join())
                .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(coordinator.initProducerId("app", 0, -1, (short) -1).join().error())
                .isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
    }

    @Test
    void offsetsOfATransactionCountOnlyWhenItCommitsAndSurviveAReload() throws Exception {
        TransactionCoordinator coordinator = coordinator();
        TransactionCoordinator.InitResult p = coordinator.initProducerId("loop", 60_000, -1, (short) -1).join();
        TopicPartition offsetsPartition = new TopicPartition(OffsetStore.TOPIC, offsets.partitionFor("g"));
        CommittedOffset at42 = new CommittedOffset(42, -1, "", System.currentTimeMillis());

        assertThat(coordinator.addPartitions("loop", p.producerId(), p.epoch(), List.of(DATA, offsetsPartition)).join())
                .isEqualTo(Errors.NONE);
        assertThat(offsets.commitTransactional("g", p.producerId(), p.epoch(), Map.of(DATA, at42)).join())
                .isEqualTo(Errors.NONE);
        assertThat(offsets.committed("g")).isEmpty();
        assertThat(offsets.hasPendingOffset("g", DATA)).isTrue();
        assertThat(coordinator.describe("loop").state()).isEqualTo(TxnState.ONGOING);
        assertThat(coordinator.describe("loop").partitions()).containsExactlyInAnyOrder(DATA, offsetsPartition);

        assertThat(coordinator.endTxn("loop", p.producerId(), p.epoch(), true).join()).isEqualTo(Errors.NONE);
        assertThat(offsets.committed("g").get(DATA).offset()).isEqualTo(42);
        assertThat(offsets.hasPendingOffset("g", DATA)).isFalse();
        assertThat(coordinator.endTxn("loop", p.producerId(), p.epoch(), true).join())
                .as("a retried commit").isEqualTo(Errors.NONE);

        assertThat(coordinator.addPartitions("loop", p.producerId(), p.epoch(), List.of(offsetsPartition)).join())
                .isEqualTo(Errors.NONE);
        assertThat(offsets.commitTransactional("g", p.producerId(), p.epoch(),
                Map.of(DATA, new CommittedOffset(99, -1, "", 0))).join()).isEqualTo(Errors.NONE);
        assertThat(coordinator.endTxn("loop", p.producerId(), p.epoch(), false).join()).isEqualTo(Errors.NONE);
        assertThat(offsets.committed("g").get(DATA).offset()).isEqualTo(42);

        OffsetStore reloaded = new OffsetStore(appender, 1);
        reloaded.load(logs);
        assertThat(reloaded.committed("g").get(DATA).offset()).as("replayed with its markers").isEqualTo(42);
        assertThat(reloaded.hasPendingOffset("g", DATA)).isFalse();
    }

    @Test
    void addPartitionsV5VerifiesAndAddsForSeveralTransactions() {
        TransactionCoordinator coordinator = coordinator();
        TransactionCoordinator.InitResult a = coordinator.initProducerId("a", 60_000, -1, (short) -1).join();
        TransactionCoordinator.InitResult b = coordinator.initProducerId("b", 60_000, -1, (short) -1).join();
        coordinator.addPartitions("a", a.producerId(), a.epoch(), List.of(DATA)).join();
        TopicPartition other = new TopicPartition("t", 1);
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection txns =
                new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection();
        txns.add(transaction("a", a, true, DATA, other));
        txns.add(transaction("b", b, false, DATA));
        txns.add(transaction("c", b, true, DATA));
        AddPartitionsToTxnResponseData response = new AddPartitionsToTxnHandler(coordinator, null).handle(
                new RequestContext(new RequestHeaderData(), ApiKeys.ADD_PARTITIONS_TO_TXN, (short) 5, "test", "c1"),
                new AddPartitionsToTxnRequestData().setTransactions(txns)).toCompletableFuture().join();

        assertThat(error(response, "a", DATA)).isEqualTo(Errors.NONE);
        assertThat(error(response, "a", other)).as("not in the transaction").isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(error(response, "b", DATA)).isEqualTo(Errors.NONE);
        assertThat(coordinator.describe("b").state()).as("added, not only verified").isEqualTo(TxnState.ONGOING);
        assertThat(error(response, "c", DATA)).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    }

    private static AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction transaction(
            String id, TransactionCoordinator.InitResult producer, boolean verifyOnly, TopicPartition... partitions) {
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics =
                new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic topic =
                new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName("t");
        for (TopicPartition tp : partitions) {
            topic.partitions().add(tp.partition());
        }
        topics.add(topic);
        return new AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction().setTransactionalId(id)
                .setProducerId(producer.producerId()).setProducerEpoch(producer.epoch()).setVerifyOnly(verifyOnly)
                .setTopics(topics);
    }

    private static Errors error(AddPartitionsToTxnResponseData response, String id, TopicPartition tp) {
        return Errors.forCode(response.resultsByTransaction().find(id).topicResults().find(tp.topic())
                .resultsByPartition().find(tp.partition()).partitionErrorCode());
    }

    @Test
    void aDecidedCommitIsCompletedFromTheStateLogAtStart() throws Exception {
        long producerId = ids.nextId();
        produce(producerId, (short) 0, 0, "decided");
        long now = System.currentTimeMillis();
        // What a coordinator killed between PrepareCommit and its markers leaves behind.
        assertThat(new TxnStateLog(appender, 1).write(new TxnRecord("crashed", producerId, (short) 0, 60_000,
                TxnState.PREPARE_COMMIT, Set.of(DATA), now, now)).join()).isEqualTo(Errors.NONE);
        assertThat(data().lastStableOffset()).isZero();

        TransactionCoordinator restarted = coordinator();
        restarted.recover(logs);
        assertThat(restarted.describe("crashed").state()).isEqualTo(TxnState.COMPLETE_COMMIT);
        assertThat(data().lastStableOffset()).isEqualTo(data().highWatermark()).isEqualTo(2);
        assertThat(data().abortedTransactions(0, 2)).isEmpty();

        TransactionCoordinator again = coordinator();
        again.recover(logs);
        assertThat(again.describe("crashed").state()).as("the completion itself is durable")
                .isEqualTo(TxnState.COMPLETE_COMMIT);
        assertThat(data().highWatermark()).as("no second marker").isEqualTo(2);
    }

    private Errors tryProduce(long producerId, short epoch, int sequence, String value) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, producerId, epoch, sequence,
                true, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        builder.append(System.currentTimeMillis(), null, value.getBytes());
        return appender.append(DATA, builder.build()).join().error();
    }

    private short epochOnData(long producerId) {
        return data().producers().stream().filter(p -> p.producerId() == producerId).findFirst().orElseThrow()
                .epoch();
    }

    @Test
    void aV2EndTxnBumpsTheEpochWritesTheMarkersAtItAndAnswersARetry() {
        TransactionCoordinator coordinator = coordinator();
        TransactionCoordinator.InitResult p = coordinator.initProducerId("v2", 60_000, -1, (short) -1).join();
        TransactionEnlistmentCheck.enlist(coordinator, "v2", p.producerId(), p.epoch(), DATA);
        produce(p.producerId(), p.epoch(), 0, "first");

        TransactionCoordinator.EndResult committed = coordinator.endTxn("v2", p.producerId(), p.epoch(), true, true)
                .join();
        assertThat(committed.error()).isEqualTo(Errors.NONE);
        assertThat(committed.producerId()).isEqualTo(p.producerId());
        assertThat(committed.epoch()).isEqualTo((short) (p.epoch() + 1));
        assertThat(coordinator.describe("v2").state()).isEqualTo(TxnState.COMPLETE_COMMIT);
        assertThat(coordinator.describe("v2").epoch()).isEqualTo(committed.epoch());
        assertThat(epochOnData(p.producerId())).as("the marker carries the bumped epoch").isEqualTo(committed.epoch());
        assertThat(data().lastStableOffset()).isEqualTo(data().highWatermark()).isEqualTo(2);
        assertThat(tryProduce(p.producerId(), p.epoch(), 1, "late")).as("a late write of the ended epoch")
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);

        TransactionCoordinator.EndResult retried = coordinator.endTxn("v2", p.producerId(), p.epoch(), true, true)
                .join();
        assertThat(retried).as("a retried commit gets the completed outcome").isEqualTo(committed);
        assertThat(coordinator.endTxn("v2", p.producerId(), p.epoch(), false, true).join().error())
                .as("a retry must ask for the same outcome").isEqualTo(Errors.INVALID_TXN_STATE);

        // The next transaction, at the new epoch, aborted: another bump.
        TransactionEnlistmentCheck.enlist(coordinator, "v2", p.producerId(), committed.epoch(), DATA);
        assertThat(tryProduce(p.producerId(), committed.epoch(), 0, "second")).isEqualTo(Errors.NONE);
        TransactionCoordinator.EndResult aborted = coordinator.endTxn("v2", p.producerId(), committed.epoch(), false,
                true).join();
        assertThat(aborted.error()).isEqualTo(Errors.NONE);
        assertThat(aborted.epoch()).isEqualTo((short) (p.epoch() + 2));
        assertThat(data().abortedTransactions(0, data().highWatermark())).hasSize(1);
        assertThat(coordinator.endTxn("v2", p.producerId(), p.epoch(), true, true).join().error())
                .as("two epochs behind is a zombie, not a retry").isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void exhaustedEpochsMoveTheProducerToANewIdAndSurviveAReload() throws Exception {
        long oldId = ids.nextId();
        short last = TxnMetadata.LAST_USABLE_EPOCH;
        long now = System.currentTimeMillis();
        assertThat(new TxnStateLog(appender, 1).write(new TxnRecord("old", oldId, last, 60_000, TxnState.EMPTY,
                Set.of(), -1, now)).join()).isEqualTo(Errors.NONE);
        TransactionCoordinator coordinator = coordinator();
        coordinator.recover(logs);
        TransactionEnlistmentCheck.enlist(coordinator, "old", oldId, last, DATA);
        produce(oldId, last, 0, "at the last epoch");

        TransactionCoordinator.EndResult committed = coordinator.endTxn("old", oldId, last, true, true).join();
        assertThat(committed.error()).isEqualTo(Errors.NONE);
        assertThat(committed.producerId()).as("a new producer id").isNotEqualTo(oldId);
        assertThat(committed.epoch()).isZero();
        assertThat(epochOnData(oldId)).as("markers under the old id at its final epoch").isEqualTo(Short.MAX_VALUE);
        assertThat(data().lastStableOffset()).isEqualTo(data().highWatermark());

        TransactionCoordinator reloaded = coordinator();
        reloaded.recover(logs);
        assertThat(reloaded.describe("old").producerId()).isEqualTo(committed.producerId());
        assertThat(reloaded.endTxn("old", oldId, last, true, true).join())
                .as("a retry under the exhausted id, after a restart").isEqualTo(committed);
        assertThat(reloaded.initProducerId("old", 60_000, oldId, last).join().error())
                .as("the previous id may still re-initialise").isEqualTo(Errors.NONE);
    }

    @Test
    void stateRecordsOfVersion0StillLoadAndGoOnUnderV2() throws Exception {
        long producerId = ids.nextId();
        produce(producerId, (short) 3, 0, "open before the upgrade");
        long now = System.currentTimeMillis();
        TxnRecord old = new TxnRecord("legacy", producerId, (short) 3, 60_000, TxnState.ONGOING, Set.of(DATA), now,
                now);
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        builder.append(now, old.key(), old.value(TxnRecord.VALUE_VERSION_V0));
        assertThat(appender.append(new TopicPartition(TxnStateLog.TOPIC, 0), builder.build()).join().error())
                .isEqualTo(Errors.NONE);

        TransactionCoordinator coordinator = coordinator();
        coordinator.recover(logs);
        assertThat(coordinator.describe("legacy").state()).isEqualTo(TxnState.ONGOING);
        assertThat(coordinator.describe("legacy").partitions()).containsExactly(DATA);
        TransactionCoordinator.EndResult committed = coordinator.endTxn("legacy", producerId, (short) 3, true, true)
                .join();
        assertThat(committed.error()).isEqualTo(Errors.NONE);
        assertThat(committed.epoch()).isEqualTo((short) 4);
        assertThat(data().lastStableOffset()).isEqualTo(data().highWatermark());

        TransactionCoordinator reloaded = coordinator();
        reloaded.recover(logs);
        assertThat(reloaded.describe("legacy").epoch()).as("version 1 written on top").isEqualTo((short) 4);
        assertThat(reloaded.endTxn("legacy", producerId, (short) 3, true, true).join()).isEqualTo(committed);
    }

    @Test
    void implicitEnlistmentRefusesAStaleEpochAsAPartitionWould() {
        TransactionCoordinator coordinator = coordinator();
        TransactionCoordinator.InitResult first = coordinator.initProducerId("z", 60_000, -1, (short) -1).join();
        TransactionCoordinator.InitResult second = coordinator.initProducerId("z", 60_000, -1, (short) -1).join();
        assertThat(second.epoch()).isGreaterThan(first.epoch());
        assertThat(coordinator.enlistment().enlist("z", first.producerId(), first.epoch(), List.of(DATA)).join())
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(coordinator.enlistment().enlist("z", second.producerId(), second.epoch(), List.of(DATA)).join())
                .isEqualTo(Errors.NONE);
        assertThat(coordinator.describe("z").state()).isEqualTo(TxnState.ONGOING);
        assertThat(coordinator.describe("z").partitions()).containsExactly(DATA);
    }

    @Test
    void aV12ProduceJoinsTheTransactionItselfAndAStaleEpochIsRefused() {
        TransactionCoordinator coordinator = coordinator();
        ProduceHandler handler = new ProduceHandler(new Replication() {
            @Override
            public Errors checkLeader(TopicPartition tp, int clientLeaderEpoch) {
                return Errors.NONE;
            }

            @Override
            public int leaderEpoch(TopicPartition tp) {
                return 0;
            }

            @Override
            public int inSyncReplicas(TopicPartition tp) {
                return 1;
            }

            @Override
            public java.util.concurrent.CompletableFuture<Errors> awaitCommitted(TopicPartition tp, long offset,
                                                                                  int minInsync, long timeoutMs) {
                return java.util.concurrent.CompletableFuture.completedFuture(Errors.NONE);
            }
        }, appender, coordinator.enlistment());
        TransactionCoordinator.InitResult first = coordinator.initProducerId("p12", 60_000, -1, (short) -1).join();

        assertThat(produceV12(handler, "p12", first, 0)).isEqualTo(Errors.NONE);
        assertThat(coordinator.describe("p12").state()).isEqualTo(TxnState.ONGOING);
        assertThat(coordinator.describe("p12").partitions()).containsExactly(DATA);
        assertThat(data().lastStableOffset()).as("the write is part of the open transaction").isZero();

        assertThat(coordinator.initProducerId("p12", 60_000, -1, (short) -1).join().error())
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(coordinator.initProducerId("p12", 60_000, -1, (short) -1).join().error()).isEqualTo(Errors.NONE);
        long end = data().highWatermark();
        assertThat(produceV12(handler, "p12", first, 1)).as("the fenced producer's next write")
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(data().highWatermark()).isEqualTo(end);
        assertThat(coordinator.describe("p12").state()).as("nothing joined the new producer's state").isEqualTo(TxnState.EMPTY);
    }

    private static Errors produceV12(ProduceHandler handler, String id, TransactionCoordinator.InitResult producer,
                                     int sequence) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0L, RecordBatch.NO_TIMESTAMP, producer.producerId(),
                producer.epoch(), sequence, true, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        builder.append(System.currentTimeMillis(), null, "v12".getBytes());
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName(DATA.topic());
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(DATA.partition())
                .setRecords(builder.build()));
        topics.add(topic);
        ProduceResponseData response = handler.handle(new RequestContext(new RequestHeaderData(), ApiKeys.PRODUCE,
                        (short) 12, "test", "c1"), new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000)
                        .setTransactionalId(id).setTopicData(topics)).toCompletableFuture().join();
        return Errors.forCode(response.responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    /** Implicit enlistment as a v12 produce does it, asserting that it worked. */
    private static final class TransactionEnlistmentCheck {
        static void enlist(TransactionCoordinator coordinator, String id, long producerId, short epoch,
                           TopicPartition tp) {
            assertThat(coordinator.enlistment().enlist(id, producerId, epoch, List.of(tp)).join())
                    .isEqualTo(Errors.NONE);
        }
    }
}
