// Consumers through the mesh when things move or break, with real clients and the real stack
// (docs/consumers.md, docs/bridge.md "Forward endpoint"):
//
// 1. A group spread over two Envoy instances: one Java member through the stack's Envoy, one
//    through a second Envoy started here from the same native plugin config (listener
//    advertised_port + 200, admin 9921, echo 19299, all plus STACK_PORT_OFFSET; component
//    "envoy-resilience", so `make down` stops it too), over a c3 topic of 5 partitions and a c1
//    topic. Assignment disjoint and complete; every record read once; commits checked on each
//    topic's own cluster. Member A closes and comes back through the other Envoy: the group
//    rebalances and A resumes at the committed offsets.
// 2. The c1 bridge SIGKILLed while an assigned reader and a group member read a c1 topic that a
//    producer fills straight on the cluster: a Fetch through Envoy answers
//    NOT_LEADER_OR_FOLLOWER while it is down; started again, both read on; every record read
//    exactly once at its offset, the member's commits land on c1.
// 3. N raw connections each hold a Fetch at the log end of an idle c1 partition (max_wait_ms
//    3000) while a Java consumer reads a c1 topic that has data and a producer writes to it
//    through Envoy. Every long poll is answered (no error, no records, the partition's high
//    watermark); the consumer gets its records; the bridge's forward gauges and Envoy's pending
//    requests go back down. With N = 64 and 300 long polls in flight (as many as, and more than,
//    the bridge's bridge.forward.connections.per.broker long-poll connections) the consumer's
//    first record and the raw Fetch's answer with data come before the first long poll is
//    answered (an ordering, not a timing: the bridge asks a Fetch with max_wait_ms 0 on an
//    immediate connection when no long-poll connection is free). The times are reported.
//
// Native dialect only: on the strimzi run (its Envoy serves no consumers) the file checks instead
// that Fetches from many connections through that Envoy, with max_wait_ms 3000, are each answered
// UNSUPPORTED_VERSION and never with records.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import kafkajs, { type Admin, type Producer } from "kafkajs";
import { createBridge } from "../../stack/bridge.ts";
import type { Component } from "../../stack/component.ts";
import { configPath, type DialectConfig, loadClusters, portOffset, withDialect } from "../../stack/config.ts";
import { createEnvoy } from "../../stack/envoy.ts";
import { runningPid, stackDir } from "../../stack/proc.ts";
import { waitReady } from "../../stack/stack.ts";
import { connect, type Data, fetchRequest, type FrameConnection, readFetchResponse, waitFor } from "../lib/kafka/index.ts";
import { javaArgs, type ReadRecord, readRanges, ROOT } from "./clients.ts";
import { assertSameRecords, envoyStats, javaMember, LineProcess, memberAssignment, memberCommitted, type Op } from "./consumers.ts";
import { stackPorts } from "./stack-ports.ts";

const { Kafka, logLevel } = kafkajs;

const ports = stackPorts();
const ENVOY = ports.envoy;
const D = `[${ports.dialect}]`;
const STRIMZI = ports.dialect === "strimzi";
const suite = (STRIMZI ? () => undefined : describe) as typeof describe;

const RUN = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
const TOPIC = {
  spreadC3: `berries-spread-${RUN}`,
  spreadC1: `apples-spread-${RUN}`,
  kill: `apples-kill-${RUN}`,
  idle: `apples-idle-${RUN}`,
  busy: `apples-busy-${RUN}`,
};
const clusterOf = (topic: string) => (topic.startsWith("app") ? "c1" : topic.startsWith("a") ? "c2" : "c3");
const partitionsOf = (topic: string) => ports.clusters[clusterOf(topic)].partitions;
const tpsOf = (topic: string) => Array.from({ length: partitionsOf(topic) }, (_, p) => `${topic}:${p}`);
const hostPort = (hp: string): [string, number] => [hp.slice(0, hp.lastIndexOf(":")), Number(hp.slice(hp.lastIndexOf(":") + 1))];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const NOT_LEADER_OR_FOLLOWER = 6;
const UNSUPPORTED_VERSION = 35;

const admins: Record<string, Admin> = {};
const producers: Record<string, Producer> = {};
const cleanups: Array<() => Promise<void>> = [];

// ---------------------------------------------------------------------------------------------
// Helpers

