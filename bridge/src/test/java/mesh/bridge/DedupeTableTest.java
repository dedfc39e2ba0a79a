package mesh.bridge;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class DedupeTableTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final DedupeTable.Key KEY = new DedupeTable.Key(7, (short) 0, "t", 0);

    private static Write write(int seq, long deadline) throws Exception {
        return new Write(TP, ClientBatch.verify(TestBatches.batch(7, (short) 0, seq, 2, Compression.NONE)),
                (short) -1, 0, deadline);
    }

    @Test
    void resendJoinsTheWriteInFlightAndExtendsItsDeadline() throws Exception {
        DedupeTable t = new DedupeTable(10, 60_000);
        Write first = write(0, 1000);
        assertNull(t.lookupOrAdd(KEY, 0, 1, first, 0));
        Write again = write(0, 5000);
        assertSame(first.outcome, t.lookupOrAdd(KEY, 0, 1, again, 10));
        assertEquals(5000, first.deadlineMs());
        assertEquals(1, t.hits());
    }

    @Test
    void resendAfterSuccessGetsTheOriginalResult() throws Exception {
        DedupeTable t = new DedupeTable(10, 60_000);
        Write first = write(0, 1000);
        t.lookupOrAdd(KEY, 0, 1, first, 0);
        first.outcome.complete(WriteResult.ok(42, -1, 0));
        assertEquals(42, t.lookupOrAdd(KEY, 0, 1, write(0, 1000), 10).join().baseOffset);
    }

    @Test
    void failedWriteIsForgotten() throws Exception {
        DedupeTable t = new DedupeTable(10, 60_000);
        Write first = write(0, 1000);
        t.lookupOrAdd(KEY, 0, 1, first, 0);
        first.outcome.complete(WriteResult.error(Errors.REQUEST_TIMED_OUT, null));
        assertNull(t.lookupOrAdd(KEY, 0, 1, write(0, 1000), 10));
    }

    @Test
    void otherRangesOrIdentitiesAreNotDuplicates() throws Exception {
        DedupeTable t = new DedupeTable(10, 60_000);
        t.lookupOrAdd(KEY, 0, 1, write(0, 1000), 0);
        assertNull(t.lookupOrAdd(KEY, 2, 3, write(2, 1000), 0));
        assertNull(t.lookupOrAdd(KEY, 0, 2, write(0, 1000), 0)); // same start, other length
        assertNull(t.lookupOrAdd(new DedupeTable.Key(7, (short) 1, "t", 0), 0, 1, write(0, 1000), 0));
        assertNull(t.lookupOrAdd(new DedupeTable.Key(7, (short) 0, "t", 1), 0, 1, write(0, 1000), 0));
    }

    @Test
    void remembersTheLastFiveBatchesPerProducerPartition() throws Exception {
        DedupeTable t = new DedupeTable(10, 60_000);
        for (int i = 0; i < 6; i++) {
            t.lookupOrAdd(KEY, i * 2, i * 2 + 1, write(i * 2, 1000), 0);
        }
        assertNull(t.lookupOrAdd(KEY, 0, 1, write(0, 1000), 0)); // the oldest fell out
        assertNotNull(t.lookupOrAdd(KEY, 10, 11, write(10, 1000), 0));
    }

    @Test
    void boundedByEntriesLeastRecentlyUsedFirst() throws Exception {
        DedupeTable t = new DedupeTable(2, 60_000);
        DedupeTable.Key a = new DedupeTable.Key(1, (short) 0, "t", 0);
        DedupeTable.Key b = new DedupeTable.Key(2, (short) 0, "t", 0);
        DedupeTable.Key c = new DedupeTable.Key(3, (short) 0, "t", 0);
        t.lookupOrAdd(a, 0, 1, write(0, 1000), 0);
        t.lookupOrAdd(b, 0, 1, write(0, 1000), 1);
        t.lookupOrAdd(a, 2, 3, write(2, 1000), 2); // a used again: b is now the eldest
        t.lookupOrAdd(c, 0, 1, write(0, 1000), 3);
        assertEquals(2, t.size());
        assertEquals(1, t.evictions());
        assertNull(t.lookupOrAdd(b, 0, 1, write(0, 1000), 4)); // b was evicted
    }

    @Test
    void idleEntriesExpire() throws Exception {
        DedupeTable t = new DedupeTable(100, 1000);
        t.lookupOrAdd(KEY, 0, 1, write(0, 1000), 0);
        t.expire(500);
        assertEquals(1, t.size());
        t.expire(1500);
        assertEquals(0, t.size());
    }
}
