package mesh.bridge;

import org.apache.kafka.clients.ClientRequest;
import org.apache.kafka.clients.MockClient;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestTestUtils;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ClusterWriter's sender rounds against kafka-clients' MockClient and scripted broker answers. */
class ClusterWriterTest {
    private static final String TOPIC = "t";
    private static final TopicPartition TP0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition TP1 = new TopicPartition(TOPIC, 1);

    private BridgeMetadata metadata;
    private MockClient client;
    private ClusterWriter writer;
    private final Time time = Time.SYSTEM;

    /** What one sent ProduceRequest carried for one partition. */
    record Sent(ClientRequest request, TopicPartition tp, long producerId, short epoch, int sequence, int count) { }

    @BeforeEach
    void setUp() {
        metadata = new BridgeMetadata(0, 0, 300_000, 300_000, new LogContext(), time);
        client = new MockClient(time, metadata);
        client.updateMetadata(RequestTestUtils.metadataUpdateWith(1, Map.of(TOPIC, 2)));
        writer = new ClusterWriter("test", new ClusterWriter.Limits(30_000, 1 << 20, 0, 120_000),
                new BridgeMetrics("test"), () -> { }, client, metadata, new Metrics());
    }

    private Write submit(TopicPartition tp, int records) throws Exception {
        MemoryRecords r = TestBatches.batch(555, (short) 9, 0, records, Compression.NONE);
        Write w = new Write(tp, ClientBatch.verify(r), (short) -1, time.milliseconds(), time.milliseconds() + 30_000);
        writer.submit(w);
        return w;
    }

    private void round() {
        writer.runOnce(time.milliseconds());
    }

    private void startSession(long producerId) {
        round();
        ClientRequest init = client.requests().poll();
        assertEquals(ApiKeys.INIT_PRODUCER_ID, init.apiKey());
        client.respondToRequest(init, new InitProducerIdResponse(new InitProducerIdResponseData()
                .setProducerId(producerId).setProducerEpoch((short) 0)));
        round();
        assertTrue(writer.hasSession());
    }

