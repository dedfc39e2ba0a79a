package mesh.bridge;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * The native produce endpoint: gRPC bidirectional stream kafka.mesh.v1.Bridge/Produce whose
 * messages are raw Kafka bytes (see NativeCodec). Each request's partitions become writes on the
 * cluster's ClusterWriter in stream order; the response goes out once every partition is answered
 * or the request's timeout passes, in whatever order requests complete.
 */
final class NativeEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(NativeEndpoint.class);
    static final String SERVICE = "kafka.mesh.v1.Bridge";

    /** Messages are the bytes themselves: no protobuf. */
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new BytesStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                // gRPC's stream knows its length: one copy into an array of the right size.
                if (stream instanceof KnownLength) {
                    byte[] out = new byte[stream.available()];
                    int n = stream.readNBytes(out, 0, out.length);
                    if (n == out.length && stream.read() < 0) {
                        return out;
                    }
                    throw new IOException("message shorter or longer than announced");
                }
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** Lets gRPC size the message and take the bytes in one write instead of buffering a stream. */
    private static final class BytesStream extends ByteArrayInputStream implements KnownLength, Drainable {
        BytesStream(byte[] bytes) {
            super(bytes);
        }

        @Override
        public synchronized int drainTo(OutputStream target) throws IOException {
            int n = count - pos;
            target.write(buf, pos, n);
            pos = count;
            return n;
        }
    }

    static final MethodDescriptor<byte[], byte[]> PRODUCE = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Produce"))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();

    private final String cluster;
    private final ClusterWriter writer;
    private final DedupeTable dedupe;
    private final BridgeMetrics metrics;
    private final long maxQueuedBytes;
    private final ScheduledExecutorService timers;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final List<Stream> waitingForMemory = new ArrayList<>();
    private final AtomicLong streamIds = new AtomicLong();
    private volatile boolean draining;

    NativeEndpoint(String cluster, ClusterWriter writer, DedupeTable dedupe, BridgeMetrics metrics, long maxQueuedBytes,
                   ScheduledExecutorService timers) {
        this.cluster = cluster;
        this.writer = writer;
        this.dedupe = dedupe;
        this.metrics = metrics;
        this.maxQueuedBytes = maxQueuedBytes;
        this.timers = timers;
    }

    /** The service with Produce and the other methods given (one definition per service name). */
    ServerServiceDefinition service(io.grpc.ServerMethodDefinition<?, ?>... others) {
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(SERVICE)
                .addMethod(PRODUCE, ServerCalls.asyncBidiStreamingCall(this::open));
        for (io.grpc.ServerMethodDefinition<?, ?> m : others) {
            b.addMethod(m);
        }
        return b.build();
    }

    private StreamObserver<byte[]> open(StreamObserver<byte[]> responses) {
        ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) responses;
        // Messages are asked for one at a time, only while the bridge has room for their bytes:
        // a fast sender is held back by HTTP/2 flow control, not by the bridge's memory.
        call.disableAutoRequest();
        Stream s = new Stream(call, streamIds.incrementAndGet());
        if (draining) {
            call.onError(Status.UNAVAILABLE.withDescription("bridge draining").asRuntimeException());
            return s;
        }
        streams.add(s);
        metrics.streamsOpened.increment();
        metrics.activeStreams.incrementAndGet();
        call.setOnCancelHandler(() -> s.closed("cancelled"));
        LOG.info("event=stream_open cluster={} stream={}", cluster, s.id);
        call.request(1);
        return s;
    }

    /** Called by the writer whenever queued bytes drop: resumes streams held back for memory. */
    void bytesReleased() {
        if (writer.queuedBytes() >= maxQueuedBytes) {
            return;
        }
        List<Stream> resume;
        synchronized (waitingForMemory) {
            if (waitingForMemory.isEmpty()) {
                return;
            }
            resume = new ArrayList<>(waitingForMemory);
            waitingForMemory.clear();
        }
        for (Stream s : resume) {
            s.requestNext();
        }
    }

    private void askForNext(Stream s) {
        if (draining) {
            return;
        }
        synchronized (waitingForMemory) {
            if (writer.queuedBytes() >= maxQueuedBytes) {
                waitingForMemory.add(s);
                return;
            }
        }
        s.requestNext();
    }

    /** No more reading of requests; answers still go out. */
    void stopReading() {
        draining = true;
    }

    /** Stops asking for messages, waits (bounded) for the answers owed, then ends every stream. */
    void drain(long timeoutMs) throws InterruptedException {
        draining = true;
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (metrics.pendingResponses.get() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        for (Stream s : streams) {
            s.end(Status.UNAVAILABLE.withDescription("bridge draining"));
        }
    }

    private final class Stream implements StreamObserver<byte[]> {
        final ServerCallStreamObserver<byte[]> call;
        final long id;
        private boolean closed;        // guarded by this
        private boolean halfClosed;    // guarded by this
        private int pending;           // guarded by this

        Stream(ServerCallStreamObserver<byte[]> call, long id) {
            this.call = call;
            this.id = id;
        }

        void requestNext() {
            // ServerCall is not thread-safe: request() and onNext() (another thread's answer) are
            // serialized on the stream.
            synchronized (this) {
                if (!closed) {
                    call.request(1);
                }
            }
        }

        @Override
        public void onNext(byte[] message) {
            NativeCodec.Request req;
            try {
                req = NativeCodec.parse(message);
            } catch (NativeCodec.Malformed e) {
                LOG.warn("event=malformed_request cluster={} stream={} error=\"{}\"", cluster, id, e.getMessage());
                end(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
                return;
            }
            synchronized (this) {
                pending++;
            }
            metrics.pendingResponses.incrementAndGet();
            metrics.nativeRequests.increment();
            handle(this, req);
            askForNext(this);
        }

        @Override
        public void onError(Throwable t) {
            closed("error " + Status.fromThrowable(t).getCode());
        }

        @Override
        public void onCompleted() {
            boolean finish;
            synchronized (this) {
                halfClosed = true;
                finish = pending == 0 && !closed;
                if (finish) {
                    closed = true;
                }
            }
            if (finish) {
                call.onCompleted();
                gone("completed");
            }
        }

        void respond(byte[] bytes) {
            boolean finish = false;
            synchronized (this) {
                pending--;
                if (!closed) {
                    call.onNext(bytes);
                    if (halfClosed && pending == 0) {
                        closed = true;
                        finish = true;
                    }
                }
            }
            metrics.pendingResponses.decrementAndGet();
            if (finish) {
                call.onCompleted();
                gone("completed");
            }
        }

        /** Client went away: writes under way still complete (and stay in the dedupe table). */
        void closed(String why) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            gone(why);
        }

        void end(Status status) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                call.onError(status.asRuntimeException());
            }
            gone("ended " + status.getCode());
        }

        private void gone(String why) {
            if (streams.remove(this)) {
                metrics.activeStreams.decrementAndGet();
            }
            LOG.info("event=stream_close cluster={} stream={} reason=\"{}\"", cluster, id, why);
        }
    }

    private record Part(String topic, int partition, CompletableFuture<WriteResult> outcome) { }

    private void handle(Stream stream, NativeCodec.Request req) {
        ProduceRequestData data = req.data();
        long now = System.currentTimeMillis();
        // The request's timeout bounds the answer; delivery.timeout.ms caps it.
        long timeoutMs = data.timeoutMs() > 0 ? Math.min(data.timeoutMs(), writer.deliveryTimeoutMs()) : writer.requestTimeoutMs();
        long deadline = now + timeoutMs;
        short acks = data.acks();
        Errors requestError = null;
        if (acks != -1 && acks != 0 && acks != 1) {
            requestError = Errors.INVALID_REQUIRED_ACKS;
        } else if (data.transactionalId() != null) {
            requestError = Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        }
        // acks=0 is written with acks=1: the outcome is needed for sequence bookkeeping.
        short writeAcks = acks == 0 ? 1 : acks;
        List<Part> parts = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData t : data.topicData()) {
            for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                CompletableFuture<WriteResult> f;
                if (requestError != null) {
                    f = CompletableFuture.completedFuture(WriteResult.error(requestError, null));
                } else {
                    f = submit(new TopicPartition(t.name(), p.index()), (MemoryRecords) p.records(), writeAcks, now, deadline);
                }
                parts.add(new Part(t.name(), p.index(), f));
            }
        }
        // Only the correlation id is kept: the request's bytes are not held until the answer.
        new Answer(stream, req.correlationId(), parts).await(timeoutMs);
    }

    /**
     * The answer to one request: sent by whichever thread completes its last partition (usually
     * the sender thread, so no hand-off to another thread), or by the timer at the deadline.
     */
    private final class Answer implements BiConsumer<WriteResult, Throwable>, Runnable {
        private final Stream stream;
        private final int correlationId;
        private final List<Part> parts;
        private final AtomicInteger remaining;
        private final AtomicBoolean answered = new AtomicBoolean();
        private ScheduledFuture<?> timer; // set before any partition can complete the answer

        Answer(Stream stream, int correlationId, List<Part> parts) {
            this.stream = stream;
            this.correlationId = correlationId;
            this.parts = parts;
            this.remaining = new AtomicInteger(parts.size());
        }

        void await(long timeoutMs) {
            boolean allDone = true;
            for (Part p : parts) {
                allDone &= p.outcome.isDone();
            }
            if (allDone) {
                send();
                return;
            }
            timer = timers.schedule(this, timeoutMs, TimeUnit.MILLISECONDS);
            for (Part p : parts) {
                p.outcome.whenComplete(this);
            }
        }

        /** One partition done. */
        @Override
        public void accept(WriteResult r, Throwable t) {
            if (remaining.decrementAndGet() == 0) {
                timer.cancel(false);
                send();
            }
        }

        /** The deadline. */
        @Override
        public void run() {
            send();
        }

        private void send() {
            if (answered.compareAndSet(false, true)) {
                stream.respond(NativeCodec.encode(correlationId, response(parts)));
            }
        }
    }

    private CompletableFuture<WriteResult> submit(TopicPartition tp, MemoryRecords records, short acks, long now,
                                                  long deadline) {
        ClientBatch batch;
        try {
            batch = ClientBatch.verify(records);
        } catch (ClientBatch.Refused r) {
            return CompletableFuture.completedFuture(WriteResult.error(r.error, r.getMessage()));
        }
        if (tp.partition() < 0) {
            return CompletableFuture.completedFuture(WriteResult.error(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                    "This server does not host this topic-partition."));
        }
        if (batch.sizeInBytes() > writer.maxRequestSize()) {
            return CompletableFuture.completedFuture(WriteResult.error(Errors.MESSAGE_TOO_LARGE,
                    "The batch is larger than max.request.size " + writer.maxRequestSize()));
        }
        Write w = new Write(tp, batch, acks, now, deadline);
        if (batch.clientIdempotent()) {
            DedupeTable.Key key = new DedupeTable.Key(batch.clientProducerId, batch.clientEpoch, tp.topic(), tp.partition());
            CompletableFuture<WriteResult> earlier =
                    dedupe.lookupOrAdd(key, batch.clientBaseSequence, batch.clientLastSequence, w, now);
            if (earlier != null) {
                metrics.dedupeHits.increment();
                return earlier;
            }
        }
        writer.submit(w);
        return w.outcome;
    }

    private ProduceResponseData response(List<Part> parts) {
        Map<String, ProduceResponseData.TopicProduceResponse> topics = new LinkedHashMap<>();
        for (Part p : parts) {
            WriteResult r = p.outcome.getNow(null);
            if (r == null) {
                r = WriteResult.error(Errors.REQUEST_TIMED_OUT, "Not written within the request timeout");
            }
            if (!r.ok()) {
                metrics.partitionError(r.error);
            }
            topics.computeIfAbsent(p.topic, n -> new ProduceResponseData.TopicProduceResponse().setName(n))
                    .partitionResponses().add(r.toResponse(p.partition));
        }
        ProduceResponseData.TopicProduceResponseCollection coll = new ProduceResponseData.TopicProduceResponseCollection();
        coll.addAll(topics.values());
        return new ProduceResponseData().setResponses(coll).setThrottleTimeMs(0);
    }
}
