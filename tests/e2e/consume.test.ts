// Consumers end to end: real clients (kcat, confluent-kafka, Kafka's Java consumer, kafkajs,
// kafka-console-consumer and kafka-consumer-groups from kafka-tools) read through a bootstrap
// address, and what they read is compared byte for byte with what the clusters hold, read
// straight from each cluster with Kafka's Java consumer (clients.ts readRanges): topic,
// partition, offset, timestamp, timestamp type, key, value, headers.
//
// The bootstrap under test: CONSUME_BOOTSTRAP (host:port), default the Envoy of the dialect
// being run (tests/e2e/dialects.ts sets E2E_ENVOY). CONSUME_BOOTSTRAP=direct points every client
// at the cluster of the topics it reads (this proves the harness against Kafka itself; a client
// reading topics of three clusters is then one client per cluster).
//
// Every test writes fresh records to topics of its own, created straight on the clusters for
// this run (names the reference forwarding rules route: apples-* -> c1, avocado-* -> c2,
// berries-* -> c3, with the partition counts the mesh presents: 1, 1, 5); the topics are
// deleted at the end (E2E_KEEP_TOPICS=1 keeps them).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ApiKey, listOffsetsRequest, readListOffsetsResponse, roundTrip } from "../lib/kafka/index.ts";
import { after, before, describe, test } from "node:test";
import kafkajs, { type Admin } from "kafkajs";
import { assertSameContent, javaProduce, specLines, KAFKA_VERSION, kcatVersion, type ReadRecord, readRanges, run, type SentRecord, javaArgs } from "./clients.ts";
import {
  assertSameRecords, CONSOLE_CONSUMER, confluentConsume, describeGroup, envoyStats, javaConsume, javaMember, kafkaTool, kcatConsume,
  memberAssignment, memberCommitted, type Op,
} from "./consumers.ts";
import { stackPorts } from "./stack-ports.ts";

const { Kafka, logLevel } = kafkajs;

const ports = stackPorts();
const TARGET = process.env.CONSUME_BOOTSTRAP?.trim() || ports.envoy;
const DIRECT = TARGET === "direct";
const D = `[${ports.dialect}]`;
// The strimzi dialect serves no consumers by design (docs/consumers.md, "Strimzi dialect"): its
// Envoy answers UNSUPPORTED_VERSION for their partitions, which is what its run checks.
const STRIMZI = !process.env.CONSUME_BOOTSTRAP?.trim() && ports.dialect === "strimzi";
const suite = (STRIMZI ? () => undefined : describe) as typeof describe;
const VIA = DIRECT ? "each cluster directly" : TARGET;
/** Where a client reading topics of `cluster` connects. */
const via = (cluster: string) => (DIRECT ? ports.clusters[cluster].kafka : TARGET);

const RUN = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
const TOPIC = {
  c1: `apples-consume-${RUN}`,
  c2: `avocado-consume-${RUN}`,
  c3: `berries-consume-${RUN}`,
  compact: `apples-compact-${RUN}`,
  ahead: `apples-ahead-${RUN}`,
  txn: `berries-txn-${RUN}`,
  range: `avocado-range-${RUN}`,
  group: `berries-group-${RUN}`,
  groupC1: `apples-group-${RUN}`,
};
/** The cluster of each topic of the run, by the reference rules (app -> c1, a -> c2, b -> c3). */
const clusterOf = (topic: string) => (topic.startsWith("app") ? "c1" : topic.startsWith("a") ? "c2" : "c3");
const partitionsOf = (topic: string) => ports.clusters[clusterOf(topic)].partitions;
const tpsOf = (topic: string) => Array.from({ length: partitionsOf(topic) }, (_, p) => `${topic}:${p}`);


const admins: Record<string, Admin> = {};
const kafkajsClients: Array<{ disconnect(): Promise<void> }> = [];
/** What each topic held when its test filled it, read straight from its cluster. */
const truth = new Map<string, ReadRecord[]>();

let seq = 0;
// Timestamps a little in the past, distinct per record (offsetsForTimes finds them).
const T0 = Date.now() - 10 * 60_000;
const ts = () => T0 + seq * 7;

interface RecOptions { partition?: number; key?: Buffer | null; value?: Buffer | null; headers?: Array<[string, Buffer]>; timestamp?: number }
function rec(topic: string, { partition, key, value, headers = [], timestamp }: RecOptions = {}): SentRecord {
  const id = `${RUN}/${++seq}`;
  return {
    id, topic, partition, timestamp: timestamp ?? ts(),
    key: key === undefined ? Buffer.from(`key-${seq}`) : key,
    value: value === undefined ? Buffer.concat([Buffer.from(`${id} `), randomBytes(20)]) : value,
    headers: [["e2e-id", Buffer.from(id)], ...headers],
  };
}
const compressible = (id: string, n: number) => Buffer.from(`${id} ` + `the quick brown fox ${id} jumps over the lazy dog; `.repeat(n));

/** Where the Java producer was told each written record is, by record id. */
const toldAt = new Map<string, { sent: SentRecord; partition: number; offset: number }>();

