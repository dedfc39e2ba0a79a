// Checks that an Envoy binary carries every extension the Kafka mesh configs use.
// Usage: node --import tsx envoy/check-extensions.ts /path/to/envoy
// Starts the binary with an admin-only bootstrap on an ephemeral loopback port and reads the
// compiled-in extension list from GET /server_info (node.extensions).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REQUIRED_EXTENSIONS: readonly string[] = [
  "envoy.filters.network.wasm",
  "envoy.wasm.runtime.v8",
  "envoy.filters.network.tcp_proxy",
  "envoy.filters.network.echo",
  "envoy.bootstrap.internal_listener",
  "envoy.transport_sockets.internal_upstream",
  // The listener's TLS (DownstreamTlsContext) in the configs rendered with --tls.
  "envoy.transport_sockets.tls",
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface EnvoyExtensions {
  /** /server_info's `version` string. */
  version: string;
  /** Extension name -> category, the first entry of each name. */
  extensions: Map<string, string>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** The parts of /server_info read here (Envoy's admin JSON is large and open). */
function readServerInfo(info: unknown): EnvoyExtensions {
  const node = isObject(info) ? info.node : undefined;
  const list = isObject(node) ? node.extensions : undefined;
  if (!isObject(info) || !Array.isArray(list)) throw new Error("/server_info has no node.extensions list");
  const out = new Map<string, string>();
  for (const e of list) {
    if (!isObject(e) || typeof e.name !== "string") continue;
    if (!out.has(e.name)) out.set(e.name, String(e.category));
  }
  return { version: String(info.version), extensions: out };
}

export async function envoyExtensions(bin: string): Promise<EnvoyExtensions> {
  const dir = mkdtempSync(join(tmpdir(), "envoy-ext-"));
  const addrFile = join(dir, "admin-address");
  const bootstrap = JSON.stringify({
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
  });
  const child = spawn(
    bin,
    ["--config-yaml", bootstrap, "--admin-address-path", addrFile, "--disable-hot-restart",
      "--concurrency", "1", "-l", "error"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.on("exit", () => (exited = true));
  try {
    for (let i = 0; i < 200 && !exited; i++) {
      if (existsSync(addrFile) && readFileSync(addrFile, "utf8").trim() !== "") {
        const addr = readFileSync(addrFile, "utf8").trim();
        const res = await fetch(`http://${addr}/server_info`);
        return readServerInfo(await res.json());
      }
      await sleep(50);
    }
    throw new Error(`envoy did not start: ${stderr}`);
  } finally {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bin = process.argv[2];
  if (!bin) {
    console.error("usage: envoy/check-extensions.ts /path/to/envoy");
    process.exit(2);
  }
  const { version, extensions } = await envoyExtensions(bin);
  const missing = REQUIRED_EXTENSIONS.filter((n) => !extensions.has(n));
  for (const n of REQUIRED_EXTENSIONS) {
    console.log(`${extensions.has(n) ? "ok     " : "MISSING"} ${n}`);
  }
  console.log(`envoy ${version}: ${extensions.size} extensions`);
  if (missing.length > 0) {
    console.error(`missing extensions: ${missing.join(", ")}`);
    process.exit(1);
  }
}
