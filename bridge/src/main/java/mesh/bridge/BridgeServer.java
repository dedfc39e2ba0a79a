package mesh.bridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP bridge for one Kafka cluster speaking the produce subset of the Strimzi Kafka Bridge API:
 * POST /topics/{topic}, POST /topics/{topic}/partitions/{partition}, GET /ready, GET /healthy.
 *
 * Usage: BridgeServer <plugin-config.json> <cluster_name>. The cluster's bootstrap_servers and
 * producer_config configure the one KafkaProducer; rest_bridge.authority is the listen address.
 */
public final class BridgeServer {
    private static final Logger LOG = LoggerFactory.getLogger(BridgeServer.class);
    static final String KAFKA_JSON = "application/vnd.kafka.v2+json";

    private final ObjectMapper mapper = new ObjectMapper();
    private final RecordParser parser = new RecordParser(mapper);
    private final KafkaProducer<byte[], byte[]> producer;
    private final Admin admin;
    private final ExecutorService responders;
    private final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();
    private volatile boolean ready;

    private BridgeServer(ClusterConfig cluster) {
        Properties p = new Properties();
        p.putAll(cluster.producerConfig);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers);
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "mesh-bridge-" + cluster.name);
        // Records are carried as the exact bytes the client sent.
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(p);

        Properties a = new Properties();
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers);
        a.put(AdminClientConfig.CLIENT_ID_CONFIG, "mesh-bridge-" + cluster.name + "-admin");
        a.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        admin = Admin.create(a);
        responders = Executors.newFixedThreadPool(2, named("responder"));
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: BridgeServer <plugin-config.json> <cluster_name>");
            System.exit(2);
        }
        ClusterConfig cluster = ClusterConfig.find(Path.of(args[0]), args[1]);
        if (cluster.bridgePort <= 0) {
            throw new IllegalArgumentException("cluster " + cluster.name + " has no rest_bridge.authority host:port");
        }
        BridgeServer bridge = new BridgeServer(cluster);
        HttpServer server = HttpServer.create(new InetSocketAddress(cluster.bridgeHost, cluster.bridgePort), 1024);
        int threads = Integer.getInteger("bridge.httpThreads", 16);
        ExecutorService http = Executors.newFixedThreadPool(threads, named("http"));
        server.setExecutor(http);
        server.createContext("/", bridge::handle);
        server.start();
        ScheduledExecutorService probe = Executors.newSingleThreadScheduledExecutor(named("probe"));
        probe.scheduleWithFixedDelay(bridge::probe, 0, 1, TimeUnit.SECONDS);
        LOG.info("bridge for cluster {} ({}) listening on {}:{}", cluster.name, cluster.bootstrapServers,
                cluster.bridgeHost, cluster.bridgePort);

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(0);
            probe.shutdownNow();
            bridge.producer.close(Duration.ofSeconds(5));
            bridge.admin.close(Duration.ofSeconds(2));
            http.shutdownNow();
            bridge.responders.shutdownNow();
        }, "shutdown"));
    }

    /** Ready once the cluster has answered; re-checked so /ready follows the cluster. */
    private void probe() {
        try {
            boolean ok = !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
            if (ok != ready) {
                LOG.info("cluster reachable: {}", ok);
            }
            ready = ok;
        } catch (Exception e) {
            if (ready) {
                LOG.warn("cluster unreachable: {}", e.toString());
            }
            ready = false;
        }
    }

    private void handle(HttpExchange ex) {
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            String[] parts = path.split("/", -1); // "", "topics", name[, "partitions", id]
            if (path.equals("/ready") || path.equals("/healthy")) {
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    sendError(ex, 405, "Method Not Allowed");
                    return;
                }
                boolean ok = path.equals("/healthy") || ready;
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
            produce(ex, body, parts[2], partitionPath ? parts[4] : null);
        } catch (Throwable t) {
            LOG.error("request failed", t);
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
                    LOG.warn("async send to {}: partition {} does not exist", topic, r.partition());
                    continue;
                }
                try {
                    producer.send(r, (md, e) -> {
                        if (e != null) {
                            LOG.warn("async send to {} failed: {}", topic, e.toString());
                        }
                    });
                } catch (Exception e) {
                    LOG.warn("async send to {} failed: {}", topic, e.toString());
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
                        LOG.warn("send to {} failed: {}", topic, cause.toString());
                        offsets.add(KafkaErrors.toJson(cause));
                    }
                }
                send(ex, 200, mapper.writeValueAsBytes(root));
            } catch (Exception e) {
                LOG.error("response failed", e);
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
            LOG.warn("describe {} failed: {}", topic, e.getCause().toString());
        } catch (Exception e) {
            LOG.warn("describe {} failed: {}", topic, e.toString());
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
