package dev.floe.tier.txn;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The aborted-transaction index entry, byte for byte as Kafka lays it out. */
class TxnIndexFormatTest {

    @Test
    void anEntryIsKafkasThirtyFourBytes() {
        ByteBuffer bytes = TxnIndexFormat.encode(new AbortedTxn(7, 100, 140, 90));
        assertThat(bytes.remaining()).isEqualTo(34);
        assertThat(bytes.getShort(0)).as("version").isZero();
        assertThat(bytes.getLong(2)).as("producer id").isEqualTo(7);
        assertThat(bytes.getLong(10)).as("first offset").isEqualTo(100);
        assertThat(bytes.getLong(18)).as("last offset").isEqualTo(140);
        assertThat(bytes.getLong(26)).as("last stable offset").isEqualTo(90);
    }

    @Test
    void entriesRoundTripAndATornTailIsDropped() {
        List<AbortedTxn> txns = List.of(new AbortedTxn(1, 0, 5, 0), new AbortedTxn(2, 3, 9, 3));
        ByteBuffer file = ByteBuffer.allocate(2 * 34 + 20);
        txns.forEach(t -> file.put(TxnIndexFormat.encode(t)));
        file.put(new byte[20]).flip();
        assertThat(TxnIndexFormat.decode(file)).containsExactlyElementsOf(txns);
        assertThat(file.remaining()).as("decoding leaves the buffer as it was").isEqualTo(88);
    }

    @Test
    void anEntryOfAnUnknownVersionIsSkipped() {
        ByteBuffer file = ByteBuffer.allocate(68);
        file.put(TxnIndexFormat.encode(new AbortedTxn(1, 0, 5, 0)));
        ByteBuffer future = TxnIndexFormat.encode(new AbortedTxn(2, 6, 8, 6));
        future.putShort(0, (short) 1);
        file.put(future).flip();
        assertThat(TxnIndexFormat.decode(file)).containsExactly(new AbortedTxn(1, 0, 5, 0));
    }

    @Test
    void overlapAndCompletionFollowTheReadRange() {
        AbortedTxn txn = new AbortedTxn(1, 10, 20, 8);
        assertThat(TxnIndexFormat.overlaps(txn, 0, 10)).as("ends before the first record").isFalse();
        assertThat(TxnIndexFormat.overlaps(txn, 0, 11)).isTrue();
        assertThat(TxnIndexFormat.overlaps(txn, 20, 30)).as("the marker itself is in range").isTrue();
        assertThat(TxnIndexFormat.overlaps(txn, 21, 30)).isFalse();
        assertThat(TxnIndexFormat.completes(txn, 8)).isTrue();
        assertThat(TxnIndexFormat.completes(txn, 9)).isFalse();
    }
}
