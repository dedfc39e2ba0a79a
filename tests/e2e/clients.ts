// Real Kafka clients for the end-to-end suite and the demo, and reading records back straight
// from the clusters with Kafka's Java consumer (tests/e2e/java/E2eDump.java).
//
// A record spec is {topic, partition?, timestamp?, key: Buffer|null, value: Buffer|null,
// headers: [[name, Buffer]]}; what a client was told is {partition, offset, timestamp?} or
// {error}. Java and librdkafka producers read specs as JSON lines (bytes in Base64).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { KAFKA_VERSION, kafkaLibs } from "../../scripts/versions.ts";
import { asObject, num } from "./json.ts";
import { ROOT, stackPorts } from "./stack-ports.ts";

export { ROOT, KAFKA_VERSION };
export const KAFKA_LIBS = kafkaLibs(ROOT);
export const JAVA_CLASSES = join(ROOT, ".cache", "e2e-java");
export const VENV_PYTHON = join(ROOT, ".venv", "bin", "python");

/** A record header: name and bytes (null only when read back without a value). */
export type Header = [name: string, value: Buffer | null];

/** A record to send. */
export interface RecordSpec {
  /** The run id the record carries (see recordId). */
  id?: string;
  topic: string;
  partition?: number | null;
  timestamp?: number | null;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[name: string, value: Buffer]>;
}

/** A record to send that carries its run id. */
export interface SentRecord extends RecordSpec {
  id: string;
}

/** What a producer was told about one record: where it is, or why it failed. */
export type Told =
  | { partition: number; offset: number; timestamp?: number; error?: undefined }
  | { error: string; partition?: undefined; offset?: undefined; timestamp?: undefined };

/** A record read back from a cluster. */
export interface ReadRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Header[];
}

/** {topic: {partition: endOffset}} of one cluster. */
export type EndOffsets = Record<string, Record<string, number>>;

/** Topic -> cluster name, from the stack's topic list (independent of the filter's routing). */
export function topicClusters(): Record<string, string> {
  const v = process.env.STACK_TOPICS;
  const path = v ? (isAbsolute(v) ? v : resolve(process.cwd(), v)) : join(ROOT, "examples", "reference-topics.json");
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
}

/**
 * The topics of the stack's topic list that no topic policy of its plugin configuration covers
 * (docs/schemas.md): plain records can be written to them. Policy topics need framed records.
 */
