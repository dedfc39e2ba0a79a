// Markdown tables of one bench result set (bench/results/<stamp>.json), and the shape of that set.

/** A workload of the matrix: client, record size, acks, codec, connections, rate. */
interface CellBase {
  id: string;
  client: "java" | "rdkafka";
  size: number;
  acks: string;
  codec: string;
  conns: number;
  /** Only with BENCH_FULL=1. */
  full?: boolean;
  /** The producer's topic, when not the result set's `topic`. */
  topic?: string;
  /**
   * "avro": each value is a 1 KiB Avro record in the Confluent wire format (bench/schema.ts),
   * sent by ProducerPerformance from a payload file.
   */
  payload?: "avro";
  /** What the report says of the topic (e.g. its schema policy). */
  note?: string;
}

/** As fast as the client goes, `records` records per run. */
export interface MaxRateCell extends CellBase {
  rate: "max";
  records: number;
}

/** `rate` times the lowest median max-rate records/s of the cell named in `of`, for `seconds`. */
export interface FixedRateCell extends CellBase {
  rate: number;
  of: string;
  seconds: number;
}

/**
 * Kafka's ConsumerPerformance (Java) reading `records` records of `size` bytes from the beginning
 * of `topic` (`partitions` partitions on `cluster`, written beforehand straight to the cluster) to
 * its end, as fast as it goes. Through the targets that serve consumers (not mesh-strimzi).
 */
export interface ConsumeCell extends Omit<CellBase, "client"> {
  client: "java-consumer";
  rate: "max";
  records: number;
  topic: string;
  cluster: string;
  partitions: number;
}

export type Cell = MaxRateCell | FixedRateCell | ConsumeCell;

