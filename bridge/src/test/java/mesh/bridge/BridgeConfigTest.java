package mesh.bridge;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class BridgeConfigTest {
    private static Path pluginConfig(String dialect) throws Exception {
        Path p = Files.createTempFile("plugin", ".json");
        Files.writeString(p, "{\"upstream_clusters\":[{\"cluster_name\":\"c1\",\"bootstrap_servers\":\"127.0.0.1:9092\","
                + "\"producer_config\":{\"acks\":\"1\"},\"rest_bridge\":{\"authority\":\"127.0.0.1:8180\",\"dialect\":\""
                + dialect + "\"}}]}");
        return p;
    }

    @Test
    void flagsConfigFileAndSetApplyLeftToRight() throws Exception {
        Path props = Files.createTempFile("bridge", ".properties");
        Files.writeString(props, "request.timeout.ms=5000\nbridge.max.queued.bytes=1000\ngrpc-listen=127.0.0.1:1\n");
        BridgeConfig c = BridgeConfig.parse(new String[] {"--plugin-config", "x.json", "--cluster", "c1",
                "--config", props.toString(), "--grpc-listen", "127.0.0.1:8180", "--set", "request.timeout.ms=7000",
                "--http-listen", "127.0.0.1:8080"});
        assertEquals("127.0.0.1:8180", c.grpcListen().toString());
        assertEquals("127.0.0.1:8080", c.httpListen().toString());
        assertEquals(1000, c.getLong(BridgeConfig.MAX_QUEUED_BYTES, 0));
        assertEquals("7000", c.kafkaOverrides().get("request.timeout.ms"));
        assertNull(c.kafkaOverrides().get(BridgeConfig.MAX_QUEUED_BYTES));
        assertNull(c.kafkaOverrides().get("grpc-listen"));
    }

    @Test
    void oldFormStrimziListensForRestAtTheAuthority() throws Exception {
        Path p = pluginConfig("strimzi");
        BridgeConfig c = BridgeConfig.parse(new String[] {p.toString(), "c1"});
        c.applyClusterDefaults(ClusterConfig.find(p, "c1"));
        assertEquals("127.0.0.1:8180", c.httpListen().toString());
        assertNull(c.grpcListen());
    }

    @Test
    void oldFormNativeListensForGrpcAtTheAuthority() throws Exception {
        Path p = pluginConfig("native");
        BridgeConfig c = BridgeConfig.parse(new String[] {p.toString(), "c1"});
        c.applyClusterDefaults(ClusterConfig.find(p, "c1"));
        assertEquals("127.0.0.1:8180", c.grpcListen().toString());
        assertEquals("127.0.0.1:8080", c.httpListen().toString());
    }
}
