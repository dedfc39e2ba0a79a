package mesh.bridge;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The last batches of each idempotent client producer, keyed by the client's (producer id, epoch,
 * topic, partition): a batch resent by the client (say after a gRPC stream reset) is answered with
 * the first write's result, or joins that write while it is in flight, instead of being written
 * again. Bounded by entry count (least recently used first) and idle time.
 */
final class DedupeTable {
    static final int BATCHES_PER_PRODUCER = 5; // as many as a broker remembers per producer

    record Key(long producerId, short epoch, String topic, int partition) { }

    private static final class Remembered {
        final int firstSequence;
        final int lastSequence;
        final CompletableFuture<WriteResult> outcome;
        volatile Write write; // dropped once done, so the table does not hold batch bytes

        Remembered(int firstSequence, int lastSequence, Write write) {
            this.firstSequence = firstSequence;
            this.lastSequence = lastSequence;
            this.outcome = write.outcome;
            this.write = write;
        }
    }

    private static final class Entry {
        final ArrayDeque<Remembered> batches = new ArrayDeque<>(BATCHES_PER_PRODUCER);
        long lastUsedMs;
    }

    private final int maxEntries;
    private final long idleMs;
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(1024, 0.75f, true);
    private long evictions;
    private long hits;

    DedupeTable(int maxEntries, long idleMs) {
        this.maxEntries = maxEntries;
        this.idleMs = idleMs;
    }

    /**
     * Returns the outcome of the remembered write of this client batch (which now also lives until
     * the candidate's deadline), or remembers the candidate and returns null. A remembered write
     * that failed is forgotten: the client's resend is a new attempt.
     */
    synchronized CompletableFuture<WriteResult> lookupOrAdd(Key key, int firstSequence, int lastSequence, Write candidate, long nowMs) {
        Objects.requireNonNull(candidate);
        Entry e = entries.get(key);
        if (e == null) {
            e = new Entry();
            entries.put(key, e);
        }
        e.lastUsedMs = nowMs;
        for (Iterator<Remembered> it = e.batches.iterator(); it.hasNext(); ) {
            Remembered r = it.next();
            if (r.firstSequence == firstSequence && r.lastSequence == lastSequence) {
                WriteResult done = r.outcome.getNow(null);
                if (done == null || done.ok()) {
                    Write w = r.write;
                    if (w != null) {
                        w.extendDeadline(candidate.deadlineMs());
                    }
                    hits++;
                    return r.outcome;
                }
                it.remove();
                break;
            }
        }
        Remembered added = new Remembered(firstSequence, lastSequence, candidate);
        candidate.outcome.whenComplete((r, t) -> added.write = null);
        e.batches.addLast(added);
        while (e.batches.size() > BATCHES_PER_PRODUCER) {
            e.batches.pollFirst();
        }
        evict(nowMs);
        return null;
    }

    private void evict(long nowMs) {
        for (Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Entry> eldest = it.next();
            boolean tooMany = entries.size() > maxEntries;
            if (!tooMany && nowMs - eldest.getValue().lastUsedMs < idleMs) {
                break; // access order: everything after this was used more recently
            }
            it.remove();
            evictions++;
        }
    }

    /** Drops idle entries; called now and then so an idle table shrinks too. */
    synchronized void expire(long nowMs) {
        evict(nowMs);
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized long hits() {
        return hits;
    }

    synchronized long evictions() {
        return evictions;
    }
}
