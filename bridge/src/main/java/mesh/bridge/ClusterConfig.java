package mesh.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One entry of the plugin config's upstream_clusters, as the bridge and the topic tool need it. */
final class ClusterConfig {
    final String name;
    final String bootstrapServers;
    final int partitionCount;
    final Map<String, String> producerConfig;
    final String bridgeHost;
    final int bridgePort;
    /** rest_bridge.dialect: "strimzi" (REST API at the authority) or "native" (gRPC at the authority). */
    final String dialect;

    private ClusterConfig(String name, String bootstrapServers, int partitionCount,
                          Map<String, String> producerConfig, String bridgeHost, int bridgePort, String dialect) {
        this.name = name;
        this.bootstrapServers = bootstrapServers;
        this.partitionCount = partitionCount;
        this.producerConfig = producerConfig;
        this.bridgeHost = bridgeHost;
        this.bridgePort = bridgePort;
        this.dialect = dialect;
    }

    static List<ClusterConfig> load(Path path) throws IOException {
        JsonNode root = new ObjectMapper().readTree(path.toFile());
        JsonNode clusters = root.path("upstream_clusters");
        if (!clusters.isArray()) {
            throw new IllegalArgumentException(path + ": upstream_clusters must be an array");
        }
        List<ClusterConfig> out = new ArrayList<>();
        for (JsonNode c : clusters) {
            String name = required(c, "cluster_name").asText();
            String bootstrap = required(c, "bootstrap_servers").asText();
            int partitions = c.path("partition_count").asInt(1);
            Map<String, String> producer = new LinkedHashMap<>();
            // Values are passed through to KafkaProducer as strings, which it parses per its ConfigDef.
            for (Iterator<Map.Entry<String, JsonNode>> it = c.path("producer_config").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                producer.put(e.getKey(), e.getValue().asText());
            }
            String authority = c.path("rest_bridge").path("authority").asText("");
            String host = "127.0.0.1";
            int port = -1;
            int colon = authority.lastIndexOf(':');
            if (colon > 0) {
                host = authority.substring(0, colon);
                port = Integer.parseInt(authority.substring(colon + 1));
            }
            String dialect = c.path("rest_bridge").path("dialect").asText("strimzi");
            out.add(new ClusterConfig(name, bootstrap, partitions, producer, host, port, dialect));
        }
        return out;
    }

    static ClusterConfig find(Path path, String name) throws IOException {
        for (ClusterConfig c : load(path)) {
            if (c.name.equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException(path + ": no upstream cluster named " + name);
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("upstream cluster entry lacks " + field);
        }
        return v;
    }
}
