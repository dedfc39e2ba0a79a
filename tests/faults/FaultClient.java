import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java side of the fault scenarios (tests/faults/run.ts).
 *
 *   produce BOOTSTRAP OUT PREFIX COUNT RATE TOPIC[,TOPIC...] [key=value...]
 *     An idempotent acks=all producer with the client's default retry settings. Sends COUNT
 *     records at RATE per second, key "PREFIX-i", value "PREFIX-i|topic", round-robin over the
 *     topics, and appends one JSON line per event to OUT, flushed at once so that a killed
 *     process leaves a complete log: sent, ack (partition, offset), err (exception class and
 *     Kafka error name), done.
 *   offsets BOOTSTRAP            prints {"topic": {"partition": endOffset}} for every topic.
 *   dump BOOTSTRAP OUT START PREFIX
 *     Reads every partition of every topic from the offsets in START (a file written by
 *     `offsets`; partitions missing from it are read from the beginning) up to the end offsets
 *     at the time of the call, and writes the records whose key starts with PREFIX as JSON
 *     lines {topic, partition, offset, key, value}.
 *   retriable NAME...            prints {"NAME": true|false|null}: whether Kafka's client
 *     classes treat the error as retriable (null: not a Kafka error name).
 */
public final class FaultClient {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            usage();
        }
        switch (args[0]) {
            case "produce" -> produce(args);
            case "offsets" -> System.out.println(json(endOffsets(args[1])));
            case "dump" -> dump(args);
            case "retriable" -> retriable(args);
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: FaultClient produce|offsets|dump ... (see the class comment)");
        System.exit(2);
    }

    // ---------------------------------------------------------------------------------------
    // produce

    private static PrintWriter log;

    private static synchronized void event(String line) {
        log.println(line);
        log.flush();
    }

    private static void produce(String[] a) throws Exception {
        if (a.length < 7) {
            usage();
        }
        String bootstrap = a[1];
        log = new PrintWriter(new OutputStreamWriter(new FileOutputStream(a[2], true), StandardCharsets.UTF_8));
        String prefix = a[3];
        int count = Integer.parseInt(a[4]);
        double rate = Double.parseDouble(a[5]);
        String[] topics = a[6].split(",");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "faults-java-" + prefix);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        for (int i = 7; i < a.length; i++) {
            int eq = a[i].indexOf('=');
            p.put(a[i].substring(0, eq), a[i].substring(eq + 1));
        }
        long t0 = System.nanoTime();
        event("{\"ev\":\"start\",\"client\":\"java\",\"t\":" + System.currentTimeMillis() + "}");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < count; i++) {
                long due = t0 + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                final int id = i;
                final String topic = topics[i % topics.length];
                String key = prefix + "-" + i;
                event("{\"ev\":\"sent\",\"id\":" + id + ",\"topic\":" + quote(topic) + ",\"t\":" + System.currentTimeMillis() + "}");
                try {
                    producer.send(new ProducerRecord<>(topic, key, key + "|" + topic), (md, e) -> {
                        if (e == null) {
                            event("{\"ev\":\"ack\",\"id\":" + id + ",\"topic\":" + quote(topic) + ",\"partition\":" + md.partition()
                                    + ",\"offset\":" + md.offset() + ",\"t\":" + System.currentTimeMillis() + "}");
                        } else {
                            error(id, topic, e);
                        }
                    });
                } catch (Exception e) {
                    error(id, topic, e);
                }
            }
            producer.flush();
        }
        event("{\"ev\":\"done\",\"t\":" + System.currentTimeMillis() + "}");
    }

    private static void error(int id, String topic, Throwable e) {
        event("{\"ev\":\"err\",\"id\":" + id + ",\"topic\":" + quote(topic) + ",\"cls\":" + quote(e.getClass().getName())
                + ",\"code\":" + quote(Errors.forException(e).name())
                + ",\"retriable\":" + (e instanceof org.apache.kafka.common.errors.RetriableException) + ",\"msg\":" + quote(String.valueOf(e.getMessage()))
                + ",\"t\":" + System.currentTimeMillis() + "}");
    }

    // ---------------------------------------------------------------------------------------
    // offsets and dump

    private static Map<String, Map<Integer, Long>> endOffsets(String bootstrap) throws Exception {
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
            List<TopicPartition> parts = allPartitions(bootstrap, c);
            Map<String, Map<Integer, Long>> out = new TreeMap<>();
            for (Map.Entry<TopicPartition, Long> e : c.endOffsets(parts, Duration.ofSeconds(30)).entrySet()) {
                out.computeIfAbsent(e.getKey().topic(), k -> new TreeMap<>()).put(e.getKey().partition(), e.getValue());
            }
            return out;
        }
    }

    private static void dump(String[] a) throws Exception {
        if (a.length < 5) {
            usage();
        }
        String bootstrap = a[1];
        Map<String, Map<Integer, Long>> start = parseOffsets(new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(a[3])),
                StandardCharsets.UTF_8));
        String prefix = a[4];
        int n = 0;
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap);
             PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(a[2]), StandardCharsets.UTF_8))) {
            List<TopicPartition> parts = allPartitions(bootstrap, c);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            c.assign(parts);
            Map<TopicPartition, Long> remaining = new HashMap<>();
            for (TopicPartition tp : parts) {
                long from = start.getOrDefault(tp.topic(), Map.of()).getOrDefault(tp.partition(), 0L);
                c.seek(tp, from);
                if (end.get(tp) > from) {
                    remaining.put(tp, end.get(tp));
                }
            }
            long deadline = System.currentTimeMillis() + 120_000;
            while (!remaining.isEmpty()) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("dump: partitions not read to their end: " + remaining);
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    if (key.startsWith(prefix)) {
                        String value = r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
                        out.println("{\"topic\":" + quote(r.topic()) + ",\"partition\":" + r.partition() + ",\"offset\":" + r.offset()
                                + ",\"key\":" + quote(key) + ",\"value\":" + quote(value) + "}");
                        n++;
                    }
                }
                for (TopicPartition tp : new ArrayList<>(remaining.keySet())) {
                    if (c.position(tp) >= remaining.get(tp)) {
                        remaining.remove(tp);
                    }
                }
            }
        }
        System.out.println(n);
    }

    private static void retriable(String[] a) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 1; i < a.length; i++) {
            String verdict;
            try {
                verdict = String.valueOf(Errors.valueOf(a[i]).exception() instanceof org.apache.kafka.common.errors.RetriableException);
            } catch (IllegalArgumentException e) {
                verdict = "null";
            }
            b.append(i > 1 ? "," : "").append(quote(a[i])).append(':').append(verdict);
        }
        System.out.println(b.append('}'));
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "faults-dump");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    private static List<TopicPartition> allPartitions(String bootstrap, KafkaConsumer<byte[], byte[]> c) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        Set<String> names;
        try (Admin admin = Admin.create(p)) {
            names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        }
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : names) {
            for (PartitionInfo pi : c.partitionsFor(t, Duration.ofSeconds(30))) {
                parts.add(new TopicPartition(t, pi.partition()));
            }
        }
        return parts;
    }

    // ---------------------------------------------------------------------------------------
    // JSON, just what these files need

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format("\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static String json(Map<String, Map<Integer, Long>> m) {
        StringBuilder b = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, Map<Integer, Long>> t : m.entrySet()) {
            b.append(first ? "" : ",").append(quote(t.getKey())).append(":{");
            first = false;
            boolean f2 = true;
            for (Map.Entry<Integer, Long> p : t.getValue().entrySet()) {
                b.append(f2 ? "" : ",").append('"').append(p.getKey()).append("\":").append(p.getValue());
                f2 = false;
            }
            b.append('}');
        }
        return b.append('}').toString();
    }

    /** Reads the output of json() (topic names without quotes or backslashes). */
    private static Map<String, Map<Integer, Long>> parseOffsets(String s) {
        Map<String, Map<Integer, Long>> out = new HashMap<>();
        java.util.regex.Matcher topic = java.util.regex.Pattern.compile("\"([^\"]+)\":\\{([^}]*)}").matcher(s);
        while (topic.find()) {
            Map<Integer, Long> parts = new HashMap<>();
            java.util.regex.Matcher p = java.util.regex.Pattern.compile("\"(\\d+)\":(\\d+)").matcher(topic.group(2));
            while (p.find()) {
                parts.put(Integer.parseInt(p.group(1)), Long.parseLong(p.group(2)));
            }
            out.put(topic.group(1), parts);
        }
        return out;
    }
}
