package mesh.bridge;

import org.apache.kafka.common.TopicPartition;

import java.util.concurrent.CompletableFuture;

/**
 * One client batch on its way to its partition. The sequence fields belong to the cluster's sender
 * thread; outcome is completed once, when the write is known to be appended or not.
 */
final class Write {
    final TopicPartition tp;
    final ClientBatch batch;
    final short acks; // -1 or 1 (acks=0 requests are written with 1)
    final long arrivalMs;
    final CompletableFuture<WriteResult> outcome = new CompletableFuture<>();
    private volatile long deadlineMs;

    // Sender-thread state (see PartitionQueue).
    long order;              // arrival order within the partition
    int sequence = -1;       // bridge session sequence, -1 until first sent
    boolean inFlight;
    boolean unknownOutcome;  // an attempt ended without an answer: it may have been appended
    int attempts;
    long firstSendNanos;

    Write(TopicPartition tp, ClientBatch batch, short acks, long arrivalMs, long deadlineMs) {
        this.tp = tp;
        this.batch = batch;
        this.acks = acks;
        this.arrivalMs = arrivalMs;
        this.deadlineMs = deadlineMs;
    }

    long deadlineMs() {
        return deadlineMs;
    }

    /** A retry attached through the dedupe table keeps the write alive for its own deadline too. */
    synchronized void extendDeadline(long ms) {
        if (ms > deadlineMs) {
            deadlineMs = ms;
        }
    }

    int size() {
        return batch.sizeInBytes();
    }

    @Override
    public String toString() {
        return tp + "#" + order + " seq=" + sequence;
    }
}
