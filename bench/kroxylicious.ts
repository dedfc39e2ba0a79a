// Kroxylicious, the Apache Kafka proxy, as the bench's fourth target: a plain pass-through
// virtual cluster in front of c1 (no filters). Installed with Maven into
// .cache/kroxylicious-<version>/ once (KROXYLICIOUS_VERSION in versions.env pins the version),
// started by run.ts before the workloads and stopped after them.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KROXYLICIOUS_VERSION } from "../scripts/versions.ts";

const MAIN = "envoy.kafka.mesh.bench.BenchKroxylicious";
// Bootstrap port: Envoy's listener port + 200 (19292 without an offset; 19192 is taken by
// tests/fixture-gen/capture), c1's single node on the next port.
const PORT_FROM_ENVOY = 200;

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

/** Builds the main and copies the runtime's jars once; later calls only check the marker. */
function install(root: string, home: string): void {
  const done = join(home, ".complete");
  const src = join(root, "bench/kroxylicious");
  if (existsSync(done) && newestMtime(done) >= newestMtime(src)) return;
  console.log(`bench: installing Kroxylicious into ${home}`);
  const r = spawnSync(
    "mvn",
    ["-B", "-q", "-Dstyle.color=never", "-f", join(src, "pom.xml"), "package", "dependency:copy-dependencies", `-Dkroxylicious.version=${KROXYLICIOUS_VERSION}`, `-Dkroxylicious.home=${home}`],
    { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) throw new Error(`mvn failed (exit ${r.status ?? r.signal ?? r.error}): ${(r.stdout + r.stderr).trim().split("\n").slice(-5).join(" | ")}`);
  writeFileSync(done, `${new Date().toISOString()}\n`);
}

/** A proxy left behind by a bench that was killed outright. */
function killStale(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  try {
    if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(MAIN)) process.kill(pid, "SIGKILL");
  } catch {}
  rmSync(pidFile, { force: true });
}

/** Kafka metadata through the proxy: ok once it answers and advertises its own node port. */
function reachable(py: string, bootstrap: string, nodeAddress: string): boolean {
  const script = [
    "import sys",
    "from confluent_kafka.admin import AdminClient",
    "md = AdminClient({'bootstrap.servers': sys.argv[1]}).list_topics(timeout=3)",
    "print(' '.join(f'{b.host}:{b.port}' for b in md.brokers.values()))",
  ].join("\n");
  const r = spawnSync(py, ["-c", script, bootstrap], { encoding: "utf8", timeout: 10000 });
  return r.status === 0 && r.stdout.trim() === nodeAddress;
}

/**
 * Starts the proxy in front of `upstream` (c1's bootstrap). Returns { version, address, pid,
 * stop } or throws with the reason (install or start failed).
 */
export interface Kroxylicious {
  version: string;
  address: string;
  pid: number | undefined;
  log: string;
  stop(): Promise<void>;
}

export async function startKroxylicious({ root, py, envoy, upstream, timeoutS = 60 }:
  { root: string; py: string; envoy: string; upstream: string; timeoutS?: number }): Promise<Kroxylicious> {
  const version = KROXYLICIOUS_VERSION;
  const home = join(root, ".cache", `kroxylicious-${version}`);
  mkdirSync(home, { recursive: true });
  install(root, home);
  const host = envoy.replace(/:\d+$/, "");
  const port = Number(/:(\d+)$/.exec(envoy)?.[1]) + PORT_FROM_ENVOY;
  const values: Record<string, string | number> = { UPSTREAM: upstream, HOST: host, BOOTSTRAP_PORT: port, NODE_PORT: port + 1 };
  const template = readFileSync(join(root, "bench/kroxylicious/proxy.template.yaml"), "utf8");
  const config = join(home, "proxy.yaml");
  writeFileSync(config, template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(values[k])));

  const pidFile = join(home, "proxy.pid");
  killStale(pidFile);
  const logFile = join(home, "proxy.log");
  const log = openSync(logFile, "w");
  const cp = `${join(home, "build", "bench-kroxylicious.jar")}:${join(home, "libs")}/*`;
  const child = spawn("java", ["-Xmx512m", "-cp", cp, MAIN, config], { cwd: root, stdio: ["ignore", log, log] });
  writeFileSync(pidFile, `${child.pid}\n`);
  let exited: number | string | null = null;
  child.on("exit", (code, signal) => (exited = code ?? signal));
  const exitedP = new Promise((resolve) => child.once("exit", resolve));
  // Ends the proxy if node exits on an uncaught error.
  const onExit = (): void => { try { child.kill("SIGKILL"); } catch {} };
  process.on("exit", onExit);

  const stop = async (): Promise<void> => {
    process.off("exit", onExit);
    if (exited === null) {
      child.kill("SIGTERM"); // shutdown hook closes the listeners (~2 s of Netty quiet period)
      if (await Promise.race([exitedP.then(() => true), sleep(15000).then(() => false)]) === false) {
        child.kill("SIGKILL");
        await exitedP;
      }
    }
    rmSync(pidFile, { force: true });
  };

  const address = `${host}:${port}`;
  const deadline = Date.now() + timeoutS * 1000;
  while (!reachable(py, address, `${host}:${port + 1}`)) {
    // The log's last lines without Java stack frames.
    const tail = (): string => readFileSync(logFile, "utf8").trim().split("\n").filter((l) => !/^\s+(at |\.\.\.)/.test(l)).slice(-2).join(" | ");
    if (exited !== null) {
      await stop();
      throw new Error(`Kroxylicious exited (${exited}): ${tail()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Kroxylicious not reachable at ${address} after ${timeoutS} s: ${tail()}`);
    }
    await sleep(500);
  }
  return { version, address, pid: child.pid, log: logFile, stop };
}
