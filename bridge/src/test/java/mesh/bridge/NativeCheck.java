package mesh.bridge;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Hand-run check of the native endpoint against a real cluster (not part of `mvn package`):
 *
 *   java -cp bridge/target/test-classes:bridge/target/mesh-bridge.jar mesh.bridge.NativeCheck \
 *       GRPC_HOST:PORT BOOTSTRAP [REQUESTS] [PARTITIONS] [RECORDS_PER_BATCH] [WINDOW]
 *
 * Sends pipelined ProduceRequests (one idempotent batch per partition each, built with
 * MemoryRecords, a client producer id of its own) on one stream, checks every partition's offsets
 * are contiguous and in request order, resends a batch after cancelling its stream and checks it
 * is deduped, and reads the topic back to check nothing is missing, duplicated or reordered.
 */
public final class NativeCheck {
    private NativeCheck() { }

    record Sent(int partition, int sequence, int records) { }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--one")) {
            one(args[1], args[2], Integer.parseInt(args[3]));
            return;
        }
        String target = args[0];
        String bootstrap = args[1];
        int requests = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        int partitions = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int perBatch = args.length > 4 ? Integer.parseInt(args[4]) : 10;
        int window = args.length > 5 ? Integer.parseInt(args[5]) : 64;
        String topic = "native-check-" + System.currentTimeMillis();
        long pid = 900_000_000L + (System.nanoTime() & 0xffffff);
        short epoch = 0;
        boolean ok = true;

        Properties ap = new Properties();
        ap.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Thread.sleep(500);

        ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        int[] nextSeq = new int[partitions];
        Map<Integer, Sent[]> sentBy = new ConcurrentHashMap<>();
        Map<Integer, long[]> offsets = new ConcurrentHashMap<>();
        Map<String, Integer> errors = new ConcurrentHashMap<>();
        List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<Integer, Long> sentAt = new ConcurrentHashMap<>();

        // 1. Pipelined requests on one stream.
        Semaphore inFlight = new Semaphore(window);
        CountDownLatch done = new CountDownLatch(requests);
        StreamObserver<byte[]> responses = new StreamObserver<>() {
            @Override
            public void onNext(byte[] msg) {
                ByteBuffer buf = ByteBuffer.wrap(msg);
                int corr = ResponseHeader.parse(buf, (short) 1).correlationId();
                latencies.add(System.nanoTime() - sentAt.get(corr));
                ProduceResponse r = ProduceResponse.parse(new ByteBufferAccessor(buf), (short) 11);
                long[] offs = new long[partitions];
                for (ProduceResponseData.TopicProduceResponse t : r.data().responses()) {
                    for (ProduceResponseData.PartitionProduceResponse p : t.partitionResponses()) {
                        if (p.errorCode() != 0) {
                            errors.merge(Errors.forCode(p.errorCode()).name(), 1, Integer::sum);
                        }
                        offs[p.index()] = p.errorCode() == 0 ? p.baseOffset() : -1;
                    }
                }
                offsets.put(corr, offs);
                inFlight.release();
                done.countDown();
            }

            @Override
            public void onError(Throwable t) {
                System.err.println("stream error: " + t);
            }

            @Override
            public void onCompleted() { }
        };
        ClientCall<byte[], byte[]> call = channel.newCall(NativeEndpoint.PRODUCE, CallOptions.DEFAULT);
        StreamObserver<byte[]> requestsOut = ClientCalls.asyncBidiStreamingCall(call, responses);
        long start = System.nanoTime();
        long bytes = 0;
        for (int corr = 0; corr < requests; corr++) {
            ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
            ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(topic);
            Sent[] sent = new Sent[partitions];
            for (int p = 0; p < partitions; p++) {
                MemoryRecords batch = TestBatches.batch(pid, epoch, nextSeq[p], perBatch, Compression.lz4().build());
                sent[p] = new Sent(p, nextSeq[p], perBatch);
                nextSeq[p] += perBatch;
                bytes += batch.sizeInBytes();
                t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(p).setRecords(batch));
            }
            topics.add(t);
            sentBy.put(corr, sent);
            inFlight.acquire();
            sentAt.put(corr, System.nanoTime());
            requestsOut.onNext(TestBatches.request(corr, "native-check",
                    new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(topics)));
        }
        if (!done.await(120, TimeUnit.SECONDS)) {
            System.out.println("FAIL: " + done.getCount() + " responses missing");
            ok = false;
        }
        double secs = (System.nanoTime() - start) / 1e9;
        requestsOut.onCompleted();
        List<Long> lat = new ArrayList<>(latencies);
        lat.sort(null);
        System.out.printf("pipelined: %d requests x %d partitions x %d records in %.2f s: %.0f req/s, %.0f records/s, %.1f MB/s;"
                        + " latency p50 %.2f ms p99 %.2f ms max %.2f ms; window %d; errors %s%n",
                requests, partitions, perBatch, secs, requests / secs, requests * partitions * perBatch / secs,
                bytes / secs / 1e6, pct(lat, 0.5), pct(lat, 0.99), pct(lat, 1.0), window, errors);
        ok &= errors.isEmpty();

        // Offsets: per partition, request order = offset order, contiguous.
        for (int p = 0; p < partitions; p++) {
            long expect = -1;
            for (int corr = 0; corr < requests; corr++) {
                long[] offs = offsets.get(corr);
                if (offs == null) {
                    continue;
                }
                if (expect >= 0 && offs[p] != expect) {
                    System.out.printf("FAIL: partition %d request %d at offset %d, expected %d%n", p, corr, offs[p], expect);
                    ok = false;
                }
                expect = offs[p] + perBatch;
            }
        }

        // 2. Resend after a cancelled stream: the same client batch must be written once.
        int p0 = 0;
        MemoryRecords again = TestBatches.batch(pid, epoch, nextSeq[p0], 3, Compression.NONE);
        nextSeq[p0] += 3;
        ClientCall<byte[], byte[]> doomed = channel.newCall(NativeEndpoint.PRODUCE, CallOptions.DEFAULT);
        StreamObserver<byte[]> doomedOut = ClientCalls.asyncBidiStreamingCall(doomed, new Collect());
        doomedOut.onNext(TestBatches.request(1, "native-check", TestBatches.produce((short) -1, 30_000, topic, p0, again)));
        doomed.cancel("test: stream reset before the answer", null);
        Collect second = new Collect();
        StreamObserver<byte[]> secondOut = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(NativeEndpoint.PRODUCE, CallOptions.DEFAULT), second);
        MemoryRecords copy = MemoryRecords.readableRecords(again.buffer().duplicate());
        secondOut.onNext(TestBatches.request(2, "native-check", TestBatches.produce((short) -1, 30_000, topic, p0, copy)));
        // And once more after it completed.
        ProduceResponseData.PartitionProduceResponse r1 = second.next();
        secondOut.onNext(TestBatches.request(3, "native-check", TestBatches.produce((short) -1, 30_000, topic, p0,
                MemoryRecords.readableRecords(again.buffer().duplicate()))));
        ProduceResponseData.PartitionProduceResponse r2 = second.next();
        System.out.printf("resend after cancel: error=%s offset=%d; resend after success: error=%s offset=%d%n",
                Errors.forCode(r1.errorCode()), r1.baseOffset(), Errors.forCode(r2.errorCode()), r2.baseOffset());
        ok &= r1.errorCode() == 0 && r2.errorCode() == 0 && r1.baseOffset() == r2.baseOffset();

        // 3. Bridge-level errors.
        MemoryRecords corrupt = TestBatches.batch(pid, epoch, nextSeq[1], 2, Compression.NONE);
        corrupt.buffer().put(corrupt.buffer().limit() - 1, (byte) 0x7f);
        secondOut.onNext(TestBatches.request(4, "native-check", TestBatches.produce((short) -1, 30_000, topic, 1, corrupt)));
        Errors corruptErr = Errors.forCode(second.next().errorCode());
        secondOut.onNext(TestBatches.request(5, "native-check", TestBatches.produce((short) 1, 30_000,
                topic + "-missing", 0, TestBatches.plain(1))));
        Errors missingErr = Errors.forCode(second.next().errorCode());
        secondOut.onNext(TestBatches.request(6, "native-check", TestBatches.produce((short) 1, 30_000,
                topic, partitions + 5, TestBatches.plain(1))));
        Errors badPartErr = Errors.forCode(second.next().errorCode());
        secondOut.onNext(TestBatches.request(7, "native-check", TestBatches.produce((short) 0, 30_000,
                topic, 2, TestBatches.plain(2))));
        ProduceResponseData.PartitionProduceResponse acks0 = second.next();
        System.out.printf("corrupt batch: %s; unknown topic: %s; unknown partition: %s; acks=0: %s offset=%d%n",
                corruptErr, missingErr, badPartErr, Errors.forCode(acks0.errorCode()), acks0.baseOffset());
        ok &= corruptErr == Errors.CORRUPT_MESSAGE && missingErr == Errors.UNKNOWN_TOPIC_OR_PARTITION
                && badPartErr == Errors.UNKNOWN_TOPIC_OR_PARTITION && acks0.errorCode() == 0;
        secondOut.onCompleted();
        channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);

        // 4. Read everything back: client sequences in order, none missing, none twice.
        Properties cp = new Properties();
        cp.put("bootstrap.servers", bootstrap);
        cp.put("key.deserializer", ByteArrayDeserializer.class.getName());
        cp.put("value.deserializer", ByteArrayDeserializer.class.getName());
        cp.put("auto.offset.reset", "earliest");
        cp.put("enable.auto.commit", "false");
        cp.put("group.id", topic);
        Map<Integer, List<String>> read = new HashMap<>();
        long[] expected = new long[partitions];
        for (int p = 0; p < partitions; p++) {
            expected[p] = (long) requests * perBatch;
        }
        expected[0] += 3;
        expected[2] += 2;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long total = 0;
            long want = 0;
            for (long e : expected) {
                want += e;
            }
            long deadline = System.currentTimeMillis() + 60_000;
            while (total < want && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(500))) {
                    read.computeIfAbsent(rec.partition(), k -> new ArrayList<>()).add(new String(rec.value(), StandardCharsets.UTF_8));
                    total++;
                }
            }
            Thread.sleep(1000);
            for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(1000))) {
                read.computeIfAbsent(rec.partition(), k -> new ArrayList<>()).add(new String(rec.value(), StandardCharsets.UTF_8));
            }
        }
        for (int p = 0; p < partitions; p++) {
            List<String> values = read.getOrDefault(p, List.of());
            if (values.size() != expected[p]) {
                System.out.printf("FAIL: partition %d has %d records, expected %d%n", p, values.size(), expected[p]);
                ok = false;
            }
            int limit = Math.min(values.size(), requests * perBatch);
            for (int i = 0; i < limit; i++) {
                String want = "value-" + (i / perBatch) * perBatch + "-" + (i % perBatch);
                if (!values.get(i).equals(want)) {
                    System.out.printf("FAIL: partition %d record %d is %s, expected %s%n", p, i, values.get(i), want);
                    ok = false;
                    break;
                }
            }
        }
        System.out.printf("read back: %s records per partition (expected %s)%n",
                read.values().stream().map(List::size).toList(), java.util.Arrays.toString(expected));
        System.out.println(ok ? "native check: OK" : "native check: FAILED");
        System.exit(ok ? 0 : 1);
    }

    /** --one GRPC_HOST:PORT TOPIC TIMEOUT_MS: one request (twice), prints the answer and how long it took. */
    private static void one(String target, String topic, int timeoutMs) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        Collect answers = new Collect();
        StreamObserver<byte[]> out = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(NativeEndpoint.PRODUCE, CallOptions.DEFAULT), answers);
        // Twice: the first answer also pays for connecting and warming up.
        for (int i = 1; i <= 2; i++) {
            long start = System.nanoTime();
            out.onNext(TestBatches.request(i, "native-check", TestBatches.produce((short) -1, timeoutMs, topic, 0,
                    TestBatches.batch(77, (short) 0, i * 10, 1, Compression.NONE))));
            ProduceResponseData.PartitionProduceResponse r = answers.next();
            System.out.printf("one #%d: %s offset=%d after %d ms (timeout_ms %d)%n", i, Errors.forCode(r.errorCode()),
                    r.baseOffset(), (System.nanoTime() - start) / 1_000_000, timeoutMs);
        }
        out.onCompleted();
        channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static double pct(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.min(sorted.size() - 1, Math.floor(q * (sorted.size() - 1)));
        return sorted.get(i) / 1e6;
    }

    /** Collects the single-partition answers of a stream, in arrival order. */
    static final class Collect implements StreamObserver<byte[]> {
        private final java.util.concurrent.LinkedBlockingQueue<ProduceResponseData.PartitionProduceResponse> q =
                new java.util.concurrent.LinkedBlockingQueue<>();

        @Override
        public void onNext(byte[] msg) {
            ByteBuffer buf = ByteBuffer.wrap(msg);
            ResponseHeader.parse(buf, (short) 1);
            ProduceResponse r = ProduceResponse.parse(new ByteBufferAccessor(buf), (short) 11);
            q.add(r.data().responses().iterator().next().partitionResponses().get(0));
        }

        @Override
        public void onError(Throwable t) { }

        @Override
        public void onCompleted() { }

        ProduceResponseData.PartitionProduceResponse next() throws InterruptedException {
            ProduceResponseData.PartitionProduceResponse r = q.poll(60, TimeUnit.SECONDS);
            if (r == null) {
                throw new IllegalStateException("no answer in 60 s");
            }
            return r;
        }
    }
}
