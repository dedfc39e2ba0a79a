package mesh.bridge;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Command line and settings of one bridge process.
 *
 * Flags: --plugin-config FILE --cluster NAME [--http-listen HOST:PORT] [--grpc-listen HOST:PORT]
 * [--config FILE.properties] [--set KEY=VALUE]..., applied left to right (later wins). A properties
 * file and --set take the same keys: plugin-config, cluster, http-listen, grpc-listen, the bridge.*
 * tunables below, and any Kafka producer key (bootstrap.servers, request.timeout.ms, security.*,
 * sasl.*, ssl.*, ...), which overrides the cluster's producer_config.
 *
 * Old form: PLUGIN-CONFIG CLUSTER, listening where the cluster's rest_bridge.authority says: the
 * REST API there for dialect "strimzi"; for "native" the gRPC endpoint there and the REST API on
 * the same host, port - 100.
 */
final class BridgeConfig {
    static final String PLUGIN_CONFIG = "plugin-config";
    static final String CLUSTER = "cluster";
    static final String HTTP_LISTEN = "http-listen";
    static final String GRPC_LISTEN = "grpc-listen";
    static final String MAX_QUEUED_BYTES = "bridge.max.queued.bytes";
    static final String DEDUPE_MAX_ENTRIES = "bridge.dedupe.max.entries";
    static final String DEDUPE_IDLE_MS = "bridge.dedupe.idle.ms";
    static final String DRAIN_TIMEOUT_MS = "bridge.drain.timeout.ms";
    static final String GRPC_MAX_MESSAGE_BYTES = "bridge.grpc.max.message.bytes";
    static final String HTTP_THREADS = "bridge.http.threads";
    static final String FORWARD_CONNECTIONS_PER_BROKER = "bridge.forward.connections.per.broker";
    static final String FORWARD_IMMEDIATE_CONNECTIONS_PER_BROKER = "bridge.forward.immediate.connections.per.broker";
    static final String FORWARD_READ_AHEAD_MS = "bridge.forward.read.ahead.ms";
    static final String FORWARD_READ_AHEAD_MAX_BYTES = "bridge.forward.read.ahead.max.bytes";

    static final String USAGE = String.join("\n",
            "usage: java -jar mesh-bridge.jar --plugin-config FILE --cluster NAME --http-listen HOST:PORT",
            "                                 [--grpc-listen HOST:PORT] [--config FILE.properties] [--set KEY=VALUE]...",
            "       java -jar mesh-bridge.jar PLUGIN-CONFIG CLUSTER   (listen address from rest_bridge.authority)");

    record Address(String host, int port) {
        static Address parse(String s) {
            int colon = s.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("expected HOST:PORT, got " + s);
            }
            return new Address(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    final Map<String, String> settings = new LinkedHashMap<>();
    boolean positional;

    static BridgeConfig parse(String[] args) throws IOException {
        BridgeConfig c = new BridgeConfig();
        if (args.length == 2 && !args[0].startsWith("--") && !args[1].startsWith("--")) {
            c.positional = true;
            c.settings.put(PLUGIN_CONFIG, args[0]);
            c.settings.put(CLUSTER, args[1]);
            return c;
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                throw new IllegalArgumentException("help");
            }
            if (!a.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("unexpected argument " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--config" -> {
                    Properties p = new Properties();
                    try (Reader r = Files.newBufferedReader(Path.of(v))) {
                        p.load(r);
                    }
                    for (String k : p.stringPropertyNames()) {
                        c.settings.put(k, p.getProperty(k).trim());
                    }
                }
                case "--set" -> {
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--set expects KEY=VALUE, got " + v);
                    }
                    c.settings.put(v.substring(0, eq), v.substring(eq + 1));
                }
                case "--plugin-config", "--cluster", "--http-listen", "--grpc-listen" -> c.settings.put(a.substring(2), v);
                default -> throw new IllegalArgumentException("unknown flag " + a);
            }
        }
        return c;
    }

    String require(String key) {
        String v = settings.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing " + key);
        }
        return v;
    }

    /** Fills http-listen / grpc-listen from the cluster entry when the old form was used. */
    void applyClusterDefaults(ClusterConfig cluster) {
        if (!positional) {
            return;
        }
        if (cluster.bridgePort <= 0) {
            throw new IllegalArgumentException("cluster " + cluster.name + " has no rest_bridge.authority host:port");
        }
        if (cluster.dialect.equals("native")) {
            settings.putIfAbsent(GRPC_LISTEN, cluster.bridgeHost + ":" + cluster.bridgePort);
            settings.putIfAbsent(HTTP_LISTEN, cluster.bridgeHost + ":" + (cluster.bridgePort - 100));
        } else {
            settings.putIfAbsent(HTTP_LISTEN, cluster.bridgeHost + ":" + cluster.bridgePort);
        }
    }

    Address httpListen() {
        return Address.parse(require(HTTP_LISTEN));
    }

    /** Null when the native endpoint is off. */
    Address grpcListen() {
        String v = settings.get(GRPC_LISTEN);
        return v == null || v.isBlank() ? null : Address.parse(v);
    }

    long getLong(String key, long dflt) {
        String v = settings.get(key);
        return v == null ? dflt : Long.parseLong(v.trim());
    }

    /** Kafka producer keys given on the command line or in the properties file. */
    Map<String, String> kafkaOverrides() {
        Map<String, String> out = new LinkedHashMap<>();
        settings.forEach((k, v) -> {
            boolean own = k.equals(PLUGIN_CONFIG) || k.equals(CLUSTER) || k.equals(HTTP_LISTEN)
                    || k.equals(GRPC_LISTEN) || k.startsWith("bridge.");
            if (!own) {
                out.put(k, v);
            }
        });
        return out;
    }
}
