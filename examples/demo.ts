// The reference scenario through the running stack (make demo starts it): a kafkajs producer
// talks to Envoy as its only broker; each record is then read straight from the cluster its
// topic lives in, with Kafka's Java consumer, and shown next to what the producer was told;
// then a kafkajs consumer group reads the same records back through Envoy (native dialect).
// With topic_policies in the config (docs/schemas.md), one Avro record registered in the schema
// registry is accepted and one record without the Confluent framing is refused.
import { randomBytes } from "node:crypto";
import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import kafkajs from "kafkajs";
import { readRanges, topicClusters, type Range, type ReadRecord } from "../tests/e2e/clients.ts";
import { field } from "../tests/e2e/json.ts";
import { stackPorts } from "../tests/e2e/stack-ports.ts";
import { loadClusters, repoRoot } from "../stack/config.ts";

const { Kafka, logLevel, Partitioners } = kafkajs;
const ports = stackPorts();
const clusterOf = topicClusters();
const tag = randomBytes(3).toString("hex");

interface DemoRecord {
  topic: string;
  value: string;
  partition?: number;
}

const records: DemoRecord[] = [
  { topic: "apples", value: `apple ${tag}` },
  { topic: "app-something", value: `app-something ${tag}` },
  { topic: "apricots", value: `apricot ${tag}` },
  { topic: "analogue", value: `analogue ${tag}` },
  ...Array.from({ length: ports.clusters[clusterOf.bananas].partitions }, (_, p) => ({ topic: "bananas", partition: p, value: `banana ${p} ${tag}` })),
];

const kafka = new Kafka({
  clientId: "kafka-mesh-demo",
  brokers: [ports.envoy],
  logLevel: logLevel.NOTHING,
  retry: { retries: 1, initialRetryTime: 200 },
});
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
console.log(`kafkajs producer -> Envoy ${ports.envoy} (its only broker)\n`);

// Each record with what the producer was told.
const sent: Array<DemoRecord & { told: { partition: number; offset: number } }> = [];
for (const r of records) {
  const [m] = await producer.send({ topic: r.topic, acks: -1, messages: [{ key: `demo-${tag}`, value: r.value, partition: r.partition }] });
  sent.push({ ...r, told: { partition: m.partition, offset: Number(m.baseOffset) } });
}
let cherries: string;
try {
  await producer.send({ topic: "cherries", acks: -1, messages: [{ value: `cherry ${tag}` }] });
  cherries = "accepted (unexpected: cherries is routed to no cluster)";
} catch (e) {
  // kafkajs wraps the Metadata error in its retry error (`cause`).
  const err = field(e, "type") ? e : field(e, "cause") ?? e;
  cherries = `${String(field(err, "type") ?? field(err, "name"))} (error code ${String(field(err, "code") ?? "?")}: ${String(field(err, "message"))}; kafkajs gave up with ${String(field(e, "name"))})`;
}
await producer.disconnect();

// Read every record back from its cluster directly, one dump per cluster.
const byCluster = new Map<string, Range[]>();
for (const r of sent) {
  const c = clusterOf[r.topic];
  if (!byCluster.has(c)) byCluster.set(c, []);
  byCluster.get(c)!.push({ topic: r.topic, partition: r.told.partition, from: r.told.offset, to: r.told.offset + 1 });
}
const read = new Map<string, ReadRecord>();
for (const [c, ranges] of byCluster) {
  for (const got of await readRanges(c, ranges)) read.set(`${c}/${got.topic}:${got.partition}:${got.offset}`, got);
}

