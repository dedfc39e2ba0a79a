// Fuzzer for the filter module in the Node proxy-wasm host: hostile client bytes and hostile
// bridge answers (HTTP answers, gRPC stream messages and closes) must never trap the filter,
// hang it, or grow its memory.
//
//   node --import tsx tests/fuzz/fuzz.ts [--count N] [--seed S] [--hang-ms 2000] [--warmup N]
//                            [--mem-bound-kib K] [--distinct-topics] [--wasm path]
//                            [--memory | --memory-every N] [--config all|base|both|native|strimzi|secure|schemas]
//   (--config: the configurations the cases run on, each on a VM of its own, case by case in
//    turn: all (the default) native, strimzi, secure, schemas, schemas-open; base the first
//    three; both native and strimzi; secure is the native one with a security section (SASL
//    users, ACLs), whose cases are SASL exchanges (secure.ts) before ordinary frames; schemas
//    the native one with topic policies and a schema registry, fail_closed and fail_open, whose
//    cases are Produce requests checked against an oracle (schemas.ts))
//   (--memory: memory cases only, on a VM with a small budget; --memory-every N: one case in
//    N is a memory case, on that VM beside the main one)
//   node --import tsx tests/fuzz/fuzz.ts --connections 10000      (open/close heap check)
//   node --import tsx tests/fuzz/fuzz.ts --replay file.json        (re-run a saved failing case)
//
// The VM runs in a worker thread (worker.mjs, then this file); the main thread is a watchdog that ends the worker when a
// single VM call runs past --hang-ms, and writes the failing case to --repro-dir.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type HistogramSummary, type LogLine, MeshVm } from "../wasm-host/host.ts";
import * as k from "../lib/kafka/index.ts";
import { answerFor, readNativeProduce } from "../wasm-host/native-bridge.ts";
import {
  type Case, genCase, genMemoryCase, learnTopicIds, loadCorpus, MEMORY_LIMITS, memoryPeakBound, runSteps, type Step, type StepHooks,
} from "./cases.ts";
import { genSchemaCase, REGISTRY_CLUSTER, schemaTally, schemasSection } from "./schemas.ts";
import { genSecureCase, heapCheckLogin, securitySection } from "./secure.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const MAX_FRAME_BYTES = 1 << 20;

/** The command line (parseArgs); also what the worker thread gets. */
interface FuzzOptions {
  count: number;
  seed: number;
  hangMs: number;
  /** Frames before memory is measured (--warmup; default half the run, at least 150 000 frames). */
  warmup: number;
  memBoundKiB: number;
  distinctTopics: boolean;
  wasm: string;
  corpus: string;
  reproDir: string;
  connections: number;
  replay: string | null;
  progressEvery: number;
  memoryEvery: number;
  /** Case i runs on configs[i % configs.length]. */
  configs: Dialect[];
}

/**
 * The configurations the fuzzer runs: the bridge dialects' reference ones, native with a
 * security section, and native with schema policies and a registry (schemas.ts), fail_closed
 * and fail_open.
 */
export type Dialect = "native" | "strimzi" | "secure" | "schemas" | "schemas-open";
export const CONFIG_FILES: Readonly<Record<Dialect, string>> = {
  native: "examples/reference.json", strimzi: "examples/reference-strimzi.json", secure: "examples/reference.json",
  schemas: "examples/reference.json", "schemas-open": "examples/reference.json",
};
/** What --config names. */
const CONFIG_SETS: Readonly<Record<string, Dialect[]>> = {
  all: ["native", "strimzi", "secure", "schemas", "schemas-open"], base: ["native", "strimzi", "secure"], both: ["native", "strimzi"],
  native: ["native"], strimzi: ["strimzi"], secure: ["secure"],
  schemas: ["schemas", "schemas-open"],
};
/** Configurations whose cases are their own (secure.ts, schemas.ts): no memory cases on them. */
const OWN_CASES: ReadonlySet<Dialect> = new Set(["secure", "schemas", "schemas-open"]);
const isSchemas = (d: Dialect): boolean => d === "schemas" || d === "schemas-open";
/** How a report names a configuration. */
const configName = (d: Dialect): string =>
  d === "secure" ? `${CONFIG_FILES[d]} + security (secure.ts)`
    : isSchemas(d) ? `${CONFIG_FILES[d]} + schema policies, registry ${d === "schemas" ? "fail_closed" : "fail_open"} (schemas.ts)` : CONFIG_FILES[d];

