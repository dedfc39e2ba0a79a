// The seed scenario end to end: real producers (kafkajs, Kafka's Java producer and
// ProducerPerformance, librdkafka through kcat and confluent-kafka) connect to Envoy as their
// broker; every record is then read straight from the cluster its topic belongs to with Kafka's
// Java consumer and compared byte for byte (key, value, headers, timestamp) at the partition and
// offset the client was told. A last check reads everything written to every cluster during
// the run and finds each of this run's records exactly once, in the right cluster.
//
// Run with: make test-e2e (starts the stack if needed; STACK_PORT_OFFSET shifts every port). It
// runs once per upstream dialect (tests/e2e/dialects.ts), each run's test names start with it.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import kafkajs, { type KafkaConfig, type Message, type Producer, type ProducerConfig, type ProducerRecord } from "kafkajs";
import {
  allEndOffsets, assertLanded, confluentProduce, type EndOffsets, javaArgs, javaProduce, KAFKA_VERSION, kcatProduce, kcatVersion,
  type Landed, type LandedOptions, type ReadRecord, readRanges, readWindow, recordId, run, type SentRecord, type Told, topicClusters, plainTopicClusters,
} from "./clients.ts";
import {
  ApiKey, apiVersionsRequest, connect, initProducerIdRequest, produceRequest, readApiVersionsResponse, readInitProducerIdResponse,
  readProduceResponse, recordBatch, roundTrip, waitFor,
} from "../lib/kafka/index.ts";
import { field } from "./json.ts";
import { stackPorts } from "./stack-ports.ts";

const { Kafka, logLevel, CompressionTypes, CompressionCodecs, Partitioners } = kafkajs;
const require = createRequire(import.meta.url);

const ports = stackPorts();
/** Every test name starts with the dialect the Envoy under test forwards with. */
const D = `[${ports.dialect}]`;
const [HOST, PORT] = [ports.envoy.split(":")[0], Number(ports.envoy.split(":")[1])];
const CLUSTER_OF = topicClusters();
// Topics with a schema policy take framed records only (schema.test.ts covers them).
const TOPICS = Object.keys(plainTopicClusters());
const PARTITIONS = Object.fromEntries(TOPICS.map((t) => [t, ports.clusters[CLUSTER_OF[t]].partitions]));
const UNKNOWN_TOPIC_OR_PARTITION = 3;

