// Fuzzer for the filter module in the Node proxy-wasm host: hostile client bytes and hostile
// HTTP answers must never trap the filter, hang it, or grow its memory.
//
//   node --import tsx tests/fuzz/fuzz.ts [--count N] [--seed S] [--hang-ms 2000] [--warmup N]
//                            [--mem-bound-kib K] [--distinct-topics] [--wasm path]
//                            [--memory | --memory-every N]
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
import { type Case, genCase, genMemoryCase, loadCorpus, MEMORY_LIMITS, memoryPeakBound, runSteps, type Step, type StepHooks } from "./cases.ts";

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
}

/** The fuzz configuration: examples/reference-strimzi.json (the Node host has no gRPC streams) with a few limits changed. */
export type FuzzConfig = Record<string, unknown> & {
  max_frame_bytes?: number;
  max_buffered_bytes?: number;
  close_buffered_bytes?: number;
};

/** The memory VM's figures at the end of a run. */
interface MemoryVmFigures {
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
  memStart: number;
  memWarm: number;
  memWarmAt: number;
  memEnd: number;
  maxMem: number;
  maxCallMs: number;
  maxCallName: string;
  httpCalls: number;
  metrics: Metrics;
  openConnections: number;
  corpus: number;
  memoryVm: MemoryVmFigures | null;
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
    else throw new Error(`unknown option ${a}`);
  }
  // The heap takes one or two growth steps to a steady size, at a point that depends on
  // fragmentation (docs/fuzz.md); what the run looks for is growth in its second half.
  return { ...o, warmup: o.warmup ?? Math.max(150000, Math.round(o.count / 2)) };
}

/** The reference scenario with a 1 MiB frame limit, so one frame cannot dwarf the heap. */
export function fuzzConfig(): FuzzConfig {
  const config: FuzzConfig = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/reference-strimzi.json"), "utf8"));
  config.max_frame_bytes = MAX_FRAME_BYTES;
  return config;
}

/**
 * Memory cases run on a VM of their own with a small budget (cases.ts MEMORY_LIMITS), so that
 * a few MiB of hostile partial frames reach it, and with Envoy's buffer limits scaled down
 * alike (64 KiB read buffer, 8 KiB reads).
 */
export function memoryConfig(): FuzzConfig {
  const config = fuzzConfig();
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

function isMemoryCase(o: FuzzOptions, caseIndex: number): boolean {
  return o.memoryEvery > 0 && caseIndex % o.memoryEvery === o.memoryEvery - 1;
}

function genAnyCase(o: FuzzOptions, caseIndex: number, corpus: readonly Buffer[]): Case & { memory: boolean } {
  if (isMemoryCase(o, caseIndex)) return { memory: true, ...genMemoryCase(o.seed, caseIndex, corpus) };
  return { memory: false, ...genCase(o.seed, caseIndex, corpus, { maxFrameBytes: MAX_FRAME_BYTES, distinctTopics: o.distinctTopics }) };
}

const mib = (b: number): string => (b / 1048576).toFixed(2) + " MiB";

// ---------------------------------------------------------------- worker: the fuzz loop

async function fuzzWorker(o: FuzzOptions, beat: Int32Array): Promise<void> {
  const corpus = loadCorpus(o.corpus);
  const vm = await MeshVm.load(o.wasm, fuzzConfig());
  const memVm = o.memoryEvery > 0 ? await MeshVm.load(o.wasm, memoryConfig(), MEMORY_HOST) : null;
  const memStart = vm.memoryBytes();
  const mem = { cases: 0, start: memVm?.memoryBytes() ?? 0 };
  let frames = 0;
  let caseIndex = 0;
  let memWarm: number | null = null;
  let memWarmAt = 0;
  let maxMem = memStart;
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
    const { memory, steps, frames: n } = genAnyCase(o, caseIndex, corpus);
    const target = memory ? memVm! : vm;
    try {
      const conns = runSteps(target, steps, hooks);
      for (const c of conns.values()) c.close();
      if (target.maxCallMs > o.hangMs) throw new Error(`a VM call took ${target.maxCallMs.toFixed(0)} ms: ${target.maxCallName}`);
      if (memory) {
        mem.cases++;
        if (memVm!.memoryBytes() > MEMORY_VM_BOUND) throw new Error(`memory VM's linear memory ${mib(memVm!.memoryBytes())}, over ${mib(MEMORY_VM_BOUND)}`);
      }
    } catch (e) {
      post({ type: "fail", caseIndex, memory, steps, error: errorText(e), log: target.log.slice(-30) });
      return;
    }
    frames += n;
    caseIndex++;
    const memNow = vm.memoryBytes();
    if (memNow > maxMem) maxMem = memNow;
    if (memWarm === null && frames >= o.warmup) {
      memWarm = memNow;
      memWarmAt = frames;
    }
    if (frames >= nextProgress) {
      nextProgress += o.progressEvery;
      const s = (performance.now() - t0) / 1000;
      const memPart = memVm ? `; memory VM ${mib(memVm.memoryBytes())}, ${mem.cases} memory cases` : "";
      post({ type: "progress", line: `${frames} frames, ${caseIndex} cases, ${(frames / s).toFixed(0)} frames/s, memory ${mib(memNow)}${memPart}` });
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  post({
    type: "done",
    frames,
    cases: caseIndex,
    calls,
    seconds,
    memStart,
    memWarm: memWarm ?? memStart,
    memWarmAt,
    memEnd: vm.memoryBytes(),
    maxMem,
    maxCallMs: vm.maxCallMs,
    maxCallName: vm.maxCallName,
    httpCalls: vm.httpCallLog,
    metrics: vm.metrics(),
    openConnections: vm.openConnections(),
    corpus: corpus.length,
    memoryVm: memVm && {
      cases: mem.cases,
      memStart: mem.start,
      memEnd: memVm.memoryBytes(),
      maxCallMs: memVm.maxCallMs,
      maxCallName: memVm.maxCallName,
      peak: memVm.gauges()["kafka_mesh.buffered_bytes"]?.peak ?? 0,
      held: memVm.metric("kafka_mesh.reads_held_for_memory"),
      closed: memVm.metric("kafka_mesh.connections_closed_for_memory"),
      refused: memVm.metric("kafka_mesh.connections_refused"),
      connections: memVm.metric("kafka_mesh.connections_total"),
      httpCalls: memVm.httpCallLog,
    },
  });
}

/** 10k connections opened and closed, each with ApiVersions and Metadata (and Produce when served). */
async function connectionsWorker(o: FuzzOptions, beat: Int32Array): Promise<void> {
  const vm = await MeshVm.load(o.wasm, fuzzConfig());
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
    pendingHttp: vm.httpCalls.length,
  });
}

