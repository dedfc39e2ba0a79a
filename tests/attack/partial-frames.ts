// tests/attack/: hostile Kafka clients for the mesh's memory bounds (issue 12); loopback tests and
// measurements only (tests/e2e/memory_attack.test.*, docs/memory.md). Not part of the module.
//
// partial-frames.ts: opens N connections; on each it sends a 4-byte Kafka frame size S and then
// B bytes of that frame (never the whole frame unless B >= S), then holds the socket open
// without reading or sending anything more, for D seconds or until killed.
//
//   node --import tsx tests/attack/partial-frames.ts [options]
//     --host H            (default 127.0.0.1)
//     --port P            (default 19092)
//     --connections N     (default 30)
//     --frame-size S      declared payload size (default 104857599, just under 100 MiB)
//     --bytes B           bytes of the frame sent after the size (default 1024); K/M/G suffixes
//                         (binary): 8M = 8388608. --send-bytes is the same option
//     --drip-bytes k      send the B bytes k at a time ...
//     --drip-ms t         ... one piece every t ms (default: at full speed, as fast as the
//                         socket takes them)
//     --duration D        seconds to hold the sockets after they have sent (default 0: until
//                         SIGINT/SIGTERM)
//     --connect-parallel M  connects in flight at once (default 64)
//     --body produce|zeros  the frame's bytes: a Produce v3 request header then 'x' filler
//                         (default), or zero bytes
//     --idle              send nothing at all (not even the size): plain idle connections,
//                         the baseline for what a connection costs
//     --json              print the final summary as one JSON line on stdout
//     --quiet             no progress lines (stderr)
//
// Progress goes to stderr: connections accepted (TCP connect completed), closed by the server
// (FIN or reset while we still held them), failed to connect, and bytes sent, with times since
// start. "Sent" counts bytes the kernel accepted (write callbacks); while the server does not
// read, up to a few MiB per socket can sit in the kernel's buffers.
//
// Also importable: startAttack(options) returns {stats(), sent: Promise, stop()}.
import net from "node:net";
import { ApiKey, requestFrame, Writer } from "../lib/kafka/index.ts";

export interface AttackOptions {
  host: string;
  port: number;
  connections: number;
  frameSize: number;
  bytes: number;
  dripBytes: number;
  dripMs: number;
  duration: number;
  connectParallel: number;
  body: string;
  idle: boolean;
  json: boolean;
  quiet: boolean;
  help?: boolean;
}

const DEFAULTS: AttackOptions = {
  host: "127.0.0.1",
  port: 19092,
  connections: 30,
  frameSize: 104857599,
  bytes: 1024,
  dripBytes: 0,
  dripMs: 0,
  duration: 0,
  connectParallel: 64,
  body: "produce",
  idle: false,
  json: false,
  quiet: false,
};

const CHUNK = 64 * 1024;

/** "8M" -> 8388608; plain numbers as they are. */
export function parseSize(s: string | number): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(String(s).trim());
  if (!m) throw new Error(`not a size: ${JSON.stringify(s)}`);
  const mults: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  return Math.round(Number(m[1]) * mults[m[2]!.toLowerCase()]!);
}

/**
 * The first `n` bytes of the frame body: a Produce v3 request header (api key 0, version 3,
 * correlation id, client id "attack"), acks=-1, then filler; or zeros.
 */
