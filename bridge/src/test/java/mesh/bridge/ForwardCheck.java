package mesh.bridge;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hand-run check of the forward endpoint against a real cluster and a running bridge (not part of
 * `mvn package`):
 *
 *   java -cp bridge/target/test-classes:bridge/target/mesh-bridge.jar mesh.bridge.ForwardCheck GRPC_HOST:PORT BOOTSTRAP
 *
 * Creates a topic with records, then on one Forward stream: ListOffsets (earliest, latest), Fetch
 * of every partition, a Fetch that waits its max_wait_ms, several waiting Fetches at once (the
 * pool), a group's JoinGroup, SyncGroup, Heartbeat, OffsetCommit, OffsetFetch, DescribeGroups,
 * ListGroups and LeaveGroup; compares each with what Admin and a KafkaConsumer read directly.
 * Then checks a Produce request on Forward ends its stream with INVALID_ARGUMENT.
 */
public final class ForwardCheck {
    private ForwardCheck() { }

    private static int failures;

    private static void check(boolean ok, String what) {
        System.out.println((ok ? "ok   " : "FAIL ") + what);
        if (!ok) {
            failures++;
        }
    }

    /** The Forward method as a client sees it: bytes both ways. */
    static final io.grpc.MethodDescriptor<byte[], byte[]> FORWARD_CLIENT = ForwardEndpoint.FORWARD.toBuilder(
            NativeEndpoint.BYTES, NativeEndpoint.BYTES).build();

    /** One Forward stream: requests out, answers matched by correlation id. */
    static final class Stream implements StreamObserver<byte[]> {
        final Map<Integer, CompletableFuture<AbstractResponse>> waiting = new ConcurrentHashMap<>();
        final Map<Integer, RequestHeader> headers = new ConcurrentHashMap<>();
        final CompletableFuture<Status> closed = new CompletableFuture<>();
        final AtomicInteger correlation = new AtomicInteger(100);
        final StreamObserver<byte[]> out;

        Stream(ManagedChannel channel) {
            out = ClientCalls.asyncBidiStreamingCall(channel.newCall(FORWARD_CLIENT, CallOptions.DEFAULT), this);
        }

        CompletableFuture<AbstractResponse> send(ApiKeys api, short version, ApiMessage data) {
            AbstractRequest r = ForwardMerge.request(api, version, data);
            int corr = correlation.incrementAndGet();
            RequestHeader h = new RequestHeader(api, version, "forward-check", corr);
            CompletableFuture<AbstractResponse> f = new CompletableFuture<>();
            waiting.put(corr, f);
            headers.put(corr, h);
            ByteBuffer b = r.serializeWithHeader(h);
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            synchronized (this) {
                out.onNext(bytes);
            }
            return f;
        }

        void sendRaw(byte[] bytes) {
            synchronized (this) {
                out.onNext(bytes);
            }
        }

        @Override
        public void onNext(byte[] msg) {
            ByteBuffer buf = ByteBuffer.wrap(msg);
            // The correlation id is the first field of every response header version.
            int corr = buf.getInt(0);
            RequestHeader h = headers.remove(corr);
            ResponseHeader rh = ResponseHeader.parse(buf, h.apiKey().responseHeaderVersion(h.apiVersion()));
            AbstractResponse r = AbstractResponse.parseResponse(h.apiKey(), new ByteBufferAccessor(buf), h.apiVersion());
            if (buf.hasRemaining() || rh.correlationId() != corr) {
                waiting.remove(corr).completeExceptionally(new IllegalStateException("bad answer framing"));
                return;
            }
            waiting.remove(corr).complete(r);
        }

        @Override
        public void onError(Throwable t) {
            closed.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            closed.complete(Status.OK);
        }
    }

    public static void main(String[] args) throws Exception {
        String target = args[0];
        String bootstrap = args[1];
        String topic = "forward-check-" + System.currentTimeMillis();
        String group = topic + "-g";
        int partitions = 3;
        Properties common = new Properties();
        common.put("bootstrap.servers", bootstrap);
        Admin admin = Admin.create(common);
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        Properties pp = new Properties();
        pp.putAll(common);
        pp.put("key.serializer", StringSerializer.class.getName());
        pp.put("value.serializer", StringSerializer.class.getName());
        pp.put("linger.ms", "5");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
            for (int i = 0; i < 30 + partitions; i++) {
                producer.send(new ProducerRecord<>(topic, i % partitions, "k" + i, "v" + i));
            }
            producer.flush();
        }
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        Map<TopicPartition, OffsetSpec> latestSpec = new HashMap<>();
        tps.forEach(tp -> latestSpec.put(tp, OffsetSpec.latest()));
        var latest = admin.listOffsets(latestSpec).all().get(30, TimeUnit.SECONDS);

        ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        Stream s = new Stream(channel);

