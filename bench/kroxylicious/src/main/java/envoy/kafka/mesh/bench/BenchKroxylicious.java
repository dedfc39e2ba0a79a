package envoy.kafka.mesh.bench;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import io.kroxylicious.proxy.KafkaProxy;
import io.kroxylicious.proxy.config.ConfigParser;
import io.kroxylicious.proxy.config.Configuration;
import io.kroxylicious.proxy.internal.config.Features;

/**
 * Runs a Kroxylicious proxy from a YAML configuration file until the JVM is told to stop.
 * Maven Central has no kroxylicious-app (the project's own launcher), hence this main.
 */
public final class BenchKroxylicious {
    private BenchKroxylicious() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: BenchKroxylicious CONFIG.yaml");
            System.exit(2);
        }
        ConfigParser parser = new ConfigParser();
        Configuration config;
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            config = parser.parseConfiguration(in);
        }
        KafkaProxy proxy = new KafkaProxy(parser, config, Features.defaultFeatures());
        // SIGTERM runs shutdown hooks: close the listeners before the JVM exits.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                proxy.close();
            }
            catch (Exception e) {
                System.err.println("kroxylicious shutdown: " + e);
            }
        }, "bench-kroxylicious-shutdown"));
        proxy.startup();
        proxy.block();
    }
}
