// Fault scenarios on the running stack: idempotent acks=all producers (Kafka's Java client and
// librdkafka) write through Envoy while a fault is injected; afterwards every cluster is read
// directly (not through the mesh) and reconciled with what the clients were told. Each scenario
// runs once per upstream dialect: through the stack's Envoy for its config's dialect, through an
// Envoy of the other dialect in front of the same bridges (tests/e2e/dialects.ts) for the other.
//
//   node --import tsx tests/faults/run.ts [--only a,b:native] [--dialect native|strimzi|both] [--rate N] [--scale F]
//                                    [--clients java,librdkafka] [--out FILE.md] [--no-write]
//
// --only names scenarios, each on every dialect run, or on one dialect as name:dialect.
//
// Needs the stack up (make up, same STACK_PORT_OFFSET), .cache/faults-classes (javac of
// tests/faults/FaultClient.java) and .venv with confluent-kafka (tests/faults/requirements.txt): `make
// faults` does all of it. Exits 1 when an acknowledged record is missing, a record sits in a
// cluster or topic its topic does not route to, an acknowledged offset is not where the record
// is, a client saw a non-retriable error, a producer hung, or Envoy's log shows a VM failure.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, stackPorts } from "../e2e/stack-ports.ts";
import { startDialectEnvoy } from "../e2e/dialects.ts";
import type { Component } from "../../stack/component.ts";
import { DIALECTS, type Dialect, isDialect } from "../../stack/config.ts";
import { phases, up, waitReady, type Phase } from "../../stack/stack.ts";
import { logFile, runningPid } from "../../stack/proc.ts";
import { kafkaLibs } from "../../scripts/versions.ts";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const args = process.argv.slice(2);
/** The value after --<name>, if the option is given. */
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const RATE = Number(opt("rate") ?? "40"); // records per second per client
const SCALE = Number(opt("scale") ?? "1"); // multiplies every duration (0.3 for a short run)
const CLIENTS = (opt("clients") ?? "java,librdkafka").split(",");
const DIALECT_OPT = opt("dialect") ?? "both";
const RUN_DIALECTS: Dialect[] = DIALECT_OPT === "both" ? [...DIALECTS] : isDialect(DIALECT_OPT) ? [DIALECT_OPT]
  : (() => { throw new Error(`--dialect: native, strimzi or both, not ${DIALECT_OPT}`); })();
const TOPICS = ["apples", "apricots", "bananas"]; // c1, c2, c3 in the reference config
const CLASSES = join(ROOT, ".cache", "faults-classes");
const CP = `${CLASSES}:${kafkaLibs(ROOT)}/*`;
const PY = join(ROOT, ".venv", "bin", "python");
const ports = stackPorts();
const runId = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "");
const workDir = join(ROOT, ".stack", "faults", runId);
mkdirSync(workDir, { recursive: true });

// -----------------------------------------------------------------------------------------
// Stack control through the stack's own components (pid files under .stack/)

const components = new Map<string, Phase & { c: Component }>();
for (const p of await phases(ROOT)) for (const c of p.components) components.set(c.name, { ...p, c });

function component(name: string): Component {
  const found = components.get(name);
  if (!found) throw new Error(`${name} is not a component of the stack`);
  return found.c;
}

function pidOf(name: string): number {
  const pid = runningPid(ROOT, name);
  if (pid === undefined) throw new Error(`${name} is not running: start the stack (make up) first`);
  return pid;
}

/**
 * Resets every established TCP connection to a local port (ss -K: SOCK_DESTROY, needs
 * CAP_NET_ADMIN) and returns how many there were; throws when ss cannot do it.
 */
