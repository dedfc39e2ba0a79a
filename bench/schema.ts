// The schema workload's set-up (docs/bench.md, "Schema checks"): 1 KiB Avro values in the
// Confluent wire format, written by Kafka's ProducerPerformance from a payload file, to a topic
// the mesh validates (a topic policy: AVRO, validate payload) and to one it does not.
//
// ProducerPerformance reads the payload file as UTF-8 text, one payload per line, and sends each
// payload's UTF-8 bytes: every byte must be ASCII to arrive as written. So the schema is a record
// of 16 strings, 15 of 63 characters and one of 58: each string's zig-zag length is one byte
// (0x7e, 0x74) and its characters are letters; with the magic byte and a schema id whose four
// bytes are each below 0x80, a value is 5 + 15 × 64 + 59 = 1024 bytes.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import kafkajs from "kafkajs";

const { Kafka, logLevel } = kafkajs;

/** The value schema: 16 string fields (registered under `<checked topic>-value`). */
export const BENCH_AVRO_SCHEMA = {
  type: "record",
  name: "Row",
  namespace: "mesh.bench",
  fields: Array.from({ length: 16 }, (_, i) => ({ name: `f${i}`, type: "string" })),
};

/** Distinct payloads in the file (ProducerPerformance picks one at random per record). */
const PAYLOADS = 500;

/** One Avro value of 1024 bytes with the Confluent framing; `n` varies its letters. */
export function avroValue(id: number, n: number): Buffer {
  const parts: Buffer[] = [Buffer.from([0]), Buffer.alloc(4)];
  parts[1]!.writeUInt32BE(id);
  for (let f = 0; f < 16; f++) {
    const len = f < 15 ? 63 : 58;
    const text = Array.from({ length: len }, (_, i) => String.fromCharCode(97 + ((n * 7 + f * 3 + i) % 26))).join("");
    parts.push(Buffer.from([len * 2]), Buffer.from(text, "ascii")); // zig-zag varint of len < 64: one byte
  }
  return Buffer.concat(parts);
}

export interface SchemaWorkload {
  id: number;
  payloadFile: string;
}

/**
 * Creates `topics` on the cluster at `bootstrap` (1 partition each; kept when they exist),
 * registers the schema under `subject` in the registry's Confluent API and writes the payload
 * file under .cache/bench/.
 */
export async function prepareSchemaWorkload({ root, registry, bootstrap, topics, subject }:
  { root: string; registry: string; bootstrap: string; topics: string[]; subject: string }): Promise<SchemaWorkload> {
  const admin = new Kafka({ clientId: "bench-schema", brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length) await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const res = await fetch(`${registry}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: "POST",
    headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
    body: JSON.stringify({ schema: JSON.stringify(BENCH_AVRO_SCHEMA) }),
    signal: AbortSignal.timeout(10000),
  });
  const body = (await res.json()) as { id?: unknown; message?: unknown };
  if (res.status !== 200 || typeof body.id !== "number") throw new Error(`registering ${subject}: HTTP ${res.status} ${JSON.stringify(body)}`);
  const id = body.id;
  if ([24, 16, 8, 0].some((s) => ((id >>> s) & 0xff) >= 0x80)) throw new Error(`schema id ${id} has a byte of 0x80 or more: not ASCII in a payload file`);
  const values = Array.from({ length: PAYLOADS }, (_, n) => avroValue(id, n));
  if (values.some((v) => v.length !== 1024 || v.includes(0x0a, 5))) throw new Error("bench payloads: not 1024 bytes, or a newline inside");
  const dir = join(root, ".cache", "bench");
  mkdirSync(dir, { recursive: true });
  const payloadFile = join(dir, `avro-1k-id${id}.txt`);
  writeFileSync(payloadFile, values.map((v) => v.toString("latin1")).join("\n"));
  return { id, payloadFile };
}
