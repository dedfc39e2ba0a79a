// Envoy as a stack component: the pinned binary (envoy/install.sh) run detached with
// a rendered config from envoy/, pid and log under .stack/ (stack/proc.ts).
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { promisify } from "node:util";
import type { Component } from "./component.ts";
import { runningPid, stackDir, startDetached, stopByPid } from "./proc.ts";
import { ensureTlsCerts } from "./tls.ts";

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
/** A config rendered with --tls reads the stack's test PKI from here (envoy/render-config.ts). */
const TEST_PKI_IN_CONFIG = /filename: "?(?:[^"\s]*\/)?\.cache\/tls\//;

/** Whether the config's TLS listener uses the test PKI of stack/tls.ts, which must exist first. */
export function usesTestPki(configText: string): boolean {
  return TEST_PKI_IN_CONFIG.test(configText);
}

/** The Envoy binary: $ENVOY_BIN, else the one recorded by envoy/install.sh. */
export function envoyBinary(root: string): string {
  if (process.env.ENVOY_BIN) return process.env.ENVOY_BIN;
  const recorded = join(root, ".cache", "envoy", "envoy-bin");
  if (!existsSync(recorded)) {
    throw new Error("Envoy is not installed: run envoy/install.sh (or set ENVOY_BIN)");
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

/**
 * The command line Envoy runs with here: several Envoys on one machine (no shared-memory
 * hot-restart domain to collide on), fast shutdown on SIGTERM (no listener draining worth
 * waiting for).
 */
export function envoyArgs(config: string, concurrency = 2): string[] {
  return ["-c", config, "--disable-hot-restart", "--concurrency", String(concurrency), "--log-level", "info", "--drain-time-s", "1"];
}

export function createEnvoy(root: string, opts: EnvoyOptions = {}): Component {
  const name = opts.name ?? "envoy";
  const configPath = resolve(root, opts.config ?? join("envoy", "envoy.yaml"));
  const configText = readFileSync(configPath, "utf8");
  const found = configPorts(configText);
  const adminPort = opts.adminPort ?? found.admin ?? 9901;
  const ports = [...new Set([...found.listeners, adminPort])];

  return {
    name,
    ports,

    async install() {
      await promisify(execFile)(join(root, "envoy", "install.sh"), [], {
        cwd: root,
        maxBuffer: 16 * 1024 * 1024,
      });
      if (usesTestPki(configText)) ensureTlsCerts(root, console.log);
    },

    async start() {
      const running = runningPid(root, name);
      if (running !== undefined) throw new Error(`${name} is already running (pid ${running})`);
      // Envoy refuses a config whose certificate files are missing: make them first.
      if (usesTestPki(configText)) ensureTlsCerts(root, console.log);
      let config = configPath;
      if (opts.wasm) {
        // The wasm path lives inside the listener's filter list, which --config-yaml cannot
        // replace (repeated fields are appended): write a copy of the config instead.
        if (!configText.includes(WASM_IN_CONFIG)) {
          throw new Error(`${configPath} has no "${WASM_IN_CONFIG}" to replace`);
        }
        const wasm = isAbsolute(opts.wasm) ? opts.wasm : resolve(root, opts.wasm);
        config = join(stackDir(root), `${name}.yaml`);
        writeFileSync(config, configText.replace(WASM_IN_CONFIG, `filename: ${JSON.stringify(wasm)}`));
      }
      const args = envoyArgs(config);
      if (opts.adminPort !== undefined) {
        args.push("--config-yaml", JSON.stringify({
          admin: { address: { socket_address: { address: "127.0.0.1", port_value: adminPort } } },
        }));
      }
      // The config path on the command line tells this Envoy from any other process.
      startDetached(root, { name, command: envoyBinary(root), args, marker: `-c ${config}`, ports, truncateLog: true });
    },

    async isReady() {
      if (runningPid(root, name) === undefined) return false;
      try {
        const res = await fetch(`http://127.0.0.1:${adminPort}/ready`, { signal: AbortSignal.timeout(1000) });
        return res.status === 200 && (await res.text()).trim() === "LIVE";
      } catch {
        return false;
      }
    },

    stop() {
      return stopByPid(root, name, 10_000);
    },
  };
}
