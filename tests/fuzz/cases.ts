// Fuzz case generation and replay. A case is a list of steps on 1..3 connections, made
// deterministically from (seed, case index), so any failure is reproducible from those two
// numbers alone and can be written out as plain steps (tests/fixtures/fuzz-repro/).
import fs from "node:fs";
import path from "node:path";
import * as k from "../lib/kafka/index.ts";
import type { GrpcStream, HttpCall, MeshConnection, MeshVm, Pair } from "../wasm-host/host.ts";
import {
  answerFor, batchAt, FORWARD_FAULTS, FORWARD_GRPC_METHOD, forwardAnswerBody, type ForwardFault, forwardMessage, type ForwardRequest,
  nativeAnswer, type NativeProduce, readForward, readNativeProduce,
} from "../wasm-host/native-bridge.ts";
import { newSchemaCaseState, runSchemaStep, type SchemaCaseState, type SchemaStep } from "./schemas.ts";
import { runSaslStep, type SaslTally, type SessionState } from "./secure.ts";

const AUTHENTICATIONS = "kafka_mesh.sasl.authentications";

/** A seeded pseudo-random source (rng). */
export interface Rng {
  u32(): number;
  /** 0..n-1 (0 when n <= 0). */
  int(n: number): number;
  /** lo..hi, both included. */
  range(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(arr: readonly T[]): T;
  bytes(n: number): Buffer;
}

/** Seeded bytes of a large send (fillBytes): the size prefix `head`, then bytes from `seed`. */
export interface Fill {
  seed: number;
  from: number;
  n: number;
  head?: number;
}

/** A normal client of a memory case: its connection and the correlation ids it sent, in order. */
export interface NormalClient {
  c: number;
  ids: number[];
}

/** One step of a case, as generated and as stored in replay files (tests/fixtures/fuzz-repro/). */
export type Step =
  | { op: "connect"; c: number }
  | { op: "send"; c: number; hex: string; fill?: undefined }
  | { op: "send"; c: number; fill: Fill; hex?: undefined }
  | { op: "tick" }
  | { op: "check-normals"; normals: NormalClient[]; peakBound: number }
  | { op: "check-idle" }
  | { op: "check-answered" }
  | { op: "close"; c: number }
  | { op: "time"; ms: number }
  | { op: "metadata-distinct"; requests: number; perRequest: number; prefix: string; version: number }
  | { op: "answer"; seed: number; all?: boolean; rounds?: number; forward?: ForwardFault }
  // Security cases (secure.ts): a SASL exchange and its checks; the count of authentications over a case.
  | { op: "sasl"; c: number; seed: number }
  | { op: "sasl-begin" }
  | { op: "sasl-end" }
  // Schema cases (schemas.ts): Produce requests checked against a registry the fuzzer answers, and their oracle.
  | { op: "schema-begin" }
  | SchemaStep;

/** A generated case: its steps and how many client frames they send. */
export interface Case {
  steps: Step[];
  frames: number;
}

/** Options of the main cases' frames. */
export interface FrameOptions {
  maxFrameBytes: number;
  distinctTopics: boolean;
  /** Topic ids the mesh's Metadata answers gave the pool's names (fuzz.ts learns them at start), 32 hex digits by name. */
  topicIds?: ReadonlyMap<string, string>;
}

/** sfc32: small, fast, good enough for fuzzing; state from two 32-bit words. */
export function rng(seed: number, index: number): Rng {
  let a = seed >>> 0, b = index >>> 0, c = 0x9e3779b9, d = 1;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  const r: Rng = {
    u32: next,
    int: (n) => (n <= 0 ? 0 : next() % n),
    range: (lo, hi) => lo + (next() % (hi - lo + 1)),
    chance: (p) => next() / 4294967296 < p,
    pick: <T>(arr: readonly T[]): T => arr[next() % arr.length],
    bytes: (n) => {
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i += 4) {
        const v = next();
        out[i] = v;
        if (i + 1 < n) out[i + 1] = v >>> 8;
        if (i + 2 < n) out[i + 2] = v >>> 16;
        if (i + 3 < n) out[i + 3] = v >>> 24;
      }
      return out;
    },
  };
  return r;
}

export function loadCorpus(dir: string): Buffer[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".bin"))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f)));
}

const INT32 = [0, 1, -1, 2, 127, 128, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, -0x80000000, 0x40000000, 1048576, 1048577];
const INT16 = [0, 1, -1, 2, 0x7f, 0x80, 0xff, 0x7fff, -0x8000, 3, 12, 13, 18, 22, 92, 93];
const BAD_VARINTS = [
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0xff, 0x7f],
  [0x80],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
  [0xfe, 0xff, 0xff, 0xff, 0x07],
  [0x00],
];
const TOPIC_POOL = [
  "apple", "app", "a", "b", "b-orders", "b.x_1", "avocado", "cherries", "c", ".", "..", "bad name",
  "b" + "x".repeat(248), "a" + "y".repeat(249), "", "app\u0000le", "ébène", "b-corpus",
];

/**
 * The topic ids a VM's Metadata answers give the pool's names (those it routes): what a client
 * learns before it fetches by id (v13+). One Metadata v12 request on a connection of its own.
 */
export function learnTopicIds(vm: MeshVm): Map<string, string> {
  const conn = vm.connect();
  const ids = new Map<string, string>();
  try {
    const sent = conn.send(k.metadataRequest(12, 1, TOPIC_POOL, "fuzz-ids"));
    for (const frame of k.splitFrames(sent.delivered)) {
      for (const t of k.readMetadataResponse(frame, 12).topics) if (t.errorCode === 0 && t.name !== null && t.topicId) ids.set(t.name, t.topicId);
    }
  } finally {
    conn.close();
  }
  return ids;
}

function topicName(r: Rng, distinct: boolean): string {
  if (distinct && r.chance(0.5)) return r.pick(["a", "b", "app"]) + r.u32().toString(36);
  if (r.chance(0.1)) return r.bytes(r.int(12)).toString("latin1");
  return r.pick(TOPIC_POOL);
}

function builtRequest(r: Rng, opts: FrameOptions): Buffer {
  const corr = r.u32() | 0;
  switch (r.int(8)) {
    case 0:
      return k.apiVersionsRequest(r.range(-1, 6), corr, r.chance(0.1) ? null : "fuzz");
    case 1:
    case 2: {
      const v = r.range(0, 14);
      let topics: Array<string | k.TopicById> | null = null;
      if (!(v >= 1 && r.chance(0.2))) {
        topics = [];
        const n = r.int(6);
        for (let i = 0; i < n; i++) {
          if (v >= 10 && r.chance(0.3)) topics.push({ id: r.bytes(16).toString("hex"), name: r.chance(0.7) ? null : topicName(r, opts.distinctTopics) });
          else topics.push(topicName(r, opts.distinctTopics));
        }
      }
      return k.metadataRequest(v, corr, topics, "fuzz");
    }
    case 4:
    case 5:
    case 6:
      return consumerRequestFrame(r, opts, corr);
    default: {
      // A valid header for any API key and version, with a random body.
      const key = r.range(-1, 93);
      const version = r.range(-1, 20);
      const clientId = r.chance(0.2) ? null : "fuzz";
      return k.requestFrame(key, version, corr, r.bytes(r.int(64)), clientId);
    }
  }
}

