// Schema-aware forwarding with real clients, the real registry and the real stack
// (docs/schemas.md). @kafkajs/confluent-schema-registry registers Avro, JSON Schema and Protobuf
// schemas in the stack's Apicurio Registry (its Confluent API) and encodes records; kafkajs
// produces them through Envoy:
//
// - the Envoy under test: the stack's (examples/reference.json's policies: `apples-avro*` AVRO
//   values and `bananas-json*` JSON values, both validated to the payload; fail_closed);
// - a second Envoy started here, `envoy-schema-open` (listener advertised_port + 310, admin
//   9941, echo 19409, all plus STACK_PORT_OFFSET; .stack/envoy-schema-open.{pid,log}, so
//   `make down` stops it too), from the same plugin config with `failure_mode` fail_open and one
//   more policy, `bananas-proto*`: PROTOBUF values, validated (framing and message indexes).
//
// Each run writes to topics of its own, created here straight on their clusters with the
// partition counts the mesh presents (`apples-avro-e2e-<run>` on c1, `bananas-json-e2e-<run>` and
// `bananas-proto-e2e-<run>` on c3) and deleted at the end (E2E_KEEP_TOPICS=1 keeps them), and
// schemas whose names carry the run id, so no schema id is one an Envoy has cached before.
//
// Accepted records are read back straight from their clusters at the offsets Envoy told
// (Kafka's Java consumer, E2eDump) and decoded with the registry client; refused ones
// (INVALID_RECORD: no framing, an unknown id, an id of another subject, an id of another schema
// type, a payload that does not match; raw Produce v9 for the record errors) must be nowhere in
// those topics. Then the registry is stopped (the stack's component only; its content exported
// first and imported after the restart, so the in-memory registry keeps every id): the stack's
// Envoy answers REQUEST_TIMED_OUT (kafkajs retries, then gives up), a cached id still passes,
// the fail_open Envoy forwards and counts kafka_mesh.schema.failed_open.
//
// Run alone on a running stack (after `make e2e-java`):
//   node --import tsx --test tests/e2e/schema.test.ts
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import kafkajs, { type Admin, type Producer, type RecordMetadata } from "kafkajs";
import type { Component } from "../../stack/component.ts";
import { isLoopback } from "../../stack/config.ts";
import { createEnvoy } from "../../stack/envoy.ts";
import { portFree, runningPid, stackDir } from "../../stack/proc.ts";
import { selected, waitReady } from "../../stack/stack.ts";
import { produceRequest, readProduceResponse, recordBatch, roundTrip } from "../lib/kafka/index.ts";
import { readRanges, type ReadRecord, ROOT, run } from "./clients.ts";
import { field } from "./json.ts";
import { stackPorts } from "./stack-ports.ts";

const { Kafka, logLevel } = kafkajs;

const ports = stackPorts();
const RUN = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
const ENVOY = ports.envoy;
const ADMIN = ports.admin;
const REGISTRY = ports.registry ?? "";
const REGISTRY_ORIGIN = REGISTRY ? new URL(REGISTRY).origin : "";
const OFFSET = ports.offset;

const T = {
  avro: `apples-avro-e2e-${RUN}`,
  json: `bananas-json-e2e-${RUN}`,
  proto: `bananas-proto-e2e-${RUN}`,
  /** A topic without a policy, from the reference scenario. */
  plain: "apples",
};
const OPEN = {
  name: "envoy-schema-open",
  port: ports.config.advertised_port + OFFSET + 310,
  admin: 9941 + OFFSET,
  echo: 19409 + OFFSET,
};
const OPEN_ENVOY = `${ports.config.advertised_host}:${OPEN.port}`;
const OPEN_ADMIN = `127.0.0.1:${OPEN.admin}`;

/** The cluster a forwarding rule of the stack's config sends `topic` to. */
function clusterOf(topic: string): string {
  const rule = ports.config.forwarding_rules.find((r) => topic.startsWith(r.topic_prefix));
  assert.ok(rule, `no forwarding rule for ${topic}`);
  return rule.target_cluster;
}
const partitionsOf = (topic: string) => ports.clusters[clusterOf(topic)].partitions;
const hostPort = (hp: string): [string, number] => [hp.slice(0, hp.lastIndexOf(":")), Number(hp.slice(hp.lastIndexOf(":") + 1))];

