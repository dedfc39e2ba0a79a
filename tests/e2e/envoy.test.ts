// Real Envoy (the pinned binary) with envoy/envoy.yaml and build/kafka_mesh.wasm: Kafka
// clients see Envoy as their broker for ApiVersions and Metadata. No Kafka cluster and no
// REST bridge are needed for these requests.
//
// Run with: make test-envoy   (node --import tsx --test tests/e2e/envoy.test.ts)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { createEnvoy } from "../../stack/envoy.ts";
import { portFree } from "../../stack/proc.ts";
import { waitReady } from "../../stack/stack.ts";
import { ENVOY_VERSION } from "../../scripts/versions.ts";
import { readPluginConfig } from "./stack-ports.ts";
import {
  ApiKey, apiVersionsRequest, connect as connectTo, int32, metadataRequest, readApiVersionsResponse, readMetadataResponse,
  requestFrame, roundTrip as roundTripTo, waitFor,
} from "../lib/kafka/index.ts";
import { asArray, asObject, field, num } from "./json.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const HOST = "127.0.0.1";
const PORT = 19092;
const ADMIN = 9901;
const reference = readPluginConfig(join(ROOT, "examples", "reference.json"));

// Topics of the reference scenario and the partition counts their clusters have.
const ROUTED: Record<string, number> = { apples: 1, "app-something": 1, apricots: 1, analogue: 1, bananas: 5 };
const UNROUTED = "cherries";
const UNKNOWN_TOPIC_OR_PARTITION = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const connect = () => connectTo(HOST, PORT);
const roundTrip = (buf: Buffer, ms?: number) => roundTripTo(HOST, PORT, buf, ms);

/** What kcat -L -J prints, as far as these tests read it. */
interface KcatMetadata {
  brokers: Array<{ id: number; name: string }>;
  topics: Array<{ topic: string; error?: string; partitions: Array<{ leader: number }> }>;
}

function kcatMetadata(v: unknown): KcatMetadata {
  const o = asObject(v, "kcat -L -J");
  return {
    brokers: asArray(o.brokers, "kcat brokers").map((b) => ({ id: num(field(b, "id")), name: String(field(b, "name")) })),
    topics: asArray(o.topics, "kcat topics").map((t) => ({
      topic: String(field(t, "topic")),
      error: field(t, "error") === undefined ? undefined : String(field(t, "error")),
      partitions: asArray(field(t, "partitions"), "kcat partitions").map((p) => ({ leader: num(field(p, "leader")) })),
    })),
  };
}

async function assertStillServes(corr: number) {
  const res = readApiVersionsResponse(await roundTrip(apiVersionsRequest(0, corr)), 0);
  assert.equal(res.correlationId, corr);
  assert.equal(res.errorCode, 0);
}

/** Metadata version to speak: the highest of v1..v8 the filter advertises. */
async function pickMetadataVersion() {
  const res = readApiVersionsResponse(await roundTrip(apiVersionsRequest(0, 1)), 0);
  const m = res.apis.find((a) => a.apiKey === ApiKey.Metadata);
  assert.ok(m, "ApiVersions does not list Metadata");
  const v = Math.min(m.maxVersion, 8);
  assert.ok(v >= Math.max(m.minVersion, 1), `Metadata versions ${m.minVersion}-${m.maxVersion} offer nothing in 1..8`);
  return v;
}

// Lines that mean the wasm VM failed: V8 traps ("Function: proxy_on_... failed: Uncaught
// RuntimeError"), AssemblyScript aborts (logged at critical before proc_exit), load failures.
const VM_FAILURE = /\]\[critical\]|Function: \S+ failed|RuntimeError|wasm trap|\bpanic|Failed to load Wasm|Unable to create Wasm|failed to load/i;

// -----------------------------------------------------------------------------------------