/** Host options of a configuration's VM: the schema configurations' registry cluster is one Envoy knows. */
function hostOptions(d: Dialect): { clusters?: string[] } {
  if (!isSchemas(d)) return {};
  const config = fuzzConfig(d) as { upstream_clusters?: Array<{ rest_bridge?: { envoy_cluster?: string } }> };
  return { clusters: [...(config.upstream_clusters ?? []).flatMap((c) => (c.rest_bridge?.envoy_cluster ? [c.rest_bridge.envoy_cluster] : [])), REGISTRY_CLUSTER] };
}

/** The fuzz configuration: a dialect's reference configuration with a few limits changed. */
export type FuzzConfig = Record<string, unknown> & {
  max_frame_bytes?: number;
  max_buffered_bytes?: number;
  close_buffered_bytes?: number;
};

/** The memory VM's figures at the end of a run. */
interface MemoryVmFigures {
  dialect: Dialect;
  cases: number;
  memStart: number;
  memEnd: number;
  maxCallMs: number;
  maxCallName: string;
  peak: number;
  held: number;
  closed: number;
  refused: number;
  connections: number;
  httpCalls: number;
  grpcStreams: number;
  grpcMessages: number;
}

/** The main VM of one dialect at the end of a run. */
interface VmFigures {
  dialect: Dialect;
  cases: number;
  memStart: number;
  memWarm: number;
  memEnd: number;
  maxMem: number;
  maxCallMs: number;
  maxCallName: string;
  httpCalls: number;
  grpcStreams: number;
  grpcMessages: number;
  /** Stream messages by method (Produce, Forward). */
  byMethod: Record<string, number>;
  /** Streams still open (one per cluster at most) and messages on them never answered. */
  openStreams: number;
  unhandled: number;
  metrics: Metrics;
  openConnections: number;
}

type Metrics = Record<string, number | HistogramSummary>;

/** Messages from the worker thread. */
type ProgressMessage = { type: "progress"; line: string };
type FailMessage = { type: "fail"; caseIndex: number; memory?: boolean; steps: Step[]; error: string; log?: LogLine[] };
type DoneMessage = {
  type: "done";
  frames: number;
  cases: number;
  calls: number;
  seconds: number;
  memWarmAt: number;
  vms: VmFigures[];
  corpus: number;
  memoryVms: MemoryVmFigures[];
  /** The schema cases' oracle totals (both schema configurations). */
  schemas: typeof schemaTally;
};
type ConnectionsDoneMessage = {
  type: "connections-done";
  connections: number;
  warm: number;
  seconds: number;
  memStart: number;
  memWarm: number;
  memEnd: number;
  produceFrames: number;
  answered: number;
  produceRefused: number;
  metrics: Metrics;
  openConnections: number;
  /** HTTP calls and stream messages left unanswered. */
  pendingHttp: number;
};
type WorkerMessage = ProgressMessage | FailMessage | DoneMessage | ConnectionsDoneMessage;
/** How the worker ended: its last message, or a hang the watchdog saw. */
type WorkerResult = FailMessage | DoneMessage | ConnectionsDoneMessage | { type: "hang"; caseIndex: number };

/** A replay file (tests/fixtures/fuzz-repro/, or written by saveRepro). */
interface Repro {
  memory?: boolean;
  repeat?: number;
  memBoundKiB?: number;
  /** The dialect the case ran on (strimzi when absent: findings from before the native dialect). */
  dialect?: Dialect;
  steps: Step[];
}

/** The stack of an error, or the thrown value as text. */
const errorText = (e: unknown): string => String((e as Error | null)?.stack ?? e);

/** Messages go to the main thread (the worker thread always has a parent port). */
function post(m: WorkerMessage): void {
  parentPort!.postMessage(m);
}

