// Real Kafka consumers for tests/e2e/consume.test.ts, each reading through a bootstrap address
// given by the caller (Envoy, or a cluster directly), and the comparison of what they read with
// what the cluster holds (tests/e2e/clients.ts readRanges: Kafka's Java consumer, directly).
//
// Every runner returns records as ReadRecord (topic, partition, offset, timestamp, timestamp
// type, key, value, headers; bytes as Buffers, null kept apart from empty).
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Header, javaArgs, type ReadRecord, ROOT, run, VENV_PYTHON } from "./clients.ts";
import { asObject, isObject, type JsonObject, num } from "./json.ts";

const unb64 = (s: unknown): Buffer | null => (s === null || s === undefined ? null : Buffer.from(String(s), "base64"));

/** A record line ({"record": {...}}, bytes in Base64) of E2eConsumer / confluent_consume.py. */
export function recordOf(line: unknown, what: string): ReadRecord {
  const o = asObject(line, what);
  assert.ok(Array.isArray(o.headers), `${what}: record without headers: ${JSON.stringify(o)}`);
  return {
    topic: String(o.topic),
    partition: num(o.partition),
    offset: num(o.offset),
    timestamp: num(o.timestamp),
    timestampType: String(o.timestampType),
    key: unb64(o.key),
    value: unb64(o.value),
    headers: o.headers.map((h: unknown): Header => {
      assert.ok(Array.isArray(h), `${what}: header ${JSON.stringify(h)}`);
      return [String(h[0]), unb64(h[1])];
    }),
  };
}

/** A script op for E2eConsumer.java / confluent_consume.py (see their headers). */
export type Op = { op: string; [field: string]: unknown };

export interface ScriptResult {
  /** Every record read, in the order the client handed them out. */
  records: ReadRecord[];
  /** Every non-record line ({op, ...}), in order. */
  ops: JsonObject[];
  /** The records read between the answer to op i-1 and op i: reads[i] belongs to ops[i]. */
  stdout: string;
}

function parseScriptOutput(stdout: string, what: string): ScriptResult {
  const records: ReadRecord[] = [];
  const ops: JsonObject[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    const o = asObject(JSON.parse(line), what);
    if (o.record !== undefined) records.push(recordOf(o.record, what));
    else ops.push(o);
  }
  const failed = ops.find((o) => o.error !== undefined);
  assert.ok(!failed, `${what}: op ${String(failed?.op)} failed: ${String(failed?.error)}`);
  return { records, ops, stdout };
}

const props = (p: Record<string, string>) => Object.entries(p).map(([k, v]) => `${k}=${v}`);
const script = (ops: readonly Op[]) => ops.map((o) => JSON.stringify(o)).join("\n") + "\n";

/** Kafka's Java consumer (E2eConsumer.java) running a script; fails on any failed op. */
export async function javaConsume(bootstrap: string, p: Record<string, string>, ops: readonly Op[], timeoutMs = 120_000): Promise<ScriptResult> {
  const { stdout } = await run("java", javaArgs("E2eConsumer", bootstrap, ...props(p)), { input: script(ops), timeoutMs })
    .catch((e: unknown) => { throw new Error(`E2eConsumer via ${bootstrap}: ${e instanceof Error ? e.message : String(e)}`); });
  return parseScriptOutput(stdout, `E2eConsumer via ${bootstrap}`);
}

/** librdkafka through confluent-kafka (confluent_consume.py) running a script. */
export async function confluentConsume(bootstrap: string, p: Record<string, string>, ops: readonly Op[], timeoutMs = 120_000): Promise<ScriptResult & { versions: string[] }> {
  assert.ok(existsSync(VENV_PYTHON), ".venv missing: run make test-e2e (it installs confluent-kafka)");
  const { stdout } = await run(VENV_PYTHON, [join(ROOT, "tests", "e2e", "confluent_consume.py"), bootstrap, ...props(p)], { input: script(ops), timeoutMs })
    .catch((e: unknown) => { throw new Error(`confluent_consume.py via ${bootstrap}: ${e instanceof Error ? e.message : String(e)}`); });
  const res = parseScriptOutput(stdout, `confluent_consume.py via ${bootstrap}`);
  const v = res.ops.find((o) => Array.isArray(o.versions));
  return { ...res, versions: Array.isArray(v?.versions) ? v.versions.map(String) : [] };
}

