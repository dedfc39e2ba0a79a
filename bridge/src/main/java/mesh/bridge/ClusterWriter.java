package mesh.bridge;

import org.apache.kafka.clients.ApiVersions;
import org.apache.kafka.clients.ClientRequest;
import org.apache.kafka.clients.ClientResponse;
import org.apache.kafka.clients.ClientUtils;
import org.apache.kafka.clients.KafkaClient;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes client batches to one cluster with kafka-clients' NetworkClient and ProducerMetadata, on
 * one sender thread (as KafkaProducer's Sender): leader discovery, up to five requests in flight
 * per connection, at most one batch per partition per ProduceRequest, retries until the deadline.
 * Every batch is written under the bridge's own idempotent session (InitProducerId with no
 * transactional id), with its producer id, epoch and sequence rewritten; see PartitionQueue.
 */
final class ClusterWriter {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterWriter.class);
    static final int MAX_IN_FLIGHT_PER_CONNECTION = 5;
    private static final short MAX_PRODUCE_VERSION = 11;

    private final String cluster;
    private final BridgeMetrics metrics;
    private final Time time = Time.SYSTEM;
    private final BridgeMetadata metadata;
    private final KafkaClient client;
    private final Metrics kafkaMetrics;
    private final int requestTimeoutMs;
    private final int maxRequestSize;
    private final long retryBackoffMs;
    private final long deliveryTimeoutMs;
    private final Runnable onBytesReleased;
    private final Thread thread;

    private final ConcurrentLinkedQueue<Write> incoming = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Map<TopicPartition, PartitionQueue> partitions = new LinkedHashMap<>();

    // Sender-thread state.
    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short epoch = RecordBatch.NO_PRODUCER_EPOCH;
    private boolean initInFlight;
    private long initRetryAtMs;
    private boolean newSessionWanted;
    private String newSessionReason;
    private int produceInFlight;
    private long nextExpiryMs;

    private volatile boolean hasSession;
    private volatile boolean stopping;
    private volatile boolean polling; // the sender is in (or about to enter) client.poll
    private volatile long drainDeadlineMs = Long.MAX_VALUE;

    /** Limits taken from the producer config. */
    record Limits(int requestTimeoutMs, int maxRequestSize, long retryBackoffMs, long deliveryTimeoutMs) {
        static Limits of(ProducerConfig config) {
            return new Limits(config.getInt(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG),
                    config.getInt(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                    config.getLong(ProducerConfig.RETRY_BACKOFF_MS_CONFIG),
                    config.getInt(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG));
        }
    }

    static ClusterWriter create(String cluster, ProducerConfig config, BridgeMetrics metrics, Runnable onBytesReleased) {
        LogContext logContext = new LogContext("[mesh-bridge cluster=" + cluster + "] ");
        Time time = Time.SYSTEM;
        BridgeMetadata metadata = new BridgeMetadata(config.getLong(ProducerConfig.RETRY_BACKOFF_MS_CONFIG),
                config.getLong(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG),
                config.getLong(ProducerConfig.METADATA_MAX_AGE_CONFIG),
                config.getLong(ProducerConfig.METADATA_MAX_IDLE_CONFIG),
                logContext, time);
        metadata.bootstrap(ClientUtils.parseAndValidateAddresses(config));
        Metrics kafkaMetrics = new Metrics(time);
        // The channel builder follows security.protocol, sasl.* and ssl.* of the producer config.
        KafkaClient client = ClientUtils.createNetworkClient(config, kafkaMetrics, "mesh-bridge", logContext,
                new ApiVersions(), time, MAX_IN_FLIGHT_PER_CONNECTION, metadata, null, null);
        return new ClusterWriter(cluster, Limits.of(config), metrics, onBytesReleased, client, metadata, kafkaMetrics);
    }

    ClusterWriter(String cluster, Limits limits, BridgeMetrics metrics, Runnable onBytesReleased, KafkaClient client,
                  BridgeMetadata metadata, Metrics kafkaMetrics) {
        this.cluster = cluster;
        this.metrics = metrics;
        this.onBytesReleased = onBytesReleased;
        this.requestTimeoutMs = limits.requestTimeoutMs();
        this.maxRequestSize = limits.maxRequestSize();
        this.retryBackoffMs = limits.retryBackoffMs();
        this.deliveryTimeoutMs = limits.deliveryTimeoutMs();
        this.metadata = metadata;
        this.client = client;
        this.kafkaMetrics = kafkaMetrics;
        this.thread = new Thread(this::run, "sender-" + cluster);
    }

    void start() {
        thread.start();
    }

    int requestTimeoutMs() {
        return requestTimeoutMs;
    }

    long deliveryTimeoutMs() {
        return deliveryTimeoutMs;
    }

    int maxRequestSize() {
        return maxRequestSize;
    }

    long queuedBytes() {
        return queuedBytes.get();
    }

    /** True once the cluster granted the bridge a producer id (it answered). */
    boolean hasSession() {
        return hasSession;
    }

    /** Queues a write; called from any thread. Writes of one partition keep their submit order. */
    void submit(Write w) {
        queuedBytes.addAndGet(w.size());
        metrics.queuedWrites.incrementAndGet();
        incoming.add(w);
        // Only a sender blocked in poll needs the (system call) wake-up; a busy one takes the
        // write on its next round. polling is set before the sender looks at incoming.
        if (polling) {
            client.wakeup();
        }
    }

    /** Stops after what is queued is written or the deadline passes; the rest fail. Blocks. */
    void drainAndClose(long timeoutMs) throws InterruptedException {
        drainDeadlineMs = time.milliseconds() + timeoutMs;
        stopping = true;
        client.wakeup();
        thread.join(timeoutMs + 5000);
    }

    private void run() {
        LOG.info("event=sender_start cluster={} request_timeout_ms={} delivery_timeout_ms={} max_request_size={}",
                cluster, requestTimeoutMs, deliveryTimeoutMs, maxRequestSize);
        try {
            while (true) {
                long now = time.milliseconds();
                if (stopping && (idle() || now >= drainDeadlineMs)) {
                    break;
                }
                try {
                    runOnce(now);
                } catch (RuntimeException e) {
                    // One bad iteration must not stop the cluster's writes; back off a little.
                    LOG.error("event=sender_error cluster={} error=\"{}\"", cluster, e.toString(), e);
                    Thread.sleep(retryBackoffMs);
                }
            }
        } catch (Throwable t) {
            LOG.error("event=sender_failed cluster={} error=\"{}\"", cluster, t.toString(), t);
        }
        failEverything("bridge shutting down");
        try {
            client.close();
        } catch (java.io.IOException e) {
            LOG.warn("event=client_close_failed cluster={} error=\"{}\"", cluster, e.toString());
        }
        kafkaMetrics.close();
        metadata.close();
        LOG.info("event=sender_stop cluster={}", cluster);
    }

    private boolean idle() {
        if (!incoming.isEmpty() || produceInFlight > 0) {
            return false;
        }
        for (PartitionQueue q : partitions.values()) {
            if (!q.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** One round of the sender loop; the sender thread's, or a test's. */
    void runOnce(long now) {
        takeIncoming(now);
        if (now >= nextExpiryMs) {
            expire(now);
            nextExpiryMs = now + 100;
        }
        if (newSessionWanted && produceInFlight == 0) {
            resetSession();
        }
        if (producerId == RecordBatch.NO_PRODUCER_ID) {
            maybeInitProducerId(now);
        } else if (!newSessionWanted) {
            sendProduceRequests(now);
        }
        // Answers, new writes (submit wakes the poll) and connections end the poll early; it is
        // bounded only by what no socket announces: a backoff ending, or unsent writes that wait
        // for a leader or a connection (looked at again soon).
        long pollMs = 500;
        long shortPollMs = Math.max(1, Math.min(retryBackoffMs, 20));
        for (PartitionQueue q : partitions.values()) {
            if (q.isEmpty()) {
                continue;
            }
            pollMs = Math.min(pollMs, Math.max(1, nextExpiryMs - now)); // deadlines of queued writes
            long at = q.sendableAtMs(now);
            if (at != Long.MAX_VALUE) {
                pollMs = Math.min(pollMs, at > now ? at - now : shortPollMs);
            }
        }
        if (initRetryAtMs > now) {
            pollMs = Math.min(pollMs, initRetryAtMs - now);
        }
        polling = true;
        if (!incoming.isEmpty() || stopping) {
            pollMs = 0;
        }
        try {
            client.poll(pollMs, now);
        } finally {
            polling = false;
        }
        metrics.produceInFlight.set(produceInFlight);
    }

    private void takeIncoming(long now) {
        Write w;
        while ((w = incoming.poll()) != null) {
            metrics.queuedWrites.decrementAndGet();
            metadata.want(w.tp.topic());
            metadata.add(w.tp.topic(), now); // keeps the topic in the metadata requests
            partitions.computeIfAbsent(w.tp, PartitionQueue::new).add(w);
        }
    }

    private void expire(long now) {
        int queued = 0;
        for (PartitionQueue q : partitions.values()) {
            for (Write w : q.expire(now)) {
                complete(w, WriteResult.error(Errors.REQUEST_TIMED_OUT,
                        "Not written within the request timeout (cluster " + cluster + ")"));
            }
            if (!newSessionWanted && producerId != RecordBatch.NO_PRODUCER_ID && q.stuckSince(deliveryTimeoutMs, now)) {
                wantNewSession("unresolved write on " + q.tp + " past delivery.timeout.ms");
            }
            queued += q.size();
        }
        // Partition queues are kept while the session lives: they hold its sequence numbers.
        metrics.queuedWritesInSender.set(queued);
    }

    private void wantNewSession(String reason) {
        if (!newSessionWanted) {
            newSessionWanted = true;
            newSessionReason = reason;
            LOG.warn("event=session_lost cluster={} producer_id={} epoch={} reason=\"{}\"", cluster, producerId, epoch, reason);
        }
    }

    /** Nothing in flight: forget the old session; InitProducerId follows. */
    private void resetSession() {
        int failed = 0;
        for (PartitionQueue q : partitions.values()) {
            for (Write w : q.resetSession()) {
                failed++;
                complete(w, WriteResult.error(Errors.REQUEST_TIMED_OUT,
                        "Outcome unknown when the bridge's producer session was renewed"));
            }
        }
        LOG.info("event=session_reset cluster={} old_producer_id={} reason=\"{}\" failed_unknown={}",
                cluster, producerId, newSessionReason, failed);
        producerId = RecordBatch.NO_PRODUCER_ID;
        epoch = RecordBatch.NO_PRODUCER_EPOCH;
        hasSession = false;
        newSessionWanted = false;
    }

    private void maybeInitProducerId(long now) {
        if (initInFlight || now < initRetryAtMs) {
            return;
        }
        Node node = client.leastLoadedNode(now).node();
        if (node == null || !client.ready(node, now)) {
            return; // ready() starts connecting; poll() moves it on
        }
        InitProducerIdRequest.Builder builder = new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                .setTransactionalId(null)
                .setTransactionTimeoutMs(Integer.MAX_VALUE));
        ClientRequest request = client.newClientRequest(node.idString(), builder, now, true, requestTimeoutMs,
                this::handleInitResponse);
        client.send(request, now);
        initInFlight = true;
    }

    private void handleInitResponse(ClientResponse response) {
        initInFlight = false;
        long now = time.milliseconds();
        Errors error = Errors.NETWORK_EXCEPTION;
        if (response.hasResponse() && response.responseBody() instanceof InitProducerIdResponse r) {
            error = r.error();
            if (error == Errors.NONE) {
                producerId = r.data().producerId();
                epoch = r.data().producerEpoch();
                hasSession = true;
                metrics.sessions.increment();
                LOG.info("event=session cluster={} producer_id={} epoch={} node={}", cluster, producerId, epoch,
                        response.destination());
                return;
            }
        }
        initRetryAtMs = now + retryBackoffMs;
        if (error.exception() instanceof RetriableException || error == Errors.NETWORK_EXCEPTION) {
            LOG.debug("event=init_producer_id_retry cluster={} error={}", cluster, error.name());
        } else {
            LOG.warn("event=init_producer_id_failed cluster={} error={}", cluster, error.name());
        }
    }

    private void sendProduceRequests(long now) {
        Cluster view = metadata.fetch();
        Map<Node, List<PartitionQueue>> byLeader = new HashMap<>();
        for (PartitionQueue q : partitions.values()) {
            if (q.isEmpty()) {
                continue;
            }
            Node leader = view.leaderFor(q.tp);
            if (leader == null) {
                noLeader(q, view);
                continue;
            }
            q.topicAskedVersion = -1;
            byLeader.computeIfAbsent(leader, n -> new ArrayList<>()).add(q);
        }
        for (Map.Entry<Node, List<PartitionQueue>> e : byLeader.entrySet()) {
            Node leader = e.getKey();
            // ready() connects when needed and is false while five requests are in flight.
            while (client.ready(leader, now)) {
                if (!sendOne(leader, e.getValue(), now)) {
                    break;
                }
            }
        }
    }

    /** Builds one ProduceRequest for the leader: one batch per partition, one acks value. */
    private boolean sendOne(Node leader, List<PartitionQueue> queues, long now) {
        short acks = 0;
        int size = 0;
        Map<TopicPartition, Write> batch = new LinkedHashMap<>();
        for (PartitionQueue q : queues) {
            Write w = q.peek(now);
            if (w == null) {
                continue;
            }
            if (acks == 0) {
                acks = w.acks;
            }
            if (w.acks != acks || (size > 0 && size + w.size() > maxRequestSize)) {
                continue; // next request
            }
            q.send(w);
            size += w.size();
            batch.put(w.tp, w);
        }
        if (batch.isEmpty()) {
            return false;
        }
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        for (Write w : batch.values()) {
            w.batch.rewrite(producerId, epoch, w.sequence);
            if (w.attempts == 1) {
                w.firstSendNanos = System.nanoTime();
            } else {
                metrics.retries.increment();
            }
            ProduceRequestData.TopicProduceData t = topics.find(w.tp.topic(), Uuid.ZERO_UUID);
            if (t == null) {
                t = new ProduceRequestData.TopicProduceData().setName(w.tp.topic());
                topics.add(t);
            }
            t.partitionData().add(new ProduceRequestData.PartitionProduceData()
                    .setIndex(w.tp.partition())
                    .setRecords(w.batch.records()));
        }
        ProduceRequestData data = new ProduceRequestData()
                .setAcks(acks)
                .setTimeoutMs(requestTimeoutMs)
                .setTransactionalId(null)
                .setTopicData(topics);
        ProduceRequest.Builder builder = new ProduceRequest.Builder((short) 3, MAX_PRODUCE_VERSION, data);
        long sessionId = producerId;
        ClientRequest request = client.newClientRequest(leader.idString(), builder, now, true, requestTimeoutMs,
                response -> handleProduceResponse(response, batch, sessionId));
        client.send(request, now);
        produceInFlight++;
        return true;
    }

    /** No leader known: wait for one, or fail the writes when the topic or partition does not exist. */
    private void noLeader(PartitionQueue q, Cluster view) {
        String topic = q.tp.topic();
        Integer count = view.partitionCountForTopic(topic);
        if (count != null && q.tp.partition() < count) {
            metadata.requestUpdate(false); // leader election under way
            return;
        }
        if (q.topicAskedVersion < 0) {
            q.topicAskedVersion = metadata.requestUpdateForTopic(topic);
            return;
        }
        if (metadata.updateVersion() <= q.topicAskedVersion) {
            return; // no answer since we asked
        }
        Errors error = metadata.getError(topic);
        Errors verdict = null;
        if (count == null && (error == Errors.INVALID_TOPIC_EXCEPTION || error == Errors.TOPIC_AUTHORIZATION_FAILED)) {
            verdict = error;
        } else if (count == null && error == Errors.UNKNOWN_TOPIC_OR_PARTITION) {
            verdict = Errors.UNKNOWN_TOPIC_OR_PARTITION;
        } else if (count != null) {
            verdict = Errors.UNKNOWN_TOPIC_OR_PARTITION; // partition index past the topic's partitions
        }
        q.topicAskedVersion = -1;
        if (verdict == null) {
            return;
        }
        if (count == null) {
            metadata.forget(topic);
        }
        for (Write w : q.drainUnsent()) {
            complete(w, WriteResult.error(verdict, verdict == Errors.UNKNOWN_TOPIC_OR_PARTITION
                    ? "This server does not host this topic-partition." : verdict.message()));
        }
    }

    private void handleProduceResponse(ClientResponse response, Map<TopicPartition, Write> batch, long sessionId) {
        produceInFlight--;
        long now = time.milliseconds();
        long retryAt = now + retryBackoffMs;
        if (response.wasDisconnected() || response.wasTimedOut() || !response.hasResponse()) {
            // The request may or may not have been appended: resend with the same sequences.
            metadata.requestUpdate(false);
            for (Write w : batch.values()) {
                metrics.retried(Errors.NETWORK_EXCEPTION);
                queue(w).retry(w, true, retryAt);
            }
            LOG.debug("event=produce_disconnect cluster={} node={} batches={}", cluster, response.destination(), batch.size());
            return;
        }
        if (response.versionMismatch() != null) {
            for (Write w : batch.values()) {
                queue(w).failed(w);
                complete(w, WriteResult.error(Errors.UNSUPPORTED_VERSION, response.versionMismatch().getMessage()));
            }
            return;
        }
        ProduceResponse body = (ProduceResponse) response.responseBody();
        Map<TopicPartition, Write> unanswered = new HashMap<>(batch);
        for (ProduceResponseData.TopicProduceResponse t : body.data().responses()) {
            for (ProduceResponseData.PartitionProduceResponse p : t.partitionResponses()) {
                Write w = unanswered.remove(new TopicPartition(t.name(), p.index()));
                if (w != null) {
                    handlePartition(w, p, sessionId, now, retryAt);
                }
            }
        }
        for (Write w : unanswered.values()) {
            metrics.retried(Errors.UNKNOWN_SERVER_ERROR);
            queue(w).retry(w, true, retryAt);
        }
    }

    private void handlePartition(Write w, ProduceResponseData.PartitionProduceResponse p, long sessionId, long now,
                                 long retryAt) {
        PartitionQueue q = queue(w);
        Errors error = Errors.forCode(p.errorCode());
        switch (error) {
            case NONE:
                q.succeeded(w);
                complete(w, new WriteResult(Errors.NONE, null, p.baseOffset(), p.logAppendTimeMs(), p.logStartOffset(),
                        List.of()));
                return;
            case DUPLICATE_SEQUENCE_NUMBER:
                // Already appended by an earlier attempt whose answer was lost; its offset is not known.
                q.succeeded(w);
                complete(w, WriteResult.ok(-1, -1, p.logStartOffset()));
                return;
            case OUT_OF_ORDER_SEQUENCE_NUMBER:
                metrics.retried(error);
                if (q.outOfOrder(w, retryAt) == PartitionQueue.Verdict.NEW_SESSION && sessionId == producerId) {
                    wantNewSession("OUT_OF_ORDER_SEQUENCE_NUMBER on " + w.tp + " seq " + w.sequence);
                }
                return;
            case UNKNOWN_PRODUCER_ID:
            case INVALID_PRODUCER_EPOCH:
                metrics.retried(error);
                q.retry(w, false, retryAt);
                if (sessionId == producerId) {
                    wantNewSession(error.name() + " on " + w.tp);
                }
                return;
            case CORRUPT_MESSAGE:
                break; // same bytes, same answer: not worth a retry
            default:
                if (error.exception() instanceof RetriableException) {
                    metrics.retried(error);
                    // These may leave the batch appended on the leader: keep the sequence, resolve it.
                    boolean unknown = error == Errors.REQUEST_TIMED_OUT || error == Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
                    q.retry(w, unknown, retryAt);
                    metadata.requestUpdate(false);
                    return;
                }
        }
        q.failed(w);
        complete(w, new WriteResult(error, p.errorMessage(), -1, -1, -1, p.recordErrors()));
    }

    private PartitionQueue queue(Write w) {
        return partitions.get(w.tp);
    }

    private void complete(Write w, WriteResult result) {
        queuedBytes.addAndGet(-w.size());
        if (result.ok()) {
            metrics.written(w.batch.recordCount, w.size());
        }
        if (w.firstSendNanos != 0) {
            metrics.writeLatency.observe((System.nanoTime() - w.firstSendNanos) / 1e9);
        }
        w.outcome.complete(result);
        onBytesReleased.run();
    }

    private void failEverything(String why) {
        Write w;
        while ((w = incoming.poll()) != null) {
            metrics.queuedWrites.decrementAndGet();
            complete(w, WriteResult.error(Errors.REQUEST_TIMED_OUT, why));
        }
        for (PartitionQueue q : partitions.values()) {
            for (Write x : q.drainAll()) {
                complete(x, WriteResult.error(Errors.REQUEST_TIMED_OUT, why));
            }
        }
    }
}