function parseArgs(argv: string[]): FuzzOptions {
  const o: Omit<FuzzOptions, "warmup"> & { warmup: number | null } = {
    count: 200000,
    seed: 1,
    hangMs: 2000,
    warmup: null, // default: half the run, at least 150 000 frames
    memBoundKiB: 1024,
    distinctTopics: false,
    wasm: path.join(ROOT, "build/kafka_mesh.wasm"),
    corpus: path.join(ROOT, "tests/fixtures/corpus"),
    reproDir: path.join(ROOT, ".cache/fuzz/repro"),
    connections: 0,
    replay: null,
    progressEvery: 0,
    memoryEvery: 0,
    configs: CONFIG_SETS.all,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string => argv[++i]!;
    if (a === "--count") o.count = Number(v());
    else if (a === "--seed") o.seed = Number(v()) >>> 0;
    else if (a === "--hang-ms") o.hangMs = Number(v());
    else if (a === "--warmup") o.warmup = Number(v());
    else if (a === "--mem-bound-kib") o.memBoundKiB = Number(v());
    else if (a === "--distinct-topics") o.distinctTopics = true;
    else if (a === "--wasm") o.wasm = path.resolve(v());
    else if (a === "--corpus") o.corpus = path.resolve(v());
    else if (a === "--repro-dir") o.reproDir = path.resolve(v());
    else if (a === "--connections") o.connections = Number(v());
    else if (a === "--replay") o.replay = path.resolve(v());
    else if (a === "--progress") o.progressEvery = Number(v());
    else if (a === "--memory-every") o.memoryEvery = Number(v());
    else if (a === "--memory") o.memoryEvery = 1;
    else if (a === "--config") {
      const c = v();
      if (!CONFIG_SETS[c]) throw new Error(`--config ${c}: ${Object.keys(CONFIG_SETS).join(", ")}`);
      o.configs = CONFIG_SETS[c];
    }
    else throw new Error(`unknown option ${a}`);
  }
  // Memory cases run on the dialects' own configurations: not on secure or schemas.
  if (o.memoryEvery === 1 && o.configs.length > 1) o.configs = o.configs.filter((d) => !OWN_CASES.has(d));
  // The heap takes one or two growth steps to a steady size, at a point that depends on
  // fragmentation (docs/fuzz.md); what the run looks for is growth in its second half.
  return { ...o, warmup: o.warmup ?? Math.max(150000, Math.round(o.count / 2)) };
}

/** A dialect's reference scenario with a 1 MiB frame limit, so one frame cannot dwarf the heap (secure: with securitySection()). */
export function fuzzConfig(dialect: Dialect = "strimzi"): FuzzConfig {
  const config: FuzzConfig = JSON.parse(fs.readFileSync(path.join(ROOT, CONFIG_FILES[dialect]), "utf8"));
  config.max_frame_bytes = MAX_FRAME_BYTES;
  if (dialect === "secure") config.security = securitySection();
  if (isSchemas(dialect)) Object.assign(config, schemasSection(dialect === "schemas-open"));
  return config;
}

/**
 * Memory cases run on a VM of their own with a small budget (cases.ts MEMORY_LIMITS), so that
 * a few MiB of hostile partial frames reach it, and with Envoy's buffer limits scaled down
 * alike (64 KiB read buffer, 8 KiB reads).
 */
export function memoryConfig(dialect: Dialect = "strimzi"): FuzzConfig {
  const config = fuzzConfig(dialect);
  config.max_frame_bytes = MEMORY_LIMITS.maxFrameBytes;
  config.max_buffered_bytes = MEMORY_LIMITS.maxBufferedBytes;
  config.close_buffered_bytes = MEMORY_LIMITS.closeBufferedBytes;
  return config;
}
const MEMORY_HOST = { bufferLimit: MEMORY_LIMITS.bufferLimit, readChunk: MEMORY_LIMITS.readChunk };
/**
 * The memory VM's linear memory bound: 8x close_buffered_bytes (partial-frame buffers and the
 * garbage of reads not collected yet: 3-4x; memory.grow at least doubles) plus 8 MiB for the
 * module's own steady state with normal traffic (the main fuzz VM's heap).
 */
const MEMORY_VM_BOUND = 8 * MEMORY_LIMITS.closeBufferedBytes + 8 * 1048576;

/** The dialect case `caseIndex` runs on. */
function caseDialect(o: FuzzOptions, caseIndex: number): Dialect {
  return o.configs[caseIndex % o.configs.length];
}

function isMemoryCase(o: FuzzOptions, caseIndex: number): boolean {
  return o.memoryEvery > 0 && caseIndex % o.memoryEvery === o.memoryEvery - 1 && !OWN_CASES.has(caseDialect(o, caseIndex));
}

function genAnyCase(o: FuzzOptions, caseIndex: number, corpus: readonly Buffer[], topicIds: ReadonlyMap<string, string>): Case & { memory: boolean } {
  if (isMemoryCase(o, caseIndex)) return { memory: true, ...genMemoryCase(o.seed, caseIndex, corpus) };
  const opts = { maxFrameBytes: MAX_FRAME_BYTES, distinctTopics: o.distinctTopics, topicIds };
  if (caseDialect(o, caseIndex) === "secure") return { memory: false, ...genSecureCase(o.seed, caseIndex, corpus, opts) };
  if (isSchemas(caseDialect(o, caseIndex))) return { memory: false, ...genSchemaCase(o.seed, caseIndex) };
  return { memory: false, ...genCase(o.seed, caseIndex, corpus, opts) };
}

/**
 * The topic ids the build's Metadata answers give the pool's routed names (cases.ts
 * learnTopicIds), on a VM of their own, so that the cases stay a function of (build, seed, index).
 */
