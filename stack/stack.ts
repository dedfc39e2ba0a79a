// The local stack: one Kafka cluster and one bridge per upstream cluster of the plugin config,
// the schema registry when the config has a `schema_registry` section, then Envoy
// (stack/envoy.ts) when present. `up` is idempotent; `down` stops what `up` started.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { autoTlsMode, COMMITTED, isTlsMode, TLS_MODES, type TlsMode, variantFile } from "../envoy/render-config.ts";
import { createBridge } from "./bridge.ts";
import type { Component } from "./component.ts";
import { configPath, isLoopback, loadClusters, loadRegistry, portOffset, topicsPath } from "./config.ts";
import { createKafka } from "./kafka.ts";
import { bridgeJar, ensureBridge } from "./maven.ts";
import { logFile, pidFileNames, portFree, readPid, runningPid, sleep, stackDir, stopByPid, tailLog } from "./proc.ts";
import { createRegistry } from "./registry.ts";

export const KINDS = ["kafka", "bridge", "registry", "envoy"] as const;
export type Kind = (typeof KINDS)[number];

export interface Phase {
  kind: Kind;
  components: Component[];
  readyTimeoutMs: number;
}

export async function phases(root: string): Promise<Phase[]> {
  const clusters = loadClusters(root);
  const out: Phase[] = [
    // Only clusters on this machine get a broker; remote ones are used as they are.
    { kind: "kafka", components: clusters.filter((c) => isLoopback(c.kafkaHost)).map((c) => createKafka(root, c)), readyTimeoutMs: 90000 },
    { kind: "bridge", components: clusters.map((c) => createBridge(root, c)), readyTimeoutMs: 60000 },
  ];
  // The registry the filter's schema checks call, before the Envoy that calls it; only one on
  // this machine is run.
  const registry = loadRegistry(root);
  out.push({ kind: "registry", components: registry && isLoopback(registry.host) ? [createRegistry(root, registry)] : [], readyTimeoutMs: 60000 });
  const envoyModule = join(root, "stack", "envoy.ts");
  if (existsSync(envoyModule)) {
    const mod = await import(pathToFileURL(envoyModule).href);
    out.push({ kind: "envoy", components: [mod.createEnvoy(root, envoyOptions(root)) as Component], readyTimeoutMs: 60000 });
  }
  return out;
}

/**
 * The TLS of the stack's Envoy listener: STACK_TLS (off, optional, required) when set, else
 * optional when the plugin config has a `security` section, else off (envoy/render-config.ts's
 * "auto"). With TLS the listener uses the test PKI of stack/tls.ts (.cache/tls/).
 */
export function stackTlsMode(root: string): TlsMode {
  const v = process.env.STACK_TLS;
  if (v) {
    if (!isTlsMode(v)) throw new Error(`STACK_TLS: expected ${TLS_MODES.join(", ")}, got ${JSON.stringify(v)}`);
    return v;
  }
  return autoTlsMode(JSON.parse(readFileSync(configPath(root), "utf8")));
}

/**
 * A committed rendering (envoy/envoy.yaml for the reference config, envoy/envoy-secure.yaml for
 * examples/secure.json) when it is what the stack runs; any other config, TLS mode or port
 * offset gets its own rendering under .stack/envoy/.
 */
function envoyOptions(root: string): { config?: string; adminPort?: number } {
  const config = configPath(root);
  const offset = portOffset();
  const tls = stackTlsMode(root);
  const committed = COMMITTED.find((c) => join(root, c.pluginConfig) === config && c.tls === tls);
  if (committed && offset === 0) return { config: join("envoy", variantFile(committed.name, "internal")) };
  const outDir = join(root, ".stack", "envoy");
  // Under tsx (resolved from the project root): the renderer is TypeScript.
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "envoy", "render-config.ts"),
    "--plugin-config", config, "--out-dir", outDir, "--echo-port", String(19099 + offset), "--tls", tls],
  { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`rendering the Envoy config failed: ${r.stderr}`);
  return { config: join(outDir, "envoy.yaml"), adminPort: 9901 + offset };
}

/** Phases restricted to the kinds asked for (all when none). */
export async function selected(root: string, kinds: string[]): Promise<Phase[]> {
  const all = await phases(root);
  for (const k of kinds) {
    if (!(KINDS as readonly string[]).includes(k)) throw new Error(`unknown component kind ${k} (${KINDS.join(", ")})`);
  }
  return kinds.length === 0 ? all : all.filter((p) => kinds.includes(p.kind));
}