/** Writes `n` records straight to the topic's cluster (kafkajs, acks -1), spread over its partitions. */
async function write(topic: string, n: number, tag: string): Promise<void> {
  const parts = partitionsOf(topic);
  await producers[clusterOf(topic)].send({ topic, acks: -1, messages: Array.from({ length: n }, (_, i) => ({
    partition: i % parts, key: `${tag}-k${i}`, value: `${RUN} ${tag} ${i} ${randomBytes(8).toString("hex")}`, headers: { "e2e-id": `${RUN}/${tag}/${i}` },
  })) });
}

/** End offsets ("topic:p" -> offset) straight from the topic's cluster. */
async function clusterEnds(topic: string): Promise<Record<string, number>> {
  const offs = await admins[clusterOf(topic)].fetchTopicOffsets(topic);
  return Object.fromEntries(offs.map((o) => [`${topic}:${o.partition}`, Number(o.high)]));
}

/** Every record of the topic straight from its cluster, from the log start to `ends` (or the end). */
async function clusterHolds(topic: string, ends?: Record<string, number>): Promise<ReadRecord[]> {
  return readRanges(clusterOf(topic), tpsOf(topic).map((tp, p) => ({ topic, partition: p, from: 0, to: ends ? ends[tp] : -1 })));
}

/** The group's committed offsets as the cluster holds them: {topic: {"topic:p": offset}} for every topic it has offsets of. */
async function clusterCommits(cluster: string, group: string): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const t of await admins[cluster].fetchOffsets({ groupId: group })) {
    const set = t.partitions.filter((p) => Number(p.offset) >= 0);
    if (set.length > 0) out[t.topic] = Object.fromEntries(set.map((p) => [`${t.topic}:${p.partition}`, Number(p.offset)]));
  }
  return out;
}

