// Fuzz cases for schema-aware forwarding (docs/schemas.md, docs/fuzz.md "Schema cases"): the
// native reference configuration with a schema registry and topic policies, whose registry calls
// (proxy_http_call GET {base}/schemas/ids/{id} and .../versions) are answered from an in-memory
// registry of the Avro and JSON schemas of tests/fixtures/schema/ (avsc's and ajv's vectors),
// under a per-case fault. Clients send Produce requests whose records carry fixture payloads
// (valid and invalid by avsc/ajv), mutations of them, unframed values, unknown ids, ids of other
// subjects or types, negative ids, tombstones, in plain and gzip batches, some malformed.
//
// The oracle, from the fixtures' verdicts and the registry's contents alone (not the filter's
// code): a partition that reaches the bridge holds no record the verdicts refuse (under
// fail_open: unless a lookup of its id failed within the last second); every partition of every
// request is answered, forwarded ones with NONE (the bridge accepts everything), refused ones
// with INVALID_RECORD (record errors in range, naming records the verdicts do not accept) or
// REQUEST_TIMED_OUT only when fail_closed and a lookup of one of its ids failed; a well-formed
// partition every record of which the verdicts accept is forwarded when no lookup failed.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import * as k from "../lib/kafka/index.ts";
import type { GrpcStream, MeshConnection, MeshVm } from "../wasm-host/host.ts";
import { answerFor, NATIVE_GRPC_METHOD, readNativeProduce } from "../wasm-host/native-bridge.ts";
import { type Case, mutate, type Rng, rng, type Step } from "./cases.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const REGISTRY_CLUSTER = "schema_registry";
const BASE_PATH = "/apis/ccompat/v7";
/** The filter remembers a failed lookup this long (assembly/mesh/schema_registry.ts, docs/schemas.md). */
const FAILED_TTL_MS = 1000;
const INVALID_RECORD = 87;
const REQUEST_TIMED_OUT = 7;

type SchemaType = "AVRO" | "JSON" | "PROTOBUF" | "ANY";
interface SidePolicy {
  required: boolean;
  type: SchemaType;
  validate: "id" | "payload";
}
interface Policy {
  prefix: string;
  value?: SidePolicy;
  key?: SidePolicy;
}

/** The topic policies, first match wins (topics route by the reference rules: app -> c1, a -> c2, b -> c3). */
const POLICIES: readonly Policy[] = [
  { prefix: "avro-pay", value: { required: true, type: "AVRO", validate: "payload" } },
  { prefix: "b-json", value: { required: true, type: "JSON", validate: "payload" } },
  { prefix: "app-proto", value: { required: true, type: "PROTOBUF", validate: "payload" } },
  { prefix: "b-keyed", key: { required: true, type: "AVRO", validate: "payload" }, value: { required: false, type: "JSON", validate: "payload" } },
  { prefix: "app-opt", value: { required: false, type: "AVRO", validate: "payload" } },
  { prefix: "a-ids", value: { required: true, type: "ANY", validate: "id" } },
];
/** Topics the requests name: each policy's own (subjects registered), one whose subject is not ("avro-payload"), two without a policy. */
const TOPICS = ["avro-pay", "avro-pay", "b-json", "b-json", "app-proto", "b-keyed", "b-keyed", "app-opt", "a-ids", "avro-payload", "apple", "b-plain"];
/** Partitions of the clusters the topics route to (examples/reference.json). */
const partitionCount = (topic: string): number => (topic.startsWith("app") ? 1 : topic.startsWith("a") ? 1 : 5);

function policyFor(topic: string): Policy | null {
  return POLICIES.find((p) => topic.startsWith(p.prefix)) ?? null;
}

/** The schema_registry and topic_policies sections of the configuration. */
export function schemasSection(failOpen: boolean): Record<string, unknown> {
  const side = (s: SidePolicy) => ({ required: s.required, schema_type: s.type, subject_strategy: "topic_name", validate: s.validate });
  return {
    // A small cache (64 entries) is full long before the memory check's warm-up ends: with
    // 10 000, the fuzzer's unknown ids kept filling it past the warm-up, and the heap's growth
    // towards the full cache's size (8.5 to 17 MiB over a million frames) read as a leak.
    schema_registry: {
      envoy_cluster: REGISTRY_CLUSTER, authority: "127.0.0.1:8090", base_path: BASE_PATH, timeout_ms: 2000,
      cache_ttl_ms: 300000, negative_cache_ttl_ms: 10000, max_cache_entries: 64, failure_mode: failOpen ? "fail_open" : "fail_closed",
    },
    topic_policies: POLICIES.map((p) => ({
      topic_prefix: p.prefix, ...(p.value ? { value_schema: side(p.value) } : {}), ...(p.key ? { key_schema: side(p.key) } : {}),
    })),
  };
}

// ---------------------------------------------------------------- fixtures and the registry