/**
 * kcat -C ... -J: one JSON object per record. kcat writes keys, payloads and header values as
 * JSON strings of the raw bytes (only control characters, quote and backslash escaped), so
 * the output is read as Latin-1 and every string turned back into the bytes it was.
 */
export async function kcatConsume(bootstrap: string, args: string[], timeoutMs = 120_000): Promise<{ records: ReadRecord[]; stderr: string }> {
  const child = spawn("kcat", ["-C", "-b", bootstrap, "-J", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => out.push(d));
  child.stderr.on("data", (d: Buffer) => err.push(d));
  const code = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (c, s) => { clearTimeout(timer); resolve(c ?? String(s)); });
  });
  const stderr = Buffer.concat(err).toString("utf8");
  assert.equal(code, 0, `kcat ${args.join(" ")} via ${bootstrap} exited ${code}${code === "SIGKILL" ? ` (killed after ${timeoutMs} ms)` : ""}:\n${stderr.slice(-3000)}`);
  const bytes = (s: unknown): Buffer | null => (s === null || s === undefined ? null : Buffer.from(String(s), "latin1"));
  const records = Buffer.concat(out).toString("latin1").split("\n").filter((l) => l.startsWith("{")).map((l): ReadRecord => {
    const o = asObject(JSON.parse(l), "kcat -J");
    const hs = Array.isArray(o.headers) ? o.headers : [];
    const headers: Header[] = [];
    for (let i = 0; i < hs.length; i += 2) headers.push([bytes(hs[i])?.toString("utf8") ?? "", bytes(hs[i + 1])]);
    return {
      topic: String(o.topic), partition: num(o.partition), offset: num(o.offset), timestamp: num(o.ts),
      timestampType: o.tstype === "create" ? "CreateTime" : o.tstype === "logappend" ? "LogAppendTime" : String(o.tstype),
      key: bytes(o.key), value: bytes(o.payload), headers,
    };
  });
  return { records, stderr };
}

/** A process printing JSON lines that a test watches as they come (a group member). */
export class LineProcess {
  readonly lines: JsonObject[] = [];
  readonly records: ReadRecord[] = [];
  stderr = "";
  exit: number | string | null = null;
  private readonly child: ChildProcessWithoutNullStreams;
  private buf = "";
  private readonly waiters = new Set<() => void>();

  constructor(cmd: string, args: string[], readonly name: string) {
    this.child = spawn(cmd, args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.on("data", (d: Buffer) => {
      this.buf += d.toString("utf8");
      let nl;
      while ((nl = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (!line.trim().startsWith("{")) continue;
        const o = asObject(JSON.parse(line), name);
        if (o.record !== undefined) this.records.push(recordOf(o.record, name));
        else this.lines.push(o);
      }
      this.wake();
    });
    this.child.stderr.on("data", (d: Buffer) => { this.stderr = (this.stderr + d.toString("utf8")).slice(-20_000); });
    this.child.stdin.on("error", () => {});
    this.child.on("close", (c, s) => { this.exit = c ?? String(s); this.wake(); });
  }

  private wake() {
    for (const w of this.waiters) w();
  }

  send(op: Op): void {
    this.child.stdin.write(JSON.stringify(op) + "\n");
  }

  /** Waits until `pred` holds (checked on every output and exit); fails after `ms`. */
  async waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
    if (pred()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        const failed = this.lines.find((o) => o.error !== undefined);
        if (failed) { done(); reject(new Error(`${this.name}: op ${String(failed.op)} failed: ${String(failed.error)}`)); return; }
        if (pred()) { done(); resolve(); return; }
        if (this.exit !== null) { done(); reject(new Error(`${this.name} exited ${this.exit} before ${what}\n${this.stderr.slice(-3000)}`)); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`${this.name}: no ${what} within ${ms} ms\n${this.stderr.slice(-3000)}`)); }, ms);
      // Also checked now and then: `pred` may depend on other processes too.
      const tick = setInterval(check, 200);
      const done = () => { clearTimeout(timer); clearInterval(tick); this.waiters.delete(check); };
      this.waiters.add(check);
    });
  }

  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    this.child.kill(signal);
  }

  /** Ends stdin (the member stops polling and closes) and waits for the exit. */
  async close(ms = 60_000): Promise<void> {
    this.child.stdin.end();
    await this.waitFor(() => this.exit !== null, ms, "exit");
    assert.equal(this.exit, 0, `${this.name} exited ${this.exit}\n${this.stderr.slice(-3000)}`);
  }
}

