// Envoy as a stack component: the pinned binary (scripts/install-envoy.sh) run detached with
// a rendered config from envoy/, pid and log under .stack/.
import { execFile, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { promisify } from "node:util";
import type { Component } from "./component.ts";

export interface EnvoyOptions {
  /** Envoy config, relative to root or absolute (default envoy/envoy.yaml). */
  config?: string;
  /** Wasm module to load instead of the config's build/kafka_mesh.wasm. */
  wasm?: string;
  /** Admin port instead of the config's (merged over it with --config-yaml). */
  adminPort?: number;
  /** Component name, also naming .stack/<name>.pid and .log (default "envoy"). */
  name?: string;
}

const WASM_IN_CONFIG = "filename: build/kafka_mesh.wasm";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Envoy binary: $ENVOY_BIN, else the one recorded by scripts/install-envoy.sh. */
export function envoyBinary(root: string): string {
  if (process.env.ENVOY_BIN) return process.env.ENVOY_BIN;
  const recorded = join(root, ".cache", "envoy", "envoy-bin");
  if (!existsSync(recorded)) {
    throw new Error("Envoy is not installed: run scripts/install-envoy.sh (or set ENVOY_BIN)");
  }
  return readFileSync(recorded, "utf8").trim();
}

/** Ports bound by the config: listener socket addresses and the admin address. */
export function configPorts(configText: string): { admin: number | null; listeners: number[] } {
  const admin = /^admin:\s*\n(?:\s+.*\n)*?\s+.*port_value:\s*(\d+)/m.exec(configText);
  const start = configText.search(/^\s*listeners:/m);
  const end = configText.search(/^\s*clusters:/m);
  const listenerText = start < 0 ? "" : configText.slice(start, end > start ? end : undefined);
  const listeners = [...listenerText.matchAll(/port_value:\s*(\d+)/g)].map((m) => Number(m[1]));
  return { admin: admin ? Number(admin[1]) : null, listeners };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0: it has exited all the same.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

function isEnvoyProcess(pid: number, binary: string): boolean {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
    return argv0 === binary || argv0.endsWith("/envoy");
  } catch {
    return false;
  }
}

export function createEnvoy(root: string, opts: EnvoyOptions = {}): Component {
  const name = opts.name ?? "envoy";
  const stackDir = join(root, ".stack");
  const pidFile = join(stackDir, `${name}.pid`);
  const logFile = join(stackDir, `${name}.log`);
  const configPath = resolve(root, opts.config ?? join("envoy", "envoy.yaml"));
  const configText = readFileSync(configPath, "utf8");
  const found = configPorts(configText);
  const adminPort = opts.adminPort ?? found.admin ?? 9901;

  const readPid = (): number | null => {
    if (!existsSync(pidFile)) return null;
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  };

  return {
    name,
    ports: [...new Set([...found.listeners, adminPort])],

    async install() {
      await promisify(execFile)(join(root, "scripts", "install-envoy.sh"), [], {
        cwd: root,
        maxBuffer: 16 * 1024 * 1024,
      });
    },

    async start() {
      const running = readPid();
      if (running !== null && isAlive(running)) {
        throw new Error(`${name} is already running (pid ${running})`);
      }
      const binary = envoyBinary(root);
      mkdirSync(stackDir, { recursive: true });
      let config = configPath;
      if (opts.wasm) {
        // The wasm path lives inside the listener's filter list, which --config-yaml cannot
        // replace (repeated fields are appended): write a copy of the config instead.
        if (!configText.includes(WASM_IN_CONFIG)) {
          throw new Error(`${configPath} has no "${WASM_IN_CONFIG}" to replace`);
        }
        const wasm = isAbsolute(opts.wasm) ? opts.wasm : resolve(root, opts.wasm);
        config = join(stackDir, `${name}.yaml`);
        writeFileSync(config, configText.replace(WASM_IN_CONFIG, `filename: ${JSON.stringify(wasm)}`));
      }
      const args = [
        "-c", config,
        // Several Envoys on one machine: no shared-memory hot-restart domain to collide on.
        "--disable-hot-restart",
        "--concurrency", "2",
        "--log-level", "info",
        // Fast shutdown on SIGTERM; there is no listener draining worth waiting for here.
        "--drain-time-s", "1",
      ];
      if (opts.adminPort !== undefined) {
        args.push("--config-yaml", JSON.stringify({
          admin: { address: { socket_address: { address: "127.0.0.1", port_value: adminPort } } },
        }));
      }
      const log = openSync(logFile, "w");
      try {
        const child = spawn(binary, args, { cwd: root, detached: true, stdio: ["ignore", log, log] });
        if (child.pid === undefined) throw new Error(`could not start ${binary}`);
        writeFileSync(pidFile, `${child.pid}\n`);
        child.unref();
      } finally {
        closeSync(log);
      }
    },

    async isReady() {
      const pid = readPid();
      if (pid === null || !isAlive(pid)) return false;
      try {
        const res = await fetch(`http://127.0.0.1:${adminPort}/ready`, { signal: AbortSignal.timeout(1000) });
        return res.status === 200 && (await res.text()).trim() === "LIVE";
      } catch {
        return false;
      }
    },

    async stop() {
      const pid = readPid();
      if (pid === null) return;
      if (isAlive(pid) && isEnvoyProcess(pid, envoyBinary(root))) {
        process.kill(pid, "SIGTERM");
        const deadline = Date.now() + 10_000;
        while (isAlive(pid) && Date.now() < deadline) await sleep(50);
        if (isAlive(pid)) {
          process.kill(pid, "SIGKILL");
          while (isAlive(pid)) await sleep(50);
        }
      }
      rmSync(pidFile, { force: true });
    },
  };
}