async function topicIdsOf(o: FuzzOptions): Promise<Map<string, string>> {
  return learnTopicIds(await MeshVm.load(o.wasm, fuzzConfig("native")));
}

const mib = (b: number): string => (b / 1048576).toFixed(2) + " MiB";

// ---------------------------------------------------------------- worker: the fuzz loop

async function fuzzWorker(o: FuzzOptions, beat: Int32Array): Promise<void> {
  const corpus = loadCorpus(o.corpus);
  const topicIds = await topicIdsOf(o);
  /** Per dialect: the main VM and its figures, and (with memory cases) the memory VM. */
  const runs = new Map<Dialect, { vm: MeshVm; memVm: MeshVm | null; cases: number; memCases: number; memStart: number; memVmStart: number; memWarm: number | null; maxMem: number }>();
  for (const d of o.configs) {
    const vm = await MeshVm.load(o.wasm, fuzzConfig(d), hostOptions(d));
    const memVm = o.memoryEvery > 0 && !OWN_CASES.has(d) ? await MeshVm.load(o.wasm, memoryConfig(d), MEMORY_HOST) : null;
    runs.set(d, { vm, memVm, cases: 0, memCases: 0, memStart: vm.memoryBytes(), memVmStart: memVm?.memoryBytes() ?? 0, memWarm: null, maxMem: vm.memoryBytes() });
  }
  let frames = 0;
  let caseIndex = 0;
  let memWarmAt = 0;
  let calls = 0;
  const t0 = performance.now();
  let nextProgress = o.progressEvery || Infinity;
  const hooks: StepHooks = {
    before() {
      Atomics.store(beat, 1, 1);
      Atomics.add(beat, 0, 1);
    },
    after() {
      Atomics.store(beat, 1, 0);
      calls++;
    },
  };
  while (frames < o.count) {
    Atomics.store(beat, 2, caseIndex);
    const { memory, steps, frames: n } = genAnyCase(o, caseIndex, corpus, topicIds);
    const run = runs.get(caseDialect(o, caseIndex))!;
    const target = memory ? run.memVm! : run.vm;
    try {
      const conns = runSteps(target, steps, hooks);
      for (const c of conns.values()) c.close();
      if (target.maxCallMs > o.hangMs) throw new Error(`a VM call took ${target.maxCallMs.toFixed(0)} ms: ${target.maxCallName}`);
      if (memory) {
        run.memCases++;
        if (target.memoryBytes() > MEMORY_VM_BOUND) throw new Error(`memory VM's linear memory ${mib(target.memoryBytes())}, over ${mib(MEMORY_VM_BOUND)}`);
      } else run.cases++;
    } catch (e) {
      post({ type: "fail", caseIndex, memory, steps, error: errorText(e), log: target.log.slice(-30) });
      return;
    }
    frames += n;
    caseIndex++;
    for (const r of runs.values()) r.maxMem = Math.max(r.maxMem, r.vm.memoryBytes());
    if (memWarmAt === 0 && frames >= o.warmup) {
      memWarmAt = frames;
      for (const r of runs.values()) r.memWarm = r.vm.memoryBytes();
    }
    if (frames >= nextProgress) {
      nextProgress += o.progressEvery;
      const s = (performance.now() - t0) / 1000;
      const parts = [...runs].map(([d, r]) => `${d} ${mib(r.vm.memoryBytes())}${r.memVm ? ` (memory VM ${mib(r.memVm.memoryBytes())}, ${r.memCases} memory cases)` : ""}`);
      post({ type: "progress", line: `${frames} frames, ${caseIndex} cases, ${(frames / s).toFixed(0)} frames/s, memory: ${parts.join(", ")}` });
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const vms: VmFigures[] = [];
  const memoryVms: MemoryVmFigures[] = [];
  for (const [dialect, r] of runs) {
    const vm = r.vm;
    vms.push({
      dialect,
      cases: r.cases,
      memStart: r.memStart,
      memWarm: r.memWarm ?? r.memStart,
      memEnd: vm.memoryBytes(),
      maxMem: r.maxMem,
      maxCallMs: vm.maxCallMs,
      maxCallName: vm.maxCallName,
      httpCalls: vm.httpCallLog,
      grpcStreams: vm.grpcStreamLog,
      grpcMessages: vm.grpcMessageLog,
      byMethod: Object.fromEntries(vm.grpcMessagesByMethod),
      openStreams: vm.grpcStreams.length,
      unhandled: vm.unhandledGrpcMessages(),
      metrics: vm.metrics(),
      openConnections: vm.openConnections(),
    });
    const memVm = r.memVm;
    if (memVm) {
      memoryVms.push({
        dialect,
        cases: r.memCases,
        memStart: r.memVmStart,
        memEnd: memVm.memoryBytes(),
        maxCallMs: memVm.maxCallMs,
        maxCallName: memVm.maxCallName,
        peak: memVm.gauges()["kafka_mesh.buffered_bytes"]?.peak ?? 0,
        held: memVm.metric("kafka_mesh.reads_held_for_memory"),
        closed: memVm.metric("kafka_mesh.connections_closed_for_memory"),
        refused: memVm.metric("kafka_mesh.connections_refused"),
        connections: memVm.metric("kafka_mesh.connections_total"),
        httpCalls: memVm.httpCallLog,
        grpcStreams: memVm.grpcStreamLog,
        grpcMessages: memVm.grpcMessageLog,
      });
    }
  }
  post({ type: "done", frames, cases: caseIndex, calls, seconds, memWarmAt, vms, corpus: corpus.length, memoryVms, schemas: schemaTally });
}

/**
 * 10k connections opened and closed, each with ApiVersions and Metadata (and Produce when served),
 * on the VM of the first of o.configs (main runs it once per dialect).
 */
async function connectionsWorker(o: FuzzOptions, beat: Int32Array): Promise<void> {
  const vm = await MeshVm.load(o.wasm, fuzzConfig(o.configs[0]), hostOptions(o.configs[0]));
  const produce = loadCorpus(o.corpus).filter((f) => f.length > 8 && f.readInt16BE(4) === 0);
  const warm = Math.min(1000, Math.floor(o.connections / 10));
  let memWarm = vm.memoryBytes();
  const memStart = memWarm;
  let answered = 0;
  let produceRefused = 0;
  const t0 = performance.now();
  for (let i = 0; i < o.connections; i++) {
    Atomics.add(beat, 0, 1);
    Atomics.store(beat, 2, i);
    const c = vm.connect();
    // With security: a SCRAM exchange first (its session and SCRAM state are per connection too).
    if (o.configs[0] === "secure") heapCheckLogin(c, i);
    const a = c.send(k.apiVersionsRequest(3, 1, "heap-check"));
    const m = c.send(k.metadataRequest(12, 2, ["apple", "b-orders", "avocado", "cherries"], "heap-check"));
    if (k.splitFrames(a.delivered).length !== 1 || k.splitFrames(m.delivered).length !== 1) {
      throw new Error(`connection ${i}: expected one ApiVersions and one Metadata answer`);
    }
    if (produce.length && !c.closed) {
      const f = Buffer.from(produce[i % produce.length]);
      f.writeInt32BE(3, 8);
      if (c.send(f).closed) produceRefused++;
      for (const call of vm.httpCalls) {
        vm.answerHttp(call.token, 200, JSON.stringify({ offsets: [{ partition: 0, offset: i }] }), [["content-type", "application/vnd.kafka.v2+json"]]);
        answered++;
      }
      for (const stream of vm.grpcStreams) {
        while (stream.handled < stream.messages.length) {
          vm.answerGrpc(stream.token, answerFor(readNativeProduce(stream.messages[stream.handled++]), () => BigInt(i)));
          answered++;
        }
      }
    }
    c.close();
    if (i + 1 === warm) memWarm = vm.memoryBytes();
  }
  const metrics = vm.metrics();
  post({
    type: "connections-done",
    connections: o.connections,
    warm,
    seconds: (performance.now() - t0) / 1000,
    memStart,
    memWarm,
    memEnd: vm.memoryBytes(),
    produceFrames: produce.length,
    answered,
    produceRefused,
    metrics,
    openConnections: vm.openConnections(),
    pendingHttp: vm.httpCalls.length + vm.unhandledGrpcMessages(),
  });
}

// ---------------------------------------------------------------- main: watchdog and report

function saveRepro(o: FuzzOptions, kind: string, seed: number, caseIndex: number, steps: Step[], error: string, log: LogLine[], memory = false): string {
  fs.mkdirSync(o.reproDir, { recursive: true });
  const dialect = caseDialect(o, caseIndex);
  const file = path.join(o.reproDir, `${memory ? "memory-" : ""}${kind}-${dialect}-seed${seed}-case${caseIndex}.json`);
  const config = memory
    ? `${CONFIG_FILES[dialect]} + max_frame_bytes ${MEMORY_LIMITS.maxFrameBytes}, max_buffered_bytes ${MEMORY_LIMITS.maxBufferedBytes}, close_buffered_bytes ${MEMORY_LIMITS.closeBufferedBytes}; host buffer limit ${MEMORY_LIMITS.bufferLimit}, reads of ${MEMORY_LIMITS.readChunk}`
    : `${configName(dialect)} + max_frame_bytes 1 MiB`;
  fs.writeFileSync(file, JSON.stringify({ kind, seed, caseIndex, memory, dialect, error, log, wasm: path.relative(ROOT, o.wasm), config, steps }, null, 1) + "\n");
  return file;
}

async function replay(o: FuzzOptions & { replay: string }): Promise<void> {
  const repro: Repro = JSON.parse(fs.readFileSync(o.replay, "utf8"));
  const dialect = repro.dialect ?? "strimzi";
  const vm = repro.memory ? await MeshVm.load(o.wasm, memoryConfig(dialect), MEMORY_HOST) : await MeshVm.load(o.wasm, fuzzConfig(dialect), hostOptions(dialect));
  const before = vm.memoryBytes();
  try {
    for (let i = 0; i < (repro.repeat ?? 1); i++) {
      const conns = runSteps(vm, repro.steps);
      for (const c of conns.values()) c.close();
    }
  } catch (e) {
    console.error(`replay ${path.basename(o.replay)}: FAILS\n${(e as Error | null)?.stack ?? e}`);
    process.exit(1);
  }
  const grown = vm.memoryBytes() - before;
  const bound = (repro.memBoundKiB ?? Infinity) * 1024;
  console.log(`replay ${path.basename(o.replay)} (${dialect}): no trap, slowest call ${vm.maxCallMs.toFixed(1)} ms (${vm.maxCallName}), memory ${mib(before)} -> ${mib(vm.memoryBytes())}, shared data entries ${vm.shared.map.size}`);
  if (vm.maxCallMs > o.hangMs) {
    console.error(`replay: a call took ${vm.maxCallMs.toFixed(0)} ms (${vm.maxCallName})`);
    process.exit(1);
  }
  if (grown > bound) {
    console.error(`replay: memory grew ${mib(grown)}, bound ${mib(bound)}`);
    process.exit(1);
  }
}

function runWorker(o: FuzzOptions): Promise<WorkerResult | null> {
  const beatBuf = new SharedArrayBuffer(16);
  const beat = new Int32Array(beatBuf);
  const worker = new Worker(new URL("./worker.mjs", import.meta.url), { workerData: { o, beatBuf } });
  return new Promise((resolve) => {
    let lastSeq = -1;
    let sameSince = performance.now();
    let result: WorkerResult | null = null;
    const timer = setInterval(() => {
      const seq = Atomics.load(beat, 0);
      const inCall = Atomics.load(beat, 1);
      if (seq !== lastSeq || !inCall) {
        lastSeq = seq;
        sameSince = performance.now();
        return;
      }
      if (performance.now() - sameSince > o.hangMs) {
        clearInterval(timer);
        const caseIndex = Atomics.load(beat, 2);
        result = { type: "hang", caseIndex };
        worker.terminate();
      }
    }, 100);
    worker.on("message", (m: WorkerMessage) => {
      if (m.type === "progress") console.log(m.line);
      else result = m;
    });
    worker.on("error", (e) => (result = { type: "fail", caseIndex: Atomics.load(beat, 2), error: errorText(e), steps: [] }));
    worker.on("exit", () => {
      clearInterval(timer);
      resolve(result);
    });
  });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(o.wasm)) throw new Error(`${o.wasm} not found: run make build`);
  if (o.replay) return replay({ ...o, replay: o.replay });
  if (o.connections) {
    // One run per dialect (the worker checks the VM of o.configs[0]).
    for (const d of o.configs) await fuzzRun({ ...o, configs: [d] });
    return;
  }
  return fuzzRun(o);
}

async function fuzzRun(o: FuzzOptions): Promise<void> {
  const r = await runWorker(o);
  if (r === null) {
    console.error("fuzz: the worker ended without a result");
    process.exit(1);
  }
  if (r.type === "hang" || r.type === "fail") {
    const corpus = loadCorpus(o.corpus);
    const memory = !o.connections && isMemoryCase(o, r.caseIndex);
    const steps = r.type === "fail" && r.steps.length ? r.steps : genAnyCase(o, r.caseIndex, corpus, await topicIdsOf(o)).steps;
    const error = r.type === "hang" ? `a VM call ran past ${o.hangMs} ms` : r.error;
    const log = r.type === "fail" ? r.log ?? [] : [];
    const file = o.connections ? null : saveRepro(o, r.type, o.seed, r.caseIndex, steps, error, log, memory);
    console.error(`fuzz: FAILED (${r.type}) at case ${r.caseIndex}, seed ${o.seed}\n${error}`);
    if (log.length) console.error("filter log:\n" + log.map((l) => `  [${l.level}] ${l.message}`).join("\n"));
    if (file) console.error(`case written to ${path.relative(ROOT, file)}; replay: node --import tsx tests/fuzz/fuzz.ts --replay ${path.relative(ROOT, file)}`);
    process.exit(1);
  }
  if (r.type === "connections-done") {
    const growth = r.memEnd - r.memWarm;
    const bound = o.memBoundKiB * 1024;
    console.log(
      `connections [${o.configs[0]}, ${configName(o.configs[0])}]: ${r.connections} opened and closed in ${r.seconds.toFixed(1)} s (${o.configs[0] === "secure" ? "SCRAM exchange + " : ""}ApiVersions + Metadata${r.produceFrames ? ` + Produce (${r.answered} HTTP calls or stream messages answered, ${r.produceRefused} Produce refused by this build)` : ""} on each)\n` +
        `memory: start ${mib(r.memStart)}, after ${r.warm} connections ${mib(r.memWarm)}, end ${mib(r.memEnd)}, growth after warm-up ${(growth / 1024).toFixed(0)} KiB (bound ${o.memBoundKiB} KiB)\n` +
        `gauges: connections ${r.metrics["kafka_mesh.connections"]}, pending ${r.metrics["kafka_mesh.pending_requests"] ?? 0}; connections_total ${r.metrics["kafka_mesh.connections_total"]}; open contexts ${r.openConnections}, unanswered HTTP calls and stream messages ${r.pendingHttp}`,
    );
    const bad: string[] = [];
    if (growth > bound) bad.push(`memory grew ${(growth / 1024).toFixed(0)} KiB after warm-up`);
    if (r.metrics["kafka_mesh.connections"] !== 0) bad.push("connections gauge not back to 0");
    if ((r.metrics["kafka_mesh.pending_requests"] ?? 0) !== 0) bad.push("pending_requests gauge not back to 0");
    if (r.metrics["kafka_mesh.connections_total"] !== r.connections) bad.push("connections_total differs from connections opened");
    if (r.openConnections !== 0 || r.pendingHttp !== 0) bad.push("contexts, HTTP calls or stream messages left behind");
    if (bad.length) {
      console.error("connections: FAILED: " + bad.join("; "));
      process.exit(1);
    }
    return;
  }
  const configs = o.configs.length > 1
    ? `case i on the ${o.configs.length} configurations in turn: ${o.configs.map((d) => `${d} (${configName(d)})`).join(", ")}`
    : `${configName(o.configs[0])} (${o.configs[0]}) on every case`;
  const upstream = (v: { httpCalls: number; grpcStreams: number; grpcMessages: number }): string =>
    `${v.httpCalls} HTTP calls, ${v.grpcStreams} gRPC streams carrying ${v.grpcMessages} messages`;
  const bad: string[] = [];
  if (o.memoryEvery === 1) {
    console.log(
      `fuzz --memory: ${r.cases} cases (${r.frames} frames: attackers' partial frames and normal clients' requests), seed ${o.seed}, ${r.seconds.toFixed(1)} s; configs: ${configs}\n` +
        `budget: max_buffered_bytes ${mib(MEMORY_LIMITS.maxBufferedBytes)}, close_buffered_bytes ${mib(MEMORY_LIMITS.closeBufferedBytes)}; host read buffer limit ${MEMORY_LIMITS.bufferLimit / 1024} KiB, reads of ${MEMORY_LIMITS.readChunk / 1024} KiB`,
    );
    for (const mv of r.memoryVms) {
      console.log(
        `[${mv.dialect}] ${mv.cases} cases, ${mv.connections} connections, ${upstream(mv)}; buffered_bytes peak ${mv.peak} bytes (close_buffered_bytes ${MEMORY_LIMITS.closeBufferedBytes}, bound ${memoryPeakBound()}); reads_held_for_memory ${mv.held}, connections_closed_for_memory ${mv.closed}, refused ${mv.refused}; ` +
          `memory ${mib(mv.memStart)} -> ${mib(mv.memEnd)} (bound ${mib(MEMORY_VM_BOUND)}); slowest VM call ${mv.maxCallMs.toFixed(1)} ms (${mv.maxCallName})`,
      );
    }
    return;
  }
  const bound = o.memBoundKiB * 1024;
  console.log(
    `fuzz: ${r.frames} frames in ${r.cases} cases (${r.calls} host steps), seed ${o.seed}, ${r.seconds.toFixed(1)} s, ${(r.frames / r.seconds).toFixed(0)} frames/s, corpus ${r.corpus} frames\n` +
      `configs: ${configs}; memory measured after ${r.memWarmAt} frames (bound on growth ${o.memBoundKiB} KiB per VM)`,
  );
  for (const v of r.vms) {
    const growth = v.memEnd - v.memWarm;
    console.log(
      `[${v.dialect}] ${v.cases} cases, ${upstream(v)}${Object.keys(v.byMethod).length ? ` (${Object.entries(v.byMethod).map(([m, n]) => `${m} ${n}`).join(", ")})` : ""} (${v.openStreams} open at the end, ${v.unhandled} messages unanswered); ` +
        `memory: start ${mib(v.memStart)}, warm ${mib(v.memWarm)}, end ${mib(v.memEnd)} (max ${mib(v.maxMem)}), growth after warm-up ${(growth / 1024).toFixed(0)} KiB; ` +
        `slowest VM call ${v.maxCallMs.toFixed(1)} ms (${v.maxCallName}); refused connections ${v.metrics["kafka_mesh.connections_refused"] ?? 0}; gauges: connections ${v.metrics["kafka_mesh.connections"]}, pending ${v.metrics["kafka_mesh.pending_requests"] ?? 0}` +
        (v.dialect === "secure"
          ? `; SASL: ${v.metrics["kafka_mesh.sasl.authentications"] ?? 0} authentications, ${v.metrics["kafka_mesh.sasl.authentication_failures"] ?? 0} failures; ACL denials ${v.metrics["kafka_mesh.acl.denied"] ?? 0}`
          : isSchemas(v.dialect)
            ? `; schema: ${Object.entries(v.metrics).filter(([name]) => name.startsWith("kafka_mesh.schema.")).map(([name, n]) => `${name.slice(18)} ${n}`).join(", ")}`
            : ""),
    );
    if (growth > bound) bad.push(`[${v.dialect}] memory grew ${(growth / 1024).toFixed(0)} KiB after warm-up (bound ${o.memBoundKiB} KiB)`);
    if (v.metrics["kafka_mesh.connections"] !== 0) bad.push(`[${v.dialect}] connections gauge not back to 0`);
    if ((v.metrics["kafka_mesh.pending_requests"] ?? 0) !== 0) bad.push(`[${v.dialect}] pending_requests gauge not back to 0`);
    if (v.openConnections !== 0) bad.push(`[${v.dialect}] ${v.openConnections} connection contexts left open`);
    if (v.unhandled !== 0) bad.push(`[${v.dialect}] ${v.unhandled} stream messages left unanswered`);
  }
  if (o.configs.some(isSchemas)) {
    const t = r.schemas;
    console.log(
      `schema cases: ${t.requests} Produce requests, ${t.partitions} partitions (${t.gzipBatches} gzip, ${t.malformed} malformed), ${t.records} records ` +
        `(verdicts: ${t.failVerdicts} refuse, ${t.unknownVerdicts} unknown); ${t.forwardedPartitions} policy partitions reached the bridge with ${t.forwardedRecords} records ` +
        `(${t.passedOpen} refused by the verdicts let through by fail_open after a failed lookup); ${t.invalidRecordPartitions} answered INVALID_RECORD, ${t.timedOutPartitions} REQUEST_TIMED_OUT`,
    );
  }
  for (const mv of r.memoryVms) {
    console.log(
      `[${mv.dialect}] memory cases: ${mv.cases} (one in ${o.memoryEvery}), ${mv.connections} connections, ${upstream(mv)}; buffered_bytes peak ${mv.peak} bytes (bound ${memoryPeakBound()}), ` +
        `reads_held_for_memory ${mv.held}, connections_closed_for_memory ${mv.closed}, refused ${mv.refused}; memory VM ${mib(mv.memStart)} -> ${mib(mv.memEnd)} (bound ${mib(MEMORY_VM_BOUND)}); slowest call ${mv.maxCallMs.toFixed(1)} ms (${mv.maxCallName})`,
    );
  }
  if (bad.length) {
    console.error("fuzz: FAILED: " + bad.join("; "));
    process.exit(1);
  }
}

if (isMainThread) {
  // Imported for its configs (fuzzConfig, memoryConfig): no run.
  if (path.resolve(process.argv[1] ?? "") === fileURLToPath(import.meta.url)) main().catch((e: unknown) => {
    console.error((e as Error | null)?.stack ?? e);
    process.exit(1);
  });
} else {
  const { o, beatBuf } = workerData as { o: FuzzOptions; beatBuf: SharedArrayBuffer };
  const beat = new Int32Array(beatBuf);
  (o.connections ? connectionsWorker(o, beat) : fuzzWorker(o, beat)).catch((e: unknown) => {
    post({ type: "fail", caseIndex: Atomics.load(beat, 2), error: errorText(e), steps: [] });
  });
}
