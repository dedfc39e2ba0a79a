// Drives kafkajs against the capture server: plain and idempotent producers, none and gzip.
// Usage: node --import tsx capture-kafkajs.ts <port> <kafkajs prefix dir>
// kafkajs is loaded from the prefix (the version capture-corpus.sh pins); its types are those
// of the project's own kafkajs devDependency.
import path from "node:path";
import { createRequire } from "node:module";
import type * as KafkaJs from "kafkajs";

const [port, prefix] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(prefix!), "node_modules", "x.js"));
const { Kafka, CompressionTypes, logLevel } = require("kafkajs") as typeof KafkaJs;

async function run(idempotent: boolean, compression: KafkaJs.CompressionTypes): Promise<void> {
  const kafka = new Kafka({
    clientId: "corpus-kafkajs",
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
    requestTimeout: 1500,
    connectionTimeout: 1000,
  });
  const producer = kafka.producer({ idempotent, maxInFlightRequests: idempotent ? 1 : 5, allowAutoTopicCreation: false });
  try {
    await producer.connect();
    await kafka.admin().connect().catch(() => {});
    await producer.send({
      topic: "b-corpus",
      compression,
      acks: idempotent ? -1 : 1,
      messages: [
        { key: "k1", value: "hello, kafka", headers: { h1: "x" } },
        { key: null, value: "compressible ".repeat(40) },
        { value: Buffer.from([0, 1, 2, 255]) },
      ],
    });
  } catch {
    // The answers (or refusals) do not matter: the request frames are captured.
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

for (const idempotent of [false, true]) {
  for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) await run(idempotent, compression);
}
process.exit(0);
