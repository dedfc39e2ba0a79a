package mesh.bridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bridge for one Kafka cluster. Two produce endpoints:
 * - the produce subset of the Strimzi Kafka Bridge API over HTTP (POST /topics/{topic},
 *   POST /topics/{topic}/partitions/{partition}), written through one KafkaProducer;
 * - the native endpoint, gRPC kafka.mesh.v1.Bridge/Produce carrying Kafka ProduceRequests whose
 *   client batches are written as they are (NativeEndpoint, ClusterWriter).
 * Also GET /ready, /healthy and /metrics on the HTTP listener.
 *
 * Usage: java -jar mesh-bridge.jar --plugin-config FILE --cluster NAME --http-listen HOST:PORT
 * [--grpc-listen HOST:PORT] [--config FILE.properties] [--set KEY=VALUE]..., or the old form
 * PLUGIN-CONFIG CLUSTER; see BridgeConfig.
 */
public final class BridgeServer {
    private static final Logger LOG = LoggerFactory.getLogger(BridgeServer.class);
    static final String KAFKA_JSON = "application/vnd.kafka.v2+json";

    private final ObjectMapper mapper = new ObjectMapper();
    private final RecordParser parser = new RecordParser(mapper);
    private final String clusterName;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Admin admin;
    private final ExecutorService responders;
    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();
    private final BridgeMetrics metrics;
    private volatile boolean ready;
    private volatile boolean draining;
    private ClusterWriter writer;     // null without --grpc-listen
    private Server grpc;