/** Writes records straight to their topics' clusters with Kafka's Java producer (one per cluster, at once). */
async function write(records: SentRecord[], props: Record<string, string> = {}): Promise<void> {
  const byCluster = new Map<string, SentRecord[]>();
  for (const r of records) byCluster.set(clusterOf(r.topic), [...(byCluster.get(clusterOf(r.topic)) ?? []), r]);
  await Promise.all([...byCluster].map(async ([c, rs]) => {
    const told = await javaProduce(rs, { "linger.ms": "20", ...props }, ports.clusters[c].kafka);
    told.forEach((t, i) => {
      assert.ok(t.error === undefined, `writing ${rs[i].id} to ${rs[i].topic}: ${t.error}`);
      toldAt.set(rs[i].id, { sent: rs[i], partition: t.partition, offset: t.offset });
    });
  }));
}

/** Every record written to `topic` is in what its cluster holds, where the producer was told. */
function assertWritten(topic: string, held: readonly ReadRecord[], logStart = 0): void {
  const at = new Map(held.map((r) => [`${r.partition}:${r.offset}`, r]));
  let n = 0;
  for (const { sent, partition, offset } of toldAt.values()) {
    if (sent.topic !== topic || offset < logStart) continue;
    const got = at.get(`${partition}:${offset}`);
    assert.ok(got, `${sent.id}: nothing at ${topic}:${partition}:${offset}`);
    assertSameContent(got, sent, `${sent.id} written straight to ${clusterOf(topic)}`);
    n++;
  }
  assert.ok(n > 0, `nothing was written to ${topic}`);
}

/** Every record of the topic's partitions straight from its cluster (from the log start to the end). */
async function clusterHolds(topic: string, from: Record<number, number> = {}): Promise<ReadRecord[]> {
  const records = await readRanges(clusterOf(topic), tpsOf(topic).map((_, p) => ({ topic, partition: p, from: from[p] ?? 0, to: -1 })));
  truth.set(topic, records);
  return records;
}

/** End offsets ("topic:p" -> offset) straight from the cluster. */
async function clusterEnds(topic: string): Promise<Record<string, number>> {
  const offs = await admins[clusterOf(topic)].fetchTopicOffsets(topic);
  return Object.fromEntries(offs.map((o) => [`${topic}:${o.partition}`, Number(o.high)]));
}
async function clusterStarts(topic: string): Promise<Record<string, number>> {
  const offs = await admins[clusterOf(topic)].fetchTopicOffsets(topic);
  return Object.fromEntries(offs.map((o) => [`${topic}:${o.partition}`, Number(o.low)]));
}

/** Groups topics by the address a client reading them connects to (one group unless direct). */
function byBootstrap(topics: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const t of topics) m.set(via(clusterOf(t)), [...(m.get(via(clusterOf(t))) ?? []), t]);
  return m;
}

const records = (topics: string[]) => topics.flatMap((t) => truth.get(t) ?? []);

before(async () => {
  for (const [name, c] of Object.entries(ports.clusters)) {
    const a = new Kafka({ clientId: `e2e-consume-admin-${RUN}`, brokers: [c.kafka], logLevel: logLevel.NOTHING }).admin();
    await a.connect();
    admins[name] = a;
  }
  const create = async (topic: string, configEntries: Array<{ name: string; value: string }> = []) => {
    const ok = await admins[clusterOf(topic)].createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitionsOf(topic), replicationFactor: 1, configEntries }] });
    assert.ok(ok, `${topic} already exists`);
  };
  await create(TOPIC.c1);
  await create(TOPIC.c2);
  await create(TOPIC.c3);
  await create(TOPIC.range);
  await create(TOPIC.ahead);
  await create(TOPIC.txn);
  await create(TOPIC.group);
  await create(TOPIC.groupC1);
  // Compaction as soon as the cleaner looks (it wakes every 15 s, log.cleaner.backoff.ms): a
  // segment rolls on the first append 100 ms after the segment's first record, any dirty ratio.
  await create(TOPIC.compact, [
    { name: "cleanup.policy", value: "compact" }, { name: "segment.ms", value: "100" },
    { name: "min.cleanable.dirty.ratio", value: "0.001" }, { name: "min.compaction.lag.ms", value: "0" },
    { name: "delete.retention.ms", value: "86400000" },
  ]);
});

after(async () => {
  await Promise.all(kafkajsClients.map((c) => c.disconnect().catch(() => {})));
  if (process.env.E2E_KEEP_TOPICS !== "1") {
    for (const topics of Object.values(Object.values(TOPIC).reduce<Record<string, string[]>>((m, t) => { (m[clusterOf(t)] ??= []).push(t); return m; }, {}))) {
      await admins[clusterOf(topics[0])].deleteTopics({ topics, timeout: 30_000 }).catch((e: unknown) => console.error(`deleting ${topics.join(",")}: ${String(e)}`));
    }
  }
  await Promise.all(Object.values(admins).map((a) => a.disconnect().catch(() => {})));
});

