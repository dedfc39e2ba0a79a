// `make bench`: the same workloads against direct Kafka, the bare REST bridge, the mesh on each
// upstream dialect (producer -> Envoy -> filter -> bridge -> Kafka: mesh-native through an Envoy
// serving the native dialect, mesh-strimzi through one serving the Strimzi dialect, both in
// front of the same bridges) and, when it can be installed and started, Kroxylicious
// (producer -> Kafka proxy -> Kafka), on a running stack. Reports figures only: medians over
// BENCH_REPEAT runs per (workload, target) (BENCH_CONSUME_REPEAT for the consume workloads), the
// targets interleaved so that load from other work on the machine falls on all of them alike;
// the machine's load average is recorded with every run, and the Envoys' idle CPU before the
// runs. Writes bench/results/<stamp>.{json,md,png}.
// Besides the producer workloads, a consume workload: Kafka's ConsumerPerformance reading a topic
// written beforehand straight to the cluster, through the targets that serve consumers.
//
// Env: STACK_PORT_OFFSET (as for `make up`), BENCH_FULL=1 (every cell), BENCH_REPEAT (3),
// BENCH_CONSUME_REPEAT (7: runs per target of a consume cell), BENCH_SCALE (multiplies record
// counts, default 1), BENCH_OUT (default bench/results), BENCH_ONLY (comma-separated cell ids or
// id prefixes, e.g. `consume`: only those cells, full ones included, only the targets they use,
// no micro-benchmark).
import { spawn, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem, release } from "node:os";
import { join, resolve } from "node:path";
import { KAFKA_VERSION, kafkaLibs } from "../scripts/versions.ts";
import { ROOT, stackPorts } from "../tests/e2e/stack-ports.ts";
import { startDialectEnvoy, type DialectEnvoy } from "../tests/e2e/dialects.ts";
import type { Dialect } from "../stack/config.ts";
import { prepareConsumeTopic } from "./consume.ts";
import { prepareSchemaWorkload } from "./schema.ts";
import { startKroxylicious, type Kroxylicious } from "./kroxylicious.ts";
import { micro } from "./micro.ts";
import { markdown, type Cell, type ConsumeCell, type MaxRateCell, type IdleBaseline, type Latency, type Machine, type Results, type Summary, type WasmMemory } from "./report.ts";

const FULL = process.env.BENCH_FULL === "1";
/** BENCH_ONLY: the cells whose id is, or starts with, one of these (empty: every cell FULL selects). */
const ONLY = (process.env.BENCH_ONLY ?? "").split(",").map((x) => x.trim()).filter(Boolean);
const REPEAT = Number(process.env.BENCH_REPEAT ?? "3");
/**
 * Runs per target of a consume cell: its ratio to Kroxylicious is a goal (0.9), and
 * Kroxylicious' own records/s moves by 10-20% between runs here, so three runs' medians put the
 * same build anywhere between 0.84 and 0.95; a run lasts a few seconds, seven cost a minute more.
 */
const CONSUME_REPEAT = Number(process.env.BENCH_CONSUME_REPEAT ?? "7");
const repeatOf = (cell: Cell): number => (cell.client === "java-consumer" ? CONSUME_REPEAT : REPEAT);
/** Seconds of reads through each target before a consume cell is recorded. */
const CONSUME_WARM_UP_S = 60;
const SCALE = Number(process.env.BENCH_SCALE ?? "1");
const OUT = resolve(ROOT, process.env.BENCH_OUT ?? "bench/results"); // absolute or relative to the repo
const PY = join(ROOT, ".venv", "bench", "bin", "python");
const TOPIC = "apples"; // c1, 1 partition: the same cluster and bridge for every target
const ports = stackPorts();
const CLUSTER = ports.clusters.c1!;
const TICK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
const RUN_TIMEOUT_S = 90;
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? "5");

