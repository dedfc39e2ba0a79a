package mesh.bridge;

import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The forward endpoint: gRPC bidirectional stream kafka.mesh.v1.Bridge/Forward whose messages are
 * raw Kafka bytes. A request message is a request header (the version ApiKeys gives for its api
 * and version) and body, no size prefix; the answer is the response header and body of the same
 * api and version with the request's correlation id, sent when the request completes (answers
 * leave in any order). What is served and how: Forwarder.
 */
final class ForwardEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(ForwardEndpoint.class);
    /** Requests of one stream unanswered at a time before the stream is read no further. */
    static final int MAX_PENDING_PER_STREAM = 256;

    static final MethodDescriptor<byte[], ForwardAnswer> FORWARD = MethodDescriptor.<byte[], ForwardAnswer>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(NativeEndpoint.SERVICE, "Forward"))
            .setRequestMarshaller(NativeEndpoint.BYTES)
            .setResponseMarshaller(ForwardAnswer.MARSHALLER)
            .build();

    private final String cluster;
    private final Forwarder forwarder;
    private final BridgeMetrics metrics;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final AtomicLong streamIds = new AtomicLong();
    private volatile boolean draining;

    ForwardEndpoint(String cluster, Forwarder forwarder, BridgeMetrics metrics) {
        this.cluster = cluster;
        this.forwarder = forwarder;
        this.metrics = metrics;
    }

    ServerMethodDefinition<byte[], ForwardAnswer> method() {
        return ServerMethodDefinition.create(FORWARD, ServerCalls.asyncBidiStreamingCall(this::open));
    }

    /** A message that is not a served request; the stream cannot be answered reliably. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    record Parsed(RequestHeader header, AbstractRequest request) { }

    static Parsed parse(byte[] message) throws Malformed {
        ByteBuffer buf = ByteBuffer.wrap(message);
        RequestHeader header;
        try {
            header = RequestHeader.parse(buf);
        } catch (RuntimeException e) {
            throw new Malformed("unreadable request header: " + e.getMessage());
        }
        ApiKeys api = header.apiKey();
        short version = header.apiVersion();
        if (!Forwarder.served(api, version)) {
            throw new Malformed(api + " v" + version + " is not served on Forward");
        }
        AbstractRequest request;
        try {
            request = AbstractRequest.parseRequest(api, version, new ByteBufferAccessor(buf)).request;
        } catch (RuntimeException e) {
            throw new Malformed("unreadable " + api + " v" + version + " body (correlation id "
                    + header.correlationId() + "): " + e.getMessage());
        }
        if (buf.hasRemaining()) {
            throw new Malformed(buf.remaining() + " bytes after the " + api + " v" + version + " body (correlation id "
                    + header.correlationId() + ")");
        }
        if (request instanceof FetchRequest f) {
            FetchRequestData d = f.data();
            if (d.sessionId() != 0 || d.sessionEpoch() != -1) {
                throw new Malformed("Fetch with session id " + d.sessionId() + " epoch " + d.sessionEpoch()
                        + ": only sessionless fetches (0, -1) are forwarded");
            }
        }
        return new Parsed(header, request);
    }

    private StreamObserver<byte[]> open(StreamObserver<ForwardAnswer> responses) {
        ServerCallStreamObserver<ForwardAnswer> call = (ServerCallStreamObserver<ForwardAnswer>) responses;
        call.disableAutoRequest();
        Stream s = new Stream(call, streamIds.incrementAndGet());
        if (draining) {
            call.onError(Status.UNAVAILABLE.withDescription("bridge draining").asRuntimeException());
            return s;
        }
        streams.add(s);
        metrics.forwardStreamsOpened.increment();
        metrics.forwardStreamsActive.incrementAndGet();
        call.setOnCancelHandler(() -> s.closed("cancelled"));
        // Answers not leaving (the filter not reading) stop the reading of requests.
        call.setOnReadyHandler(s::maybeRequest);
        LOG.info("event=forward_stream_open cluster={} stream={}", cluster, s.id);
        s.maybeRequest();
        return s;
    }

    /** No more reading of requests; answers still go out. */
    void stopReading() {
        draining = true;
    }

    /** Waits (bounded) for the answers owed, then ends every stream. */
    void drain(long timeoutMs) throws InterruptedException {
        draining = true;
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (metrics.forwardPending.get() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        for (Stream s : streams) {
            s.end(Status.UNAVAILABLE.withDescription("bridge draining"));
        }
    }

    private final class Stream implements StreamObserver<byte[]> {
        final ServerCallStreamObserver<ForwardAnswer> call;
        final long id;
        private boolean closed;        // guarded by this
        private volatile boolean gone;
        private boolean halfClosed;    // guarded by this
        private boolean requested;     // a message asked for and not received; guarded by this
        private int pending;           // guarded by this

        Stream(ServerCallStreamObserver<ForwardAnswer> call, long id) {
            this.call = call;
            this.id = id;
        }

        /**
         * Asks for the next message while the stream has room: fewer than MAX_PENDING_PER_STREAM
         * requests unanswered and gRPC's outbound buffer for the stream below its threshold.
         */
        void maybeRequest() {
            synchronized (this) {
                if (closed || halfClosed || draining || requested || pending >= MAX_PENDING_PER_STREAM || !call.isReady()) {
                    return;
                }
                requested = true;
                call.request(1);
            }
        }

        @Override
        public void onNext(byte[] message) {
            synchronized (this) {
                requested = false;
            }
            Parsed p;
            try {
                p = parse(message);
            } catch (Malformed e) {
                LOG.warn("event=malformed_request cluster={} stream={} endpoint=forward error=\"{}\"", cluster, id, e.getMessage());
                end(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
                return;
            }
            synchronized (this) {
                pending++;
            }
            metrics.forwardPending.incrementAndGet();
            RequestHeader h = p.header();
            forwarder.submit(new Forwarder.Call(h, p.request(), System.currentTimeMillis(),
                    r -> respond(h, r), () -> gone));
            maybeRequest();
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

        void respond(RequestHeader h, AbstractResponse response) {
            ForwardAnswer answer = gone ? null : new ForwardAnswer(h.apiKey(), h.apiVersion(), h.correlationId(), response.data());
            boolean finish = false;
            synchronized (this) {
                pending--;
                if (!closed && answer != null) {
                    call.onNext(answer);
                    if (halfClosed && pending == 0) {
                        closed = true;
                        finish = true;
                    }
                }
            }
            metrics.forwardPending.decrementAndGet();
            if (finish) {
                call.onCompleted();
                gone("completed");
            } else {
                maybeRequest();
            }
        }

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
            gone = true;
            if (streams.remove(this)) {
                metrics.forwardStreamsActive.decrementAndGet();
            }
            LOG.info("event=forward_stream_close cluster={} stream={} reason=\"{}\"", cluster, id, why);
        }
    }
}