function resetConnectionsTo(port: number): number {
  const filter = ["-tnH", "state", "established", `( dport = :${port} )`];
  const sockets = (): Set<string> => {
    const r = spawnSync("ss", filter, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`ss: ${r.stderr || r.error}`);
    // Local address:port identifies each connection.
    return new Set(r.stdout.split("\n").map((l) => l.trim().split(/\s+/)[2]).filter((a): a is string => !!a));
  };
  const before = sockets();
  const kill = spawnSync("ss", ["-K", ...filter], { encoding: "utf8" });
  if (kill.status !== 0) throw new Error(`ss -K: ${kill.stderr || kill.error}`);
  const survivors = [...sockets()].filter((a) => before.has(a));
  if (survivors.length > 0) throw new Error(`ss -K left ${survivors.length} of ${before.size} connections to port ${port}: no SOCK_DESTROY here`);
  return before.size;
}

async function startAgain(kind: string): Promise<number> {
  const t = Date.now();
  await up(ROOT, [kind]);
  return Date.now() - t;
}

/** The Envoy producers of a scenario go through: the stack's, or the other dialect's. */
interface EnvoyUnderTest {
  dialect: Dialect;
  /** Kafka listener host:port. */
  address: string;
  /** Component name (its log is .stack/<name>.log). */
  name: string;
  /** Stops it (SIGTERM) and starts it again; resolves with the ms until it was ready. */
  restart(): Promise<number>;
  /** Stops what was started for the run (nothing for the stack's own Envoy). */
  close(): Promise<void>;
}

async function envoyFor(dialect: Dialect): Promise<EnvoyUnderTest> {
  const d = await startDialectEnvoy(dialect);
  const own = d.component;
  return {
    dialect, address: d.envoy, name: d.name,
    async restart() {
      if (own === null) {
        await component("envoy").stop();
        return startAgain("envoy");
      }
      await own.stop();
      const t = Date.now();
      await own.start();
      await waitReady(ROOT, own, 60_000);
      return Date.now() - t;
    },
    close: () => d.stop(),
  };
}

// Envoy's log is rewritten when Envoy starts: keep what each scenario wrote before a restart.
const envoyLogState = { path: "", offset: 0, kept: "" };
function envoyLogMark(envoy: EnvoyUnderTest): void {
  envoyLogState.path = logFile(ROOT, envoy.name);
  envoyLogState.offset = existsSync(envoyLogState.path) ? statSync(envoyLogState.path).size : 0;
  envoyLogState.kept = "";
}
function envoyLogTake(): string {
  if (!existsSync(envoyLogState.path)) return envoyLogState.kept;
  const all = readFileSync(envoyLogState.path);
  const text = envoyLogState.kept + all.subarray(Math.min(envoyLogState.offset, all.length)).toString("utf8");
  envoyLogState.kept = text;
  envoyLogState.offset = all.length;
  return text;
}
type Note = (text: string) => void;

async function restartEnvoy(note: Note, envoy: EnvoyUnderTest): Promise<void> {
  envoyLogTake();
  note(`${envoy.name} stopping (SIGTERM)`);
  const restarted = envoy.restart();
  // The log is rewritten from its start once the new process opens it.
  envoyLogState.offset = 0;
  const ms = await restarted;
  note(`${envoy.name} started again, ready after ${ms} ms`);
}
// Critical lines, V8 traps, AssemblyScript aborts, panics (the start-up banner lists extension
// names such as "abort", so only log lines of level critical or of the wasm logger count).
const isVmFailure = (l: string): boolean => /\]\[critical\]/.test(l) ||
  (/\]\[wasm\]/.test(l) && /Function: \S+ failed|RuntimeError|trap|panic|abort|failed to load|Unable to create/i.test(l));

// -----------------------------------------------------------------------------------------
// Scenarios. Each fault starts at `at` seconds into a producing run of `seconds` seconds.

interface Scenario {
  name: string;
  what: string;
  seconds: number;
  at: number;
  freezeMs?: number;
  downMs?: number;
  /** The dialects the scenario means something for (default: every one). */
  dialects?: Dialect[];
  /** Error codes some client must have seen. */
  expectCodes?: () => string[];
  fault(note: Note, s: Scenario, producers: Producer[], envoy: EnvoyUnderTest): Promise<void>;
}