suite(`${D} consumers via ${VIA}: what they read is what the clusters hold`, { concurrency: 1 }, () => {
  const three = [TOPIC.c1, TOPIC.c2, TOPIC.c3];
  const endsOf = (topics: string[]) => Object.fromEntries(topics.flatMap(tpsOf).map((tp) => {
    const [t, p] = [tp.slice(0, tp.lastIndexOf(":")), Number(tp.slice(tp.lastIndexOf(":") + 1))];
    const rs = (truth.get(t) ?? []).filter((r) => r.partition === p);
    return [tp, rs.length ? rs[rs.length - 1].offset + 1 : 0];
  }));

  test("fill: null keys and values, 100 headers, ~1 MiB records, every codec, to topics of the three clusters", async () => {
    for (const codec of ["none", "gzip", "snappy", "lz4", "zstd"]) {
      const batch: SentRecord[] = [];
      for (const [topic, partition] of [[TOPIC.c1, 0], [TOPIC.c2, 0], ...tpsOf(TOPIC.c3).map((_, p) => [TOPIC.c3, p])] as Array<[string, number]>) {
        for (let i = 0; i < 4; i++) batch.push(rec(topic, { partition, value: compressible(`${codec}-${i}`, 12), headers: [["codec", Buffer.from(codec)]] }));
        batch.push(rec(topic, { partition, key: null }));
        batch.push(rec(topic, { partition, value: null }));
        batch.push(rec(topic, { partition, key: null, value: null }));
        batch.push(rec(topic, { partition, key: Buffer.alloc(0), value: Buffer.alloc(0) }));
        batch.push(rec(topic, { partition, key: randomBytes(40), value: randomBytes(300) }));
        batch.push(rec(topic, { partition, headers: Array.from({ length: 99 }, (_, i): [string, Buffer] => [`h${i}`, randomBytes(i % 7)]) }));
        batch.push(rec(topic, { partition, headers: [["dup", Buffer.from("1")], ["dup", Buffer.alloc(0)], ["ünï", Buffer.from("ü")]] }));
      }
      await write(batch, { "compression.type": codec, "linger.ms": "50" });
    }
    // ~1 MiB records (the clusters' message.max.bytes is Kafka's default, 1 MiB + 12 B).
    await write([rec(TOPIC.c1, { value: randomBytes(1048576 - 1024) }), rec(TOPIC.c2, { value: randomBytes(1048576 - 1024) }),
      rec(TOPIC.c3, { partition: 0, value: randomBytes(1048576 - 1024) }), rec(TOPIC.c3, { partition: 3, value: randomBytes(1048576 - 1024) })]);
    await write(tpsOf(TOPIC.c3).map((_, p) => rec(TOPIC.c3, { partition: p, value: compressible(`tail-${p}`, 3) })), { "compression.type": "zstd" });
    for (const t of three) {
      const rs = await clusterHolds(t);
      assertWritten(t, rs);
      assert.equal(rs.length, [...toldAt.values()].filter((x) => x.sent.topic === t).length, `${t}: records in the cluster`);
    }
  });

  test(`Kafka Java consumer ${KAFKA_VERSION}, no group: assign, seekToBeginning, endOffsets; one consumer for three clusters`, async () => {
    for (const [boot, topics] of byBootstrap(three)) {
      const tps = topics.flatMap(tpsOf);
      const ends = endsOf(topics);
      const res = await javaConsume(boot, {}, [
        { op: "assign", tps }, { op: "endOffsets", tps }, { op: "beginningOffsets", tps }, { op: "seekToBeginning" },
        { op: "read", until: ends, ms: 60_000 }, { op: "position", tps },
      ]);
      assertSameRecords(res.records, records(topics), `E2eConsumer via ${boot}`);
      const op = (name: string) => res.ops.find((o) => o.op === name)?.offsets;
      assert.deepEqual(op("endOffsets"), ends, "endOffsets");
      assert.deepEqual(op("beginningOffsets"), Object.fromEntries(tps.map((tp) => [tp, 0])), "beginningOffsets");
      assert.deepEqual(op("position"), ends, "positions after reading everything");
    }
  });

  test("the filter's read-ahead answers the Fetches of a Java consumer reading on (one batch per Fetch, records identical)", { skip: DIRECT && "no Envoy" }, async (t) => {
    const topic = TOPIC.ahead;
    const tp = `${topic}:0`;
    // 40 batches of one 8 KB record each; the consumer takes 16 KiB per Fetch: one or two batches,
    // each answer with more behind it.
    await write(Array.from({ length: 40 }, () => rec(topic, { partition: 0, value: randomBytes(8000) })), { "batch.size": "1", "linger.ms": "0" });
    const held = await clusterHolds(topic);
    assert.equal(held.length, 40, "records in the cluster");
    const stats = async () => envoyStats(ports.admin, "kafka_mesh\\.(fetch_read_ahead(s|_hits|s_unused)|requests\\.Fetch)$");
    const before = await stats();
    const res = await javaConsume(TARGET, { "max.partition.fetch.bytes": "16384" }, [{ op: "assign", tps: [tp] }, { op: "seekToBeginning" }, { op: "read", until: { [tp]: 40 }, ms: 60_000 }]);
    assertSameRecords(res.records, held, "Java with read-ahead");
    const after = await stats();
    const delta = (k: string) => (after.get(`wasmcustom.kafka_mesh.${k}`) ?? 0) - (before.get(`wasmcustom.kafka_mesh.${k}`) ?? 0);
    t.diagnostic(`Fetches ${delta("requests.Fetch")}, read-aheads ${delta("fetch_read_aheads")}, hits ${delta("fetch_read_ahead_hits")}, unused ${delta("fetch_read_aheads_unused")}`);
    // At least 20 Fetches carried records, all but the first could be read ahead.
    assert.ok(delta("fetch_read_ahead_hits") >= 10, "Fetches answered from the filter's read-ahead");
    assert.ok(delta("fetch_read_ahead_hits") < delta("requests.Fetch"), "hits are Fetches of the client, the first was not read ahead");
  });

  test("kcat -C -o beginning -e: every record, stops exactly at the end", async (t) => {
    t.diagnostic(`kcat ${await kcatVersion()}`);
    for (const topic of three) {
      const { records: got, stderr } = await kcatConsume(via(clusterOf(topic)), ["-t", topic, "-o", "beginning", "-e", "-X", "fetch.message.max.bytes=8388608"]);
      assertSameRecords(got, truth.get(topic) ?? [], `kcat ${topic}`);
      for (const tp of tpsOf(topic)) {
        const p = tp.slice(tp.lastIndexOf(":") + 1);
        assert.match(stderr, new RegExp(`Reached end of topic ${topic} \\[${p}\\] at offset ${endsOf([topic])[tp]}\\b`), `kcat's end of ${tp}`);
      }
    }
  });

  test("confluent-kafka (librdkafka), no group: assign at the beginning, watermarks; one consumer for three clusters", async (t) => {
    for (const [boot, topics] of byBootstrap(three)) {
      const tps = topics.flatMap(tpsOf);
      const ends = endsOf(topics);
      const res = await confluentConsume(boot, {}, [
        { op: "assign", tps, offsets: Object.fromEntries(tps.map((tp) => [tp, -2])) }, // OFFSET_BEGINNING
        { op: "read", until: ends, ms: 60_000 }, { op: "watermarks", tps },
      ]);
      t.diagnostic(`confluent-kafka ${res.versions.join(", librdkafka ")}`);
      assertSameRecords(res.records, records(topics), `confluent-kafka via ${boot}`);
      assert.deepEqual(res.ops.find((o) => o.op === "watermarks")?.offsets, Object.fromEntries(tps.map((tp) => [tp, [0, ends[tp]]])), "watermarks");
    }
  });

  test("seek backwards and forwards, offsetsForTimes (Java); seek back and forth (confluent-kafka)", async () => {
    const tp = `${TOPIC.c3}:2`;
    const held = (truth.get(TOPIC.c3) ?? []).filter((r) => r.partition === 2);
    const end = held.length;
    assert.ok(end > 30);
    const at = (o: number) => held.filter((r) => r.offset >= o);
    const boot = via("c3");
    // Each read step runs from a seek to a target offset; the consumer may hand out records beyond it.
    const steps: Array<[from: number, to: number]> = [[20, 25], [3, 6], [end - 2, end], [0, 2], [30, 31]];
    const ops: Op[] = [{ op: "assign", tps: [tp] }];
    for (const [from, to] of steps) ops.push({ op: "seek", tp, offset: from }, { op: "read", until: { [tp]: to } }, { op: "position", tps: [tp] });
    const probe = held[17];
    ops.push({ op: "offsetsForTimes", times: { [tp]: probe.timestamp, [`${TOPIC.c3}:0`]: Date.now() + 3_600_000 } });
    for (const [name, client] of [["Java", javaConsume], ["confluent-kafka", confluentConsume]] as const) {
      const script = name === "Java" ? ops : ops.filter((o) => o.op !== "offsetsForTimes").map((o) => o.op === "assign" ? { ...o, offsets: { [tp]: 0 } } : o);
      const res = await client(boot, {}, script);
      // The records are cut into runs at every jump back or ahead; run i starts at steps[i][0].
      const runs: ReadRecord[][] = [];
      let prev = -1;
      for (const r of res.records) {
        if (r.offset !== prev + 1 || runs.length === 0) runs.push([]);
        runs[runs.length - 1].push(r);
        prev = r.offset;
      }
      assert.equal(runs.length, steps.length, `${name}: ${runs.length} runs of offsets (${runs.map((r) => `${r[0].offset}-${r[r.length - 1].offset}`).join(", ")}), expected ${steps.length}`);
      runs.forEach((got, i) => {
        const [from, to] = steps[i];
        assert.ok(got[got.length - 1].offset >= to - 1, `${name}: step ${i} read up to ${got[got.length - 1].offset}, wanted ${to - 1}`);
        assertSameRecords(got, at(from).slice(0, got.length), `${name}: after seek to ${from}`);
      });
      if (name === "Java") {
        const fft = res.ops.find((o) => o.op === "offsetsForTimes")?.offsets;
        assert.deepEqual(fft, { [tp]: { offset: probe.offset, timestamp: probe.timestamp }, [`${TOPIC.c3}:0`]: null }, "offsetsForTimes");
      }
    }
  });
});

