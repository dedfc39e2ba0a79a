package mesh.bridge;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.DataOutputStreamWritable;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

import java.io.ByteArrayInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * One Forward answer (response header and body at the request's version), written by Kafka's
 * message classes straight into gRPC's outbound buffers when it is sent: a Fetch answer's
 * records go from the buffer the broker's answer was read into to the wire in one copy, with no
 * array of the whole answer in between (arrays of several MiB are costly to a JVM's collector).
 */
final class ForwardAnswer {
    private final ResponseHeaderData header;
    private final short headerVersion;
    private final ApiMessage body;
    private final short version;
    private final ObjectSerializationCache cache = new ObjectSerializationCache();
    final int size;

    ForwardAnswer(ApiKeys api, short version, int correlationId, ApiMessage body) {
        this.header = new ResponseHeaderData().setCorrelationId(correlationId);
        this.headerVersion = api.responseHeaderVersion(version);
        this.body = body;
        this.version = version;
        this.size = header.size(cache, headerVersion) + body.size(cache, version);
    }

    /** The answer as one array (tests, and gRPC paths that read instead of draining). */
    byte[] toBytes() {
        byte[] out = new byte[size];
        ByteBufferAccessor writer = new ByteBufferAccessor(ByteBuffer.wrap(out));
        header.write(writer, cache, headerVersion);
        body.write(writer, cache, version);
        return out;
    }

    private void writeTo(OutputStream target) throws IOException {
        DataOutputStream out = new DataOutputStream(target);
        DataOutputStreamWritable writable = new DataOutputStreamWritable(out);
        header.write(writable, cache, headerVersion);
        body.write(writable, cache, version);
        out.flush();
    }

    static final MethodDescriptor.Marshaller<ForwardAnswer> MARSHALLER = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(ForwardAnswer value) {
            return new Stream(value);
        }

        @Override
        public ForwardAnswer parse(InputStream stream) {
            throw new UnsupportedOperationException("the bridge only sends Forward answers");
        }
    };

    /** gRPC sizes the message from available() and has it drained into its buffers. */
    private static final class Stream extends InputStream implements KnownLength, Drainable {
        private ForwardAnswer answer;
        private ByteArrayInputStream read;

        Stream(ForwardAnswer answer) {
            this.answer = answer;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            if (answer == null) {
                return read == null ? 0 : (int) read.transferTo(target);
            }
            ForwardAnswer a = answer;
            answer = null;
            a.writeTo(target);
            return a.size;
        }

        private ByteArrayInputStream bytes() {
            if (read == null) {
                read = new ByteArrayInputStream(answer == null ? new byte[0] : answer.toBytes());
                answer = null;
            }
            return read;
        }

        @Override
        public int available() {
            return answer != null ? answer.size : read == null ? 0 : read.available();
        }

        @Override
        public int read() {
            return bytes().read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return bytes().read(b, off, len);
        }
    }
}