/** An E2eConsumer group member: subscribes to `topics` and loops (poll, print, commitSync). */
export function javaMember(bootstrap: string, p: Record<string, string>, topics: string[], name: string): LineProcess {
  const m = new LineProcess("java", javaArgs("E2eConsumer", bootstrap, ...props(p)), name);
  m.send({ op: "subscribe", topics });
  m.send({ op: "loop" });
  return m;
}

/** The partitions a member holds now, from its assigned/revoked/lost lines. */
export function memberAssignment(m: LineProcess): Set<string> {
  const now = new Set<string>();
  for (const l of m.lines) {
    const tps = Array.isArray(l.tps) ? l.tps.map(String) : [];
    if (l.op === "assigned") tps.forEach((t) => now.add(t));
    if (l.op === "revoked" || l.op === "lost") tps.forEach((t) => now.delete(t));
  }
  return now;
}

/** The last offsets a member reported committed, per "topic:partition". */
export function memberCommitted(m: LineProcess): Map<string, number> {
  const c = new Map<string, number>();
  for (const l of m.lines) if (l.op === "committed" && isObject(l.offsets)) for (const [k, v] of Object.entries(l.offsets)) c.set(k, num(v));
  return c;
}

/** Kafka's own command-line tools (kafka-tools jar) as the .sh scripts run them. */
export async function kafkaTool(main: string, args: string[], timeoutMs = 120_000): Promise<{ stdout: string; stderr: string }> {
  return run("java", javaArgs(main, ...args), { timeoutMs });
}

export const CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
export const CONSUMER_GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";

/**
 * kafka-consumer-groups --describe --group: the offsets table. While the group rebalances (a
 * member just left) the tool prints a warning and no table: asked again, for up to `ms`.
 */
