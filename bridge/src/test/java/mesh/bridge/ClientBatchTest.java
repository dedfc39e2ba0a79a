package mesh.bridge;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientBatchTest {
    @Test
    void readsTheClientIdentityAndSequences() throws Exception {
        ClientBatch b = ClientBatch.verify(TestBatches.batch(4242, (short) 3, 17, 5, Compression.NONE));
        assertEquals(4242, b.clientProducerId);
        assertEquals(3, b.clientEpoch);
        assertEquals(17, b.clientBaseSequence);
        assertEquals(21, b.clientLastSequence);
        assertEquals(5, b.sequenceSpan);
        assertEquals(5, b.recordCount);
        assertTrue(b.clientIdempotent());
        assertFalse(ClientBatch.verify(TestBatches.plain(2)).clientIdempotent());
    }

    @Test
    void rewriteSetsTheSessionAndKeepsTheCrcValid() throws Exception {
        for (Compression c : List.of(Compression.NONE, Compression.gzip().build(), Compression.lz4().build(),
                Compression.zstd().build(), Compression.snappy().build())) {
            MemoryRecords original = TestBatches.batch(99, (short) 1, 0, 10, c);
            List<String> before = values(original);
            ClientBatch b = ClientBatch.verify(original);
            b.rewrite(123_456_789L, (short) 7, 1000);
            MutableRecordBatch rewritten = b.records().batches().iterator().next();
            rewritten.ensureValid(); // CRC-32C recomputed
            assertEquals(123_456_789L, rewritten.producerId());
            assertEquals(7, rewritten.producerEpoch());
            assertEquals(1000, rewritten.baseSequence());
            assertEquals(1009, rewritten.lastSequence());
            assertEquals(c.type(), rewritten.compressionType());
            assertEquals(before, values(b.records()));
            // No copy: the request's bytes are the batch's.
            assertEquals(123_456_789L, original.batches().iterator().next().producerId());
        }
    }

    @Test
    void rewriteGivesANonIdempotentBatchTheSession() throws Exception {
        ClientBatch b = ClientBatch.verify(TestBatches.plain(3));
        b.rewrite(5, (short) 0, 0);
        MutableRecordBatch r = b.records().batches().iterator().next();
        r.ensureValid();
        assertTrue(r.hasProducerId());
        assertEquals(2, r.lastSequence());
    }

    @Test
    void corruptBatchIsRefusedBeforeAnyRewrite() {
        MemoryRecords records = TestBatches.batch(1, (short) 0, 0, 3, Compression.NONE);
        ByteBuffer buf = records.buffer();
        buf.put(buf.limit() - 1, (byte) (buf.get(buf.limit() - 1) ^ 0x55)); // flip bits in the last record
        ClientBatch.Refused e = assertThrows(ClientBatch.Refused.class, () -> ClientBatch.verify(records));
        assertEquals(Errors.CORRUPT_MESSAGE, e.error);
    }

    @Test
    void moreThanOneBatchIsInvalidRecord() {
        ByteBuffer two = ByteBuffer.allocate(4096);
        two.put(TestBatches.plain(1).buffer()).put(TestBatches.plain(1).buffer()).flip();
        ClientBatch.Refused e = assertThrows(ClientBatch.Refused.class,
                () -> ClientBatch.verify(MemoryRecords.readableRecords(two)));
        assertEquals(Errors.INVALID_RECORD, e.error);
    }

    @Test
    void oldMagicIsInvalidRecord() {
        MemoryRecords v1 = MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V1, Compression.NONE,
                new SimpleRecord("v".getBytes()));
        ClientBatch.Refused e = assertThrows(ClientBatch.Refused.class, () -> ClientBatch.verify(v1));
        assertEquals(Errors.INVALID_RECORD, e.error);
    }

    @Test
    void transactionalBatchIsRefused() {
        ClientBatch.Refused e = assertThrows(ClientBatch.Refused.class,
                () -> ClientBatch.verify(TestBatches.batch(1, (short) 0, 0, 1, Compression.NONE, true)));
        assertEquals(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, e.error);
    }

    @Test
    void emptyRecordsAreInvalidRecord() {
        ClientBatch.Refused e = assertThrows(ClientBatch.Refused.class, () -> ClientBatch.verify(MemoryRecords.EMPTY));
        assertEquals(Errors.INVALID_RECORD, e.error);
    }

    @Test
    void trailingBytesAreCorrupt() {
        ByteBuffer src = TestBatches.plain(2).buffer();
        ByteBuffer withTail = ByteBuffer.allocate(src.remaining() + 7);
        withTail.put(src).put(new byte[7]).flip();
        ClientBatch.Refused e = assertThrows(ClientBatch.Refused.class,
                () -> ClientBatch.verify(MemoryRecords.readableRecords(withTail)));
        assertEquals(Errors.CORRUPT_MESSAGE, e.error);
    }

    @Test
    void sequencesWrapAsTheBrokerCounts() {
        assertEquals(4, ClientBatch.nextSequence(Integer.MAX_VALUE - 1, 6));
        assertArrayEquals(new int[] {10}, new int[] {ClientBatch.nextSequence(5, 5)});
    }

    private static List<String> values(MemoryRecords records) {
        List<String> out = new ArrayList<>();
        for (Record r : records.records()) {
            byte[] v = new byte[r.valueSize()];
            r.value().get(v);
            out.add(new String(v));
        }
        return out;
    }
}
