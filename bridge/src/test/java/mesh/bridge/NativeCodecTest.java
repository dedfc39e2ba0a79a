package mesh.bridge;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NativeCodecTest {
    @Test
    void requestRoundTrip() throws Exception {
        MemoryRecords records = TestBatches.batch(11, (short) 2, 5, 3, Compression.NONE);
        byte[] msg = TestBatches.request(77, "client-a", TestBatches.produce((short) -1, 30_000, "orders", 3, records));
        NativeCodec.Request r = NativeCodec.parse(msg);
        assertEquals(77, r.correlationId());
        assertEquals("client-a", r.clientId());
        assertEquals(-1, r.data().acks());
        assertEquals(30_000, r.data().timeoutMs());
        var t = r.data().topicData().iterator().next();
        assertEquals("orders", t.name());
        assertEquals(3, t.partitionData().get(0).index());
        MemoryRecords parsed = (MemoryRecords) t.partitionData().get(0).records();
        assertArrayEquals(bytes(records.buffer()), bytes(parsed.buffer()));
    }

    @Test
    void nullClientIdIsAllowed() throws Exception {
        byte[] msg = TestBatches.request(1, null, TestBatches.produce((short) 1, 1000, "t", 0, TestBatches.plain(1)));
        assertEquals("", NativeCodec.parse(msg).clientId()); // Kafka's RequestHeader reads null as ""
    }

    @Test
    void otherApisAreMalformed() {
        byte[] msg = TestBatches.request(1, null, TestBatches.produce((short) 1, 1000, "t", 0, TestBatches.plain(1)));
        msg[1] = 3; // api key Metadata
        assertThrows(NativeCodec.Malformed.class, () -> NativeCodec.parse(msg));
        assertThrows(NativeCodec.Malformed.class, () -> NativeCodec.parse(new byte[] {0, 0, 0}));
    }

    @Test
    void responseIsHeaderV1AndProduceV11() {
        ProduceResponseData body = new ProduceResponseData();
        ProduceResponseData.TopicProduceResponse t = new ProduceResponseData.TopicProduceResponse().setName("orders");
        t.partitionResponses().add(WriteResult.ok(1234, -1, 7).toResponse(3));
        t.partitionResponses().add(WriteResult.error(Errors.CORRUPT_MESSAGE, "bad crc").toResponse(4));
        body.responses().add(t);
        byte[] out = NativeCodec.encode(99, body);

        ByteBuffer buf = ByteBuffer.wrap(out);
        ResponseHeader h = ResponseHeader.parse(buf, (short) 1);
        assertEquals(99, h.correlationId());
        ProduceResponse r = ProduceResponse.parse(new ByteBufferAccessor(buf), (short) 11);
        var parts = r.data().responses().find("orders", org.apache.kafka.common.Uuid.ZERO_UUID).partitionResponses();
        assertEquals(List.of(3, 4), parts.stream().map(ProduceResponseData.PartitionProduceResponse::index).toList());
        assertEquals(1234, parts.get(0).baseOffset());
        assertEquals(7, parts.get(0).logStartOffset());
        assertEquals(Errors.CORRUPT_MESSAGE.code(), parts.get(1).errorCode());
        assertEquals("bad crc", parts.get(1).errorMessage());
        assertEquals(0, buf.remaining());
    }

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