export function mutate(r: Rng, frame: Uint8Array): Buffer {
  let b = Buffer.from(frame);
  const n = r.range(1, 6);
  for (let i = 0; i < n; i++) {
    if (b.length === 0) b = Buffer.alloc(1);
    const at = r.int(b.length);
    switch (r.int(9)) {
      case 0:
        b[at] ^= 1 << r.int(8);
        break;
      case 1:
        b[at] = r.pick([0, 0xff, 0x7f, 0x80, 0x01, 0xfe]);
        break;
      case 2:
        if (at + 2 <= b.length) b.writeInt16BE(r.pick(INT16), at);
        break;
      case 3:
        if (at + 4 <= b.length) b.writeInt32BE(r.pick(INT32), at);
        break;
      case 4: {
        const v = Buffer.from(r.pick(BAD_VARINTS));
        b = Buffer.concat([b.subarray(0, at), v, b.subarray(Math.min(b.length, at + v.length))]);
        break;
      }
      case 5:
        b = Buffer.concat([b.subarray(0, at), r.bytes(r.range(1, 16)), b.subarray(at)]);
        break;
      case 6:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + r.range(1, 16)))]);
        break;
      case 7:
        b = b.subarray(0, at);
        break;
      default: {
        // Duplicate a slice (repeats array elements, records, tagged fields).
        const len = r.range(1, 64);
        const s = b.subarray(at, at + len);
        b = Buffer.concat([b.subarray(0, at), s, s, b.subarray(at)]);
      }
    }
  }
  return b;
}

/** One client "frame": what a connection sends as a unit, possibly malformed. */
export function genFrame(r: Rng, corpus: readonly Buffer[], opts: FrameOptions): Buffer {
  const kind = r.int(100);
  if (kind < 20 && corpus.length) {
    const f = Buffer.from(r.pick(corpus));
    f.writeInt32BE(r.u32() | 0, 8); // correlation id
    return f;
  }
  if (kind < 55 && corpus.length) {
    const payload = mutate(r, r.pick(corpus).subarray(4));
    if (r.chance(0.85)) return k.sizePrefixed(payload);
    return Buffer.concat([r.bytes(4), payload]); // size prefix left wrong
  }
  if (kind < 80) {
    const f = builtRequest(r, opts);
    return r.chance(0.3) ? k.sizePrefixed(mutate(r, f.subarray(4))) : f;
  }
  if (kind < 90) {
    // Size prefixes around and past the limit, negative, or with the body cut short.
    const size = r.pick([opts.maxFrameBytes, opts.maxFrameBytes + 1, opts.maxFrameBytes - 1, -1, -0x80000000, 0x7fffffff, 0, 1, 2, 3, 4, 5, 8, r.int(4096)]);
    const head = Buffer.alloc(4);
    head.writeInt32BE(size | 0);
    return Buffer.concat([head, r.bytes(r.int(Math.min(Math.max(size, 0), 2048) + 1))]);
  }
  if (kind < 95) return r.bytes(r.int(256));
  if (r.chance(0.6)) return consumerLengthMutation(r, opts);
  // Huge element counts in an otherwise valid Metadata request.
  const v = r.range(0, 13);
  const f = Buffer.from(k.metadataRequest(v, 1, ["apple"], "fuzz"));
  const headerEnd = 4 + 8 + 2 + 4 + (v >= 9 ? 1 : 0);
  if (v >= 9) f[headerEnd] = 0xff; // compact count as a runaway varint
  else f.writeInt32BE(r.pick([0x7fffffff, 0x10000000, -2, 1000000]), headerEnd);
  if (v >= 9) return k.sizePrefixed(Buffer.concat([f.subarray(4, headerEnd), Buffer.from(r.pick(BAD_VARINTS)), f.subarray(headerEnd + 1)]));
  return f;
}

const STATUSES = [200, 200, 200, 201, 204, 400, 401, 404, 408, 413, 422, 429, 500, 502, 503, 504, 1, 99, 999, 0];

/** An HTTP answer: a status, body and headers, or a reset/timeout. */
export type Answer = { fail: true } | { fail?: undefined; status: number; body: Buffer; headers: Pair[] };

/** An HTTP answer for a call; { fail: true } for a reset/timeout. */
export function genAnswer(r: Rng, _call: HttpCall): Answer {
  const status = r.pick(STATUSES);
  if (status === 0) return { fail: true };
  let body: string;
  switch (r.int(8)) {
    case 0:
      body = "";
      break;
    case 1:
      body = r.bytes(r.int(512)).toString("latin1");
      break;
    case 2:
      body = "[".repeat(r.range(1, 5000));
      break;
    case 3:
      body = JSON.stringify({ error_code: r.pick([40402, 42201, 50002, 500, -1]), message: "x".repeat(r.int(300)) });
      break;
    default: {
      const n = r.int(8);
      const offsets: object[] = [];
      for (let i = 0; i < n; i++) {
        const o = { partition: r.pick([0, 1, 4, 5, -1, 2147483647, 1e20]), offset: r.pick([0, 1, 42, -1, 9007199254740993, "9223372036854775807", 9.3e18, 1e300, "x", null]) };
        if (r.chance(0.2)) Object.assign(o, { error_code: r.pick([40002, 50002, 1]), message: "bad" });
        offsets.push(o);
      }
      body = JSON.stringify({ offsets, key_schema_id: null });
      if (r.chance(0.2)) body = body.slice(0, r.int(body.length));
    }
  }
  const headers: Pair[] = r.chance(0.2) ? [["content-type", "application/json"]] : [];
  return { status, body: Buffer.from(body, "latin1"), headers };
}

/** A gRPC status a bridge stream may close with (the remote end, a reset, a timeout). */
const GRPC_CLOSE_STATUSES = [0, 1, 2, 4, 8, 13, 14, 14, 16];
const KAFKA_ERRORS = [0, 0, 0, 0, 1, 2, 3, 6, 7, 10, 19, 20, 45, 47, 59, 87, -1, 32767];

/** What the fuzzed bridge does with one stream message. */
export type GrpcAnswer = { close: number } | { bytes: Buffer };