        // ListOffsets, latest and earliest, at the newest version and an old one.
        for (short v : new short[] {ApiKeys.LIST_OFFSETS.latestVersion(), 1}) {
            ListOffsetsRequestData.ListOffsetsTopic lt = new ListOffsetsRequestData.ListOffsetsTopic().setName(topic);
            for (int p = partitions - 1; p >= 0; p--) {
                lt.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(p).setTimestamp(-1));
            }
            ListOffsetsResponse lo = (ListOffsetsResponse) s.send(ApiKeys.LIST_OFFSETS, v,
                    new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(lt))).get(30, TimeUnit.SECONDS);
            boolean ok = lo.data().topics().size() == 1;
            int expect = partitions - 1;
            for (var pr : lo.data().topics().get(0).partitions()) {
                ok &= pr.partitionIndex() == expect-- && pr.errorCode() == 0
                        && pr.offset() == latest.get(new TopicPartition(topic, pr.partitionIndex())).offset();
            }
            if (!ok) {
                System.out.println("  " + lo.data());
            }
            check(ok, "ListOffsets v" + v + " latest of " + partitions + " partitions, in request order, = Admin.listOffsets "
                    + latest.values().stream().map(i -> i.offset()).toList());
        }

        // Fetch every partition from 0 and compare with a KafkaConsumer.
        Map<TopicPartition, List<String>> direct = new HashMap<>();
        Properties cp = new Properties();
        cp.putAll(common);
        cp.put("key.deserializer", ByteArrayDeserializer.class.getName());
        cp.put("value.deserializer", ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            int n = 0;
            long until = System.currentTimeMillis() + 20_000;
            while (n < 30 + partitions && System.currentTimeMillis() < until) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    direct.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), x -> new ArrayList<>())
                            .add(r.offset() + ":" + new String(r.value(), StandardCharsets.UTF_8));
                    n++;
                }
            }
        }
        for (short v : new short[] {12, 4}) {
            FetchRequestData.FetchTopic ft = new FetchRequestData.FetchTopic().setTopic(topic);
            for (int p = 0; p < partitions; p++) {
                ft.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(0)
                        .setPartitionMaxBytes(1 << 20).setLogStartOffset(-1).setCurrentLeaderEpoch(-1));
            }
            FetchResponse fr = (FetchResponse) s.send(ApiKeys.FETCH, v, new FetchRequestData().setReplicaId(-1)
                    .setMaxWaitMs(500).setMinBytes(1).setMaxBytes(50 << 20).setIsolationLevel((byte) 0)
                    .setSessionId(0).setSessionEpoch(-1).setTopics(List.of(ft))).get(30, TimeUnit.SECONDS);
            Map<TopicPartition, List<String>> viaBridge = new HashMap<>();
            boolean ok = fr.data().errorCode() == 0;
            for (FetchResponseData.FetchableTopicResponse t : fr.data().responses()) {
                for (FetchResponseData.PartitionData p : t.partitions()) {
                    TopicPartition tp = new TopicPartition(t.topic(), p.partitionIndex());
                    ok &= p.errorCode() == 0 && p.highWatermark() == latest.get(tp).offset();
                    for (RecordBatch b : ((MemoryRecords) FetchResponse.recordsOrFail(p)).batches()) {
                        for (Record r : b) {
                            viaBridge.computeIfAbsent(tp, x -> new ArrayList<>())
                                    .add(r.offset() + ":" + Utils.utf8(r.value()));
                        }
                    }
                }
            }
            check(ok && viaBridge.equals(direct), "Fetch v" + v + ": " + viaBridge.values().stream().mapToInt(List::size).sum()
                    + " records with offsets and values = KafkaConsumer's " + direct.values().stream().mapToInt(List::size).sum()
                    + ", high watermarks = latest offsets");
        }

        // A Fetch at the end waits its max_wait_ms; several at once each hold a pooled connection.
        List<CompletableFuture<AbstractResponse>> waits = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 6; i++) {
            FetchRequestData.FetchTopic ft = new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(latest.get(tps.get(0)).offset())
                            .setPartitionMaxBytes(1 << 20).setLogStartOffset(-1).setCurrentLeaderEpoch(-1)));
            waits.add(s.send(ApiKeys.FETCH, (short) 12, new FetchRequestData().setReplicaId(-1).setMaxWaitMs(1500)
                    .setMinBytes(1).setMaxBytes(1 << 20).setSessionId(0).setSessionEpoch(-1).setTopics(List.of(ft))));
        }
        for (CompletableFuture<AbstractResponse> f : waits) {
            f.get(30, TimeUnit.SECONDS);
        }
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        check(waitedMs >= 1400 && waitedMs < 3000, "6 Fetches at the log end with max_wait_ms 1500 sent at once answered after "
                + waitedMs + " ms (in parallel, not one after another)");

        // The group: JoinGroup (member id required, then joined as leader), SyncGroup, Heartbeat.
        byte[] subscription = Utils.toArray(ConsumerProtocol.serializeSubscription(
                new ConsumerPartitionAssignor.Subscription(List.of(topic))));
        JoinGroupRequestData join = new JoinGroupRequestData().setGroupId(group).setMemberId("").setProtocolType("consumer")
                .setSessionTimeoutMs(30_000).setRebalanceTimeoutMs(10_000).setReason("forward check");
        join.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(subscription));
        JoinGroupResponse j1 = (JoinGroupResponse) s.send(ApiKeys.JOIN_GROUP, (short) 9, join).get(30, TimeUnit.SECONDS);
        check(j1.error() == Errors.MEMBER_ID_REQUIRED, "JoinGroup v9 without member id: " + j1.error());
        join.setMemberId(j1.data().memberId());
        long t0 = System.nanoTime();
        JoinGroupResponse j2 = (JoinGroupResponse) s.send(ApiKeys.JOIN_GROUP, (short) 9, join).get(60, TimeUnit.SECONDS);
        String member = j2.data().memberId();
        int generation = j2.data().generationId();
        check(j2.error() == Errors.NONE && member.equals(j2.data().leader()) && j2.data().members().size() == 1,
                "JoinGroup v9: joined as leader, generation " + generation + " after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        byte[] assignment = Utils.toArray(ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(tps)));
        SyncGroupResponse sync = (SyncGroupResponse) s.send(ApiKeys.SYNC_GROUP, (short) 5, new SyncGroupRequestData()
                .setGroupId(group).setMemberId(member).setGenerationId(generation).setProtocolType("consumer")
                .setProtocolName("range").setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment()
                        .setMemberId(member).setAssignment(assignment)))).get(30, TimeUnit.SECONDS);
        check(sync.error() == Errors.NONE && java.util.Arrays.equals(sync.data().assignment(), assignment),
                "SyncGroup v5: own assignment back");
        HeartbeatResponse hb = (HeartbeatResponse) s.send(ApiKeys.HEARTBEAT, (short) 4, new HeartbeatRequestData()
                .setGroupId(group).setMemberId(member).setGenerationId(generation)).get(30, TimeUnit.SECONDS);
        check(hb.error() == Errors.NONE, "Heartbeat v4: " + hb.error());
        HeartbeatResponse stale = (HeartbeatResponse) s.send(ApiKeys.HEARTBEAT, (short) 0, new HeartbeatRequestData()
                .setGroupId(group).setMemberId(member).setGenerationId(generation + 7)).get(30, TimeUnit.SECONDS);
        check(stale.error() == Errors.ILLEGAL_GENERATION, "Heartbeat v0, wrong generation: " + stale.error());

        // Offsets: commit under the generation, read back through the bridge and with Admin.
        OffsetCommitRequestData.OffsetCommitRequestTopic ct = new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topic);
        for (int p = 0; p < partitions; p++) {
            ct.partitions().add(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(p)
                    .setCommittedOffset(3 + p).setCommittedMetadata("m" + p));
        }
        OffsetCommitResponse oc = (OffsetCommitResponse) s.send(ApiKeys.OFFSET_COMMIT, (short) 9, new OffsetCommitRequestData()
                .setGroupId(group).setMemberId(member).setGenerationIdOrMemberEpoch(generation).setTopics(List.of(ct)))
                .get(30, TimeUnit.SECONDS);
        check(oc.errorCounts().keySet().equals(java.util.Set.of(Errors.NONE)), "OffsetCommit v9: " + oc.errorCounts());
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        boolean ok = committed.size() == partitions;
        for (int p = 0; p < partitions; p++) {
            OffsetAndMetadata om = committed.get(new TopicPartition(topic, p));
            ok &= om != null && om.offset() == 3 + p && om.metadata().equals("m" + p);
        }
        check(ok, "Admin.listConsumerGroupOffsets reads the commit: " + committed.values().stream().map(OffsetAndMetadata::offset).toList());
        for (short v : new short[] {8, 5}) {
            OffsetFetchRequestData ofd;
            if (v >= 8) {
                ofd = new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
                        .setGroupId(group).setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics()
                                .setName(topic).setPartitionIndexes(List.of(2, 0, 1)))),
                        new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(group + "-none").setTopics(null)));
            } else {
                ofd = new OffsetFetchRequestData().setGroupId(group).setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopic()
                        .setName(topic).setPartitionIndexes(List.of(2, 0, 1))));
            }
            OffsetFetchResponse of = (OffsetFetchResponse) s.send(ApiKeys.OFFSET_FETCH, v, ofd).get(30, TimeUnit.SECONDS);
            List<Long> got = new ArrayList<>();
            if (v < 8 && of.data().topics().isEmpty()) {
                System.out.println("  " + of.data());
            }
            if (v >= 8) {
                of.data().groups().get(0).topics().get(0).partitions().forEach(p -> got.add(p.committedOffset()));
                ok = of.data().groups().size() == 2 && of.data().groups().get(1).groupId().equals(group + "-none");
            } else {
                of.data().topics().get(0).partitions().forEach(p -> got.add(p.committedOffset()));
                ok = true;
            }
            check(ok && got.equals(List.of(5L, 3L, 4L)), "OffsetFetch v" + v + ": " + got + " in request order");
        }

        // DescribeGroups and ListGroups against Admin.
        DescribeGroupsResponse dg = (DescribeGroupsResponse) s.send(ApiKeys.DESCRIBE_GROUPS, (short) 5,
                new DescribeGroupsRequestData().setGroups(List.of(group))).get(30, TimeUnit.SECONDS);
        ConsumerGroupDescription desc = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
        var g = dg.data().groups().get(0);
        check(g.errorCode() == 0 && g.groupState().equalsIgnoreCase(desc.groupState().toString())
                        && g.members().size() == desc.members().size() && g.members().get(0).memberId().equals(member)
                        && g.members().get(0).clientId().equals("forward-check"),
                "DescribeGroups v5: " + g.groupState() + ", " + g.members().size() + " member (client id forward-check) = Admin "
                        + desc.groupState() + ", " + desc.members().size());
        ListGroupsResponse lg = (ListGroupsResponse) s.send(ApiKeys.LIST_GROUPS, (short) 4, new ListGroupsRequestData())
                .get(30, TimeUnit.SECONDS);
        long adminGroups = admin.listConsumerGroups().all().get(30, TimeUnit.SECONDS).size();
        check(lg.data().errorCode() == 0 && lg.data().groups().stream().anyMatch(x -> x.groupId().equals(group)),
                "ListGroups v4: " + lg.data().groups().size() + " groups including ours (Admin lists " + adminGroups + ")");

        LeaveGroupResponse lv = (LeaveGroupResponse) s.send(ApiKeys.LEAVE_GROUP, (short) 5, new LeaveGroupRequestData()
                .setGroupId(group).setMembers(List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(member))))
                .get(30, TimeUnit.SECONDS);
        check(lv.error() == Errors.NONE, "LeaveGroup v5: " + lv.error());
        ConsumerGroupDescription after = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
        check(after.members().isEmpty(), "Admin sees the group empty after LeaveGroup: " + after.groupState());

        // A Produce request on Forward ends that stream with INVALID_ARGUMENT.
        Stream bad = new Stream(channel);
        AbstractRequest produce = ForwardMerge.request(ApiKeys.PRODUCE, (short) 11, new ProduceRequestData().setAcks((short) 1));
        ByteBuffer pb = produce.serializeWithHeader(new RequestHeader(ApiKeys.PRODUCE, (short) 11, "x", 1));
        byte[] pbytes = new byte[pb.remaining()];
        pb.get(pbytes);
        bad.sendRaw(pbytes);
        Status st = bad.closed.get(10, TimeUnit.SECONDS);
        check(st.getCode() == Status.Code.INVALID_ARGUMENT, "Produce on Forward: " + st.getCode() + " " + st.getDescription());

        s.out.onCompleted();
        check(s.closed.get(10, TimeUnit.SECONDS).isOk(), "stream half-closed by the client ends OK once answered");
        channel.shutdownNow();
        admin.deleteTopics(List.of(topic));
        admin.deleteConsumerGroups(List.of(group));
        admin.close();
        System.out.println(failures == 0 ? "ALL OK" : failures + " FAILED");
        System.exit(failures == 0 ? 0 : 1);
    }
}