    /** Sends what the writer has to send and returns the produce requests, oldest first. */
    private List<Sent> sent() {
        round();
        round();
        List<Sent> out = new ArrayList<>();
        for (ClientRequest r : new ArrayList<>(client.requests())) {
            if (r.apiKey() != ApiKeys.PRODUCE) {
                continue;
            }
            ProduceRequest pr = ((ProduceRequest.Builder) r.requestBuilder()).build((short) 11);
            for (ProduceRequestData.TopicProduceData t : pr.data().topicData()) {
                for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                    MutableRecordBatch b = ((MemoryRecords) p.records()).batches().iterator().next();
                    b.ensureValid();
                    out.add(new Sent(r, new TopicPartition(t.name(), p.index()), b.producerId(), b.producerEpoch(),
                            b.baseSequence(), b.countOrNull()));
                }
            }
        }
        return out;
    }

    private void answer(ClientRequest r, Map<TopicPartition, Errors> errors, long baseOffset) {
        ProduceResponseData data = new ProduceResponseData();
        ProduceRequest pr = ((ProduceRequest.Builder) r.requestBuilder()).build((short) 11);
        for (ProduceRequestData.TopicProduceData t : pr.data().topicData()) {
            ProduceResponseData.TopicProduceResponse tr = new ProduceResponseData.TopicProduceResponse().setName(t.name());
            for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                Errors e = errors.getOrDefault(new TopicPartition(t.name(), p.index()), Errors.NONE);
                tr.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse()
                        .setIndex(p.index()).setErrorCode(e.code())
                        .setBaseOffset(e == Errors.NONE ? baseOffset : -1).setLogStartOffset(0));
            }
            data.responses().add(tr);
        }
        client.respondToRequest(r, new ProduceResponse(data));
        round();
    }

    @Test
    void writesUnderTheBridgeSessionInArrivalOrder() throws Exception {
        startSession(1000);
        Write a = submit(TP0, 3);
        Write b = submit(TP0, 2);
        Write c = submit(TP1, 1);
        List<Sent> s = sent();
        assertEquals(3, s.size());
        // One batch per partition per request: a and c share the first request, b goes in the second.
        assertEquals(s.get(0).request(), s.get(1).request());
        assertFalse(s.get(0).request() == s.get(2).request());
        for (Sent x : s) {
            assertEquals(1000, x.producerId());
            assertEquals(0, x.epoch());
        }
        assertEquals(List.of(0, 0, 3), s.stream().map(Sent::sequence).toList());
        answer(s.get(0).request(), Map.of(), 10);
        answer(s.get(2).request(), Map.of(), 13);
        assertEquals(10, a.outcome.join().baseOffset);
        assertEquals(13, b.outcome.join().baseOffset);
        assertEquals(10, c.outcome.join().baseOffset);
    }

    @Test
    void notLeaderIsResentWithTheSameSequence() throws Exception {
        startSession(1000);
        Write a = submit(TP0, 2);
        Sent first = sent().get(0);
        answer(first.request(), Map.of(TP0, Errors.NOT_LEADER_OR_FOLLOWER), -1);
        assertFalse(a.outcome.isDone());
        Sent again = sent().get(0);
        assertEquals(0, again.sequence());
        answer(again.request(), Map.of(), 7);
        assertEquals(7, a.outcome.join().baseOffset);
    }

    @Test
    void disconnectIsResentWithTheSameSequences() throws Exception {
        startSession(1000);
        Write a = submit(TP0, 2);
        Write b = submit(TP0, 2);
        List<Sent> s = sent();
        assertEquals(List.of(0, 2), s.stream().map(Sent::sequence).toList());
        client.disconnect(s.get(0).request().destination());
        round();
        List<Sent> again = sent();
        assertEquals(List.of(0, 2), again.stream().map(Sent::sequence).toList());
        answer(again.get(0).request(), Map.of(), 0);
        answer(again.get(1).request(), Map.of(), 2);
        assertEquals(0, a.outcome.join().baseOffset);
        assertEquals(2, b.outcome.join().baseOffset);
    }

    @Test
    void refusedBatchIsAnsweredAndTheNextOneResequenced() throws Exception {
        startSession(1000);
        Write a = submit(TP0, 3);
        Write b = submit(TP0, 2);
        List<Sent> s = sent();
        answer(s.get(0).request(), Map.of(TP0, Errors.MESSAGE_TOO_LARGE), -1);
        assertEquals(Errors.MESSAGE_TOO_LARGE, a.outcome.join().error);
        answer(s.get(1).request(), Map.of(TP0, Errors.OUT_OF_ORDER_SEQUENCE_NUMBER), -1);
        Sent again = sent().get(0);
        assertEquals(0, again.sequence()); // takes the refused batch's place
        answer(again.request(), Map.of(), 0);
        assertEquals(0, b.outcome.join().baseOffset);
    }

    @Test
    void unknownProducerIdTakesANewSession() throws Exception {
        startSession(1000);
        Write a = submit(TP0, 1);
        Write b = submit(TP0, 1);
        List<Sent> s = sent();
        answer(s.get(0).request(), Map.of(), 0);
        answer(s.get(1).request(), Map.of(TP0, Errors.UNKNOWN_PRODUCER_ID), -1);
        round(); // nothing in flight any more: the old session is dropped
        assertFalse(writer.hasSession());
        startSession(2000);
        Sent again = sent().get(0);
        assertEquals(2000, again.producerId());
        assertEquals(0, again.sequence());
        answer(again.request(), Map.of(), 1);
        assertEquals(0, a.outcome.join().baseOffset);
        assertEquals(1, b.outcome.join().baseOffset);
    }

    @Test
    void unknownTopicIsAnsweredWithoutWriting() throws Exception {
        startSession(1000);
        MetadataResponse unknown = RequestTestUtils.metadataUpdateWith("cluster", 1,
                Map.of("missing", Errors.UNKNOWN_TOPIC_OR_PARTITION), Map.of(TOPIC, 2));
        Write w = submit(new TopicPartition("missing", 0), 1);
        round();
        client.updateMetadata(unknown);
        for (int i = 0; i < 5 && !w.outcome.isDone(); i++) {
            round();
        }
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, w.outcome.join().error);
        assertTrue(client.requests().stream().noneMatch(r -> r.apiKey() == ApiKeys.PRODUCE));
    }

    @Test
    void partitionPastTheTopicIsUnknown() throws Exception {
        startSession(1000);
        Write w = submit(new TopicPartition(TOPIC, 7), 1);
        round();
        client.updateMetadata(RequestTestUtils.metadataUpdateWith(1, Map.of(TOPIC, 2)));
        for (int i = 0; i < 5 && !w.outcome.isDone(); i++) {
            round();
        }
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, w.outcome.join().error);
    }

    @Test
    void writesWaitForTheSession() throws Exception {
        Write a = submit(TP0, 1);
        round();
        assertTrue(client.requests().stream().noneMatch(r -> r.apiKey() == ApiKeys.PRODUCE));
        ClientRequest init = client.requests().poll();
        client.respondToRequest(init, new InitProducerIdResponse(new InitProducerIdResponseData()
                .setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())));
        round();
        assertFalse(writer.hasSession());
        startSession(1000);
        answer(sent().get(0).request(), Map.of(), 4);
        assertEquals(4, a.outcome.join().baseOffset);
    }
}