const SCENARIOS: Scenario[] = [
  {
    name: "baseline",
    what: "no fault: the reference for the others",
    seconds: 20, at: 0,
    async fault() {},
  },
  {
    name: "bridge-kill",
    what: "bridge of c1 killed (SIGKILL) and started again",
    seconds: 30, at: 8,
    async fault(note) {
      process.kill(pidOf("bridge-c1"), "SIGKILL");
      note("bridge-c1 SIGKILL");
      await sleep(2000);
      note(`bridge-c1 started again, ready after ${await startAgain("bridge")} ms`);
    },
  },
  {
    name: "bridge-drain",
    what: "bridge of c3 stopped (SIGTERM: it closes its HTTP connections and gRPC streams) and started again",
    seconds: 30, at: 8,
    async fault(note) {
      await component("bridge-c3").stop();
      note("bridge-c3 stopped (SIGTERM)");
      note(`bridge-c3 started again, ready after ${await startAgain("bridge")} ms`);
    },
  },
  {
    name: "stream-reset",
    what: "the connections between Envoy and the gRPC port of c1's bridge reset (ss -K) 40 times, 250 ms apart: streams lost mid-load with writes in flight, Envoy and bridge alive",
    seconds: 30, at: 8, dialects: ["native"],
    async fault(note) {
      const port = Number(ports.clusters.c1.grpc.replace(/^.*:/, ""));
      // At 40 records/s a stream is idle most of the time: many resets make sure some land
      // while messages are in flight.
      let resets = 0;
      for (let i = 0; i < 40; i++) {
        resets += resetConnectionsTo(port);
        await sleep(250 * SCALE);
      }
      note(`reset ${resets} connections to the gRPC port ${port} (ss -K), 40 rounds 250 ms apart`);
    },
  },
  {
    name: "bridge-freeze",
    what: "bridge of c2 frozen (SIGSTOP) for 35 s, past the 30 s produce timeout, then resumed",
    seconds: 55, at: 8, freezeMs: 35_000,
    // The filter's HTTP call times out with the produce request's timeout (30 s for both
    // clients): clients are told, when the freeze lasts that long.
    expectCodes: () => (35_000 * SCALE > 30_000 ? ["REQUEST_TIMED_OUT"] : []),
    async fault(note, s) {
      const pid = pidOf("bridge-c2");
      process.kill(pid, "SIGSTOP");
      note("bridge-c2 SIGSTOP");
      try {
        await sleep((s.freezeMs ?? 0) * SCALE);
      } finally {
        process.kill(pid, "SIGCONT");
        note("bridge-c2 SIGCONT");
      }
    },
  },
  {
    name: "broker-outage",
    what: "Kafka broker of c3 stopped for 35 s, its bridge cannot deliver, then started again",
    seconds: 55, at: 8, downMs: 35_000,
    async fault(note, s) {
      await component("kafka-c3").stop();
      note("kafka-c3 stopped (SIGTERM)");
      await sleep((s.downMs ?? 0) * SCALE);
      note(`kafka-c3 started again, ready after ${await startAgain("kafka")} ms`);
    },
  },
  {
    name: "broker-restart",
    what: "Kafka broker of c1 restarted (SIGTERM, start at once)",
    seconds: 30, at: 8,
    async fault(note) {
      await component("kafka-c1").stop();
      note("kafka-c1 stopped (SIGTERM)");
      note(`kafka-c1 started again, ready after ${await startAgain("kafka")} ms`);
    },
  },
  {
    name: "client-kill",
    what: "producers killed (SIGKILL) with requests in flight",
    seconds: 30, at: 10,
    async fault(note, _s, producers) {
      for (const p of producers) p.child.kill("SIGKILL");
      note("producers SIGKILL");
    },
  },
  {
    name: "envoy-restart",
    what: "Envoy restarted (SIGTERM, start again); clients reconnect",
    seconds: 30, at: 8,
    async fault(note, _s, _p, envoy) {
      await restartEnvoy(note, envoy);
    },
  },
];

