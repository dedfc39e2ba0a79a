package mesh.bridge;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.utils.Crc32C;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Hand-run load for the native endpoint (not part of `mvn package`): pipelined requests of one
 * idempotent batch each on one stream, for a while, and the CPU the bridge process spent per batch:
 *
 *   java -cp bridge/target/test-classes:bridge/target/mesh-bridge.jar mesh.bridge.NativeLoad \
 *       GRPC_HOST:PORT BOOTSTRAP TOPIC BRIDGE_PID [SECONDS] [RECORDS_PER_BATCH] [RECORD_BYTES] [WINDOW]
 *       [BATCHES_PER_S (0 = as fast as answered)] [none|lz4] [PARTITIONS]
 *
 * Batches are built once per partition and their base sequence (and CRC) rewritten per request,
 * so the client's own cost stays small. The first quarter of the run is warm-up, not measured.
 */
public final class NativeLoad {
    private NativeLoad() { }

    public static void main(String[] args) throws Exception {
        String target = args[0];
        String bootstrap = args[1];
        String topic = args[2];
        long bridgePid = Long.parseLong(args[3]);
        int seconds = args.length > 4 ? Integer.parseInt(args[4]) : 20;
        int perBatch = args.length > 5 ? Integer.parseInt(args[5]) : 15;
        int recordBytes = args.length > 6 ? Integer.parseInt(args[6]) : 1024;
        int window = args.length > 7 ? Integer.parseInt(args[7]) : 5;
        double rate = args.length > 8 ? Double.parseDouble(args[8]) : 0;
        Compression compression = args.length > 9 && args[9].equals("lz4") ? Compression.lz4().build() : Compression.NONE;
        int partitions = args.length > 10 ? Integer.parseInt(args[10]) : 1;

        Properties ap = new Properties();
        ap.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(ap)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        long pid = 800_000_000L + (System.nanoTime() & 0xffffff);
        byte[] value = new byte[recordBytes];
        new java.util.Random(1).nextBytes(value);
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) ('a' + (value[i] & 15)); // compressible as text is
        }
        // One request template per partition; the base sequence and CRC are patched per request.
        byte[][] templates = new byte[partitions][];
        int[] batchAt = new int[partitions];
        int batchBytes = 0;
        for (int p = 0; p < partitions; p++) {
            MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(1024 + perBatch * (recordBytes + 64)),
                    RecordBatch.MAGIC_VALUE_V2, compression, TimestampType.CREATE_TIME, 0L,
                    System.currentTimeMillis(), pid, (short) 0, 0, false, RecordBatch.NO_PARTITION_LEADER_EPOCH);
            for (int i = 0; i < perBatch; i++) {
                b.append(System.currentTimeMillis(), null, value);
            }
            MemoryRecords batch = b.build();
            batchBytes = batch.sizeInBytes();
            byte[] marker = new byte[batch.sizeInBytes()];
            batch.buffer().duplicate().get(marker);
            templates[p] = TestBatches.request(0, "native-load", TestBatches.produce((short) -1, 30_000, topic, p, batch));
            batchAt[p] = indexOf(templates[p], marker);
        }

        ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        Semaphore inFlight = new Semaphore(window);
        AtomicLong answered = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        ConcurrentHashMap<String, Integer> errors = new ConcurrentHashMap<>();
        StreamObserver<byte[]> responses = new StreamObserver<>() {
            @Override
            public void onNext(byte[] msg) {
                ByteBuffer buf = ByteBuffer.wrap(msg);
                ResponseHeader.parse(buf, (short) 1);
                ProduceResponse r = ProduceResponse.parse(new ByteBufferAccessor(buf), (short) 11);
                for (ProduceResponseData.TopicProduceResponse t : r.data().responses()) {
                    for (ProduceResponseData.PartitionProduceResponse p : t.partitionResponses()) {
                        if (p.errorCode() != 0) {
                            failed.incrementAndGet();
                            errors.merge(Errors.forCode(p.errorCode()).name(), 1, Integer::sum);
                        }
                    }
                }
                answered.incrementAndGet();
                inFlight.release();
            }

            @Override
            public void onError(Throwable t) {
                System.err.println("stream error: " + t);
                System.exit(2);
            }

            @Override
            public void onCompleted() { }
        };
        StreamObserver<byte[]> out = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(NativeEndpoint.PRODUCE, CallOptions.DEFAULT), responses);
        int[] seq = new int[partitions];
        long startNs = System.nanoTime();
        long endNs = startNs + seconds * 1_000_000_000L;
        long warmNs = startNs + seconds * 250_000_000L;
        long intervalNs = rate > 0 ? (long) (1e9 / rate) : 0;
        long nextNs = startNs;
        long[] cpuAtWarm = null;
        long answeredAtWarm = 0;
        long warmAt = 0;
        int corr = 0;
        while (true) {
            long now = System.nanoTime();
            if (cpuAtWarm == null && now >= warmNs) {
                cpuAtWarm = cpu(bridgePid);
                answeredAtWarm = answered.get();
                warmAt = now;
            }
            if (now >= endNs) {
                break;
            }
            if (intervalNs > 0) {
                while ((now = System.nanoTime()) < nextNs) {
                    LockSupport.parkNanos(nextNs - now);
                }
                nextNs += intervalNs;
            }
            if (!inFlight.tryAcquire(1, TimeUnit.SECONDS)) {
                continue;
            }
            int p = corr % partitions;
            byte[] msg = templates[p].clone();
            ByteBuffer m = ByteBuffer.wrap(msg);
            m.putInt(4, corr); // request header v2: api_key, api_version, correlation_id
            ByteBuffer batch = m.duplicate();
            batch.position(batchAt[p]).limit(batchAt[p] + batchBytes);
            batch = batch.slice();
            batch.putInt(ClientBatch.BASE_SEQUENCE_OFFSET, seq[p]);
            batch.putInt(ClientBatch.CRC_OFFSET, (int) Crc32C.compute(batch, ClientBatch.ATTRIBUTES_OFFSET,
                    batchBytes - ClientBatch.ATTRIBUTES_OFFSET));
            seq[p] += perBatch;
            out.onNext(msg);
            corr++;
        }
        long[] cpuEnd = cpu(bridgePid);
        long answeredEnd = answered.get();
        double secs = (System.nanoTime() - warmAt) / 1e9;
        inFlight.tryAcquire(window, 30, TimeUnit.SECONDS);
        out.onCompleted();
        channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
        long batches = answeredEnd - answeredAtWarm;
        double cpuUs = (cpuEnd[0] + cpuEnd[1] - cpuAtWarm[0] - cpuAtWarm[1]) * 1e6 / 100.0; // clock ticks of 10 ms
        System.out.printf("load: %d B batches (%d x %d B, %s), window %d, %s: %.0f batches/s, %.0f records/s over %.1f s;"
                        + " bridge CPU %.1f%% (user %.2f s sys %.2f s): %.1f us/batch, %.2f us/record; errors %d %s%n",
                batchBytes, perBatch, recordBytes, compression.type(), window,
                rate > 0 ? String.format("fixed %.0f batches/s", rate) : "max rate",
                batches / secs, batches * perBatch / secs, secs, cpuUs / secs / 1e4,
                (cpuEnd[0] - cpuAtWarm[0]) / 100.0, (cpuEnd[1] - cpuAtWarm[1]) / 100.0,
                cpuUs / batches, cpuUs / batches / perBatch, failed.get(), errors);
        System.exit(0);
    }

    /** utime, stime of a process in clock ticks (/proc/PID/stat fields 14 and 15). */
    static long[] cpu(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("batch not found in request");
    }
}