export async function describeGroup(bootstrap: string, group: string, ms = 30_000): Promise<DescribeRow[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { stdout, stderr } = await kafkaTool(CONSUMER_GROUPS, ["--bootstrap-server", bootstrap, "--describe", "--group", group]);
    if (/^GROUP\s/m.test(stdout)) return parseDescribe(stdout);
    assert.ok(Date.now() < deadline, `kafka-consumer-groups --describe --group ${group} printed no table for ${ms} ms:\n${stdout}\n${stderr.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** One row of kafka-consumer-groups --describe. */
export interface DescribeRow { group: string; topic: string; partition: number; current: number | null; end: number; lag: number | null; consumer: string }

/** Parses kafka-consumer-groups --describe --group g (the offsets table). */
export function parseDescribe(stdout: string): DescribeRow[] {
  const rows: DescribeRow[] = [];
  const lines = stdout.split("\n").map((l) => l.trim()).filter(Boolean);
  const header = lines.findIndex((l) => l.startsWith("GROUP"));
  assert.ok(header >= 0, `no table in kafka-consumer-groups output:\n${stdout}`);
  const cols = lines[header].split(/\s+/);
  for (const l of lines.slice(header + 1)) {
    if (l.startsWith("GROUP")) continue;
    const f = l.split(/\s+/);
    const at = (c: string) => f[cols.indexOf(c)];
    const n = (s: string) => (s === "-" ? null : Number(s));
    rows.push({ group: at("GROUP"), topic: at("TOPIC"), partition: Number(at("PARTITION")), current: n(at("CURRENT-OFFSET")),
      end: Number(at("LOG-END-OFFSET")), lag: n(at("LAG")), consumer: at("CONSUMER-ID") });
  }
  return rows;
}

const show = (b: Buffer | null) => (b === null ? "null" : b.length > 48 ? `${b.length} bytes ${b.subarray(0, 24).toString("hex")}...` : `0x${b.toString("hex")}`);
const same = (a: Buffer | null, b: Buffer | null) => (a === null || b === null ? a === b : Buffer.compare(a, b) === 0);

/** The first difference between two records, or null. */
export function recordDiff(got: ReadRecord, want: ReadRecord): string | null {
  for (const f of ["topic", "partition", "offset", "timestamp", "timestampType"] as const) {
    if (got[f] !== want[f]) return `${f} ${String(got[f])} != ${String(want[f])}`;
  }
  if (!same(got.key, want.key)) return `key ${show(got.key)} != ${show(want.key)}`;
  if (!same(got.value, want.value)) return `value ${show(got.value)} != ${show(want.value)}`;
  if (got.headers.length !== want.headers.length) return `${got.headers.length} headers != ${want.headers.length}`;
  for (let i = 0; i < want.headers.length; i++) {
    if (got.headers[i][0] !== want.headers[i][0]) return `header ${i} name ${got.headers[i][0]} != ${want.headers[i][0]}`;
    if (!same(got.headers[i][1], want.headers[i][1])) return `header ${i} (${want.headers[i][0]}) ${show(got.headers[i][1])} != ${show(want.headers[i][1])}`;
  }
  return null;
}

const where = (r: ReadRecord) => `${r.topic}:${r.partition}@${r.offset}`;

/**
 * What a client read is exactly what the cluster holds: per partition the same records in the
 * same order, every field equal (records of different partitions may interleave).
 */
export function assertSameRecords(got: readonly ReadRecord[], want: readonly ReadRecord[], what: string): void {
  const split = (rs: readonly ReadRecord[]) => {
    const m = new Map<string, ReadRecord[]>();
    for (const r of rs) {
      const k = `${r.topic}:${r.partition}`;
      const l = m.get(k);
      if (l) l.push(r); else m.set(k, [r]);
    }
    return m;
  };
  const g = split(got);
  const w = split(want);
  assert.deepEqual([...g.keys()].filter((k) => !w.has(k)), [], `${what}: records from partitions the cluster has none of`);
  for (const [k, wl] of w) {
    const gl = g.get(k) ?? [];
    for (let i = 0; i < Math.max(gl.length, wl.length); i++) {
      if (gl[i] === undefined) assert.fail(`${what}: ${k}: read ${gl.length} records, the cluster holds ${wl.length}; first missing ${where(wl[i])}`);
      if (wl[i] === undefined) assert.fail(`${what}: ${k}: read ${gl.length} records, the cluster holds ${wl.length}; first extra ${where(gl[i])}`);
      const d = recordDiff(gl[i], wl[i]);
      if (d !== null) assert.fail(`${what}: record ${i} of ${k} (cluster: ${where(wl[i])}): ${d}`);
    }
  }
}

/** Numeric stats of an Envoy admin (name -> value), filtered by a regex. */
export async function envoyStats(admin: string, filter: string): Promise<Map<string, number>> {
  const res = await fetch(`http://${admin}/stats?filter=${encodeURIComponent(filter)}`, { signal: AbortSignal.timeout(5000) });
  const out = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    const m = /^(\S+): (-?\d+)$/.exec(line.trim());
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}