// ---------------------------------------------------------------- the matrix
// client: java (ProducerPerformance) or rdkafka (confluent-kafka); rate "max" or a fraction
// of the lowest median max-rate records/s found by the cell named in `of`.
const CELLS: Cell[] = [
  { id: "java-1k", client: "java", size: 1024, acks: "all", codec: "none", conns: 1, rate: "max", records: 60000 },
  { id: "java-100b", client: "java", size: 100, acks: "all", codec: "none", conns: 1, rate: "max", records: 200000 },
  { id: "java-1k-lz4", client: "java", size: 1024, acks: "all", codec: "lz4", conns: 1, rate: "max", records: 60000 },
  { id: "java-1k-fixed", client: "java", size: 1024, acks: "all", codec: "none", conns: 1, rate: 0.5, of: "java-1k", seconds: 8 },
  { id: "rdkafka-1k-16c", client: "rdkafka", size: 1024, acks: "all", codec: "none", conns: 16, rate: "max", records: 60000 },
  { id: "java-1k-acks1", client: "java", size: 1024, acks: "1", codec: "none", conns: 1, rate: "max", records: 60000, full: true },
  { id: "java-100b-lz4", client: "java", size: 100, acks: "all", codec: "lz4", conns: 1, rate: "max", records: 200000, full: true },
  { id: "java-100b-fixed", client: "java", size: 100, acks: "all", codec: "none", conns: 1, rate: 0.5, of: "java-100b", seconds: 8, full: true },
  { id: "rdkafka-1k", client: "rdkafka", size: 1024, acks: "all", codec: "none", conns: 1, rate: "max", records: 60000, full: true },
  { id: "rdkafka-100b-16c", client: "rdkafka", size: 100, acks: "all", codec: "none", conns: 16, rate: "max", records: 200000, full: true },
  { id: "rdkafka-1k-lz4-16c", client: "rdkafka", size: 1024, acks: "1", codec: "lz4", conns: 16, rate: "max", records: 60000, full: true },
  { id: "rdkafka-1k-16c-fixed", client: "rdkafka", size: 1024, acks: "all", codec: "none", conns: 16, rate: 0.5, of: "rdkafka-1k-16c", seconds: 8, full: true },
  // ConsumerPerformance reading 500 000 1 KiB records (~500 MiB) from offset 0 to the end of a
  // topic written once straight to c1 (the mesh routes `app*` to c1, as Kroxylicious fronts c1).
  { id: "consume-1k", client: "java-consumer", size: 1024, acks: "-", codec: "none", conns: 1, rate: "max", records: 500000,
    topic: "apples-consume-bench", cluster: "c1", partitions: 1 },
  // The same over 5 partitions on c3 (`b*`): one Fetch carries several partitions. No
  // kroxylicious target (it fronts c1 only).
  { id: "consume-1k-5p", client: "java-consumer", size: 1024, acks: "-", codec: "none", conns: 1, rate: "max", records: 500000,
    topic: "bananas-consume-bench", cluster: "c3", partitions: 5, full: true },
  // Schema checks (docs/schemas.md): the same 1 KiB Avro values in the Confluent wire format
  // (bench/schema.ts) to a c1 topic no policy covers (the pass-through path) and to one the
  // reference config's `apples-avro` policy validates (every batch decoded, every value decoded
  // against its schema), through mesh-native only.
  { id: "schema-1k-plain", client: "java", size: 1024, acks: "all", codec: "none", conns: 1, rate: "max", records: 60000, full: true,
    topic: "apples-bench", payload: "avro", note: "no policy" },
  { id: "schema-1k-checked", client: "java", size: 1024, acks: "all", codec: "none", conns: 1, rate: "max", records: 60000, full: true,
    topic: "apples-avro-bench", payload: "avro", note: "policy: AVRO, validated to the payload" },
];
/** The Avro payload file of the schema cells (set up before the runs). */
let avroPayloadFile: string | null = null;
// The bridge target speaks HTTP: compression between client and mesh does not exist there.
// kroxylicious is optional: dropped when the proxy cannot be installed or started; so is a mesh
// target whose Envoy cannot be started.
let TARGETS = ["mesh-native", "mesh-strimzi", "bridge", "kafka", "kroxylicious"];
/**
 * The targets that serve consumers: the bridge target is the REST producer; the Strimzi dialect
 * answers Fetch with UNSUPPORTED_VERSION (docs/consumers.md), so mesh-strimzi has no consume cell.
 */
const CONSUME_TARGETS = new Set(["mesh-native", "kafka", "kroxylicious"]);
/** The targets a cell runs through (of those that started). */
function cellTargets(cell: Cell): string[] {
  // Kroxylicious fronts c1 only.
  if (cell.client === "java-consumer") return TARGETS.filter((t) => CONSUME_TARGETS.has(t) && !(t === "kroxylicious" && cell.cluster !== "c1"));
  if (cell.payload === "avro") return TARGETS.filter((t) => t === "mesh-native");
  return TARGETS.filter((t) => !(t === "bridge" && cell.codec !== "none"));
}
/** The dialect each mesh target's Envoy serves. */
const MESH_DIALECT: Record<string, Dialect> = { "mesh-native": "native", "mesh-strimzi": "strimzi" };
let krox: Kroxylicious | null = null; // the running Kroxylicious
/** The running Envoy of each mesh target (the stack's for its own dialect, one started here for the other). */
const envoys: Record<string, DialectEnvoy & { stop(): Promise<void> }> = {};
/** CPU seconds per second each process used with no load, measured before the runs. */
let idle: IdleBaseline = { seconds: 0, cpu_s_per_s: {} };
const isMesh = (target: string): boolean => target in MESH_DIALECT;

// ---------------------------------------------------------------- processes of the stack
/** What one client run reported: its figures (and whatever else it printed), or why it failed. */
interface ClientReport {
  error?: string;
  records?: number;
  records_per_s?: number;
  mb_per_s?: number;
  latency_ms?: Latency;
  [field: string]: unknown;
}

/** One run of one (workload, target), as bench/results/<stamp>.json keeps it. */
interface Run extends ClientReport {
  cell: string;
  target: string;
  rate_asked: "max" | number;
  /** Wall time of the client run. */
  seconds: number;
  records_per_call: number | null;
  /** The Envoy process this target went through (its name in cpu_s), null when none. */
  envoy_process: string | null;
  cpu_s: Record<string, number>;
  cpu_s_per_1m_records: Record<string, number>;
  /**
   * CPU µs per record of the path's own processes: `envoy` (the target's Envoy, less its idle
   * CPU over the run), `bridge` (the cell's cluster's: c1's, but a consume cell's own cluster's),
   * `envoy+bridge`, `kroxylicious`, `kafka` (that cluster's broker), `client`; each only where the
   * target uses it.
   */
  cpu_us_per_record: Record<string, number>;
  envoy_rss_mb: number | null;
  wasm_memory_bytes: WasmMemory;
  load1: { before: number; after: number };
}

