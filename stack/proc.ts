// Process helpers shared by the components: detached start with pid and log files under
// .stack/, stop by pid (SIGTERM, then SIGKILL), protocol-level probes, port checks.
import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { join } from "node:path";
import { apiVersionsRequest, FrameSplitter } from "../tests/lib/kafka/index.ts";

export function stackDir(root: string): string {
  const dir = join(root, ".stack");
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const pidFile = (root: string, name: string) => join(stackDir(root), `${name}.pid`);
export const logFile = (root: string, name: string) => join(stackDir(root), `${name}.log`);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface PidRecord {
  pid: number;
  /** A string of the process's command line, so a recycled pid is never taken for ours. */
  marker?: string;
  ports?: number[];
}

export function readPid(root: string, name: string): PidRecord | undefined {
  const f = pidFile(root, name);
  if (!existsSync(f)) return undefined;
  const text = readFileSync(f, "utf8").trim();
  try {
    const v = JSON.parse(text);
    if (typeof v === "number") return { pid: v };
    if (v && typeof v.pid === "number") return v as PidRecord;
  } catch {
    /* fall through */
  }
  return undefined;
}

/** Names of every component that has a pid file, running or not. */
export function pidFileNames(root: string): string[] {
  return readdirSync(stackDir(root))
    .filter((f) => f.endsWith(".pid"))
    .map((f) => f.slice(0, -4));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie has exited already.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (/^\d+ \(.*\) Z /.test(stat)) return false;
  } catch {
    return false;
  }
  return true;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}

/** The pid of the component's process if it is running (and is really ours). */
export function runningPid(root: string, name: string): number | undefined {
  const rec = readPid(root, name);
  if (!rec || !alive(rec.pid)) return undefined;
  if (rec.marker && !cmdline(rec.pid).includes(rec.marker)) return undefined;
  return rec.pid;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Substring of the command line identifying this process (checked before signalling it). */
  marker: string;
  ports: number[];
  /** Start the log afresh instead of appending to it. */
  truncateLog?: boolean;
}

/** Starts a detached process, stdout and stderr appended to (or written afresh in) .stack/<name>.log. */
export function startDetached(root: string, o: StartOptions): number {
  const log = logFile(root, o.name);
  const fd = openSync(log, o.truncateLog ? "w" : "a");
  if (!o.truncateLog) writeFileSync(fd, `\n==== ${new Date().toISOString()} start ${o.command} ${o.args.join(" ")}\n`);
  const opts: SpawnOptions = { cwd: o.cwd ?? root, env: o.env ?? process.env, detached: true, stdio: ["ignore", fd, fd] };
  const child = spawn(o.command, o.args, opts);
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${o.name}: could not start ${o.command}`);
  child.unref();
  const rec: PidRecord = { pid: child.pid, marker: o.marker, ports: o.ports };
  writeFileSync(pidFile(root, o.name), JSON.stringify(rec) + "\n");
  return child.pid;
}

/** Stops the process recorded in .stack/<name>.pid: SIGTERM, then SIGKILL after graceMs. */
export async function stopByPid(root: string, name: string, graceMs = 30000): Promise<void> {
  const pid = runningPid(root, name);
  if (pid !== undefined) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      /* already gone */
    }
    const deadline = Date.now() + graceMs;
    while (alive(pid) && Date.now() < deadline) await sleep(100);
    if (alive(pid)) {
      console.error(`${name}: still running ${graceMs} ms after SIGTERM, sending SIGKILL to ${pid}`);
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
      while (alive(pid)) await sleep(50);
    }
  }
  const f = pidFile(root, name);
  if (existsSync(f)) unlinkSync(f);
}

/**
 * Stops a child process of this one (not detached, no pid file): SIGTERM, SIGKILL after graceMs;
 * resolves with how it exited.
 */
export async function stopChild(child: ChildProcess, graceMs = 10000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exited = () => ({ code: child.exitCode, signal: child.signalCode });
  if (child.exitCode !== null || child.signalCode !== null) return exited();
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const inTime = await Promise.race([gone.then(() => true), sleep(graceMs).then(() => false)]);
  if (!inTime) {
    child.kill("SIGKILL");
    await gone;
  }
  return exited();
}

/** True when nothing listens on host:port (we could bind it ourselves). */
export function portFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A loopback port nothing listens on right now (the kernel's pick). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once("error", reject).listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Status code of GET url, or 0 when there is no answer within timeoutMs. */
export function httpStatus(url: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

/**
 * Sends a Kafka ApiVersions v0 request and checks the broker answers it with error code 0.
 * v0 is what a client sends first, so every broker version answers it.
 */
export function kafkaApiVersions(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  const correlationId = 0x6d657368;
  return new Promise((resolve) => {
    const splitter = new FrameSplitter();
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve(ok);
    };
    const sock = net.connect({ host: host.replace(/^\[|\]$/g, ""), port });
    sock.setTimeout(timeoutMs, () => finish(false));
    sock.on("error", () => finish(false));
    sock.on("connect", () => sock.write(apiVersionsRequest(0, correlationId, "mesh-stack")));
    sock.on("data", (d) => {
      const [frame] = splitter.push(d);
      if (frame === undefined) return;
      // Only the correlation id and the error code matter: a newer broker's answer is read too.
      finish(frame.length >= 10 && frame.readInt32BE(4) === correlationId && frame.readInt16BE(8) === 0);
    });
    sock.on("close", () => finish(false));
  });
}

/** Last lines of a log file, for error messages. */
export function tailLog(path: string, lines = 30): string {
  if (!existsSync(path)) return `(no log at ${path})`;
  const size = statSync(path).size;
  const fd = openSync(path, "r");
  const len = Math.min(size, 64 * 1024);
  const buf = Buffer.alloc(len);
  readSync(fd, buf, 0, len, size - len);
  closeSync(fd);
  return buf.toString("utf8").split("\n").slice(-lines - 1).join("\n");
}

/** Newest modification time (ms) of a file or of any file below a directory. */
export function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}
