// Many Kafka Java clients at once in one JVM, each with its own settings (SASL, TLS), for the
// security suite (tests/e2e/security.test.ts): one case per JSON line on stdin, all run
// concurrently, one JSON line per case on stdout when it is done, in the order they finish.
//
//   java -cp 'classes:.cache/kafka-<KAFKA_VERSION>/libs/*' E2eSecurity < cases.jsonl
//
// A case: {"name": n, "op": "produce"|"consume"|"group", "bootstrap": "host:port",
//          "props": {name: value}, ...}
//   produce  "records": [record lines as for E2eProducer]. One KafkaProducer sends them all
//            (every send issued before the first answer is awaited), flushes and closes.
//            Out: {"name", "told": [{"partition","offset","timestamp"} | {"error","causes"}]}
//   consume  "reads": [{"tp": "topic:p", "from": n, "to": m}]. A KafkaConsumer without group
//            assigns the partitions, seeks each to "from" and polls until every position is at
//            least "to" (or "ms", default 30000, passed).
//            Out: {"name", "records": [{"topic","partition","offset","timestamp","timestampType",
//                  "key","value","headers"}]} (bytes in Base64), plus "error"/"causes" on failure
//   group    "topics": [t...]. A KafkaConsumer with the props' group.id subscribes and polls
//            until a poll throws or "ms" (default 15000) passed.
//            Out: {"name", "records": n, "error", "causes"} (no error: none was thrown)
// "error" is "<exception class>: <message>" of the exception (the cause of an
// ExecutionException); "causes" the simple class names of it and its causes, outermost first.
// Every case ends with a line; the program prints {"done": n} last.
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class E2eSecurity {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static synchronized void out(ObjectNode o) {
    System.out.println(o.toString());
    System.out.flush();
  }

  private static byte[] bytes(JsonNode n) {
    return n == null || n.isNull() ? null : Base64.getDecoder().decode(n.asText());
  }

  private static String b64(byte[] b) {
    return b == null ? null : Base64.getEncoder().encodeToString(b);
  }

  private static Properties props(JsonNode c) {
    Properties p = new Properties();
    p.put("bootstrap.servers", c.get("bootstrap").asText());
    JsonNode ps = c.get("props");
    if (ps != null) ps.fields().forEachRemaining(e -> p.put(e.getKey(), e.getValue().asText()));
    return p;
  }

  /** Puts "error" and "causes" of `t` (unwrapping an ExecutionException) into `o`. */
  private static ObjectNode error(ObjectNode o, Throwable t) {
    Throwable e = t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
    o.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
    ArrayNode causes = o.putArray("causes");
    for (Throwable c = e; c != null && causes.size() < 10; c = c.getCause() == c ? null : c.getCause()) {
      causes.add(c.getClass().getSimpleName());
    }
    return o;
  }

  private static ObjectNode produce(JsonNode c, ObjectNode result) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (JsonNode r : c.get("records")) {
      RecordHeaders headers = new RecordHeaders();
      JsonNode hs = r.get("headers");
      if (hs != null) for (JsonNode h : hs) headers.add(h.get(0).asText(), bytes(h.get(1)));
      JsonNode p = r.get("partition");
      JsonNode ts = r.get("timestamp");
      records.add(new ProducerRecord<>(r.get("topic").asText(),
          p == null || p.isNull() ? null : p.asInt(),
          ts == null || ts.isNull() ? null : ts.asLong(),
          bytes(r.get("key")), bytes(r.get("value")), headers));
    }
    ArrayNode told = result.putArray("told");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props(c), new ByteArraySerializer(), new ByteArraySerializer())) {
      List<Object> sent = new ArrayList<>();
      for (ProducerRecord<byte[], byte[]> r : records) {
        try {
          sent.add(producer.send(r));
        } catch (Exception e) {
          sent.add(e);
        }
      }
      producer.flush();
      for (Object s : sent) {
        ObjectNode o = told.addObject();
        if (s instanceof Exception e) {
          error(o, e);
          continue;
        }
        try {
          @SuppressWarnings("unchecked")
          RecordMetadata m = ((Future<RecordMetadata>) s).get();
          o.put("partition", m.partition()).put("offset", m.offset()).put("timestamp", m.timestamp());
        } catch (Exception e) {
          error(o, e);
        }
      }
    }
    return result;
  }

  private static TopicPartition tp(String s) {
    int i = s.lastIndexOf(':');
    return new TopicPartition(s.substring(0, i), Integer.parseInt(s.substring(i + 1)));
  }

  private static ObjectNode consume(JsonNode c, ObjectNode result) {
    Properties p = props(c);
    p.putIfAbsent("enable.auto.commit", "false");
    p.putIfAbsent("auto.offset.reset", "none");
    long deadline = System.currentTimeMillis() + (c.has("ms") ? c.get("ms").asLong() : 30_000);
    ArrayNode out = result.putArray("records");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      Map<TopicPartition, Long> from = new HashMap<>();
      Map<TopicPartition, Long> to = new HashMap<>();
      for (JsonNode r : c.get("reads")) {
        TopicPartition t = tp(r.get("tp").asText());
        from.put(t, r.get("from").asLong());
        to.put(t, r.get("to").asLong());
      }
      consumer.assign(from.keySet());
      from.forEach(consumer::seek);
      try {
        for (;;) {
          boolean done = true;
          for (Map.Entry<TopicPartition, Long> e : to.entrySet()) {
            if (consumer.position(e.getKey(), Duration.ofSeconds(30)) < e.getValue()) done = false;
          }
          if (done) break;
          if (System.currentTimeMillis() > deadline) throw new IllegalStateException("positions short of " + to + " after the deadline");
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            ObjectNode rec = out.addObject()
                .put("topic", r.topic()).put("partition", r.partition()).put("offset", r.offset())
                .put("timestamp", r.timestamp()).put("timestampType", r.timestampType().name)
                .put("key", b64(r.key())).put("value", b64(r.value()));
            ArrayNode hs = rec.putArray("headers");
            for (Header h : r.headers()) hs.addArray().add(h.key()).add(b64(h.value()));
          }
        }
      } catch (Exception e) {
        error(result, e);
      }
    }
    return result;
  }

  private static ObjectNode group(JsonNode c, ObjectNode result) {
    Properties p = props(c);
    p.putIfAbsent("enable.auto.commit", "false");
    p.putIfAbsent("auto.offset.reset", "latest");
    long deadline = System.currentTimeMillis() + (c.has("ms") ? c.get("ms").asLong() : 15_000);
    List<String> topics = new ArrayList<>();
    for (JsonNode t : c.get("topics")) topics.add(t.asText());
    int n = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(topics);
      try {
        while (System.currentTimeMillis() < deadline) n += consumer.poll(Duration.ofMillis(200)).count();
      } catch (Exception e) {
        error(result, e);
      }
    }
    return result.put("records", n);
  }

  public static void main(String[] args) throws Exception {
    List<JsonNode> cases = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) if (!line.isBlank()) cases.add(JSON.readTree(line));
    }
    List<Thread> threads = new ArrayList<>();
    for (JsonNode c : cases) {
      Thread t = new Thread(() -> {
        ObjectNode result = JSON.createObjectNode().put("name", c.get("name").asText());
        try {
          switch (c.get("op").asText()) {
            case "produce" -> produce(c, result);
            case "consume" -> consume(c, result);
            case "group" -> group(c, result);
            default -> throw new IllegalArgumentException("unknown op " + c.get("op").asText());
          }
        } catch (Throwable e) {
          error(result, e);
        }
        out(result);
      });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) t.join();
    out(JSON.createObjectNode().put("done", cases.size()));
  }
}
