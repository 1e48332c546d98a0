package dev.floe.broker.log;

import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

import java.nio.ByteBuffer;

/** Reads the type of a control batch (COMMIT or ABORT marker) with kafka-clients' record classes. */
final class ControlMarkers {
    private ControlMarkers() {
    }

    /** TRUE for COMMIT, FALSE for ABORT, null for any other control record (or none). */
    static Boolean isCommit(ByteBuffer batchBytes) {
        for (RecordBatch batch : MemoryRecords.readableRecords(batchBytes).batches()) {
            for (Record record : batch) {
                ControlRecordType type = ControlRecordType.parse(record.key());
                return type == ControlRecordType.COMMIT ? Boolean.TRUE
                        : type == ControlRecordType.ABORT ? Boolean.FALSE : null;
            }
        }
        return null;
    }
}