// Schemas: names carry the run id, so every id is new to every Envoy (docs/schemas.md: a cached
// id's subjects are not asked again before cache_ttl_ms).
const NS = `mesh.e2e.r${RUN}`;
const AVRO_V1 = {
  type: "record",
  name: "Fruit",
  namespace: NS,
  fields: [
    { name: "id", type: "string" },
    { name: "grams", type: "int" },
    { name: "kind", type: { type: "enum", name: "Kind", symbols: ["APPLE", "PEAR", "QUINCE"] } },
    { name: "picked", type: { type: "long", logicalType: "timestamp-millis" } },
    { name: "note", type: ["null", "string"], default: null },
  ],
};
/** v2: a field with a default (BACKWARD compatible, Apicurio's default rule for ccompat subjects). */
const AVRO_V2 = { ...AVRO_V1, fields: [...AVRO_V1.fields, { name: "origin", type: "string", default: "unknown" }] };
/** v3: one more; registered just before the registry stops, never produced before. */
const AVRO_V3 = { ...AVRO_V2, fields: [...AVRO_V2.fields, { name: "batch", type: "int", default: 0 }] };
const AVRO_OTHER = { type: "record", name: "Other", namespace: NS, fields: [{ name: "n", type: "int" }] };
// Apicurio recognizes a JSON Schema by "$schema" or "properties".
const JSON_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: `${NS}.Banana`,
  type: "object",
  properties: {
    id: { type: "string" },
    grams: { type: "integer", minimum: 1 },
    ripe: { type: "boolean" },
    tags: { type: "array", items: { type: "string" } },
  },
  required: ["id", "grams"],
  additionalProperties: false,
};
const PROTO_SCHEMA = `syntax = "proto3";\npackage mesh.e2e.r${RUN};\nmessage Banana {\n  string id = 1;\n  int32 grams = 2;\n}\n`;

let registry: SchemaRegistry;
const ids = { avro1: 0, avro2: 0, avro3: 0, other: 0, json: 0, proto: 0 };
const admins: Record<string, Admin> = {};
const producers: Producer[] = [];
let open: Component | null = null;

/** A record that must be in its cluster at the place Envoy told, decoding to `decoded`. */
interface Accepted {
  id: string;
  topic: string;
  partition: number;
  offset: number;
  value: Buffer;
  decoded: unknown;
}
const accepted: Accepted[] = [];
/** Ids of records that must be nowhere. */
const refused: string[] = [];
/** End offsets of the plain topic before the run (the schema topics are the run's own). */
let plainStart = 0;

const header = (id: string) => ({ "e2e-id": `${RUN}/${id}` });

/** The Confluent wire format by hand: magic byte 0, the id, the bytes. */
function framed(id: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h.writeInt32BE(id, 1);
  return Buffer.concat([h, payload]);
}

async function producer(bootstrap: string, retries = 2): Promise<Producer> {
  const kafka = new Kafka({ clientId: `e2e-schema-${RUN}`, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries, initialRetryTime: 100, maxRetryTime: 1000 } });
  const p = kafka.producer({ allowAutoTopicCreation: false });
  await p.connect();
  producers.push(p);
  return p;
}

/** Sends one record and notes it as one that must land, decoding to `decoded`. */
async function accept(p: Producer, topic: string, id: string, value: Buffer, decoded: unknown, partition?: number): Promise<RecordMetadata> {
  const [m] = await p.send({ topic, acks: -1, messages: [{ key: id, value, headers: header(id), partition }] });
  assert.equal(m.errorCode, 0, `${id}: ${JSON.stringify(m)}`);
  accepted.push({ id, topic, partition: m.partition, offset: Number(m.baseOffset), value, decoded });
  return m;
}

/** The first error with a Kafka error type in a kafkajs error's cause chain. */
function kafkaError(e: unknown): { type: string; code: number; retriable: boolean; name: string; outer: string } {
  let err: unknown = e;
  for (let i = 0; i < 5 && err !== undefined && field(err, "type") === undefined; i++) err = field(err, "cause");
  return {
    type: String(field(err, "type")),
    code: Number(field(err, "code")),
    retriable: field(err, "retriable") === true,
    name: String(field(err, "name")),
    outer: String(field(e, "name")),
  };
}