function stackPids(): Record<string, number> {
  const dir = join(ROOT, ".stack");
  const pids: Record<string, number> = {};
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".pid")) continue;
    const text = readFileSync(join(dir, f), "utf8").trim();
    const pid = text.startsWith("{") ? pidField(JSON.parse(text) as unknown) : Number(text);
    if (existsSync(`/proc/${pid}`)) pids[f.slice(0, -4)] = pid;
  }
  return pids;
}

/** The pid of a JSON pid file ({"pid": ...}). */
function pidField(j: unknown): number {
  return typeof j === "object" && j !== null && "pid" in j ? Number(j.pid) : NaN;
}

function cpuSeconds(pid: number | undefined): number | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / TICK; // utime, stime
  } catch {
    return null;
  }
}

function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function envoyStats(admin: string | null): Promise<Record<string, number>> {
  if (admin === null) return {};
  const res = await fetch(`http://${admin}/stats?filter=kafka_mesh`);
  const out: Record<string, number> = {};
  for (const line of (await res.text()).split("\n")) {
    const m = /^wasmcustom\.kafka_mesh\.([^:]+): (\d+)$/.exec(line);
    if (!m) continue;
    out[m[1]!] = Number(m[2]);
    // Gauges each worker VM sets for itself (<gauge>.vm.<slot>): their sum over the VMs.
    const perVm = /^(.*)\.vm\.\d+$/.exec(m[1]);
    if (perVm) out[perVm[1]!] = (out[perVm[1]!] ?? 0) + Number(m[2]);
  }
  return out;
}

// ---------------------------------------------------------------- clients
interface ChildRun {
  code: number | null;
  out: string;
  err: string;
  /** The child's CPU seconds, last sampled. */
  cpu: number;
}

function runChild(cmd: string, args: string[]): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let cpu = 0;
    const poll = setInterval(() => {
      const c = cpuSeconds(child.pid);
      if (c !== null) cpu = c;
    }, 200);
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_S * 1000);
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (err += d));
    child.on("close", (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ code, out, err, cpu });
    });
  });
}

/** Where a target's client connects; `kafka` is the cluster's own port (c1's unless named). */
function bootstrap(target: string, cluster = "c1"): string {
  if (isMesh(target)) return envoys[target]!.envoy;
  if (target === "kroxylicious" && krox) return krox.address;
  return ports.clusters[cluster]!.kafka;
}

/** A client's report with the CPU seconds its process used. */
type Measured = { report: ClientReport; cpu: number };

async function javaPerf(cell: Cell, target: string, count: number, rate: "max" | number): Promise<Measured> {
  const props = [`bootstrap.servers=${bootstrap(target)}`, `acks=${cell.acks}`, `compression.type=${cell.codec}`];
  const values = cell.payload === "avro" ? ["--payload-file", avroPayloadFile!] : ["--record-size", String(cell.size)];
  const r = await runChild("java", [
    "-Xmx512m", "-cp", join(kafkaLibs(ROOT), "*"), "org.apache.kafka.tools.ProducerPerformance",
    "--topic", cell.topic ?? TOPIC, "--num-records", String(count), ...values,
    "--throughput", String(rate === "max" ? -1 : Math.round(rate)), "--producer-props", ...props,
  ]);
  // 60000 records sent, 9123.4 records/sec (8.91 MB/sec), 12.3 ms avg latency, 345.0 ms max latency, 10 ms 50th, 30 ms 95th, 40 ms 99th, 50 ms 99.9th.
  const m = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th/.exec(r.out);
  if (!m) return { report: { error: `ProducerPerformance: exit ${r.code}: ${(r.err || r.out).split("\n").filter((l) => !/WARN|^\s*$/.test(l)).slice(-3).join(" | ")}` }, cpu: r.cpu };
  return {
    report: {
      records: Number(m[1]), records_per_s: Number(m[2]), mb_per_s: Number(m[3]),
      latency_ms: { avg: Number(m[4]), p50: Number(m[6]), p95: Number(m[7]), p99: Number(m[8]), p999: Number(m[9]), max: Number(m[5]) },
    },
    cpu: r.cpu,
  };
}

/** The reasons the mesh's filter gave for closing connections, from its Envoy's log since `from`. */
function envoyCloses(name: string, from: number): string[] {
  const path = join(ROOT, ".stack", `${name}.log`);
  let text = "";
  try {
    const fd = openSync(path, "r");
    const len = Math.max(0, statSync(path).size - from);
    const buf = Buffer.alloc(Math.min(len, 8 << 20));
    readSync(fd, buf, 0, buf.length, from);
    closeSync(fd);
    text = buf.toString("utf8");
  } catch {}
  const reasons = new Set<string>();
  for (const m of text.matchAll(/closing connection \d+: (.*)$/gm)) reasons.add(m[1]!.trim());
  return [...reasons];
}

const logSize = (name: string): number => { try { return statSync(join(ROOT, ".stack", `${name}.log`)).size; } catch { return 0; } };

/**
 * Kafka's ConsumerPerformance: subscribes with a group of its own (one per run, so it starts with
 * no committed offset and reads from the earliest), reads until `count` records or 10 s without a
 * record. Its settings are the consumer's defaults except what the tool sets itself
 * (max.partition.fetch.bytes 1 MiB, the default anyway; check.crcs=false) and receive.buffer.bytes,
 * given as the consumer's default 64 KiB (the tool would use 2 MiB). records_per_s and mb_per_s
 * are the tool's fetch figures: from partitions assigned to the last record, without the JVM's
 * start and the group join (`join_ms`); `total_records_per_s` counts the join too.
 */
