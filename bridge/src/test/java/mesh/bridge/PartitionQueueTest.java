package mesh.bridge;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sequence rules of the bridge's session, driven with the outcomes a broker can give. */
class PartitionQueueTest {
    private final PartitionQueue q = new PartitionQueue(new TopicPartition("t", 0));

    private Write add(int records) throws Exception {
        return add(records, Long.MAX_VALUE);
    }

    private Write add(int records, long deadline) throws Exception {
        Write w = new Write(q.tp, ClientBatch.verify(TestBatches.plain(records)), (short) -1, 0, deadline);
        q.add(w);
        return w;
    }

    private List<Write> sendAll(long now) {
        List<Write> out = new ArrayList<>();
        Write w;
        while ((w = q.next(now)) != null) {
            out.add(w);
        }
        return out;
    }

    @Test
    void sequencesFollowArrivalOrderAndRecordCounts() throws Exception {
        Write a = add(3);
        Write b = add(1);
        Write c = add(4);
        assertEquals(List.of(a, b, c), sendAll(0));
        assertEquals(0, a.sequence);
        assertEquals(3, b.sequence);
        assertEquals(4, c.sequence);
        q.succeeded(a);
        q.succeeded(b);
        q.succeeded(c);
        assertEquals(8, q.ackedNextForTest());
        assertTrue(q.isEmpty());
    }

    @Test
    void atMostFiveInFlight() throws Exception {
        for (int i = 0; i < 7; i++) {
            add(1);
        }
        assertEquals(5, sendAll(0).size());
        assertEquals(5, q.inFlight());
    }

    @Test
    void unknownOutcomeIsResentWithTheSameSequences() throws Exception {
        Write a = add(2);
        Write b = add(2);
        sendAll(0);
        q.retry(a, true, 100);
        q.retry(b, true, 100);
        assertNull(q.next(50)); // backoff
        assertEquals(List.of(a, b), sendAll(100));
        assertEquals(0, a.sequence);
        assertEquals(2, b.sequence);
        assertEquals(2, a.attempts);
    }

    @Test
    void noResendWhileAnEarlierAnswerIsOutstanding() throws Exception {
        Write a = add(1);
        Write b = add(1);
        sendAll(0);
        q.retry(b, false, 0); // b refused (e.g. NOT_LEADER) while a is still in flight
        assertNull(q.next(0));
        q.succeeded(a);
        assertSame(b, q.next(0));
        assertEquals(1, b.sequence);
    }

    @Test
    void definiteFailureResequencesTheLaterWrites() throws Exception {
        Write a = add(2);
        Write b = add(3); // will be refused, e.g. MESSAGE_TOO_LARGE
        Write c = add(1);
        Write d = add(1);
        sendAll(0);
        q.succeeded(a);
        q.failed(b);
        // c and d were sent after b's sequence: the broker answers OUT_OF_ORDER_SEQUENCE_NUMBER.
        assertEquals(PartitionQueue.Verdict.RETRY, q.outOfOrder(c, 0));
        assertEquals(PartitionQueue.Verdict.RETRY, q.outOfOrder(d, 0));
        assertEquals(List.of(c, d), sendAll(0));
        assertEquals(2, c.sequence); // right after a
        assertEquals(3, d.sequence);
    }

    @Test
    void failureWhileLaterWritesAreUnsentMovesTheNextSequenceBack() throws Exception {
        Write a = add(2);
        sendAll(0);
        q.failed(a);
        Write b = add(1);
        assertSame(b, q.next(0));
        assertEquals(0, b.sequence);
    }

    @Test
    void outOfOrderAtTheHeadMeansANewSession() throws Exception {
        Write a = add(1);
        Write b = add(1);
        sendAll(0);
        q.succeeded(a);
        // b follows the last acknowledged write, yet the broker says out of order.
        assertEquals(PartitionQueue.Verdict.NEW_SESSION, q.outOfOrder(b, 0));
        List<Write> unknown = q.resetSession();
        assertTrue(unknown.isEmpty());
        assertSame(b, q.next(0));
        assertEquals(0, b.sequence);
    }

    @Test
    void newSessionFailsWritesThatMayHaveBeenAppended() throws Exception {
        Write a = add(1);
        Write b = add(1);
        Write c = add(1);
        sendAll(0);
        q.retry(a, true, 0);   // timed out: may be appended
        q.retry(b, false, 0);  // refused: certainly not
        q.retry(c, false, 0);
        assertEquals(List.of(a), q.resetSession());
        assertEquals(List.of(b, c), sendAll(0));
        assertEquals(0, b.sequence);
        assertEquals(1, c.sequence);
    }

    @Test
    void expiryDropsOnlyWritesCertainlyNotAppended() throws Exception {
        Write a = add(1, 100);
        Write b = add(1, 100);
        Write c = add(1, 100);
        sendAll(0);
        q.retry(a, true, 0);
        q.retry(b, false, 0);
        // c is still in flight
        assertEquals(List.of(b), q.expire(200));
        assertEquals(2, q.size());
        assertTrue(q.stuckSince(150, 200));
        assertFalse(q.stuckSince(500, 200));
        q.succeeded(c); // cannot really happen after b's gap, but the bookkeeping must hold
    }

    @Test
    void anExpiredWriteTakesTheUnsentWritesBehindItWithIt() throws Exception {
        Write a = add(1);
        Write b = add(1, 100);
        Write c = add(1);
        sendAll(0);
        q.succeeded(a);
        q.retry(b, false, 0);
        q.retry(c, false, 0);
        // c is not due, but written after b failed it would land before b's retry.
        assertEquals(List.of(b, c), q.expire(100));
        assertEquals(0, q.size());
        Write d = add(1);
        assertSame(d, q.next(100));
        assertEquals(1, d.sequence);
    }

    @Test
    void successAnsweredOutOfOrderDoesNotMoveTheAckedSequenceBack() throws Exception {
        Write a = add(1);
        Write b = add(1);
        sendAll(0);
        q.succeeded(b);
        q.succeeded(a);
        assertEquals(2, q.ackedNextForTest());
    }
}