/** Waits until `c` is ready; throws with its log's last lines when it exits first or after timeoutMs. */
export async function waitReady(root: string, c: Component, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await c.isReady()) return;
    if (runningPid(root, c.name) === undefined) {
      throw new Error(`${c.name} exited before it was ready; last lines of ${logFile(root, c.name)}:\n${tailLog(logFile(root, c.name))}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`${c.name} not ready after ${timeoutMs / 1000} s; last lines of ${logFile(root, c.name)}:\n${tailLog(logFile(root, c.name))}`);
    }
    await sleep(200);
  }
}

/** Creates the topics of the topic list once per (config, topic list) content. */
function ensureTopics(root: string): void {
  const hash = createHash("sha256")
    .update(readFileSync(configPath(root)))
    .update(readFileSync(topicsPath(root)))
    .digest("hex")
    .slice(0, 16);
  const done = join(stackDir(root), `topics-${hash}.done`);
  if (existsSync(done)) return;
  ensureBridge(root);
  // The bridge jar carries every dependency of Topics (Kafka's AdminClient).
  const r = spawnSync(
    process.env.JAVA ?? "java",
    ["-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", bridgeJar(root), "mesh.bridge.Topics", configPath(root), topicsPath(root)],
    { stdio: "inherit" },
  );
  if (r.status !== 0) throw new Error(`topic creation failed (exit ${r.status ?? r.signal})`);
  writeFileSync(done, `${new Date().toISOString()}\n`);
}

export async function up(root: string, kinds: string[] = []): Promise<void> {
  const t0 = Date.now();
  const ps = await selected(root, kinds);
  for (const p of ps) for (const c of p.components) await c.install();
  let started = 0;
  for (const p of ps) {
    const toStart: Component[] = [];
    for (const c of p.components) {
      if (runningPid(root, c.name) !== undefined) continue;
      for (const port of c.ports) {
        if (!(await portFree(port))) throw new Error(`${c.name}: port ${port} is in use by a process this stack did not start`);
      }
      toStart.push(c);
    }
    for (const c of toStart) {
      await c.start();
      console.log(`started ${c.name} (pid ${runningPid(root, c.name) ?? "?"})`);
    }
    started += toStart.length;
    await Promise.all(p.components.map((c) => waitReady(root, c, p.readyTimeoutMs)));
    if (p.kind === "kafka" && p.components.length > 0) ensureTopics(root);
  }
  const names = ps.flatMap((p) => p.components.map((c) => c.name)).join(", ");
  console.log(started === 0 ? `already up: ${names}` : `up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${names}`);
}

export async function down(root: string): Promise<void> {
  const ps = await phases(root);
  const known = ps.flatMap((p) => p.components);
  const ports: number[] = [];
  for (const name of pidFileNames(root)) ports.push(...(readPid(root, name)?.ports ?? []));
  // Reverse start order: Envoy, the registry, bridges, then the clusters.
  for (const p of [...ps].reverse()) {
    await Promise.all(
      p.components.map(async (c) => {
        if (runningPid(root, c.name) !== undefined) console.log(`stopping ${c.name}`);
        await c.stop();
        ports.push(...c.ports);
      }),
    );
  }
  // Anything else this stack started (e.g. under another STACK_CONFIG).
  for (const name of pidFileNames(root)) {
    if (known.some((c) => c.name === name)) continue;
    if (runningPid(root, name) !== undefined) console.log(`stopping ${name}`);
    await stopByPid(root, name);
  }
  const busy: number[] = [];
  for (const port of [...new Set(ports)]) {
    let free = await portFree(port);
    for (let i = 0; !free && i < 50; i++) {
      await sleep(100);
      free = await portFree(port);
    }
    if (!free) busy.push(port);
  }
  if (busy.length > 0) throw new Error(`ports still in use after down: ${busy.join(", ")}`);
  console.log("down");
}

export interface Status {
  name: string;
  pid?: number;
  ready: boolean;
  ports: number[];
}

export async function status(root: string): Promise<Status[]> {
  const ps = await phases(root);
  return Promise.all(
    ps.flatMap((p) => p.components).map(async (c) => ({
      name: c.name,
      pid: runningPid(root, c.name),
      ready: await c.isReady(),
      ports: c.ports,
    })),
  );
}