async function javaConsume(cell: ConsumeCell, target: string, count: number): Promise<Measured> {
  const envoy = isMesh(target) ? envoys[target]!.name : null;
  const log0 = envoy !== null ? logSize(envoy) : 0;
  const group = `bench-consume-${process.pid}-${Date.now()}-${target}`;
  const r = await runChild("java", [
    "-Xmx512m", "-cp", join(kafkaLibs(ROOT), "*"), "org.apache.kafka.tools.ConsumerPerformance",
    "--bootstrap-server", bootstrap(target, cell.cluster), "--topic", cell.topic, "--messages", String(count),
    "--group", group, "--socket-buffer-size", "65536", "--timeout", "10000", "--hide-header",
  ]);
  const closes = envoy !== null ? envoyCloses(envoy, log0) : [];
  const why = closes.length ? `; ${envoy} closed connections: ${closes.join("; ")}` : "";
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = r.out.split("\n").find((l) => /^\d{4}-\d\d-\d\d [\d:]+, /.test(l));
  const f = line?.split(", ").slice(2).map(Number);
  if (!f || f.length !== 8 || f.some((x) => !Number.isFinite(x))) {
    const tail = (r.err || r.out).split("\n").filter((l) => !/^\s*$|^\s+at /.test(l)).slice(-3).join(" | ");
    return { report: { error: `ConsumerPerformance: exit ${r.code}: ${tail}${why}` }, cpu: r.cpu };
  }
  const [mb, , records, totalRate, joinMs, fetchMs, fetchMbRate, fetchRate] = f as [number, number, number, number, number, number, number, number];
  const report: ClientReport = {
    records, records_per_s: fetchRate, mb_per_s: fetchMbRate, mb, total_records_per_s: totalRate, join_ms: joinMs, fetch_ms: fetchMs, group,
  };
  if (records < count) {
    const warning = r.out.split("\n").find((l) => l.startsWith("WARNING"))?.trim();
    report.error = `read ${records} of ${count} records${warning ? ` (${warning.split(". ")[0]})` : ""}${why}`;
  }
  return { report, cpu: r.cpu };
}

async function rdkafkaPerf(cell: Cell, target: string, count: number, rate: "max" | number): Promise<Measured> {
  const r = await runChild(PY, [
    join(ROOT, "bench/rdkafka_perf.py"), bootstrap(target), TOPIC, String(cell.size), String(count), String(cell.conns),
    cell.acks, cell.codec, String(rate === "max" ? 0 : rate), String(RUN_TIMEOUT_S - 30),
  ]);
  return parseJsonLine(r, "rdkafka_perf");
}

async function bridgeLoad(cell: Cell, count: number, rate: "max" | number, batch: number): Promise<Measured> {
  const r = await runChild(process.execPath, [
    "--import", "tsx", join(ROOT, "bench/bridge-load.ts"), "--url", `http://${CLUSTER.bridge}`, "--topic", TOPIC,
    "--record-size", String(cell.size), "--num-records", String(count), "--batch", String(batch),
    "--connections", String(cell.conns), "--inflight", "5", "--linger", "5",
    "--max-seconds", String(RUN_TIMEOUT_S - 30), ...(rate === "max" ? [] : ["--rate", String(rate)]),
  ]);
  return parseJsonLine(r, "bridge-load");
}

function parseJsonLine(r: ChildRun, name: string): Measured {
  const line = r.out.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (!line) return { report: { error: `${name}: exit ${r.code}: ${r.err.trim().split("\n").slice(-2).join(" | ")}` }, cpu: r.cpu };
  const j = clientReport(JSON.parse(line) as unknown);
  const failed = Number(j.failed);
  if (failed > 0) j.error = `${failed} records failed${j.first_error ? ` (first: ${String(j.first_error)})` : ""}`;
  return { report: j, cpu: r.cpu };
}

const numberOrNull = (v: unknown): number | null => (typeof v === "number" ? v : null);

/** The JSON line of rdkafka_perf.py or bridge-load.ts: every field kept, the figures checked. */
function clientReport(j: unknown): ClientReport {
  if (typeof j !== "object" || j === null || Array.isArray(j)) return { error: "not a JSON object" };
  const report: ClientReport = { ...(j as Record<string, unknown>) };
  for (const k of ["records", "records_per_s", "mb_per_s"] as const) {
    if (k in report && typeof report[k] !== "number") report[k] = undefined;
  }
  const l: unknown = report.latency_ms;
  if (l !== undefined) {
    const o: Record<string, unknown> = typeof l === "object" && l !== null ? { ...l } : {};
    report.latency_ms = { avg: numberOrNull(o.avg), p50: numberOrNull(o.p50), p95: numberOrNull(o.p95), p99: numberOrNull(o.p99),
      p999: numberOrNull(o.p999), max: numberOrNull(o.max) };
  }
  return report;
}

// ---------------------------------------------------------------- one run
/** Every process measured: the stack's (other dialects' Envoys included) and Kroxylicious. */
function measuredPids(): Record<string, number | undefined> {
  const pids: Record<string, number | undefined> = stackPids();
  if (krox) pids.kroxylicious = krox.pid; // measured in every run, like the stack's processes
  return pids;
}