/**
 * The bridge's reply to a message of a native stream: mostly a well-formed ProduceResponse v11
 * answering every partition (offsets and error codes fuzzed), else one that answers another
 * correlation id, leaves a partition out or names one twice, is cut short or is garbage, or a
 * close of the stream.
 */
export function genGrpcAnswer(r: Rng, p: NativeProduce): GrpcAnswer {
  const kind = r.int(100);
  if (kind < 70) {
    const errors = r.chance(0.3);
    return { bytes: answerFor(p, () => BigInt(r.pick([0, 1, 42, 2 ** 31, 2 ** 53]) + r.int(1000)) * (r.chance(0.05) ? -1n : 1n), () => (errors ? r.pick(KAFKA_ERRORS) : 0)) };
  }
  if (kind < 76) return { bytes: answerFor({ ...p, correlationId: r.chance(0.5) ? p.correlationId + 1 : r.u32() | 0 }, () => 1n) };
  if (kind < 82) {
    // A partition left out, or one named twice, or a topic renamed.
    const topics = p.request.topics.map((t) => ({
      name: r.chance(0.2) ? "x" + (t.name ?? "") : t.name,
      partitions: t.partitions.map((part) => ({ index: part.index, errorCode: 0, baseOffset: 5n })),
    }));
    const t = topics[r.int(topics.length)];
    if (t && t.partitions.length > 0) {
      if (r.chance(0.5)) t.partitions.splice(r.int(t.partitions.length), 1);
      else t.partitions.push({ ...t.partitions[0] });
    }
    return { bytes: nativeAnswer(p.correlationId, topics) };
  }
  if (kind < 88) {
    const ok = answerFor(p, () => 3n);
    return { bytes: r.chance(0.5) ? ok.subarray(0, r.int(ok.length)) : Buffer.concat([ok, r.bytes(r.range(1, 8))]) };
  }
  if (kind < 92) return { bytes: r.bytes(r.int(64)) };
  return { close: r.pick(GRPC_CLOSE_STATUSES) };
}

/** Answers (or not) the unhandled messages of the VM's streams; `all`: every one of them. */
function answerStreams(vm: MeshVm, r: Rng, all: boolean, forward: ForwardFault): void {
  for (const stream of vm.grpcStreams) {
    if (stream.method === FORWARD_GRPC_METHOD) answerForwardStream(vm, stream, r, all, forward);
    else answerStream(vm, stream, r, all);
  }
}

function answerStream(vm: MeshVm, stream: GrpcStream, r: Rng, all: boolean): void {
  while (vm.openGrpc.get(stream.token) === stream && stream.handled < stream.messages.length) {
    if (!all && r.chance(0.4)) return; // no answer yet (later, or never: the stream's deadline)
    const message = stream.messages[stream.handled++];
    let p: NativeProduce;
    try {
      p = readNativeProduce(message);
    } catch (e) {
      throw new Error(`stream ${stream.token} (${stream.cluster}): message ${stream.handled - 1} is not a Produce v11: ${(e as Error).message}`);
    }
    const a = genGrpcAnswer(r, p);
    if ("close" in a) vm.closeGrpc(stream.token, a.close);
    else vm.answerGrpc(stream.token, a.bytes);
  }
}

/**
 * Builds the steps of case `index`: connects, sends (frames split at random read
 * boundaries, many frames per read), answers calls, advances time, closes.
 * Returns { steps, frames }.
 */
export function genCase(seed: number, index: number, corpus: readonly Buffer[], opts: FrameOptions): Case {
  const r = rng(seed, index);
  const nConn = r.range(1, 3);
  const steps: Step[] = [];
  let frames = 0;
  const streams: Array<{ c: number; data: Buffer; pos: number }> = [];
  for (let c = 0; c < nConn; c++) {
    steps.push({ op: "connect", c });
    const parts: Buffer[] = [];
    const n = r.range(1, 8);
    for (let i = 0; i < n; i++) parts.push(genFrame(r, corpus, opts));
    frames += n;
    streams.push({ c, data: Buffer.concat(parts), pos: 0 });
  }
  while (streams.some((s) => s.pos < s.data.length)) {
    const s = r.pick(streams.filter((x) => x.pos < x.data.length));
    const left = s.data.length - s.pos;
    const take = r.chance(0.3) ? left : Math.min(left, r.chance(0.5) ? r.range(1, 8) : r.range(1, 600));
    steps.push({ op: "send", c: s.c, hex: s.data.subarray(s.pos, s.pos + take).toString("hex") });
    s.pos += take;
    if (r.chance(0.3)) steps.push({ op: "answer", seed: r.u32() });
    if (r.chance(0.05)) {
      steps.push({ op: "time", ms: r.int(60000) });
      if (r.chance(0.5)) steps.push({ op: "tick" }); // deadlines of unanswered stream messages
    }
    if (r.chance(0.03)) steps.push({ op: "close", c: s.c });
  }
  steps.push({ op: "answer", seed: r.u32(), all: true, rounds: 16 });
  steps.push({ op: "check-answered" });
  for (let c = 0; c < nConn; c++) if (r.chance(0.8)) steps.push({ op: "close", c });
  // The fake bridge's way with this case's Forward messages (docs/fuzz.md).
  const forward: ForwardFault = r.chance(0.6) ? "normal" : r.pick(FORWARD_FAULTS);
  if (forward !== "normal") for (const st of steps) if (st.op === "answer") st.forward = forward;
  return { steps, frames };
}


// ---------------------------------------------------------------- consumer and group requests
//
// Well-formed requests of the consumer and group APIs (docs/consumers.md) at the versions the
// mesh lists (sometimes any version), built with the wire library from Kafka's message
// definitions, so the filter forwards them and the fake bridge answers; the caller mutates
// some (mutate), and consumerLengthMutation overwrites one array count or string/bytes length.

/** Versions the mesh lists for each consumer and group API (docs/consumers.md). */
export const CONSUMER_VERSIONS: Readonly<Record<number, readonly [number, number]>> = {
  [k.ApiKey.Fetch]: [4, 18], [k.ApiKey.ListOffsets]: [1, 10], [k.ApiKey.FindCoordinator]: [0, 6],
  [k.ApiKey.JoinGroup]: [0, 9], [k.ApiKey.SyncGroup]: [0, 5], [k.ApiKey.Heartbeat]: [0, 4], [k.ApiKey.LeaveGroup]: [0, 5],
  [k.ApiKey.OffsetCommit]: [2, 9], [k.ApiKey.OffsetFetch]: [1, 9], [k.ApiKey.DescribeGroups]: [0, 6], [k.ApiKey.ListGroups]: [0, 5],
};
const CONSUMER_KEYS = Object.keys(CONSUMER_VERSIONS).map(Number);
const GROUP_POOL = ["g1", "group-a", "billing-1", "app-consumers", "", "g".repeat(300), "grüppe", "g\u0000x", "connect-x"];
const PARTITIONS = [0, 0, 0, 1, 2, 3, 4, 5, -1, 7, 1000, 0x7fffffff];
const OFFSETS = [0n, 0n, 1n, 42n, 1000n, -1n, -2n, 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n)];
const TIMEOUTS = [0, 0, 1, 100, 500, 5000, 30000, 300000, -1, 0x7fffffff];

