// Reads records straight from one Kafka cluster with Kafka's Java consumer (no group) and
// prints them as JSON lines, bytes in Base64, headers in order.
//
//   E2eDump ends  bootstrap                      -> {"topic":{"partition":endOffset,...},...}
//   E2eDump dump  bootstrap topic:partition:from:to ...   -> one line per record in [from, to)
//                 (to -1: the partition's end offset when the dump starts)
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class E2eDump {
  private static String b64(byte[] b) {
    return b == null ? null : Base64.getEncoder().encodeToString(b);
  }

  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    Properties props = new Properties();
    props.put("bootstrap.servers", args[1]);
    props.put("enable.auto.commit", "false");
    // A range that starts before the log start (deleted records) is an error, not a skip.
    props.put("auto.offset.reset", "none");
    props.put("max.partition.fetch.bytes", String.valueOf(8 << 20));
    props.put("fetch.max.bytes", String.valueOf(64 << 20));
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      if (args[0].equals("ends")) {
        List<TopicPartition> tps = new ArrayList<>();
        for (Map.Entry<String, List<PartitionInfo>> t : consumer.listTopics(Duration.ofSeconds(30)).entrySet()) {
          if (t.getKey().startsWith("__")) continue;
          for (PartitionInfo p : t.getValue()) tps.add(new TopicPartition(p.topic(), p.partition()));
        }
        Map<String, Map<Integer, Long>> out = new TreeMap<>();
        for (Map.Entry<TopicPartition, Long> e : consumer.endOffsets(tps, Duration.ofSeconds(30)).entrySet()) {
          out.computeIfAbsent(e.getKey().topic(), k -> new TreeMap<>()).put(e.getKey().partition(), e.getValue());
        }
        System.out.println(json.writeValueAsString(out));
        return;
      }
      Map<TopicPartition, Long> until = new HashMap<>();
      Map<TopicPartition, Long> from = new HashMap<>();
      for (int i = 2; i < args.length; i++) {
        String[] f = args[i].split(":");
        TopicPartition tp = new TopicPartition(f[0], Integer.parseInt(f[1]));
        from.put(tp, Long.parseLong(f[2]));
        until.put(tp, Long.parseLong(f[3]));
      }
      // A negative end means "up to the end offset now"; an end past it is an error at once.
      Map<TopicPartition, Long> ends = consumer.endOffsets(until.keySet(), Duration.ofSeconds(30));
      for (Map.Entry<TopicPartition, Long> e : until.entrySet()) {
        long end = ends.get(e.getKey());
        if (e.getValue() < 0) e.setValue(end);
        else if (e.getValue() > end) {
          System.err.println("E2eDump: " + e.getKey() + " ends at " + end + ", asked up to " + e.getValue());
          System.exit(4);
        }
      }
      from.entrySet().removeIf(e -> e.getValue() >= until.get(e.getKey()));
      consumer.assign(from.keySet());
      from.forEach(consumer::seek);
      long deadline = System.currentTimeMillis() + 60_000;
      while (!consumer.assignment().isEmpty()) {
        if (System.currentTimeMillis() > deadline) {
          System.err.println("E2eDump: timed out before reaching " + until + " (at " + consumer.assignment() + ")");
          System.exit(3);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          if (r.offset() >= until.get(tp)) continue;
          ObjectNode o = json.createObjectNode()
              .put("topic", r.topic()).put("partition", r.partition()).put("offset", r.offset())
              .put("timestamp", r.timestamp()).put("timestampType", r.timestampType().name)
              .put("key", b64(r.key())).put("value", b64(r.value()));
          ArrayNode hs = o.putArray("headers");
          for (Header h : r.headers()) hs.addArray().add(h.key()).add(b64(h.value()));
          System.out.println(json.writeValueAsString(o));
        }
        List<TopicPartition> done = new ArrayList<>();
        for (TopicPartition tp : consumer.assignment()) if (consumer.position(tp) >= until.get(tp)) done.add(tp);
        if (!done.isEmpty()) {
          List<TopicPartition> rest = new ArrayList<>(consumer.assignment());
          rest.removeAll(done);
          consumer.assign(rest);
        }
      }
    }
  }
}