/** CPU seconds per second of every measured process over `seconds` with no load. */
async function idleBaseline(seconds: number): Promise<IdleBaseline> {
  const pids = measuredPids();
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([n, p]) => [n, cpuSeconds(p)]));
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const dt = (Date.now() - t0) / 1000;
  const out: Record<string, number> = {};
  for (const [n, p] of Object.entries(pids)) {
    const c = cpuSeconds(p);
    const c0 = cpu0[n] ?? null;
    if (c !== null && c0 !== null) out[n] = Number(((c - c0) / dt).toFixed(4));
  }
  return { seconds: Number(dt.toFixed(1)), cpu_s_per_s: out, load1: loadavg()[0]! };
}

/** The path's own CPU per record (see Run.cpu_us_per_record). */
function pathCpu(target: string, envoyName: string | null, cpu: Record<string, number>, seconds: number, records: number, cluster: string): Record<string, number> {
  const broker = `kafka-${cluster}`;
  const bridge = `bridge-${cluster}`;
  const us = (s: number): number => Number(((s * 1e6) / records).toFixed(1));
  const out: Record<string, number> = {};
  if (cpu.client !== undefined) out.client = us(cpu.client);
  if (cpu[broker] !== undefined) out.kafka = us(cpu[broker]);
  if (target === "kroxylicious" && cpu.kroxylicious !== undefined) out.kroxylicious = us(cpu.kroxylicious);
  if ((isMesh(target) || target === "bridge") && cpu[bridge] !== undefined) out.bridge = us(cpu[bridge]);
  if (envoyName !== null && cpu[envoyName] !== undefined) {
    const net = cpu[envoyName] - (idle.cpu_s_per_s[envoyName] ?? 0) * seconds;
    out.envoy = us(net);
    if (cpu[bridge] !== undefined) out["envoy+bridge"] = us(net + cpu[bridge]);
  }
  return out;
}

async function measure(cell: Cell, target: string, count: number, rate: "max" | number, batch: number | null): Promise<Run> {
  const pids = measuredPids();
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([n, p]) => [n, cpuSeconds(p)]));
  const envoy = isMesh(target) ? envoys[target]! : null;
  const envoyName = envoy?.name ?? null;
  const stats0 = await envoyStats(envoy?.admin ?? null);
  const load0 = loadavg()[0]!;
  const t0 = Date.now();
  let m: Measured;
  if (cell.client === "java-consumer") m = await javaConsume(cell, target, count);
  else if (target === "bridge") m = await bridgeLoad(cell, count, rate, batch ?? 15);
  else if (cell.client === "java") m = await javaPerf(cell, target, count, rate);
  else m = await rdkafkaPerf(cell, target, count, rate);
  const seconds = (Date.now() - t0) / 1000;
  const r = m.report;
  const stats1 = await envoyStats(envoy?.admin ?? null);
  const cpu: Record<string, number> = {};
  for (const [n, p] of Object.entries(pids)) {
    const c = cpuSeconds(p);
    const c0 = cpu0[n] ?? null;
    if (c !== null && c0 !== null) cpu[n] = Number((c - c0).toFixed(2));
  }
  cpu.client = m.cpu;
  // Records per client request through the mesh: per Produce, or per Fetch for a consumer.
  const consume = cell.client === "java-consumer";
  const produced = (stats1[consume ? "requests.Fetch" : "requests.Produce"] ?? 0) - (stats0[consume ? "requests.Fetch" : "requests.Produce"] ?? 0);
  const forwarded = consume ? (r.records ?? 0) : (stats1["cluster.c1.records"] ?? 0) - (stats0["cluster.c1.records"] ?? 0);
  if (cell.payload === "avro" && envoy !== null && !r.error) {
    // Refused values would pass for fast ones: every record must have reached the cluster.
    const delta = (k: string): number => (stats1[k] ?? 0) - (stats0[k] ?? 0);
    const topic = cell.topic ?? TOPIC;
    // (A VM past max_topic_stats counts the topic under topics_other.)
    const acked = delta(`topic.${topic}.records`) + delta("topics_other.records");
    const refusedNow = delta(`topic.${topic}.schema_rejected`) + delta("topics_other.schema_rejected") + delta("schema.failed_open");
    if (refusedNow > 0 || acked < count) {
      r.error = `${topic}: ${acked} of ${count} records acknowledged, ${refusedNow} partitions refused or passed unchecked by the schema checks`;
    }
  }
  const per1m: Record<string, number> = {};
  if (r.records) for (const [n, s] of Object.entries(cpu)) per1m[n] = Number(((s * 1e6) / r.records).toFixed(1));
  const envoyPid = envoyName !== null ? pids[envoyName] : undefined;
  return {
    cell: cell.id, target, rate_asked: rate, ...r, seconds: Number(seconds.toFixed(2)),
    records_per_call: isMesh(target) && produced > 0 ? Number((forwarded / produced).toFixed(1)) : target === "bridge" ? batch : null,
    envoy_process: envoyName,
    cpu_s: cpu, cpu_s_per_1m_records: per1m,
    cpu_us_per_record: r.records ? pathCpu(target, envoyName, cpu, seconds, r.records, cell.client === "java-consumer" ? cell.cluster : "c1") : {},
    envoy_rss_mb: envoyPid ? Number(rssMb(envoyPid)!.toFixed(1)) : null,
    wasm_memory_bytes: { before: stats0.wasm_memory_bytes ?? null, after: stats1.wasm_memory_bytes ?? null },
    load1: { before: load0, after: loadavg()[0]! },
  };
}