function groupName(r: Rng): string {
  return r.chance(0.1) ? r.bytes(r.int(12)).toString("latin1") : r.pick(GROUP_POOL);
}

/** A topic by name and id: the id the mesh's Metadata gave the name (when known), or a random or zero one. */
function topicRef(r: Rng, opts: FrameOptions): { name: string; id: string } {
  const name = topicName(r, opts.distinctTopics);
  const known = opts.topicIds?.get(name);
  const id = known && r.chance(0.8) ? known : r.chance(0.1) ? "0".repeat(32) : r.bytes(16).toString("hex");
  return { name, id };
}

function list<T>(r: Rng, max: number, item: (i: number) => T): T[] {
  const n = r.chance(0.05) ? 0 : r.range(1, max);
  return Array.from({ length: n }, (_, i) => item(i));
}

function partitionList(r: Rng): number[] {
  const n = r.range(1, 4);
  const out = new Set<number>();
  for (let i = 0; i < n; i++) out.add(r.chance(0.9) ? r.int(6) : r.pick(PARTITIONS));
  const ps = [...out];
  if (r.chance(0.05)) ps.push(ps[0]); // a partition named twice
  return ps;
}

function nullable<T>(r: Rng, p: number, v: T): T | null {
  return r.chance(p) ? null : v;
}

/** The body of a request of `apiKey` at version `v`. */
export function consumerBody(r: Rng, opts: FrameOptions, apiKey: number, v: number): k.Data {
  const group = groupName(r);
  const member = r.pick(["", "member-1", "consumer-1-" + r.u32().toString(16), "m".repeat(r.int(400))]);
  const instance = nullable(r, 0.7, "instance-1");
  switch (apiKey) {
    case k.ApiKey.Fetch:
      return {
        replicaId: r.chance(0.95) ? -1 : r.pick([0, 1, -2]), maxWaitMs: r.pick(TIMEOUTS), minBytes: r.pick([0, 1, 1, 1024, -1, 0x7fffffff]),
        maxBytes: r.pick([0x7fffffff, 52428800, 1048576, 100, 1, 0, -1]), isolationLevel: r.pick([0, 0, 1, 2, -1]),
        sessionId: r.chance(0.8) ? 0 : r.pick([1, -1, 123456]), sessionEpoch: r.chance(0.8) ? -1 : r.pick([0, 1, 0x7fffffff]),
        topics: list(r, 4, () => {
          const t = topicRef(r, opts);
          return {
            topic: t.name, topicId: t.id,
            partitions: partitionList(r).map((p) => ({
              partition: p, currentLeaderEpoch: r.chance(0.8) ? -1 : r.int(10), fetchOffset: r.pick(OFFSETS), lastFetchedEpoch: -1,
              logStartOffset: -1n, partitionMaxBytes: r.pick([1048576, 1048576, 0, 1, 100, -1, 0x7fffffff]),
              ...(v >= 18 && r.chance(0.3) ? { highWatermark: r.pick(OFFSETS) } : {}),
            })),
          };
        }),
        forgottenTopicsData: r.chance(0.9) ? [] : list(r, 2, () => { const t = topicRef(r, opts); return { topic: t.name, topicId: t.id, partitions: partitionList(r) }; }),
        rackId: r.chance(0.8) ? "" : "rack-1",
        ...(v >= 12 && r.chance(0.2) ? { clusterId: nullable(r, 0.5, "cluster-x") } : {}),
      };
    case k.ApiKey.ListOffsets:
      return {
        replicaId: -1, isolationLevel: r.pick([0, 1, 2]),
        topics: list(r, 4, () => ({
          name: topicRef(r, opts).name,
          partitions: partitionList(r).map((p) => ({ partitionIndex: p, currentLeaderEpoch: -1, timestamp: r.pick([-1n, -2n, -3n, -4n, -5n, 0n, 1_700_000_000_000n, 2n ** 62n]) })),
        })),
        timeoutMs: r.pick(TIMEOUTS),
      };
    case k.ApiKey.FindCoordinator: {
      const keyType = r.chance(0.8) ? 0 : r.pick([1, 2, -1, 127]);
      return { key: group, keyType, coordinatorKeys: list(r, 5, () => (r.chance(0.2) ? r.pick(["txn-1", "app-txn"]) : groupName(r))) };
    }
    case k.ApiKey.JoinGroup:
      return {
        groupId: group, sessionTimeoutMs: r.pick([10000, 45000, 0, -1]), rebalanceTimeoutMs: r.pick([300000, 60000, 0, -1]), memberId: member,
        groupInstanceId: instance, protocolType: r.chance(0.9) ? "consumer" : "",
        protocols: list(r, 3, (i) => ({ name: ["range", "roundrobin", "cooperative-sticky"][i] ?? "x", metadata: r.bytes(r.int(40)) })),
        reason: nullable(r, 0.5, "rebalance"),
      };
    case k.ApiKey.SyncGroup:
      return {
        groupId: group, generationId: r.pick([1, 0, -1, 7]), memberId: member, groupInstanceId: instance,
        protocolType: nullable(r, 0.3, "consumer"), protocolName: nullable(r, 0.3, "range"),
        assignments: r.chance(0.5) ? [] : list(r, 3, (i) => ({ memberId: i === 0 ? member : `m${i}`, assignment: r.bytes(r.int(40)) })),
      };
    case k.ApiKey.Heartbeat:
      return { groupId: group, generationId: r.pick([1, 0, -1, 7]), memberId: member, groupInstanceId: instance };
    case k.ApiKey.LeaveGroup:
      return { groupId: group, memberId: member, members: list(r, 3, (i) => ({ memberId: i === 0 ? member : `m${i}`, groupInstanceId: nullable(r, 0.7, `instance-${i}`), reason: nullable(r, 0.5, "bye") })) };
    case k.ApiKey.OffsetCommit:
      return {
        groupId: group, generationIdOrMemberEpoch: r.pick([-1, 1, 7, 0]), memberId: r.chance(0.3) ? "" : member, groupInstanceId: instance, retentionTimeMs: -1n,
        topics: list(r, 4, () => {
          const t = topicRef(r, opts);
          return { name: t.name, topicId: t.id, partitions: partitionList(r).map((p) => ({ partitionIndex: p, committedOffset: r.pick(OFFSETS), committedLeaderEpoch: -1, committedMetadata: r.pick([null, "", "meta", "x".repeat(r.int(2000))]) })) };
        }),
      };
    case k.ApiKey.OffsetFetch: {
      const topics = (): k.Data[] | null => (v >= 2 && r.chance(0.3) ? null : list(r, 4, () => { const t = topicRef(r, opts); return { name: t.name, topicId: t.id, partitionIndexes: partitionList(r) }; }));
      return {
        groupId: group, topics: topics(),
        groups: list(r, 3, (i) => ({ groupId: i === 0 ? group : groupName(r), memberId: nullable(r, 0.5, member), memberEpoch: r.pick([-1, 1, 5]), topics: topics() })),
        requireStable: r.chance(0.3),
      };
    }
    case k.ApiKey.DescribeGroups:
      return { groups: list(r, 4, () => groupName(r)), includeAuthorizedOperations: r.chance(0.3) };
    default: // ListGroups
      return { statesFilter: r.chance(0.7) ? [] : ["Stable", "Empty"].slice(0, r.range(1, 2)), typesFilter: r.chance(0.7) ? [] : ["classic"] };
  }
}