/** The rows `new <cls>(...)` of a generated fixture file (its arguments are JSON literals). */
function fixtureRows(file: string, cls: string): unknown[][] {
  const text = fs.readFileSync(path.join(ROOT, "tests/fixtures/schema", file), "utf8");
  const rows: unknown[][] = [];
  for (const m of text.matchAll(new RegExp(`^\\s*new ${cls}\\((.*)\\),?$`, "gm"))) rows.push(JSON.parse(`[${m[1]}]`));
  if (rows.length === 0) throw new Error(`no ${cls} rows in ${file}`);
  return rows;
}

interface Payload {
  /** "A<schema index>" or "J<schema index>". */
  schema: string;
  bytes: Buffer;
  valid: boolean;
}
interface Registered {
  id: number;
  type: Exclude<SchemaType, "ANY">;
  text: string;
  subjects: string[];
  /** The payloads' schema key (Payload.schema); "" for Protobuf. */
  schema: string;
}

const PROTO_TEXT = 'syntax = "proto3"; package mesh.fuzz; message Order { string id = 1; int64 amount = 2; }';

interface Fixtures {
  registry: Map<number, Registered>;
  /** Ids by payload schema key: registered under the topics' subjects, or only under another. */
  own: Map<string, number>;
  other: Map<string, number>;
  payloads: Map<string, Payload[]>;
  /** Verdicts by "<schema key>:<hex>" (fixtures, and Protobuf indexes by "P:<hex after the id>"). */
  verdicts: Map<string, boolean>;
  protoPayloads: Array<{ bytes: Buffer; valid: boolean }>;
}

let fixtures: Fixtures | null = null;

function loadFixtures(): Fixtures {
  if (fixtures) return fixtures;
  const registry = new Map<number, Registered>();
  const own = new Map<string, number>();
  const other = new Map<string, number>();
  const payloads = new Map<string, Payload[]>();
  const verdicts = new Map<string, boolean>();
  const avroSchemas = fixtureRows("avro_vectors.ts", "AvroSchemaCase") as Array<[string, string]>;
  const ownSubjects = ["avro-pay-value", "b-keyed-key", "app-opt-value", "a-ids-value"];
  avroSchemas.forEach(([, text], i) => {
    registry.set(100 + i, { id: 100 + i, type: "AVRO", text, subjects: ownSubjects, schema: `A${i}` });
    registry.set(300 + i, { id: 300 + i, type: "AVRO", text, subjects: ["elsewhere-value"], schema: `A${i}` });
    own.set(`A${i}`, 100 + i);
    other.set(`A${i}`, 300 + i);
  });
  // JSON Schemas whose every assertion keyword the filter evaluates (others never refuse: docs/schemas.md).
  const jsonSchemas = fixtureRows("json_vectors.ts", "JsonSchemaCase") as Array<[string, string, boolean, string]>;
  jsonSchemas.forEach(([, text, exact], j) => {
    if (!exact) return;
    registry.set(200 + j, { id: 200 + j, type: "JSON", text, subjects: ["b-json-value", "b-keyed-value", "a-ids-value"], schema: `J${j}` });
    registry.set(400 + j, { id: 400 + j, type: "JSON", text, subjects: ["other-json-value"], schema: `J${j}` });
    own.set(`J${j}`, 200 + j);
    other.set(`J${j}`, 400 + j);
  });
  registry.set(500, { id: 500, type: "PROTOBUF", text: PROTO_TEXT, subjects: ["app-proto-value", "a-ids-value"], schema: "" });
  registry.set(501, { id: 501, type: "PROTOBUF", text: PROTO_TEXT, subjects: ["elsewhere-value"], schema: "" });
  const add = (schema: string, hex: string, valid: boolean) => {
    if (!own.has(schema)) return;
    const list = payloads.get(schema) ?? [];
    list.push({ schema, bytes: Buffer.from(hex, "hex"), valid });
    payloads.set(schema, list);
    verdicts.set(`${schema}:${hex}`, valid);
  };
  for (const [, s, hex, valid] of fixtureRows("avro_vectors.ts", "AvroPayloadCase") as Array<[string, number, string, boolean]>) add(`A${s}`, hex, valid);
  for (const [, s, hex, valid] of fixtureRows("json_vectors.ts", "JsonPayloadCase") as Array<[string, number, string, boolean]>) add(`J${s}`, hex, valid);
  const protoPayloads: Array<{ bytes: Buffer; valid: boolean }> = [];
  for (const [, hex, framing, , indexesOk] of fixtureRows("framing_vectors.ts", "FramingCase") as Array<[string, string, string, number, boolean]>) {
    if (framing !== "ok") continue;
    const after = Buffer.from(hex, "hex").subarray(5);
    protoPayloads.push({ bytes: after, valid: indexesOk });
    verdicts.set(`P:${after.toString("hex")}`, indexesOk);
  }
  fixtures = { registry, own, other, payloads, verdicts, protoPayloads };
  return fixtures;
}

// ---------------------------------------------------------------- the oracle's verdicts

type Verdict = "pass" | "fail" | "unknown";

function framed(id: number, payload: Uint8Array): Buffer {
  const b = Buffer.alloc(5 + payload.length);
  b.writeInt32BE(id | 0, 1);
  b.set(payload, 5);
  return b;
}

/** The schema id of a Confluent-framed value (magic 0, 4-byte big-endian id), or null. */
function schemaIdOf(bytes: Uint8Array | null): number | null {
  if (bytes === null || bytes.length < 5 || bytes[0] !== 0) return null;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).readInt32BE(1);
}

