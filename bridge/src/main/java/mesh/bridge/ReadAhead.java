package mesh.bridge;

import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Records;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fetch read-ahead: after a Fetch is answered with records, and the broker's watermarks say a
 * partition holds more past them, the bridge asks at once (max_wait_ms 0) for what the same
 * consumer will ask next, the same Fetch at the next offsets of the partitions that returned
 * records, and keeps the broker's answer a short time. A consumer at the end of the log causes no
 * read-ahead (it would come back empty: one more broker read per Fetch for nothing). A Fetch arriving for exactly
 * that (Key: version, isolation, max_bytes, rack, and per partition in order topic, partition,
 * offset, partition_max_bytes, leader epochs, log start offset) is answered from it, once; the
 * records are the broker's own batches and the watermarks the broker gave when it read them.
 * Entries live readAheadMs after their answer, and the bytes of entries (each counted at its
 * request's bound until answered) stay under maxBytes: beyond it no read-ahead is asked.
 */
final class ReadAhead {
    record Part(String topic, int partition, long offset, int partitionMaxBytes, int currentLeaderEpoch,
                int lastFetchedEpoch, long logStartOffset) { }

    record Key(short version, byte isolation, int maxBytes, int replicaId, String rackId, List<Part> parts) {
        static Key of(FetchRequest f) {
            FetchRequestData d = f.data();
            List<Part> parts = new ArrayList<>();
            for (FetchRequestData.FetchTopic t : d.topics()) {
                for (FetchRequestData.FetchPartition p : t.partitions()) {
                    parts.add(new Part(t.topic(), p.partition(), p.fetchOffset(), p.partitionMaxBytes(),
                            p.currentLeaderEpoch(), p.lastFetchedEpoch(), p.logStartOffset()));
                }
            }
            return new Key(f.version(), d.isolationLevel(), d.maxBytes(), d.replicaId(), d.rackId(), parts);
        }
    }

    record PartShape(String topic, int partition, int partitionMaxBytes) { }

    /** A Fetch without its offsets: the consumer whose Fetches a read-ahead follows. */
    record Shape(short version, byte isolation, int maxBytes, int replicaId, String rackId, List<PartShape> parts) {
        static Shape of(Key k) {
            List<PartShape> parts = new ArrayList<>(k.parts().size());
            for (Part p : k.parts()) {
                parts.add(new PartShape(p.topic(), p.partition(), p.partitionMaxBytes()));
            }
            return new Shape(k.version(), k.isolation(), k.maxBytes(), k.replicaId(), k.rackId(), parts);
        }
    }

    /** One read-ahead: in flight until response is set (IO thread), then served once. */
    static final class Entry {
        final Key key;
        final FetchRequest request;     // max_wait_ms 0
        final long reservedBytes;
        final List<Forwarder.Call> waiters = new ArrayList<>(); // IO thread
        volatile FetchResponse response;                       // set before done
        volatile long expiresMs;
        volatile boolean done;

        Entry(Key key, FetchRequest request, long reservedBytes) {
            this.key = key;
            this.request = request;
            this.reservedBytes = reservedBytes;
        }
    }

    private static final byte READ_COMMITTED = 1;

    /**
     * A consumer whose read-ahead expired unused (it takes longer than keepMs between Fetches,
     * or it seeked) gets none for QUIET_KEEPS x keepMs: a slow consumer costs the broker one
     * wasted read per that time, not one per Fetch.
     */
    static final int QUIET_KEEPS = 10;
    /** Bound of the consumers remembered as quiet (at it, those past their time are dropped first). */
    static final int MAX_QUIET = 10_000;

    final long keepMs;
    final long maxBytes;
    final Map<Key, Entry> entries = new ConcurrentHashMap<>();
    /** Shapes whose last read-ahead went unused, and until when they get none (IO thread). */
    final Map<Shape, Long> quietUntil = new java.util.HashMap<>();
    private final AtomicLong bytes = new AtomicLong();

    ReadAhead(long keepMs, long maxBytes) {
        this.keepMs = keepMs;
        this.maxBytes = maxBytes;
    }

    boolean enabled() {
        return keepMs > 0 && maxBytes > 0;
    }

    /** The answered entry for this Fetch, taken (removed) by the caller; null if none is ready. */
    Entry takeReady(Key key, long now) {
        Entry e = entries.get(key);
        if (e == null || !e.done || now >= e.expiresMs || !entries.remove(key, e)) {
            return null;
        }
        bytes.addAndGet(-e.reservedBytes);
        return e;
    }

    /** Removes an entry (expired, not servable, or served to a waiter); false if another took it. */
    boolean remove(Entry e) {
        if (entries.remove(e.key, e)) {
            bytes.addAndGet(-e.reservedBytes);
            return true;
        }
        return false;
    }

    /**
     * Drops answered entries past their time, unused (a used one is taken out when served): their
     * consumers get no read-ahead for a while. Returns how many were dropped. IO thread.
     */
    int expire(long now) {
        int unused = 0;
        for (Entry e : entries.values()) {
            if (e.done && now >= e.expiresMs && remove(e)) {
                unused++;
                quiet(Shape.of(e.key), now);
            }
        }
        return unused;
    }

    /** Remembers a consumer as quiet; a full table is swept of those past their time, not on every loop. */
    private void quiet(Shape shape, long now) {
        if (quietUntil.size() >= MAX_QUIET) {
            quietUntil.values().removeIf(until -> until <= now);
        }
        if (quietUntil.size() < MAX_QUIET) {
            quietUntil.put(shape, now + QUIET_KEEPS * keepMs);
        }
    }

    /**
     * The entry to ask for after request was answered with response, registered in flight; null
     * when there is nothing to read ahead (no records, an error, nothing more in the log), no
     * room, or the consumer's last read-ahead went unused a short while ago.
     */
    Entry next(FetchRequest request, FetchResponse response, long now) {
        FetchResponseData r = response.data();
        if (r.errorCode() != Errors.NONE.code()) {
            return null;
        }
        if (!quietUntil.isEmpty()) {
            Shape shape = Shape.of(Key.of(request));
            Long until = quietUntil.get(shape);
            if (until != null) {
                if (now < until) {
                    return null;
                }
                quietUntil.remove(shape);
            }
        }
        Map<String, Map<Integer, FetchResponseData.PartitionData>> answered = new java.util.HashMap<>();
        for (FetchResponseData.FetchableTopicResponse t : r.responses()) {
            for (FetchResponseData.PartitionData p : t.partitions()) {
                answered.computeIfAbsent(t.topic(), x -> new java.util.HashMap<>()).put(p.partitionIndex(), p);
            }
        }
        FetchRequestData d = request.data();
        FetchRequestData nd = new FetchRequestData().setClusterId(d.clusterId()).setReplicaId(d.replicaId())
                .setReplicaState(d.replicaState()).setMaxWaitMs(0).setMinBytes(d.minBytes()).setMaxBytes(d.maxBytes())
                .setIsolationLevel(d.isolationLevel()).setSessionId(d.sessionId()).setSessionEpoch(d.sessionEpoch())
                .setRackId(d.rackId()).setTopics(new ArrayList<>(d.topics().size()));
        boolean more = false;
        long bound = 0;
        for (FetchRequestData.FetchTopic t : d.topics()) {
            FetchRequestData.FetchTopic nt = new FetchRequestData.FetchTopic().setTopic(t.topic()).setTopicId(t.topicId())
                    .setPartitions(new ArrayList<>(t.partitions().size()));
            Map<Integer, FetchResponseData.PartitionData> byIndex = answered.getOrDefault(t.topic(), Map.of());
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                FetchResponseData.PartitionData a = byIndex.get(p.partition());
                if (a == null || a.errorCode() != Errors.NONE.code() || a.preferredReadReplica() >= 0
                        || a.divergingEpoch().epoch() >= 0 || a.snapshotId().epoch() >= 0) {
                    return null;
                }
                FetchRequestData.FetchPartition np = p.duplicate();
                MutableRecordBatch last = lastBatch(a.records());
                if (last != null) {
                    // More to read past these records, as the broker saw the partition: the
                    // high watermark, or the last stable offset for read_committed.
                    long end = d.isolationLevel() == READ_COMMITTED ? a.lastStableOffset() : a.highWatermark();
                    more |= last.nextOffset() < end;
                    np.setFetchOffset(last.nextOffset());
                    if (p.lastFetchedEpoch() >= 0) {
                        np.setLastFetchedEpoch(last.partitionLeaderEpoch());
                    }
                }
                bound += p.partitionMaxBytes();
                nt.partitions().add(np);
            }
            nd.topics().add(nt);
        }
        if (!more) {
            return null;
        }
        bound = Math.min(bound, Math.max(0, d.maxBytes()));
        FetchRequest next = new FetchRequest(nd, request.version());
        Key key = Key.of(next);
        if (entries.containsKey(key)) {
            return null;
        }
        if (bytes.addAndGet(bound) > maxBytes) {
            bytes.addAndGet(-bound);
            return null;
        }
        Entry e = new Entry(key, next, bound);
        if (entries.putIfAbsent(key, e) != null) {
            bytes.addAndGet(-bound);
            return null;
        }
        return e;
    }

    private static MutableRecordBatch lastBatch(BaseRecords records) {
        if (!(records instanceof Records rs)) {
            return null;
        }
        MutableRecordBatch last = null;
        for (org.apache.kafka.common.record.RecordBatch b : rs.batches()) {
            last = (MutableRecordBatch) b;
        }
        return last;
    }

    /** An answer worth keeping: records in some partition, and no error anywhere. */
    static boolean servable(FetchResponse f) {
        if (f.data().errorCode() != Errors.NONE.code()) {
            return false;
        }
        boolean records = false;
        for (FetchResponseData.FetchableTopicResponse t : f.data().responses()) {
            for (FetchResponseData.PartitionData p : t.partitions()) {
                if (p.errorCode() != Errors.NONE.code()) {
                    return false;
                }
                records |= FetchResponse.recordsSize(p) > 0;
            }
        }
        return records;
    }
}