/** A consumer or group API and a version for it: mostly one the mesh lists, sometimes any the schema has, or none. */
function consumerApiVersion(r: Rng): [number, number] {
  const apiKey = r.pick(CONSUMER_KEYS);
  const listed = CONSUMER_VERSIONS[apiKey];
  const valid = k.CONSUMER_APIS[apiKey].request.valid;
  const v = r.chance(0.9) ? r.range(listed[0], listed[1]) : r.chance(0.7) ? r.range(valid[0], valid[1]) : r.range(-1, 20);
  return [apiKey, v];
}

/** A well-formed consumer or group request (fields fuzzed within their types). */
export function consumerRequestFrame(r: Rng, opts: FrameOptions, corr: number): Buffer {
  const [apiKey, v] = consumerApiVersion(r);
  return k.consumerRequest(apiKey, v, corr, consumerBody(r, opts, apiKey, v), r.chance(0.1) ? null : "fuzz");
}

/**
 * A consumer or group request with one array count or string/bytes length overwritten: huge,
 * negative, off by one, or (compact encodings) a runaway varint; the size prefix stays right.
 */
export function consumerLengthMutation(r: Rng, opts: FrameOptions): Buffer {
  const [apiKey, v0] = consumerApiVersion(r);
  const v = Math.max(0, Math.min(v0, 18));
  const marks: k.LengthMark[] = [];
  const body = k.encodeBody(k.CONSUMER_APIS[apiKey].request, v, consumerBody(r, opts, apiKey, v), marks);
  const frame = k.requestFrame(apiKey, v, r.u32() | 0, body, "fuzz");
  if (marks.length === 0) return frame;
  const m = r.pick(marks);
  const at = frame.length - body.length + m.at;
  let out: Buffer;
  if (m.flexible) {
    let end = at;
    while (end < frame.length && frame[end] & 0x80) end++;
    const old = new k.Reader(frame, at).uvarint();
    const repl = r.chance(0.5) ? Buffer.from(r.pick(BAD_VARINTS)) : k.uvarint(r.pick([0xffffffff, 0x7fffffff, 0x10000000, 1000000, old + 1, Math.max(0, old - 1), 0]));
    out = Buffer.concat([frame.subarray(0, at), repl, frame.subarray(end + 1)]);
  } else if (m.kind === "string") {
    out = Buffer.from(frame);
    out.writeInt16BE(r.pick([0x7fff, -2, -0x8000, out.readInt16BE(at) + 1, 1000]), at);
  } else {
    out = Buffer.from(frame);
    out.writeInt32BE(r.pick([0x7fffffff, 0x10000000, -2, -0x80000000, 1000000, out.readInt32BE(at) + 1]), at);
  }
  return k.sizePrefixed(out.subarray(4));
}

// ---------------------------------------------------------------- the fake bridge's Forward answers

/** How far a late or silent bridge's case moves the clock before its last answers: past every deadline short of a day. */
export const FORWARD_LATE_MS = 15 * 60 * 1000;
const GROUP_ERRORS = [0, 0, 0, 15, 16, 14, 22, 25, 27, 79, 82, 24, 30, 6, 3, 100];

/** Every array of structures in `d` (nested), for answers that leave one element out or repeat one. */
function structArrays(d: unknown, out: unknown[][] = []): unknown[][] {
  if (Array.isArray(d)) {
    if (d.length && typeof d[0] === "object" && d[0] !== null && !Buffer.isBuffer(d[0])) out.push(d);
    for (const x of d) structArrays(x, out);
  } else if (d && typeof d === "object" && !Buffer.isBuffer(d)) {
    for (const x of Object.values(d)) structArrays(x, out);
  }
  return out;
}

/** Records a Fetch answer carries: mostly a batch at the fetch offset, else hostile ones. */
function fuzzRecords(r: Rng, fetchOffset: bigint): Buffer | null {
  const batch = (n: number, at: bigint) => batchAt(k.recordBatch(k.stringRecords(Array.from({ length: n }, (_, i) => [`k${i}`, "v".repeat(r.int(64))])), { baseTimestamp: 1_700_000_000_000 }), at);
  const at = fetchOffset < 0n || fetchOffset > 2n ** 62n ? 0n : fetchOffset;
  switch (r.int(12)) {
    case 0: return null;
    case 1: return Buffer.alloc(0);
    case 2: return r.bytes(r.int(200));
    case 3: { const b = batch(3, at); return b.subarray(0, r.int(b.length)); } // a partial batch at the end, as brokers send
    case 4: return Buffer.concat([batch(2, at), batch(3, at + 2n), batch(1, at + 5n)]);
    case 5: { const b = batch(2, at); b[r.range(21, b.length - 1)] ^= 0xff; return b; } // CRC no longer matches
    case 6: return batch(r.range(50, 400), at);
    default: return batch(r.range(1, 3), at);
  }
}

/**
 * The fake bridge's reply to a Forward message under the case's fault: normal mostly answers
 * well-formed (error codes, offsets and records fuzzed), sometimes to another correlation id,
 * with an element of an array left out or repeated, cut or with bytes after it, at another
 * version, random bytes, or a close of the stream.
 */
