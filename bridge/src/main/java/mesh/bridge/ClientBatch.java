package mesh.bridge;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.utils.Crc32C;

import java.nio.ByteBuffer;
import java.util.Iterator;

/**
 * One partition's records from a native produce request: exactly one magic-2 batch whose CRC-32C
 * verified. Takes over the request's bytes (no copy: the request message is the bridge's own), so
 * producer id, epoch and base sequence are rewritten in place to the bridge's session before each
 * send.
 */
final class ClientBatch {
    // Header offsets of a magic-2 batch (see DefaultRecordBatch); the CRC covers attributes..end.
    static final int CRC_OFFSET = 17;
    static final int ATTRIBUTES_OFFSET = 21;
    static final int LAST_OFFSET_DELTA_OFFSET = 23;
    static final int PRODUCER_ID_OFFSET = 43;
    static final int PRODUCER_EPOCH_OFFSET = 51;
    static final int BASE_SEQUENCE_OFFSET = 53;
    static final int HEADER_SIZE = 61;

    /** A batch the bridge refuses before writing, with the Kafka error a broker would give. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final Errors error;

        Refused(Errors error, String message) {
            super(message);
            this.error = error;
        }
    }

    final ByteBuffer buffer; // the batch's bytes, position 0, limit = batch size
    final long clientProducerId;
    final short clientEpoch;
    final int clientBaseSequence;
    final int clientLastSequence;
    /** Sequence numbers the batch takes: lastOffsetDelta + 1, as the broker counts them. */
    final int sequenceSpan;
    final int recordCount;

    private ClientBatch(ByteBuffer buffer, long pid, short epoch, int baseSeq, int lastSeq, int span, int count) {
        this.buffer = buffer;
        this.clientProducerId = pid;
        this.clientEpoch = epoch;
        this.clientBaseSequence = baseSeq;
        this.clientLastSequence = lastSeq;
        this.sequenceSpan = span;
        this.recordCount = count;
    }

    int sizeInBytes() {
        return buffer.limit();
    }

    boolean clientIdempotent() {
        return clientProducerId >= 0 && clientBaseSequence >= 0;
    }

    /**
     * Checks the records as a broker would and verifies the CRC. The batch keeps the records' bytes
     * and later rewrites them: the caller hands them over.
     */
    static ClientBatch verify(MemoryRecords records) throws Refused {
        if (records == null || records.sizeInBytes() == 0) {
            throw new Refused(Errors.INVALID_RECORD, "Produce request partition has no records");
        }
        try {
            // The broker's own check for v3+: exactly one batch, magic 2.
            ProduceRequest.validateRecords((short) 11, records);
        } catch (InvalidRecordException e) {
            throw new Refused(Errors.INVALID_RECORD, e.getMessage());
        } catch (CorruptRecordException e) {
            throw new Refused(Errors.CORRUPT_MESSAGE, e.getMessage());
        }
        Iterator<MutableRecordBatch> it = records.batches().iterator();
        MutableRecordBatch batch = it.next();
        if (batch.sizeInBytes() != records.sizeInBytes()) {
            throw new Refused(Errors.CORRUPT_MESSAGE, "Record batch size " + batch.sizeInBytes()
                    + " does not match the partition's " + records.sizeInBytes() + " bytes");
        }
        try {
            batch.ensureValid();
        } catch (CorruptRecordException e) {
            throw new Refused(Errors.CORRUPT_MESSAGE, e.getMessage());
        }
        if (batch.isTransactional()) {
            throw new Refused(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                    "Transactional batches are not forwarded by the mesh");
        }
        if (batch.isControlBatch()) {
            throw new Refused(Errors.INVALID_RECORD, "Control batches are not accepted from clients");
        }
        Integer count = batch.countOrNull();
        ByteBuffer src = records.buffer().duplicate();
        int lastOffsetDelta = src.getInt(src.position() + LAST_OFFSET_DELTA_OFFSET);
        if (count == null || count <= 0 || lastOffsetDelta < 0) {
            throw new Refused(Errors.INVALID_RECORD, "Record batch has no records");
        }
        return new ClientBatch(src.slice(), batch.producerId(), batch.producerEpoch(), batch.baseSequence(),
                batch.baseSequence() == RecordBatch.NO_SEQUENCE ? RecordBatch.NO_SEQUENCE : batch.lastSequence(),
                lastOffsetDelta + 1, count);
    }

    /** Puts the bridge session's identity and sequence into the header and recomputes the CRC-32C. */
    void rewrite(long producerId, short epoch, int baseSequence) {
        buffer.putLong(PRODUCER_ID_OFFSET, producerId);
        buffer.putShort(PRODUCER_EPOCH_OFFSET, epoch);
        buffer.putInt(BASE_SEQUENCE_OFFSET, baseSequence);
        long crc = Crc32C.compute(buffer, ATTRIBUTES_OFFSET, buffer.limit() - ATTRIBUTES_OFFSET);
        buffer.putInt(CRC_OFFSET, (int) crc);
    }

    MemoryRecords records() {
        return MemoryRecords.readableRecords(buffer.duplicate());
    }

    static int nextSequence(int sequence, int span) {
        return DefaultRecordBatch.incrementSequence(sequence, span);
    }
}
