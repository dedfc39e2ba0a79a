// Produces records read from stdin through Kafka's Java producer and prints, per record and in
// input order, the partition/offset/timestamp the producer was told (or the error it got).
//
//   java -cp 'classes:.cache/kafka-<KAFKA_VERSION>/libs/*' E2eProducer bootstrap [prop=value...] < records.jsonl
//
// A record line: {"topic":..,"partition":n|null,"timestamp":ms|null,"key":b64|null,
// "value":b64|null,"headers":[[name,b64|null],...]}. Every send is issued before the first
// answer is awaited, so up to max.in.flight.requests.per.connection requests are pipelined.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class E2eProducer {
  private static byte[] bytes(JsonNode n) {
    return n == null || n.isNull() ? null : Base64.getDecoder().decode(n.asText());
  }

  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      props.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isBlank()) continue;
        JsonNode r = json.readTree(line);
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
    }
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (ProducerRecord<byte[], byte[]> r : records) sent.add(producer.send(r));
      producer.flush();
      for (int i = 0; i < sent.size(); i++) {
        ObjectNode out = json.createObjectNode().put("i", i);
        try {
          RecordMetadata m = sent.get(i).get();
          out.put("partition", m.partition()).put("offset", m.offset()).put("timestamp", m.timestamp());
        } catch (Exception e) {
          Throwable c = e.getCause() != null ? e.getCause() : e;
          out.put("error", c.getClass().getSimpleName() + ": " + c.getMessage());
        }
        System.out.println(json.writeValueAsString(out));
      }
    }
  }
}