describe("Kafka mesh in real Envoy", () => {
  const envoy = createEnvoy(ROOT);
  const logPath = join(ROOT, ".stack", "envoy.log");

  before(async () => {
    assert.ok(existsSync(join(ROOT, "build", "kafka_mesh.wasm")), "build/kafka_mesh.wasm missing: run make build");
    for (const p of envoy.ports) assert.ok(await portFree(p), `port ${p} is in use (is a stack already up?)`);
    await envoy.start();
    await waitReady(ROOT, envoy, 20_000);
  });

  after(async () => {
    await envoy.stop();
    for (const p of envoy.ports) assert.ok(await portFree(p), `port ${p} still bound after stop`);
  });

  test("Envoy runs the pinned release and loaded the plugin into V8", async () => {
    const info = asObject(await (await fetch(`http://${HOST}:${ADMIN}/server_info`)).json(), "/server_info");
    const pinned = ENVOY_VERSION;
    if (!process.env.ENVOY_BIN) assert.match(String(info.version), new RegExp(`/${pinned.replace(/\./g, "\\.")}/`));
    const stats = await (await fetch(`http://${HOST}:${ADMIN}/stats?filter=wasm`)).text();
    assert.match(stats, /wasm\.envoy\.wasm\.runtime\.v8\.active: [1-9]/, stats);
    const listeners = asObject(await (await fetch(`http://${HOST}:${ADMIN}/listeners?format=json`)).json(), "/listeners");
    const names = asArray(listeners.listener_statuses, "listener_statuses").map((l) => field(l, "name"));
    assert.ok(names.includes("kafka_mesh") && names.includes("kafka_mesh_echo"), names.join(","));
  });

  test("ApiVersions v0 lists ApiVersions, Metadata and Produce", async () => {
    const res = readApiVersionsResponse(await roundTrip(apiVersionsRequest(0, 4242)), 0);
    assert.equal(res.correlationId, 4242);
    assert.equal(res.errorCode, 0);
    for (const key of [ApiKey.Produce, ApiKey.Metadata, ApiKey.ApiVersions]) {
      const api = res.apis.find((a) => a.apiKey === key);
      assert.ok(api, `api key ${key} not advertised`);
      assert.ok(api.minVersion <= api.maxVersion, `api key ${key}: min ${api.minVersion} > max ${api.maxVersion}`);
    }
  });

  test("raw Metadata: one broker at the advertised address, routed and unknown topics", async () => {
    const v = await pickMetadataVersion();
    const md = readMetadataResponse(await roundTrip(metadataRequest(v, 77, [...Object.keys(ROUTED), UNROUTED])), v);
    assert.equal(md.correlationId, 77);
    assert.deepEqual(md.brokers.map((b) => [b.nodeId, b.host, b.port]),
      [[reference.broker_id, reference.advertised_host, reference.advertised_port]]);
    assert.equal(md.controllerId, reference.broker_id);
    const byName = new Map(md.topics.map((t) => [t.name, t]));
    for (const [name, count] of Object.entries(ROUTED)) {
      const t = byName.get(name);
      assert.ok(t, `topic ${name} missing from Metadata`);
      assert.equal(t.errorCode, 0, `${name} error`);
      assert.deepEqual(t.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b), [...Array(count).keys()], `${name} partitions`);
      for (const p of t.partitions) {
        assert.equal(p.errorCode, 0);
        assert.equal(p.leaderId, reference.broker_id);
        assert.deepEqual(p.replicaNodes, [reference.broker_id]);
        assert.deepEqual(p.isrNodes, [reference.broker_id]);
      }
    }
    assert.equal(byName.get(UNROUTED)?.errorCode, UNKNOWN_TOPIC_OR_PARTITION);
  });

  test("all-topics Metadata lists the routed topics named before, on whichever worker it lands", async () => {
    // Envoy runs 2 workers, each with its own wasm VM: the list of names seen is kept in
    // proxy shared data, so every connection gets the same answer.
    const v = await pickMetadataVersion();
    const named = ["apples", "bananas", "app-shared-list"];
    readMetadataResponse(await roundTrip(metadataRequest(v, 400, named)), v);
    for (let i = 0; i < 12; i++) {
      // A null topic list: every topic.
      const md = readMetadataResponse(await roundTrip(metadataRequest(v, 401 + i, null)), v);
      const names = md.topics.map((t) => t.name);
      for (const n of named) assert.ok(names.includes(n), `connection ${i}: ${n} missing from ${JSON.stringify(names)}`);
      assert.ok(md.topics.every((t) => t.errorCode === 0));
    }
  });

  test("kcat -L sees one broker, the routed topics and cherries unknown", async () => {
    const run = (args: string[]) => promisify(execFile)("kcat", ["-b", `${HOST}:${PORT}`, "-L", "-J", "-m", "10", ...args],
      { timeout: 20_000 }).then((r) => kcatMetadata(JSON.parse(r.stdout)));
    const all = await run([]);
    assert.deepEqual(all.brokers.map((b) => [b.id, b.name]),
      [[reference.broker_id, `${reference.advertised_host}:${reference.advertised_port}`]]);
    // Named in the raw Metadata test above, on whichever worker: listed by every worker.
    for (const name of Object.keys(ROUTED)) assert.ok(all.topics.some((t) => t.topic === name), `kcat -L: no ${name}`);
    for (const [name, count] of Object.entries(ROUTED)) {
      const md = await run(["-t", name]);
      const t = md.topics.find((x) => x.topic === name);
      assert.ok(t, `kcat: no ${name} in ${JSON.stringify(md)}`);
      assert.equal(t.error, undefined, `kcat: ${name}: ${t.error}`);
      assert.equal(t.partitions.length, count, `kcat: ${name} partitions`);
      for (const p of t.partitions) assert.equal(p.leader, reference.broker_id);
    }
    const cherries = (await run(["-t", UNROUTED])).topics.find((x) => x.topic === UNROUTED);
    assert.match(String(cherries?.error), /Unknown topic or partition/i);
  });

  test("kafkajs admin fetchTopicMetadata", async () => {
    const kafka = new Kafka({
      clientId: "envoy-e2e",
      brokers: [`${HOST}:${PORT}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 5000,
      requestTimeout: 10_000,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      assert.deepEqual(cluster.brokers.map((b) => [b.nodeId, b.host, b.port]),
        [[reference.broker_id, reference.advertised_host, reference.advertised_port]]);
      const { topics } = await admin.fetchTopicMetadata({ topics: Object.keys(ROUTED) });
      for (const [name, count] of Object.entries(ROUTED)) {
        const t = topics.find((x) => x.name === name);
        assert.ok(t, `kafkajs: ${name} missing`);
        assert.equal(t.partitions.length, count, `kafkajs: ${name} partitions`);
        for (const p of t.partitions) assert.equal(p.leader, reference.broker_id);
      }
      await assert.rejects(admin.fetchTopicMetadata({ topics: [UNROUTED] }),
        (e) => field(e, "type") === "UNKNOWN_TOPIC_OR_PARTITION" || /does not host this topic-partition/.test(String(field(e, "message"))));
    } finally {
      await admin.disconnect();
    }
  });

  test("200 pipelined requests on one socket come back in order", async () => {
    const v = await pickMetadataVersion();
    const N = 200;
    const base = 100_000;
    const requests = [];
    for (let i = 0; i < N; i++) {
      requests.push(i % 2 === 0 ? apiVersionsRequest(0, base + i) : metadataRequest(v, base + i, ["apples", "bananas"]));
    }
    const c = await connect();
    try {
      c.sock.write(Buffer.concat(requests)); // all at once: the filter sees many frames per read
      await waitFor(c, () => c.frames.length >= N || c.closed, 20_000, `${N} responses`);
      assert.equal(c.frames.length, N, `closed after ${c.frames.length} responses`);
      c.frames.forEach((f, i) => {
        if (i % 2 === 0) {
          const r = readApiVersionsResponse(f, 0);
          assert.equal(r.correlationId, base + i, `response ${i} out of order`);
          assert.equal(r.errorCode, 0);
        } else {
          const r = readMetadataResponse(f, v);
          assert.equal(r.correlationId, base + i, `response ${i} out of order`);
          assert.deepEqual(r.topics.map((t) => [t.name, t.partitions.length]).sort(), [["apples", 1], ["bananas", 5]]);
        }
      });
      assert.equal(c.buffered.length, 0, "bytes after the last response");
    } finally {
      c.sock.destroy();
    }
  });

  test("pipelined requests with megabytes of answers: read on as answers pass, all in order", async () => {
    // 20 requests naming 1000 bananas-routed topics each (5 partitions): about 190 KB per
    // answer, 3.8 MB in all, several times the filter's default max_pending_answer_bytes
    // (1 MiB). The filter holds frames back until its answers come back through the echo
    // listener (proxy_on_upstream_data), then reads on.
    const v = await pickMetadataVersion();
    const N = 20;
    const names = Array.from({ length: 1000 }, (_, i) => `b-flow-${i}`);
    const requests = [];
    for (let i = 0; i < N; i++) requests.push(metadataRequest(v, 300_000 + i, names));
    const held = async () => {
      const text = await (await fetch(`http://${HOST}:${ADMIN}/stats?filter=kafka_mesh.reads_held`)).text();
      return Number(/reads_held: (\d+)/.exec(text)?.[1] ?? 0);
    };
    const heldBefore = await held();
    const c = await connect();
    try {
      c.sock.write(Buffer.concat(requests));
      await waitFor(c, () => c.frames.length >= N || c.closed, 30_000, `${N} large responses`);
      assert.equal(c.frames.length, N, `closed after ${c.frames.length} responses`);
      const total = c.frames.reduce((n, f) => n + f.length, 0);
      assert.ok(total > 3 * 1024 * 1024, `answers total ${total} bytes, expected several MiB`);
      c.frames.forEach((f, i) => {
        const r = readMetadataResponse(f, v);
        assert.equal(r.correlationId, 300_000 + i, `response ${i} out of order`);
        assert.equal(r.topics.length, names.length);
        assert.ok(r.topics.every((t) => t.errorCode === 0 && t.partitions.length === 5));
      });
      // The same connection still serves.
      c.sock.write(apiVersionsRequest(0, 300_100));
      await waitFor(c, () => c.frames.length >= N + 1 || c.closed, 5_000, "ApiVersions after the large answers");
      assert.equal(readApiVersionsResponse(c.frames[N], 0).correlationId, 300_100);
      // Counters are flushed to the admin endpoint on Envoy's stats interval.
      for (let t = 0; t < 100 && (await held()) <= heldBefore; t++) await sleep(100);
      assert.ok((await held()) > heldBefore, "the filter never held requests back: the flow control was not exercised");
    } finally {
      c.sock.destroy();
    }
  });

  // A broker closes the connection on a frame it cannot accept; the filter may also answer
  // with an error. Either way the connection must not hang, and Envoy must keep serving.
  const garbage: Record<string, Buffer> = {
    "a negative size prefix": Buffer.concat([int32(-1), Buffer.from("garbage!")]),
    "a 2 GiB size prefix": Buffer.concat([int32(0x7fffffff), Buffer.alloc(64, 0xab)]),
    "an unknown API key with a garbage body": requestFrame(31999, 7, 31337, Buffer.from([0xff, 0x00, 0x13, 0x37, 0xde, 0xad])),
    "a frame too short for a request header": Buffer.concat([int32(3), Buffer.from([0, 18, 0])]),
  };
  for (const [what, bytes] of Object.entries(garbage)) {
    test(`${what} gets a clean close or an error answer; new connections still work`, async () => {
      const c = await connect();
      try {
        c.sock.write(bytes);
        await waitFor(c, () => c.closed || c.frames.length > 0, 5000, "a close or an answer");
        if (!c.closed) {
          // An answer must be a well-formed error for this request, then the stream goes on.
          assert.ok(c.frames[0].length >= 4);
          assert.equal(c.frames[0].readInt32BE(0), 31337, "answer to a request that carried no correlation id");
        }
      } finally {
        c.sock.destroy();
      }
      await assertStillServes(9000);
      assert.equal(await envoy.isReady(), true);
    });
  }

  test("half a frame then a close does not disturb the next connection", async () => {
    const c = await connect();
    c.sock.write(apiVersionsRequest(0, 5).subarray(0, 7));
    await sleep(100);
    c.sock.destroy();
    await assertStillServes(9001);
  });

  test("Envoy log shows no wasm failure", async () => {
    const log = readFileSync(logPath, "utf8");
    const bad = log.split("\n").filter((l) => VM_FAILURE.test(l));
    assert.deepEqual(bad, []);
  });
});

// func-e as users run it (`func-e run -c envoy/envoy.yaml`), with no network: every lookup
// URL points at a closed loopback port, so this passes only if func-e uses the installed
// binary under .cache/func-e without asking for a version list.
test("func-e runs envoy/envoy.yaml offline with the pinned binary", async (t) => {
  const funcE = join(ROOT, ".cache", "go-bin", "func-e");
  assert.ok(existsSync(funcE), "func-e missing: run envoy/install.sh");
  for (const p of [PORT, ADMIN]) assert.ok(await portFree(p), `port ${p} is in use`);
  const home = join(ROOT, ".cache", "func-e");
  mkdirSync(join(ROOT, ".stack"), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FUNC_E_DATA_HOME: home,
    FUNC_E_CONFIG_HOME: join(home, "config"),
    FUNC_E_STATE_HOME: join(home, "state"),
    FUNC_E_RUNTIME_DIR: join(home, "run"),
    ENVOY_VERSIONS_URL: "http://127.0.0.1:9/envoy-versions.json",
  };
  delete env.ENVOY_PATH;
  delete env.ENVOY_VERSION;
  const child = spawn(funcE, ["run", "-c", "envoy/envoy.yaml"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d));
  child.stderr.on("data", (d: Buffer) => (out += d));
  const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((r) => child.on("exit", (code, sig) => r({ code, sig })));
  t.after(async () => { if (child.exitCode === null) { child.kill("SIGKILL"); await exited; } });
  try {
    const deadline = Date.now() + 30_000;
    let ready = false;
    while (!ready && Date.now() < deadline && child.exitCode === null) {
      ready = await fetch(`http://${HOST}:${ADMIN}/ready`).then((r) => r.text()).then((b) => b.trim() === "LIVE", () => false);
      if (!ready) await sleep(200);
    }
    assert.ok(ready, `func-e's Envoy never became ready:\n${out}`);
    const info = asObject(await (await fetch(`http://${HOST}:${ADMIN}/server_info`)).json(), "/server_info");
    const pinned = readFileSync(join(ROOT, ".envoy-version"), "utf8").trim();
    assert.match(String(info.version), new RegExp(`/${pinned.replace(/\./g, "\\.")}/`));
  } finally {
    child.kill("SIGINT"); // func-e stops Envoy and exits on interrupt
    const { code } = await exited;
    assert.equal(code, 0, `func-e exit code ${code}:\n${out}`);
  }
  for (const p of [PORT, ADMIN]) assert.ok(await portFree(p), `port ${p} still bound after func-e exit`);
  // The binary func-e ran is the one the project pinned (and nothing was downloaded).
  const installed = join(home, "envoy-versions", readFileSync(join(ROOT, ".envoy-version"), "utf8").trim(), "bin", "envoy");
  assert.ok(existsSync(installed));
  assert.match(out, new RegExp(installed.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")), out);
});
