// tests/attack/: hostile Kafka clients for the mesh's memory bounds (issue 12); loopback tests and
// measurements only (tests/e2e/memory_attack.test.*, docs/memory.md). Not part of the module.
//
// measure.ts: runs one partial-frames attack against a running Envoy and reports its memory:
// RSS (/proc/<pid>/status VmRSS) before, the peak while the attackers hold their sockets, and
// after they have gone; whether a fresh connection's ApiVersions is answered during and after;
// the filter's and Envoy's wasm stats; and the wasm failure lines Envoy logged meanwhile.
//
//   node --import tsx tests/attack/measure.ts --pid PID --admin 127.0.0.1:9901 --log .stack/envoy.log \
//        [--target 127.0.0.1:19092] [--hold 5] [--after 5] [--json] <partial-frames options>
//
// partial-frames options: --connections N --frame-size S --bytes B --drip-bytes k --drip-ms t ...
import { readFileSync, statSync } from "node:fs";
import net from "node:net";
import { apiVersionsRequest, FrameSplitter } from "../lib/kafka/index.ts";
import { parseSize, startAttack, type AttackOptions, type AttackStats, type Settled } from "./partial-frames.ts";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function rssBytes(pid: number): number | null {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : null;
}

/** Counters and gauges from admin /stats whose names match `re`, as {name: value}. */
export async function stats(admin: string, re = /^(wasmcustom\.kafka_mesh\.|wasm\.)/): Promise<Record<string, number>> {
  const res = await fetch(`http://${admin}/stats`, { signal: AbortSignal.timeout(5000) });
  const out: Record<string, number> = {};
  for (const line of (await res.text()).split("\n")) {
    const m = /^([^:]+): (\d+)$/.exec(line);
    if (m && re.test(m[1]!)) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/**
 * A VM gauge of the filter from stats(): per VM as kafka_mesh.<name>.vm.<slot> (builds with
 * per-VM gauges), else one kafka_mesh.<name> that every VM adds to or overwrites (perVm null).
 */
export function vmGauge(s: Readonly<Record<string, number | string>> | null | undefined, name: string): { sum: number; max: number; perVm: number[] | null } {
  const prefix = `wasmcustom.kafka_mesh.${name}.vm.`;
  const perVm = Object.entries(s ?? {}).flatMap(([k, v]) => (k.startsWith(prefix) && typeof v === "number" ? [v] : []));
  if (perVm.length > 0) return { sum: perVm.reduce((a, b) => a + b, 0), max: Math.max(...perVm), perVm };
  const v = s?.[`wasmcustom.kafka_mesh.${name}`];
  const one = typeof v === "number" ? v : 0;
  return { sum: one, max: one, perVm: null };
}

/** stats(), or why they could not be read. */
export type StatsOrError = Record<string, number> | { error: string };

const statsOrError = (admin: string): Promise<StatsOrError> =>
  stats(admin).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));

export type Probe = "answered" | "closed" | "timeout";

/** ApiVersions v0 on a fresh connection: "answered", "closed" or "timeout". */
export function apiVersionsProbe(host: string, port: number, ms = 3000): Promise<Probe> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const splitter = new FrameSplitter();
    const done = (v: Probe): void => { clearTimeout(t); sock.destroy(); resolve(v); };
    const t = setTimeout(() => done("timeout"), ms);
    sock.on("connect", () => sock.write(apiVersionsRequest(0, 7, "probe")));
    sock.on("data", (d: Buffer) => {
      if (splitter.push(d).some((f) => f.length >= 8 && f.readInt32BE(4) === 7)) done("answered");
    });
    sock.on("error", () => {});
    sock.on("close", () => done("closed"));
  });
}

/** Wasm failure lines in Envoy's log (a trap, a failed VM, a reload). */
export const wasmFailureLines = (text: string): string[] => text.split("\n").filter((l) =>
  /\]\[wasm\]/.test(l) && /failed|RuntimeError|unreachable|trap|panic|abort|reload/i.test(l));

function readFrom(path: string, offset: number): string {
  try {
    return readFileSync(path).subarray(offset).toString("utf8");
  } catch {
    return "";
  }
}

export interface MeasureOptions {
  /** Envoy's pid. */
  pid: number;
  /** Envoy's admin address (host:port). */
  admin: string;
  /** Envoy's log file, for the wasm failure lines written during the attack. */
  log?: string;
  /** Envoy's Kafka listener (host:port). */
  target: string;
  hold?: number;
  after?: number;
  attack: Partial<AttackOptions>;
}

export interface Measurement {
  attack: { connections?: number; frameSize?: number; bytes?: number; idle: boolean };
  rssBefore: number | null;
  statsBefore: StatsOrError;
  settled: Settled;
  settledAfterS: number;
  during: { rss: number | null; probe: Probe; attacker: Omit<AttackStats, "closedAt"> };
  statsDuring: StatsOrError;
  rssPeak: number | null;
  rssAfter: number | null;
  probeAfter: Probe;
  statsAfter: StatsOrError;
  failureLines: string[];
  /** The point of figures.ts it measured. */
  point?: string;
}

