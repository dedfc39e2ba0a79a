// tests/attack/: hostile Kafka clients for the mesh's memory bounds (issue 12); loopback tests and
// measurements only (tests/e2e/memory_attack.test.*, docs/memory.md). Not part of the module.
//
// envoy.ts: an Envoy of the caller's own for an attack: envoy/envoy.template.yaml rendered for
// a plugin config on free loopback ports (listener = the plugin's advertised port, admin), with
// another wasm module and failure_policy if asked, run from the project root with
// --concurrency 2; its log goes to <dir>/<name>.log. The stack's Envoy is never touched.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { envoyArgs, envoyBinary } from "../../stack/envoy.ts";
import { freePort, stopChild } from "../../stack/proc.ts";
import { render } from "../../envoy/render-config.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const HOST = "127.0.0.1";
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`/proc/${pid}/status: no VmRSS`);
  return Number(m[1]) * 1024;
}

/** Wasm failures as Envoy logs them (a trap, an abort, a VM that failed to start). */
export const vmFailures = (log: string): string[] => log.split("\n").filter((l) =>
  /\]\[wasm\]/.test(l) && /Function: \S+ failed|RuntimeError|unreachable|panic|abort/i.test(l));

/**
 * Renders and starts Envoy; resolves when admin /ready says LIVE (throws with the log's last
 * error lines if Envoy exits or is not ready in 30 s).
 *   plugin         the plugin config (its advertised_port is replaced by the free listener port)
 *   wasm           module path (default build/kafka_mesh.wasm)
 *   failurePolicy  FAIL_RELOAD (with a 1 s base backoff) / FAIL_CLOSED / FAIL_OPEN instead of
 *                  the template's
 */
export interface AttackEnvoyOptions<P extends object> {
  /** Where the config and the log go. */
  dir: string;
  name: string;
  plugin: P;
  wasm?: string;
  failurePolicy?: string;
  concurrency?: number;
  extraArgs?: string[];
}

export interface AttackEnvoy<P extends object> {
  name: string;
  /** The Kafka listener (the plugin's advertised port). */
  port: number;
  adminPort: number;
  /** Admin address, host:port. */
  admin: string;
  pid: number;
  configPath: string;
  logPath: string;
  log(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The plugin config Envoy runs. */
  config: P & { advertised_host: string; advertised_port: number };
  /** Every counter and gauge of admin /stats. */
  stats(): Promise<Record<string, number>>;
  rss(): number;
  stop(): Promise<void>;
}

export async function startEnvoy<P extends object>({ dir, name, plugin, wasm = join(ROOT, "build", "kafka_mesh.wasm"), failurePolicy,
  concurrency = 2, extraArgs = [] }: AttackEnvoyOptions<P>): Promise<AttackEnvoy<P>> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const cfg = { ...structuredClone(plugin), advertised_host: HOST, advertised_port: port };
  const template = readFileSync(join(ROOT, "envoy", "envoy.template.yaml"), "utf8");
  let text = render({ template, plugin: cfg, pluginSource: `tests/attack/envoy.ts (${name})`, variant: "internal",
    listen: { host: HOST, port }, echoPort: 19099 });
  text = text.replace(/(admin:\n\s+address:\n\s+socket_address: \{ address: 127\.0\.0\.1, port_value: )\d+/, `$1${adminPort}`);
  if (!text.includes("filename: build/kafka_mesh.wasm")) throw new Error("rendered config: wasm filename not found");
  text = text.replace("filename: build/kafka_mesh.wasm", `filename: ${JSON.stringify(resolve(ROOT, wasm))}`);
  if (failurePolicy) {
    text = text.replace(/^( +)failure_policy: \w+\n(?:\1reload_config:\n(?:\1 +.*\n)+)?/m, (_, ind: string) =>
      `${ind}failure_policy: ${failurePolicy}\n` +
      (failurePolicy === "FAIL_RELOAD" ? `${ind}reload_config:\n${ind}  backoff: { base_interval: 1s, max_interval: 10s }\n` : ""));
    if (!text.includes(`failure_policy: ${failurePolicy}`)) throw new Error("rendered config: failure_policy not set");
  }
  const configPath = join(dir, `${name}.yaml`);
  const logPath = join(dir, `${name}.log`);
  writeFileSync(configPath, text);
  const fd = openSync(logPath, "w");
  const child = spawn(envoyBinary(ROOT), [...envoyArgs(configPath, concurrency), ...extraArgs], { cwd: ROOT, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Envoy ${name} did not start (${envoyBinary(ROOT)})`);
  const exited: AttackEnvoy<P>["exited"] = new Promise((r) => child.on("exit", (code, signal) => r({ code, signal })));
  const log = (): string => readFileSync(logPath, "utf8");
  const env: AttackEnvoy<P> = {
    name, port, adminPort, admin: `${HOST}:${adminPort}`, pid, configPath, logPath, log, exited, config: cfg,
    async stats() {
      const res = await fetch(`http://${HOST}:${adminPort}/stats`, { signal: AbortSignal.timeout(5000) });
      const out: Record<string, number> = {};
      for (const line of (await res.text()).split("\n")) {
        const m = /^([^:]+): (\d+)$/.exec(line);
        if (m) out[m[1]!] = Number(m[2]);
      }
      return out;
    },
    rss: () => rss(pid),
    async stop() {
      await stopChild(child);
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = log().split("\n").filter((l) => /critical|error|invalid plugin/i.test(l)).slice(-5).join("\n");
      throw new Error(`Envoy ${name} exited at start (${child.exitCode ?? child.signalCode}):\n${tail}`);
    }
    const ok = await fetch(`http://${HOST}:${adminPort}/ready`, { signal: AbortSignal.timeout(1000) })
      .then(async (r) => r.status === 200 && (await r.text()).trim() === "LIVE", () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await env.stop();
      throw new Error(`Envoy ${name} not ready after 30 s:\n${log().slice(-2000)}`);
    }
    await sleep(100);
  }
  return env;
}