// -----------------------------------------------------------------------------------------
// Producers

interface Producer {
  client: string;
  prefix: string;
  log: string;
  stderr: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The exit code or signal, "hung (killed)" for a producer that did not finish. */
  exit?: string;
}

function startProducer(client: string, prefix: string, count: number, envoy: string): Producer {
  const log = join(workDir, `${prefix}.jsonl`);
  const stderr = join(workDir, `${prefix}.stderr`);
  const topics = TOPICS.join(",");
  const [cmd, argv]: [string, string[]] = client === "java"
    ? ["java", ["-Xmx256m", `-Dlog4j2.configurationFile=${join(ROOT, "tests", "faults", "log4j2.properties")}`, "-cp", CP,
      "FaultClient", "produce", envoy, log, prefix, String(count), String(RATE), topics]]
    : [PY, [join(ROOT, "tests", "faults", "producer.py"), envoy, log, prefix, String(count), String(RATE), topics]];
  const child = spawn(cmd, argv, { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr.on("data", (d: Buffer) => appendFileSync(stderr, d));
  const exited: Producer["exited"] = new Promise((r) => child.on("exit", (code, signal) => r({ code, signal })));
  return { client, prefix, log, stderr, child, exited };
}

/** A JSON line of a producer (tests/faults/FaultClient.java, tests/faults/producer.py): the fields read here. */
interface ClientEvent {
  ev: string;
  /** The record's number (NaN on events about no record). */
  id: number;
  topic?: string;
  partition?: number;
  offset?: number;
  code?: string;
  retriable?: boolean;
  api?: string;
}

/** A record of a dump (FaultClient dump): key and value as text. */
interface DumpedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: string;
}

/** The JSON objects of a JSON-lines file, their fields as they are. */
function readJsonLines(path: string): Array<Record<string, unknown>> {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8").split("\n").filter(Boolean).flatMap((l) => {
    try {
      const j: unknown = JSON.parse(l);
      return typeof j === "object" && j !== null && !Array.isArray(j) ? [j as Record<string, unknown>] : [];
    } catch {
      return []; // a line cut by SIGKILL
    }
  });
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

function readEvents(path: string): ClientEvent[] {
  return readJsonLines(path).map((o) => ({
    ev: str(o.ev) ?? "", id: num(o.id) ?? NaN, topic: str(o.topic), partition: num(o.partition), offset: num(o.offset),
    code: str(o.code), retriable: typeof o.retriable === "boolean" ? o.retriable : undefined, api: str(o.api),
  }));
}

function readDump(path: string): DumpedRecord[] {
  return readJsonLines(path).map((o) => ({
    topic: str(o.topic) ?? "", partition: num(o.partition) ?? -1, offset: num(o.offset) ?? -1, key: str(o.key) ?? "", value: str(o.value) ?? "",
  }));
}

/** Errors a client saw, by code: final delivery errors and the ones it retried. */
interface ClientError {
  code: string;
  final: boolean;
  retriable?: boolean;
}

function clientErrors(p: Producer, events: ClientEvent[]): ClientError[] {
  const codes: ClientError[] = [];
  for (const e of events) {
    if (e.ev === "err") codes.push({ code: String(e.code), final: true, retriable: e.retriable });
    if (e.ev === "cerr") codes.push({ code: String(e.code), final: false, retriable: e.retriable });
  }
  if (p.client === "java" && existsSync(p.stderr)) {
    // The Sender logs each error answer it retries at WARN (tests/faults/log4j2.properties).
    for (const m of readFileSync(p.stderr, "utf8").matchAll(/Got error produce response .*?Error: ([A-Z_]+)/g)) {
      codes.push({ code: m[1]!, final: false });
    }
  }
  if (p.client === "librdkafka") {
    // Failed Produce requests as librdkafka's broker debug log reports them (tests/faults/producer.py).
    for (const e of events) if (e.ev === "reqerr" && e.api === "Produce") codes.push({ code: String(e.code), final: false });
  }
  return codes;
}