function frameBody(kind: string, n: number, corr: number): Buffer {
  const out = Buffer.alloc(n, kind === "zeros" ? 0 : 0x78);
  if (kind !== "zeros") {
    // transactional_id null, acks -1, timeout 30 s; the frame without its size prefix
    const fields = new Writer().str(null).i16(-1).i32(30000).buffer();
    const head = requestFrame(ApiKey.Produce, 3, corr, fields, "attack").subarray(4);
    head.copy(out, 0, 0, Math.min(n, head.length));
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the attack counted so far. */
interface Counters {
  attempted: number;
  accepted: number;
  failed: number;
  closedByServer: number;
  done: number;
  bytesSent: number;
  firstClosedAt: number | null;
  lastClosedAt: number | null;
  allAcceptedAt: number | null;
  allSentAt: number | null;
  errors: Record<string, number>;
}

export interface AttackStats extends Counters {
  /** Seconds since the start. */
  t: number;
  connections: number;
  frameSize: number;
  bytesPerConnection: number;
  open: number;
  /** When the server closed each connection it closed (seconds since the start). */
  closedAt: number[];
}

export type Settled = "sent" | "stalled" | "timeout";

export interface Attack {
  options: AttackOptions;
  sent: Promise<void>;
  settle(o?: { quietMs?: number; timeoutMs?: number }): Promise<Settled>;
  stats(): AttackStats;
  stop(): void;
}

interface Conn {
  i: number;
  sock: net.Socket;
  sent: number;
  accepted: boolean;
  closed: boolean;
  done: boolean;
  closedAt: number | null;
}

/**
 * Starts the attack. Resolves once every connection has been attempted; `sent` resolves when
 * every connection has sent its bytes, been closed or failed. `stop()` destroys every socket.
 */
export async function startAttack(options: Partial<AttackOptions> = {}): Promise<Attack> {
  const o: AttackOptions = { ...DEFAULTS, ...options };
  const t0 = Date.now();
  const now = (): number => (Date.now() - t0) / 1000;
  const conns: Conn[] = [];
  const s: Counters = { attempted: 0, accepted: 0, failed: 0, closedByServer: 0, done: 0, bytesSent: 0,
    firstClosedAt: null, lastClosedAt: null, allAcceptedAt: null, allSentAt: null, errors: {} };
  let stopping = false;
  let resolveSent: () => void = () => {};
  const sent = new Promise<void>((r) => (resolveSent = r));
  const size = Buffer.alloc(4);
  size.writeInt32BE(o.frameSize | 0);
  const total = Math.max(0, o.bytes);
  // One shared body: every connection sends the same bytes (correlation id 1).
  const body = frameBody(o.body, Math.min(total, CHUNK * 16), 1);

  const markDone = (c: Conn): void => {
    if (c.done) return;
    c.done = true;
    s.done++;
    if (s.done === o.connections) {
      s.allSentAt = now();
      resolveSent();
    }
  };

  async function pump(c: Conn): Promise<void> {
    let off = 0;
    const piece = o.dripBytes > 0 ? o.dripBytes : CHUNK;
    while (off < total && !c.closed && !stopping) {
      const n = Math.min(piece, total - off);
      const from = off % body.length;
      const chunk = from + n <= body.length ? body.subarray(from, from + n) : Buffer.concat([body.subarray(from), body]).subarray(0, n);
      off += n;
      const ok = c.sock.write(chunk, (err) => {
        if (!err) { c.sent += n; s.bytesSent += n; }
      });
      if (o.dripMs > 0) await sleep(o.dripMs);
      else if (!ok) {
        await new Promise<void>((r) => {
          const done = (): void => { c.sock.off("drain", done); c.sock.off("close", done); r(); };
          c.sock.on("drain", done);
          c.sock.on("close", done);
        });
      }
    }
    // The last write's callback: the kernel has taken everything (or the socket is gone).
    if (!c.closed && !stopping) await new Promise<void>((r) => c.sock.write(Buffer.alloc(0), () => r()));
    markDone(c);
  }

  function open(i: number): Promise<void> {
    return new Promise((resolveOpen) => {
      const sock = net.connect({ host: o.host, port: o.port });
      const c: Conn = { i, sock, sent: 0, accepted: false, closed: false, done: false, closedAt: null };
      conns.push(c);
      s.attempted++;
      sock.setNoDelay(true);
      sock.on("data", () => {}); // a broker-like close or an answer: read and drop
      sock.on("error", (e: NodeJS.ErrnoException) => {
        s.errors[e.code ?? e.message] = (s.errors[e.code ?? e.message] ?? 0) + 1;
      });
      sock.once("connect", () => {
        c.accepted = true;
        s.accepted++;
        if (s.accepted === o.connections) s.allAcceptedAt = now();
        resolveOpen();
        if (o.idle) return markDone(c);
        sock.write(size);
        pump(c).catch(() => markDone(c));
      });
      sock.once("close", () => {
        c.closed = true;
        if (!c.accepted) {
          s.failed++;
          resolveOpen();
        } else if (!stopping) {
          s.closedByServer++;
          c.closedAt = now();
          s.firstClosedAt ??= c.closedAt;
          s.lastClosedAt = c.closedAt;
        }
        markDone(c);
      });
    });
  }

  // At most connectParallel connects in flight.
  let next = 0;
  const workers = Array.from({ length: Math.min(o.connectParallel, o.connections) }, async () => {
    while (next < o.connections && !stopping) await open(next++);
  });
  await Promise.all(workers);
  if (o.connections === 0) resolveSent();

  return {
    options: o,
    sent,
    /**
     * Resolves when every connection has sent its bytes (or closed), or when no byte has been
     * sent for `quietMs` (the server stopped reading: back-pressure), or after `timeoutMs`.
     * Returns "sent", "stalled" or "timeout".
     */
    async settle({ quietMs = 2000, timeoutMs = 60000 } = {}): Promise<Settled> {
      const deadline = Date.now() + timeoutMs;
      let lastBytes = -1;
      let lastChange = Date.now();
      let isSent = false;
      sent.then(() => (isSent = true));
      for (;;) {
        if (isSent) return "sent";
        if (s.bytesSent !== lastBytes) { lastBytes = s.bytesSent; lastChange = Date.now(); }
        if (s.attempted === o.connections && Date.now() - lastChange >= quietMs) return "stalled";
        if (Date.now() > deadline) return "timeout";
        await sleep(100);
      }
    },
    stats(): AttackStats {
      const held = conns.filter((c) => c.accepted && !c.closed).length;
      return { t: now(), connections: o.connections, frameSize: o.frameSize, bytesPerConnection: total,
        ...s, errors: { ...s.errors }, open: held,
        closedAt: conns.flatMap((c) => (c.closedAt !== null ? [c.closedAt] : [])) };
    },
    stop(): void {
      stopping = true;
      for (const c of conns) c.sock.destroy();
    },
  };
}

type NumberOption = "port" | "connections" | "frameSize" | "bytes" | "dripBytes" | "dripMs" | "duration" | "connectParallel";

function parseArgs(argv: string[]): AttackOptions {
  const o: AttackOptions = { ...DEFAULTS };
  const names: Record<string, NumberOption | "host" | "body"> = { "--host": "host", "--port": "port", "--connections": "connections", "--frame-size": "frameSize",
    "--bytes": "bytes", "--send-bytes": "bytes", "--drip-bytes": "dripBytes", "--drip-ms": "dripMs",
    "--duration": "duration", "--connect-parallel": "connectParallel", "--body": "body" };
  const sizes = new Set<string>(["frameSize", "bytes", "dripBytes"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") { o.json = true; continue; }
    if (a === "--quiet") { o.quiet = true; continue; }
    if (a === "--idle") { o.idle = true; continue; }
    if (a === "-h" || a === "--help") { o.help = true; continue; }
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const key = names[flag];
    if (!key) throw new Error(`unknown option ${a}`);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    if (key === "host" || key === "body") o[key] = v;
    else {
      o[key] = sizes.has(key) ? parseSize(v) : Number(v);
      if (!Number.isFinite(o[key])) throw new Error(`${flag}: not a number: ${v}`);
    }
  }
  if (!["produce", "zeros"].includes(o.body)) throw new Error("--body: produce or zeros");
  if (o.frameSize > 0x7fffffff || o.frameSize < -0x80000000) throw new Error("--frame-size: not an int32");
  return o;
}

const human = (b: number): string => (b >= 1048576 ? `${(b / 1048576).toFixed(2)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) {
    const text = (await import("node:fs")).readFileSync(new URL(import.meta.url), "utf8");
    console.log(text.split("\n").filter((l) => l.startsWith("//")).map((l) => l.slice(3)).join("\n"));
    return;
  }
  const log = (m: string): void => { if (!o.quiet) console.error(m); };
  const line = (st: AttackStats, what: string): string => `t=${st.t.toFixed(2)}s ${what}: accepted ${st.accepted}/${st.connections}, ` +
    `failed ${st.failed}, closed by server ${st.closedByServer}, open ${st.open}, sent ${human(st.bytesSent)}`;
  log(`attack: ${o.connections} connections to ${o.host}:${o.port}, frame size ${o.frameSize}, ` +
    `${o.bytes} bytes each${o.dripBytes > 0 ? ` in ${o.dripBytes}-byte drips every ${o.dripMs} ms` : ""}`);
  const a = await startAttack(o);
  let last = "";
  const tick = setInterval(() => {
    const st = a.stats();
    const key = `${st.accepted}/${st.failed}/${st.closedByServer}/${st.bytesSent}`;
    if (key !== last) log(line(st, "progress"));
    last = key;
  }, 1000);
  let finish: (why: string) => void = () => {};
  const finished = new Promise<string>((r) => (finish = r));
  process.once("SIGINT", () => finish("SIGINT"));
  process.once("SIGTERM", () => finish("SIGTERM"));
  a.settle({ quietMs: 3000, timeoutMs: 1e9 }).then((how) => {
    const st = a.stats();
    log(line(st, how === "sent" ? "all sent or closed" : "no byte taken for 3 s (server not reading)"));
    if (o.duration > 0) setTimeout(() => finish("duration"), o.duration * 1000);
  });
  const why = await finished;
  clearInterval(tick);
  const st = a.stats();
  log(line(st, `stopping (${why})`));
  a.stop();
  if (o.json) console.log(JSON.stringify({ ...st, stoppedBy: why }));
  process.exit(0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    console.error(`partial-frames: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  });
}
