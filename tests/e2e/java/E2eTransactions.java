// Writes transactions with Kafka's Java transactional producer: each stdin line is one
// transaction, {"end":"commit"|"abort","records":[record...]} (records as for E2eProducer.java);
// per transaction prints {"txn":i,"end":..,"told":[{"partition","offset","timestamp"}...]}.
//
//   java -cp 'classes:.cache/kafka-<KAFKA_VERSION>/libs/*' E2eTransactions bootstrap transactional.id [prop=value...] < txns.jsonl
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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

public final class E2eTransactions {
  private static byte[] bytes(JsonNode n) {
    return n == null || n.isNull() ? null : Base64.getDecoder().decode(n.asText());
  }

  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("transactional.id", args[1]);
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      props.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.initTransactions();
      int n = 0;
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isBlank()) continue;
        JsonNode txn = json.readTree(line);
        producer.beginTransaction();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (JsonNode r : txn.get("records")) {
          RecordHeaders headers = new RecordHeaders();
          JsonNode hs = r.get("headers");
          if (hs != null) for (JsonNode h : hs) headers.add(h.get(0).asText(), bytes(h.get(1)));
          JsonNode p = r.get("partition");
          JsonNode ts = r.get("timestamp");
          sent.add(producer.send(new ProducerRecord<>(r.get("topic").asText(),
              p == null || p.isNull() ? null : p.asInt(),
              ts == null || ts.isNull() ? null : ts.asLong(),
              bytes(r.get("key")), bytes(r.get("value")), headers)));
        }
        producer.flush();
        ObjectNode out = json.createObjectNode().put("txn", n++).put("end", txn.get("end").asText());
        ArrayNode told = out.putArray("told");
        for (Future<RecordMetadata> f : sent) {
          RecordMetadata m = f.get();
          told.addObject().put("partition", m.partition()).put("offset", m.offset()).put("timestamp", m.timestamp());
        }
        if (txn.get("end").asText().equals("abort")) producer.abortTransaction();
        else producer.commitTransaction();
        System.out.println(json.writeValueAsString(out));
        System.out.flush();
      }
    }
  }
}
