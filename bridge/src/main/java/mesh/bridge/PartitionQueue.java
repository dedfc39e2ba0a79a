package mesh.bridge;

import org.apache.kafka.common.TopicPartition;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Sequence bookkeeping for one partition under the bridge's idempotent session, as KafkaProducer's
 * idempotent Sender keeps it. Used by the cluster's sender thread only.
 *
 * Writes are kept in arrival order and sent in that order; a write takes its sequence when first
 * sent and keeps it across retries, so the broker dedupes a resend after an unknown outcome. The
 * broker only appends a sequence right after the last appended one, so what is appended is always a
 * prefix of the sent order. After any failure the partition stops sending until nothing of it is in
 * flight, then resends from its first unfinished write; when that write's sequence no longer
 * follows the last acknowledged one (a write before it was definitely not appended), the
 * unfinished writes are re-sequenced from there.
 */
final class PartitionQueue {
    static final int MAX_IN_FLIGHT = 5;

    /** What a broker answer for one write means for the session. */
    enum Verdict { DONE, RETRY, NEW_SESSION }

    final TopicPartition tp;
    private final ArrayDeque<Write> writes = new ArrayDeque<>();
    private long nextOrder;
    private int nextSequence;     // sequence the next unsequenced write takes
    private int ackedNext;        // sequence right after the last acknowledged write
    private long ackedOrder = -1; // order of the last acknowledged write
    private int inFlight;
    private boolean retryPending;
    private long retryAtMs;
    private long queuedBytes;
    int topicAskedVersion = -1; // metadata version asked for while the topic/partition is unknown

    PartitionQueue(TopicPartition tp) {
        this.tp = tp;
    }

    void add(Write w) {
        w.order = nextOrder++;
        writes.addLast(w);
        queuedBytes += w.size();
    }

    boolean isEmpty() {
        return writes.isEmpty();
    }

    int size() {
        return writes.size();
    }

    int inFlight() {
        return inFlight;
    }

    long queuedBytes() {
        return queuedBytes;
    }

    Write first() {
        return writes.peekFirst();
    }

    /** The write to send next (in arrival order), or null while the partition must wait. */
    Write peek(long nowMs) {
        if (writes.isEmpty() || inFlight >= MAX_IN_FLIGHT || nowMs < retryAtMs) {
            return null;
        }
        if (retryPending) {
            if (inFlight > 0) {
                return null; // answers still to come may change what is appended
            }
            settle();
        }
        for (Write w : writes) {
            if (!w.inFlight) {
                return w;
            }
        }
        return null;
    }

    /**
     * When a write could next be sent as far as this partition is concerned: Long.MAX_VALUE while
     * nothing is unsent or the partition waits for answers (which wake the sender), the end of the
     * retry backoff, or nowMs when only a leader, a connection or room on it is missing.
     */
    long sendableAtMs(long nowMs) {
        if (writes.size() <= inFlight || inFlight >= MAX_IN_FLIGHT || (retryPending && inFlight > 0)) {
            return Long.MAX_VALUE;
        }
        return Math.max(nowMs, retryAtMs);
    }

    /** Marks the write returned by peek() as sent, giving it the next sequence on its first send. */
    void send(Write w) {
        if (w.sequence < 0) {
            w.sequence = nextSequence;
            nextSequence = ClientBatch.nextSequence(nextSequence, w.batch.sequenceSpan);
        }
        w.inFlight = true;
        w.attempts++;
        inFlight++;
    }

    /** Test helper: peek and send. */
    Write next(long nowMs) {
        Write w = peek(nowMs);
        if (w != null) {
            send(w);
        }
        return w;
    }

    /** Nothing in flight: decide whether the unfinished writes keep their sequences. */
    private void settle() {
        retryPending = false;
        Write first = writes.peekFirst();
        if (first != null && first.sequence >= 0 && first.sequence != ackedNext) {
            // A write before this one was definitely not appended, so none after it can have
            // been: sequence them again right after the last acknowledged write.
            for (Write w : writes) {
                w.sequence = -1;
                w.unknownOutcome = false;
            }
            nextSequence = ackedNext;
        } else if (first == null || first.sequence < 0) {
            nextSequence = ackedNext;
        }
    }

    /** The write was appended (or the broker already had it). */
    void succeeded(Write w) {
        finish(w);
        if (w.order > ackedOrder) {
            ackedOrder = w.order;
            ackedNext = ClientBatch.nextSequence(w.sequence, w.batch.sequenceSpan);
        }
    }

