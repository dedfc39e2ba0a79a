package mesh.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Creates the scenario's topics: Topics <plugin-config.json> <topics.json>, where topics.json maps
 * topic name to cluster name. Partition count comes from the cluster's partition_count.
 * Idempotent; fails when an existing topic has another partition count. Waits until every
 * partition has a leader.
 */
public final class Topics {
    private Topics() { }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Topics <plugin-config.json> <topics.json>");
            System.exit(2);
        }
        List<ClusterConfig> clusters = ClusterConfig.load(Path.of(args[0]));
        JsonNode topics = new ObjectMapper().readTree(Path.of(args[1]).toFile());
        boolean failed = false;
        for (ClusterConfig c : clusters) {
            List<String> names = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = topics.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().asText().equals(c.name)) {
                    names.add(e.getKey());
                }
            }
            if (!names.isEmpty()) {
                failed |= !ensure(c, names);
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = topics.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (clusters.stream().noneMatch(c -> c.name.equals(e.getValue().asText()))) {
                System.err.println("topic " + e.getKey() + ": unknown cluster " + e.getValue().asText());
                failed = true;
            }
        }
        System.exit(failed ? 1 : 0);
    }

    private static boolean ensure(ClusterConfig c, List<String> names) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "mesh-topics");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin admin = Admin.create(p)) {
            List<NewTopic> create = new ArrayList<>();
            for (String n : names) {
                create.add(new NewTopic(n, c.partitionCount, (short) 1));
            }
            admin.createTopics(create).values().forEach((name, f) -> {
                try {
                    f.get();
                    System.out.println(c.name + ": created " + name + " (" + c.partitionCount + " partitions)");
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException(c.name + ": create " + name + ": " + e.getCause(), e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get();
                boolean ok = true;
                for (String n : names) {
                    TopicDescription td = d.get(n);
                    if (td.partitions().size() != c.partitionCount) {
                        System.err.println(c.name + ": topic " + n + " has " + td.partitions().size()
                                + " partitions, the config says " + c.partitionCount);
                        return false;
                    }
                    for (TopicPartitionInfo pi : td.partitions()) {
                        ok &= pi.leader() != null && !pi.leader().isEmpty();
                    }
                }
                if (ok) {
                    System.out.println(c.name + ": topics ready " + names);
                    return true;
                }
                if (System.nanoTime() > deadline) {
                    System.err.println(c.name + ": partitions without leader after 30 s: " + names);
                    return false;
                }
                Thread.sleep(100);
            }
        }
    }
}