const sortByPlace = (rs: readonly ReadRecord[]) => [...rs].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset);

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** A gauge or counter of the cluster's bridge /metrics ({cluster="c"} without other labels). */
async function bridgeMetric(cluster: string, name: string): Promise<number> {
  const text = await (await fetch(`http://${ports.clusters[cluster].bridge}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const m = new RegExp(`^${name}\\{cluster="${cluster}"\\} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Resident memory of a process in MiB (/proc). */
function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** Polls `pred` every 200 ms until it holds; fails after `ms` with `what` and the last `detail`. */
async function until(pred: () => Promise<boolean> | boolean, ms: number, what: string, detail: () => Promise<string> | string = () => ""): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms ${await detail()}`);
    await sleep(200);
  }
}

/** A Fetch v12 of one partition at `offset` (sessionless, max_wait_ms `maxWaitMs`, min_bytes 1). */
const fetchFrame = (correlationId: number, topic: string, partition: number, offset: number, maxWaitMs: number) =>
  fetchRequest(12, correlationId, {
    replicaId: -1, maxWaitMs, minBytes: 1, maxBytes: 52428800, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1048576 }] }],
    forgottenTopicsData: [], rackId: "",
  });

interface FetchAnswer { ms: number; errorCode: number; highWatermark: number; recordBytes: number }

/** The one partition of a Fetch v12 answer. */
function answerOf(frame: Buffer, correlationId: number, ms: number): FetchAnswer {
  const res = readFetchResponse(frame, 12);
  assert.equal(res.correlationId, correlationId, "correlation id");
  const parts = (res.responses as Data[]).flatMap((t) => t.partitions as Data[]);
  assert.equal(parts.length, 1, `one partition answered: ${JSON.stringify(parts.length)}`);
  const p = parts[0];
  const records = p.records as Buffer | null;
  return { ms, errorCode: Number(p.errorCode), highWatermark: Number(p.highWatermark), recordBytes: records?.length ?? 0 };
}

/** One Fetch on a fresh connection through `target`; its answer and how long it took. */
async function rawFetch(target: string, topic: string, offset: number, maxWaitMs: number, timeoutMs = maxWaitMs + 30_000): Promise<FetchAnswer> {
  const [host, port] = hostPort(target);
  const c = await connect(host, port);
  try {
    const t0 = Date.now();
    c.sock.write(fetchFrame(1, topic, 0, offset, maxWaitMs));
    await waitFor(c, () => c.frames.length >= 1 || c.closed, timeoutMs, `the Fetch of ${topic} via ${target}`);
    assert.ok(c.frames.length >= 1, `Fetch of ${topic} via ${target}: connection closed without an answer${c.error ? `: ${c.error.message}` : ""}`);
    return answerOf(c.frames[0], 1, Date.now() - t0);
  } finally {
    c.sock.destroy();
  }
}

/**
 * `n` connections through `target`, each sending one Fetch of partition 0 of `topic` at `offset`
 * with `maxWaitMs`. Resolves once every Fetch is sent; `answers` resolves when each is answered
 * (or fails: closed, or nothing within maxWaitMs + 30 s).
 */
async function longPolls(n: number, target: string, topic: string, offset: number, maxWaitMs: number): Promise<{ answers: Promise<Array<FetchAnswer & { at: number }>>; close(): void }> {
  const [host, port] = hostPort(target);
  const conns: FrameConnection[] = [];
  for (let i = 0; i < n; i += 50) conns.push(...await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => connect(host, port))));
  const answers = Promise.all(conns.map(async (c, i) => {
    const t0 = Date.now();
    c.sock.write(fetchFrame(1000 + i, topic, 0, offset, maxWaitMs));
    await waitFor(c, () => c.frames.length >= 1 || c.closed, maxWaitMs + 30_000, `long poll ${i}`);
    assert.ok(c.frames.length >= 1, `long poll ${i}: connection closed without an answer${c.error ? `: ${c.error.message}` : ""}`);
    return { ...answerOf(c.frames[0], 1000 + i, Date.now() - t0), at: Date.now() };
  }));
  answers.catch(() => {});
  return { answers, close: () => conns.forEach((c) => c.sock.destroy()) };
}

const pct = (xs: number[], q: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN; };

/** The second Envoy: the plugin config of the native Envoy under test, its listener + 200, its own admin port. */
const SECOND = { name: "envoy-resilience", shift: 200, admin: 9921, echo: 19299 };
async function startSecondEnvoy(): Promise<{ envoy: string; admin: string; component: Component }> {
  const plugin = JSON.parse(readFileSync(configPath(ROOT), "utf8")) as DialectConfig & { advertised_host: string; advertised_port: number };
  const cfg = withDialect(plugin, "native");
  const [, underTest] = hostPort(ENVOY);
  cfg.advertised_port = underTest + SECOND.shift;
  const dir = join(stackDir(ROOT), SECOND.name);
  mkdirSync(dir, { recursive: true });
  const pluginConfig = join(dir, "plugin-config.json");
  writeFileSync(pluginConfig, JSON.stringify(cfg, null, 2) + "\n");
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "envoy", "render-config.ts"), "--plugin-config", pluginConfig,
    "--out-dir", dir, "--echo-port", String(SECOND.echo + portOffset())], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, `rendering the second Envoy's config: ${r.stderr}`);
  const admin = SECOND.admin + portOffset();
  const c = createEnvoy(ROOT, { config: join(dir, "envoy.yaml"), adminPort: admin, name: SECOND.name });
  if (runningPid(ROOT, SECOND.name) !== undefined) await c.stop();
  await c.start();
  await waitReady(ROOT, c, 60_000);
  return { envoy: `${cfg.advertised_host}:${cfg.advertised_port}`, admin: `127.0.0.1:${admin}`, component: c };
}

/** The stack's bridge of `cluster` as a component (started again after a kill, without a rebuild). */
function bridgeComponent(cluster: string): Component {
  const spec = loadClusters(ROOT).find((c) => c.name === cluster);
  assert.ok(spec, `${cluster} is not a cluster of the stack`);
  return createBridge(ROOT, spec);
}

/** Starts the bridge of `cluster` if it is not running and waits until it is ready. */
async function ensureBridge(cluster: string): Promise<number> {
  const t0 = Date.now();
  const c = bridgeComponent(cluster);
  if (runningPid(ROOT, c.name) === undefined) await c.start();
  await waitReady(ROOT, c, 90_000);
  return Date.now() - t0;
}

// ---------------------------------------------------------------------------------------------

before(async () => {
  if (STRIMZI) return;
  for (const [name, c] of Object.entries(ports.clusters)) {
    const kafka = new Kafka({ clientId: `e2e-resilience-${RUN}`, brokers: [c.kafka], logLevel: logLevel.NOTHING });
    admins[name] = kafka.admin();
    await admins[name].connect();
    producers[name] = kafka.producer({ allowAutoTopicCreation: false });
    await producers[name].connect();
  }
  for (const topic of Object.values(TOPIC)) {
    const ok = await admins[clusterOf(topic)].createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitionsOf(topic), replicationFactor: 1 }] });
    assert.ok(ok, `${topic} already exists`);
  }
});