/** Sends one record that must be refused with `type`; returns the error kafkajs threw. */
async function refuse(p: Producer, topic: string, id: string, value: Buffer, type: string): Promise<ReturnType<typeof kafkaError>> {
  refused.push(`${RUN}/${id}`);
  try {
    const m = await p.send({ topic, acks: -1, messages: [{ key: id, value, headers: header(id) }] });
    assert.fail(`${id}: accepted (${JSON.stringify(m)}), expected ${type}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    const k = kafkaError(e);
    assert.equal(k.type, type, `${id}: ${String(e)}`);
    return k;
  }
}

/** Envoy's wasm counters (name without the wasmcustom. prefix -> value) matching `filter`. */
async function stats(admin: string, filter = "kafka_mesh\\.(schema|topic\\..*\\.schema_rejected|topics_other\\.schema_rejected)"): Promise<Map<string, number>> {
  const res = await fetch(`http://${admin}/stats?filter=${encodeURIComponent(filter)}`, { signal: AbortSignal.timeout(5000) });
  const out = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    const m = /^wasmcustom\.(\S+): (\d+)$/.exec(line.trim());
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}
const grew = (before: Map<string, number>, now: Map<string, number>, name: string) => (now.get(name) ?? 0) - (before.get(name) ?? 0);

/** The stack's registry component (null when the stack does not run one, e.g. a remote registry). */
async function registryComponent(): Promise<Component | null> {
  const [phase] = await selected(ROOT, ["registry"]);
  return phase?.components[0] ?? null;
}

/** Polls `pred` every 100 ms until it holds; fails after `ms` naming `what`. */
async function until(pred: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    assert.ok(Date.now() < deadline, `${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the fail_open Envoy: the stack's plugin config, fail_open, a Protobuf policy first. */
async function startOpenEnvoy(): Promise<Component> {
  const shift = (hp: string) => hp.replace(/:(\d+)$/, (_, p: string) => `:${Number(p) + OFFSET}`);
  const cfg = structuredClone(ports.config);
  cfg.advertised_port = OPEN.port;
  for (const c of cfg.upstream_clusters) {
    c.bootstrap_servers = shift(c.bootstrap_servers);
    c.rest_bridge.authority = shift(c.rest_bridge.authority);
  }
  const sr = cfg.schema_registry as { authority: string; failure_mode?: string };
  sr.authority = shift(sr.authority);
  sr.failure_mode = "fail_open";
  cfg.topic_policies = [
    { topic_prefix: "bananas-proto", value_schema: { required: true, schema_type: "PROTOBUF", validate: "payload" } },
    ...(cfg.topic_policies as unknown[]),
  ];
  const dir = join(stackDir(ROOT), OPEN.name);
  mkdirSync(dir, { recursive: true });
  const plugin = join(dir, "plugin-config.json");
  writeFileSync(plugin, JSON.stringify(cfg, null, 2) + "\n");
  await run(process.execPath, ["--import", "tsx", join(ROOT, "envoy", "render-config.ts"), "--plugin-config", plugin,
    "--out-dir", dir, "--echo-port", String(OPEN.echo)]);
  const c = createEnvoy(ROOT, { config: join(dir, "envoy.yaml"), adminPort: OPEN.admin, name: OPEN.name });
  if (runningPid(ROOT, OPEN.name) !== undefined) await c.stop();
  // Another process on these ports would answer in this Envoy's place.
  for (const port of [OPEN.port, OPEN.admin]) assert.ok(await portFree(port), `${OPEN.name}: port ${port} is in use by another process`);
  await c.start();
  await waitReady(ROOT, c, 60_000);
  return c;
}

before(async () => {
  assert.ok(REGISTRY, "the stack's plugin config has no schema_registry section (docs/schemas.md)");
  const policies = ports.config.topic_policies as Array<{ topic_prefix: string }> | undefined;
  assert.ok(policies?.some((p) => p.topic_prefix === "apples-avro") && policies.some((p) => p.topic_prefix === "bananas-json"),
    "the stack's plugin config lacks the apples-avro / bananas-json policies of examples/reference.json");
  // An Envoy started before the config had a registry serves no schema checks.
  const clusters = await (await fetch(`http://${ADMIN}/clusters`, { signal: AbortSignal.timeout(5000) })).text();
  const sr = String((ports.config.schema_registry as { envoy_cluster: string }).envoy_cluster);
  assert.ok(clusters.includes(`${sr}::`), `the Envoy at ${ENVOY} (admin ${ADMIN}) has no '${sr}' cluster: it was started from an older config; restart it (make down, make up)`);
  registry = new SchemaRegistry({ host: REGISTRY, clientId: `e2e-schema-${RUN}` });
  const starting = startOpenEnvoy().then((c) => (open = c));
  for (const name of ["c1", "c3"]) {
    admins[name] = new Kafka({ clientId: `e2e-schema-${RUN}`, brokers: [ports.clusters[name].kafka], logLevel: logLevel.NOTHING }).admin();
    await admins[name].connect();
  }
  for (const topic of [T.avro, T.json, T.proto]) {
    await admins[clusterOf(topic)].createTopics({ topics: [{ topic, numPartitions: partitionsOf(topic) }], waitForLeaders: true });
  }
  plainStart = Number((await admins[clusterOf(T.plain)].fetchTopicOffsets(T.plain))[0].high);
  await starting;
});

after(async () => {
  await Promise.allSettled(producers.map((p) => p.disconnect()));
  if (open !== null) await open.stop();
  // A run that failed while the registry was down leaves it started again (empty, if so).
  const reg = await registryComponent();
  if (reg !== null && !(await reg.isReady())) {
    await reg.start();
    await waitReady(ROOT, reg, 90_000);
  }
  if (process.env.E2E_KEEP_TOPICS !== "1") {
    for (const topic of [T.avro, T.json, T.proto]) await admins[clusterOf(topic)]?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  }
  await Promise.allSettled(Object.values(admins).map((a) => a.disconnect()));
});

let viaStack: Producer;
let viaOpen: Producer;

test("Avro, JSON Schema and Protobuf schemas registered with @kafkajs/confluent-schema-registry; their records go through Envoy", async () => {
  ids.avro1 = (await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(AVRO_V1) }, { subject: `${T.avro}-value` })).id;
  ids.json = (await registry.register({ type: SchemaType.JSON, schema: JSON.stringify(JSON_SCHEMA) }, { subject: `${T.json}-value` })).id;
  ids.proto = (await registry.register({ type: SchemaType.PROTOBUF, schema: PROTO_SCHEMA }, { subject: `${T.proto}-value` })).id;
  ids.other = (await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(AVRO_OTHER) }, { subject: `other-e2e-${RUN}-value` })).id;
  assert.equal(new Set(Object.values(ids).filter((v) => v > 0)).size, 4, `ids: ${JSON.stringify(ids)}`);

  viaStack = await producer(ENVOY);
  viaOpen = await producer(OPEN_ENVOY);
  const fruit = (n: number) => ({ id: `fruit-${n}`, grams: 100 + n, kind: ["APPLE", "PEAR", "QUINCE"][n % 3], picked: 1767225600000 + n, note: n % 2 ? null : "crisp" });
  for (let n = 0; n < 3; n++) await accept(viaStack, T.avro, `avro-${n}`, await registry.encode(ids.avro1, fruit(n)), fruit(n));
  const banana = (n: number) => ({ id: `banana-${n}`, grams: 120 + n, ripe: n % 2 === 0, tags: n ? ["organic", `lot-${n}`] : [] });
  for (let p = 0; p < partitionsOf(T.json); p++) await accept(viaStack, T.json, `json-${p}`, await registry.encode(ids.json, banana(p)), banana(p), p);
  // Protobuf through the fail_open Envoy (the one with a Protobuf policy): Confluent's wire
  // format puts the message indexes after the id, [0] written as the single byte 0.
  // @kafkajs/confluent-schema-registry 4.1.0 writes none (see the refusal below) and skips
  // leading zero bytes when it decodes, so it reads both.
  for (let n = 0; n < 3; n++) {
    const msg = { id: `proto-${n}`, grams: 90 + n };
    const lib = await registry.encode(ids.proto, msg);
    const confluent = Buffer.concat([lib.subarray(0, 5), Buffer.from([0]), lib.subarray(5)]);
    await accept(viaOpen, T.proto, `proto-${n}`, confluent, msg, n);
  }
  // A topic without a policy takes anything, as before.
  await accept(viaStack, T.plain, "plain-0", Buffer.from(`not framed ${RUN}`), null);
});

