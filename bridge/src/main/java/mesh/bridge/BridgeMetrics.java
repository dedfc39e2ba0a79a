package mesh.bridge;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchResponse;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The bridge's counters, rendered in the Prometheus text format at GET /metrics. Labels are the
 * cluster and, where an error is counted, the Kafka error name (a bounded set).
 */
final class BridgeMetrics {
    final String cluster;

    final LongAdder nativeRequests = new LongAdder();
    final LongAdder batchesWritten = new LongAdder();
    final LongAdder recordsWritten = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder dedupeHits = new LongAdder();
    final LongAdder sessions = new LongAdder();
    final LongAdder streamsOpened = new LongAdder();
    final LongAdder restRequests = new LongAdder();
    final AtomicLong activeStreams = new AtomicLong();
    final AtomicLong pendingResponses = new AtomicLong();
    final AtomicLong produceInFlight = new AtomicLong();
    final AtomicLong queuedWrites = new AtomicLong();        // submitted, not yet taken by the sender
    final AtomicLong queuedWritesInSender = new AtomicLong(); // taken, unfinished
    private final Map<Errors, LongAdder> partitionErrors = new ConcurrentHashMap<>();
    private final Map<Errors, LongAdder> retriesByError = new ConcurrentHashMap<>();
    final Histogram writeLatency = new Histogram(
            new double[] {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});

    // Forward endpoint (kafka.mesh.v1.Bridge/Forward).
    private final Map<ApiKeys, LongAdder> forwarded = new ConcurrentHashMap<>();
    private final Map<ApiKeys, Map<Errors, LongAdder>> forwardErrors = new ConcurrentHashMap<>();
    final LongAdder fetchResponseBytes = new LongAdder();
    final LongAdder forwardStreamsOpened = new LongAdder();
    final AtomicLong forwardStreamsActive = new AtomicLong();
    final AtomicLong forwardPending = new AtomicLong();
    final AtomicLong forwardConnectionsInUse = new AtomicLong();
    final AtomicLong forwardWaiting = new AtomicLong();
    final LongAdder forwardReadAheads = new LongAdder();
    final LongAdder forwardReadAheadHits = new LongAdder();
    final LongAdder forwardReadAheadsUnused = new LongAdder();
    java.util.function.Supplier<long[]> groupCounts = () -> new long[] {0, 0};

    LongSupplier queuedBytes = () -> 0;
    LongSupplier dedupeEntries = () -> 0;
    LongSupplier dedupeEvictions = () -> 0;

    BridgeMetrics(String cluster) {
        this.cluster = cluster;
    }

    void written(int records, int bytes) {
        batchesWritten.increment();
        recordsWritten.add(records);
        bytesWritten.add(bytes);
    }

    void retried(Errors error) {
        retriesByError.computeIfAbsent(error, e -> new LongAdder()).increment();
    }

    /** A partition answered to the filter with an error (bridge's or broker's). */
    void partitionError(Errors error) {
        partitionErrors.computeIfAbsent(error, e -> new LongAdder()).increment();
    }

    /** A request read on the forward endpoint. */
    void forwardRequests(ApiKeys api) {
        forwarded.computeIfAbsent(api, a -> new LongAdder()).increment();
    }

    /** The answer to a forwarded request: its errors (Kafka's own count) and, for Fetch, record bytes. */
    void forwardAnswered(ApiKeys api, AbstractResponse response) {
        Map<Errors, LongAdder> byError = null;
        for (Map.Entry<Errors, Integer> e : response.errorCounts().entrySet()) {
            if (e.getKey() == Errors.NONE) {
                continue;
            }
            if (byError == null) {
                byError = forwardErrors.computeIfAbsent(api, a -> new ConcurrentHashMap<>());
            }
            byError.computeIfAbsent(e.getKey(), x -> new LongAdder()).add(e.getValue());
        }
        if (response instanceof FetchResponse f) {
            long n = 0;
            for (var t : f.data().responses()) {
                for (var p : t.partitions()) {
                    n += FetchResponse.recordsSize(p);
                }
            }
            fetchResponseBytes.add(n);
        }
    }

    static final class Histogram {
        private final double[] bounds;
        private final LongAdder[] counts;
        private final LongAdder count = new LongAdder();
        private final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new LongAdder[bounds.length];
            for (int i = 0; i < bounds.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void observe(double v) {
            for (int i = 0; i < bounds.length; i++) {
                if (v <= bounds[i]) {
                    counts[i].increment();
                    break;
                }
            }
            count.increment();
            sum.add(v);
        }
    }

