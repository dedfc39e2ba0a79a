// tests/attack/: hostile Kafka clients for the mesh's memory bounds (issue 12); loopback tests and
// measurements only (tests/e2e/memory_attack.test.*, docs/memory.md). Not part of the module.
//
// figures.ts: the measurements of docs/memory.md for one wasm module. Each point runs on a fresh
// Envoy of its own (tests/attack/envoy.ts, template config, reference plugin config, bridges of
// the stack on their default ports) through measure.ts: RSS before / during / peak / after, the
// attackers' view, fresh ApiVersions during and after, stats, wasm failure lines.
//
//   node --import tsx tests/attack/figures.ts --wasm /tmp/before/build/kafka_mesh.wasm [--label before]
//        [--only idle-300,claimed-30,claimed-300,real-100x8M,small-64x8M] [--hold 5] [--after 5]
//        [--failure-policy FAIL_CLOSED|FAIL_RELOAD] [--json FILE] [--keep]
//
// small-64x8M needs a build that knows max_buffered_bytes (the budget of the e2e test:
// max_frame_bytes 16 MiB, max_buffered_bytes 32 MiB, close_buffered_bytes 48 MiB).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, startEnvoy } from "./envoy.ts";
import { measure, vmGauge, type Measurement, type StatsOrError } from "./measure.ts";
import type { AttackOptions } from "./partial-frames.ts";

const MiB = 1024 * 1024;
const SMALL = { max_frame_bytes: 16 * MiB, max_buffered_bytes: 32 * MiB, close_buffered_bytes: 48 * MiB };
export const POINTS: Record<string, { plugin?: Record<string, number>; attack: Partial<AttackOptions> }> = {
  "idle-300": { attack: { connections: 300, idle: true, frameSize: 0, bytes: 0 } },
  "claimed-30": { attack: { connections: 30, frameSize: 104857599, bytes: 1024 } },
  "claimed-300": { attack: { connections: 300, frameSize: 104857599, bytes: 1024 } },
  "real-100x8M": { attack: { connections: 100, frameSize: 104857599, bytes: 8 * MiB } },
  "small-64x8M": { plugin: SMALL, attack: { connections: 64, frameSize: 16 * MiB - 1, bytes: 8 * MiB } },
};

const MB = (b: number | null | undefined): string => (b === null || b === undefined ? "?" : `${(b / 1e6).toFixed(0)}`);

interface Options {
  label: string;
  only: string[];
  hold: number;
  after: number;
  keep: boolean;
  wasm?: string;
  json?: string;
  failurePolicy?: string;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o: Options = { label: "", only: Object.keys(POINTS).filter((k) => k !== "small-64x8M"), hold: 5, after: 5, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string => String(argv[++i]);
    if (a === "--wasm") o.wasm = v();
    else if (a === "--label") o.label = v();
    else if (a === "--only") o.only = v().split(",");
    else if (a === "--hold") o.hold = Number(v());
    else if (a === "--after") o.after = Number(v());
    else if (a === "--json") o.json = v();
    else if (a === "--keep") o.keep = true;
    else if (a === "--failure-policy") o.failurePolicy = v();
    else throw new Error(`unknown option ${a}`);
  }
  if (!o.wasm) throw new Error("--wasm is required");
  const reference = JSON.parse(readFileSync(join(ROOT, "examples", "reference.json"), "utf8")) as object;
  const dir = mkdtempSync(join(tmpdir(), "kafka-mesh-figures-"));
  const rows: Measurement[] = [];
  for (const name of o.only) {
    const p = POINTS[name];
    if (!p) throw new Error(`unknown point ${name}`);
    const env = await startEnvoy({ dir, name, plugin: { ...reference, ...(p.plugin ?? {}) }, wasm: o.wasm, failurePolicy: o.failurePolicy });
    try {
      const r = await measure({ pid: env.pid, admin: env.admin, log: env.logPath, target: `127.0.0.1:${env.port}`,
        hold: o.hold, after: o.after, attack: p.attack });
      r.point = name;
      rows.push(r);
      const s = r.statsDuring;
      console.error(`${o.label} ${name}: RSS ${MB(r.rssBefore)} -> ${MB(r.during.rss)} (peak ${MB(r.rssPeak)}) -> ${MB(r.rssAfter)} MB; ` +
        `closed ${r.during.attacker.closedByServer}/${r.during.attacker.accepted}; probes ${r.during.probe}/${r.probeAfter}; ` +
        `failures ${r.failureLines.length}; wasm_memory_bytes ${JSON.stringify(vmGauge(s, "wasm_memory_bytes").perVm ?? vmGauge(s, "wasm_memory_bytes").max)}`);
    } finally {
      await env.stop();
    }
  }
  if (o.json) writeFileSync(o.json, JSON.stringify(rows, null, 1));
  const c = (s: StatsOrError, k: string): string | number => (s as Record<string, string | number>)[`wasmcustom.kafka_mesh.${k}`] ?? "–";
  // Per-VM gauges: the largest VM's value (and the sum for buffered_bytes); one shared gauge on
  // older builds (wasm_memory_bytes there is the last VM's to write it, buffered_bytes the sum).
  const mem = (s: StatsOrError): string => MB(vmGauge(s, "wasm_memory_bytes").max);
  const buf = (s: StatsOrError): string => { const g = vmGauge(s, "buffered_bytes"); return g.perVm ? `${g.max} / ${g.sum}` : `– / ${g.sum}`; };
  console.log(`| ${o.label} point | RSS before | during | peak | after (MB) | attackers closed | ApiVersions during / after | VM failures | a VM's wasm memory during / after (MB) | buffered_bytes largest VM / all | reads_held_for_memory | closed_for_memory |`);
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    console.log(`| ${r.point} | ${MB(r.rssBefore)} | ${MB(r.during.rss)} | ${MB(r.rssPeak)} | ${MB(r.rssAfter)} | ` +
      `${r.during.attacker.closedByServer}/${r.during.attacker.accepted} | ${r.during.probe} / ${r.probeAfter} | ${r.failureLines.length} | ` +
      `${mem(r.statsDuring)} / ${mem(r.statsAfter)} | ${buf(r.statsDuring)} | ` +
      `${c(r.statsAfter, "reads_held_for_memory")} | ${c(r.statsAfter, "connections_closed_for_memory")} |`);
  }
  if (o.keep) console.error(`configs and logs in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(`figures: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});