test("refused with INVALID_RECORD (kafkajs: KafkaJSProtocolError, code 87): no framing, unknown id, another subject's id, another type's id, a payload that does not match", async () => {
  const before = await stats(ADMIN);
  const good = await registry.encode(ids.avro1, { id: "x", grams: 1, kind: "PEAR", picked: 0, note: null });
  const cases: Array<[string, string, Buffer, string]> = [
    ["unframed-avro", T.avro, Buffer.from(JSON.stringify({ id: "x", grams: 1 })), "no_framing"],
    ["unframed-json", T.json, Buffer.from(JSON.stringify({ id: "x", grams: 1 })), "no_framing"],
    ["unknown-id", T.avro, framed(2_000_000_000 + Math.floor(Math.random() * 1000), good.subarray(5)), "unknown_id"],
    ["other-subject", T.avro, await registry.encode(ids.other, { n: 5 }), "wrong_subject"],
    ["other-type", T.avro, await registry.encode(ids.json, { id: "x", grams: 1 }), "wrong_type"],
    ["avro-cut-short", T.avro, good.subarray(0, good.length - 2), "invalid_payload"],
    ["avro-over-long", T.avro, Buffer.concat([good, Buffer.from([0])]), "invalid_payload"],
    ["json-not-matching", T.json, framed(ids.json, Buffer.from(JSON.stringify({ id: "x", grams: 0, color: "green" }))), "invalid_payload"],
    ["json-not-json", T.json, framed(ids.json, Buffer.from("{\"id\":")), "invalid_payload"],
  ];
  for (const [id, topic, value] of cases) {
    const k = await refuse(viaStack, topic, id, value, "INVALID_RECORD");
    assert.equal(k.code, 87);
    assert.equal(k.retriable, false);
    assert.equal(k.name, "KafkaJSProtocolError");
  }
  // The producer goes on: a valid record right after.
  await accept(viaStack, T.avro, "avro-after-refusals", good, { id: "x", grams: 1, kind: "PEAR", picked: 0, note: null });

  const now = await stats(ADMIN);
  for (const reason of ["no_framing", "unknown_id", "wrong_subject", "wrong_type", "invalid_payload"]) {
    const want = cases.filter((c) => c[3] === reason).length;
    assert.ok(grew(before, now, `kafka_mesh.schema.rejected.${reason}`) >= want, `kafka_mesh.schema.rejected.${reason}: +${grew(before, now, `kafka_mesh.schema.rejected.${reason}`)}, want ${want}`);
  }
  // Per topic (a VM past max_topic_stats counts new topics under topics_other).
  for (const topic of [T.avro, T.json]) {
    const want = cases.filter((c) => c[1] === topic).length;
    const own = grew(before, now, `kafka_mesh.topic.${topic}.schema_rejected`);
    assert.ok(own === want || (own < want && own + grew(before, now, "kafka_mesh.topics_other.schema_rejected") >= want), `topic.${topic}.schema_rejected: +${own}, want ${want}`);
  }

  // Protobuf as @kafkajs/confluent-schema-registry 4.1.0 writes it: no message indexes, so the
  // message's first bytes (field 1, a string: 0x0a, its length, ...) are read as indexes.
  const lib = await registry.encode(ids.proto, { id: "no-indexes", grams: 1 });
  assert.equal(lib[5], 0x0a);
  await refuse(viaOpen, T.proto, "proto-no-indexes", lib, "INVALID_RECORD");
});

