package mesh.bridge;

import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;

import java.nio.ByteBuffer;

/**
 * The native endpoint's messages: a request is a Kafka request header v2 followed by a
 * ProduceRequest v11 body, a response a ResponseHeader v1 followed by a ProduceResponse v11 body.
 * No size prefix: each gRPC message carries its own length.
 */
final class NativeCodec {
    static final short PRODUCE_VERSION = 11;
    static final short RESPONSE_HEADER_VERSION = 1;

    private NativeCodec() { }

    /** A message that is not a Produce v11 request; the stream cannot be answered reliably. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    record Request(int correlationId, String clientId, ProduceRequestData data) { }

    static Request parse(byte[] message) throws Malformed {
        ByteBuffer buf = ByteBuffer.wrap(message);
        RequestHeader header;
        try {
            header = RequestHeader.parse(buf);
        } catch (RuntimeException e) {
            throw new Malformed("unreadable request header: " + e.getMessage(), e);
        }
        if (header.apiKey() != ApiKeys.PRODUCE || header.apiVersion() != PRODUCE_VERSION) {
            throw new Malformed("expected Produce v" + PRODUCE_VERSION + ", got " + header.apiKey()
                    + " v" + header.apiVersion(), null);
        }
        try {
            ProduceRequest req = ProduceRequest.parse(new ByteBufferAccessor(buf), PRODUCE_VERSION);
            return new Request(header.correlationId(), header.clientId(), req.data());
        } catch (RuntimeException e) {
            throw new Malformed("unreadable Produce v11 body (correlation id " + header.correlationId() + "): "
                    + e.getMessage(), e);
        }
    }

    static byte[] encode(int correlationId, ProduceResponseData body) {
        // Sized once, written once, into the array gRPC sends.
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int headerSize = header.size(cache, RESPONSE_HEADER_VERSION);
        int bodySize = body.size(cache, PRODUCE_VERSION);
        byte[] out = new byte[headerSize + bodySize];
        ByteBufferAccessor writer = new ByteBufferAccessor(ByteBuffer.wrap(out));
        header.write(writer, cache, RESPONSE_HEADER_VERSION);
        body.write(writer, cache, PRODUCE_VERSION);
        return out;
    }
}