const rows = [["topic", "cluster", "told partition", "told offset", "read partition", "read offset", "value read back", ""]];
let ok = true;
for (const r of sent) {
  const c = clusterOf[r.topic];
  const got = read.get(`${c}/${r.topic}:${r.told.partition}:${r.told.offset}`);
  const same = got && got.value?.toString() === r.value && got.partition === r.told.partition && got.offset === r.told.offset;
  ok &&= Boolean(same);
  rows.push([r.topic, `${c} (${ports.clusters[c].kafka})`, String(r.told.partition), String(r.told.offset),
    got ? String(got.partition) : "-", got ? String(got.offset) : "-", got ? JSON.stringify(got.value?.toString()) : "(not found)", same ? "ok" : "MISMATCH"]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
rows.forEach((row, n) => {
  console.log(row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
  if (n === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
});
console.log(`\ncherries -> no cluster: ${cherries}`);

// Schema checks: only when the config has topic policies and a registry (docs/schemas.md).
if (Array.isArray(ports.config.topic_policies) && ports.registry !== null) ok = (await schemaChecks(ports.registry)) && ok;

// Read back through Envoy with a consumer group (the group lives on the cluster group_rules
// name): each record must come back at the partition and offset the producer was told.
const servesConsumers = loadClusters(repoRoot()).some((c) => c.dialect === "native");
const throughEnvoy = servesConsumers ? await readBackWithGroup() : null;
if (throughEnvoy !== null) {
  console.log(`\nkafkajs consumer group ${throughEnvoy.group} -> Envoy ${ports.envoy}:`);
  for (const r of sent) {
    const got = throughEnvoy.read.get(`${r.topic}:${r.told.partition}:${r.told.offset}`);
    const same = got === r.value;
    ok &&= same;
    console.log(`  ${r.topic.padEnd(14)} partition ${r.told.partition} offset ${String(r.told.offset).padEnd(8)} ${got === undefined ? "(not read)" : JSON.stringify(got)}  ${same ? "ok" : "MISMATCH"}`);
  }
}
console.log(`\nThe stack keeps running (make status, make logs; Envoy admin http://${ports.admin}/stats?filter=kafka_mesh).`);
console.log(`Stop it with: ${ports.offset ? `STACK_PORT_OFFSET=${ports.offset} ` : ""}make down`);
/**
 * `apples-avro` (policy: AVRO values, validated): registers an Avro schema under
 * apples-avro-value, produces one record encoded with it (accepted; read back from its cluster and
 * decoded) and one plain-text record without the Confluent framing (refused with INVALID_RECORD).
 */
async function schemaChecks(registryUrl: string): Promise<boolean> {
  const topic = "apples-avro";
  const registry = new SchemaRegistry({ host: registryUrl, clientId: "kafka-mesh-demo" });
  const schema = { type: "record", name: "Apple", namespace: "mesh.demo", fields: [{ name: "variety", type: "string" }, { name: "grams", type: "int" }] };
  const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: `${topic}-value` });
  const apple = { variety: `braeburn ${tag}`, grams: 182 };
  const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await p.connect();
  const errorOf = (e: unknown): string => {
    const err = field(e, "type") ? e : field(e, "cause") ?? e;
    return `${String(field(err, "type") ?? field(err, "name"))} (error code ${String(field(err, "code") ?? "?")}: ${String(field(err, "message"))})`;
  };
  let accepted: { partition: number; offset: number } | string;
  try {
    const [m] = await p.send({ topic, acks: -1, messages: [{ key: `demo-${tag}`, value: await registry.encode(id, apple) }] });
    accepted = { partition: m.partition, offset: Number(m.baseOffset) };
  } catch (e) {
    accepted = errorOf(e);
  }
  let refused: string;
  try {
    const [m] = await p.send({ topic, acks: -1, messages: [{ key: `demo-${tag}`, value: `apple ${tag} (no schema)` }] });
    refused = `ACCEPTED at partition ${m.partition} offset ${m.baseOffset}`;
  } catch (e) {
    refused = errorOf(e);
  }
  await p.disconnect();
  const c = clusterOf[topic];
  console.log(`\nschema checks (topic_policies; registry ${registryUrl}, subject ${topic}-value -> schema id ${id}):`);
  let acceptedOk = false;
  if (typeof accepted === "string") {
    console.log(`  ${topic}  Avro record ${JSON.stringify(apple)}: refused (unexpected): ${accepted}  MISMATCH`);
  } else {
    const [got] = await readRanges(c, [{ topic, partition: accepted.partition, from: accepted.offset, to: accepted.offset + 1 }]);
    const decoded: unknown = got?.value ? await registry.decode(got.value) : undefined;
    acceptedOk = JSON.stringify(decoded) === JSON.stringify(apple);
    console.log(`  ${topic}  Avro record: accepted -> ${c} (${ports.clusters[c].kafka}) partition ${accepted.partition} offset ${accepted.offset}; read back and decoded: ${decoded === undefined ? "(not found)" : JSON.stringify(decoded)}  ${acceptedOk ? "ok" : "MISMATCH"}`);
  }
  const refusedOk = refused.startsWith("INVALID_RECORD");
  console.log(`  ${topic}  plain text, no Confluent framing: ${refusedOk ? "refused" : "not refused (unexpected)"}: ${refused}  ${refusedOk ? "ok" : "MISMATCH"}`);
  return acceptedOk && refusedOk;
}

/** Joins a fresh group on every scenario topic, seeks each partition to the offset the producer was told, reads until every record came back (30 s at most). */
async function readBackWithGroup(): Promise<{ group: string; read: Map<string, string> }> {
  const group = `demo-${tag}`;
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const read = new Map<string, string>();
  const wanted = new Set(sent.map((r) => `${r.topic}:${r.told.partition}:${r.told.offset}`));
  let done: () => void = () => {};
  const allRead = new Promise<void>((resolveAll) => (done = resolveAll));
  await consumer.connect();
  for (const topic of new Set(sent.map((r) => r.topic))) await consumer.subscribe({ topic, fromBeginning: false });
  const assigned = new Promise<void>((resolveJoin) => consumer.on(consumer.events.GROUP_JOIN, () => resolveJoin()));
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const key = `${topic}:${partition}:${message.offset}`;
      if (wanted.has(key)) read.set(key, message.value?.toString() ?? "");
      if (read.size === wanted.size) done();
    },
  });
  await assigned;
  for (const r of sent) consumer.seek({ topic: r.topic, partition: r.told.partition, offset: String(r.told.offset) });
  await Promise.race([allRead, new Promise((resolveLate) => setTimeout(resolveLate, 30_000))]);
  await consumer.disconnect();
  return { group, read };
}

process.exit(ok && cherries.startsWith("UNKNOWN_TOPIC_OR_PARTITION") ? 0 : 1);