test("raw Produce v9: INVALID_RECORD with record errors (batch index and reason), nothing of the batch written; v7: the error code only", async () => {
  const good = await registry.encode(ids.avro1, { id: "raw", grams: 2, kind: "APPLE", picked: 5, note: "raw" });
  const records = [
    { key: Buffer.from("raw-0"), value: good, headers: [["e2e-id", Buffer.from(`${RUN}/raw-0`)]] as Array<[string, Buffer]> },
    { key: Buffer.from("raw-1"), value: Buffer.from("plain"), headers: [["e2e-id", Buffer.from(`${RUN}/raw-1`)]] as Array<[string, Buffer]> },
    { key: Buffer.from("raw-2"), value: good.subarray(0, 8), headers: [["e2e-id", Buffer.from(`${RUN}/raw-2`)]] as Array<[string, Buffer]> },
  ];
  refused.push(`${RUN}/raw-0`, `${RUN}/raw-1`, `${RUN}/raw-2`);
  const [host, port] = hostPort(ENVOY);
  const v9 = readProduceResponse(await roundTrip(host, port, produceRequest(9, 91, { topics: [{ name: T.avro, partitions: [{ index: 0, records: recordBatch(records) }] }] })), 9);
  const p9 = v9.topics[0].partitions[0];
  assert.equal(p9.errorCode, 87);
  assert.deepEqual(p9.recordErrors?.map((e) => e.batchIndex), [1, 2]);
  assert.match(p9.recordErrors?.[0].message ?? "", /the value does not carry a schema id/);
  assert.match(p9.recordErrors?.[1].message ?? "", new RegExp(`the value does not match schema id ${ids.avro1}: `));
  assert.match(p9.errorMessage ?? "", /^Record 1: /);
  const v7 = readProduceResponse(await roundTrip(host, port, produceRequest(7, 71, { topics: [{ name: T.avro, partitions: [{ index: 0, records: recordBatch(records) }] }] })), 7);
  assert.equal(v7.topics[0].partitions[0].errorCode, 87);
  assert.equal(v7.topics[0].partitions[0].recordErrors, undefined);
});