export interface Latency {
  avg?: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

export interface WasmMemory {
  before: number | null;
  after: number | null;
}

/** The medians of one (workload, target) over its runs. */
export interface Summary {
  runs: number;
  ok_runs: number;
  errors: string[];
  records_per_s: number | null;
  mb_per_s: number | null;
  latency_ms: Latency;
  cpu_s_per_1m_records: Record<string, number | null>;
  /** The path's own CPU, µs per record: envoy (less its idle CPU), bridge, envoy+bridge, kroxylicious, kafka, client. */
  cpu_us_per_record?: Record<string, number | null>;
  records_per_call: number | null;
  envoy_rss_mb: number | null;
  wasm_memory_bytes: WasmMemory;
  load1: number | null;
}

/** One row of the micro-benchmark (bench/micro.ts). */
export interface MicroRow {
  record_bytes: number;
  codec: string;
  records_per_batch: number;
  batch_bytes: number;
  upstream_body_bytes: number;
  ns_per_record: Record<string, number>;
  wasm_memory_bytes: WasmMemory;
}

/** CPU seconds per second of each measured process with no load, before the runs. */
export interface IdleBaseline {
  seconds: number;
  cpu_s_per_s: Record<string, number>;
  load1?: number;
}

export interface Machine {
  cpus: number;
  cpu_model: string | undefined;
  memory_gib: number;
  kernel: string;
  load_average_at_start: number[];
  load_average_at_end?: number[];
  java: string | null;
  node: string;
  envoy: string | null;
  kafka: string;
  kroxylicious: string | null;
  librdkafka: string | null;
  filter_wasm_sha256: string;
  envoy_started_after_wasm_build: boolean | null;
}

export type CellResult<Run> = Cell & {
  rate_asked: "max" | number;
  records_per_run: number;
  summary: Record<string, Summary>;
  runs: Run[];
};

export interface Results<Run = unknown> {
  started: string;
  finished?: string;
  repeat: number;
  /** Runs per target of the consume cells (absent in results written before it had its own count: `repeat`). */
  consume_repeat?: number;
  full: boolean;
  scale: number;
  topic: string;
  machine: Machine;
  idle?: IdleBaseline;
  cells: CellResult<Run>[];
  micro: MicroRow[] | null;
}

const f = (x: number | null | undefined, d = 0): string => (x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(d));
const lat = (x: number | null | undefined): string => (x === null || x === undefined ? "–" : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

const sizeOf = (c: Cell): string => (c.size === 1024 ? "1 KiB" : c.size + " B");

function workload(c: CellResult<unknown>): string {
  if (c.client === "java-consumer") {
    return `Java consumer ${sizeOf(c)}, ${c.topic} (${c.cluster}, ${c.partitions} partition${c.partitions === 1 ? "" : "s"}), ${c.records_per_run.toLocaleString("en").replace(/,/g, " ")} records from offset 0`;
  }
  const rate = c.rate_asked === "max" ? "max rate" : `fixed ${f(c.rate_asked)} rec/s`;
  const what = c.payload === "avro" ? `${sizeOf(c)} Avro values (Confluent framing) to ${c.topic}${c.note ? ` (${c.note})` : ""}` : sizeOf(c);
  return `${c.client === "java" ? "Java" : "librdkafka"} ${what}, acks=${c.acks}, ${c.codec}, ${c.conns} conn, ${rate}`;
}

/** Targets in report order (older result sets name the Strimzi-dialect mesh `mesh`). */
const ORDER = ["kafka", "kroxylicious", "bridge", "mesh", "mesh-strimzi", "mesh-native"];
const MESH = ["mesh-native", "mesh-strimzi", "mesh"];
const isMesh = (t: string): boolean => MESH.includes(t);

/** CPU µs per record of a summary (older result sets: from cpu_s_per_1m_records, Envoy not net of idle). */
function pathCpu(t: string, s: Summary): Record<string, number | null | undefined> {
  if (s.cpu_us_per_record) return s.cpu_us_per_record;
  const c = s.cpu_s_per_1m_records;
  const eb = c.envoy != null && c["bridge-c1"] != null ? c.envoy + c["bridge-c1"] : null;
  return { envoy: isMesh(t) ? c.envoy : null, bridge: t === "kafka" || t === "kroxylicious" ? null : c["bridge-c1"], "envoy+bridge": isMesh(t) ? eb : null,
    kroxylicious: t === "kroxylicious" ? c.kroxylicious : null, kafka: c["kafka-c1"], client: c.client };
}

/** How many runs each median is of: the consume cells' own count when they have one and it differs. */
function runsSaid(res: Results): string {
  const consume = res.consume_repeat;
  const consumes = res.cells.some((c) => c.client === "java-consumer");
  if (consume === undefined || !consumes || consume === res.repeat) return String(res.repeat);
  return res.cells.every((c) => c.client === "java-consumer") ? String(consume) : `${res.repeat} (the consume workloads': ${consume})`;
}

export function markdown(res: Results, stamp: string): string {
  const m = res.machine;
  const out = [];
  const mib = (b: number | null | undefined): string => (b === null || b === undefined ? "–" : (b / 1048576).toFixed(1));
  const r2 = (a: number | null | undefined, b: number | null | undefined): string => (a && b ? (a / b).toFixed(2) : "–");
  const targetsOf = (c: CellResult<unknown>): string[] => Object.keys(c.summary).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  out.push(`## Benchmark ${stamp}`, "");
  out.push(
    `Machine: ${m.cpus} × ${m.cpu_model}, ${m.memory_gib} GiB, Linux ${m.kernel}; load average at start ${m.load_average_at_start.join(" / ")}, at end ${(m.load_average_at_end ?? []).join(" / ")}. ` +
      `Kafka ${m.kafka}, ${m.kroxylicious ? `Kroxylicious ${m.kroxylicious}, ` : ""}${m.envoy ?? "Envoy"}, Node ${m.node}, librdkafka ${m.librdkafka}. ` +
      `Every figure is the median of ${runsSaid(res)} runs, targets interleaved; the machine was shared with other work, so treat differences under ~20% as noise.`,
    "",
  );
  if (res.idle) {
    const idle = Object.entries(res.idle.cpu_s_per_s).map(([n, c]) => `${n} ${c.toFixed(4)}`).join(", ");
    out.push(`Idle CPU before the runs, CPU s per s over ${res.idle.seconds} s${res.idle.load1 != null ? ` (load ${res.idle.load1.toFixed(1)})` : ""}: ${idle}. Each mesh run's Envoy CPU below is net of its Envoy's idle CPU × the run's duration.`, "");
  }
  out.push("### Throughput", "");
  out.push(
    "| workload | target | rec/s | MB/s | p50 ms | p99 ms | p99.9 ms | rec/request | CPU µs/rec: Envoy | bridge | Envoy+bridge | Kroxylicious | Kafka broker | client | Envoy RSS MB | wasm MiB before→after | load |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
  );
  for (const c of res.cells) {
    for (const t of targetsOf(c)) {
      const s = c.summary[t]!;
      const cpu = pathCpu(t, s);
      const wm = s.wasm_memory_bytes;
      out.push(
        `| ${workload(c)} | ${t}${s.ok_runs < s.runs ? ` (${s.ok_runs}/${s.runs} ok)` : ""} | ${f(s.records_per_s)} | ${f(s.mb_per_s, 1)} | ${lat(s.latency_ms.p50)} | ${lat(s.latency_ms.p99)} | ${lat(s.latency_ms.p999)} | ${f(s.records_per_call, 0)} | ${f(cpu.envoy, 1)} | ${f(cpu.bridge, 1)} | ${f(cpu["envoy+bridge"], 1)} | ${f(cpu.kroxylicious, 1)} | ${f(cpu.kafka, 1)} | ${f(cpu.client, 1)} | ${isMesh(t) ? f(s.envoy_rss_mb) : "–"} | ${isMesh(t) ? `${mib(wm.before)}→${mib(wm.after)}` : "–"} | ${f(s.load1, 1)} |`,
      );
    }
  }
  out.push("", "Bridge and Kafka broker: c1's (a consume cell's: its topic's cluster's).");
  const meshes = MESH.filter((t) => res.cells.some((c) => c.summary[t]));
  out.push("", "### Ratios (records/s, same workload)", "");
  out.push(
    `| workload | ${meshes.map((t) => `${t}/Kroxylicious`).join(" | ")} | ${meshes.map((t) => `${t}/Kafka`).join(" | ")} | ${meshes.includes("mesh-native") && meshes.includes("mesh-strimzi") ? "mesh-native/mesh-strimzi | " : ""}mesh-strimzi/bridge | Kroxylicious/Kafka |`,
    `| --- | ${meshes.map(() => "---:").join(" | ")} | ${meshes.map(() => "---:").join(" | ")} | ${meshes.includes("mesh-native") && meshes.includes("mesh-strimzi") ? "---: | " : ""}---: | ---: |`,
  );
  for (const c of res.cells) {
    const s = c.summary;
    const rps = (t: string): number | null | undefined => s[t]?.records_per_s;
    const strimzi = s["mesh-strimzi"] ? "mesh-strimzi" : "mesh";
    out.push(
      `| ${workload(c)} | ${meshes.map((t) => r2(rps(t), rps("kroxylicious"))).join(" | ")} | ${meshes.map((t) => r2(rps(t), rps("kafka"))).join(" | ")} | ${meshes.includes("mesh-native") && meshes.includes("mesh-strimzi") ? `${r2(rps("mesh-native"), rps("mesh-strimzi"))} | ` : ""}${r2(rps(strimzi), rps("bridge"))} | ${r2(rps("kroxylicious"), rps("kafka"))} |`,
    );
  }
  const consume = res.cells.filter((c) => c.client === "java-consumer");
  if (consume.length) {
    out.push("", "### Consume (ConsumerPerformance from offset 0 to the end; records/s and MB/s from partitions assigned to the last record)", "");
    out.push(
      "| workload | Kafka rec/s | Kroxylicious rec/s | mesh-native rec/s | MB/s: Kafka / Kroxylicious / mesh-native | mesh-native/Kroxylicious | mesh-native/Kafka | CPU µs/rec: mesh-native Envoy+bridge / Kroxylicious / broker (direct) | rec/Fetch (mesh-native) | errors |",
      "| --- | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: | --- |",
    );
    for (const c of consume) {
      const s = c.summary;
      const rps = (t: string): number | null | undefined => s[t]?.records_per_s;
      const cell = (t: string): string => (!s[t] ? "not run" : s[t]!.ok_runs ? `${f(rps(t))}${s[t]!.ok_runs < s[t]!.runs ? ` (${s[t]!.ok_runs}/${s[t]!.runs} ok)` : ""}` : "failed");
      const cpu = (t: string): Record<string, number | null | undefined> => (s[t] ? pathCpu(t, s[t]!) : {});
      const errors = Object.entries(s).filter(([, x]) => x.errors.length).map(([t, x]) => `${t}: ${x.errors[0]!.replace(/\|/g, "/")}`);
      out.push(
        `| ${workload(c)} | ${cell("kafka")} | ${cell("kroxylicious")} | ${cell("mesh-native")} | ${["kafka", "kroxylicious", "mesh-native"].map((t) => f(s[t]?.mb_per_s, 1)).join(" / ")} | ` +
          `${r2(rps("mesh-native"), rps("kroxylicious"))} | ${r2(rps("mesh-native"), rps("kafka"))} | ` +
          `${f(cpu("mesh-native")["envoy+bridge"], 1)} / ${f(cpu("kroxylicious").kroxylicious, 1)} / ${f(cpu("kafka").kafka, 1)} | ${f(s["mesh-native"]?.records_per_call)} | ${errors.join("; ") || "–"} |`,
      );
    }
  }
  const fixed = res.cells.filter((c) => c.rate_asked !== "max");
  if (fixed.length) {
    out.push("", "### Fixed rate: latency, ms (p50 / p99)", "");
    const ts = ORDER.filter((t) => fixed.some((c) => c.summary[t]));
    const native = ts.includes("mesh-native");
    out.push(
      `| workload | ${ts.join(" | ")} |${native ? " mesh-native p99 − Kroxylicious p99 | mesh-native p50 − Kafka p50 |" : ""}`,
      `| --- | ${ts.map(() => "---").join(" | ")} |${native ? " ---: | ---: |" : ""}`,
    );
    for (const c of fixed) {
      const l = (t: string): Latency | undefined => c.summary[t]?.latency_ms;
      const d = (a: number | null | undefined, b: number | null | undefined): string => (a != null && b != null ? (a - b).toFixed(1) : "–");
      out.push(
        `| ${workload(c)} | ${ts.map((t) => (l(t) ? `${lat(l(t)!.p50)} / ${lat(l(t)!.p99)}` : "–")).join(" | ")} |` +
          (native ? ` ${d(l("mesh-native")?.p99, l("kroxylicious")?.p99)} | ${d(l("mesh-native")?.p50, l("kafka")?.p50)} |` : ""),
      );
    }
  }
  const schema = res.cells.filter((c) => c.payload === "avro" && c.summary["mesh-native"]);
  if (schema.length) {
    out.push("", "### Schema checks (mesh-native): the same Avro values to a topic the filter validates and to one it does not", "");
    out.push(
      "| workload | rec/s | p50 ms | p99 ms | CPU µs/rec: Envoy | Envoy+bridge | rec/s vs the first row | Envoy µs/rec vs the first row | errors |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    );
    const first = schema[0]!.summary["mesh-native"]!;
    for (const c of schema) {
      const s = c.summary["mesh-native"]!;
      const cpu = pathCpu("mesh-native", s);
      out.push(
        `| ${workload(c)} | ${f(s.records_per_s)} | ${lat(s.latency_ms.p50)} | ${lat(s.latency_ms.p99)} | ${f(cpu.envoy, 1)} | ${f(cpu["envoy+bridge"], 1)} | ` +
          `${r2(s.records_per_s, first.records_per_s)} | ${r2(cpu.envoy, pathCpu("mesh-native", first).envoy)} | ${s.errors.length ? s.errors[0]!.replace(/\|/g, "/") : "–"} |`,
      );
    }
  }
  out.push("", "### CPU per record, µs (the path's own processes)", "");
  out.push(
    `| workload | ${meshes.map((t) => `${t}: Envoy + bridge`).join(" | ")} | Kroxylicious | ${meshes.map((t) => `${t}/Kroxylicious`).join(" | ")} | Kafka broker (via Kroxylicious) | Kafka broker (direct) |`,
    `| --- | ${meshes.map(() => "---:").join(" | ")} | ---: | ${meshes.map(() => "---:").join(" | ")} | ---: | ---: |`,
  );
  for (const c of res.cells) {
    const cpu = (t: string): Record<string, number | null | undefined> => (c.summary[t] ? pathCpu(t, c.summary[t]!) : {});
    const krox = cpu("kroxylicious").kroxylicious;
    out.push(
      `| ${workload(c)} | ${meshes.map((t) => f(cpu(t)["envoy+bridge"], 1)).join(" | ")} | ${f(krox, 1)} | ${meshes.map((t) => r2(cpu(t)["envoy+bridge"], krox)).join(" | ")} | ${f(cpu("kroxylicious").kafka, 1)} | ${f(cpu("kafka").kafka, 1)} |`,
    );
  }
  if (res.micro) {
    const native = res.micro.some((r) => r.ns_per_record.native_path !== undefined);
    if (native) {
      out.push("", "### Filter micro-benchmark: CPU µs per record (no network, one wasm instance in Node's V8, bridge answered in memory)", "");
      out.push(
        "| record | codec | records/batch | Strimzi path | native path | native: plan (header + producer-state checks) | message encode | answer decode | response encode |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
      );
      const us = (x: number | undefined): string => (x === undefined ? "–" : (x / 1000).toFixed(3));
      for (const r of res.micro) {
        const n = r.ns_per_record;
        out.push(`| ${r.record_bytes} B | ${r.codec} | ${r.records_per_batch} | ${us(n.produce_path)} | ${us(n.native_path)} | ${us(n.native_plan)} | ${us(n.native_encode)} | ${us(n.native_answer)} | ${us(n.native_response)} |`);
      }
    }
    out.push("", "Filter micro-benchmark, every figure, ns per record (`produce_path` and its phases: the Strimzi dialect; `native_*`: the native dialect):", "");
    const keys = Object.keys(res.micro[0]?.ns_per_record ?? {});
    out.push(`| record | codec | records/batch | ${keys.join(" | ")} |`, `| --- | --- | ---: | ${keys.map(() => "---:").join(" | ")} |`);
    for (const r of res.micro) {
      out.push(`| ${r.record_bytes} B | ${r.codec} | ${r.records_per_batch} | ${keys.map((k) => f(r.ns_per_record[k])).join(" | ")} |`);
    }
  }
  return out.join("\n") + "\n";
}
