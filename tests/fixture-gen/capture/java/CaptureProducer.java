// Sends tests/fixture-gen/capture/records.json through Kafka's Java producer to the capture server.
// Usage: java CaptureProducer <port> <none|gzip|snappy|lz4|zstd> <records.json>
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class CaptureProducer {
    static byte[] bytes(String s) {
        if (s == null) return null;
        if (s.startsWith("b64:")) return Base64.getDecoder().decode(s.substring(4));
        if (s.startsWith("rep:")) {
            int colon = s.indexOf(':', 4);
            return s.substring(colon + 1).repeat(Integer.parseInt(s.substring(4, colon))).getBytes(StandardCharsets.UTF_8);
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // records.json is small and regular: a minimal field reader avoids a JSON dependency.
    static String str(String obj, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":\\s*(null|\"([^\"]*)\")").matcher(obj);
        if (!m.find()) throw new IllegalStateException(field);
        return m.group(1).equals("null") ? null : m.group(2);
    }

    public static void main(String[] args) throws Exception {
        String spec = Files.readString(Path.of(args[2]));
        String topic = str(spec, "topic");
        Matcher pm = Pattern.compile("\"partition\":\\s*(\\d+)").matcher(spec);
        pm.find();
        int partition = Integer.parseInt(pm.group(1));
        Properties props = new Properties();
        props.put("bootstrap.servers", "127.0.0.1:" + args[0]);
        props.put("client.id", "capture-java");
        props.put("compression.type", args[1]);
        props.put("linger.ms", "200");
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        List<Future<?>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
            Matcher rm = Pattern.compile("\\{ \"key\"[^\\n]*\\}").matcher(spec);
            while (rm.find()) {
                String r = rm.group();
                Matcher tm = Pattern.compile("\"timestamp\":\\s*(\\d+)").matcher(r);
                tm.find();
                RecordHeaders headers = new RecordHeaders();
                Matcher hm = Pattern.compile("\\[\"([^\"]*)\", \"([^\"]*)\"\\]").matcher(r);
                while (hm.find()) headers.add(hm.group(1), bytes(hm.group(2)));
                sent.add(p.send(new ProducerRecord<>(topic, partition, Long.parseLong(tm.group(1)),
                        bytes(str(r, "key")), bytes(str(r, "value")), headers)));
            }
            p.flush();
            for (Future<?> f : sent) f.get();
        }
    }
}