/**
 * What the fixtures and the registry say of one side of a record: pass, fail, or unknown (a
 * payload no independent verdict covers). A framed value naming a negative id names no registry
 * id: it is refused whatever the policy (docs/schemas.md, unknown_id).
 */
function sideVerdict(policy: SidePolicy, subject: string, bytes: Uint8Array | null, extra: Map<string, boolean>): Verdict {
  if (bytes === null) return "pass";
  const id = schemaIdOf(bytes);
  if (id === null) return policy.required ? "fail" : "pass";
  if (id < 0) return "fail";
  const reg = loadFixtures().registry.get(id);
  if (!reg) return "fail";
  if (policy.type !== "ANY" && reg.type !== policy.type) return "fail";
  if (!reg.subjects.includes(subject)) return "fail";
  if (policy.validate !== "payload") return "pass";
  const key = `${reg.type === "PROTOBUF" ? "P" : reg.schema}:${Buffer.from(bytes.subarray(5)).toString("hex")}`;
  const v = loadFixtures().verdicts.get(key) ?? extra.get(key);
  return v === undefined ? "unknown" : v ? "pass" : "fail";
}

function recordVerdict(topic: string, rec: { key: Uint8Array | null; value: Uint8Array | null }, extra: Map<string, boolean>): Verdict {
  const p = policyFor(topic);
  if (!p) return "pass";
  const v = [p.value ? sideVerdict(p.value, `${topic}-value`, rec.value, extra) : "pass", p.key ? sideVerdict(p.key, `${topic}-key`, rec.key, extra) : "pass"];
  return v.includes("fail") ? "fail" : v.includes("unknown") ? "unknown" : "pass";
}

/** Registry ids a record's policy sides name (looked up by the filter). */
function recordIds(topic: string, rec: { key: Uint8Array | null; value: Uint8Array | null }): number[] {
  const p = policyFor(topic);
  const out: number[] = [];
  for (const [side, bytes] of [[p?.value, rec.value], [p?.key, rec.key]] as const) {
    const id = side ? schemaIdOf(bytes) : null;
    if (id !== null && id >= 0) out.push(id);
  }
  return out;
}

// ---------------------------------------------------------------- record batches, read back

interface DecodedRecord {
  key: Buffer | null;
  value: Buffer | null;
}

/** Reads a zig-zag varint at `at`: [value, next offset]; throws when cut. */
function zigzag(b: Buffer, at: number): [number, number] {
  let v = 0n;
  let shift = 0n;
  for (let i = at; i < b.length && i < at + 10; i++) {
    v |= BigInt(b[i] & 0x7f) << shift;
    shift += 7n;
    if (!(b[i] & 0x80)) return [Number((v >> 1n) ^ -(v & 1n)), i + 1];
  }
  throw new Error("varint cut");
}

/**
 * The records of a single record batch (magic 2; uncompressed or gzip), or null when it is not
 * one whole batch with a valid CRC (the bridge's broker refuses those itself).
 */