const median = (xs: readonly unknown[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};

function summarize(runs: Run[]): Summary {
  const ok = runs.filter((r) => !r.error);
  const pick = (f: (r: Run) => unknown): number | null => median(ok.map(f));
  const names = new Set(ok.flatMap((r) => Object.keys(r.cpu_s_per_1m_records)));
  const paths = new Set(ok.flatMap((r) => Object.keys(r.cpu_us_per_record)));
  return {
    runs: runs.length, ok_runs: ok.length, errors: runs.flatMap((r) => (r.error ? [r.error] : [])),
    records_per_s: pick((r) => r.records_per_s), mb_per_s: pick((r) => r.mb_per_s),
    latency_ms: { p50: pick((r) => r.latency_ms?.p50), p95: pick((r) => r.latency_ms?.p95), p99: pick((r) => r.latency_ms?.p99),
      p999: pick((r) => r.latency_ms?.p999), max: pick((r) => r.latency_ms?.max) },
    cpu_s_per_1m_records: Object.fromEntries([...names].map((n) => [n, pick((r) => r.cpu_s_per_1m_records[n])])),
    cpu_us_per_record: Object.fromEntries([...paths].map((n) => [n, pick((r) => r.cpu_us_per_record[n])])),
    records_per_call: pick((r) => r.records_per_call),
    envoy_rss_mb: pick((r) => r.envoy_rss_mb),
    wasm_memory_bytes: { before: ok[0]?.wasm_memory_bytes.before ?? null, after: ok.at(-1)?.wasm_memory_bytes.after ?? null },
    load1: median(runs.map((r) => r.load1.before)),
  };
}

// ---------------------------------------------------------------- main
function machine(): Machine {
  const sh = (cmd: string, args: string[]): string | null => { try { return execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] }).toString().trim(); } catch { return null; } };
  const envoyBin = existsSync(join(ROOT, ".cache/envoy/envoy-bin")) ? readFileSync(join(ROOT, ".cache/envoy/envoy-bin"), "utf8").trim() : null;
  return {
    cpus: cpus().length, cpu_model: cpus()[0]?.model, memory_gib: Number((totalmem() / 2 ** 30).toFixed(1)), kernel: release(),
    load_average_at_start: loadavg().map((x) => Number(x.toFixed(2))),
    java: sh("java", ["-version"]) ?? execFileSync("bash", ["-c", "java -version 2>&1 | head -1"]).toString().trim(),
    node: process.version,
    envoy: envoyBin ? "Envoy " + (/version: \S+?\/([\d.]+)\//.exec(sh(envoyBin, ["--version"]) ?? "")?.[1] ?? "?") : null,
    kafka: KAFKA_VERSION,
    kroxylicious: krox?.version ?? null,
    librdkafka: sh(PY, ["-c", "import confluent_kafka as c; print(c.libversion()[0])"]),
    ...filterBuild(),
  };
}

/** Which filter build the running Envoy loaded: a reused stack may predate the last build. */
function filterBuild(): { filter_wasm_sha256: string; envoy_started_after_wasm_build: boolean | null } {
  const wasm = join(ROOT, "build", "kafka_mesh.wasm");
  const sha256 = createHash("sha256").update(readFileSync(wasm)).digest("hex");
  const pid = stackPids().envoy;
  let envoyStartedAfterBuild = null;
  if (pid) {
    const started = Date.parse(execFileSync("ps", ["-o", "lstart=", "-p", String(pid)]).toString().trim());
    envoyStartedAfterBuild = started >= Math.floor(statSync(wasm).mtimeMs / 1000) * 1000;
  }
  if (envoyStartedAfterBuild === false) console.log("bench: WARNING: Envoy was started before build/kafka_mesh.wasm was built; run `make down` first to measure this build");
  return { filter_wasm_sha256: sha256, envoy_started_after_wasm_build: envoyStartedAfterBuild };
}

async function main(): Promise<void> {
  const started = new Date();
  const cells = ONLY.length ? CELLS.filter((c) => ONLY.some((o) => c.id === o || c.id.startsWith(o))) : CELLS.filter((c) => FULL || !c.full);
  if (!cells.length) throw new Error(`BENCH_ONLY=${ONLY.join(",")} names no cell (${CELLS.map((c) => c.id).join(", ")})`);
  // Only the targets the chosen cells use are started.
  const used = new Set(cells.flatMap((c) => cellTargets(c)));
  TARGETS = TARGETS.filter((t) => used.has(t));
  if (TARGETS.includes("kroxylicious")) {
    try {
      krox = await startKroxylicious({ root: ROOT, py: PY, envoy: ports.envoy, upstream: CLUSTER.kafka });
      console.log(`bench: Kroxylicious ${krox.version} on ${krox.address} (pid ${krox.pid}, log ${krox.log})`);
    } catch (e) {
      console.log(`bench: without the kroxylicious target: ${e instanceof Error ? e.message : String(e)}`);
      TARGETS = TARGETS.filter((t) => t !== "kroxylicious");
    }
  }
  // The Envoy of each mesh target: the stack's serves its own dialect; the other dialect's is
  // started here (tests/e2e/dialects.ts: listener +100, admin 9911) in front of the same bridges.
  for (const [target, dialect] of Object.entries(MESH_DIALECT)) {
    if (!TARGETS.includes(target)) continue;
    try {
      const e = await startDialectEnvoy(dialect);
      envoys[target] = e;
      console.log(`bench: ${target} through ${e.stack ? "the stack's Envoy" : e.name} on ${e.envoy} (admin ${e.admin})`);
    } catch (e) {
      console.log(`bench: without the ${target} target: ${e instanceof Error ? e.message : String(e)}`);
      TARGETS = TARGETS.filter((t) => t !== target);
    }
  }
  const stopAll = async (): Promise<void> => {
    await krox?.stop();
    for (const e of Object.values(envoys)) await e.stop().catch((err: unknown) => console.log(`bench: stopping ${e.name}: ${String(err)}`));
  };
  // Stopped at the end, on an error, and when the bench itself is interrupted.
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, async () => { await stopAll(); process.exit(130); });
  try {
    await runCells(cells, started);
  } finally {
    await stopAll();
  }
}