export async function measure({ pid, admin, log, target, hold = 5, after = 5, attack }: MeasureOptions): Promise<Measurement> {
  const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
  const logOffset = log ? statSync(log).size : 0;
  const rssBefore = rssBytes(pid);
  const statsBefore = await statsOrError(admin);
  let peak = rssBefore;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try { peak = Math.max(peak ?? 0, rssBytes(pid) ?? 0); } catch { /* Envoy gone */ }
      await sleep(200);
    }
  })();
  const t0 = Date.now();
  const a = await startAttack({ ...attack, host, port });
  const settled = await a.settle({ quietMs: 3000, timeoutMs: 120_000 });
  const settledAfterS = (Date.now() - t0) / 1000;
  await sleep(hold * 1000);
  const rssDuring = rssBytes(pid);
  const probe = await apiVersionsProbe(host, port);
  const { closedAt: _closedAt, ...attacker } = a.stats();
  const during = { rss: rssDuring, probe, attacker };
  const statsDuring = await statsOrError(admin);
  a.stop();
  await sleep(after * 1000);
  sampling = false;
  await sampler;
  return {
    attack: { connections: attack.connections, frameSize: attack.frameSize, bytes: attack.bytes, idle: !!attack.idle },
    rssBefore, statsBefore, settled, settledAfterS, during, statsDuring,
    rssPeak: peak,
    rssAfter: rssBytes(pid),
    probeAfter: await apiVersionsProbe(host, port),
    statsAfter: await statsOrError(admin),
    failureLines: log ? wasmFailureLines(readFrom(log, logOffset)) : [],
  };
}

const MB = (b: number | null | undefined): string => (b === null || b === undefined ? "?" : `${(b / 1e6).toFixed(0)} MB`);

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o: { hold: number; after: number; target: string; json: boolean; pid?: number; admin?: string; log?: string } =
    { hold: 5, after: 5, target: "127.0.0.1:19092", json: false };
  const attack: Partial<AttackOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string => String(argv[++i]);
    if (a === "--pid") o.pid = Number(v());
    else if (a === "--admin") o.admin = v();
    else if (a === "--log") o.log = v();
    else if (a === "--target") o.target = v();
    else if (a === "--hold") o.hold = Number(v());
    else if (a === "--after") o.after = Number(v());
    else if (a === "--json") o.json = true;
    else if (a === "--connections") attack.connections = Number(v());
    else if (a === "--frame-size") attack.frameSize = parseSize(v());
    else if (a === "--bytes" || a === "--send-bytes") attack.bytes = parseSize(v());
    else if (a === "--drip-bytes") attack.dripBytes = parseSize(v());
    else if (a === "--drip-ms") attack.dripMs = Number(v());
    else if (a === "--body") attack.body = v();
    else if (a === "--idle") attack.idle = true;
    else throw new Error(`unknown option ${a}`);
  }
  const { pid, admin } = o;
  if (!pid || !admin) throw new Error("--pid and --admin are required");
  attack.connections ??= 30;
  attack.frameSize ??= 104857599;
  attack.bytes ??= 1024;
  const r = await measure({ ...o, pid, admin, attack });
  if (o.json) {
    console.log(JSON.stringify(r));
    return;
  }
  const pick = (s: StatsOrError): Record<string, string | number> => Object.fromEntries(Object.entries(s ?? {}).filter(([k]) =>
    /wasm_memory_bytes|buffered_bytes|closed_for_memory|reads_held|connections$|connections_total|vm_reload|v8\.(active|created)/.test(k)));
  console.log(`attack: ${attack.connections} x ${attack.bytes} B of a ${attack.frameSize}-byte frame -> ${r.settled} after ${r.settledAfterS.toFixed(1)} s`);
  console.log(`RSS before ${MB(r.rssBefore)}, during ${MB(r.during.rss)}, peak ${MB(r.rssPeak)}, after ${MB(r.rssAfter)}`);
  const at = r.during.attacker;
  console.log(`attackers: accepted ${at.accepted}, failed ${at.failed}, closed by server ${at.closedByServer}` +
    `${at.firstClosedAt !== null ? ` (first at ${at.firstClosedAt.toFixed(2)} s, last at ${at.lastClosedAt?.toFixed(2)} s)` : ""}, sent ${(at.bytesSent / 1048576).toFixed(1)} MiB`);
  console.log(`fresh ApiVersions: during ${r.during.probe}, after ${r.probeAfter}`);
  console.log(`stats during: ${JSON.stringify(pick(r.statsDuring))}`);
  console.log(`stats after:  ${JSON.stringify(pick(r.statsAfter))}`);
  console.log(`wasm failure lines: ${r.failureLines.length}`);
  for (const l of r.failureLines.slice(0, 6)) console.log(`  ${l.slice(0, 300)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    console.error(`measure: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  });
}