export function readBatch(batch: Buffer | null): DecodedRecord[] | null {
  try {
    if (batch === null || batch.length < 61) return null;
    const size = batch.readInt32BE(8) + 12;
    if (size !== batch.length || batch[16] !== 2) return null;
    if (k.crc32c(batch.subarray(21)) !== batch.readUInt32BE(17)) return null;
    const codec = batch.readInt16BE(21) & 7;
    const count = batch.readInt32BE(57);
    let body = batch.subarray(61);
    if (codec === 1) body = zlib.gunzipSync(body, { maxOutputLength: 64 << 20 });
    else if (codec !== 0) return null;
    const out: DecodedRecord[] = [];
    let at = 0;
    for (let i = 0; i < count; i++) {
      let len;
      [len, at] = zigzag(body, at);
      const end = at + len;
      let p = at + 1; // attributes
      [, p] = zigzag(body, p); // timestamp delta
      [, p] = zigzag(body, p); // offset delta
      const field = (): Buffer | null => {
        let n;
        [n, p] = zigzag(body, p);
        if (n < 0) return null;
        const v = body.subarray(p, p + n);
        p += n;
        return v;
      };
      const key = field();
      const value = field();
      out.push({ key, value });
      at = end;
    }
    return out;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- the registry's answers

/** How the registry behaves during a case (docs/fuzz.md). */
export const REGISTRY_FAULTS = ["normal", "normal", "normal", "normal", "flaky", "flaky", "slow", "down", "silent"] as const;
export type RegistryFault = (typeof REGISTRY_FAULTS)[number];

/** Per VM: the registry lookups the fuzzer answered, by id (a failed one may let records through under fail_open). */
interface Lookup {
  failed: boolean;
  lastAnswerMs: number;
}
interface VmSchemaState {
  lookups: Map<number, Lookup>;
  seenCalls: Set<number>;
  /** Stream messages checked, per stream. */
  checked: WeakMap<GrpcStream, number>;
}
const vmStates = new WeakMap<MeshVm, VmSchemaState>();
function vmState(vm: MeshVm): VmSchemaState {
  let s = vmStates.get(vm);
  if (!s) vmStates.set(vm, (s = { lookups: new Map(), seenCalls: new Set(), checked: new WeakMap() }));
  return s;
}
const nowMs = (vm: MeshVm): number => Number(vm.timeNs / 1_000_000n);

/** A lookup of `id` failed within the filter's memory of failures. */
function recentFailure(vm: MeshVm, id: number): boolean {
  const l = vmState(vm).lookups.get(id);
  return !!l && l.failed && nowMs(vm) - l.lastAnswerMs <= FAILED_TTL_MS;
}

const CALL_PATH = /\/schemas\/ids\/(-?\d+)(\/versions)?$/;

/** New registry calls start a new lookup of their id (the filter replaced its entry). */
function noteCalls(vm: MeshVm): void {
  const st = vmState(vm);
  for (const call of vm.httpCalls) {
    if (st.seenCalls.has(call.token)) continue;
    st.seenCalls.add(call.token);
    const m = CALL_PATH.exec(call.header(":path") ?? "");
    if (m && !m[2]) st.lookups.set(Number(m[1]), { failed: false, lastAnswerMs: nowMs(vm) });
  }
}

/** The registry's right answer to a call. */
function rightAnswer(pathText: string): { status: number; body: string } {
  const m = CALL_PATH.exec(pathText);
  const reg = m ? loadFixtures().registry.get(Number(m[1])) : undefined;
  if (!m || !pathText.startsWith(BASE_PATH)) return { status: 404, body: '{"error_code":404,"message":"HTTP 404 Not Found"}' };
  if (!reg) return { status: 404, body: '{"error_code":40403,"message":"Schema not found"}' };
  if (m[2]) return { status: 200, body: JSON.stringify(reg.subjects.map((subject, i) => ({ subject, version: i + 1 }))) };
  // Confluent leaves schemaType out for Avro; Apicurio's ccompat API sends it: both, by id.
  return { status: 200, body: JSON.stringify(reg.type === "AVRO" && reg.id % 2 ? { schema: reg.text } : { schema: reg.text, schemaType: reg.type }) };
}

/** Bodies no reader takes for an answer (an HTML error page, cut or random bytes, wrong shapes). */
function garbage(r: Rng, right: string): string {
  switch (r.int(5)) {
    case 0: return "<html><body>502 Bad Gateway</body></html>";
    case 1: return right.slice(0, r.range(1, Math.max(1, right.length - 1)));
    case 2: return "<!" + r.bytes(r.range(8, 64)).toString("latin1");
    case 3: return '{"schema": 42, "subject": null}';
    default: return "[".repeat(r.range(1, 3000));
  }
}

/** Answers (some of) the registry's calls as the fault says; `all`: every one, time passing first for silent or slow registries. */
function answerRegistry(vm: MeshVm, r: Rng, fault: RegistryFault, all: boolean): void {
  noteCalls(vm);
  const calls = vm.httpCalls.filter((c) => c.cluster === REGISTRY_CLUSTER);
  if (calls.length === 0) return;
  if (fault === "silent" && !all) return;
  if (fault === "silent") vm.advanceTime(2000 + r.int(500)); // Envoy's timeout_ms passes: each call fails
  if (fault === "slow") vm.advanceTime(r.range(100, 900));
  const st = vmState(vm);
  for (const call of calls) {
    if (!all && r.chance(fault === "slow" ? 0.6 : 0.3)) continue;
    const p = call.header(":path") ?? "";
    const m = CALL_PATH.exec(p);
    const right = rightAnswer(p);
    let failed = true;
    if (fault === "silent") vm.failHttp(call.token);
    else if (fault === "down") {
      if (r.chance(0.5)) vm.failHttp(call.token);
      else vm.answerHttp(call.token, r.pick([500, 502, 503]), '{"error_code":50001,"message":"Error in the backend data store"}');
    } else if (fault === "flaky" && r.chance(0.4)) {
      const k2 = r.int(4);
      if (k2 === 0) vm.failHttp(call.token);
      else if (k2 === 1) vm.answerHttp(call.token, r.pick([500, 503, 429, 401]), "{}");
      else vm.answerHttp(call.token, 200, garbage(r, right.body), [["content-type", "application/json"]]);
    } else {
      vm.answerHttp(call.token, right.status, right.body, [["content-type", "application/vnd.schemaregistry.v1+json"]]);
      failed = false;
    }
    if (m) {
      const id = Number(m[1]);
      const l = st.lookups.get(id) ?? { failed: false, lastAnswerMs: 0 };
      l.failed ||= failed;
      l.lastAnswerMs = nowMs(vm);
      st.lookups.set(id, l);
    }
    if (vm.dead) return;
  }
}

// ---------------------------------------------------------------- a case's requests

/** What the fuzzer sent in one partition, and what the oracle expects of it. */
interface SentPartition {
  topic: string;
  index: number;
  records: Buffer;
  decoded: DecodedRecord[];
  /** A single whole batch, a partition the topic has: only the schema checks may refuse it. */
  wellFormed: boolean;
  verdicts: Verdict[];
  ids: Set<number>;
  forwarded: boolean;
}
interface SentRequest {
  c: number;
  correlationId: number;
  version: number;
  acks: number;
  partitions: SentPartition[];
  /** The time it was sent (its ids' lookups are judged from then on). */
  sentMs: number;
  failedIds: Set<number>;
}

/** A case's state: what was sent, derived verdicts of generated payloads, tallies. */
export interface SchemaCaseState {
  requests: SentRequest[];
  byRecords: Map<string, { part: SentPartition; req: SentRequest }>;
  extra: Map<string, boolean>;
}

export function newSchemaCaseState(): SchemaCaseState {
  return { requests: [], byRecords: new Map(), extra: new Map() };
}

/** Run totals across schema cases (fuzz.ts reports them). */
export const schemaTally = {
  requests: 0, partitions: 0, records: 0, forwardedPartitions: 0, forwardedRecords: 0, invalidRecordPartitions: 0,
  timedOutPartitions: 0, passedOpen: 0, failVerdicts: 0, unknownVerdicts: 0, gzipBatches: 0, malformed: 0,
};

/** A payload of `schema` (fixture payload, valid or not), mutated sometimes; its derived verdict goes to `extra`. */
function payloadFor(r: Rng, schema: string, st: SchemaCaseState): Buffer {
  const f = loadFixtures();
  const list = f.payloads.get(schema) ?? [];
  if (list.length === 0) return Buffer.alloc(0);
  const valid = list.filter((p) => p.valid);
  const base = r.chance(0.7) && valid.length ? r.pick(valid) : r.pick(list);
  if (r.chance(0.7)) return base.bytes;
  let out: Buffer;
  let derived: boolean | undefined;
  const avro = schema.startsWith("A");
  switch (r.int(4)) {
    case 0: // cut short: a valid Avro encoding is read deterministically, so a strict prefix never is one
      out = base.bytes.subarray(0, r.int(base.bytes.length));
      if (avro && base.valid && out.length < base.bytes.length) derived = false;
      break;
    case 1: { // extended: Avro must be consumed exactly; JSON after a value only takes whitespace
      const tail = avro ? r.bytes(r.range(1, 4)) : Buffer.from(r.pick([",", "}", "x", "]", "\u0000", "#1"]), "latin1");
      out = Buffer.concat([base.bytes, tail]);
      if (base.valid) derived = false;
      break;
    }
    case 2: { // one bit flipped
      out = Buffer.from(base.bytes);
      if (out.length) out[r.int(out.length)] ^= 1 << r.int(8);
      break;
    }
    default:
      out = mutate(r, base.bytes);
  }
  const key = `${schema}:${out.toString("hex")}`;
  if (derived !== undefined && !f.verdicts.has(key)) st.extra.set(key, derived);
  return out;
}

const keysByType = new Map<string, string[]>();
/** The payload schema keys of Avro ("A...") or JSON ("J...") ids. */
function schemaKeys(type: string): string[] {
  let list = keysByType.get(type);
  if (!list) keysByType.set(type, (list = [...loadFixtures().own.keys()].filter((s) => s.startsWith(type === "AVRO" ? "A" : "J"))));
  return list;
}

/** One side (key or value) of a record under `policy` (null: no policy on that side). */
function genSide(r: Rng, policy: SidePolicy | undefined, st: SchemaCaseState, cleanly: boolean): Buffer | null {
  const f = loadFixtures();
  if (!policy) return r.chance(0.1) ? null : Buffer.from(`plain-${r.u32().toString(36)}`);
  const type = policy.type === "ANY" ? r.pick(["AVRO", "JSON", "PROTOBUF"] as const) : policy.type;
  const schemas = schemaKeys(type);
  const good = (): Buffer => {
    if (type === "PROTOBUF") {
      const p = r.pick(f.protoPayloads.filter((x) => x.valid || !cleanly));
      return framed(500, p.bytes);
    }
    const s = r.pick(schemas);
    const valid = f.payloads.get(s)!.filter((p) => p.valid);
    return framed(f.own.get(s)!, cleanly && valid.length ? r.pick(valid).bytes : payloadFor(r, s, st));
  };
  if (cleanly) return r.chance(0.05) ? null : good();
  const kind = r.int(100);
  if (kind < 50) return good();
  if (kind < 58) {
    // Not in the wire format: a plain value, magic byte 1, fewer than 5 bytes, nothing.
    return r.pick([Buffer.from('{"id":7}'), Buffer.from("hello"), Buffer.from([1, 0, 0, 0, 100, 2]), Buffer.from([0, 0, 0]), Buffer.alloc(0), r.bytes(r.int(40))]);
  }
  const s = type === "PROTOBUF" ? "" : r.pick(schemas);
  const payload = type === "PROTOBUF" ? r.pick(f.protoPayloads).bytes : r.pick(f.payloads.get(s)!).bytes;
  if (kind < 66) return framed(r.pick([0, 1, 99, 600, 999, 4242, 65536, 0x7fffffff, r.range(600, 2 ** 31 - 1)]), payload); // unknown ids
  if (kind < 74) return framed(type === "PROTOBUF" ? 501 : f.other.get(s)!, payload); // registered under another subject only
  if (kind < 80) return framed(type === "AVRO" ? r.pick([...f.own.entries()].filter(([x]) => x.startsWith("J")))[1] : 100 + r.int(4), payload); // another type
  if (kind < 86) return framed(r.pick([-1, -2, -0x80000000, -(r.range(1, 2 ** 31 - 1))]), payload); // negative ids
  if (kind < 94) return null; // a tombstone (value) or no key
  return Buffer.concat([good(), r.chance(0.5) ? Buffer.alloc(0) : r.bytes(r.range(1, 3))]);
}

let batchClock = 1_700_000_000_000;

/** Gzip records sections of one zero-filled value past 1 MiB, compressed once each (a ~1 KB batch). */
const bombSections = new Map<number, Buffer>();
function bombBatch(size: number, baseTimestamp: number): Buffer {
  const spec: k.RecordSpec[] = [{ key: null, value: Buffer.alloc((1 << 20) + 4096 * (size + 1)) }];
  return k.recordBatch(spec, {
    baseTimestamp, codec: 1,
    compress: (b) => {
      let z = bombSections.get(size);
      if (!z) bombSections.set(size, (z = zlib.gzipSync(b, { level: 9 })));
      return z;
    },
  });
}

/** One partition's records bytes: a batch (plain or gzip), sometimes malformed. */
function genPartition(r: Rng, topic: string, st: SchemaCaseState): SentPartition {
  const p = policyFor(topic);
  const cleanly = r.chance(0.45);
  const n = r.chance(0.1) ? r.range(6, 40) : r.range(1, 5);
  const specs: k.RecordSpec[] = [];
  for (let i = 0; i < n; i++) specs.push({ key: genSide(r, p?.key, st, cleanly), value: genSide(r, p?.value, st, cleanly) ?? null });
  const gzip = r.chance(0.3);
  if (gzip) schemaTally.gzipBatches++;
  // A unique base timestamp keeps each batch's bytes apart (the oracle finds sent partitions by their bytes).
  let records = k.recordBatch(specs, { baseTimestamp: batchClock++, codec: gzip ? 1 : 0, compress: (b) => zlib.gzipSync(b) });
  let index = r.int(partitionCount(topic));
  let wellFormed = true;
  if (r.chance(0.1)) {
    wellFormed = false;
    schemaTally.malformed++;
    switch (r.int(6)) {
      case 0: records = Buffer.from(records); records[r.range(21, records.length - 1)] ^= 1 << r.int(8); break; // CRC no longer matches
      case 1: records = Buffer.concat([records, k.recordBatch(specs.slice(0, 1), { baseTimestamp: batchClock++ })]); break; // two batches
      case 2: records = records.subarray(0, r.int(records.length)); break;
      case 3: index = r.pick([-1, partitionCount(topic), 1000]); break;
      case 4: {
        // A gzip batch decompressing past max_decompressed_bytes (the fuzz configuration's 1 MiB frame limit).
        records = bombBatch(r.int(4), batchClock++);
        break;
      }
      default: records = Buffer.from(records); records.writeInt32BE(r.pick([0, -1, 1000]), 57); // record count
    }
  }
  const read = readBatch(records);
  const decoded = read ?? [];
  return {
    topic, index, records, decoded, wellFormed: wellFormed && read !== null,
    verdicts: decoded.map((rec) => recordVerdict(topic, rec, st.extra)),
    ids: new Set(decoded.flatMap((rec) => recordIds(topic, rec))),
    forwarded: false,
  };
}

/** The Produce request of a "schema-send" step. */
function genRequest(seed: number, st: SchemaCaseState): { frame: Buffer; req: Omit<SentRequest, "c" | "sentMs" | "failedIds"> } {
  const r = rng(seed, 17);
  const version = r.range(3, 11);
  const acks = r.chance(0.05) ? 0 : r.pick([-1, 1]);
  const names = new Set<string>();
  for (let i = 0, n = r.range(1, 3); i < n; i++) names.add(r.pick(TOPICS));
  const partitions: SentPartition[] = [];
  const topics: k.ProduceTopic[] = [];
  for (const topic of names) {
    const parts: SentPartition[] = [];
    const used = new Set<number>();
    for (let i = 0, n = r.chance(0.2) ? r.range(2, 3) : 1; i < n; i++) {
      const part = genPartition(r, topic, st);
      if (used.has(part.index)) continue; // one entry per partition
      used.add(part.index);
      parts.push(part);
    }
    partitions.push(...parts);
    topics.push({ name: topic, partitions: parts.map((p) => ({ index: p.index, records: p.records })) });
  }
  const correlationId = r.u32() & 0x7fffffff;
  return { frame: k.produceRequest(version, correlationId, { acks, topics }, "schema-fuzz"), req: { correlationId, version, acks, partitions } };
}

const batchKey = (b: Uint8Array | null): string => (b === null || b.length < 21 ? "" : Buffer.from(b.subarray(17)).toString("hex"));

function fail(what: string): never {
  throw new Error(`schema oracle: ${what}`);
}

/**
 * Every Produce message the bridge got since the last look: each partition of a policy topic
 * holds only records the verdicts accept (fail_open: or whose id's lookup failed just now).
 */
function checkForwarded(vm: MeshVm, st: SchemaCaseState, failOpen: boolean): void {
  const vs = vmState(vm);
  for (const stream of vm.grpcStreams) {
    if (stream.method !== NATIVE_GRPC_METHOD) continue;
    for (let i = vs.checked.get(stream) ?? 0; i < stream.messages.length; i++) {
      const msg = readNativeProduce(stream.messages[i]);
      for (const t of msg.request.topics) {
        for (const part of t.partitions) {
          const topic = t.name ?? "";
          const found = st.byRecords.get(batchKey(part.records));
          const sent = found?.part;
          if (sent) sent.forwarded = true;
          const records = readBatch(part.records);
          if (records === null || !policyFor(topic)) continue; // the broker checks what is not a whole batch with its CRC
          schemaTally.forwardedPartitions++;
          records.forEach((rec, n) => {
            schemaTally.forwardedRecords++;
            const v = recordVerdict(topic, rec, st.extra);
            if (v !== "fail") return;
            // Checked when the lookups settled, forwarded maybe later (behind the connection's earlier requests).
            if (failOpen && recordIds(topic, rec).some((id) => recentFailure(vm, id) || found?.req.failedIds.has(id))) {
              schemaTally.passedOpen++;
              return;
            }
            const show = (b: Buffer | null) => (b === null ? "null" : b.length > 48 ? b.subarray(0, 48).toString("hex") + `... (${b.length} bytes)` : b.toString("hex"));
            fail(`${topic}-${part.index} reached the bridge with record ${n} the verdicts refuse: key ${show(rec.key)}, value ${show(rec.value)}` +
              (sent ? ` (sent ${sent.wellFormed ? "well-formed" : "malformed"}, ${sent.records.length} bytes, codec ${sent.records.length > 22 ? sent.records.readInt16BE(21) & 7 : "?"})` : ""));
          });
        }
      }
    }
    vs.checked.set(stream, stream.messages.length);
  }
}

/** The bridge accepts every Produce message (the main cases fuzz its answers). */
function answerStreams(vm: MeshVm, r: Rng, all: boolean): void {
  for (const stream of vm.grpcStreams) {
    while (vm.openGrpc.get(stream.token) === stream && stream.handled < stream.messages.length) {
      if (!all && r.chance(0.3)) break;
      const p = readNativeProduce(stream.messages[stream.handled++]);
      vm.answerGrpc(stream.token, stream.method === NATIVE_GRPC_METHOD ? answerFor(p, () => 1n) : Buffer.alloc(0));
    }
  }
}

/** A schema case's step (cases.ts runSteps): send a request, answer the registry and the bridge, or check the answers. */
export type SchemaStep =
  | { op: "schema-send"; c: number; seed: number }
  | { op: "schema-answer"; seed: number; fault: RegistryFault; all?: boolean }
  | { op: "schema-end" };

export function runSchemaStep(vm: MeshVm, conns: Map<number, MeshConnection>, step: SchemaStep, st: SchemaCaseState, failOpen: boolean): void {
  switch (step.op) {
    case "schema-send": {
      const conn = conns.get(step.c);
      if (!conn || conn.closed) return;
      const { frame, req } = genRequest(step.seed, st);
      const sent: SentRequest = { ...req, c: step.c, sentMs: nowMs(vm), failedIds: new Set() };
      st.requests.push(sent);
      schemaTally.requests++;
      for (const p of sent.partitions) {
        st.byRecords.set(batchKey(p.records), { part: p, req: sent });
        schemaTally.partitions++;
        schemaTally.records += p.decoded.length;
        schemaTally.failVerdicts += p.verdicts.filter((v) => v === "fail").length;
        schemaTally.unknownVerdicts += p.verdicts.filter((v) => v === "unknown").length;
      }
      const r = rng(step.seed, 18);
      if (frame.length > 8 && r.chance(0.3)) {
        const cut = r.range(1, frame.length - 1);
        conn.send(frame.subarray(0, cut));
        if (!conn.closed) conn.send(frame.subarray(cut));
      } else conn.send(frame);
      break;
    }
    case "schema-answer": {
      const r = rng(step.seed, 19);
      for (let round = 0; round < (step.all ? 16 : 1); round++) {
        noteCalls(vm);
        if (step.all && vm.httpCalls.length === 0 && vm.unhandledGrpcMessages() === 0) break;
        answerRegistry(vm, r, step.fault, step.all === true);
        checkForwarded(vm, st, failOpen);
        answerStreams(vm, r, step.all === true);
      }
      break;
    }
    case "schema-end":
      checkAnswers(vm, conns, st, failOpen);
      break;
  }
  // After every step: lookups started, failures answered, what reached the bridge.
  for (const req of st.requests) for (const p of req.partitions) for (const id of p.ids) if (recentFailure(vm, id)) req.failedIds.add(id);
  noteCalls(vm);
  checkForwarded(vm, st, failOpen);
}

/** Every request answered, partition by partition, as the oracle expects. */
function checkAnswers(vm: MeshVm, conns: Map<number, MeshConnection>, st: SchemaCaseState, failOpen: boolean): void {
  if (vm.httpCalls.length !== 0 || vm.unhandledGrpcMessages() !== 0) fail(`${vm.httpCalls.length} registry calls and ${vm.unhandledGrpcMessages()} stream messages left after the last answers`);
  const answers = new Map<number, Map<number, Buffer>>();
  for (const [c, conn] of conns) {
    const byId = new Map<number, Buffer>();
    let frames: Buffer[];
    try {
      frames = k.splitFrames(conn.receivedAll());
    } catch (e) {
      fail(`connection ${c}: answers cut: ${(e as Error).message}`);
    }
    for (const f of frames) byId.set(f.readInt32BE(0), f);
    answers.set(c, byId);
  }
  for (const req of st.requests) {
    const conn = conns.get(req.c)!;
    if (req.acks === 0) continue;
    const frame = answers.get(req.c)!.get(req.correlationId);
    if (!frame) {
      if (conn.closed && conn.closeReason === "client closed") continue; // the client left before its answer
      fail(`no answer to Produce v${req.version} ${req.correlationId} on connection ${req.c} (${conn.closed ? `closed: ${conn.closeReason}` : "open"}; last log: ${conn.lastLog})`);
    }
    const resp = k.readProduceResponse(frame, req.version);
    const got = new Map<string, k.ProducePartitionResponse[]>();
    for (const t of resp.topics) for (const p of t.partitions) {
      const key = `${t.name}/${p.index}`;
      got.set(key, [...(got.get(key) ?? []), p]);
    }
    for (const part of req.partitions) {
      const where = `${part.topic}-${part.index} of Produce v${req.version} ${req.correlationId}`;
      const a = got.get(`${part.topic}/${part.index}`);
      if (!a || a.length !== 1) fail(`${where}: answered ${a?.length ?? 0} times`);
      const { errorCode, recordErrors } = a[0];
      const policy = policyFor(part.topic);
      if (part.forwarded) {
        if (errorCode !== 0) fail(`${where}: forwarded and accepted by the bridge, answered error ${errorCode}`);
        continue;
      }
      if (errorCode === 0) fail(`${where}: answered NONE but never reached the bridge`);
      for (const e of recordErrors ?? []) {
        if (e.batchIndex < 0 || e.batchIndex >= Math.max(1, part.decoded.length)) fail(`${where}: record error batch index ${e.batchIndex} of ${part.decoded.length} records`);
      }
      if (!part.wellFormed || !policy) continue;
      const failed = [...part.ids].some((id) => req.failedIds.has(id) || recentFailure(vm, id));
      if (errorCode === INVALID_RECORD) {
        schemaTally.invalidRecordPartitions++;
        for (const e of recordErrors ?? []) {
          if (part.verdicts[e.batchIndex] === "pass") fail(`${where}: record ${e.batchIndex} refused (${e.message}), the verdicts accept it`);
        }
        if (!part.verdicts.some((v) => v !== "pass")) fail(`${where}: INVALID_RECORD (${a[0].errorMessage}) for records the verdicts all accept`);
      } else if (errorCode === REQUEST_TIMED_OUT) {
        schemaTally.timedOutPartitions++;
        if (failOpen || !failed) fail(`${where}: REQUEST_TIMED_OUT (${a[0].errorMessage}) with ${failOpen ? "fail_open" : "no failed lookup of its ids"}`);
      } else {
        fail(`${where}: error ${errorCode} (${a[0].errorMessage}) for a well-formed partition`);
      }
    }
  }
}

/**
 * Schema case `index`: 1..3 connections, each sending 1..4 Produce requests, interleaved with
 * the registry's and the bridge's answers under the case's registry fault and time passing;
 * sometimes a client leaves with its requests waiting.
 */
export function genSchemaCase(seed: number, index: number): Case {
  const r = rng(seed ^ 0x5343484d, index);
  const fault: RegistryFault = r.pick(REGISTRY_FAULTS);
  const nConn = r.range(1, 3);
  const steps: Step[] = [{ op: "schema-begin" }];
  const left: number[] = [];
  for (let c = 0; c < nConn; c++) {
    steps.push({ op: "connect", c });
    left.push(r.range(1, 4));
  }
  let frames = 0;
  while (left.some((n) => n > 0)) {
    const c = r.pick(left.map((n, i) => (n > 0 ? i : -1)).filter((i) => i >= 0));
    left[c]--;
    frames++;
    steps.push({ op: "schema-send", c, seed: r.u32() });
    if (r.chance(0.4)) steps.push({ op: "schema-answer", seed: r.u32(), fault });
    if (r.chance(0.1)) steps.push({ op: "time", ms: r.pick([10, 500, 1200, 11000, 400000]) });
    if (r.chance(0.02)) {
      steps.push({ op: "close", c });
      left[c] = 0;
    }
  }
  steps.push({ op: "schema-answer", seed: r.u32(), fault, all: true });
  steps.push({ op: "schema-end" });
  for (let c = 0; c < nConn; c++) steps.push({ op: "close", c });
  // A request counts as several frames: it carries many records and lookups.
  return { steps, frames: frames * 4 };
}
