package mesh.bridge;

import org.apache.kafka.clients.ClientRequest;
import org.apache.kafka.clients.MockClient;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestTestUtils;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forwarder's routing, pools, split and merge against kafka-clients' MockClient. */
class ForwarderTest {
    private static final String TOPIC = "t";
    private final MockTime time = new MockTime(0, 1_000_000, 0);
    private BridgeMetadata metadata;
    private MockClient client;
    private Forwarder forwarder;
    private BridgeMetrics metrics;
    private GroupTracker groups;
    private final Map<String, Integer> portOf = new HashMap<>();
    private final Map<Integer, AbstractResponse> answers = new HashMap<>();

    @BeforeEach
    void setUp() {
        setUp(64);
    }

    private void setUp(int connectionsPerBroker) {
        setUp(connectionsPerBroker, new ReadAhead(0, 0));
    }

    private void setUp(int connectionsPerBroker, ReadAhead readAhead) {
        metadata = new BridgeMetadata(0, 0, 300_000, 300_000, new LogContext(), time);
        client = new MockClient(time, metadata);
        client.updateMetadata(RequestTestUtils.metadataUpdateWith(2, Map.of(TOPIC, 4)));
        client.setReadyCallback(n -> portOf.put(n.idString(), n.port()));
        metrics = new BridgeMetrics("test");
        groups = new GroupTracker();
        forwarder = new Forwarder("test", client, metadata, new Metrics(), metrics, groups, time, 30_000,
                connectionsPerBroker, 8, readAhead);
        answers.clear();
    }

    private void submit(int correlationId, AbstractRequest request) {
        RequestHeader h = new RequestHeader(request.apiKey(), request.version(), "client-" + correlationId, correlationId);
        forwarder.submit(new Forwarder.Call(h, request, time.milliseconds(), r -> answers.put(correlationId, r), () -> false));
    }

    private void round() {
        forwarder.runOnce(time.milliseconds());
    }

    /** Rounds enough for fresh metadata (the first answer naming a topic the bridge now wants) and sends. */
    private void rounds() {
        for (int i = 0; i < 3; i++) {
            round();
        }
    }

    private List<ClientRequest> sent(ApiKeys api) {
        List<ClientRequest> out = new ArrayList<>();
        for (ClientRequest r : client.requests()) {
            if (r.apiKey() == api) {
                out.add(r);
            }
        }
        return out;
    }

    private static AbstractRequest body(ClientRequest r) {
        return r.requestBuilder().build(r.requestBuilder().latestAllowedVersion());
    }