export function plainTopicClusters(): Record<string, string> {
  const v = process.env.STACK_CONFIG;
  const path = v ? (isAbsolute(v) ? v : resolve(process.cwd(), v)) : join(ROOT, "examples", "reference.json");
  const config = JSON.parse(readFileSync(path, "utf8")) as { topic_policies?: Array<{ topic_prefix: string }> };
  const prefixes = (config.topic_policies ?? []).map((p) => p.topic_prefix);
  return Object.fromEntries(Object.entries(topicClusters()).filter(([t]) => !prefixes.some((p) => t.startsWith(p))));
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs a command with stdin text; resolves {stdout, stderr}; rejects on a non-zero exit. */
export function run(cmd: string, args: string[], { input = "", timeoutMs = 120_000, env }: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) resolveRun({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.slice(0, 6).join(" ")} ... exited ${code ?? signal}` +
        `${signal === "SIGKILL" ? ` (killed after ${timeoutMs} ms)` : ""}\n${stderr.slice(-4000)}`));
    });
    child.stdin.on("error", () => {}); // the child may exit before reading everything
    child.stdin.end(input);
  });
}

const jsonLines = (text: string): unknown[] => text.split("\n").filter((l) => l.trim().startsWith("{")).map((l): unknown => JSON.parse(l));
const b64 = (b: Uint8Array | null | undefined): string | null => (b === null || b === undefined ? null : Buffer.from(b).toString("base64"));
const unb64 = (s: unknown): Buffer | null => (s === null ? null : Buffer.from(String(s), "base64"));

export function specLines(records: readonly RecordSpec[]): string {
  return records.map((r) => JSON.stringify({
    topic: r.topic,
    partition: r.partition ?? null,
    timestamp: r.timestamp ?? null,
    key: b64(r.key),
    value: b64(r.value),
    headers: (r.headers ?? []).map(([k, v]) => [k, b64(v)]),
  })).join("\n") + "\n";
}

/** A producer's JSON line about one record (E2eProducer, confluent_produce.py) as a Told. */
function toldOf(line: unknown): Told {
  const o = asObject(line, "producer output");
  if (o.error !== undefined) return { error: String(o.error) };
  return { partition: num(o.partition), offset: num(o.offset), ...(o.timestamp !== undefined ? { timestamp: num(o.timestamp) } : {}) };
}

export function javaArgs(main: string, ...args: string[]): string[] {
  if (!main.includes(".")) assert.ok(existsSync(join(JAVA_CLASSES, `${main}.class`)), `${main}.class missing: run make e2e-java`);
  return [
    "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
    `-Dlog4j2.configurationFile=${join(ROOT, "tests", "e2e", "java", "log4j2.properties")}`,
    "-cp", `${JAVA_CLASSES}:${KAFKA_LIBS}/*`, main, ...args,
  ];
}

/** Kafka's Java producer (kafka-clients KAFKA_VERSION) through Envoy; props as {name: value}. */
export async function javaProduce(records: readonly RecordSpec[], props: Record<string, string> = {}, bootstrap = stackPorts().envoy): Promise<Told[]> {
  const { stdout } = await run("java", javaArgs("E2eProducer", bootstrap,
    ...Object.entries(props).map(([k, v]) => `${k}=${v}`)), { input: specLines(records) });
  const told = jsonLines(stdout).map(toldOf);
  assert.equal(told.length, records.length, `E2eProducer printed ${told.length} results for ${records.length} records`);
  return told;
}

/** librdkafka through confluent-kafka; returns {told, versions: [confluent-kafka, librdkafka]}. */
export async function confluentProduce(records: readonly RecordSpec[], conf: Record<string, string> = {}, bootstrap = stackPorts().envoy): Promise<{ told: Told[]; versions: string[] }> {
  assert.ok(existsSync(VENV_PYTHON), ".venv missing: run make test-e2e (it installs confluent-kafka)");
  const { stdout } = await run(VENV_PYTHON, [join(ROOT, "tests", "e2e", "confluent_produce.py"), bootstrap,
    ...Object.entries(conf).map(([k, v]) => `${k}=${v}`)], { input: specLines(records) });
  const lines = jsonLines(stdout);
  const last = asObject(lines.pop(), "confluent_produce.py's last line");
  assert.ok(Array.isArray(last.versions), `confluent_produce.py printed no versions: ${JSON.stringify(last)}`);
  const versions = last.versions.map(String);
  assert.equal(lines.length, records.length);
  return { told: lines.map(toldOf), versions };
}

export interface KcatProduce {
  topic: string;
  partition?: number;
  headers?: Array<[string, string]>;
  records: Array<{ key: string; value: string }>;
  codec?: string;
  extra?: string[];
}

/**
 * kcat (librdkafka) producing "key<TAB>value" lines of text to one topic/partition with the
 * same headers on every record; offsets come from its delivery reports (-v).
 */
export async function kcatProduce({ topic, partition, headers = [], records, codec, extra = [] }: KcatProduce, bootstrap = stackPorts().envoy): Promise<Told[]> {
  const args = ["-P", "-b", bootstrap, "-t", topic, "-K", "\t", "-vv", "-X", "message.timeout.ms=60000"];
  if (partition !== undefined) args.push("-p", String(partition));
  if (codec) args.push("-z", codec);
  for (const [k, v] of headers) args.push("-H", `${k}=${v}`);
  args.push(...extra);
  const input = records.map((r) => `${r.key}\t${r.value}`).join("\n") + "\n";
  const { stderr } = await run("kcat", args, { input });
  const told = [...stderr.matchAll(/Message delivered to partition (\d+) \(offset (-?\d+)\)/g)]
    .map((m) => ({ partition: Number(m[1]), offset: Number(m[2]) }));
  assert.equal(told.length, records.length, `kcat reported ${told.length} deliveries for ${records.length} records:\n${stderr.slice(-2000)}`);
  return told;
}

export async function kcatVersion(): Promise<string> {
  const { stdout } = await run("kcat", ["-V"]);
  return /Version (\S+) .*librdkafka (\S+)/s.exec(stdout)?.slice(1, 3).join(" / librdkafka ") ?? stdout.trim();
}

// --- reading back from the clusters -----------------------------------------------------

/** {topic: {partition: endOffset}} of a cluster (by name). */
export async function endOffsets(cluster: string): Promise<EndOffsets> {
  const { stdout } = await run("java", javaArgs("E2eDump", "ends", stackPorts().clusters[cluster].kafka), { timeoutMs: 60_000 });
  const parsed = asObject(JSON.parse(stdout.trim().split("\n").pop() ?? ""), "E2eDump ends");
  const ends: EndOffsets = {};
  for (const t of Object.keys(parsed)) {
    const parts = asObject(parsed[t], `E2eDump ends of ${t}`);
    ends[t] = {};
    for (const p of Object.keys(parts)) ends[t][p] = Number(parts[p]);
  }
  return ends;
}

export interface Range {
  topic: string;
  partition: number;
  from: number;
  /** Exclusive; -1: to the partition's end. */
  to: number;
}

/** One JSON line of E2eDump dump as a record, bytes decoded. */
function readRecordOf(line: unknown): ReadRecord {
  const o = asObject(line, "E2eDump record");
  assert.ok(Array.isArray(o.headers), `E2eDump record without headers: ${JSON.stringify(o)}`);
  return {
    ...o,
    topic: String(o.topic),
    partition: num(o.partition),
    offset: num(o.offset),
    timestamp: num(o.timestamp),
    timestampType: String(o.timestampType),
    key: unb64(o.key),
    value: unb64(o.value),
    headers: o.headers.map((h: unknown): Header => {
      assert.ok(Array.isArray(h), `E2eDump header: ${JSON.stringify(h)}`);
      return [String(h[0]), unb64(h[1])];
    }),
  };
}

/**
 * Records of a cluster in the given ranges [{topic, partition, from, to}] (to exclusive), as
 * {topic, partition, offset, timestamp, timestampType, key, value, headers} with Buffers.
 */
export async function readRanges(cluster: string, ranges: readonly Range[]): Promise<ReadRecord[]> {
  const specs = ranges.filter((r) => r.to < 0 || r.to > r.from).map((r) => `${r.topic}:${r.partition}:${r.from}:${r.to}`);
  if (specs.length === 0) return [];
  const { stdout } = await run("java", javaArgs("E2eDump", "dump", stackPorts().clusters[cluster].kafka, ...specs), { timeoutMs: 120_000 });
  return jsonLines(stdout).map(readRecordOf);
}

/** Every cluster's records between two end-offset snapshots ({cluster: endOffsets}). */
export async function readWindow(before: Record<string, EndOffsets>, after: Record<string, EndOffsets>): Promise<Record<string, ReadRecord[]>> {
  const out: Record<string, ReadRecord[]> = {};
  await Promise.all(Object.keys(after).map(async (cluster) => {
    const ranges: Range[] = [];
    for (const [topic, parts] of Object.entries(after[cluster])) {
      for (const [p, to] of Object.entries(parts)) {
        ranges.push({ topic, partition: Number(p), from: before[cluster]?.[topic]?.[p] ?? 0, to });
      }
    }
    out[cluster] = await readRanges(cluster, ranges);
  }));
  return out;
}

export async function allEndOffsets(): Promise<Record<string, EndOffsets>> {
  const names = Object.keys(stackPorts().clusters);
  const ends = await Promise.all(names.map(endOffsets));
  return Object.fromEntries(names.map((n, i) => [n, ends[i]]));
}

const show = (b: Buffer | null) => (b === null ? "null" : b.length > 48 ? `${b.length} bytes ${b.subarray(0, 24).toString("hex")}...` : `0x${b.toString("hex")}`);

/** Asserts the read record carries exactly the spec's key, value and headers. */
export function assertSameContent(got: ReadRecord, sent: RecordSpec, what: string): void {
  const eq = (a: Buffer | null, b: Buffer | null) => (a === null || b === null ? a === b : Buffer.compare(a, b) === 0);
  assert.ok(eq(got.key, sent.key), `${what}: key ${show(got.key)} != sent ${show(sent.key)}`);
  assert.ok(eq(got.value, sent.value), `${what}: value ${show(got.value)} != sent ${show(sent.value)}`);
  const hs = sent.headers ?? [];
  assert.equal(got.headers.length, hs.length, `${what}: ${got.headers.length} headers, sent ${hs.length}`);
  hs.forEach(([k, v], i) => {
    assert.equal(got.headers[i][0], k, `${what}: header ${i} name`);
    assert.ok(eq(got.headers[i][1], v), `${what}: header ${i} (${k}) ${show(got.headers[i][1])} != sent ${show(v)}`);
  });
}

/** The run id a record carries: its "e2e-id" header, else its key when that starts with `prefix`. */
export function recordId(r: ReadRecord, prefix: string): string | null {
  const h = r.headers.find(([k]) => k === "e2e-id");
  if (h && h[1]) return h[1].toString();
  if (r.key && r.key.toString("latin1").startsWith(prefix)) return r.key.toString("latin1");
  return null;
}

export interface LandedOptions {
  sentBetween?: [number, number];
  ordered?: boolean;
  strict?: boolean;
}

/** A record as read back, with the cluster it was read from. */
export interface LandedRecord extends ReadRecord {
  cluster: string;
}

export interface Landed {
  records: LandedRecord[];
  displaced: Array<{ i: number; id: string; told: number; actual: number }>;
  reordered: Array<{ i: number; id: string; before: string; what: string }>;
}

/**
 * Reads each record back from the cluster its topic belongs to and checks it is the record
 * sent: key, value, headers in order, timestamp (exact when the spec has one, else within
 * `sentBetween` [t0, t1]), in the partition the client was told, at the offset it was told.
 *
 * Records are found by their id (spec.id, carried as for recordId) in the told partition from
 * the lowest told offset to the partition's end. A record found after its told offset, with
 * another record at the told place, is "displaced" (records of concurrent requests interleaved
 * upstream). Displaced records are returned, and fail here unless `strict` is false (tests
 * that count them themselves); any other difference fails.
 * With `ordered` (an idempotent producer), records sent to one partition must be stored in
 * the order they were sent, as Kafka guarantees; those stored before a record sent earlier are
 * returned as "reordered" (a failure unless `strict` is false).
 * Returns {records (as read, in sent order), displaced: [{i, id, told, actual}], reordered: [{i, id, before}]}.
 */
export async function assertLanded(sent: readonly SentRecord[], told: readonly Told[], { sentBetween, ordered = false, strict = true }: LandedOptions = {}): Promise<Landed> {
  assert.equal(told.length, sent.length);
  const clusters = topicClusters();
  const byCluster = new Map<string, Map<string, Range>>();
  const places: Array<{ partition: number; offset: number; timestamp?: number }> = [];
  sent.forEach((s, i) => {
    const t = told[i];
    assert.ok(t && t.error === undefined, `record ${i} (${s.topic}) failed: ${t?.error}`);
    places.push(t);
    assert.ok(Number.isInteger(t.offset) && t.offset >= 0, `record ${i}: offset ${t.offset}`);
    assert.ok(s.id, `record ${i} has no id`);
    if (s.partition !== undefined && s.partition !== null) assert.equal(t.partition, s.partition, `record ${i}: partition`);
    const cluster = clusters[s.topic];
    assert.ok(cluster, `topic ${s.topic} has no cluster in the topic list`);
    let ranges = byCluster.get(cluster);
    if (!ranges) byCluster.set(cluster, (ranges = new Map()));
    const k = `${s.topic}:${t.partition}`;
    const r = ranges.get(k) ?? { topic: s.topic, partition: t.partition, from: t.offset, to: -1 };
    r.from = Math.min(r.from, t.offset);
    ranges.set(k, r);
  });
  const prefix = sent[0]?.id.slice(0, sent[0].id.lastIndexOf("/") + 1) ?? "";
  const at = new Map<string, ReadRecord>();
  const byId = new Map<string, LandedRecord>();
  await Promise.all([...byCluster].map(async ([cluster, ranges]) => {
    for (const r of await readRanges(cluster, [...ranges.values()])) {
      at.set(`${cluster}/${r.topic}:${r.partition}:${r.offset}`, r);
      const id = recordId(r, prefix);
      if (id !== null) {
        const seen = byId.get(id);
        if (seen) assert.fail(`${id} is twice in ${cluster}/${r.topic}:${r.partition}, at ${seen.offset} and ${r.offset}`);
        byId.set(id, { ...r, cluster });
      }
    }
  }));
  const displaced: Landed["displaced"] = [];
  const records = sent.map((s, i) => {
    const t = places[i];
    const place = `${clusters[s.topic]}/${s.topic}:${t.partition}`;
    const got = byId.get(s.id);
    assert.ok(got, `record ${i} (${s.id}) is not in ${place} from offset ${t.offset} on (${at.has(`${place}:${t.offset}`) ? "another record is at the told offset" : "nothing at the told offset"})`);
    assert.equal(got.cluster, clusters[s.topic]);
    assertSameContent(got, s, `record ${i} at ${place}:${got.offset}`);
    assert.equal(got.timestampType, "CreateTime", `record ${i}: timestamp type`);
    if (s.timestamp !== undefined && s.timestamp !== null) {
      assert.equal(got.timestamp, s.timestamp, `record ${i}: timestamp`);
      if (t.timestamp !== undefined && t.timestamp !== -1) assert.equal(t.timestamp, s.timestamp, `record ${i}: timestamp the client was told`);
    } else if (sentBetween) {
      assert.ok(got.timestamp >= sentBetween[0] && got.timestamp <= sentBetween[1],
        `record ${i}: timestamp ${got.timestamp} outside the send window ${sentBetween}`);
    }
    if (got.offset !== t.offset) {
      const other = at.get(`${place}:${t.offset}`);
      const isDisplaced = got.offset > t.offset && other !== undefined;
      if (strict || !isDisplaced) {
        assert.fail(`record ${i} (${s.id}) is at ${place}:${got.offset}, the client was told offset ${t.offset}` +
          (other ? ` (where ${recordId(other, prefix) ?? "another record"} is)` : ""));
      }
      displaced.push({ i, id: s.id, told: t.offset, actual: got.offset });
    }
    return got;
  });
  const reordered: Landed["reordered"] = [];
  if (ordered) {
    const last = new Map<string, { i: number; offset: number }>();
    records.forEach((r, i) => {
      const k = `${r.topic}:${r.partition}`;
      const prev = last.get(k);
      if (prev && r.offset < prev.offset) {
        const what = `record ${i} (${sent[i].id}) sent after record ${prev.i} to ${k} is stored before it (${r.offset} < ${prev.offset})`;
        if (strict) assert.fail(what);
        reordered.push({ i, id: sent[i].id, before: sent[prev.i].id, what });
      }
      if (!prev || r.offset > prev.offset) last.set(k, { i, offset: r.offset });
    });
  }
  return { records, displaced, reordered };
}
