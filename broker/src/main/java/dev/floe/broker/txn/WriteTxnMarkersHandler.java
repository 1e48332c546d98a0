package dev.floe.broker.txn;

import dev.floe.broker.protocol.ApiHandler;
import dev.floe.broker.protocol.RequestContext;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * WriteTxnMarkers: write COMMIT/ABORT markers to partitions this broker leads. Kafka's coordinators send it to
 * partition leaders; here its user is {@code kafka-transactions.sh abort}, which ends a hanging transaction on
 * one partition. A marker at an epoch older than the producer's is refused (INVALID_PRODUCER_EPOCH).
 */
public final class WriteTxnMarkersHandler implements ApiHandler<WriteTxnMarkersRequestData> {
    private final TxnMarkerWriter markers;

    public WriteTxnMarkersHandler(TransactionCoordinator coordinator) {
        this.markers = coordinator.markers();
    }

    @Override
    public CompletionStage<WriteTxnMarkersResponseData> handle(RequestContext ctx, WriteTxnMarkersRequestData request) {
        WriteTxnMarkersResponseData response = new WriteTxnMarkersResponseData();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (WriteTxnMarkersRequestData.WritableTxnMarker marker : request.markers()) {
            WriteTxnMarkersResponseData.WritableTxnMarkerResult result =
                    new WriteTxnMarkersResponseData.WritableTxnMarkerResult().setProducerId(marker.producerId());
            response.markers().add(result);
            for (WriteTxnMarkersRequestData.WritableTxnMarkerTopic t : marker.topics()) {
                WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult topic =
                        new WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult().setName(t.name());
                result.topics().add(topic);
                for (int p : t.partitionIndexes()) {
                    WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult out =
                            new WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult().setPartitionIndex(p);
                    topic.partitions().add(out);
                    writes.add(markers.writeOnce(new TopicPartition(t.name(), p), marker.producerId(),
                                    marker.producerEpoch(), marker.transactionResult())
                            .thenAccept((Errors error) -> out.setErrorCode(error.code())));
                }
            }
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(v -> response);
    }
}