    private static FetchRequest fetch(int maxWaitMs, int... partitions) {
        FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic().setTopic(TOPIC);
        for (int p : partitions) {
            t.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(5).setPartitionMaxBytes(1 << 20));
        }
        FetchRequestData d = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1)
                .setMaxBytes(50 << 20).setSessionId(0).setSessionEpoch(-1).setTopics(new ArrayList<>(List.of(t)));
        return new FetchRequest(d, (short) 12);
    }

    /** A broker's answer to a Fetch: high watermark 100 + partition, one record each. */
    private static FetchResponse fetchAnswer(ClientRequest r) {
        FetchRequest req = (FetchRequest) body(r);
        List<FetchResponseData.FetchableTopicResponse> topics = new ArrayList<>();
        for (FetchRequestData.FetchTopic t : req.data().topics()) {
            FetchResponseData.FetchableTopicResponse rt = new FetchResponseData.FetchableTopicResponse().setTopic(t.topic());
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                rt.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p.partition())
                        .setHighWatermark(100 + p.partition()).setLastStableOffset(100 + p.partition()).setLogStartOffset(0)
                        .setRecords(MemoryRecords.withRecords(5, Compression.NONE, new SimpleRecord(("v" + p.partition()).getBytes()))));
            }
            topics.add(rt);
        }
        return FetchResponse.of(new FetchResponseData().setResponses(topics));
    }

    @Test
    void fetchIsSplitByLeaderAndMergedInRequestOrder() {
        submit(7, fetch(500, 3, 0, 1, 2));
        rounds();
        List<ClientRequest> reqs = sent(ApiKeys.FETCH);
        assertEquals(2, reqs.size());
        assertNotEquals(portOf.get(reqs.get(0).destination()), portOf.get(reqs.get(1).destination()));
        for (ClientRequest r : reqs) {
            FetchRequest f = (FetchRequest) body(r);
            assertEquals(12, f.version());
            assertEquals(0, f.data().sessionId());
            assertEquals(-1, f.data().sessionEpoch());
            int port = portOf.get(r.destination());
            for (FetchRequestData.FetchPartition p : f.data().topics().get(0).partitions()) {
                assertEquals(1969 + p.partition() % 2, port, "partition " + p.partition() + " goes to its leader");
            }
            assertEquals(30_000 + 500, r.requestTimeoutMs());
            assertEquals("client-7", r.makeHeader((short) 12).clientId());
        }
        client.respondToRequest(reqs.get(1), fetchAnswer(reqs.get(1)));
        round();
        assertTrue(answers.isEmpty());
        client.respondToRequest(reqs.get(0), fetchAnswer(reqs.get(0)));
        round();
        FetchResponse merged = (FetchResponse) answers.get(7);
        List<FetchResponseData.PartitionData> ps = merged.data().responses().get(0).partitions();
        assertEquals(List.of(3, 0, 1, 2), ps.stream().map(FetchResponseData.PartitionData::partitionIndex).toList());
        for (FetchResponseData.PartitionData p : ps) {
            assertEquals(0, p.errorCode());
            assertEquals(100 + p.partitionIndex(), p.highWatermark());
        }
        assertEquals(0, merged.data().errorCode());
    }

    @Test
    void partitionsOfAFailedLeaderAreNotLeaderOrFollower() {
        submit(1, fetch(500, 0, 1));
        rounds();
        List<ClientRequest> reqs = sent(ApiKeys.FETCH);
        ClientRequest toNode1 = reqs.stream().filter(r -> portOf.get(r.destination()) == 1970).findFirst().orElseThrow();
        ClientRequest toNode0 = reqs.stream().filter(r -> portOf.get(r.destination()) == 1969).findFirst().orElseThrow();
        client.disconnect(toNode1.destination());
        client.respondToRequest(toNode0, fetchAnswer(toNode0));
        round();
        List<FetchResponseData.PartitionData> ps = ((FetchResponse) answers.get(1)).data().responses().get(0).partitions();
        assertEquals(0, ps.get(0).errorCode());
        FetchResponseData.PartitionData failed = ps.get(1);
        assertEquals(1, failed.partitionIndex());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), failed.errorCode());
        assertEquals(-1, failed.highWatermark());
        assertEquals(-1, failed.lastStableOffset());
        assertEquals(-1, failed.logStartOffset());
        assertEquals(0, FetchResponse.recordsSize(failed));
    }

    @Test
    void unknownTopicAndPartitionAreAnsweredWithoutABroker() {
        FetchRequest f = fetch(0, 9);
        f.data().topics().add(new FetchRequestData.FetchTopic().setTopic("nope")
                .setPartitions(new ArrayList<>(List.of(new FetchRequestData.FetchPartition().setPartition(0)))));
        submit(2, f);
        round();
        // The bridge asked for fresh metadata; the cluster says "nope" does not exist.
        client.updateMetadata(RequestTestUtils.metadataUpdateWith("c", 2, Map.of("nope", Errors.UNKNOWN_TOPIC_OR_PARTITION),
                Map.of(TOPIC, 4)));
        round();
        FetchResponse r = (FetchResponse) answers.get(2);
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), r.data().responses().get(0).partitions().get(0).errorCode());
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), r.data().responses().get(1).partitions().get(0).errorCode());
        assertTrue(sent(ApiKeys.FETCH).isEmpty());
    }

    @Test
    void listOffsetsIsSplitAndMerged() {
        ListOffsetsRequestData d = new ListOffsetsRequestData().setReplicaId(-1).setTopics(new ArrayList<>(List.of(
                new ListOffsetsRequestData.ListOffsetsTopic().setName(TOPIC).setPartitions(new ArrayList<>(List.of(
                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(1).setTimestamp(-1),
                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(2).setTimestamp(-1)))))));
        submit(3, ForwardMerge.request(ApiKeys.LIST_OFFSETS, (short) 7, d));
        rounds();
        List<ClientRequest> reqs = sent(ApiKeys.LIST_OFFSETS);
        assertEquals(2, reqs.size());
        for (ClientRequest r : reqs) {
            assertEquals(7, body(r).version());
            if (portOf.get(r.destination()) == 1969) {
                client.disconnect(r.destination());
            } else {
                client.respondToRequest(r, new ListOffsetsResponse(new ListOffsetsResponseData().setTopics(List.of(
                        ListOffsetsResponse.singletonListOffsetsTopicResponse(new TopicPartition(TOPIC, 1), Errors.NONE, 10, 42, 0)))));
            }
        }
        round();
        List<ListOffsetsResponseData.ListOffsetsPartitionResponse> ps = ((ListOffsetsResponse) answers.get(3)).data().topics().get(0).partitions();
        assertEquals(1, ps.get(0).partitionIndex());
        assertEquals(42, ps.get(0).offset());
        assertEquals(2, ps.get(1).partitionIndex());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), ps.get(1).errorCode());
        assertEquals(-1, ps.get(1).offset());
        assertEquals(-1, ps.get(1).timestamp());
    }

    @Test
    void oneLeadersAnswerIsPutInRequestOrder() {
        ListOffsetsRequestData d = new ListOffsetsRequestData().setReplicaId(-1).setTopics(new ArrayList<>(List.of(
                new ListOffsetsRequestData.ListOffsetsTopic().setName(TOPIC).setPartitions(new ArrayList<>(List.of(
                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(2).setTimestamp(-1),
                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1)))))));
        submit(4, ForwardMerge.request(ApiKeys.LIST_OFFSETS, (short) 10, d));
        rounds();
        ClientRequest r = sent(ApiKeys.LIST_OFFSETS).get(0);
        ListOffsetsResponseData.ListOffsetsTopicResponse t = new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(TOPIC);
        for (int p : new int[] {0, 2}) {
            t.partitions().add(new ListOffsetsResponseData.ListOffsetsPartitionResponse().setPartitionIndex(p).setOffset(10 + p));
        }
        client.respondToRequest(r, new ListOffsetsResponse(new ListOffsetsResponseData().setTopics(List.of(t))));
        round();
        List<ListOffsetsResponseData.ListOffsetsPartitionResponse> ps = ((ListOffsetsResponse) answers.get(4)).data().topics().get(0).partitions();
        assertEquals(List.of(12L, 10L), ps.stream().map(ListOffsetsResponseData.ListOffsetsPartitionResponse::offset).toList());
    }

    /** A broker's answer to a Fetch at the log end: no records, high watermark 5. */
    private static FetchResponse emptyAnswer(ClientRequest r) {
        FetchRequest req = (FetchRequest) body(r);
        List<FetchResponseData.FetchableTopicResponse> topics = new ArrayList<>();
        for (FetchRequestData.FetchTopic t : req.data().topics()) {
            FetchResponseData.FetchableTopicResponse rt = new FetchResponseData.FetchableTopicResponse().setTopic(t.topic());
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                rt.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p.partition())
                        .setHighWatermark(5).setLastStableOffset(5).setLogStartOffset(0).setRecords(MemoryRecords.EMPTY));
            }
            topics.add(rt);
        }
        return FetchResponse.of(new FetchResponseData().setResponses(topics));
    }

    private static int maxWait(ClientRequest r) {
        return ((FetchRequest) body(r)).data().maxWaitMs();
    }

    @Test
    void requestsBeyondThePoolWaitAndAFetchWaitsLessAfterwards() {
        setUp(2);
        submit(1, fetch(500, 0));
        submit(2, fetch(500, 0));
        submit(3, fetch(500, 0));
        rounds();
        List<ClientRequest> reqs = sent(ApiKeys.FETCH);
        assertEquals(3, reqs.size(), "two long polls and the third's probe");
        assertNotEquals(reqs.get(0).destination(), reqs.get(1).destination(), "one request per connection");
        assertEquals(List.of(500, 500, 0), reqs.stream().map(ForwarderTest::maxWait).toList());
        ClientRequest probe = reqs.get(2);
        assertNotEquals(reqs.get(0).destination(), probe.destination());
        assertNotEquals(reqs.get(1).destination(), probe.destination());
        client.respondToRequest(probe, emptyAnswer(probe));
        round();
        assertTrue(answers.isEmpty(), "an empty probe answer is not the answer while the wait lasts");
        round();
        assertEquals(2, metrics.forwardConnectionsInUse.get());
        assertEquals(1, metrics.forwardWaiting.get());
        time.sleep(200);
        client.respondToRequest(reqs.get(0), fetchAnswer(reqs.get(0)));
        round();
        round();
        assertTrue(answers.containsKey(1));
        List<ClientRequest> now = sent(ApiKeys.FETCH);
        assertEquals(2, now.size());
        ClientRequest third = now.get(1);
        assertEquals(reqs.get(0).destination(), third.destination(), "the freed connection");
        assertEquals(300, maxWait(third));
        assertEquals(30_000 + 300, third.requestTimeoutMs());
        assertEquals(0, metrics.forwardWaiting.get());
    }

    @Test
    void aFetchWithDataIsAnsweredAtOnceWhileLongPollsHoldEveryConnection() {
        setUp(2);
        submit(1, fetch(3000, 0));
        submit(2, fetch(3000, 0));
        submit(3, fetch(3000, 0));
        rounds();
        List<ClientRequest> reqs = sent(ApiKeys.FETCH);
        assertEquals(3, reqs.size());
        ClientRequest probe = reqs.get(2);
        assertEquals(0, maxWait(probe));
        assertEquals(30_000, probe.requestTimeoutMs());
        time.sleep(5);
        client.respondToRequest(probe, fetchAnswer(probe));
        round();
        FetchResponse r = (FetchResponse) answers.get(3);
        assertEquals(Forwarder.recordBytes(fetchAnswer(probe)), Forwarder.recordBytes(r), "the probe's records");
        assertEquals(100, r.data().responses().get(0).partitions().get(0).highWatermark());
        assertEquals(List.of(3), List.copyOf(answers.keySet()), "the long polls still wait");
        round();
        assertEquals(0, metrics.forwardWaiting.get());
        assertEquals(2, metrics.forwardConnectionsInUse.get());
    }

    @Test
    void aWaitingFetchWhoseWaitRunsOutGetsItsProbesEmptyAnswer() {
        setUp(1);
        submit(1, fetch(3000, 0));
        submit(2, fetch(3000, 0));
        rounds();
        List<ClientRequest> reqs = sent(ApiKeys.FETCH);
        assertEquals(2, reqs.size());
        client.respondToRequest(reqs.get(1), emptyAnswer(reqs.get(1)));
        round();
        time.sleep(2999);
        round();
        assertTrue(answers.isEmpty());
        time.sleep(1);
        round();
        FetchResponse r = (FetchResponse) answers.get(2);
        FetchResponseData.PartitionData p = r.data().responses().get(0).partitions().get(0);
        assertEquals(0, p.errorCode());
        assertEquals(5, p.highWatermark(), "the broker's watermark at the probe");
        assertEquals(0, FetchResponse.recordsSize(p));
        assertEquals(List.of(reqs.get(0)), sent(ApiKeys.FETCH), "nothing more asked");
        round();
        assertEquals(0, metrics.forwardWaiting.get());
    }

    @Test
    void heartbeatAndOffsetCommitDoNotWaitBehindLongPolls() {
        setUp(1);
        submit(1, fetch(3000, 0));
        submit(2, fetch(3000, 1));
        rounds();
        assertEquals(2, sent(ApiKeys.FETCH).size(), "a long poll on each broker");
        submit(3, heartbeat("g"));
        round();
        answerLookup("g", 0);
        round();
        round();
        ClientRequest hb = sent(ApiKeys.HEARTBEAT).get(0);
        client.respondToRequest(hb, new HeartbeatResponse(new HeartbeatResponseData()));
        round();
        assertEquals(Errors.NONE, ((HeartbeatResponse) answers.get(3)).error());
        assertTrue(!answers.containsKey(1) && !answers.containsKey(2));
    }

    private static FetchRequest fetchAt(int maxWaitMs, long offset) {
        FetchRequest f = fetch(maxWaitMs, 0);
        f.data().topics().get(0).partitions().get(0).setFetchOffset(offset);
        return f;
    }

    /** A broker's answer with two records at the requested offset of each partition. */
    private static FetchResponse answerAt(ClientRequest r) {
        return answerAt(r, 1000, 1000);
    }

    /** The same with the given high watermark and last stable offset. */
    private static FetchResponse answerAt(ClientRequest r, long highWatermark, long lastStableOffset) {
        FetchRequest req = (FetchRequest) body(r);
        List<FetchResponseData.FetchableTopicResponse> topics = new ArrayList<>();
        for (FetchRequestData.FetchTopic t : req.data().topics()) {
            FetchResponseData.FetchableTopicResponse rt = new FetchResponseData.FetchableTopicResponse().setTopic(t.topic());
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                rt.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p.partition())
                        .setHighWatermark(highWatermark).setLastStableOffset(lastStableOffset).setLogStartOffset(0)
                        .setRecords(MemoryRecords.withRecords(p.fetchOffset(), Compression.NONE,
                                new SimpleRecord(("a" + p.fetchOffset()).getBytes()), new SimpleRecord("b".getBytes()))));
            }
            topics.add(rt);
        }
        return FetchResponse.of(new FetchResponseData().setResponses(topics));
    }

    /** Submits a Fetch and has the broker answer it with two records at its offset (high watermark 1000). */
    private void fetchAnswered(int correlationId, FetchRequest f) {
        fetchAnswered(correlationId, f, 1000, 1000);
    }

    /** The same with the given high watermark and last stable offset. */
    private void fetchAnswered(int correlationId, FetchRequest f, long highWatermark, long lastStableOffset) {
        submit(correlationId, f);
        rounds();
        ClientRequest r = sent(ApiKeys.FETCH).get(0);
        client.respondToRequest(r, answerAt(r, highWatermark, lastStableOffset));
    }

    private static long offsetOf(ClientRequest r) {
        return ((FetchRequest) body(r)).data().topics().get(0).partitions().get(0).fetchOffset();
    }

    private static long firstOffset(AbstractResponse r) {
        return ((MemoryRecords) ((FetchResponse) r).data().responses().get(0).partitions().get(0).records())
                .batches().iterator().next().baseOffset();
    }

    @Test
    void aFetchWithRecordsIsFollowedByAReadAheadThatAnswersTheNextFetch() {
        setUp(64, new ReadAhead(1000, 64 << 20));
        fetchAnswered(1, fetchAt(500, 5));
        round();
        assertEquals(5, firstOffset(answers.get(1)));
        round();
        List<ClientRequest> ahead = sent(ApiKeys.FETCH);
        assertEquals(1, ahead.size(), "the read-ahead");
        assertEquals(7, offsetOf(ahead.get(0)), "after the two records answered");
        assertEquals(0, maxWait(ahead.get(0)));
        client.respondToRequest(ahead.get(0), answerAt(ahead.get(0)));
        round();
        // The consumer's next Fetch: answered from the read-ahead, on the submitting thread.
        submit(2, fetchAt(500, 7));
        FetchResponse r = (FetchResponse) answers.get(2);
        assertEquals(7, firstOffset(r));
        assertEquals(1000, r.data().responses().get(0).partitions().get(0).highWatermark());
        assertEquals(1, metrics.forwardReadAheadHits.sum());
        round();
        round();
        List<ClientRequest> next = sent(ApiKeys.FETCH);
        assertEquals(List.of(9L), next.stream().map(ForwarderTest::offsetOf).toList(), "the next read-ahead");
        // Another offset goes the normal way; the entry is used once.
        submit(3, fetchAt(500, 8));
        rounds();
        assertEquals(List.of(9L, 8L), sent(ApiKeys.FETCH).stream().map(ForwarderTest::offsetOf).toList());
        assertEquals(500, maxWait(sent(ApiKeys.FETCH).get(1)));
    }

    @Test
    void aFetchArrivingWhileItsReadAheadIsInFlightWaitsForIt_andAnExpiredOneIsNotUsed() {
        setUp(64, new ReadAhead(1000, 64 << 20));
        fetchAnswered(1, fetchAt(500, 5));
        round();
        round();
        ClientRequest ahead = sent(ApiKeys.FETCH).get(0);
        submit(2, fetchAt(500, 7));
        round();
        assertEquals(1, sent(ApiKeys.FETCH).size(), "no second request for the same offsets");
        client.respondToRequest(ahead, answerAt(ahead));
        round();
        assertEquals(7, firstOffset(answers.get(2)));
        round();
        ClientRequest third = sent(ApiKeys.FETCH).get(0);
        assertEquals(9, offsetOf(third));
        client.respondToRequest(third, answerAt(third));
        round();
        time.sleep(1000);
        round();
        submit(3, fetchAt(500, 9));
        rounds();
        assertTrue(!answers.containsKey(3), "expired: asked again");
        assertEquals(List.of(9L), sent(ApiKeys.FETCH).stream().map(ForwarderTest::offsetOf).toList());
        assertEquals(500, maxWait(sent(ApiKeys.FETCH).get(0)));
    }

    @Test
    void noReadAheadAtTheEndOfTheLog_readCommittedEndingAtTheLastStableOffset() {
        setUp(64, new ReadAhead(1000, 64 << 20));
        // The two records answered end at the high watermark: nothing more to read ahead.
        fetchAnswered(1, fetchAt(500, 5), 7, 7);
        rounds();
        assertEquals(5, firstOffset(answers.get(1)));
        assertEquals(List.of(), sent(ApiKeys.FETCH), "no read-ahead past the high watermark");
        // read_committed: the last stable offset bounds it, whatever the high watermark says.
        FetchRequest committed = fetchAt(500, 7);
        committed.data().setIsolationLevel((byte) 1);
        fetchAnswered(2, committed, 1000, 9);
        rounds();
        assertEquals(7, firstOffset(answers.get(2)));
        assertEquals(List.of(), sent(ApiKeys.FETCH), "no read-ahead past the last stable offset");
        // Below the last stable offset it is asked.
        FetchRequest again = fetchAt(500, 9);
        again.data().setIsolationLevel((byte) 1);
        fetchAnswered(3, again, 1000, 20);
        rounds();
        assertEquals(List.of(11L), sent(ApiKeys.FETCH).stream().map(ForwarderTest::offsetOf).toList());
        assertEquals(0, maxWait(sent(ApiKeys.FETCH).get(0)));
        assertEquals(0, metrics.forwardReadAheadHits.sum());
    }

    @Test
    void aConsumerWhoseReadAheadWentUnusedGetsNoneForAWhile() {
        setUp(64, new ReadAhead(1000, 64 << 20));
        fetchAnswered(1, fetchAt(500, 5));
        rounds();
        ClientRequest ahead = sent(ApiKeys.FETCH).get(0);
        client.respondToRequest(ahead, answerAt(ahead));
        rounds();
        // The consumer comes back after the read-ahead expired: dropped unused.
        time.sleep(1000);
        round();
        assertEquals(1, metrics.forwardReadAheadsUnused.sum());
        submit(2, fetchAt(500, 7));
        rounds();
        ClientRequest second = sent(ApiKeys.FETCH).get(0);
        assertEquals(500, maxWait(second), "asked the normal way");
        client.respondToRequest(second, answerAt(second));
        rounds();
        assertEquals(7, firstOffset(answers.get(2)));
        assertEquals(List.of(), sent(ApiKeys.FETCH), "no read-ahead while the consumer is quiet");
        assertEquals(1, metrics.forwardReadAheads.sum());
        // Once the quiet time is over, read-ahead resumes.
        time.sleep(ReadAhead.QUIET_KEEPS * 1000L);
        fetchAnswered(3, fetchAt(500, 9));
        rounds();
        assertEquals(List.of(11L), sent(ApiKeys.FETCH).stream().map(ForwarderTest::offsetOf).toList());
        assertEquals(0, maxWait(sent(ApiKeys.FETCH).get(0)));
        assertEquals(2, metrics.forwardReadAheads.sum());
    }

    @Test
    void anEmptyReadAheadIsNotUsed() {
        setUp(64, new ReadAhead(1000, 64 << 20));
        fetchAnswered(1, fetchAt(500, 5));
        round();
        round();
        ClientRequest ahead = sent(ApiKeys.FETCH).get(0);
        client.respondToRequest(ahead, emptyAnswer(ahead));
        round();
        submit(2, fetchAt(500, 7));
        rounds();
        assertTrue(!answers.containsKey(2));
        assertEquals(500, maxWait(sent(ApiKeys.FETCH).get(0)), "asked the normal way");
        assertEquals(0, metrics.forwardReadAheadHits.sum());
    }

    private static AbstractRequest heartbeat(String group) {
        return ForwardMerge.request(ApiKeys.HEARTBEAT, (short) 4,
                new HeartbeatRequestData().setGroupId(group).setMemberId("m1").setGenerationId(3));
    }

    private void answerLookup(String group, int nodeId) {
        ClientRequest lookup = sent(ApiKeys.FIND_COORDINATOR).stream()
                .filter(r -> ((FindCoordinatorRequest) body(r)).data().coordinatorKeys().contains(group)
                        || ((FindCoordinatorRequest) body(r)).data().key().equals(group))
                .findFirst().orElseThrow();
        assertEquals(FindCoordinatorRequest.CoordinatorType.GROUP.id(), ((FindCoordinatorRequest) body(lookup)).data().keyType());
        client.respondToRequest(lookup, FindCoordinatorResponse.prepareResponse(Errors.NONE, group,
                new Node(nodeId, "localhost", 1969 + nodeId)));
    }

    @Test
    void coordinatorIsCachedUntilTheClusterSaysOtherwise() {
        submit(1, heartbeat("g"));
        round();
        answerLookup("g", 1);
        round();
        round();
        ClientRequest hb = sent(ApiKeys.HEARTBEAT).get(0);
        assertEquals(1970, portOf.get(hb.destination()));
        client.respondToRequest(hb, new HeartbeatResponse(new HeartbeatResponseData()));
        round();
        assertEquals(Errors.NONE, ((HeartbeatResponse) answers.get(1)).error());

        submit(2, heartbeat("g"));
        round();
        assertTrue(sent(ApiKeys.FIND_COORDINATOR).isEmpty(), "cached");
        hb = sent(ApiKeys.HEARTBEAT).get(0);
        client.respondToRequest(hb, new HeartbeatResponse(new HeartbeatResponseData().setErrorCode(Errors.NOT_COORDINATOR.code())));
        round();
        assertEquals(Errors.NOT_COORDINATOR, ((HeartbeatResponse) answers.get(2)).error(), "passed on as the broker gave it");

        submit(3, heartbeat("g"));
        round();
        assertEquals(1, sent(ApiKeys.FIND_COORDINATOR).size(), "looked up again");
    }

    @Test
    void lookupKeepsAskingWhileTheClusterHasNoCoordinatorYet() {
        submit(1, heartbeat("g"));
        round();
        // A fresh cluster creating __consumer_offsets: "not now", twice.
        for (Errors notYet : List.of(Errors.COORDINATOR_NOT_AVAILABLE, Errors.COORDINATOR_LOAD_IN_PROGRESS)) {
            ClientRequest lookup = sent(ApiKeys.FIND_COORDINATOR).get(0);
            client.respondToRequest(lookup, FindCoordinatorResponse.prepareResponse(notYet, "g", Node.noNode()));
            round();
            assertTrue(answers.isEmpty(), "not answered while the cluster says not now");
            round();
            assertTrue(sent(ApiKeys.FIND_COORDINATOR).isEmpty(), "waits before asking again");
            time.sleep(Forwarder.COORDINATOR_RETRY_MS);
            round();
        }
        answerLookup("g", 0);
        round();
        round();
        ClientRequest hb = sent(ApiKeys.HEARTBEAT).get(0);
        client.respondToRequest(hb, new HeartbeatResponse(new HeartbeatResponseData()));
        round();
        assertEquals(Errors.NONE, ((HeartbeatResponse) answers.get(1)).error());
    }

    @Test
    void lookupGivesUpAfterTheCoordinatorWait() {
        submit(1, heartbeat("g"));
        round();
        for (long waited = 0; waited < Forwarder.COORDINATOR_WAIT_MS && !answers.containsKey(1); waited += Forwarder.COORDINATOR_RETRY_MS) {
            List<ClientRequest> lookups = sent(ApiKeys.FIND_COORDINATOR);
            if (!lookups.isEmpty()) {
                client.respondToRequest(lookups.get(0), FindCoordinatorResponse.prepareResponse(Errors.COORDINATOR_NOT_AVAILABLE, "g", Node.noNode()));
                round();
            }
            time.sleep(Forwarder.COORDINATOR_RETRY_MS);
            round();
        }
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE, ((HeartbeatResponse) answers.get(1)).error());
    }

    @Test
    void unreachableCoordinatorIsCoordinatorNotAvailable() {
        submit(1, heartbeat("g"));
        round();
        answerLookup("g", 0);
        round();
        round();
        ClientRequest hb = sent(ApiKeys.HEARTBEAT).get(0);
        client.disconnect(hb.destination());
        round();
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE, ((HeartbeatResponse) answers.get(1)).error());
        submit(2, heartbeat("g"));
        round();
        assertEquals(1, sent(ApiKeys.FIND_COORDINATOR).size(), "cache dropped after the failure");
    }

    @Test
    void joinGroupWaitsItsRebalanceTimeoutAndIsCounted() {
        JoinGroupRequestData d = new JoinGroupRequestData().setGroupId("g").setMemberId("").setProtocolType("consumer")
                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(60_000);
        d.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        submit(1, ForwardMerge.request(ApiKeys.JOIN_GROUP, (short) 9, d));
        round();
        answerLookup("g", 0);
        round();
        round();
        ClientRequest join = sent(ApiKeys.JOIN_GROUP).get(0);
        assertEquals(30_000 + 60_000, join.requestTimeoutMs());
        client.respondToRequest(join, new JoinGroupResponse(new JoinGroupResponseData().setMemberId("m-1").setGenerationId(1)
                .setProtocolName("range").setLeader("m-1"), (short) 9));
        round();
        assertEquals(Errors.NONE, ((JoinGroupResponse) answers.get(1)).error());
        assertEquals(List.of(1L, 1L), List.of(groups.counts(time.milliseconds())[0], groups.counts(time.milliseconds())[1]));
        time.sleep(10_001); // silent past its session timeout
        assertEquals(0, groups.counts(time.milliseconds())[1]);
    }

    @Test
    void describeGroupsIsSplitByCoordinator() {
        submit(1, ForwardMerge.request(ApiKeys.DESCRIBE_GROUPS, (short) 5,
                new DescribeGroupsRequestData().setGroups(new ArrayList<>(List.of("a", "b", "c")))));
        round();
        answerLookup("a", 0);
        answerLookup("b", 1);
        answerLookup("c", 0);
        round();
        round();
        List<ClientRequest> reqs = sent(ApiKeys.DESCRIBE_GROUPS);
        assertEquals(2, reqs.size());
        for (ClientRequest r : reqs) {
            DescribeGroupsRequestData rd = (DescribeGroupsRequestData) body(r).data();
            assertEquals(portOf.get(r.destination()) == 1969 ? List.of("a", "c") : List.of("b"), rd.groups());
            if (rd.groups().contains("b")) {
                client.disconnect(r.destination());
                continue;
            }
            DescribeGroupsResponseData out = new DescribeGroupsResponseData();
            for (String g : rd.groups()) {
                out.groups().add(new DescribeGroupsResponseData.DescribedGroup().setGroupId(g).setGroupState("Stable"));
            }
            client.respondToRequest(r, new DescribeGroupsResponse(out));
        }
        round();
        List<DescribeGroupsResponseData.DescribedGroup> gs = ((DescribeGroupsResponse) answers.get(1)).data().groups();
        assertEquals(List.of("a", "b", "c"), gs.stream().map(DescribeGroupsResponseData.DescribedGroup::groupId).toList());
        assertEquals("Stable", gs.get(0).groupState());
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), gs.get(1).errorCode());
    }

    @Test
    void listGroupsAsksEveryBroker() {
        submit(1, ForwardMerge.request(ApiKeys.LIST_GROUPS, (short) 4, new ListGroupsRequestData()));
        round();
        List<ClientRequest> reqs = sent(ApiKeys.LIST_GROUPS);
        assertEquals(2, reqs.size());
        client.respondToRequest(reqs.get(0), new ListGroupsResponse(new ListGroupsResponseData().setGroups(List.of(
                new ListGroupsResponseData.ListedGroup().setGroupId("x").setProtocolType("consumer")))));
        client.disconnect(reqs.get(1).destination());
        round();
        ListGroupsResponse r = (ListGroupsResponse) answers.get(1);
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), r.data().errorCode());
        assertEquals("x", r.data().groups().get(0).groupId());
    }

    private static byte[] message(AbstractRequest r, int correlationId) {
        ByteBuffer b = r.serializeWithHeader(new RequestHeader(r.apiKey(), r.version(), "c", correlationId));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void onlyServedRequestsParse() throws Exception {
        ForwardEndpoint.Parsed p = ForwardEndpoint.parse(message(heartbeat("g"), 5));
        assertEquals(ApiKeys.HEARTBEAT, p.header().apiKey());
        assertEquals(5, p.header().correlationId());
        assertThrows(ForwardEndpoint.Malformed.class, () -> ForwardEndpoint.parse(message(
                ForwardMerge.request(ApiKeys.PRODUCE, (short) 11, new ProduceRequestData().setAcks((short) 1)), 1)));
        FetchRequest v13 = new FetchRequest(fetch(0, 0).data(), (short) 13);
        assertThrows(ForwardEndpoint.Malformed.class, () -> ForwardEndpoint.parse(message(v13, 1)));
        FetchRequest withSession = fetch(0, 0);
        withSession.data().setSessionId(5).setSessionEpoch(1);
        assertThrows(ForwardEndpoint.Malformed.class, () -> ForwardEndpoint.parse(message(withSession, 1)));
        assertThrows(ForwardEndpoint.Malformed.class, () -> ForwardEndpoint.parse(new byte[] {0, 1}));
        FindCoordinatorRequest fc = new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKey("g")).build((short) 3);
        assertThrows(ForwardEndpoint.Malformed.class, () -> ForwardEndpoint.parse(message(fc, 1)));
    }

    @Test
    void answersCarryTheRequestsHeaderVersionAndCorrelationId() {
        HeartbeatResponse r = new HeartbeatResponse(new HeartbeatResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()));
        for (short v : new short[] {0, 4}) {
            byte[] bytes = ForwardMerge.encode(ApiKeys.HEARTBEAT, v, 77, r.data());
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            ResponseHeader h = ResponseHeader.parse(buf, ApiKeys.HEARTBEAT.responseHeaderVersion(v));
            assertEquals(77, h.correlationId());
            AbstractResponse back = AbstractResponse.parseResponse(ApiKeys.HEARTBEAT, new ByteBufferAccessor(buf), v);
            assertInstanceOf(HeartbeatResponse.class, back);
            assertEquals(Errors.REBALANCE_IN_PROGRESS, ((HeartbeatResponse) back).error());
            assertTrue(!buf.hasRemaining());
        }
    }
}