// librdkafka's own (client-side) error codes: connection problems it recovers from by itself.
const LIBRDKAFKA_TRANSIENT = new Set(["_TRANSPORT", "_ALL_BROKERS_DOWN", "_TIMED_OUT", "_RESOLVE", "_MSG_TIMED_OUT", "_RETRY"]);

function javaTool(argv: string[]): string {
  const r = spawnSync("java", ["-Xmx256m", `-Dlog4j2.configurationFile=${join(ROOT, "tests", "faults", "log4j2.properties")}`, "-cp", CP,
    "FaultClient", ...argv], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`FaultClient ${argv[0]} failed: ${r.stderr}`);
  return r.stdout.trim();
}

const retriableCache = new Map<string, boolean>();
function isRetriable(code: string): boolean | undefined {
  if (code.startsWith("_")) return LIBRDKAFKA_TRANSIENT.has(code);
  if (!retriableCache.has(code)) {
    const answer: unknown = JSON.parse(javaTool(["retriable", code]));
    if (typeof answer === "object" && answer !== null) Object.entries(answer).forEach(([k, v]) => retriableCache.set(k, v === true));
  }
  return retriableCache.get(code);
}

// -----------------------------------------------------------------------------------------
// Reconciliation

const ROUTE = (topic: string): string | null => {
  for (const r of ports.config.forwarding_rules) if (topic.startsWith(r.topic_prefix)) return r.target_cluster;
  return null;
};

interface Row {
  client: string;
  sent: number;
  acked: number;
  failed: number;
  found: number;
  duplicates: number;
  duplicatedIds: number;
  lost: number;
  misrouted: number;
  offsetMismatch: number;
  outOfOrder: number;
  unackedPresent: number;
  errors: Record<string, number>;
  nonRetriable: string[];
  done: boolean;
  exit: string | undefined;
}