/**
 * Load through every target before anything is recorded: the JVMs' JIT (the bridge's first
 * ~15 s cost it about 2.5 times the CPU per batch of a warm one, the broker's and
 * Kroxylicious' likewise) and Envoy's connection pools. The first max-rate cell's workload,
 * three times over (once for the slow Strimzi-dialect mesh).
 */
async function warmUp(cells: Cell[]): Promise<void> {
  const cell = cells.find((c): c is MaxRateCell => c.client !== "java-consumer" && c.rate === "max" && c.codec === "none");
  if (!cell) return;
  const t0 = Date.now();
  for (const target of TARGETS) {
    const count = Math.round(cell.records * SCALE * (target === "mesh-strimzi" ? 1 : 3));
    const r = await measure(cell, target, count, "max", target === "bridge" ? 15 : null);
    if (r.error) console.log(`bench: warm-up through ${target}: ${r.error}`);
  }
  console.log(`bench: warm-up through ${TARGETS.join(", ")} in ${((Date.now() - t0) / 1000).toFixed(0)} s, not recorded`);
}

/**
 * Before a consume cell: its topic, written straight to the cluster (reused when it already holds
 * exactly these records), then reads through every target for at least CONSUME_WARM_UP_S each,
 * not recorded (as the producer workloads' warm-up: the JVMs' JIT on the read path, the page
 * cache). One read of the topic lasts a second or two: too short for the JIT of the bridge's
 * forward path or Kroxylicious' (after 30 s of reads the bridge still spent over twice its steady
 * CPU per record; after 60 s it was steady. Kroxylicious' records/s kept rising too).
 * False: the topic could not be prepared, the cell is skipped.
 */