export function genForwardAnswer(r: Rng, req: ForwardRequest, fault: ForwardFault): GrpcAnswer {
  const errors = r.chance(0.3);
  const body = () => forwardAnswerBody(req, {
    error: () => (errors ? r.pick(req.apiKey === k.ApiKey.Fetch || req.apiKey === k.ApiKey.ListOffsets ? KAFKA_ERRORS : GROUP_ERRORS) : 0),
    offset: () => r.pick(OFFSETS),
    highWatermark: (_t, _p, o) => (r.chance(0.9) ? BigInt.asIntN(64, o + BigInt(r.int(10))) : r.pick(OFFSETS)),
    records: (_t, _p, o) => fuzzRecords(r, o),
    coordinator: r.chance(0.9) ? { nodeId: 1, host: "bridge-host", port: 9092 } : { nodeId: r.pick([-1, 0, 0x7fffffff]), host: r.pick(["", "h".repeat(300)]), port: r.pick([-1, 0, 65536]) },
    generationId: r.pick([1, 2, -1, 0x7fffffff]),
    assignment: r.bytes(r.int(64)),
    groups: list(r, 4, () => groupName(r)),
  });
  const ok = () => forwardMessage(req, req.correlationId, body());
  if (fault === "garbage") {
    if (r.chance(0.4)) return { bytes: r.bytes(r.int(64)) };
    const b = ok();
    return { bytes: r.chance(0.5) ? b.subarray(0, r.int(b.length)) : Buffer.concat([b, r.bytes(r.range(1, 8))]) };
  }
  if (fault === "wrong-correlation") return { bytes: forwardMessage(req, r.chance(0.5) ? req.correlationId + 1 : r.u32() | 0, body()) };
  if (fault === "close") return { close: r.pick(GRPC_CLOSE_STATUSES) };
  const kind = r.int(100);
  if (kind < 70) return { bytes: ok() };
  if (kind < 75) return { bytes: forwardMessage(req, r.chance(0.5) ? req.correlationId + 1 : r.u32() | 0, body()) };
  if (kind < 82) {
    const d = body();
    const arrays = structArrays(d);
    if (arrays.length) {
      const a = r.pick(arrays);
      if (r.chance(0.5)) a.splice(r.int(a.length), 1);
      else a.push(a[r.int(a.length)]);
    }
    return { bytes: forwardMessage(req, req.correlationId, d) };
  }
  if (kind < 88) {
    const b = ok();
    return { bytes: r.chance(0.5) ? b.subarray(0, r.int(b.length)) : Buffer.concat([b, r.bytes(r.range(1, 8))]) };
  }
  if (kind < 91) {
    // The right correlation id, another version's encoding.
    const valid = k.CONSUMER_APIS[req.apiKey].response.valid;
    try {
      return { bytes: forwardMessage({ apiKey: req.apiKey, apiVersion: r.range(valid[0], valid[1]) }, req.correlationId, body()) };
    } catch {
      return { bytes: ok() };
    }
  }
  if (kind < 94) return { bytes: r.bytes(r.int(64)) };
  return { close: r.pick(GRPC_CLOSE_STATUSES) };
}

/** Answers (or not) the unhandled messages of a Forward stream under the case's fault. */
function answerForwardStream(vm: MeshVm, stream: GrpcStream, r: Rng, all: boolean, fault: ForwardFault): void {
  if (fault === "late") return; // the last answer step moves the clock past the deadlines first
  if (fault === "never") {
    stream.handled = stream.messages.length;
    return;
  }
  while (vm.openGrpc.get(stream.token) === stream && stream.handled < stream.messages.length) {
    if (!all && r.chance(0.4)) return; // no answer yet
    const message = stream.messages[stream.handled++];
    let req: ForwardRequest;
    try {
      req = readForward(message);
    } catch (e) {
      throw new Error(`stream ${stream.token} (${stream.cluster}, Forward): message ${stream.handled - 1} is not a whole consumer or group request: ${(e as Error).message}`);
    }
    const a = genForwardAnswer(r, req, fault);
    if ("close" in a) vm.closeGrpc(stream.token, a.close);
    else vm.answerGrpc(stream.token, a.bytes);
  }
}

/** Called before and after each step (the fuzzer's hang accounting). */
export interface StepHooks {
  before?(step: Step): void;
  after?(step: Step): void;
}

/**
 * Runs steps against a VM, calling `hooks.before` and `hooks.after` around each step for hang
 * accounting. Connections left open are returned (the fuzzer closes them at the end of the case).
 */
export function runSteps(vm: MeshVm, steps: readonly Step[], hooks: StepHooks = {}): Map<number, MeshConnection> {
  const conns = new Map<number, MeshConnection>();
  const sessions = new Map<number, SessionState>();
  const tally: SaslTally = { base: vm.metric(AUTHENTICATIONS), successes: 0, maybe: 0 };
  let schemaCase: { state: SchemaCaseState; failOpen: boolean } | null = null;
  for (const step of steps) {
    hooks.before?.(step);
    switch (step.op) {
      case "schema-begin": {
        const registry = (JSON.parse(vm.configText) as { schema_registry?: { failure_mode?: string } }).schema_registry;
        schemaCase = { state: newSchemaCaseState(), failOpen: registry?.failure_mode === "fail_open" };
        break;
      }
      case "schema-send":
      case "schema-answer":
      case "schema-end":
        if (!schemaCase) throw new Error(`${step.op} outside a schema case`);
        runSchemaStep(vm, conns, step, schemaCase.state, schemaCase.failOpen);
        break;
      case "connect":
        conns.set(step.c, vm.connect());
        sessions.set(step.c, { user: null, mechanism: null, expiresAtMs: 0, unknown: false });
        break;
      case "sasl": {
        const conn = conns.get(step.c);
        if (conn) runSaslStep(vm, conn, step.seed, sessions.get(step.c)!, tally);
        break;
      }
      case "sasl-begin":
        tally.base = vm.metric(AUTHENTICATIONS);
        tally.successes = 0;
        tally.maybe = 0;
        break;
      case "sasl-end": {
        // Nothing else in the case (ordinary frames, hostile ones) authenticated anyone.
        const n = vm.metric(AUTHENTICATIONS) - tally.base;
        if (n < tally.successes || n > tally.successes + tally.maybe) {
          throw new Error(`${n} authentications in a case whose exchanges the oracle accepted ${tally.successes} times` +
            (tally.maybe ? ` (and up to ${tally.maybe} left waiting for bytes)` : ""));
        }
        break;
      }
      case "send": {
        const conn = conns.get(step.c);
        if (conn && !conn.closed) conn.send(step.hex !== undefined ? Buffer.from(step.hex, "hex") : fillBytes(step.fill));
        break;
      }
      case "tick":
        vm.tick();
        break;
      case "check-normals":
        checkNormals(vm, conns, step);
        break;
      case "check-idle":
        checkIdle(vm);
        break;
      case "check-answered":
        checkAnswered(vm);
        break;
      case "close":
        conns.get(step.c)?.close();
        break;
      case "time":
        vm.advanceTime(step.ms);
        break;
      case "metadata-distinct": {
        // Repeated Metadata requests, each naming `perRequest` new routed topics
        // (prefix + running number), one connection per request.
        let n = 0;
        for (let i = 0; i < step.requests; i++) {
          const names: string[] = [];
          for (let j = 0; j < step.perRequest; j++) names.push(step.prefix + n++);
          const conn = vm.connect();
          conn.send(k.metadataRequest(step.version, i, names, "repro"));
          conn.close();
        }
        break;
      }
      case "answer": {
        const r = rng(step.seed, 7);
        let forward = step.forward ?? "normal";
        if (step.all && (forward === "late" || forward === "never")) {
          // The last answers of a case whose bridge is late or silent: the Forward messages'
          // deadlines pass first (a silent bridge's streams are then closed, as Envoy's would
          // be once its connection gives up), then whatever is still open is answered.
          for (const stream of vm.grpcStreams) if (stream.method === FORWARD_GRPC_METHOD && forward === "never") stream.handled = stream.messages.length;
          vm.advanceTime(FORWARD_LATE_MS);
          vm.tick();
          if (forward === "never") for (const stream of vm.grpcStreams) if (stream.method === FORWARD_GRPC_METHOD) vm.closeGrpc(stream.token, 14);
          forward = "normal";
        }
        // Answers may make more calls or stream messages (retries, requests let through):
        // bounded rounds.
        for (let round = 0; round < (step.all ? step.rounds ?? 4 : 1); round++) {
          const calls = vm.httpCalls;
          if (calls.length === 0 && vm.unhandledGrpcMessages() === 0) break;
          for (const call of calls) {
            if (!step.all && r.chance(0.4)) continue;
            const a = genAnswer(r, call);
            if (a.fail) vm.failHttp(call.token);
            else vm.answerHttp(call.token, a.status, a.body, a.headers);
          }
          answerStreams(vm, r, step.all === true, forward);
        }
        break;
      }
    }
    hooks.after?.(step);
  }
  return conns;
}