suite(`${D} consumers via ${VIA}: reset policy, compacted and transactional topics`, { concurrency: 1 }, () => {
  test("an out-of-range offset falls back to the reset policy: earliest (the log start after deleted records) and latest", async () => {
    const topic = TOPIC.range;
    const tp = `${topic}:0`;
    await write(Array.from({ length: 20 }, (_, i) => rec(topic, { partition: 0, value: compressible(`range-${i}`, 2) })));
    const { stdout } = await run("java", javaArgs("E2eAdmin", "deleteRecords", ports.clusters[clusterOf(topic)].kafka, `${tp}:5`));
    assert.deepEqual(JSON.parse(stdout.trim()), { [tp]: 5 }, "low watermark after deleteRecords");
    assert.deepEqual(await clusterStarts(topic), { [tp]: 5 }, "log start after deleting records");
    const held = await clusterHolds(topic, { 0: 5 });
    assertWritten(topic, held, 5);
    assert.equal(held.length, 15);
    const boot = via(clusterOf(topic));
    // Java: below the log start and past the end, each policy.
    for (const [seekTo, policy] of [[2, "earliest"], [1000, "earliest"], [2, "latest"], [1000, "latest"]] as const) {
      const what = `Java, seek ${seekTo}, auto.offset.reset=${policy}`;
      const res = await javaConsume(boot, { "auto.offset.reset": policy }, [
        { op: "assign", tps: [tp] }, { op: "seek", tp, offset: seekTo },
        ...(policy === "earliest" ? [{ op: "read", until: { [tp]: 20 }, exact: true }] : [{ op: "awaitPosition", tp, offset: 20 }, { op: "poll", ms: 500 }]),
      ]);
      assertSameRecords(res.records, policy === "earliest" ? held : [], what);
    }
    // confluent-kafka: the same four.
    for (const [seekTo, policy] of [[2, "earliest"], [1000, "earliest"], [2, "latest"], [1000, "latest"]] as const) {
      const what = `confluent-kafka, assign at ${seekTo}, auto.offset.reset=${policy}`;
      const res = await confluentConsume(boot, { "auto.offset.reset": policy }, [
        { op: "assign", tps: [tp], offsets: { [tp]: seekTo } },
        policy === "earliest" ? { op: "read", until: { [tp]: 20 } } : { op: "awaitEof", tp },
      ]);
      assertSameRecords(res.records, policy === "earliest" ? held : [], what);
      if (policy === "latest") assert.equal(res.ops.find((o) => o.op === "awaitEof")?.offset, 20, `${what}: end reached at`);
    }
    // kcat: an absolute offset out of range, each policy; -e ends at the end.
    for (const [seekTo, policy] of [[2, "earliest"], [1000, "latest"]] as const) {
      const { records: got, stderr } = await kcatConsume(boot, ["-t", topic, "-p", "0", "-o", String(seekTo), "-e", "-X", `auto.offset.reset=${policy}`]);
      assertSameRecords(got, policy === "earliest" ? held : [], `kcat -o ${seekTo}, auto.offset.reset=${policy}`);
      assert.match(stderr, new RegExp(`Reached end of topic ${topic} \\[0\\] at offset 20\\b`));
    }
  });

  test("a compacted topic with offset gaps, read from the beginning (Java, confluent-kafka, kcat)", async () => {
    const topic = TOPIC.compact;
    const tp = `${topic}:0`;
    // Four rounds over the same 10 keys, each round its own producer and, as a segment rolls
    // when a record's timestamp is segment.ms (100) past the segment's first, its own segment
    // (records stamped now: a producer starts in more than 100 ms); one key deleted.
    const keys = Array.from({ length: 10 }, (_, k) => Buffer.from(`${RUN}-key-${k}`));
    const rounds = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 1, 2, 3, 4, 5], [3, 7], [0, 1]];
    for (const [round, ks] of rounds.entries()) {
      await write(ks.map((k) => rec(topic, { partition: 0, key: keys[k], timestamp: Date.now(), value: round === 2 && k === 7 ? null : compressible(`compact-${round}-${k}`, 2) })),
        { "compression.type": round % 2 ? "lz4" : "none" });
    }
    // One more record rolls the last round's segment, so every round is cleanable.
    await write([rec(topic, { partition: 0, key: Buffer.from(`${RUN}-roll`), timestamp: Date.now() })]);
    // The cleaner wakes every 15 s: wait (bounded) until every key is left once before the last record.
    const deadline = Date.now() + 120_000;
    let held: ReadRecord[] = [];
    for (;;) {
      held = await clusterHolds(topic);
      const before = held.slice(0, -1);
      if (before.length === keys.length && new Set(before.map((r) => r.key?.toString("hex"))).size === keys.length) break;
      assert.ok(Date.now() < deadline, `the log cleaner did not compact ${topic} within 120 s (${held.length} records)`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    // Left: keys 6, 8, 9 of round 0 (offsets 6, 8, 9), 2, 4, 5 of round 1 (12, 14, 15), round 2
    // (16, 17: 7 deleted), round 3 (18, 19), the last record (20).
    assert.deepEqual(held.map((r) => r.offset), [6, 8, 9, 12, 14, 15, 16, 17, 18, 19, 20], "offsets left by compaction");
    assert.ok(held.some((r, i) => i > 0 && r.offset !== held[i - 1].offset + 1), "offset gaps");
    assert.equal(held.filter((r) => r.value === null).length, 1, "the tombstone is kept");
    const boot = via(clusterOf(topic));
    const java = await javaConsume(boot, {}, [{ op: "assign", tps: [tp] }, { op: "seekToBeginning" }, { op: "read", until: { [tp]: 21 } }, { op: "position", tps: [tp] }]);
    assertSameRecords(java.records, held, "Java");
    const ck = await confluentConsume(boot, {}, [{ op: "assign", tps: [tp], offsets: { [tp]: -2 } }, { op: "read", until: { [tp]: 21 } }]);
    assertSameRecords(ck.records, held, "confluent-kafka");
    const kc = await kcatConsume(boot, ["-t", topic, "-o", "beginning", "-e"]);
    assertSameRecords(kc.records, held, "kcat");
    assert.match(kc.stderr, new RegExp(`Reached end of topic ${topic} \\[0\\] at offset 21\\b`));
  });

  test("a transactional topic (Java transactional producer, straight to the cluster): read_committed and read_uncommitted", async () => {
    const topic = TOPIC.txn;
    const txns = (["commit", "abort", "commit", "abort", "commit"] as const).map((end, n) => ({
      end, records: tpsOf(topic).flatMap((_, p) => [rec(topic, { partition: p, value: compressible(`txn-${n}-${end}`, 2) }), rec(topic, { partition: p, key: null })]),
    }));
    const lines = txns.map((t) => JSON.stringify({ end: t.end, records: JSON.parse(`[${specLines(t.records).trim().split("\n").join(",")}]`) as unknown })).join("\n") + "\n";
    const { stdout } = await run("java", javaArgs("E2eTransactions", ports.clusters[clusterOf(topic)].kafka, `e2e-txn-${RUN}`), { input: lines });
    assert.equal(stdout.trim().split("\n").length, txns.length, stdout);
    const ends = await clusterEnds(topic);
    const all = await clusterHolds(topic);
    const aborted = new Set(txns.filter((t) => t.end === "abort").flatMap((t) => t.records.map((r) => r.id)));
    const idOf = (r: ReadRecord) => r.headers.find(([k]) => k === "e2e-id")?.[1]?.toString() ?? "";
    assert.equal(all.length, txns.length * 10, "data records in the cluster (read_uncommitted)");
    assert.equal(all.filter((r) => aborted.has(idOf(r))).length, 20);
    const committed = all.filter((r) => !aborted.has(idOf(r)));
    // Every transaction ends in a control record: the end offset is past the last data record.
    for (const tp of tpsOf(topic)) assert.equal(ends[tp], 5 * 3, `${tp}: end offset (10 data + 5 markers)`);
    const boot = via(clusterOf(topic));
    const tps = tpsOf(topic);
    for (const level of ["read_committed", "read_uncommitted"]) {
      const want = level === "read_committed" ? committed : all;
      const java = await javaConsume(boot, { "isolation.level": level }, [{ op: "assign", tps }, { op: "seekToBeginning" }, { op: "read", until: ends }]);
      assertSameRecords(java.records, want, `Java ${level}`);
      const ck = await confluentConsume(boot, { "isolation.level": level }, [{ op: "assign", tps, offsets: Object.fromEntries(tps.map((tp) => [tp, -2])) }, { op: "read", until: ends }]);
      assertSameRecords(ck.records, want, `confluent-kafka ${level}`);
      const kc = await kcatConsume(boot, ["-t", topic, "-o", "beginning", "-e", "-X", `isolation.level=${level}`]);
      assertSameRecords(kc.records, want, `kcat ${level}`);
      for (const tp of tps) assert.match(kc.stderr, new RegExp(`Reached end of topic ${topic} \\[${tp.split(":").pop()}\\] at offset ${ends[tp]}\\b`), `kcat ${level}: end of ${tp}`);
    }
  });
});