function reconcile(producers: Producer[], dumps: Record<string, DumpedRecord[]>): Row[] {
  const rows: Row[] = [];
  for (const p of producers) {
    const events = readEvents(p.log);
    const sent = new Map<number, string | undefined>();
    const acked = new Map<number, ClientEvent>();
    const failed = new Map<number, ClientEvent>();
    for (const e of events) {
      if (e.ev === "sent") sent.set(e.id, e.topic);
      if (e.ev === "ack") acked.set(e.id, e);
      if (e.ev === "err") failed.set(e.id, e);
    }
    // Every copy of this producer's records, wherever it is.
    const copies = new Map<number, Array<DumpedRecord & { cluster: string }>>();
    let misrouted = 0;
    for (const [cluster, recs] of Object.entries(dumps)) {
      for (const r of recs) {
        if (!r.key.startsWith(p.prefix + "-")) continue;
        const id = Number(r.key.slice(p.prefix.length + 1));
        const intended = r.value.split("|")[1] ?? "";
        if (r.topic !== intended || ROUTE(intended) !== cluster) misrouted++;
        if (!copies.has(id)) copies.set(id, []);
        copies.get(id)!.push({ cluster, ...r });
      }
    }
    let lost = 0;
    let offsetMismatch = 0;
    let duplicates = 0;
    let duplicatedIds = 0;
    for (const [id, list] of copies) {
      if (list.length > 1) {
        duplicates += list.length - 1;
        duplicatedIds++;
      }
      if (!sent.has(id)) misrouted++; // a key this producer never sent
    }
    for (const [id, a] of acked) {
      const list = copies.get(id) ?? [];
      if (list.length === 0) lost++;
      else if (!list.some((c) => c.topic === a.topic && c.partition === a.partition && c.offset === a.offset)) offsetMismatch++;
    }
    // An idempotent producer's records keep their order within a partition (Kafka's promise
    // for max.in.flight.requests.per.connection <= 5): count records found before an earlier one.
    let outOfOrder = 0;
    const lastOffset = new Map<string, number>();
    for (const id of [...copies.keys()].sort((a, b) => a - b)) {
      const c = copies.get(id)![0]!;
      const k = `${c.cluster}/${c.topic}/${c.partition}`;
      if (lastOffset.has(k) && c.offset < lastOffset.get(k)!) outOfOrder++;
      lastOffset.set(k, Math.max(c.offset, lastOffset.get(k) ?? -1));
    }
    const unackedPresent = [...copies.keys()].filter((id) => !acked.has(id)).length;
    const errors = clientErrors(p, events);
    const byCode: Record<string, number> = {};
    const nonRetriable: string[] = [];
    for (const e of errors) {
      const key = e.final ? `${e.code}(final)` : e.code;
      byCode[key] = (byCode[key] ?? 0) + 1;
      // An idempotent producer resends in order after OUT_OF_ORDER_SEQUENCE_NUMBER, which a
      // broker (and the mesh) answers for batches behind a failed one: only a final one counts.
      const recoveredByClient = !e.final && e.code === "OUT_OF_ORDER_SEQUENCE_NUMBER";
      if (!isRetriable(e.code) && !recoveredByClient) nonRetriable.push(e.code);
    }
    const done = events.some((e) => e.ev === "done");
    rows.push({
      client: p.client, sent: sent.size, acked: acked.size, failed: failed.size, found: copies.size, duplicates, duplicatedIds,
      lost, misrouted, offsetMismatch, outOfOrder, unackedPresent, errors: byCode, nonRetriable: [...new Set(nonRetriable)], done,
      exit: p.exit,
    });
  }
  return rows;
}

function snapshotOffsets(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, c] of Object.entries(ports.clusters)) {
    const path = join(workDir, `${tag}-${name}.offsets.json`);
    writeFileSync(path, javaTool(["offsets", c.kafka]));
    out[name] = path;
  }
  return out;
}

function dumpClusters(start: Record<string, string>, prefix: string): Record<string, DumpedRecord[]> {
  const out: Record<string, DumpedRecord[]> = {};
  for (const [name, c] of Object.entries(ports.clusters)) {
    const path = join(workDir, `${prefix}-${name}.dump.jsonl`);
    javaTool(["dump", c.kafka, path, start[name] ?? "", prefix]);
    out[name] = readDump(path);
  }
  return out;
}

// -----------------------------------------------------------------------------------------

interface ScenarioResult extends Scenario {
  dialect: Dialect;
  count: number;
  rows: Row[];
  notes: string[];
  vmFailures: string[];
  problems: string[];
  elapsed: number;
}