// ---------------------------------------------------------------- memory scenarios
//
// Cases against a VM with a small memory budget (fuzz.ts runs them on a VM of their own,
// one case in --memory-every): many connections announcing large frames and sending part of
// them, drips of one byte per read, attackers that give up, all interleaved with normal
// clients sending captured requests, hostile HTTP answers and time passing. After the
// attackers leave, the normal clients must have every answer, in order (or have been closed
// for memory, with their answers so far a correct prefix), and the VM must hold nothing:
// buffered_bytes 0, no connection left, no pending request. The bytes of large sends are
// generated from a seed ({ fill }) so that a case written out for replay stays small.

/** The scaled-down budget memory cases run with: frames, budget, and Envoy's buffer limits. */
export const MEMORY_LIMITS = Object.freeze({
  maxFrameBytes: 256 * 1024,
  maxBufferedBytes: 512 * 1024,
  closeBufferedBytes: 768 * 1024,
  bufferLimit: 64 * 1024,
  readChunk: 8 * 1024,
});

/**
 * The bound on buffered_bytes: the filter admits a read while the VM stays under
 * close_buffered_bytes, and what it admits can pass that by what one read adds: the read itself
 * (at most a read buffer of Envoy's, limit plus one read, for a connection resumed after a hold)
 * or the partial-frame chunk it starts (the filter assembles partial frames in 64 KiB chunks).
 */
export const FILTER_CHUNK_BYTES = 64 * 1024;
/** Budget and Envoy limits of a memory case. */
export type MemoryLimits = typeof MEMORY_LIMITS;

export function memoryPeakBound(limits: MemoryLimits = MEMORY_LIMITS): number {
  return limits.closeBufferedBytes + Math.max(limits.bufferLimit, FILTER_CHUNK_BYTES) + limits.readChunk;
}

/**
 * Bytes [from, from + n) of a stream: the 4-byte size prefix `head` (when given), then
 * pseudo-random bytes from `seed`.
 */
export function fillBytes({ seed, from, n, head }: Fill): Buffer {
  const out = Buffer.alloc(n);
  let i = 0;
  if (head !== undefined) {
    const h = Buffer.alloc(4);
    h.writeInt32BE(head | 0);
    for (; i < n && from + i < 4; i++) out[i] = h[from + i];
  }
  for (; i < n; i++) {
    let x = (Math.imul(from + i, 0x9e3779b1) ^ seed) >>> 0;
    x = Math.imul(x ^ (x >>> 15), 0x85ebca6b) >>> 0;
    out[i] = (x ^ (x >>> 13)) >>> 5;
  }
  return out;
}

/** A normal client's requests: captured frames, valid, each with a fresh correlation id. */
function normalRequests(r: Rng, allCorpus: readonly Buffer[]): { data: Buffer; ids: number[] } {
  // The producer's requests (a normal client expects every answer; consumer requests may be
  // forwarded to a bridge the memory cases answer with faults).
  const corpus = allCorpus.filter((f) => f.length >= 6 && [0, 3, 18, 22].includes(f.readInt16BE(4)));
  const frames: Buffer[] = [];
  const ids: number[] = [];
  const n = r.range(2, 8);
  for (let i = 0; i < n; i++) {
    let f: Buffer;
    if (corpus.length && r.chance(0.7)) f = Buffer.from(r.pick(corpus));
    else if (r.chance(0.5)) f = Buffer.from(k.apiVersionsRequest(r.range(0, 4), 0, "normal"));
    else f = Buffer.from(k.metadataRequest(r.range(1, 12), 0, ["apple", "b-orders", "avocado", "cherries"].slice(0, r.range(1, 4)), "normal"));
    const id = (r.u32() & 0x7fffffff) | 1;
    f.writeInt32BE(id, 8);
    frames.push(f);
    ids.push(id);
  }
  return { data: Buffer.concat(frames), ids };
}

/**
 * Builds memory case `index`: { steps, frames }. Connections: attackers (a size prefix near
 * or at the frame limit, or any size, then part of the body, sometimes all of it), drippers
 * (one byte per read), and 1..4 normal clients.
 */
type Actor =
  | { c: number; kind: "drip" | "attack"; head: number; total: number; pos: number; seed: number }
  | { c: number; kind: "normal"; data: Buffer; total: number; pos: number };