async function consumeSetUp(cell: ConsumeCell, targets: string[], count: number): Promise<boolean> {
  if (TARGETS.includes("mesh-strimzi")) console.log(`bench: ${cell.id}: no mesh-strimzi target (the Strimzi dialect does not serve consumers)`);
  try {
    const done = prepareConsumeTopic({ root: ROOT, py: PY, bootstrap: ports.clusters[cell.cluster]!.kafka, topic: cell.topic,
      partitions: cell.partitions, records: count, size: cell.size });
    console.log(`bench: ${cell.id}: ${cell.topic} on ${cell.cluster}, ${cell.partitions} partition(s), ${count} records: ${done}`);
  } catch (e) {
    console.log(`bench: skip ${cell.id}: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
  const t0 = Date.now();
  for (const target of targets) {
    const started = Date.now();
    let reads = 0;
    do {
      const r = await measure(cell, target, count, "max", null);
      reads++;
      if (r.error) {
        console.log(`bench: ${cell.id} warm-up through ${target}: ${r.error}`);
        break;
      }
    } while (Date.now() - started < CONSUME_WARM_UP_S * 1000 && reads < 40);
  }
  console.log(`bench: ${cell.id} warm-up through ${targets.join(", ")} in ${((Date.now() - t0) / 1000).toFixed(0)} s, not recorded`);
  return true;
}

/**
 * Before the schema cells: their topics on c1, the schema registered under the checked topic's
 * subject, the payload file. Returns the cells to run: without the schema cells when that fails
 * or the stack's config has no registry or no policy for the checked topic.
 */
async function schemaSetUp(cells: Cell[]): Promise<Cell[]> {
  const schemaCells = cells.filter((c) => c.payload === "avro");
  if (!schemaCells.length) return cells;
  const drop = (why: string): Cell[] => {
    console.log(`bench: skip ${schemaCells.map((c) => c.id).join(", ")}: ${why}`);
    return cells.filter((c) => c.payload !== "avro");
  };
  if (!TARGETS.includes("mesh-native")) return drop("no mesh-native target");
  const checked = schemaCells.find((c) => c.id === "schema-1k-checked")?.topic ?? "apples-avro-bench";
  const policies = (ports.config.topic_policies ?? []) as Array<{ topic_prefix: string; value_schema?: { validate?: string } }>;
  const policy = policies.find((p) => checked.startsWith(p.topic_prefix));
  if (ports.registry === null || policy?.value_schema?.validate !== "payload") return drop(`the stack's config has no registry or no payload policy for ${checked}`);
  try {
    const w = await prepareSchemaWorkload({ root: ROOT, registry: ports.registry, bootstrap: CLUSTER.kafka,
      topics: [...new Set(schemaCells.map((c) => c.topic ?? TOPIC))], subject: `${checked}-value` });
    avroPayloadFile = w.payloadFile;
    console.log(`bench: schema cells: schema id ${w.id} under ${checked}-value, payloads ${w.payloadFile}`);
    return cells;
  } catch (e) {
    return drop(e instanceof Error ? e.message : String(e));
  }
}

/** One cell's runs under way: its rate and record count, targets, runs so far. */
interface CellRuns {
  cell: Cell;
  rate: "max" | number;
  count: number;
  targets: string[];
  runs: Record<string, Run[]>;
  /** The bridge target's batch size (the Strimzi-dialect mesh's median records per call so far). */
  batch: number | null;
}

/** A cell's rate, count and targets (its consume topic prepared); null when it is skipped. */
async function cellRuns(cell: Cell, done: Record<string, Record<string, Summary>>): Promise<CellRuns | null> {
  let rate: "max" | number = "max";
  let count: number;
  if (cell.rate !== "max") {
    const base = done[cell.of];
    const best = base ? Math.min(...TARGETS.map((t) => base[t]?.records_per_s ?? Infinity)) : NaN;
    if (!Number.isFinite(best)) { console.log(`skip ${cell.id}: no max-rate figures from ${cell.of}`); return null; }
    rate = Math.round(best * cell.rate);
    count = Math.round(rate * cell.seconds * SCALE);
  } else {
    count = Math.round(cell.records * SCALE);
  }
  const targets = cellTargets(cell);
  if (cell.client === "java-consumer" && !(await consumeSetUp(cell, targets, count))) return null;
  return { cell, rate, count, targets, runs: Object.fromEntries(targets.map((t) => [t, []])), batch: null };
}

/** Run i of a cell through each of its targets. */
async function runOnce(g: CellRuns, i: number): Promise<void> {
  const { cell, count, rate } = g;
  for (const target of g.targets) {
    // The bridge target batches as the Strimzi-dialect mesh did in this cell (median so far).
    const b = target === "bridge" ? (g.batch ?? 15) : null;
    const r = await measure(cell, target, count, rate, b);
    g.runs[target]!.push(r);
    if (target === "mesh-strimzi" && r.records_per_call) g.batch = median(g.runs["mesh-strimzi"]!.map((x) => x.records_per_call));
    console.log(
      `${cell.id.padEnd(18)} ${target.padEnd(12)} #${i + 1} ` +
        (r.error ? `ERROR ${r.error}` : cell.client === "java-consumer" ? `${r.records_per_s?.toFixed(0)} rec/s ${r.mb_per_s?.toFixed(1)} MB/s (join ${String(r.join_ms)} ms)`
          : `${r.records_per_s?.toFixed(0)} rec/s p50 ${r.latency_ms?.p50?.toFixed(1)} p99 ${r.latency_ms?.p99?.toFixed(1)} ms`) +
        ` load ${r.load1.before.toFixed(1)}`,
    );
  }
}

async function runCells(allCells: Cell[], started: Date): Promise<void> {
  const cells = await schemaSetUp(allCells);
  const mach = machine();
  console.log(`bench: ${cells.length} workloads x ${TARGETS.length} targets x ${REPEAT} runs (consume workloads ${CONSUME_REPEAT}); load ${mach.load_average_at_start.join(" ")}`);
  // Idle baseline: every process with no load, after the Envoys and Kroxylicious started.
  idle = await idleBaseline(IDLE_SECONDS);
  console.log(`bench: idle CPU over ${idle.seconds} s (CPU s/s): ${Object.entries(idle.cpu_s_per_s).map(([n, c]) => `${n} ${c}`).join(", ")}`);
  await warmUp(cells);
  const results: Results<Run> = { started: started.toISOString(), repeat: REPEAT, consume_repeat: CONSUME_REPEAT, full: FULL, scale: SCALE, topic: TOPIC, machine: mach, idle, cells: [], micro: null };
  const done: Record<string, Record<string, Summary>> = {};
  // The schema cells run as one group, their runs interleaved (plain, checked, plain, ...) as
  // targets are within a cell, so that load from other work falls on both alike.
  for (let k = 0; k < cells.length;) {
    let n = 1;
    if (cells[k]!.payload === "avro") while (k + n < cells.length && cells[k + n]!.payload === "avro") n++;
    const group: CellRuns[] = [];
    for (const cell of cells.slice(k, k + n)) {
      const g = await cellRuns(cell, done);
      if (g) group.push(g);
    }
    k += n;
    const repeat = Math.max(0, ...group.map((g) => repeatOf(g.cell)));
    for (let i = 0; i < repeat; i++) for (const g of group) await runOnce(g, i);
    for (const g of group) {
      const summary = Object.fromEntries(g.targets.map((t) => [t, summarize(g.runs[t]!)]));
      done[g.cell.id] = summary;
      results.cells.push({ ...g.cell, rate_asked: g.rate, records_per_run: g.count, summary, runs: Object.values(g.runs).flat() });
    }
  }
  if (ONLY.length) console.log(`bench: BENCH_ONLY=${ONLY.join(",")}: no filter micro-benchmark`);
  else {
    console.log("bench: filter micro-benchmark");
    results.micro = await micro();
  }
  results.finished = new Date().toISOString();
  results.machine.load_average_at_end = loadavg().map((x) => Number(x.toFixed(2)));
  mkdirSync(OUT, { recursive: true });
  const stamp = started.toISOString().slice(0, 16).replace(/:/g, "");
  const base = join(OUT, stamp);
  writeFileSync(base + ".json", JSON.stringify(results, null, 2) + "\n");
  writeFileSync(base + ".md", markdown(results, stamp));
  execFileSync(PY, [join(ROOT, "bench/plot.py"), base + ".json", base + ".png"], { stdio: "inherit" });
  console.log(readFileSync(base + ".md", "utf8"));
  console.log(`bench: wrote ${base}.{json,md,png} in ${((Date.now() - started.getTime()) / 60000).toFixed(1)} min`);
}

await main();
