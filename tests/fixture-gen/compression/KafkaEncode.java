// Compresses fixture inputs exactly as the Kafka Java producer does (kafka-clients'
// Compression.*.wrapForOutput for record batch v2), plus Lz4BlockOutputStream variants.
// Usage: java -cp <kafka-clients classpath> KafkaEncode.java <dir> <job>...
// where each job is "<codec>:<input name>:<output name>" and codec is one of
//   gzip | snappy | lz4 | lz4-bd<4..7>[-bc]   (bc = with block checksums)
// Inputs are read from <dir>/in/<name>.bin, outputs written to <dir>/out/<name>.bin.
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.compress.Lz4BlockOutputStream;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.ByteBufferOutputStream;

public class KafkaEncode {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    for (int i = 1; i < args.length; i++) {
      String[] job = args[i].split(":");
      byte[] input = Files.readAllBytes(dir.resolve("in").resolve(job[1] + ".bin"));
      ByteBufferOutputStream sink = new ByteBufferOutputStream(1024);
      OutputStream os;
      String codec = job[0];
      if (codec.equals("gzip")) {
        os = Compression.gzip().build().wrapForOutput(sink, RecordBatch.MAGIC_VALUE_V2);
      } else if (codec.equals("snappy")) {
        os = Compression.snappy().build().wrapForOutput(sink, RecordBatch.MAGIC_VALUE_V2);
      } else if (codec.equals("lz4")) {
        os = Compression.lz4().build().wrapForOutput(sink, RecordBatch.MAGIC_VALUE_V2);
      } else if (codec.startsWith("lz4-bd")) {
        int bd = Integer.parseInt(codec.substring(6, 7));
        boolean blockChecksum = codec.endsWith("-bc");
        os = new Lz4BlockOutputStream(sink, bd, 9, blockChecksum, false);
      } else {
        throw new IllegalArgumentException("unknown codec " + codec);
      }
      os.write(input);
      os.close();
      ByteBuffer buf = sink.buffer();
      buf.flip();
      byte[] out = new byte[buf.remaining()];
      buf.get(out);
      Files.write(dir.resolve("out").resolve(job[2] + ".bin"), out);
    }
  }
}