export function genMemoryCase(seed: number, index: number, corpus: readonly Buffer[], limits: MemoryLimits = MEMORY_LIMITS): Case {
  const r = rng(seed ^ 0x4d454d21, index);
  const steps: Step[] = [];
  const actors: Actor[] = [];
  let c = 0;
  const nAttackers = r.chance(0.3) ? r.range(40, 160) : r.range(2, 40);
  const F = limits.maxFrameBytes;
  for (let i = 0; i < nAttackers; i++) {
    const drip = r.chance(0.25);
    const head = r.pick([F, F - 1, F - 1, r.range(F >> 1, F), r.range(4097, F), r.range(1, 4096)]);
    let len: number;
    if (drip) len = r.range(1, 64);
    else {
      const k2 = r.int(10);
      if (k2 < 4) len = r.range(1, 4096);
      else if (k2 < 7) len = r.range(4096, 64 * 1024);
      else if (k2 < 9) len = r.range(64 * 1024, Math.max(64 * 1024, head - 1));
      else len = head; // the whole frame: garbage, refused once decoded
    }
    steps.push({ op: "connect", c });
    actors.push({ c, kind: drip ? "drip" : "attack", head, total: 4 + Math.min(len, head), pos: 0, seed: r.u32() });
    c++;
  }
  const normals: NormalClient[] = [];
  for (let i = 0, n = r.range(1, 4); i < n; i++) {
    const { data, ids } = normalRequests(r, corpus);
    steps.push({ op: "connect", c });
    actors.push({ c, kind: "normal", data, total: data.length, pos: 0 });
    normals.push({ c, ids });
    c++;
  }
  let frames = nAttackers + normals.reduce((a, n) => a + n.ids.length, 0);
  // Interleave: attackers in large or small sends, drippers a byte at a time, normal clients
  // in random pieces; answers, time and ticks between; some attackers give up.
  let live = actors.filter((a) => a.pos < a.total);
  let guard = 0;
  while (live.length > 0 && guard++ < 20000) {
    const a = r.pick(live);
    const left = a.total - a.pos;
    let take: number;
    if (a.kind === "drip") take = 1;
    else if (a.kind === "normal") take = r.chance(0.4) ? left : Math.min(left, r.range(1, 300));
    else take = r.chance(0.3) ? left : Math.min(left, r.chance(0.5) ? r.range(1, 64) : r.range(1, 128 * 1024));
    if (a.kind === "normal") steps.push({ op: "send", c: a.c, hex: a.data.subarray(a.pos, a.pos + take).toString("hex") });
    else steps.push({ op: "send", c: a.c, fill: { seed: a.seed, from: a.pos, n: take, head: a.head } });
    a.pos += take;
    if (r.chance(0.1)) steps.push({ op: "answer", seed: r.u32() });
    if (r.chance(0.05)) steps.push({ op: "time", ms: r.range(1, 3000) });
    if (r.chance(0.01)) steps.push({ op: "tick" });
    if (a.kind !== "normal" && r.chance(0.01)) {
      steps.push({ op: "close", c: a.c });
      a.pos = a.total;
    }
    live = live.filter((x) => x.pos < x.total);
  }
  // Whatever a normal client has not sent yet goes now (it expects answers to all of it).
  for (const a of actors) {
    if (a.kind === "normal" && a.pos < a.total) steps.push({ op: "send", c: a.c, hex: a.data.subarray(a.pos).toString("hex") });
  }
  // Drippers that are done stay open with their partial frame, as do attackers: then all go.
  steps.push({ op: "answer", seed: r.u32(), all: true });
  const leaving = actors.filter((a) => a.kind !== "normal").map((a) => a.c);
  for (let i = leaving.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [leaving[i], leaving[j]] = [leaving[j], leaving[i]];
  }
  for (const x of leaving) steps.push({ op: "close", c: x });
  steps.push({ op: "answer", seed: r.u32(), all: true, rounds: 16 });
  steps.push({ op: "check-normals", normals, peakBound: memoryPeakBound(limits) });
  for (const n of normals) steps.push({ op: "close", c: n.c });
  steps.push({ op: "check-idle" });
  return { steps, frames };
}

/**
 * After the attackers left: every normal client has all its answers in order, or was closed
 * for memory with a correct prefix of them; buffered_bytes never passed the bound.
 */
function checkNormals(vm: MeshVm, conns: Map<number, MeshConnection>, step: { normals: NormalClient[]; peakBound: number }): void {
  const g = vm.gauges()["kafka_mesh.buffered_bytes"];
  if (g && g.peak > step.peakBound) throw new Error(`buffered_bytes peaked at ${g.peak}, over ${step.peakBound}`);
  if (g?.underflow) throw new Error("buffered_bytes went below 0");
  for (const n of step.normals) {
    const conn = conns.get(n.c)!;
    let frames: Buffer[];
    try {
      frames = k.splitFrames(conn.receivedAll());
    } catch (e) {
      throw new Error(`normal connection ${n.c}: answers cut: ${(e as Error).message}`);
    }
    const got = frames.map((f) => (f.length >= 4 ? f.readInt32BE(0) : null));
    const prefix = n.ids.slice(0, got.length);
    if (got.length > n.ids.length || got.some((id, i) => id !== prefix[i])) {
      throw new Error(`normal connection ${n.c}: answers ${JSON.stringify(got)} for requests ${JSON.stringify(n.ids)}`);
    }
    if (conn.closed) {
      if (!/buffered bytes/.test(conn.lastLog)) throw new Error(`normal connection ${n.c} closed: ${conn.closeReason}; filter: ${conn.lastLog}`);
      continue;
    }
    if (got.length !== n.ids.length) {
      throw new Error(`normal connection ${n.c}: ${got.length} of ${n.ids.length} answers after the attackers left (read buffer ${conn.readBuffer.length} bytes, socket ${conn.queuedBytes}, ${conn.paused ? "not read" : "read"}; last log: ${conn.lastLog})`);
    }
  }
}

/**
 * After the last answers: no stream message waits for the bridge, and, when no HTTP call is
 * left either, every whole request of the connections still open has had its answer (or its
 * connection was closed): no request is pending.
 */
function checkAnswered(vm: MeshVm): void {
  const unhandled = vm.unhandledGrpcMessages();
  if (unhandled !== 0) throw new Error(`${unhandled} stream messages still unanswered after the last answers`);
  if (vm.httpCalls.length !== 0) return;
  const pending = vm.metric("kafka_mesh.pending_requests");
  if (pending !== 0) throw new Error(`pending_requests ${pending} with every upstream call and stream message answered`);
}

/** Everyone left: the VM holds nothing for anyone. */
function checkIdle(vm: MeshVm): void {
  const m = vm.metrics();
  const bad: string[] = [];
  if ((m["kafka_mesh.buffered_bytes"] ?? 0) !== 0) bad.push(`buffered_bytes ${m["kafka_mesh.buffered_bytes"]}`);
  if ((m["kafka_mesh.connections"] ?? 0) !== 0) bad.push(`connections ${m["kafka_mesh.connections"]}`);
  if ((m["kafka_mesh.pending_requests"] ?? 0) !== 0) bad.push(`pending_requests ${m["kafka_mesh.pending_requests"]}`);
  if (vm.openConnections() !== 0) bad.push(`${vm.openConnections()} connections open`);
  if (vm.unhandledGrpcMessages() !== 0) bad.push(`${vm.unhandledGrpcMessages()} stream messages unanswered`);
  if (bad.length) throw new Error(`after every connection closed: ${bad.join(", ")}`);
}
