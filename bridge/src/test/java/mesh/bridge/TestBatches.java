package mesh.bridge;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Batches and requests built with kafka-clients' own builders, as a client would send them. */
final class TestBatches {
    private TestBatches() { }

    static MemoryRecords batch(long producerId, short epoch, int baseSequence, int records, Compression compression) {
        return batch(producerId, epoch, baseSequence, records, compression, false);
    }

    static MemoryRecords batch(long producerId, short epoch, int baseSequence, int records, Compression compression,
                               boolean transactional) {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(1024 + records * 64),
                RecordBatch.MAGIC_VALUE_V2, compression, TimestampType.CREATE_TIME, 0L,
                System.currentTimeMillis(), producerId, epoch, baseSequence, transactional,
                RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (int i = 0; i < records; i++) {
            b.append(System.currentTimeMillis(), ("k" + i).getBytes(StandardCharsets.UTF_8),
                    ("value-" + baseSequence + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    static MemoryRecords plain(int records) {
        return batch(RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, records,
                Compression.NONE);
    }

    /** Request header v2 + ProduceRequest v11 body, no size prefix: one native message. */
    static byte[] request(int correlationId, String clientId, ProduceRequestData body) {
        RequestHeaderData h = new RequestHeaderData()
                .setRequestApiKey(ApiKeys.PRODUCE.id)
                .setRequestApiVersion((short) 11)
                .setCorrelationId(correlationId)
                .setClientId(clientId);
        ByteBuffer header = MessageUtil.toByteBufferAccessor(h, (short) 2).buffer();
        ByteBuffer payload = MessageUtil.toByteBufferAccessor(body, (short) 11).buffer();
        ByteBuffer out = ByteBuffer.allocate(header.remaining() + payload.remaining());
        out.put(header).put(payload);
        return out.array();
    }

    static ProduceRequestData produce(short acks, int timeoutMs, String topic, int partition, MemoryRecords records) {
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(topic);
        t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(records));
        topics.add(t);
        return new ProduceRequestData().setAcks(acks).setTimeoutMs(timeoutMs).setTopicData(topics);
    }
}