after(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch((e: unknown) => console.error(`cleanup: ${String(e)}`));
  if (STRIMZI) return;
  if (process.env.E2E_KEEP_TOPICS !== "1") {
    const byCluster: Record<string, string[]> = {};
    for (const t of Object.values(TOPIC)) (byCluster[clusterOf(t)] ??= []).push(t);
    for (const [c, topics] of Object.entries(byCluster)) await admins[c].deleteTopics({ topics, timeout: 30_000 }).catch((e: unknown) => console.error(`deleting ${topics.join(",")}: ${String(e)}`));
  }
  await Promise.all(Object.values(producers).map((p) => p.disconnect().catch(() => {})));
  await Promise.all(Object.values(admins).map((a) => a.disconnect().catch(() => {})));
});

const member = { "auto.offset.reset": "earliest", "session.timeout.ms": "10000", "heartbeat.interval.ms": "500", "max.poll.records": "7" };

suite(`${D} consumers via ${ENVOY} when members move and bridges fail`, { concurrency: 1 }, () => {
  test("a group over two Envoy instances: disjoint, complete assignment, every record once, commits on each topic's cluster; a member closes and comes back through the other Envoy, resuming at the commits", async (t) => {
    const second = await startSecondEnvoy();
    const stopSecond = async () => { await second.component.stop(); };
    cleanups.push(stopSecond);
    const topics = [TOPIC.spreadC3, TOPIC.spreadC1];
    const all = new Set(topics.flatMap(tpsOf));
    const group = `e2e-spread-${RUN}`;
    const started: LineProcess[] = [];
    const start = (boot: string, name: string) => {
      const m = javaMember(boot, { ...member, "group.id": group, "client.id": name }, topics, `${name} via ${boot}`);
      started.push(m);
      return m;
    };
    /** Both hold partitions, none twice, all of them. */
    const split = (x: LineProcess, y: LineProcess) => () => {
      const [sx, sy] = [memberAssignment(x), memberAssignment(y)];
      return sx.size > 0 && sy.size > 0 && sx.size + sy.size === all.size && [...sx, ...sy].every((tp) => all.has(tp)) && [...sx].every((tp) => !sy.has(tp));
    };
    /** The members' latest commits (the highest per partition) reached `ends`. */
    const committed = (ms: LineProcess[], ends: Record<string, number>) => () => {
      const c = new Map<string, number>();
      for (const m of ms) for (const [tp, o] of memberCommitted(m)) c.set(tp, Math.max(o, c.get(tp) ?? -1));
      return Object.entries(ends).every(([tp, e]) => c.get(tp) === e);
    };
    const endsOfAll = async () => Object.assign({}, ...await Promise.all(topics.map(clusterEnds))) as Record<string, number>;
    /** Each topic's commits are on its own cluster, and only there. */
    const assertClusterCommits = async (ends: Record<string, number>, what: string) => {
      const on = { c1: await clusterCommits("c1", group), c3: await clusterCommits("c3", group) };
      assert.deepEqual(on.c3, { [TOPIC.spreadC3]: Object.fromEntries(tpsOf(TOPIC.spreadC3).map((tp) => [tp, ends[tp]])) }, `${what}: the group's offsets on c3`);
      assert.deepEqual(on.c1, { [TOPIC.spreadC1]: Object.fromEntries(tpsOf(TOPIC.spreadC1).map((tp) => [tp, ends[tp]])) }, `${what}: the group's offsets on c1`);
    };
    try {
      const a1 = start(ENVOY, "member-a");
      const b = start(second.envoy, "member-b");
      await Promise.all([a1.waitFor(split(a1, b), 60_000, "a disjoint, complete assignment"), b.waitFor(split(a1, b), 60_000, "a disjoint, complete assignment")]);
      t.diagnostic(`A (via ${ENVOY}) holds ${[...memberAssignment(a1)].join(" ")}; B (via ${second.envoy}) holds ${[...memberAssignment(b)].join(" ")}`);
      // Records produced while both members read.
      await write(TOPIC.spreadC3, 50, "s1");
      await write(TOPIC.spreadC1, 10, "s1");
      const ends1 = await endsOfAll();
      await a1.waitFor(committed([a1, b], ends1), 60_000, "commits of every record");
      const held1 = (await Promise.all(topics.map((tp) => clusterHolds(tp, ends1)))).flat();
      assertSameRecords(sortByPlace([...a1.records, ...b.records]), held1, "the two members together");
      for (const m of [a1, b]) {
        const mine = memberAssignment(m);
        assert.ok(m.records.every((r) => mine.has(`${r.topic}:${r.partition}`)), `${m.name} read only its own partitions`);
      }
      await assertClusterCommits(ends1, "both members");
      // The second Envoy really carried member B: its group requests and fetches went through it.
      const via2 = await envoyStats(second.admin, "kafka_mesh\\.(requests\\.(JoinGroup|Fetch|OffsetCommit)|cluster\\.c[13]\\.fetched_records)$");
      t.diagnostic(`second Envoy: ${[...via2].map(([k, v]) => `${k.replace("wasmcustom.kafka_mesh.", "")}=${v}`).join(" ")}`);
      for (const k of ["requests.JoinGroup", "requests.Fetch", "requests.OffsetCommit"]) assert.ok((via2.get(`wasmcustom.kafka_mesh.${k}`) ?? 0) > 0, `second Envoy: ${k}`);

      // A closes (LeaveGroup) while records are being written; B takes every partition and reads on.
      const writing = Promise.all([write(TOPIC.spreadC3, 40, "s2"), write(TOPIC.spreadC1, 8, "s2")]);
      await a1.close();
      await writing;
      const ends2 = await endsOfAll();
      await b.waitFor(() => memberAssignment(b).size === all.size && committed([a1, b], ends2)(), 60_000, "all partitions and commits of every record");
      await assertClusterCommits(ends2, "B alone");

      // A comes back through the other Envoy: the group rebalances, A resumes at the committed offsets.
      const a2 = start(second.envoy, "member-a");
      await Promise.all([a2.waitFor(split(a2, b), 60_000, "a disjoint, complete assignment with A back"), b.waitFor(split(a2, b), 60_000, "a disjoint, complete assignment with A back")]);
      t.diagnostic(`A back (via ${second.envoy}) holds ${[...memberAssignment(a2)].join(" ")}; B holds ${[...memberAssignment(b)].join(" ")}`);
      assert.equal(a2.records.length, 0, "A back read nothing before new records (everything was committed)");
      await write(TOPIC.spreadC3, 50, "s3");
      await write(TOPIC.spreadC1, 10, "s3");
      const ends3 = await endsOfAll();
      await a2.waitFor(committed([a1, b, a2], ends3), 60_000, "commits of every record after A came back");
      for (const tp of memberAssignment(a2)) {
        const first = a2.records.find((r) => `${r.topic}:${r.partition}` === tp);
        assert.equal(first?.offset, ends2[tp], `A back: its first record of ${tp} is at the committed offset`);
      }
      const held3 = (await Promise.all(topics.map((tp) => clusterHolds(tp, ends3)))).flat();
      assertSameRecords(sortByPlace([...a1.records, ...b.records, ...a2.records]), held3, "A, B and A back together: every record exactly once");
      await assertClusterCommits(ends3, "after A came back");
      await Promise.all([a2.close(), b.close()]);
    } finally {
      for (const m of started) m.kill("SIGKILL");
      await stopSecond();
      assert.equal(runningPid(ROOT, SECOND.name), undefined, "the second Envoy stopped");
    }
  });

  test("the c1 bridge SIGKILLed while a reader and a group member fetch a c1 topic a producer fills: NOT_LEADER_OR_FOLLOWER while it is down, then every record exactly once at its offset, the member's commits land on c1", async (t) => {
    const topic = TOPIC.kill;
    const tp = `${topic}:0`;
    const group = `e2e-kill-${RUN}`;
    const bridge = bridgeComponent("c1");
    cleanups.push(async () => { await ensureBridge("c1"); });
    let produced = 0;
    let producing = true;
    const producer = (async () => {
      for (let i = 0; producing; i++) {
        await write(topic, 10, `kill${i}`);
        produced += 10;
        await sleep(100);
      }
    })();
    // The member may be without its coordinator (reached through the same bridge) while the
    // bridge is down: a session timeout well above that.
    const m = javaMember(ENVOY, { ...member, "group.id": group, "client.id": "kill-member", "session.timeout.ms": "45000", "heartbeat.interval.ms": "1000" }, [topic], "group member");
    const reader = new LineProcess("java", javaArgs("E2eConsumer", ENVOY, "max.poll.records=13"), "assigned reader");
    const stopAll = () => { m.kill("SIGKILL"); reader.kill("SIGKILL"); };
    try {
      for (const op of [{ op: "assign", tps: [tp] }, { op: "seek", tp, offset: 0 }, { op: "loop", commit: false }] as Op[]) reader.send(op);
      await reader.waitFor(() => reader.records.length >= 20, 60_000, "its first records");
      await m.waitFor(() => memberCommitted(m).size > 0, 60_000, "its first commit");
      const lostBefore = sum(await envoyStats(ports.admin, "kafka_mesh\\.cluster\\.c1\\.upstream_streams_lost$"));
      const connectFails = async () => sum(await envoyStats(ports.admin, "^cluster\\.kafka_bridge_c1\\.upstream_cx_connect_fail$"));
      const failsBefore = await connectFails();
      const pid = runningPid(ROOT, bridge.name);
      assert.ok(pid !== undefined, `${bridge.name} is not running`);
      const readAtKill = reader.records.length;
      process.kill(pid, "SIGKILL");
      await until(() => runningPid(ROOT, bridge.name) === undefined, 10_000, `${bridge.name} gone after SIGKILL`);
      const killedAt = Date.now();
      // What a consumer is told while the bridge is down: a retriable NOT_LEADER_OR_FOLLOWER.
      let down: FetchAnswer | null = null;
      await until(async () => {
        down = await rawFetch(ENVOY, topic, 0, 500, 15_000);
        return down.errorCode === NOT_LEADER_OR_FOLLOWER;
      }, 20_000, "a Fetch through Envoy answered NOT_LEADER_OR_FOLLOWER while the bridge is down", () => JSON.stringify(down));
      const answered = down as FetchAnswer | null;
      assert.equal(answered?.recordBytes, 0, "no records in the NOT_LEADER_OR_FOLLOWER answer");
      t.diagnostic(`bridge down: Fetch answered NOT_LEADER_OR_FOLLOWER in ${answered?.ms} ms`);
      await sleep(2000); // the outage lasts a little longer, the producer keeps writing
      const readDuringOutage = reader.records.length - readAtKill;
      const restartMs = await ensureBridge("c1");
      const commitsAtRestart = m.lines.filter((l) => l.op === "committed").length;
      t.diagnostic(`bridge down ${Date.now() - killedAt} ms (started again, ready in ${restartMs} ms); the reader read ${readDuringOutage} records in that time (already fetched before the kill)`);
      await sleep(3000); // the producer writes on after the restart
      producing = false;
      await producer;
      const ends = await clusterEnds(topic);
      assert.equal(ends[tp], produced, "every record produced is in the cluster");
      await reader.waitFor(() => reader.records.length > 0 && reader.records[reader.records.length - 1].offset + 1 >= ends[tp], 90_000, `records up to offset ${ends[tp]}`);
      await m.waitFor(() => memberCommitted(m).get(tp) === ends[tp], 90_000, `a commit at offset ${ends[tp]}`);
      await Promise.all([reader.close(), m.close()]);
      const held = await clusterHolds(topic, ends);
      assertSameRecords(reader.records, held, "the assigned reader");
      assertSameRecords(m.records, held, "the group member");
      assert.ok(m.lines.filter((l) => l.op === "committed").length > commitsAtRestart, "the member committed after the restart");
      assert.deepEqual(await clusterCommits("c1", group), { [topic]: { [tp]: ends[tp] } }, "the member's commits on c1");
      const lostAfter = sum(await envoyStats(ports.admin, "kafka_mesh\\.cluster\\.c1\\.upstream_streams_lost$"));
      t.diagnostic(`Envoy: cluster.c1.upstream_streams_lost ${lostBefore} -> ${lostAfter}, connections to the bridge that failed while it was down ${await connectFails() - failsBefore}; ${produced} records produced`);
      assert.ok(lostAfter > lostBefore, "Envoy counted the lost streams to the killed bridge");
    } finally {
      producing = false;
      await producer.catch(() => {});
      stopAll();
      await ensureBridge("c1");
    }
  });

  test("N long polls (Fetch at the log end of an idle partition, max_wait_ms 3000) from N connections: each answered, none dropped; a consumer with data gets its records; the bridge's and Envoy's gauges go back down; time to a first record with N = 0, 64, 300", async (t) => {
    const MAX_WAIT = 3000;
    const idleTp = `${TOPIC.idle}:0`;
    const busyTp = `${TOPIC.busy}:0`;
    await write(TOPIC.idle, 3, "idle");
    await write(TOPIC.busy, 30, "busy");
    const idleEnd = (await clusterEnds(TOPIC.idle))[idleTp];
    assert.equal(idleEnd, 3);
    const bridgePid = runningPid(ROOT, "bridge-c1");
    const envoyPid = runningPid(ROOT, "envoy");
    assert.ok(bridgePid !== undefined, "bridge-c1 running");
    const gauges = async () => ({
      inUse: await bridgeMetric("c1", "mesh_bridge_forward_connections_in_use"),
      waiting: await bridgeMetric("c1", "mesh_bridge_forward_waiting_requests"),
      pending: sum(await envoyStats(ports.admin, "kafka_mesh\\.pending_requests\\.vm\\.\\d+$")),
      buffered: sum(await envoyStats(ports.admin, "kafka_mesh\\.buffered_bytes\\.vm\\.\\d+$")),
      envoyHeapMiB: Math.round(((await envoyStats(ports.admin, "^server\\.memory_allocated$")).get("server.memory_allocated") ?? NaN) / 1048576),
      bridgeRssMiB: rssMiB(bridgePid),
      envoyRssMiB: envoyPid === undefined ? NaN : rssMiB(envoyPid),
    });
    const base = await gauges();
    t.diagnostic(`before: ${JSON.stringify(base)}`);
    const producer = new Kafka({ clientId: `e2e-resilience-producer-${RUN}`, brokers: [ENVOY], logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const consumer = new LineProcess("java", javaArgs("E2eConsumer", ENVOY, "fetch.max.wait.ms=500"), "consumer with data");
    const rows: string[] = [];
    try {
      consumer.send({ op: "assign", tps: [busyTp] });
      consumer.send({ op: "seek", tp: busyTp, offset: 0 });
      await consumer.waitFor(() => consumer.lines.some((l) => l.op === "seek"), 60_000, "assign and seek");
      for (const n of [0, 64, 300]) {
        const peak = { inUse: 0, waiting: 0, pending: 0, envoyHeapMiB: 0, bridgeRssMiB: 0, envoyRssMiB: 0 };
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            const g = await gauges().catch(() => null);
            if (g) for (const k of Object.keys(peak) as Array<keyof typeof peak>) peak[k] = Math.max(peak[k], g[k]);
            await sleep(100);
          }
        })();
        const polls = await longPolls(n, ENVOY, TOPIC.idle, idleEnd, MAX_WAIT);
        const sentAt = Date.now();
        try {
          // Measured once the long polls reached the bridge (holding its connections or waiting for one).
          let reached = n === 0;
          if (n > 0) {
            await until(async () => { const g = await gauges(); return g.inUse + g.waiting >= n || Date.now() - sentAt > 2000; }, 5000, "long polls at the bridge");
            const g = await gauges();
            reached = g.inUse + g.waiting >= n;
          }
          const startedAt = Date.now();
          const before = consumer.records.length;
          const reads = consumer.lines.filter((l) => l.op === "read").length;
          const endBefore = (await clusterEnds(TOPIC.busy))[busyTp];
          consumer.send({ op: "seek", tp: busyTp, offset: 0 });
          consumer.send({ op: "read", until: { [busyTp]: endBefore + 5 }, ms: 60_000 });
          const rawStart = Date.now();
          const raw = rawFetch(ENVOY, TOPIC.busy, 0, MAX_WAIT);
          const produceStart = Date.now();
          const produced = producer.send({ topic: TOPIC.busy, acks: -1, messages: Array.from({ length: 5 }, (_, i) => ({ partition: 0, key: `lp${n}-${i}`, value: `${RUN} during ${n} long polls ${i}` })) })
            .then(() => Date.now() - produceStart);
          await consumer.waitFor(() => consumer.records.length > before, 60_000, `a first record with ${n} long polls in flight`);
          const firstAt = Date.now();
          const firstMs = firstAt - startedAt;
          const [rawAnswer, produceMs] = await Promise.all([raw, produced]);
          await consumer.waitFor(() => consumer.lines.filter((l) => l.op === "read").length > reads, 60_000, `every record with ${n} long polls in flight`);
          const answers = await polls.answers;
          const ms = answers.map((a) => a.ms);
          const firstPollAt = Math.min(...answers.map((a) => a.at));
          rows.push(`N=${String(n).padStart(3)}: consumer's first record ${firstMs} ms, raw Fetch with data ${rawAnswer.ms} ms, produce of 5 records ${produceMs} ms; ` +
            `long polls answered in min ${pct(ms, 0)} / median ${pct(ms, 0.5)} / max ${pct(ms, 1)} ms; bridge peak in_use ${peak.inUse} waiting ${peak.waiting}` +
            ` (all ${n} at the bridge at once: ${reached}); Envoy peak pending ${peak.pending}, heap ${peak.envoyHeapMiB} MiB, RSS ${peak.envoyRssMiB} MiB; bridge RSS ${peak.bridgeRssMiB} MiB`);
          t.diagnostic(rows[rows.length - 1]);
          assert.equal(rawAnswer.errorCode, 0, `raw Fetch of ${TOPIC.busy}`);
          assert.ok(rawAnswer.recordBytes > 0, `raw Fetch of ${TOPIC.busy}: records`);
          const bad: FetchAnswer[] = answers.filter((a) => a.errorCode !== 0 || a.highWatermark !== idleEnd || a.recordBytes !== 0);
          assert.deepEqual(bad, [], `long polls answered with an error, records or another high watermark (of ${n})`);
          assert.equal(answers.length, n, "every long poll answered");
          if (n > 0) {
            assert.ok(firstAt < firstPollAt, `the consumer's first record (${firstMs} ms) before the first of ${n} long polls is answered (${firstPollAt - startedAt} ms)`);
            assert.ok(rawStart + rawAnswer.ms < firstPollAt, `the raw Fetch with data answered (${rawAnswer.ms} ms) before the first of ${n} long polls (${firstPollAt - rawStart} ms after it was sent)`);
          }
          const held = await clusterHolds(TOPIC.busy);
          assert.equal(held.length, endBefore + 5, "the 5 records produced through Envoy are in the cluster");
          assertSameRecords(consumer.records.slice(before), held, `the consumer with ${n} long polls in flight`);
        } finally {
          polls.close();
          sampling = false;
          await sampler;
        }
      }
      consumer.send({ op: "stop" });
      await consumer.close();
      await producer.disconnect();
      // Everything held for the long polls is let go.
      let last = base;
      await until(async () => { last = await gauges(); return last.waiting === 0 && last.inUse <= base.inUse && last.pending === 0 && last.buffered === 0; }, 30_000,
        "the bridge's forward gauges and Envoy's pending requests back to where they were", () => JSON.stringify(last));
      t.diagnostic(`after: ${JSON.stringify(last)}`);
      assert.equal(runningPid(ROOT, "bridge-c1"), bridgePid, "the bridge did not restart");
      assert.ok(last.envoyHeapMiB <= base.envoyHeapMiB + 64, `Envoy's heap ${base.envoyHeapMiB} -> ${last.envoyHeapMiB} MiB`);
      console.log(`long polls (max_wait_ms ${MAX_WAIT}) through ${ENVOY} against the c1 bridge:\n  ${rows.join("\n  ")}`);
    } finally {
      consumer.kill("SIGKILL");
      await producer.disconnect().catch(() => {});
    }
  });
});

if (STRIMZI) {
  test(`${D} Fetches with max_wait_ms 3000 from 50 connections through the strimzi Envoy: each answered UNSUPPORTED_VERSION, never with records`, async (t) => {
    const polls = await longPolls(50, ENVOY, "apples", 0, 3000);
    try {
      const answers = await polls.answers;
      assert.equal(answers.length, 50);
      assert.deepEqual(answers.filter((a) => a.errorCode !== UNSUPPORTED_VERSION || a.recordBytes !== 0), [], "answers other than UNSUPPORTED_VERSION without records");
      t.diagnostic(`answered in min ${pct(answers.map((a) => a.ms), 0)} / max ${pct(answers.map((a) => a.ms), 1)} ms`);
    } finally {
      polls.close();
    }
  });
}
