// Kafka's Java consumer driven by a script of JSON lines on stdin; prints what it reads and what
// it is told as JSON lines on stdout (bytes in Base64, headers in order), one line per record
// ({"record": {...}}) and one per answer ({"op": name, ...}).
//
//   java -cp 'classes:.cache/kafka-<KAFKA_VERSION>/libs/*' E2eConsumer bootstrap [prop=value...] < script.jsonl
//
// Ops (tp is "topic:partition"):
//   {"op":"assign","tps":[tp...]}                 {"op":"subscribe","topics":[t...]}
//   {"op":"seek","tp":tp,"offset":n}              {"op":"seekToBeginning"} / {"op":"seekToEnd"} (all assigned)
//   {"op":"read","until":{tp:offset},"ms":n}      poll until every listed position reached offset
//                                                 ("exact":true: is exactly offset, as after a reset)
//   {"op":"readCount","count":n,"ms":n}           poll until n records were read (subscribe)
//   {"op":"poll","ms":n}                          one poll
//   {"op":"awaitPosition","tp":tp,"offset":n}     poll until the position is exactly n (a reset)
//   {"op":"position","tps":[tp...]}               {"op":"committed","tps":[tp...]}
//   {"op":"endOffsets","tps":[tp...]}             {"op":"beginningOffsets","tps":[tp...]}
//   {"op":"offsetsForTimes","times":{tp:ms}}      {"op":"assignment"}
//   {"op":"commit"}                               commitSync of the positions
//   {"op":"loop"}                                 group member: poll, print, commitSync after every
//                                                 poll that returned records, until stdin says
//                                                 {"op":"stop"} or closes; "commit":false: no
//                                                 commits (an assigned reader without a group)
// Rebalances print {"op":"assigned"|"revoked"|"lost","tps":[...]}. A failing op prints
// {"op":name,"error":"..."} and ends the program with exit code 2.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public final class E2eConsumer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static KafkaConsumer<byte[], byte[]> consumer;
  private static volatile boolean stop = false;

  private static String b64(byte[] b) {
    return b == null ? null : Base64.getEncoder().encodeToString(b);
  }

  private static synchronized void out(ObjectNode o) {
    System.out.println(o.toString());
    System.out.flush();
  }

  private static TopicPartition tp(String s) {
    int i = s.lastIndexOf(':');
    return new TopicPartition(s.substring(0, i), Integer.parseInt(s.substring(i + 1)));
  }

  private static String name(TopicPartition tp) {
    return tp.topic() + ":" + tp.partition();
  }

  private static List<TopicPartition> tps(JsonNode n) {
    List<TopicPartition> l = new ArrayList<>();
    if (n != null) for (JsonNode x : n) l.add(tp(x.asText()));
    return l;
  }

  private static ArrayNode names(Collection<TopicPartition> c) {
    ArrayNode a = JSON.createArrayNode();
    for (TopicPartition t : c) a.add(name(t));
    return a;
  }

  private static int print(ConsumerRecords<byte[], byte[]> records) {
    int n = 0;
    for (ConsumerRecord<byte[], byte[]> r : records) {
      ObjectNode o = JSON.createObjectNode();
      ObjectNode rec = o.putObject("record")
          .put("topic", r.topic()).put("partition", r.partition()).put("offset", r.offset())
          .put("timestamp", r.timestamp()).put("timestampType", r.timestampType().name)
          .put("key", b64(r.key())).put("value", b64(r.value()));
      ArrayNode hs = rec.putArray("headers");
      for (Header h : r.headers()) hs.addArray().add(h.key()).add(b64(h.value()));
      out(o);
      n++;
    }
    return n;
  }

  private static ObjectNode offsets(String op, Map<TopicPartition, Long> m) {
    ObjectNode o = JSON.createObjectNode().put("op", op);
    ObjectNode r = o.putObject("offsets");
    for (Map.Entry<TopicPartition, Long> e : m.entrySet()) {
      if (e.getValue() == null) r.putNull(name(e.getKey()));
      else r.put(name(e.getKey()), e.getValue());
    }
    return o;
  }

  private static ObjectNode positions(String op, Collection<TopicPartition> c) {
    Map<TopicPartition, Long> m = new HashMap<>();
    for (TopicPartition t : c) m.put(t, consumer.position(t, Duration.ofSeconds(30)));
    return offsets(op, m);
  }

  private static void commit(String op) {
    Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
    for (TopicPartition t : consumer.assignment()) m.put(t, new OffsetAndMetadata(consumer.position(t)));
    consumer.commitSync(m, Duration.ofSeconds(30));
    Map<TopicPartition, Long> c = new HashMap<>();
    m.forEach((k, v) -> c.put(k, v.offset()));
    out(offsets(op, c));
  }

  private static void run(JsonNode s) {
    String op = s.get("op").asText();
    long ms = s.has("ms") ? s.get("ms").asLong() : 30_000;
    long deadline = System.currentTimeMillis() + ms;
    switch (op) {
      case "assign" -> {
        consumer.assign(tps(s.get("tps")));
        out(JSON.createObjectNode().put("op", op));
      }
      case "subscribe" -> {
        List<String> topics = new ArrayList<>();
        for (JsonNode t : s.get("topics")) topics.add(t.asText());
        consumer.subscribe(topics, new ConsumerRebalanceListener() {
          @Override public void onPartitionsRevoked(Collection<TopicPartition> c) {
            out(JSON.createObjectNode().put("op", "revoked").set("tps", names(c)));
          }
          @Override public void onPartitionsAssigned(Collection<TopicPartition> c) {
            out(JSON.createObjectNode().put("op", "assigned").set("tps", names(c)));
          }
          @Override public void onPartitionsLost(Collection<TopicPartition> c) {
            out(JSON.createObjectNode().put("op", "lost").set("tps", names(c)));
          }
        });
        out(JSON.createObjectNode().put("op", op));
      }
      case "seek" -> {
        consumer.seek(tp(s.get("tp").asText()), s.get("offset").asLong());
        out(JSON.createObjectNode().put("op", op));
      }
      case "seekToBeginning" -> {
        consumer.seekToBeginning(consumer.assignment());
        out(JSON.createObjectNode().put("op", op));
      }
      case "seekToEnd" -> {
        consumer.seekToEnd(consumer.assignment());
        out(JSON.createObjectNode().put("op", op));
      }
      case "read" -> {
        Map<TopicPartition, Long> until = new HashMap<>();
        boolean exact = s.has("exact") && s.get("exact").asBoolean();
        s.get("until").fields().forEachRemaining(e -> until.put(tp(e.getKey()), e.getValue().asLong()));
        int n = 0;
        for (;;) {
          boolean done = true;
          for (Map.Entry<TopicPartition, Long> e : until.entrySet()) {
            long pos = consumer.position(e.getKey(), Duration.ofSeconds(30));
            if (exact ? pos != e.getValue() : pos < e.getValue()) done = false;
          }
          if (done) break;
          if (System.currentTimeMillis() > deadline) throw new IllegalStateException("read: positions " + positions("p", until.keySet()) + " short of " + until + " after " + ms + " ms");
          n += print(consumer.poll(Duration.ofMillis(200)));
        }
        out(positions(op, until.keySet()).put("records", n));
      }
      case "readCount" -> {
        int want = s.get("count").asInt();
        int n = 0;
        while (n < want) {
          if (System.currentTimeMillis() > deadline) throw new IllegalStateException("readCount: " + n + " of " + want + " records after " + ms + " ms");
          n += print(consumer.poll(Duration.ofMillis(200)));
        }
        out(positions(op, consumer.assignment()).put("records", n));
      }
      case "awaitPosition" -> {
        TopicPartition t = tp(s.get("tp").asText());
        long want = s.get("offset").asLong();
        int n = 0;
        while (consumer.position(t, Duration.ofSeconds(30)) != want) {
          if (System.currentTimeMillis() > deadline) throw new IllegalStateException("awaitPosition: " + name(t) + " at " + consumer.position(t) + ", not " + want + " after " + ms + " ms");
          n += print(consumer.poll(Duration.ofMillis(200)));
        }
        out(positions(op, List.of(t)).put("records", n));
      }
      case "poll" -> {
        int n = print(consumer.poll(Duration.ofMillis(ms)));
        out(positions(op, consumer.assignment()).put("records", n));
      }
      case "position" -> out(positions(op, tps(s.get("tps"))));
      case "assignment" -> out(JSON.createObjectNode().put("op", op).set("tps", names(consumer.assignment())));
      case "committed" -> {
        Set<TopicPartition> set = new java.util.HashSet<>(tps(s.get("tps")));
        Map<TopicPartition, Long> m = new HashMap<>();
        consumer.committed(set, Duration.ofSeconds(30)).forEach((k, v) -> m.put(k, v == null ? null : v.offset()));
        for (TopicPartition t : set) m.putIfAbsent(t, null);
        out(offsets(op, m));
      }
      case "endOffsets" -> out(offsets(op, consumer.endOffsets(tps(s.get("tps")), Duration.ofSeconds(30))));
      case "beginningOffsets" -> out(offsets(op, consumer.beginningOffsets(tps(s.get("tps")), Duration.ofSeconds(30))));
      case "offsetsForTimes" -> {
        Map<TopicPartition, Long> times = new HashMap<>();
        s.get("times").fields().forEachRemaining(e -> times.put(tp(e.getKey()), e.getValue().asLong()));
        ObjectNode o = JSON.createObjectNode().put("op", op);
        ObjectNode r = o.putObject("offsets");
        for (Map.Entry<TopicPartition, OffsetAndTimestamp> e : consumer.offsetsForTimes(times, Duration.ofSeconds(30)).entrySet()) {
          if (e.getValue() == null) r.putNull(name(e.getKey()));
          else r.putObject(name(e.getKey())).put("offset", e.getValue().offset()).put("timestamp", e.getValue().timestamp());
        }
        out(o);
      }
      case "commit" -> commit(op);
      case "loop" -> {
        boolean commits = !s.has("commit") || s.get("commit").asBoolean();
        while (!stop) {
          int n = print(consumer.poll(Duration.ofMillis(200)));
          if (n > 0 && commits) commit("committed");
        }
        out(JSON.createObjectNode().put("op", op));
      }
      default -> throw new IllegalArgumentException("unknown op " + op);
    }
  }

  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("enable.auto.commit", "false");
    props.put("auto.offset.reset", "none");
    props.put("max.partition.fetch.bytes", String.valueOf(8 << 20));
    props.put("fetch.max.bytes", String.valueOf(64 << 20));
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      props.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    String current = "start";
    try {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isBlank()) continue;
        JsonNode s = JSON.readTree(line);
        current = s.get("op").asText();
        if (current.equals("stop")) break;
        if (current.equals("loop")) {
          Thread t = new Thread(() -> {
            try {
              for (String l; (l = in.readLine()) != null; ) if (l.contains("\"stop\"")) break;
            } catch (Exception e) {
              // stdin gone: stop as on EOF
            }
            stop = true;
          });
          t.setDaemon(true);
          t.start();
          run(s);
          break;
        }
        run(s);
      }
    } catch (Exception e) {
      out(JSON.createObjectNode().put("op", current).put("error", e.getClass().getSimpleName() + ": " + e.getMessage()));
      consumer.close(Duration.ofSeconds(5));
      System.exit(2);
    }
    consumer.close(Duration.ofSeconds(30));
    out(JSON.createObjectNode().put("op", "closed"));
  }
}