    String render() {
        StringBuilder b = new StringBuilder(4096);
        String c = "cluster=\"" + cluster + "\"";
        counter(b, "mesh_bridge_native_requests_total", "Produce requests received on the native endpoint", c, nativeRequests.sum());
        counter(b, "mesh_bridge_rest_requests_total", "Requests received on the Strimzi REST API", c, restRequests.sum());
        counter(b, "mesh_bridge_batches_written_total", "Record batches acknowledged by the cluster (native endpoint)", c, batchesWritten.sum());
        counter(b, "mesh_bridge_records_written_total", "Records in those batches", c, recordsWritten.sum());
        counter(b, "mesh_bridge_bytes_written_total", "Bytes of those batches", c, bytesWritten.sum());
        counter(b, "mesh_bridge_retries_total", "Batch resends after a retriable outcome", c, retries.sum());
        header(b, "mesh_bridge_retry_causes_total", "Retriable outcomes by Kafka error", "counter");
        retriesByError.forEach((e, n) -> line(b, "mesh_bridge_retry_causes_total", c + ",error=\"" + e.name() + "\"", n.sum()));
        header(b, "mesh_bridge_partition_errors_total", "Partitions answered with an error, by Kafka error", "counter");
        partitionErrors.forEach((e, n) -> line(b, "mesh_bridge_partition_errors_total", c + ",error=\"" + e.name() + "\"", n.sum()));
        counter(b, "mesh_bridge_dedupe_hits_total", "Client batches answered from the dedupe table instead of written again", c, dedupeHits.sum());
        counter(b, "mesh_bridge_dedupe_evictions_total", "Dedupe entries dropped (size bound or idle)", c, dedupeEvictions.getAsLong());
        gauge(b, "mesh_bridge_dedupe_entries", "Client producer-partitions in the dedupe table", c, dedupeEntries.getAsLong());
        counter(b, "mesh_bridge_sessions_total", "Idempotent producer sessions taken (InitProducerId)", c, sessions.sum());
        counter(b, "mesh_bridge_grpc_streams_total", "gRPC produce streams opened", c, streamsOpened.sum());
        gauge(b, "mesh_bridge_grpc_streams_active", "gRPC produce streams open now", c, activeStreams.get());
        gauge(b, "mesh_bridge_pending_responses", "Native requests not answered yet", c, pendingResponses.get());
        gauge(b, "mesh_bridge_produce_requests_in_flight", "ProduceRequests sent to brokers and not answered", c, produceInFlight.get());
        gauge(b, "mesh_bridge_queued_writes", "Batches in the bridge not written yet", c, queuedWrites.get() + queuedWritesInSender.get());
        gauge(b, "mesh_bridge_queued_bytes", "Bytes of those batches (bounded by bridge.max.queued.bytes)", c, queuedBytes.getAsLong());
        header(b, "mesh_bridge_forward_requests_total", "Requests received on the forward endpoint, by API", "counter");
        forwarded.forEach((a, n) -> line(b, "mesh_bridge_forward_requests_total", c + ",api=\"" + a.name + "\"", n.sum()));
        header(b, "mesh_bridge_forward_errors_total",
                "Errors in forward answers (partitions, groups or whole requests), by API and Kafka error", "counter");
        forwardErrors.forEach((a, m) -> m.forEach((e, n) -> line(b, "mesh_bridge_forward_errors_total",
                c + ",api=\"" + a.name + "\",error=\"" + e.name() + "\"", n.sum())));
        counter(b, "mesh_bridge_fetch_response_bytes_total", "Record bytes in Fetch answers on the forward endpoint", c, fetchResponseBytes.sum());
        counter(b, "mesh_bridge_forward_streams_total", "gRPC forward streams opened", c, forwardStreamsOpened.sum());
        gauge(b, "mesh_bridge_forward_streams_active", "gRPC forward streams open now", c, forwardStreamsActive.get());
        gauge(b, "mesh_bridge_forward_pending_responses", "Forwarded requests not answered yet", c, forwardPending.get());
        gauge(b, "mesh_bridge_forward_connections_in_use", "Pooled broker connections holding a forwarded request", c, forwardConnectionsInUse.get());
        gauge(b, "mesh_bridge_forward_waiting_requests", "Forwarded requests waiting for a pooled connection", c, forwardWaiting.get());
        counter(b, "mesh_bridge_forward_read_aheads_total", "Fetches the bridge asked ahead of a consumer (next offsets, max_wait_ms 0)", c, forwardReadAheads.sum());
        counter(b, "mesh_bridge_forward_read_ahead_hits_total", "Fetches answered from a read-ahead", c, forwardReadAheadHits.sum());
        counter(b, "mesh_bridge_forward_read_aheads_unused_total", "Read-aheads dropped unused after bridge.forward.read.ahead.ms", c, forwardReadAheadsUnused.sum());
        long[] g = groupCounts.get();
        gauge(b, "mesh_bridge_groups_active", "Consumer groups with a member seen alive in its session timeout", c, g[0]);
        gauge(b, "mesh_bridge_group_members_active", "Group members seen alive in their session timeout (JoinGroup, SyncGroup, Heartbeat answers)", c, g[1]);
        header(b, "mesh_bridge_write_latency_seconds", "First send to final answer of a batch", "histogram");
        long cumulative = 0;
        for (int i = 0; i < writeLatency.bounds.length; i++) {
            cumulative += writeLatency.counts[i].sum();
            line(b, "mesh_bridge_write_latency_seconds_bucket", c + ",le=\"" + writeLatency.bounds[i] + "\"", cumulative);
        }
        line(b, "mesh_bridge_write_latency_seconds_bucket", c + ",le=\"+Inf\"", writeLatency.count.sum());
        b.append("mesh_bridge_write_latency_seconds_sum{").append(c).append("} ").append(writeLatency.sum.sum()).append('\n');
        line(b, "mesh_bridge_write_latency_seconds_count", c, writeLatency.count.sum());
        return b.toString();
    }

    private static void counter(StringBuilder b, String name, String help, String labels, long v) {
        header(b, name, help, "counter");
        line(b, name, labels, v);
    }

    private static void gauge(StringBuilder b, String name, String help, String labels, long v) {
        header(b, name, help, "gauge");
        line(b, name, labels, v);
    }

    private static void header(StringBuilder b, String name, String help, String type) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void line(StringBuilder b, String name, String labels, long v) {
        b.append(name).append('{').append(labels).append("} ").append(v).append('\n');
    }
}
