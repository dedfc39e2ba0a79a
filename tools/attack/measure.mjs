// tools/attack/: hostile Kafka clients for the mesh's memory bounds (issue 12); loopback tests and
// measurements only (tests/e2e/memory_attack.test.mjs, docs/memory.md). Not part of the module.
//
// measure.mjs: runs one partial-frames attack against a running Envoy and reports its memory:
// RSS (/proc/<pid>/status VmRSS) before, the peak while the attackers hold their sockets, and
// after they have gone; whether a fresh connection's ApiVersions is answered during and after;
// the filter's and Envoy's wasm stats; and the wasm failure lines Envoy logged meanwhile.
//
//   node --import tsx tools/attack/measure.mjs --pid PID --admin 127.0.0.1:9901 --log .stack/envoy.log \
//        [--target 127.0.0.1:19092] [--hold 5] [--after 5] [--json] <partial-frames options>
//
// partial-frames options: --connections N --frame-size S --bytes B --drip-bytes k --drip-ms t ...
import { readFileSync, statSync } from "node:fs";
import net from "node:net";
import { apiVersionsRequest, FrameSplitter } from "../../tests/lib/kafka/index.ts";
import { parseSize, startAttack } from "./partial-frames.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : null;
}

/** Counters and gauges from admin /stats whose names match `re`, as {name: value}. */
export async function stats(admin, re = /^(wasmcustom\.kafka_mesh\.|wasm\.)/) {
  const res = await fetch(`http://${admin}/stats`, { signal: AbortSignal.timeout(5000) });
  const out = {};
  for (const line of (await res.text()).split("\n")) {
    const m = /^([^:]+): (\d+)$/.exec(line);
    if (m && re.test(m[1])) out[m[1]] = Number(m[2]);
  }
  return out;
}

/**
 * A VM gauge of the filter from stats(): per VM as kafka_mesh.<name>.vm.<slot> (builds with
 * per-VM gauges), else one kafka_mesh.<name> that every VM adds to or overwrites (perVm null).
 */
export function vmGauge(s, name) {
  const prefix = `wasmcustom.kafka_mesh.${name}.vm.`;
  const perVm = Object.entries(s ?? {}).filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
  if (perVm.length > 0) return { sum: perVm.reduce((a, b) => a + b, 0), max: Math.max(...perVm), perVm };
  const one = s?.[`wasmcustom.kafka_mesh.${name}`] ?? 0;
  return { sum: one, max: one, perVm: null };
}

/** ApiVersions v0 on a fresh connection: "answered", "closed" or "timeout". */
export function apiVersionsProbe(host, port, ms = 3000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const splitter = new FrameSplitter();
    const done = (v) => { clearTimeout(t); sock.destroy(); resolve(v); };
    const t = setTimeout(() => done("timeout"), ms);
    sock.on("connect", () => sock.write(apiVersionsRequest(0, 7, "probe")));
    sock.on("data", (d) => {
      if (splitter.push(d).some((f) => f.length >= 8 && f.readInt32BE(4) === 7)) done("answered");
    });
    sock.on("error", () => {});
    sock.on("close", () => done("closed"));
  });
}

/** Wasm failure lines in Envoy's log (a trap, a failed VM, a reload). */
export const wasmFailureLines = (text) => text.split("\n").filter((l) =>
  /\]\[wasm\]/.test(l) && /failed|RuntimeError|unreachable|trap|panic|abort|reload/i.test(l));

function readFrom(path, offset) {
  try {
    return readFileSync(path).subarray(offset).toString("utf8");
  } catch {
    return "";
  }
}

export async function measure({ pid, admin, log, target, hold = 5, after = 5, attack }) {
  const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
  const logOffset = log ? statSync(log).size : 0;
  const r = { attack: { connections: attack.connections, frameSize: attack.frameSize, bytes: attack.bytes, idle: !!attack.idle } };
  r.rssBefore = rssBytes(pid);
  r.statsBefore = await stats(admin).catch((e) => ({ error: e.message }));
  let peak = r.rssBefore;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try { peak = Math.max(peak, rssBytes(pid) ?? 0); } catch { /* Envoy gone */ }
      await sleep(200);
    }
  })();
  const t0 = Date.now();
  const a = await startAttack({ ...attack, host, port });
  r.settled = await a.settle({ quietMs: 3000, timeoutMs: 120_000 });
  r.settledAfterS = (Date.now() - t0) / 1000;
  await sleep(hold * 1000);
  r.during = { rss: rssBytes(pid), probe: await apiVersionsProbe(host, port), attacker: a.stats() };
  delete r.during.attacker.closedAt;
  r.statsDuring = await stats(admin).catch((e) => ({ error: e.message }));
  a.stop();
  await sleep(after * 1000);
  sampling = false;
  await sampler;
  r.rssPeak = peak;
  r.rssAfter = rssBytes(pid);
  r.probeAfter = await apiVersionsProbe(host, port);
  r.statsAfter = await stats(admin).catch((e) => ({ error: e.message }));
  r.failureLines = log ? wasmFailureLines(readFrom(log, logOffset)) : [];
  return r;
}

const MB = (b) => (b === null || b === undefined ? "?" : `${(b / 1e6).toFixed(0)} MB`);

async function main() {
  const argv = process.argv.slice(2);
  const o = { hold: 5, after: 5, target: "127.0.0.1:19092", json: false };
  const attack = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
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
  if (!o.pid || !o.admin) throw new Error("--pid and --admin are required");
  attack.connections ??= 30;
  attack.frameSize ??= 104857599;
  attack.bytes ??= 1024;
  const r = await measure({ ...o, attack });
  if (o.json) {
    console.log(JSON.stringify(r));
    return;
  }
  const pick = (s) => Object.fromEntries(Object.entries(s ?? {}).filter(([k]) =>
    /wasm_memory_bytes|buffered_bytes|closed_for_memory|reads_held|connections$|connections_total|vm_reload|v8\.(active|created)/.test(k)));
  console.log(`attack: ${attack.connections} x ${attack.bytes} B of a ${attack.frameSize}-byte frame -> ${r.settled} after ${r.settledAfterS.toFixed(1)} s`);
  console.log(`RSS before ${MB(r.rssBefore)}, during ${MB(r.during.rss)}, peak ${MB(r.rssPeak)}, after ${MB(r.rssAfter)}`);
  const at = r.during.attacker;
  console.log(`attackers: accepted ${at.accepted}, failed ${at.failed}, closed by server ${at.closedByServer}` +
    `${at.firstClosedAt !== null ? ` (first at ${at.firstClosedAt.toFixed(2)} s, last at ${at.lastClosedAt.toFixed(2)} s)` : ""}, sent ${(at.bytesSent / 1048576).toFixed(1)} MiB`);
  console.log(`fresh ApiVersions: during ${r.during.probe}, after ${r.probeAfter}`);
  console.log(`stats during: ${JSON.stringify(pick(r.statsDuring))}`);
  console.log(`stats after:  ${JSON.stringify(pick(r.statsAfter))}`);
  console.log(`wasm failure lines: ${r.failureLines.length}`);
  for (const l of r.failureLines.slice(0, 6)) console.log(`  ${l.slice(0, 300)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(`measure: ${e.message}`);
    process.exit(2);
  });
}