    /** The write was definitely not appended and will not be tried again. */
    void failed(Write w) {
        finish(w);
        retryPending = true; // later writes' sequences now have a gap
    }

    /** The write must be tried again: not appended (unknown == false) or outcome unknown. */
    void retry(Write w, boolean unknown, long retryAtMs) {
        if (w.inFlight) {
            w.inFlight = false;
            inFlight--;
        }
        w.unknownOutcome |= unknown;
        retryPending = true;
        this.retryAtMs = Math.max(this.retryAtMs, retryAtMs);
    }

    /**
     * OUT_OF_ORDER_SEQUENCE_NUMBER: the write is not appended. When a write before it is still
     * unresolved that explains the gap; when it is the first unfinished write and follows the last
     * acknowledged one, the broker's producer state is not ours and only a new session helps.
     */
    Verdict outOfOrder(Write w, long retryAtMs) {
        boolean explained = writes.peekFirst() != w || w.sequence != ackedNext;
        retry(w, false, retryAtMs);
        return explained ? Verdict.RETRY : Verdict.NEW_SESSION;
    }

    private void finish(Write w) {
        if (w.inFlight) {
            w.inFlight = false;
            inFlight--;
        }
        if (writes.peekFirst() == w) {
            writes.pollFirst();
        } else {
            writes.remove(w);
        }
        queuedBytes -= w.size();
    }

    /**
     * Writes past their deadline that can be dropped: not in flight and certainly not appended,
     * and every such write behind the first one dropped, due or not. A later write must not
     * reach the log before the client has retried an earlier one it was told failed (a broker
     * refuses it with OUT_OF_ORDER_SEQUENCE_NUMBER; under the bridge's own sequences only the
     * bridge can). A write whose outcome is unknown is kept until it is resolved or the session
     * is renewed.
     */
    List<Write> expire(long nowMs) {
        return removeUnsent(nowMs);
    }

    /** Writes that can be failed at once (unknown topic): not in flight, certainly not appended. */
    List<Write> drainUnsent() {
        return removeUnsent(Long.MIN_VALUE);
    }

    /** Removes unsent writes due at nowMs (Long.MIN_VALUE: all of them) and every unsent one behind. */
    private List<Write> removeUnsent(long nowMs) {
        List<Write> out = null;
        for (Iterator<Write> it = writes.iterator(); it.hasNext(); ) {
            Write w = it.next();
            boolean due = nowMs == Long.MIN_VALUE || nowMs >= w.deadlineMs() || out != null;
            if (!w.inFlight && !w.unknownOutcome && due) {
                it.remove();
                queuedBytes -= w.size();
                if (w.sequence >= 0) {
                    retryPending = true;
                }
                if (out == null) {
                    out = new ArrayList<>();
                }
                out.add(w);
            }
        }
        return out == null ? List.of() : out;
    }

    /** True when a write of unknown outcome has waited past the given cap since it arrived. */
    boolean stuckSince(long capMs, long nowMs) {
        for (Write w : writes) {
            if (w.unknownOutcome && !w.inFlight && nowMs - w.arrivalMs >= capMs) {
                return true;
            }
        }
        return false;
    }

    /**
     * A new session starts (nothing in flight): writes that may have been appended under the old
     * one cannot be resent without risking a duplicate, so they are returned to be failed; the
     * others start over from sequence 0.
     */
    List<Write> resetSession() {
        List<Write> unknown = new ArrayList<>();
        for (Iterator<Write> it = writes.iterator(); it.hasNext(); ) {
            Write w = it.next();
            if (w.unknownOutcome) {
                it.remove();
                queuedBytes -= w.size();
                unknown.add(w);
            } else {
                w.sequence = -1;
            }
        }
        nextSequence = 0;
        ackedNext = 0;
        ackedOrder = nextOrder - 1;
        retryPending = false;
        retryAtMs = 0;
        inFlight = 0;
        return unknown;
    }

    /** Everything still queued, removed (shutdown). */
    List<Write> drainAll() {
        List<Write> out = new ArrayList<>(writes);
        writes.clear();
        queuedBytes = 0;
        return out;
    }

    int nextSequenceForTest() {
        return nextSequence;
    }

    int ackedNextForTest() {
        return ackedNext;
    }
}