test("schema evolution: a compatible new version gets a new id; records with either id are accepted and decode with their own schema", async () => {
  ids.avro2 = (await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(AVRO_V2) }, { subject: `${T.avro}-value` })).id;
  assert.notEqual(ids.avro2, ids.avro1);
  const versions = await (await fetch(`${REGISTRY}/subjects/${T.avro}-value/versions`)).json();
  assert.deepEqual(versions, [1, 2]);
  const v2 = { id: "fruit-v2", grams: 7, kind: "QUINCE", picked: 1767225600999, note: null, origin: "orchard" };
  await accept(viaStack, T.avro, "avro-v2", await registry.encode(ids.avro2, v2), v2);
  const v1 = { id: "fruit-v1-again", grams: 8, kind: "APPLE", picked: 1, note: "still v1" };
  await accept(viaStack, T.avro, "avro-v1-after-v2", await registry.encode(ids.avro1, v1), v1);
});

test("registry stopped: fail_closed answers REQUEST_TIMED_OUT (kafkajs retries, then gives up), a cached id passes; fail_open forwards and counts", async (t) => {
  const reg = await registryComponent();
  if (reg === null || runningPid(ROOT, reg.name) === undefined || !isLoopback(new URL(REGISTRY).hostname)) {
    t.skip("the registry is not one this stack runs: it is not stopped");
    return;
  }
  // An id no Envoy has looked up yet, and what the registry holds, kept for its restart.
  ids.avro3 = (await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(AVRO_V3) }, { subject: `${T.avro}-value` })).id;
  const v3 = { id: "fruit-v3", grams: 9, kind: "PEAR", picked: 2, note: null, origin: "shed", batch: 3 };
  const v3Value = await registry.encode(ids.avro3, v3);
  const exported = Buffer.from(await (await fetch(`${REGISTRY_ORIGIN}/apis/registry/v3/admin/export`)).arrayBuffer());
  const stackBefore = await stats(ADMIN);
  const openBefore = await stats(OPEN_ADMIN);

  const down = Date.now();
  await reg.stop();
  let up = 0;
  try {
    assert.ok(await portFree(hostPort(new URL(REGISTRY).host)[1]), "the registry's port is still served");
    // fail_closed: a retriable error; kafkajs retries (the lookup keeps failing), then gives up.
    const retrying = await producer(ENVOY, 2);
    const k = await refuse(retrying, T.avro, "avro-v3-registry-down", v3Value, "REQUEST_TIMED_OUT");
    assert.equal(k.code, 7);
    assert.equal(k.retriable, true);
    assert.equal(k.outer, "KafkaJSNumberOfRetriesExceeded");
    // The first producer's connection (same worker VM) has avro1 cached: it still passes.
    await accept(viaStack, T.avro, "avro-cached-registry-down", await registry.encode(ids.avro1, { id: "cached", grams: 3, kind: "APPLE", picked: 3, note: null }),
      { id: "cached", grams: 3, kind: "APPLE", picked: 3, note: null });
    // fail_open: forwarded unchecked, counted; framing is still required (no registry needed for that).
    await accept(viaOpen, T.avro, "avro-v3-fail-open", v3Value, v3);
    await refuse(viaOpen, T.avro, "unframed-fail-open", Buffer.from("plain"), "INVALID_RECORD");
    const stackNow = await stats(ADMIN);
    const openNow = await stats(OPEN_ADMIN);
    assert.ok(grew(stackBefore, stackNow, "kafka_mesh.schema.rejected.registry_unavailable") >= 1);
    assert.ok(grew(stackBefore, stackNow, "kafka_mesh.schema.registry_errors") >= 1);
    assert.ok(grew(openBefore, openNow, "kafka_mesh.schema.failed_open") >= 1);
    assert.equal(grew(openBefore, openNow, "kafka_mesh.schema.rejected.registry_unavailable"), 0);
  } finally {
    // Started again with what it held (Apicurio's export/import keeps the ids).
    up = Date.now();
    await reg.start();
    await waitReady(ROOT, reg, 90_000);
    t.diagnostic(`registry down ${((up - down) / 1000).toFixed(1)} s, back (started, ready) in ${((Date.now() - up) / 1000).toFixed(1)} s`);
    const r = await fetch(`${REGISTRY_ORIGIN}/apis/registry/v3/admin/import`, { method: "POST", headers: { "content-type": "application/zip" }, body: exported });
    assert.equal(r.status, 204, `import: ${r.status} ${await r.text()}`);
  }
  const back = (await (await fetch(`${REGISTRY}/schemas/ids/${ids.avro3}/versions`)).json()) as Array<{ subject: string }>;
  assert.ok(back.some((v) => v.subject === `${T.avro}-value`), `id ${ids.avro3} after the restart: ${JSON.stringify(back)}`);
  // Back: the stack's Envoy takes the record once its failed lookup (kept a second) is asked again.
  const retrying = await producer(ENVOY, 0);
  let n = 0;
  await until(async () => {
    try {
      await accept(retrying, T.avro, `avro-v3-registry-back-${n++}`, v3Value, v3);
      return true;
    } catch (e) {
      assert.equal(kafkaError(e).type, "REQUEST_TIMED_OUT", String(e));
      refused.push(`${RUN}/avro-v3-registry-back-${n - 1}`);
      return false;
    }
  }, 15_000, "the stack's Envoy accepting the record after the registry's restart");
});