// Every record of this run carries RUN: in its "e2e-id" header, or its key when it has no
// headers, or (ProducerPerformance) at the start of its value. Old data in the clusters is
// never mistaken for this run's.
const RUN = `e2e-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
const PERF_PREFIX = `${RUN}-perf-`;
let seq = 0;
/** Where a record of the run must be. */
interface Expected { cluster: string; topic: string; partition?: number; offset?: number }
/** id -> {cluster, topic, partition?, offset?}: where each record of the run must be. */
const expected = new Map<string, Expected>();
let startEnds!: Record<string, EndOffsets>;

// A timestamp a little in the past (the clusters keep one hour), distinct for every record,
// so a replaced timestamp cannot pass for the one sent.
const ts = () => Date.now() - 20_000 - (seq % 5000);

interface RecOptions {
  partition?: number;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: Array<[string, Buffer]>;
  timestamp?: number;
  bare?: boolean;
}

/** A record spec for `topic`; the id header goes first unless `bare` (then the key is the id). */
function rec(topic: string, { partition, key, value, headers = [], timestamp = ts(), bare = false }: RecOptions = {}): SentRecord {
  const id = `${RUN}/${++seq}`;
  expected.set(id, { cluster: CLUSTER_OF[topic], topic });
  return {
    id,
    topic,
    partition,
    timestamp,
    key: bare ? Buffer.from(id) : key === undefined ? Buffer.from(`key-${seq}`) : key,
    value: value === undefined ? Buffer.concat([Buffer.from(`${id} `), randomBytes(24)]) : value,
    headers: bare ? [] : [["e2e-id", Buffer.from(id)], ...headers],
  };
}

function idOf(r: ReadRecord): string | null {
  if (r.value && r.value.toString("latin1").startsWith(PERF_PREFIX)) return PERF_PREFIX;
  return recordId(r, `${RUN}/`);
}

function remember(sent: readonly SentRecord[], read?: ReadonlyArray<{ partition: number; offset: number } | undefined>): void {
  sent.forEach((s, i) => expected.set(s.id, { cluster: CLUSTER_OF[s.topic], topic: s.topic, partition: read?.[i]?.partition, offset: read?.[i]?.offset }));
}

/** assertLanded, then remembers where each record is for the final whole-run check. */
async function landed(_t: unknown, sent: readonly SentRecord[], told: readonly Told[], opts?: LandedOptions): Promise<ReadRecord[]> {
  const { records } = await assertLanded(sent, told, opts);
  remember(sent, records);
  return records;
}

/** Text that compresses (so codecs really work) but differs per record. */
const compressible = (id: string, n: number) => Buffer.from(`${id} ` + `the quick brown fox ${id} jumps over the lazy dog; `.repeat(n));

/** The shapes every client sends: all topics, explicit partitions, edge sizes and headers. */
function shapes(prefix: string): SentRecord[] {
  const out: SentRecord[] = [];
  for (const t of TOPICS) out.push(rec(t, { value: compressible(prefix, 20) }));
  for (let p = 0; p < PARTITIONS.bananas; p++) out.push(rec("bananas", { partition: p, value: compressible(`${prefix}-p${p}`, 5) }));
  out.push(rec("apples", { key: null }));                                   // null key
  out.push(rec("apricots", { value: null }));                               // null value (tombstone)
  out.push(rec("analogue", { key: null, value: null }));                    // both null
  out.push(rec("app-something", { key: Buffer.alloc(0), value: Buffer.alloc(0) })); // 0 B key and value
  out.push(rec("bananas", { partition: 1, value: Buffer.from([0xff]) }));   // 1 B, not UTF-8
  out.push(rec("apples", { value: randomBytes(300), key: randomBytes(40) })); // binary bytes
  out.push(rec("analogue", { headers: [["dup", Buffer.from("1")], ["dup", Buffer.alloc(0)], ["bin", randomBytes(33)], ["ünï", Buffer.from("ü")]] }));
  out.push(rec("bananas", { partition: 3, headers: Array.from({ length: 99 }, (_, i): [string, Buffer] => [`h${i}`, randomBytes(i % 7)]) })); // 100 headers
  out.push(rec("apricots", { bare: true, value: Buffer.from(`${prefix} no headers`) }));
  return out;
}

// --- kafkajs ------------------------------------------------------------------------------

const kafkaClients: Producer[] = [];
function kafka(extra: Partial<KafkaConfig> = {}) {
  return new Kafka({
    clientId: `e2e-kafkajs-${RUN}`,
    brokers: [ports.envoy],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 200 },
    connectionTimeout: 5000,
    requestTimeout: 30_000,
    ...extra,
  });
}
async function kafkajsProducer(opts: ProducerConfig = {}): Promise<Producer> {
  const p = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner, ...opts });
  kafkaClients.push(p);
  await p.connect();
  return p;
}
const toKafkajs = (r: SentRecord): Message => ({
  key: r.key,
  value: r.value,
  partition: r.partition ?? undefined,
  timestamp: String(r.timestamp),
  // kafkajs takes headers as an object; repeated names as an array keep their order.
  headers: r.headers.reduce<Record<string, Buffer | Buffer[]>>((o, [k, v]) => { o[k] = k in o ? ([] as Buffer[]).concat(o[k], v) : v; return o; }, {}),
});
/** Sends each record on its own (concurrently) so told offsets map 1:1 to records. */
async function kafkajsSendEach(producer: Producer, records: readonly SentRecord[], extra: Partial<ProducerRecord> = {}): Promise<Told[]> {
  return Promise.all(records.map(async (r): Promise<Told> => {
    try {
      const [m] = await producer.send({ topic: r.topic, messages: [toKafkajs(r)], ...extra });
      assert.equal(m.errorCode, 0);
      return { partition: m.partition, offset: Number(m.baseOffset) };
    } catch (e) {
      return { error: `${field(e, "name")}: ${field(e, "type") ?? ""} ${field(e, "message")}` };
    }
  }));
}

// Records with repeated header names only keep their order in kafkajs when the repeats are
// adjacent; the shapes above satisfy that.

// The codec packages have no types: a kafkajs codec is a function making {compress, decompress}.
type Codec = () => unknown;
type LZ4Codec = new () => { codec: Codec };
const codecVersions: Record<string, string> = {};
const pkgVersion = (name: string) => (require(`${name}/package.json`) as { version: string }).version;
function registerKafkajsCodecs() {
  const snappy = require("kafkajs-snappy") as Codec;
  CompressionCodecs[CompressionTypes.Snappy] = snappy;
  codecVersions["kafkajs-snappy"] = pkgVersion("kafkajs-snappy");
  const LZ4 = require("kafkajs-lz4") as LZ4Codec & { default?: LZ4Codec };
  CompressionCodecs[CompressionTypes.LZ4] = new (LZ4.default ?? LZ4)().codec;
  codecVersions["kafkajs-lz4"] = pkgVersion("kafkajs-lz4");
  const zstd = require("@kafkajs/zstd") as () => Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = zstd();
  codecVersions["@kafkajs/zstd"] = pkgVersion("@kafkajs/zstd");
}

before(async () => {
  registerKafkajsCodecs();
  startEnds = await allEndOffsets();
});

after(async () => {
  await Promise.all(kafkaClients.map((c) => c.disconnect().catch(() => {})));
});

describe(`${D} producers through Envoy, records read back from their clusters`, { concurrency: 3 }, () => {
  test(`kafkajs ${pkgVersion("kafkajs")}, acks -1: every shape, told offsets match the cluster`, async (t) => {
    const producer = await kafkajsProducer();
    const sent = [...shapes("kafkajs"), rec("apples", { value: randomBytes(1048576 - 512) })];
    const told = await kafkajsSendEach(producer, sent, { acks: -1 });
    await landed(t, sent, told);
  });

  test("kafkajs: 50 concurrent sends on one connection (pipelined) and 20 producers at once", async (t) => {
    const producer = await kafkajsProducer();
    const pipelined = Array.from({ length: 50 }, (_, i) => rec(TOPICS[i % TOPICS.length], { value: compressible(`pipe${i}`, 2) }));
    const tolds = await kafkajsSendEach(producer, pipelined);
    const many = Array.from({ length: 20 }, (_, i) => Array.from({ length: 5 }, (_, j) =>
      rec(TOPICS[(i + j) % TOPICS.length], { partition: TOPICS[(i + j) % TOPICS.length] === "bananas" ? (i % 5) : undefined })));
    const manyTold = await Promise.all(many.map(async (records) => {
      const p = await kafkajsProducer();
      const told = [];
      for (const r of records) told.push(...(await kafkajsSendEach(p, [r])));
      await p.disconnect();
      return told;
    }));
    const sent = [...pipelined, ...many.flat()];
    const told = [...tolds, ...manyTold.flat()];
    // Offsets per partition are distinct: no two records were told the same place.
    const places = told.map((t, i) => `${sent[i].topic}:${t.partition}:${t.offset}`);
    assert.equal(new Set(places).size, places.length, "two records told the same offset");
    await landed(t, sent, told);
  });

  test("kafkajs gzip (built in), snappy, lz4, zstd (codec packages): byte-exact in the cluster", async (t) => {
    t.diagnostic(`codec packages: ${JSON.stringify(codecVersions)}`);
    const producer = await kafkajsProducer();
    for (const [name, type] of [["gzip", CompressionTypes.GZIP], ["snappy", CompressionTypes.Snappy], ["lz4", CompressionTypes.LZ4], ["zstd", CompressionTypes.ZSTD]] as const) {
      // One batch per topic-partition with several records, so the codec sees real batches.
      const sent: SentRecord[] = [];
      const told: Told[] = [];
      for (const [topic, partition] of [["apples", undefined], ["apricots", undefined], ["bananas", 2], ["bananas", 4]] as const) {
        const batch = Array.from({ length: 6 }, (_, i) => rec(topic, { partition, value: compressible(`${name}-${i}`, 30), headers: [["codec", Buffer.from(name)]] }));
        batch.push(rec(topic, { partition, key: null, value: null }));
        const [m] = await producer.send({ topic, compression: type, acks: -1, messages: batch.map(toKafkajs) });
        assert.equal(m.errorCode, 0, `${name} ${topic}`);
        // kafkajs reports one base offset per partition: records follow it in order.
        batch.forEach((_, i) => told.push({ partition: m.partition, offset: Number(m.baseOffset) + i }));
        sent.push(...batch);
      }
      await landed(t, sent, told);
    }
  });

  test("kafkajs acks=0: records land and the connection keeps answering", async (t) => {
    const producer = await kafkajsProducer();
    const sent: SentRecord[] = [];
    for (const topic of TOPICS) {
      const batch = [rec(topic, { value: compressible("acks0", 3) }), rec(topic, { key: null })];
      const res = await producer.send({ topic, acks: 0, messages: batch.map(toKafkajs) });
      assert.deepEqual(res, [], "acks=0 gets no answer");
      sent.push(...batch);
    }
    // The same connection still serves acked requests after the unanswered ones.
    const fence = [rec("apples")];
    const fenceTold = await kafkajsSendEach(producer, fence, { acks: -1 });
    await landed(t, fence, fenceTold);
    // Find each acks=0 record in its cluster (no offsets were told): poll until all are there.
    const byId = new Map(sent.map((s) => [s.id, s]));
    const deadline = Date.now() + 20_000;
    let found = new Map<string, ReadRecord & { cluster: string }>();
    for (;;) {
      const nowEnds = await allEndOffsets();
      const window = await readWindow(startEnds, nowEnds);
      found = new Map();
      for (const [cluster, records] of Object.entries(window)) {
        for (const r of records) {
          const id = idOf(r);
          if (id !== null && byId.has(id)) found.set(id, { ...r, cluster });
        }
      }
      if (found.size === sent.length || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const missing = sent.filter((s) => !found.has(s.id)).map((s) => `${s.topic} ${s.id}`);
    assert.deepEqual(missing, [], "acks=0 records not found in any cluster");
    for (const s of sent) {
      const got = found.get(s.id);
      assert.ok(got);
      assert.equal(got.cluster, CLUSTER_OF[s.topic], `${s.id} in the wrong cluster`);
      assert.equal(got.topic, s.topic);
      assert.equal(got.timestamp, s.timestamp);
      assert.deepEqual([got.key, got.value, got.headers], [s.key, s.value, s.headers]);
    }
    remember(sent, sent.map((x) => found.get(x.id)));
  });

  test("kafkajs: a 1 MiB value gets MESSAGE_TOO_LARGE as from the cluster itself; the producer goes on", async (t) => {
    const producer = await kafkajsProducer();
    const big = rec("apples", { value: Buffer.alloc(1048576, 0x61) });
    await assert.rejects(producer.send({ topic: "apples", acks: -1, messages: [toKafkajs(big)] }), (e) => field(e, "type") === "MESSAGE_TOO_LARGE");
    // The same record straight to c1 is refused the same way (the cluster's default limits).
    const direct = new Kafka({ brokers: [ports.clusters[CLUSTER_OF.apples].kafka], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).producer();
    kafkaClients.push(direct);
    await direct.connect();
    await assert.rejects(direct.send({ topic: "apples", acks: -1, messages: [toKafkajs(big)] }), (e) => field(e, "type") === "MESSAGE_TOO_LARGE");
    const next = [rec("apples")];
    const told = await kafkajsSendEach(producer, next);
    await landed(t, next, told);
  });

  test("cherries: kafkajs gets UNKNOWN_TOPIC_OR_PARTITION from Metadata; a raw Produce is refused, the socket stays usable", async () => {
    const producer = await kafkajsProducer({ retry: { retries: 1, initialRetryTime: 100 } });
    await assert.rejects(producer.send({ topic: "cherries", acks: -1, messages: [{ value: "x" }] }),
      // kafkajs retries the Metadata error, then wraps it (`cause`).
      (e) => (field(e, "type") ?? field(field(e, "cause"), "type")) === "UNKNOWN_TOPIC_OR_PARTITION"
        && (field(e, "code") ?? field(field(e, "cause"), "code")) === UNKNOWN_TOPIC_OR_PARTITION);

    const c = await connect(HOST, PORT);
    try {
      const batch = recordBatch([{ key: Buffer.from(`${RUN}/cherries`), value: Buffer.from("never stored"), headers: [["e2e-id", Buffer.from(`${RUN}/cherries`)]] }]);
      // cherries alone, then cherries next to a routed topic in the same request.
      const applesId = `${RUN}/${++seq}`;
      const applesBatch = recordBatch([{ key: Buffer.from(applesId), value: Buffer.from("beside cherries"), headers: [["e2e-id", Buffer.from(applesId)]] }]);
      c.sock.write(produceRequest(7, 501, { acks: -1, topics: [{ name: "cherries", partitions: [{ index: 0, records: batch }] }] }));
      c.sock.write(produceRequest(7, 502, { acks: -1, topics: [
        { name: "cherries", partitions: [{ index: 0, records: batch }] },
        { name: "apples", partitions: [{ index: 0, records: applesBatch }] }] }));
      c.sock.write(apiVersionsRequest(0, 503));
      await waitFor(c, () => c.frames.length >= 3 || c.closed, 30_000, "three answers");
      assert.equal(c.frames.length, 3, `connection closed after ${c.frames.length} answers`);
      const r1 = readProduceResponse(c.frames[0], 7);
      assert.equal(r1.correlationId, 501);
      assert.deepEqual(r1.topics.map((t) => [t.name, t.partitions.map((p) => [p.index, p.errorCode])]), [["cherries", [[0, UNKNOWN_TOPIC_OR_PARTITION]]]]);
      const r2 = readProduceResponse(c.frames[1], 7);
      assert.equal(r2.correlationId, 502);
      const byName = Object.fromEntries(r2.topics.map((t) => [t.name, t.partitions[0]]));
      assert.equal(byName.cherries.errorCode, UNKNOWN_TOPIC_OR_PARTITION);
      assert.equal(byName.apples.errorCode, 0);
      const applesOffset = Number(byName.apples.baseOffset);
      const [got] = await readRanges(CLUSTER_OF.apples, [{ topic: "apples", partition: 0, from: applesOffset, to: applesOffset + 1 }]);
      assert.deepEqual([got.key?.toString(), got.value?.toString()], [applesId, "beside cherries"]);
      expected.set(applesId, { cluster: CLUSTER_OF.apples, topic: "apples", partition: 0, offset: applesOffset });
      const r3 = readApiVersionsResponse(c.frames[2], 0);
      assert.equal(r3.correlationId, 503);
      assert.equal(r3.errorCode, 0);
      assert.ok(r3.apis.some((a) => a.apiKey === ApiKey.ApiVersions));
    } finally {
      c.sock.destroy();
    }
  });

  test(`Kafka Java producer ${KAFKA_VERSION}, defaults (idempotent, acks all, 5 in flight): every shape and 300 pipelined records`, async (t) => {
    const sent = [...shapes("java"), rec("bananas", { value: randomBytes(1048576 - 1024) })];
    for (let i = 0; i < 300; i++) sent.push(rec(TOPICS[i % TOPICS.length], { value: compressible(`java-pipe-${i}`, 1) }));
    // linger.ms=0 and small batches: many Produce requests, up to 5 in flight per connection.
    const told = await javaProduce(sent, { "batch.size": "2048", "linger.ms": "0" });
    await landed(t, sent, told, { ordered: true });
  });

  // Envoy runs several worker VMs; each new connection may land on any of them. Every
  // idempotent producer must get its own id, or a new producer's first batch (same id, epoch 0,
  // sequence 0) is taken for a duplicate of another producer's and answered without being stored.
  test("InitProducerId on 16 connections: 16 distinct producer ids", async () => {
    const ids: bigint[] = [];
    for (let i = 0; i < 16; i++) {
      const res = readInitProducerIdResponse(await roundTrip(HOST, PORT, initProducerIdRequest(1, 700 + i)), 1);
      assert.equal(res.correlationId, 700 + i);
      assert.equal(res.errorCode, 0);
      assert.equal(res.producerEpoch, 0);
      ids.push(res.producerId);
    }
    assert.equal(new Set(ids).size, ids.length, `producer ids handed out more than once: ${ids.join(",")}`);
  });

  test("8 Java idempotent producers one after another, same batch shape: every record stored", async (t) => {
    for (let n = 0; n < 8; n++) {
      const sent = Array.from({ length: 6 }, (_, i) => rec("apricots", { value: compressible(`fresh-producer-${n}-${i}`, 3) }));
      const told = await javaProduce(sent, { "linger.ms": "20" });
      await landed(t, sent, told);
    }
  });

  test("Kafka Java producer: gzip, snappy, lz4, zstd batches land byte-exact", async (t) => {
    for (const codec of ["gzip", "snappy", "lz4", "zstd"]) {
      const sent: SentRecord[] = [];
      for (const [topic, partition] of [["app-something", undefined], ["analogue", undefined], ["bananas", 0], ["bananas", 3]] as const) {
        for (let i = 0; i < 8; i++) sent.push(rec(topic, { partition, value: compressible(`java-${codec}-${i}`, 25), headers: [["codec", Buffer.from(codec)]] }));
        sent.push(rec(topic, { partition, key: null, value: null }));
      }
      const told = await javaProduce(sent, { "compression.type": codec, "linger.ms": "50" });
      await landed(t, sent, told, { ordered: true });
    }
  });

  test(`ProducerPerformance (kafka-tools ${KAFKA_VERSION}): 20000 records to bananas all land in c3`, async () => {
    const N = 20_000;
    const dir = mkdtempSync(join(tmpdir(), "e2e-perf-"));
    try {
      const payloads = join(dir, "payloads.txt");
      writeFileSync(payloads, Array.from({ length: 50 }, (_, i) => `${PERF_PREFIX}${i} ${"x".repeat(60 + i)}`).join("\n"));
      const { stdout } = await run("java", javaArgs("org.apache.kafka.tools.ProducerPerformance",
        "--topic", "bananas", "--num-records", String(N), "--throughput", "-1", "--payload-file", payloads,
        "--producer-props", `bootstrap.servers=${ports.envoy}`, "linger.ms=5"), { timeoutMs: 240_000 });
      assert.match(stdout, new RegExp(`^${N} records sent`, "m"), stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const window = await readWindow(startEnds, await allEndOffsets());
    for (const [cluster, records] of Object.entries(window)) {
      const perf = records.filter((r) => idOf(r) === PERF_PREFIX);
      assert.equal(perf.length, cluster === CLUSTER_OF.bananas ? N : 0, `ProducerPerformance records in ${cluster}`);
      if (cluster === CLUSTER_OF.bananas) assert.ok(perf.every((r) => r.topic === "bananas" && r.key === null));
    }
  });

  test("kcat (librdkafka): keys, headers, explicit partition, every codec; offsets from delivery reports", async (t) => {
    t.diagnostic(`kcat ${await kcatVersion()}`);
    for (const codec of [undefined, "gzip", "snappy", "lz4", "zstd"]) {
      for (const [topic, partition] of [["bananas", 1], ["apricots", 0], ["apples", undefined]] as const) {
        const name = codec ?? "none";
        const records = Array.from({ length: 10 }, (_, i) => ({ key: `${RUN}/${++seq}`, value: `kcat ${name} ${i} ${"lorem ipsum dolor ".repeat(10 + i)}` }));
        const headers: Array<[string, string]> = [["codec", name], ["run", RUN], ["empty", ""]];
        const t0 = Date.now();
        const told = await kcatProduce({ topic, partition, headers, records, codec });
        const t1 = Date.now();
        const sent = records.map((r): SentRecord => ({ id: r.key, topic, partition, key: Buffer.from(r.key), value: Buffer.from(r.value), headers: headers.map(([k, v]): [string, Buffer] => [k, Buffer.from(v)]) }));
        await landed(t, sent, told, { sentBetween: [t0 - 1000, t1 + 1000] });
      }
    }
  });

  test("confluent-kafka (librdkafka): acks all, idempotent, every codec; delivery-report offsets match the cluster", async (t) => {
    const runs: Array<[Record<string, string>, string]> = [
      [{}, "defaults"],
      [{ "enable.idempotence": "true", "max.in.flight.requests.per.connection": "5", "linger.ms": "0", "batch.num.messages": "3" }, "idempotent, pipelined"],
      ...["gzip", "snappy", "lz4", "zstd"].map((c): [Record<string, string>, string] => [{ "compression.codec": c, "linger.ms": "50" }, c]),
    ];
    for (const [conf, what] of runs) {
      const sent: SentRecord[] = what === "defaults" ? [...shapes("confluent"), rec("bananas", { partition: 0, value: randomBytes(1048576 - 1024) })] : [];
      for (let i = 0; i < 30; i++) sent.push(rec(TOPICS[i % TOPICS.length], { value: compressible(`ck-${what}-${i}`, 10), partition: i % 10 === 4 ? 2 : undefined }));
      const { told, versions } = await confluentProduce(sent, { "message.max.bytes": "2000000", ...conf });
      if (what === "defaults") t.diagnostic(`confluent-kafka ${versions[0]}, librdkafka ${versions[1]}`);
      await landed(t, sent, told, { ordered: conf["enable.idempotence"] === "true" });
    }
  });
});

// Kafka answers one base offset per partition of a Produce request; the client numbers the
// batch's records from it. Concurrent requests to one partition must not have their records
// interleaved upstream (one bridge call per topic in flight, one call appended back to back).
test(`${D} concurrent batches to one partition: every record at base offset + index`, async () => {
  // Two connections, 20 batches of 10 records each at once; a few rounds, as the interleaving
  // depends on timing.
  const producers = [await kafkajsProducer(), await kafkajsProducer()];
  const displaced: Landed["displaced"] = [];
  for (let round = 0; round < 4 && displaced.length === 0; round++) {
    const batches = Array.from({ length: 20 }, (_, b) => Array.from({ length: 10 }, (_, i) => rec("bananas", { partition: 0, value: compressible(`interleave-${b}-${i}`, 2) })));
    const answers = await Promise.all(batches.map((batch, b) => producers[b % 2].send({ topic: "bananas", acks: -1, messages: batch.map(toKafkajs) })));
    const told = answers.flatMap(([m], b) => batches[b].map((_, i) => ({ partition: m.partition, offset: Number(m.baseOffset) + i })));
    const sent = batches.flat();
    const res = await assertLanded(sent, told, { strict: false });
    remember(sent, res.records);
    displaced.push(...res.displaced);
  }
  assert.deepEqual(displaced.slice(0, 5), [], `${displaced.length} of the records are not at base offset + index`);
});

// Kafka appends an idempotent producer's batches to a partition in sequence order. Here a
// batch holding one large record, then small ones right behind it to the same partition: the
// small ones must not overtake it.
test(`${D} Java idempotent producer, 5 in flight: records to one partition stored in send order`, async () => {
  const reordered: Landed["reordered"] = [];
  for (let round = 0; round < 3 && reordered.length === 0; round++) {
    const sent = [rec("bananas", { partition: 1, value: randomBytes(900_000) })];
    for (let i = 0; i < 20; i++) sent.push(rec("bananas", { partition: 1, value: compressible(`order-${round}-${i}`, 1) }));
    const told = await javaProduce(sent, { "linger.ms": "0", "batch.size": "1024" });
    const res = await assertLanded(sent, told, { ordered: true, strict: false });
    remember(sent, res.records);
    reordered.push(...res.reordered);
  }
  assert.deepEqual(reordered.map((r) => r.what).slice(0, 3), []);
});

test(`${D} every record of this run is in exactly one cluster, once, where the client was told`, async () => {
  const window = await readWindow(startEnds, await allEndOffsets());
  const seen = new Map<string, Array<{ cluster: string; topic: string; partition: number; offset: number }>>();
  for (const [cluster, records] of Object.entries(window)) {
    for (const r of records) {
      const id = idOf(r);
      if (id === null || id === PERF_PREFIX) continue;
      if (!id.startsWith(`${RUN}/`)) continue;
      let places = seen.get(id);
      if (!places) seen.set(id, (places = []));
      places.push({ cluster, topic: r.topic, partition: r.partition, offset: r.offset });
    }
  }
  const problems: string[] = [];
  for (const [id, places] of seen) {
    const want = expected.get(id);
    if (!want) { problems.push(`${id}: never to be stored, yet found at ${JSON.stringify(places)}`); continue; }
    if (places.length !== 1) { problems.push(`${id}: found ${places.length} times: ${JSON.stringify(places)}`); continue; }
    const [got] = places;
    if (got.cluster !== want.cluster || got.topic !== want.topic) problems.push(`${id}: in ${got.cluster}/${got.topic}, expected ${want.cluster}/${want.topic}`);
    if (want.offset !== undefined && (got.partition !== want.partition || got.offset !== want.offset)) {
      problems.push(`${id}: at ${got.partition}:${got.offset}, told ${want.partition}:${want.offset}`);
    }
  }
  // Records whose place a check confirmed must still be there (others may not have been sent,
  // when a check failed before sending them).
  for (const [id, want] of expected) if (!seen.has(id) && want.offset !== undefined) problems.push(`${id}: not found in any cluster`);
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems`);
  assert.ok(expected.size > 500, `only ${expected.size} records checked`);
});