    private BridgeServer(ClusterConfig cluster, Map<String, Object> producerProps, BridgeMetrics metrics) {
        this.clusterName = cluster.name;
        this.metrics = metrics;
        Properties p = new Properties();
        p.putAll(producerProps);
        producer = new KafkaProducer<>(p);

        Properties a = new Properties();
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, producerProps.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
        a.put(AdminClientConfig.CLIENT_ID_CONFIG, "mesh-bridge-" + cluster.name + "-admin");
        a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        // The admin client reaches the cluster the way the producer does.
        for (Map.Entry<String, Object> e : producerProps.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("security.") || k.startsWith("sasl.") || k.startsWith("ssl.")) {
                a.put(k, e.getValue());
            }
        }
        admin = Admin.create(a);
        responders = Executors.newFixedThreadPool(2, named("responder"));
    }

    public static void main(String[] args) throws Exception {
        BridgeConfig cfg;
        ClusterConfig cluster;
        try {
            cfg = BridgeConfig.parse(args);
            cluster = ClusterConfig.find(Path.of(cfg.require(BridgeConfig.PLUGIN_CONFIG)), cfg.require(BridgeConfig.CLUSTER));
            cfg.applyClusterDefaults(cluster);
            cfg.httpListen();
        } catch (IllegalArgumentException e) {
            System.err.println((e.getMessage().equals("help") ? "" : "mesh-bridge: " + e.getMessage() + "\n") + BridgeConfig.USAGE);
            System.exit(2);
            return;
        }
        Map<String, Object> props = new LinkedHashMap<>(cluster.producerConfig);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers);
        props.putAll(cfg.kafkaOverrides());
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "mesh-bridge-" + cluster.name);
        // Records are carried as the exact bytes the client sent.
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());

        BridgeMetrics metrics = new BridgeMetrics(cluster.name);
        BridgeServer bridge = new BridgeServer(cluster, props, metrics);
        BridgeConfig.Address grpcAddress = cfg.grpcListen();
        if (grpcAddress != null) {
            bridge.startNative(cfg, props, grpcAddress);
        }
        BridgeConfig.Address http = cfg.httpListen();
        HttpServer server = HttpServer.create(new InetSocketAddress(http.host(), http.port()), 1024);
        int threads = (int) cfg.getLong(BridgeConfig.HTTP_THREADS, Integer.getInteger("bridge.httpThreads", 16));
        ExecutorService httpPool = Executors.newFixedThreadPool(threads, named("http"));
        server.setExecutor(httpPool);
        server.createContext("/", bridge::handle);
        server.start();
        ScheduledExecutorService probe = Executors.newSingleThreadScheduledExecutor(named("probe"));
        probe.scheduleWithFixedDelay(bridge::probe, 0, 1, TimeUnit.SECONDS);
        LOG.info("event=listening cluster={} bootstrap={} http={} grpc={}", cluster.name, props.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG),
                http, grpcAddress == null ? "off" : grpcAddress);

        long drainMs = cfg.getLong(BridgeConfig.DRAIN_TIMEOUT_MS, 10_000);
        Runnable drain = () -> {
            try {
                bridge.drain(server, drainMs);
                probe.shutdownNow();
                httpPool.shutdownNow();
                bridge.responders.shutdownNow();
                LOG.info("event=exit cluster={} code=0", cluster.name);
            } catch (Throwable t) {
                LOG.error("event=drain_failed cluster={} error=\"{}\"", cluster.name, t.toString());
            } finally {
                Runtime.getRuntime().halt(0);
            }
        };
        // SIGTERM and SIGINT drain and exit 0 (a shutdown hook could not choose the exit code);
        // a second signal exits at once.
        AtomicInteger signals = new AtomicInteger();
        for (String sig : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> {
                if (signals.incrementAndGet() == 1) {
                    new Thread(drain, "drain").start();
                } else {
                    LOG.warn("event=exit cluster={} code=1 reason=\"second signal during drain\"", cluster.name);
                    Runtime.getRuntime().halt(1);
                }
            });
        }
    }

    private void startNative(BridgeConfig cfg, Map<String, Object> props, BridgeConfig.Address address) throws IOException {
        long maxQueued = cfg.getLong(BridgeConfig.MAX_QUEUED_BYTES, 64L << 20);
        DedupeTable dedupe = new DedupeTable((int) cfg.getLong(BridgeConfig.DEDUPE_MAX_ENTRIES, 100_000),
                cfg.getLong(BridgeConfig.DEDUPE_IDLE_MS, 15 * 60_000));
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, named("native-timer"));
        timers.setRemoveOnCancelPolicy(true);
        timers.scheduleWithFixedDelay(() -> dedupe.expire(System.currentTimeMillis()), 10, 10, TimeUnit.SECONDS);
        NativeEndpoint[] endpoint = new NativeEndpoint[1];
        writer = ClusterWriter.create(clusterName, new ProducerConfig(props), metrics, () -> endpoint[0].bytesReleased());
        endpoint[0] = new NativeEndpoint(clusterName, writer, dedupe, metrics, maxQueued, timers);
        metrics.queuedBytes = writer::queuedBytes;
        metrics.dedupeEntries = dedupe::size;
        metrics.dedupeEvictions = dedupe::evictions;
        this.nativeEndpoint = endpoint[0];
        writer.start();
        GroupTracker groups = new GroupTracker();
        metrics.groupCounts = () -> groups.counts(System.currentTimeMillis());
        // Fetch answers are up to a client's fetch.max.bytes (50 MiB by default): the forward
        // connections read with the OS's auto-tuned socket buffer unless the config names one,
        // not the producer's 32 KiB, which caps a broker's answer at a window a round trip.
        Map<String, Object> forwardProps = new LinkedHashMap<>(props);
        forwardProps.putIfAbsent(ProducerConfig.RECEIVE_BUFFER_CONFIG, -1);
        forwarder = Forwarder.create(clusterName, new ProducerConfig(forwardProps),
                (int) cfg.getLong(BridgeConfig.FORWARD_CONNECTIONS_PER_BROKER, 64),
                (int) cfg.getLong(BridgeConfig.FORWARD_IMMEDIATE_CONNECTIONS_PER_BROKER, 8),
                // A consumer behind the log end has its next Fetch read while it takes in the
                // last one (docs/bridge.md, "Read-ahead"); 0 turns it off.
                new ReadAhead(cfg.getLong(BridgeConfig.FORWARD_READ_AHEAD_MS, 1000),
                        cfg.getLong(BridgeConfig.FORWARD_READ_AHEAD_MAX_BYTES, 64L << 20)), metrics, groups);
        forwardEndpoint = new ForwardEndpoint(clusterName, forwarder, metrics);
        forwarder.start();
        grpc = NettyServerBuilder.forAddress(new InetSocketAddress(address.host(), address.port()))
                .addService(endpoint[0].service(forwardEndpoint.method()))
                // Messages are handled on the Netty event loop that read them: parsing, checking
                // and queueing a batch never blocks, and a hand-off to another thread costs more
                // than the work.
                .directExecutor()
                .maxInboundMessageSize((int) cfg.getLong(BridgeConfig.GRPC_MAX_MESSAGE_BYTES, 16L << 20))
                // Envoy keeps one long-lived stream per worker; let it ping the connection.
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build()
                .start();
    }

    private NativeEndpoint nativeEndpoint;
    private Forwarder forwarder;
    private ForwardEndpoint forwardEndpoint;

    /** Stop taking work, finish what is under way (bounded), answer it, then close. */
    private void drain(HttpServer http, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        draining = true;
        LOG.info("event=drain_start cluster={} timeout_ms={} pending_native={} pending_forward={}", clusterName, timeoutMs,
                metrics.pendingResponses.get(), metrics.forwardPending.get());
        try {
            if (grpc != null) {
                grpc.shutdown(); // no new streams; open ones go on until drained
                nativeEndpoint.stopReading();
                forwardEndpoint.stopReading();
                nativeEndpoint.drain(Math.max(0, deadline - System.currentTimeMillis()));
                forwardEndpoint.drain(Math.max(0, deadline - System.currentTimeMillis()));
            }
            // Closes the listener, then waits for REST exchanges under way.
            http.stop(1);
            producer.close(Duration.ofMillis(Math.max(0, deadline - System.currentTimeMillis())));
            if (writer != null) {
                writer.drainAndClose(Math.max(0, deadline - System.currentTimeMillis()));
            }
            if (forwarder != null) {
                forwarder.close(0);
            }
            if (grpc != null) {
                grpc.shutdownNow();
                grpc.awaitTermination(1, TimeUnit.SECONDS);
            }
            admin.close(Duration.ofSeconds(1));
        } catch (Exception e) {
            LOG.warn("event=drain_error cluster={} error=\"{}\"", clusterName, e.toString());
        }
        LOG.info("event=drain_done cluster={} pending_native={}", clusterName, metrics.pendingResponses.get());
    }

    /** Ready once the cluster has answered; re-checked so /ready follows the cluster. */
    private void probe() {
        try {
            boolean ok = !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
            if (ok != ready) {
                LOG.info("event=cluster_reachable cluster={} reachable={}", clusterName, ok);
            }
            ready = ok;
        } catch (Exception e) {
            if (ready) {
                LOG.warn("event=cluster_reachable cluster={} reachable=false error=\"{}\"", clusterName, e.toString());
            }
            ready = false;
        }
    }

    private boolean isReady() {
        return ready && !draining && (writer == null || (writer.hasSession() && grpc != null));
    }

    private void handle(HttpExchange ex) {
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            String[] parts = path.split("/", -1); // "", "topics", name[, "partitions", id]
            if (path.equals("/metrics")) {
                byte[] text = metrics.render().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                ex.sendResponseHeaders(200, text.length);
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(text);
                }
                return;
            }
            if (path.equals("/ready") || path.equals("/healthy")) {
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    sendError(ex, 405, "Method Not Allowed");
                    return;
                }
                boolean ok = path.equals("/healthy") || isReady();
                ex.getResponseHeaders().set("Content-Length", "0");
                ex.sendResponseHeaders(ok ? 200 : 500, -1);
                ex.close();
                return;
            }
            boolean topicPath = parts.length == 3 && parts[1].equals("topics") && !parts[2].isEmpty();
            boolean partitionPath = parts.length == 5 && parts[1].equals("topics") && !parts[2].isEmpty()
                    && parts[3].equals("partitions") && !parts[4].isEmpty();
            if (!topicPath && !partitionPath) {
                sendError(ex, 404, "Not Found");
                return;
            }
            if (!method.equals("POST")) {
                sendError(ex, 405, "Method Not Allowed");
                return;
            }
            metrics.restRequests.increment();
            produce(ex, body, parts[2], partitionPath ? parts[4] : null);
        } catch (Throwable t) {
            LOG.error("event=rest_request_failed cluster={} error=\"{}\"", clusterName, t.toString(), t);
            try {
                sendError(ex, 500, t.toString());
            } catch (IOException ignored) {
                ex.close();
            }
        }
    }

    private void produce(HttpExchange ex, byte[] body, String topic, String partitionParam) throws IOException {
        Integer pathPartition = null;
        if (partitionParam != null) {
            try {
                pathPartition = Integer.parseInt(partitionParam);
            } catch (NumberFormatException e) {
                sendError(ex, 422, "Specified partition is not a valid number");
                return;
            }
        }
        RecordParser.Format format = RecordParser.format(ex.getRequestHeaders().getFirst("Content-Type"));
        if (format == null) {
            sendError(ex, 400, "Validation error on: Content-Type - unsupported "
                    + ex.getRequestHeaders().getFirst("Content-Type"));
            return;
        }
        List<ProducerRecord<byte[], byte[]>> records;
        try {
            records = parser.parse(body, format, topic, pathPartition);
        } catch (RecordParser.Invalid e) {
            sendError(ex, e.status, e.getMessage());
            return;
        }
        Integer partitions = partitionCount(topic);
        if (partitions != null && outOfRange(records, pathPartition, partitions)) {
            // The topic may have grown since it was cached.
            partitionCounts.remove(topic);
            partitions = partitionCount(topic);
        }
        if (partitions == null) {
            sendError(ex, 404, KafkaErrors.message("The specified topic was not found.",
                    new UnknownTopicOrPartitionException("unknown topic " + topic), Errors.UNKNOWN_TOPIC_OR_PARTITION));
            return;
        }
        if (pathPartition != null && (pathPartition < 0 || pathPartition >= partitions)) {
            sendError(ex, 404, KafkaErrors.message("The specified topic partition was not found.",
                    new UnknownTopicOrPartitionException("unknown partition " + topic + "-" + pathPartition),
                    Errors.UNKNOWN_TOPIC_OR_PARTITION));
            return;
        }

        // One request's records enter the producer back to back: calls arriving at the same
        // time (several Envoy workers, several clients) must not interleave their records, or
        // the records of one batch would not get the consecutive offsets the client is told.
        synchronized (topicLock(topic)) {
            produce(ex, topic, records, partitions);
        }
    }

    private final java.util.concurrent.ConcurrentHashMap<String, Object> topicLocks = new java.util.concurrent.ConcurrentHashMap<>();

    private Object topicLock(String topic) {
        return topicLocks.computeIfAbsent(topic, t -> new Object());
    }

    private void produce(HttpExchange ex, String topic, List<ProducerRecord<byte[], byte[]>> records, int partitions)
            throws IOException {
        if (isAsync(ex.getRequestURI().getRawQuery())) {
            // As in Strimzi: hand the records to the producer and answer without waiting for acks.
            for (ProducerRecord<byte[], byte[]> r : records) {
                if (r.partition() != null && (r.partition() < 0 || r.partition() >= partitions)) {
                    LOG.warn("event=rest_async_failed topic={} partition={} error=UNKNOWN_TOPIC_OR_PARTITION", topic, r.partition());
                    continue;
                }
                try {
                    producer.send(r, (md, e) -> {
                        if (e != null) {
                            LOG.warn("event=rest_async_failed topic={} error=\"{}\"", topic, e.toString());
                        }
                    });
                } catch (Exception e) {
                    LOG.warn("event=rest_async_failed topic={} error=\"{}\"", topic, e.toString());
                }
            }
            ex.sendResponseHeaders(204, -1);
            ex.close();
            return;
        }

        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>(records.size());
        for (ProducerRecord<byte[], byte[]> r : records) {
            CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
            Integer p = r.partition();
            if (p != null && (p < 0 || p >= partitions)) {
                // The producer would wait max.block.ms for a partition that does not exist.
                f.completeExceptionally(new UnknownTopicOrPartitionException(
                        "Partition " + p + " of topic " + topic + " with partition count " + partitions
                                + " is not present in metadata."));
                futures.add(f);
                continue;
            }
            try {
                producer.send(r, (md, e) -> {
                    if (e != null) {
                        f.completeExceptionally(e);
                    } else {
                        f.complete(md);
                    }
                });
            } catch (Exception e) {
                f.completeExceptionally(e);
            }
            futures.add(f);
        }
        // Answer off the producer's network thread once every record is acknowledged or failed.
        CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).whenCompleteAsync((v, t) -> {
            try {
                ObjectNode root = mapper.createObjectNode();
                ArrayNode offsets = root.putArray("offsets");
                for (CompletableFuture<RecordMetadata> f : futures) {
                    try {
                        RecordMetadata md = f.join();
                        offsets.addObject().put("partition", md.partition()).put("offset", md.offset());
                    } catch (Exception e) {
                        Throwable cause = KafkaErrors.unwrap(e);
                        LOG.warn("event=rest_send_failed topic={} error=\"{}\"", topic, cause.toString());
                        offsets.add(KafkaErrors.toJson(cause));
                    }
                }
                send(ex, 200, mapper.writeValueAsBytes(root));
            } catch (Exception e) {
                LOG.error("event=rest_response_failed error=\"{}\"", e.toString());
                ex.close();
            }
        }, responders);
    }

    private static boolean outOfRange(List<ProducerRecord<byte[], byte[]>> records, Integer pathPartition, int partitions) {
        if (pathPartition != null) {
            return pathPartition >= partitions;
        }
        for (ProducerRecord<byte[], byte[]> r : records) {
            if (r.partition() != null && r.partition() >= partitions) {
                return true;
            }
        }
        return false;
    }

    private Integer partitionCount(String topic) {
        Integer n = partitionCounts.get(topic);
        if (n != null) {
            return n;
        }
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
            n = d.partitions().size();
            partitionCounts.put(topic, n);
            return n;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return null;
            }
            LOG.warn("event=describe_failed topic={} error=\"{}\"", topic, e.getCause().toString());
        } catch (Exception e) {
            LOG.warn("event=describe_failed topic={} error=\"{}\"", topic, e.toString());
        }
        // Cluster not answering: let the producer try, its own timeouts then apply per record.
        return Integer.MAX_VALUE;
    }

    private static boolean isAsync(String query) {
        if (query == null) {
            return false;
        }
        for (String kv : query.split("&")) {
            if (kv.equalsIgnoreCase("async=true")) {
                return true;
            }
        }
        return false;
    }

    private void sendError(HttpExchange ex, int status, String message) throws IOException {
        send(ex, status, mapper.writeValueAsBytes(KafkaErrors.error(status, message)));
    }

    private static void send(HttpExchange ex, int status, byte[] json) throws IOException {
        ex.getResponseHeaders().set("Content-Type", KAFKA_JSON);
        ex.sendResponseHeaders(status, json.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(json);
        }
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
