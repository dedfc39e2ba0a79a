// Fuzz case generation and replay. A case is a list of steps on 1..3 connections, made
// deterministically from (seed, case index), so any failure is reproducible from those two
// numbers alone and can be written out as plain steps (tests/fixtures/fuzz-repro/).
import fs from "node:fs";
import path from "node:path";
import * as k from "../wasm-host/kafka.mjs";

/** sfc32: small, fast, good enough for fuzzing; state from two 32-bit words. */
export function rng(seed, index) {
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
  const r = {
    u32: next,
    int: (n) => (n <= 0 ? 0 : next() % n),
    range: (lo, hi) => lo + (next() % (hi - lo + 1)),
    chance: (p) => next() / 4294967296 < p,
    pick: (arr) => arr[next() % arr.length],
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

export function loadCorpus(dir) {
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

function frameOf(payload) {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

function topicName(r, distinct) {
  if (distinct && r.chance(0.5)) return r.pick(["a", "b", "app"]) + r.u32().toString(36);
  if (r.chance(0.1)) return r.bytes(r.int(12)).toString("latin1");
  return r.pick(TOPIC_POOL);
}

function builtRequest(r, opts) {
  const corr = r.u32() | 0;
  switch (r.int(4)) {
    case 0:
      return k.apiVersionsRequest(r.range(-1, 6), corr, r.chance(0.1) ? null : "fuzz");
    case 1:
    case 2: {
      const v = r.range(0, 14);
      let topics = null;
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
    default: {
      // A valid header for any API key and version, with a random body.
      const key = r.range(-1, 93);
      const version = r.range(-1, 20);
      return k.requestFrame(key, version, corr, r.chance(0.2) ? null : "fuzz", r.bytes(r.int(64)));
    }
  }
}

function mutate(r, frame) {
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
export function genFrame(r, corpus, opts) {
  const kind = r.int(100);
  if (kind < 20 && corpus.length) {
    const f = Buffer.from(r.pick(corpus));
    f.writeInt32BE(r.u32() | 0, 8); // correlation id
    return f;
  }
  if (kind < 55 && corpus.length) {
    const payload = mutate(r, r.pick(corpus).subarray(4));
    if (r.chance(0.85)) return frameOf(payload);
    return Buffer.concat([r.bytes(4), payload]); // size prefix left wrong
  }
  if (kind < 80) {
    const f = builtRequest(r, opts);
    return r.chance(0.3) ? frameOf(mutate(r, f.subarray(4))) : f;
  }
  if (kind < 90) {
    // Size prefixes around and past the limit, negative, or with the body cut short.
    const size = r.pick([opts.maxFrameBytes, opts.maxFrameBytes + 1, opts.maxFrameBytes - 1, -1, -0x80000000, 0x7fffffff, 0, 1, 2, 3, 4, 5, 8, r.int(4096)]);
    const head = Buffer.alloc(4);
    head.writeInt32BE(size | 0);
    return Buffer.concat([head, r.bytes(r.int(Math.min(Math.max(size, 0), 2048) + 1))]);
  }
  if (kind < 95) return r.bytes(r.int(256));
  // Huge element counts in an otherwise valid Metadata request.
  const v = r.range(0, 13);
  const f = Buffer.from(k.metadataRequest(v, 1, ["apple"], "fuzz"));
  const headerEnd = 4 + 8 + 2 + 4 + (v >= 9 ? 1 : 0);
  if (v >= 9) f[headerEnd] = 0xff; // compact count as a runaway varint
  else f.writeInt32BE(r.pick([0x7fffffff, 0x10000000, -2, 1000000]), headerEnd);
  if (v >= 9) return frameOf(Buffer.concat([f.subarray(4, headerEnd), Buffer.from(r.pick(BAD_VARINTS)), f.subarray(headerEnd + 1)]));
  return f;
}

const STATUSES = [200, 200, 200, 201, 204, 400, 401, 404, 408, 413, 422, 429, 500, 502, 503, 504, 1, 99, 999, 0];

/** An HTTP answer for a call; { fail: true } for a reset/timeout. */
export function genAnswer(r, call) {
  const status = r.pick(STATUSES);
  if (status === 0) return { fail: true };
  let body;
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
      const offsets = [];
      for (let i = 0; i < n; i++) {
        const o = { partition: r.pick([0, 1, 4, 5, -1, 2147483647, 1e20]), offset: r.pick([0, 1, 42, -1, 9007199254740993, "9223372036854775807", 9.3e18, 1e300, "x", null]) };
        if (r.chance(0.2)) Object.assign(o, { error_code: r.pick([40002, 50002, 1]), message: "bad" });
        offsets.push(o);
      }
      body = JSON.stringify({ offsets, key_schema_id: null });
      if (r.chance(0.2)) body = body.slice(0, r.int(body.length));
    }
  }
  const headers = r.chance(0.2) ? [["content-type", "application/json"]] : [];
  return { status, body: Buffer.from(body, "latin1"), headers };
}

/**
 * Builds the steps of case `index`: connects, sends (frames split at random read
 * boundaries, many frames per read), answers calls, advances time, closes.
 * Returns { steps, frames }.
 */
export function genCase(seed, index, corpus, opts) {
  const r = rng(seed, index);
  const nConn = r.range(1, 3);
  const steps = [];
  let frames = 0;
  const streams = [];
  for (let c = 0; c < nConn; c++) {
    steps.push({ op: "connect", c });
    const parts = [];
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
    if (r.chance(0.05)) steps.push({ op: "time", ms: r.int(60000) });
    if (r.chance(0.03)) steps.push({ op: "close", c: s.c });
  }
  steps.push({ op: "answer", seed: r.u32(), all: true });
  for (let c = 0; c < nConn; c++) if (r.chance(0.8)) steps.push({ op: "close", c });
  return { steps, frames };
}

/**
 * Runs steps against a VM. Calls `onCall(ms, what)` after each step for hang accounting.
 * Connections left open are returned (the fuzzer closes them at the end of the case).
 */
export function runSteps(vm, steps, hooks = {}) {
  const conns = new Map();
  for (const step of steps) {
    hooks.before?.(step);
    switch (step.op) {
      case "connect":
        conns.set(step.c, vm.connect());
        break;
      case "send": {
        const conn = conns.get(step.c);
        if (conn && !conn.closed) conn.send(Buffer.from(step.hex, "hex"));
        break;
      }
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
          const names = [];
          for (let j = 0; j < step.perRequest; j++) names.push(step.prefix + n++);
          const conn = vm.connect();
          conn.send(k.metadataRequest(step.version, i, names, "repro"));
          conn.close();
        }
        break;
      }
      case "answer": {
        const r = rng(step.seed, 7);
        // Answers may make more calls (retries): bounded rounds.
        for (let round = 0; round < (step.all ? 4 : 1); round++) {
          const calls = vm.httpCalls;
          if (calls.length === 0) break;
          for (const call of calls) {
            if (!step.all && r.chance(0.4)) continue;
            const a = genAnswer(r, call);
            if (a.fail) vm.failHttp(call.token);
            else vm.answerHttp(call.token, a.status, a.body, a.headers);
          }
        }
        break;
      }
    }
    hooks.after?.(step);
  }
  return conns;
}
