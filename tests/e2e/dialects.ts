// One Envoy per upstream dialect in front of the stack's clusters and bridges. Every bridge
// serves both dialects (HTTP for strimzi, gRPC for native: stack/bridge.ts), so the stack's
// Envoy serves the dialect its plugin config names, and the other dialect gets an Envoy of its
// own, started here from the same config with every rest_bridge moved to that dialect
// (stack/config.ts withDialect) and its ports shifted out of the stack's way:
//
//   listener  advertised_port + 100   (19192 for the reference scenario)
//   admin     9911                    (the stack's is 9901)
//   echo      19199                   (envoy-loopback.yaml only; envoy.yaml uses an internal listener)
//
// all plus STACK_PORT_OFFSET. Its files are .stack/envoy-<dialect>/ and .stack/envoy-<dialect>.{pid,log},
// so `make down` stops it too.
//
// As a command (make test-e2e):
//   tsx tests/e2e/dialects.ts run [--parallel] <test files and node --test options...>
// runs `node --import tsx --test <args>` once per dialect of E2E_DIALECTS (default native,strimzi),
// with E2E_DIALECT, E2E_ENVOY and E2E_ADMIN set (tests/e2e/stack-ports.ts reads them), one
// dialect after the other unless --parallel, and stops the Envoys it started.
//   tsx tests/e2e/dialects.ts up <dialect> | down <dialect>
// starts (prints its listener and admin addresses) or stops the Envoy of a dialect.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Component } from "../../stack/component.ts";
import { configDialect, configPath, DIALECTS, type Dialect, type DialectConfig, isDialect, portOffset, repoRoot, withDialect } from "../../stack/config.ts";
import { createEnvoy } from "../../stack/envoy.ts";
import { runningPid, stackDir } from "../../stack/proc.ts";
import { waitReady } from "../../stack/stack.ts";

/** How far the other dialect's Envoy moves the listener (and the echo port) from the stack's. */
export const LISTENER_SHIFT = 100;
/** The other dialect's Envoy admin port (plus STACK_PORT_OFFSET); the stack's is 9901. */
export const ADMIN_PORT = 9911;

export interface DialectEnvoy {
  dialect: Dialect;
  /** Kafka listener host:port. */
  envoy: string;
  /** Admin host:port. */
  admin: string;
  /** The stack's own Envoy (false: the one started here for the other dialect). */
  stack: boolean;
  /** Component name (.stack/<name>.pid, .log). */
  name: string;
  /** The plugin configuration it serves. */
  pluginConfig: string;
}

interface StackPlugin extends DialectConfig {
  advertised_host: string;
  advertised_port: number;
}

const ROOT = repoRoot();

function stackPlugin(): StackPlugin {
  return JSON.parse(readFileSync(configPath(ROOT), "utf8")) as StackPlugin;
}

/** The dialect the stack's own Envoy serves (its plugin config's). */
export function stackDialect(): Dialect {
  const d = configDialect(stackPlugin());
  if (d === null) throw new Error(`${configPath(ROOT)}: its clusters use different dialects; the dialect suites need one`);
  return d;
}

/** The dialects E2E_DIALECTS names (default: both, native first). */
export function dialectsFromEnv(variable = "E2E_DIALECTS"): Dialect[] {
  const v = process.env[variable]?.trim();
  if (!v) return [...DIALECTS];
  const out = v.split(",").map((s) => s.trim()).filter(Boolean);
  for (const d of out) if (!isDialect(d)) throw new Error(`${variable}: unknown dialect ${d} (native, strimzi)`);
  return [...new Set(out)] as Dialect[];
}

/**
 * Where the Envoy of `dialect` listens. For the stack's dialect that is the stack's Envoy; for the
 * other one the config is written (rendered) under .stack/envoy-<dialect>/, nothing is started.
 */
export function dialectEnvoy(dialect: Dialect): DialectEnvoy {
  const plugin = stackPlugin();
  const offset = portOffset();
  if (dialect === stackDialect()) {
    return { dialect, stack: true, name: "envoy", pluginConfig: configPath(ROOT),
      envoy: `${plugin.advertised_host}:${plugin.advertised_port}`, admin: `127.0.0.1:${9901 + offset}` };
  }
  const name = `envoy-${dialect}`;
  const dir = join(stackDir(ROOT), name);
  mkdirSync(dir, { recursive: true });
  const other = withDialect(plugin, dialect);
  other.advertised_port = plugin.advertised_port + LISTENER_SHIFT;
  const pluginConfig = join(dir, "plugin-config.json");
  writeFileSync(pluginConfig, JSON.stringify(other, null, 2) + "\n");
  return { dialect, stack: false, name, pluginConfig,
    envoy: `${other.advertised_host}:${other.advertised_port}`, admin: `127.0.0.1:${ADMIN_PORT + offset}` };
}

