// Sends tests/fixture-gen/capture/records.json through kafkajs to the capture server.
// Usage: KAFKAJS_PREFIX=<dir> node --import tsx kafkajs_producer.ts <port> <none|gzip>
// kafkajs is loaded from the prefix (the version capture.sh pins); its types are those of the
// project's own kafkajs devDependency.
import fs from "node:fs";
import { createRequire } from "node:module";
import type * as KafkaJs from "kafkajs";
const require = createRequire(process.env.KAFKAJS_PREFIX + "/node_modules/");
const { Kafka, CompressionTypes, logLevel } = require("kafkajs") as typeof KafkaJs;

/** tests/fixture-gen/capture/records.json: one partition of one topic, the records as text (see its "//"). */
interface Spec {
  topic: string;
  partition: number;
  records: Array<{ key: string | null; value: string | null; timestamp: number; headers: Array<[string, string]> }>;
}

// The project's own file: its shape is taken as given.
const spec = JSON.parse(fs.readFileSync(new URL("./records.json", import.meta.url), "utf8")) as Spec;
function bytes(s: string): Buffer;
function bytes(s: string | null): Buffer | null;
function bytes(s: string | null): Buffer | null {
  if (s === null) return null;
  if (s.startsWith("b64:")) return Buffer.from(s.slice(4), "base64");
  const m = /^rep:(\d+):(.*)$/s.exec(s);
  return Buffer.from(m ? m[2]!.repeat(Number(m[1])) : s, "utf8");
}
const port = process.argv[2];
const codec = process.argv[3] === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None;

const kafka = new Kafka({ clientId: "capture-kafkajs", brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();
await producer.send({
  topic: spec.topic,
  compression: codec,
  acks: -1,
  messages: spec.records.map((r) => ({
    key: bytes(r.key),
    value: bytes(r.value),
    partition: spec.partition,
    timestamp: String(r.timestamp),
    headers: Object.fromEntries(r.headers.map(([k, v]) => [k, bytes(v)])),
  })),
});
await producer.disconnect();