suite(`${D} consumer groups via ${VIA}`, { concurrency: 1 }, () => {
  const text = (topic: string, n: number, tag: string, partition?: number) =>
    Array.from({ length: n }, (_, i) => rec(topic, { partition: partition ?? i % partitionsOf(topic), key: Buffer.from(`${tag}-k${i}`), value: Buffer.from(`${tag} value ${i}`) }));
  /** Records of `topic` the cluster holds from the offsets in `from` ("topic:p" -> offset) on. */
  const heldFrom = async (topic: string, from: Record<string, number>) =>
    (await clusterHolds(topic)).filter((r) => r.offset >= (from[`${r.topic}:${r.partition}`] ?? 0));
  const sortByPlace = (rs: ReadRecord[]) => [...rs].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  const member = { "auto.offset.reset": "earliest", "session.timeout.ms": "6000", "heartbeat.interval.ms": "500", "max.poll.records": "7" };

  test("two Java members share a group (disjoint, complete assignment); one SIGKILLed, the other resumes at its commits; the group restarted (kafkajs) resumes at committed offsets", async (t) => {
    const topic = TOPIC.group;
    const group = `e2e-members-${RUN}`;
    const boot = via(clusterOf(topic));
    const all = new Set(tpsOf(topic));
    const a = javaMember(boot, { ...member, "group.id": group, "client.id": "member-a" }, [topic], "member A");
    const b = javaMember(boot, { ...member, "group.id": group, "client.id": "member-b" }, [topic], "member B");
    try {
      const split = () => {
        const [sa, sb] = [memberAssignment(a), memberAssignment(b)];
        return sa.size > 0 && sb.size > 0 && sa.size + sb.size === all.size && [...sa, ...sb].every((x) => all.has(x)) && [...sa].every((x) => !sb.has(x));
      };
      await Promise.all([a.waitFor(split, 60_000, "a disjoint, complete assignment"), b.waitFor(split, 60_000, "a disjoint, complete assignment")]);
      t.diagnostic(`A holds ${[...memberAssignment(a)].join(" ")}; B holds ${[...memberAssignment(b)].join(" ")}`);
      await write(text(topic, 40, "g1"));
      const ends1 = await clusterEnds(topic);
      const batch1 = await clusterHolds(topic);
      const committedAll = (ends: Record<string, number>) => () => {
        const c = new Map([...memberCommitted(a), ...memberCommitted(b)]);
        return Object.entries(ends).every(([tp, e]) => c.get(tp) === e);
      };
      await a.waitFor(committedAll(ends1), 60_000, "commits of every record");
      assertSameRecords(sortByPlace([...a.records, ...b.records]), batch1, "the two members together");
      for (const [m, name] of [[a, "A"], [b, "B"]] as const) {
        const mine = memberAssignment(m);
        assert.ok(m.records.every((r) => mine.has(`${r.topic}:${r.partition}`)), `member ${name} read only its own partitions`);
      }
      const aParts = [...memberAssignment(a)];
      const aCommitted = memberCommitted(a);
      a.kill("SIGKILL");
      const bBefore = b.records.length;
      await write(text(topic, 40, "g2"));
      const ends2 = await clusterEnds(topic);
      // B takes A's partitions once the coordinator drops A (session timeout, 6 s) and reads on from A's commits.
      await b.waitFor(() => memberAssignment(b).size === all.size && committedAll(ends2)(), 90_000, "all partitions and commits of every record");
      const after = b.records.slice(bBefore);
      assertSameRecords(sortByPlace(after), await heldFrom(topic, ends1), "B after A was killed");
      for (const tp of aParts) {
        const first = after.find((r) => `${r.topic}:${r.partition}` === tp);
        assert.equal(first?.offset, aCommitted.get(tp), `B's first record of ${tp} is at A's last commit`);
      }
      await b.close();
    } finally {
      a.kill("SIGKILL");
      b.kill("SIGKILL");
    }
    // The group restarted: a kafkajs member of the same group starts at the committed offsets.
    const committed = await clusterEnds(topic);
    await write(text(topic, 20, "g3"));
    const ends3 = await clusterEnds(topic);
    const want = await heldFrom(topic, committed);
    for (const [kboot, topics] of byBootstrap([topic])) {
      const consumer = new Kafka({ clientId: `e2e-kafkajs-${RUN}`, brokers: [kboot], logLevel: logLevel.NOTHING }).consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 500 });
      kafkajsClients.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      const got: ReadRecord[] = [];
      const done = new Promise<void>((resolve) => {
        void consumer.run({ autoCommitThreshold: 1, eachMessage: async ({ topic: tpc, partition, message }) => {
          got.push({ topic: tpc, partition, offset: Number(message.offset), timestamp: Number(message.timestamp),
            // kafkajs does not hand out the timestamp type: taken from the cluster's record.
            timestampType: "CreateTime", key: message.key, value: message.value,
            headers: Object.entries(message.headers ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x): [string, Buffer | null] => [k, x === undefined ? null : Buffer.from(x)])) });
          if (got.length >= want.length) resolve();
        } });
      });
      await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`kafkajs read ${got.length} of ${want.length} records in 60 s`)), 60_000))]);
      await consumer.disconnect();
      assertSameRecords(sortByPlace(got), want, `kafkajs ${group} restarted`);
    }
    const offsets = await admins[clusterOf(topic)].fetchOffsets({ groupId: group, topics: [topic] });
    assert.deepEqual(Object.fromEntries(offsets[0].partitions.map((p) => [`${topic}:${p.partition}`, Number(p.offset)])), ends3, "offsets committed in the cluster after the restart");
  });

  test("kcat -G and confluent-kafka subscribe: a group reads three clusters' topics from the beginning and commits their ends", async () => {
    const three = [TOPIC.c1, TOPIC.c2, TOPIC.c3];
    for (const [boot, topics] of byBootstrap(three)) {
      const want = records(topics);
      assert.ok(want.length > 0, "the fill test ran first");
      const ends = Object.fromEntries(topics.flatMap(tpsOf).map((tp) => [tp, 0]));
      for (const r of want) ends[`${r.topic}:${r.partition}`] = Math.max(ends[`${r.topic}:${r.partition}`], r.offset + 1);
      const kg = `e2e-kcat-${RUN}`;
      const kc = await kcatConsume(boot, ["-G", kg, "-e", "-X", "auto.offset.reset=earliest", "-X", "fetch.message.max.bytes=8388608", ...topics]);
      assertSameRecords(kc.records, want, `kcat -G via ${boot}`);
      const cg = `e2e-confluent-${RUN}`;
      const ck = await confluentConsume(boot, { "group.id": cg, "auto.offset.reset": "earliest" }, [
        { op: "subscribe", topics }, { op: "readCount", count: want.length, ms: 90_000 }, { op: "commit" }, { op: "committed", tps: Object.keys(ends) },
      ]);
      assertSameRecords(ck.records, want, `confluent-kafka subscribe via ${boot}`);
      assert.deepEqual(ck.ops.find((o) => o.op === "committed")?.offsets, ends, "confluent-kafka: committed offsets");
      // Both groups' commits, straight from the topics' clusters.
      for (const g of [kg, cg]) {
        for (const topic of topics) {
          const offs = await admins[clusterOf(topic)].fetchOffsets({ groupId: g, topics: [topic] });
          assert.deepEqual(Object.fromEntries(offs[0].partitions.map((p) => [`${topic}:${p.partition}`, Number(p.offset)])),
            Object.fromEntries(tpsOf(topic).map((tp) => [tp, ends[tp]])), `${g}: offsets committed for ${topic}`);
        }
      }
    }
  });

  test(`kafka-console-consumer (kafka-tools ${KAFKA_VERSION}) with a group and at an offset; kafka-consumer-groups --describe: committed offsets and lag`, async () => {
    const topic = TOPIC.groupC1;
    const tp = `${topic}:0`;
    const boot = via(clusterOf(topic));
    const group = `e2e-console-${RUN}`;
    await write(text(topic, 12, "console"));
    const held = await clusterHolds(topic);
    const line = (r: ReadRecord) => [`${r.timestampType}:${r.timestamp}`, `Partition:${r.partition}`, `Offset:${r.offset}`,
      r.headers.length ? r.headers.map(([k, v]) => `${k}:${v === null ? "null" : v.toString()}`).join(",") : "NO_HEADERS",
      r.key === null ? "null" : r.key.toString(), r.value === null ? "null" : r.value.toString()].join("\t");
    const print = ["print.key", "print.headers", "print.offset", "print.partition", "print.timestamp"].flatMap((p) => ["--property", `${p}=true`]);
    const lines = (s: string) => s.split("\n").filter((l) => l.startsWith("CreateTime:") || l.startsWith("LogAppendTime:"));
    const grouped = await kafkaTool(CONSOLE_CONSUMER, ["--bootstrap-server", boot, "--topic", topic, "--group", group, "--from-beginning", "--max-messages", "12", ...print]);
    assert.deepEqual(lines(grouped.stdout), held.map(line), "console consumer --group --from-beginning");
    const at = await kafkaTool(CONSOLE_CONSUMER, ["--bootstrap-server", boot, "--topic", topic, "--partition", "0", "--offset", "4", "--max-messages", "3", ...print]);
    assert.deepEqual(lines(at.stdout), held.slice(4, 7).map(line), "console consumer --partition 0 --offset 4");
    const describe = async () => (await describeGroup(boot, group))
      .map((r) => ({ topic: r.topic, partition: r.partition, current: r.current, end: r.end, lag: r.lag }));
    assert.deepEqual(await describe(), [{ topic, partition: 0, current: 12, end: 12, lag: 0 }], "describe after reading everything");
    await write(text(topic, 5, "console-more"));
    assert.deepEqual(await describe(), [{ topic, partition: 0, current: 12, end: 17, lag: 5 }], "describe after 5 more records");
    assert.deepEqual((await clusterEnds(topic))[tp], 17);
    // The Java member group of the first test: committed at the ends of all five partitions, no lag.
    const members = await describeGroup(via(clusterOf(TOPIC.group)), `e2e-members-${RUN}`);
    const ends = await clusterEnds(TOPIC.group);
    assert.deepEqual(members.map((r) => [`${r.topic}:${r.partition}`, r.current, r.end, r.lag]).sort(),
      Object.entries(ends).map(([k, e]) => [k, e, e, 0]).sort(), "describe of the members' group");
  });
});

if (STRIMZI) {
  test(`${D} consumers are not served on the strimzi dialect: ListOffsets answers UNSUPPORTED_VERSION, never an offset`, async () => {
    const [host, port] = [TARGET.slice(0, TARGET.lastIndexOf(":")), Number(TARGET.slice(TARGET.lastIndexOf(":") + 1))];
    await write([rec(TOPIC.c1, { partition: 0 })]);
    for (const topic of [TOPIC.c1, TOPIC.c2, TOPIC.c3]) {
      const frame = await roundTrip(host, port, listOffsetsRequest(7, 900, { replicaId: -1, isolationLevel: 0,
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] }), 30_000);
      const res = readListOffsetsResponse(frame, 7) as unknown as { correlationId: number; topics: Array<{ name: string; partitions: Array<{ errorCode: number; offset: bigint }> }> };
      assert.equal(res.correlationId, 900);
      assert.deepEqual(res.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)]), [[topic, [35]]], `ListOffsets of ${topic} (ApiKey ${ApiKey.ListOffsets})`);
    }
  });
}