// ---------------------------------------------------------------- main: watchdog and report

function saveRepro(o: FuzzOptions, kind: string, seed: number, caseIndex: number, steps: Step[], error: string, log: LogLine[], memory = false): string {
  fs.mkdirSync(o.reproDir, { recursive: true });
  const file = path.join(o.reproDir, `${memory ? "memory-" : ""}${kind}-seed${seed}-case${caseIndex}.json`);
  const config = memory
    ? `examples/reference-strimzi.json + max_frame_bytes ${MEMORY_LIMITS.maxFrameBytes}, max_buffered_bytes ${MEMORY_LIMITS.maxBufferedBytes}, close_buffered_bytes ${MEMORY_LIMITS.closeBufferedBytes}; host buffer limit ${MEMORY_LIMITS.bufferLimit}, reads of ${MEMORY_LIMITS.readChunk}`
    : "examples/reference-strimzi.json + max_frame_bytes 1 MiB";
  fs.writeFileSync(file, JSON.stringify({ kind, seed, caseIndex, memory, error, log, wasm: path.relative(ROOT, o.wasm), config, steps }, null, 1) + "\n");
  return file;
}

async function replay(o: FuzzOptions & { replay: string }): Promise<void> {
  const repro: Repro = JSON.parse(fs.readFileSync(o.replay, "utf8"));
  const vm = repro.memory ? await MeshVm.load(o.wasm, memoryConfig(), MEMORY_HOST) : await MeshVm.load(o.wasm, fuzzConfig());
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
  console.log(`replay ${path.basename(o.replay)}: no trap, slowest call ${vm.maxCallMs.toFixed(1)} ms (${vm.maxCallName}), memory ${mib(before)} -> ${mib(vm.memoryBytes())}, shared data entries ${vm.shared.map.size}`);
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
  const r = await runWorker(o);
  if (r === null) {
    console.error("fuzz: the worker ended without a result");
    process.exit(1);
  }
  if (r.type === "hang" || r.type === "fail") {
    const corpus = loadCorpus(o.corpus);
    const memory = !o.connections && isMemoryCase(o, r.caseIndex);
    const steps = r.type === "fail" && r.steps.length ? r.steps : genAnyCase(o, r.caseIndex, corpus).steps;
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
      `connections: ${r.connections} opened and closed in ${r.seconds.toFixed(1)} s (ApiVersions + Metadata${r.produceFrames ? ` + Produce (${r.answered} HTTP calls answered, ${r.produceRefused} Produce refused by this build)` : ""} on each)\n` +
        `memory: start ${mib(r.memStart)}, after ${r.warm} connections ${mib(r.memWarm)}, end ${mib(r.memEnd)}, growth after warm-up ${(growth / 1024).toFixed(0)} KiB (bound ${o.memBoundKiB} KiB)\n` +
        `gauges: connections ${r.metrics["kafka_mesh.connections"]}, pending ${r.metrics["kafka_mesh.pending_requests"] ?? 0}; connections_total ${r.metrics["kafka_mesh.connections_total"]}; open contexts ${r.openConnections}, pending HTTP calls ${r.pendingHttp}`,
    );
    const bad: string[] = [];
    if (growth > bound) bad.push(`memory grew ${(growth / 1024).toFixed(0)} KiB after warm-up`);
    if (r.metrics["kafka_mesh.connections"] !== 0) bad.push("connections gauge not back to 0");
    if ((r.metrics["kafka_mesh.pending_requests"] ?? 0) !== 0) bad.push("pending_requests gauge not back to 0");
    if (r.metrics["kafka_mesh.connections_total"] !== r.connections) bad.push("connections_total differs from connections opened");
    if (r.openConnections !== 0 || r.pendingHttp !== 0) bad.push("contexts or HTTP calls left behind");
    if (bad.length) {
      console.error("connections: FAILED: " + bad.join("; "));
      process.exit(1);
    }
    return;
  }
  if (o.memoryEvery === 1) {
    const mv = r.memoryVm!;
    console.log(
      `fuzz --memory: ${mv.cases} cases (${r.frames} frames: attackers' partial frames and normal clients' requests), seed ${o.seed}, ${r.seconds.toFixed(1)} s; ${mv.connections} connections, ${mv.httpCalls} HTTP calls\n` +
        `budget: max_buffered_bytes ${mib(MEMORY_LIMITS.maxBufferedBytes)}, close_buffered_bytes ${mib(MEMORY_LIMITS.closeBufferedBytes)}; host read buffer limit ${MEMORY_LIMITS.bufferLimit / 1024} KiB, reads of ${MEMORY_LIMITS.readChunk / 1024} KiB\n` +
        `buffered_bytes peak ${mv.peak} bytes (close_buffered_bytes ${MEMORY_LIMITS.closeBufferedBytes}, bound ${memoryPeakBound()}); reads_held_for_memory ${mv.held}, connections_closed_for_memory ${mv.closed}, refused ${mv.refused}\n` +
        `memory: ${mib(mv.memStart)} -> ${mib(mv.memEnd)} (bound ${mib(MEMORY_VM_BOUND)}); slowest VM call ${mv.maxCallMs.toFixed(1)} ms (${mv.maxCallName})`,
    );
    return;
  }
  const growth = r.memEnd - r.memWarm;
  const bound = o.memBoundKiB * 1024;
  console.log(
    `fuzz: ${r.frames} frames in ${r.cases} cases (${r.calls} host steps, ${r.httpCalls} HTTP calls made), seed ${o.seed}, ${r.seconds.toFixed(1)} s, ${(r.frames / r.seconds).toFixed(0)} frames/s, corpus ${r.corpus} frames\n` +
      `memory: start ${mib(r.memStart)}, after ${r.memWarmAt} frames ${mib(r.memWarm)}, end ${mib(r.memEnd)} (max ${mib(r.maxMem)}), growth after warm-up ${(growth / 1024).toFixed(0)} KiB (bound ${o.memBoundKiB} KiB)\n` +
      `slowest VM call: ${r.maxCallMs.toFixed(1)} ms (${r.maxCallName}); refused connections ${r.metrics["kafka_mesh.connections_refused"] ?? 0}; gauges: connections ${r.metrics["kafka_mesh.connections"]}, pending ${r.metrics["kafka_mesh.pending_requests"] ?? 0}`,
  );
  const mv = r.memoryVm;
  if (mv) {
    console.log(
      `memory cases: ${mv.cases} (one in ${o.memoryEvery}), ${mv.connections} connections, ${mv.httpCalls} HTTP calls; buffered_bytes peak ${mv.peak} bytes (bound ${memoryPeakBound()}), ` +
        `reads_held_for_memory ${mv.held}, connections_closed_for_memory ${mv.closed}, refused ${mv.refused}; memory VM ${mib(mv.memStart)} -> ${mib(mv.memEnd)} (bound ${mib(MEMORY_VM_BOUND)}); slowest call ${mv.maxCallMs.toFixed(1)} ms (${mv.maxCallName})`,
    );
  }
  const bad: string[] = [];
  if (growth > bound) bad.push(`memory grew ${(growth / 1024).toFixed(0)} KiB after warm-up (bound ${o.memBoundKiB} KiB)`);
  if (r.metrics["kafka_mesh.connections"] !== 0) bad.push("connections gauge not back to 0");
  if ((r.metrics["kafka_mesh.pending_requests"] ?? 0) !== 0) bad.push("pending_requests gauge not back to 0");
  if (r.openConnections !== 0) bad.push(`${r.openConnections} connection contexts left open`);
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
