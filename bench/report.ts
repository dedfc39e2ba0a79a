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

export type Cell = MaxRateCell | FixedRateCell;

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
  full: boolean;
  scale: number;
  topic: string;
  machine: Machine;
  cells: CellResult<Run>[];
  micro: MicroRow[] | null;
}

const f = (x: number | null | undefined, d = 0): string => (x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(d));
const lat = (x: number | null | undefined): string => (x === null || x === undefined ? "–" : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function workload(c: CellResult<unknown>): string {
  const rate = c.rate_asked === "max" ? "max rate" : `fixed ${f(c.rate_asked)} rec/s`;
  return `${c.client === "java" ? "Java" : "librdkafka"} ${c.size === 1024 ? "1 KiB" : c.size + " B"}, acks=${c.acks}, ${c.codec}, ${c.conns} conn, ${rate}`;
}

export function markdown(res: Results, stamp: string): string {
  const m = res.machine;
  const out = [];
  out.push(`## Benchmark ${stamp}`, "");
  out.push(
    `Machine: ${m.cpus} × ${m.cpu_model}, ${m.memory_gib} GiB, Linux ${m.kernel}; load average at start ${m.load_average_at_start.join(" / ")}, at end ${(m.load_average_at_end ?? []).join(" / ")}. ` +
      `Kafka ${m.kafka}, ${m.kroxylicious ? `Kroxylicious ${m.kroxylicious}, ` : ""}${m.envoy ?? "Envoy"}, Node ${m.node}, librdkafka ${m.librdkafka}. ` +
      `Every figure is the median of ${res.repeat} runs, targets interleaved; the machine was shared with other work, so treat differences under ~20% as noise.`,
    "",
  );
  out.push(
    "| workload | target | rec/s | MB/s | p50 ms | p99 ms | p99.9 ms | rec/call | CPU s per 1M rec: Envoy | Kroxylicious | Kafka c1 | bridge c1 | client | Envoy RSS MB | wasm MiB before→after | load |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
  );
  for (const c of res.cells) {
    for (const [t, s] of Object.entries(c.summary)) {
      const cpu = s.cpu_s_per_1m_records;
      const wm = s.wasm_memory_bytes;
      const mib = (b: number | null | undefined): string => (b === null || b === undefined ? "–" : (b / 1048576).toFixed(1));
      out.push(
        `| ${workload(c)} | ${t}${s.ok_runs < s.runs ? ` (${s.ok_runs}/${s.runs} ok)` : ""} | ${f(s.records_per_s)} | ${f(s.mb_per_s, 1)} | ${lat(s.latency_ms.p50)} | ${lat(s.latency_ms.p99)} | ${lat(s.latency_ms.p999)} | ${f(s.records_per_call, 0)} | ${t === "mesh" ? f(cpu.envoy, 1) : "–"} | ${t === "kroxylicious" ? f(cpu.kroxylicious, 1) : "–"} | ${f(cpu["kafka-c1"], 1)} | ${t === "kafka" || t === "kroxylicious" ? "–" : f(cpu["bridge-c1"], 1)} | ${f(cpu.client, 1)} | ${f(s.envoy_rss_mb)} | ${t === "mesh" ? `${mib(wm.before)}→${mib(wm.after)}` : "–"} | ${f(s.load1, 1)} |`,
      );
    }
  }
  out.push("", "Ratios (mesh against the other targets, same workload):", "");
  out.push(
    "| workload | mesh/bridge rec/s | mesh/Kafka rec/s | mesh/Kroxylicious rec/s | Kroxylicious/Kafka rec/s | mesh − bridge p99 ms | mesh/Kafka p99 | Envoy CPU µs per record | Kroxylicious CPU µs per record |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const c of res.cells) {
    const s = c.summary;
    if (!s.mesh?.records_per_s) continue;
    const r = (a: number | null | undefined, b: number | null | undefined): string => (a && b ? (a / b).toFixed(2) : "–");
    const d = s.bridge?.latency_ms.p99 != null && s.mesh.latency_ms.p99 != null ? (s.mesh.latency_ms.p99 - s.bridge.latency_ms.p99).toFixed(1) : "–";
    out.push(
      `| ${workload(c)} | ${r(s.mesh.records_per_s, s.bridge?.records_per_s)} | ${r(s.mesh.records_per_s, s.kafka?.records_per_s)} | ${r(s.mesh.records_per_s, s.kroxylicious?.records_per_s)} | ${r(s.kroxylicious?.records_per_s, s.kafka?.records_per_s)} | ${d} | ${r(s.mesh.latency_ms.p99, s.kafka?.latency_ms.p99)} | ${f(s.mesh.cpu_s_per_1m_records.envoy, 1)} | ${f(s.kroxylicious?.cpu_s_per_1m_records.kroxylicious, 1)} |`,
    );
  }
  if (res.micro) {
    out.push("", "Filter micro-benchmark (no network, one wasm instance in Node's V8, bridge answered in memory), ns per record:", "");
    const keys = Object.keys(res.micro[0]?.ns_per_record ?? {});
    out.push(`| record | codec | records/batch | ${keys.join(" | ")} |`, `| --- | --- | ---: | ${keys.map(() => "---:").join(" | ")} |`);
    for (const r of res.micro) {
      out.push(`| ${r.record_bytes} B | ${r.codec} | ${r.records_per_batch} | ${keys.map((k) => f(r.ns_per_record[k])).join(" | ")} |`);
    }
  }
  return out.join("\n") + "\n";
}