async function runScenario(s: Scenario, envoy: EnvoyUnderTest): Promise<ScenarioResult> {
  const seconds = Math.max(6, Math.round(s.seconds * SCALE));
  const at = Math.max(2, Math.round(s.at * SCALE));
  const count = Math.round(seconds * RATE);
  const tag = `${s.name}-${envoy.dialect}`;
  const prefix = `${runId}-${tag}`;
  const notes: string[] = [];
  let t0 = Date.now();
  const note = (text: string): void => {
    notes.push(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${text}`);
    console.log(`  [${tag}] ${notes.at(-1)}`);
  };
  console.log(`== ${s.name} (${envoy.dialect}, Envoy ${envoy.address}): ${s.what}; ${count} records per client over ${seconds} s, fault at ${at} s`);
  const start = snapshotOffsets(tag);
  envoyLogMark(envoy);
  t0 = Date.now();
  const producers = CLIENTS.map((c) => startProducer(c, `${prefix}-${c}`, count, envoy.address));
  await sleep(at * 1000);
  await s.fault(note, s, producers, envoy);
  // Every producer settles by itself (delivery.timeout.ms 120 s, message.timeout.ms 300 s);
  // a producer still running well after that is a hang.
  const deadline = Date.now() + (seconds + 330) * 1000;
  for (const p of producers) {
    const result = await Promise.race([p.exited, sleep(Math.max(0, deadline - Date.now())).then(() => null)]);
    if (result === null) {
      p.child.kill("SIGKILL");
      p.exit = "hung (killed)";
      await p.exited;
    } else {
      p.exit = result.signal ?? String(result.code);
    }
  }
  note("producers finished");
  const dumps = dumpClusters(start, prefix);
  const rows = reconcile(producers, dumps);
  const log = envoyLogTake();
  const vmFailures = log.split("\n").filter(isVmFailure);
  const expectKilled = s.name === "client-kill";
  const problems: string[] = [];
  for (const r of rows) {
    if (r.lost > 0) problems.push(`${r.client}: ${r.lost} acknowledged records lost`);
    if (r.misrouted > 0) problems.push(`${r.client}: ${r.misrouted} records in a cluster or topic they do not route to`);
    if (r.offsetMismatch > 0) problems.push(`${r.client}: ${r.offsetMismatch} acknowledged offsets do not hold the record`);
    if (r.outOfOrder > 0) problems.push(`${r.client}: ${r.outOfOrder} records written before records the producer sent earlier`);
    if (r.nonRetriable.length > 0) problems.push(`${r.client}: non-retriable errors ${r.nonRetriable.join(", ")}`);
    if (r.exit === "hung (killed)") problems.push(`${r.client}: producer did not finish`);
    else if (!expectKilled && (r.exit !== "0" || !r.done)) problems.push(`${r.client}: producer exit ${r.exit}`);
    if (!expectKilled && r.acked + r.failed !== r.sent) problems.push(`${r.client}: ${r.sent - r.acked - r.failed} records never settled`);
  }
  for (const code of s.expectCodes?.() ?? []) {
    if (!rows.some((r) => Object.keys(r.errors).some((k) => k.startsWith(code)))) problems.push(`no client saw ${code}`);
  }
  if (vmFailures.length > 0) problems.push(`Envoy log: ${vmFailures.length} VM failure lines, first: ${vmFailures[0]}`);
  return { ...s, dialect: envoy.dialect, seconds, at, count, rows, notes, vmFailures, problems, elapsed: Math.round((Date.now() - t0) / 1000) };
}

function table(results: ScenarioResult[]): string {
  const lines = [
    "| scenario | dialect | client | sent | acked | failed | found | duplicates | lost | misrouted | offset mismatch | out of order | unacked present | client-visible errors (by code) |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const r of results) {
    for (const row of r.rows) {
      const errs = Object.entries(row.errors).map(([k, v]) => `${k} ×${v}`).join(", ") || "none";
      lines.push(`| ${r.name} | ${r.dialect} | ${row.client} | ${row.sent} | ${row.acked} | ${row.failed} | ${row.found} | ${row.duplicates} | ${row.lost} | ${row.misrouted} | ${row.offsetMismatch} | ${row.outOfOrder} | ${row.unackedPresent} | ${errs} |`);
    }
  }
  return lines.join("\n");
}

/** Per dialect, over every scenario and client: the four counts that must stay 0. */
function dialectSummary(results: ScenarioResult[]): string {
  const lines = [
    "| dialect | scenarios | acked | acknowledged records lost | misrouted | at another offset than told | out of order | duplicates | failed scenarios |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const d of [...new Set(results.map((r) => r.dialect))]) {
    const mine = results.filter((r) => r.dialect === d);
    const rows = mine.flatMap((r) => r.rows);
    const sum = (f: (row: Row) => number): number => rows.reduce((n, row) => n + f(row), 0);
    lines.push(`| ${d} | ${mine.length} | ${sum((r) => r.acked)} | ${sum((r) => r.lost)} | ${sum((r) => r.misrouted)} | ${sum((r) => r.offsetMismatch)} | ${sum((r) => r.outOfOrder)} | ${sum((r) => r.duplicates)} | ${mine.filter((r) => r.problems.length > 0).length} |`);
  }
  return lines.join("\n");
}

const only = opt("only")?.split(",").map((entry) => {
  const [name, dialect] = entry.split(":");
  if (!SCENARIOS.some((s) => s.name === name)) throw new Error(`unknown scenario ${name} in --only; known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  if (dialect !== undefined && !isDialect(dialect)) throw new Error(`--only ${entry}: native or strimzi after the colon`);
  return { name, dialect };
});
const chosen = only ? SCENARIOS.filter((s) => only.some((o) => o.name === s.name)) : SCENARIOS;
/** Whether --only (or the scenario itself) leaves scenario s to run on dialect d. */
const runsOn = (s: Scenario, d: Dialect): boolean =>
  (!s.dialects || s.dialects.includes(d)) && (!only || only.some((o) => o.name === s.name && (o.dialect === undefined || o.dialect === d)));
for (const name of ["envoy", ...Object.keys(ports.clusters).flatMap((c) => [`kafka-${c}`, `bridge-${c}`])]) pidOf(name);

const envoys: EnvoyUnderTest[] = [];
const results: ScenarioResult[] = [];
try {
  for (const d of RUN_DIALECTS) {
    const e = await envoyFor(d);
    envoys.push(e);
    console.log(`${d}: Envoy ${e.address} (${e.name})`);
  }
  for (const s of chosen) {
    for (const e of envoys) if (runsOn(s, e.dialect)) results.push(await runScenario(s, e));
  }
} finally {
  for (const e of envoys) await e.close();
}

const md = [
  `# Fault run ${runId}`,
  "",
  `Stack: ${envoys.map((e) => `${e.dialect} Envoy ${e.address}`).join(", ")}, clusters ${Object.entries(ports.clusters).map(([n, c]) => `${n} ${c.kafka}`).join(", ")}.`,
  `Clients: ${CLIENTS.join(", ")}, idempotent, acks=all, ${RATE} records/s each, topics ${TOPICS.join(", ")}.`,
  "",
  dialectSummary(results),
  "",
  table(results),
  "",
  ...results.flatMap((r) => [
    `## ${r.name} (${r.dialect}): ${r.what}`,
    "",
    `${r.count} records per client over ${r.seconds} s, fault at ${r.at} s, ${r.elapsed} s in all.`,
    "",
    ...r.notes.map((n) => `- ${n}`),
    ...r.rows.map((row) => `- ${row.client}: exit ${row.exit}; ${row.duplicatedIds} records written more than once; non-retriable errors: ${row.nonRetriable.join(", ") || "none"}`),
    `- Envoy log: ${r.vmFailures.length} VM failure lines`,
    r.problems.length ? `- **FAILED**: ${r.problems.join("; ")}` : "- passed",
    "",
  ]),
].join("\n");
console.log("\n" + table(results) + "\n\n" + dialectSummary(results) + "\n");
for (const r of results) console.log(`${r.name} (${r.dialect}): ${r.problems.length ? "FAILED: " + r.problems.join("; ") : "passed"}`);
const failed = results.filter((r) => r.problems.length > 0).length;
if (!args.includes("--no-write")) {
  const out = opt("out") ?? join(ROOT, "tests", "faults", "results", `${runId.slice(0, 8)}.md`);
  mkdirSync(join(out, ".."), { recursive: true });
  writeFileSync(out, md + "\n");
  console.log(`written to ${out}`);
}
console.log(`faults: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