test("what the clusters hold: every accepted record at its told offset, decoding to what was sent; no refused record anywhere", async (t) => {
  const byCluster = new Map<string, Array<{ topic: string; partition: number; from: number; to: number }>>();
  const want = (topic: string, partition: number, from: number) => {
    const c = clusterOf(topic);
    byCluster.set(c, [...(byCluster.get(c) ?? []), { topic, partition, from, to: -1 }]);
  };
  for (const topic of [T.avro, T.json, T.proto]) for (let p = 0; p < partitionsOf(topic); p++) want(topic, p, 0);
  want(T.plain, 0, plainStart);
  const read: ReadRecord[] = (await Promise.all([...byCluster].map(([c, ranges]) => readRanges(c, ranges)))).flat();
  const mine = read.filter((r) => r.headers.some(([n, v]) => n === "e2e-id" && v?.toString().startsWith(`${RUN}/`)));
  const idOf = (r: ReadRecord) => r.headers.find(([n]) => n === "e2e-id")?.[1]?.toString() ?? "";
  for (const a of accepted) {
    const found = mine.filter((r) => idOf(r) === `${RUN}/${a.id}`);
    assert.equal(found.length, 1, `${a.id}: found ${found.length} times`);
    const r = found[0];
    assert.deepEqual([r.topic, r.partition, r.offset], [a.topic, a.partition, a.offset], `${a.id}: place`);
    assert.ok(r.value?.equals(a.value), `${a.id}: value bytes`);
    if (a.decoded !== null) assert.deepEqual(JSON.parse(JSON.stringify(await registry.decode(r.value!))), a.decoded, `${a.id}: decoded`);
  }
  for (const id of refused) assert.ok(!mine.some((r) => idOf(r) === id), `${id} was refused but is in the cluster`);
  assert.equal(mine.length, accepted.length, `records of the run: ${mine.map(idOf).join(", ")}`);
  t.diagnostic(`${accepted.length} records accepted and read back, ${refused.length} refused and absent; schema ids ${JSON.stringify(ids)}`);
});