/** The Envoy component of a dialect that is not the stack's (its config rendered first). */
function otherEnvoy(d: DialectEnvoy): Component {
  const dir = join(stackDir(ROOT), d.name);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "envoy", "render-config.ts"), "--plugin-config", d.pluginConfig,
    "--out-dir", dir, "--echo-port", String(19099 + LISTENER_SHIFT + portOffset())], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`rendering the ${d.dialect} Envoy config failed: ${r.stderr}`);
  return createEnvoy(ROOT, { config: join(dir, "envoy.yaml"), adminPort: Number(d.admin.split(":")[1]), name: d.name });
}

/**
 * The Envoy of `dialect`, running and ready: the stack's must be up already (make up); the other
 * dialect's is (re)started from the current config. `stop()` stops what was started here.
 */
export async function startDialectEnvoy(dialect: Dialect): Promise<DialectEnvoy & { stop(): Promise<void>; component: Component | null }> {
  const d = dialectEnvoy(dialect);
  if (d.stack) {
    if (runningPid(ROOT, "envoy") === undefined) throw new Error("the stack's Envoy is not running: make up first");
    return { ...d, component: null, async stop() {} };
  }
  const c = otherEnvoy(d);
  if (runningPid(ROOT, d.name) !== undefined) await c.stop();
  await c.start();
  await waitReady(ROOT, c, 60_000);
  return { ...d, component: c, stop: () => c.stop() };
}

/** Environment that points a suite (tests/e2e/stack-ports.ts) at a dialect's Envoy. */
export function dialectEnv(d: DialectEnvoy): NodeJS.ProcessEnv {
  return { ...process.env, E2E_DIALECT: d.dialect, E2E_ENVOY: d.envoy, E2E_ADMIN: d.admin };
}

function runSuite(d: DialectEnvoy, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--test", ...args], { cwd: ROOT, env: dialectEnv(d), stdio: "inherit" });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === "up" || cmd === "down") {
    const dialect = rest[0];
    if (!isDialect(dialect)) throw new Error(`usage: dialects.ts ${cmd} native|strimzi`);
    if (cmd === "down") {
      const d = dialectEnvoy(dialect);
      if (!d.stack) await otherEnvoy(d).stop();
      return 0;
    }
    const d = await startDialectEnvoy(dialect);
    console.log(`${d.dialect}: ${d.name} listener ${d.envoy}, admin ${d.admin}`);
    return 0;
  }
  if (cmd !== "run") throw new Error("usage: dialects.ts run [--parallel] <node --test args> | up <dialect> | down <dialect>");
  const parallel = rest[0] === "--parallel";
  const args = parallel ? rest.slice(1) : rest;
  const started: Array<{ stop(): Promise<void> }> = [];
  const stopAll = async () => {
    for (const s of started.splice(0)) await s.stop().catch((e: unknown) => console.error(`stopping an Envoy: ${String(e)}`));
  };
  process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));
  process.once("SIGTERM", () => void stopAll().then(() => process.exit(143)));
  const results: Array<{ dialect: Dialect; code: number; seconds: number }> = [];
  try {
    const envoys = [];
    for (const dialect of dialectsFromEnv()) {
      const d = await startDialectEnvoy(dialect);
      started.push(d);
      envoys.push(d);
      console.log(`== ${dialect}: Envoy ${d.envoy} (${d.stack ? "the stack's" : d.name}, admin ${d.admin})`);
    }
    const one = async (d: DialectEnvoy) => {
      const t0 = Date.now();
      const code = await runSuite(d, args);
      results.push({ dialect: d.dialect, code, seconds: Math.round((Date.now() - t0) / 1000) });
    };
    if (parallel) await Promise.all(envoys.map(one));
    else for (const d of envoys) await one(d);
  } finally {
    await stopAll();
  }
  for (const r of results) console.log(`${r.dialect}: ${r.code === 0 ? "passed" : `FAILED (exit ${r.code})`} in ${r.seconds} s`);
  return results.every((r) => r.code === 0) ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`dialects: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
