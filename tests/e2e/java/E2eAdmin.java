// Kafka's Java admin client, straight to one cluster, for what kafkajs cannot do against Kafka 4
// (its DeleteRecords version is one Kafka 4 no longer serves).
//
//   E2eAdmin deleteRecords bootstrap topic:partition:offset ...   deletes records before each offset,
//                                                                 prints {"topic:partition": lowWatermark}
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DeletedRecords;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

public final class E2eAdmin {
  public static void main(String[] args) throws Exception {
    if (!args[0].equals("deleteRecords")) throw new IllegalArgumentException("unknown command " + args[0]);
    Properties props = new Properties();
    props.put("bootstrap.servers", args[1]);
    try (Admin admin = Admin.create(props)) {
      Map<TopicPartition, RecordsToDelete> del = new HashMap<>();
      for (int i = 2; i < args.length; i++) {
        String[] f = args[i].split(":");
        del.put(new TopicPartition(f[0], Integer.parseInt(f[1])), RecordsToDelete.beforeOffset(Long.parseLong(f[2])));
      }
      Map<String, Long> out = new TreeMap<>();
      for (Map.Entry<TopicPartition, KafkaFuture<DeletedRecords>> e : admin.deleteRecords(del).lowWatermarks().entrySet()) {
        out.put(e.getKey().topic() + ":" + e.getKey().partition(), e.getValue().get().lowWatermark());
      }
      System.out.println(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(out));
      admin.close(Duration.ofSeconds(10));
    }
  }
}
