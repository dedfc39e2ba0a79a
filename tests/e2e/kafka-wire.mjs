// Kafka wire encoding for the end-to-end tests, written from the protocol guide (not from
// the filter's code): request frames, ApiVersions v0 and Metadata v1-v8 responses, and a
// raw socket that collects whole response frames.
import assert from "node:assert/strict";
import net from "node:net";

export const API_METADATA = 3;
export const API_VERSIONS = 18;


export function int16(n) { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; }
export function int32(n) { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; }
export function str(s) { const v = Buffer.from(s, "utf8"); return Buffer.concat([int16(v.length), v]); }

/** A request frame with header v1 (api key, version, correlation id, client id). */
export function frame(apiKey, apiVersion, correlationId, body, clientId = "envoy-e2e") {
  const payload = Buffer.concat([int16(apiKey), int16(apiVersion), int32(correlationId), str(clientId), body]);
  return Buffer.concat([int32(payload.length), payload]);
}

export const apiVersionsV0 = (corr) => frame(API_VERSIONS, 0, corr, Buffer.alloc(0));

/** Metadata request v1..v8 for the named topics. */
export function metadataRequest(version, corr, topics) {
  const parts = [int32(topics.length), ...topics.map(str)];
  if (version >= 4) parts.push(Buffer.from([0])); // allow_auto_topic_creation: false
  if (version >= 8) parts.push(Buffer.from([0, 0])); // include cluster/topic authorized operations
  return frame(API_METADATA, version, corr, Buffer.concat(parts));
}

export class Reader {
  constructor(buf) { this.buf = buf; this.pos = 0; }
  need(n) { if (this.pos + n > this.buf.length) throw new Error(`response truncated at ${this.pos}+${n}/${this.buf.length}`); }
  i8() { this.need(1); return this.buf.readInt8(this.pos++); }
  i16() { this.need(2); const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
  i32() { this.need(4); const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  nstr() { const n = this.i16(); if (n < 0) return null; this.need(n); const s = this.buf.toString("utf8", this.pos, this.pos + n); this.pos += n; return s; }
  array(fn) { const n = this.i32(); if (n < 0) return null; const out = []; for (let i = 0; i < n; i++) out.push(fn()); return out; }
  done() { return this.pos === this.buf.length; }
}

export function parseApiVersionsV0(payload) {
  const r = new Reader(payload);
  const correlationId = r.i32();
  const errorCode = r.i16();
  const apis = r.array(() => ({ key: r.i16(), min: r.i16(), max: r.i16() }));
  assert.ok(r.done(), "ApiVersions v0 response has trailing bytes");
  return { correlationId, errorCode, apis };
}

export function parseMetadata(version, payload) {
  const r = new Reader(payload);
  const correlationId = r.i32();
  if (version >= 3) r.i32(); // throttle_time_ms
  const brokers = r.array(() => ({ nodeId: r.i32(), host: r.nstr(), port: r.i32(), rack: r.nstr() }));
  if (version >= 2) r.nstr(); // cluster_id
  const controllerId = r.i32();
  const topics = r.array(() => {
    const t = { errorCode: r.i16(), name: r.nstr(), isInternal: r.i8() !== 0 };
    t.partitions = r.array(() => {
      const p = { errorCode: r.i16(), index: r.i32(), leader: r.i32() };
      if (version >= 7) p.leaderEpoch = r.i32();
      p.replicas = r.array(() => r.i32());
      p.isr = r.array(() => r.i32());
      if (version >= 5) p.offline = r.array(() => r.i32());
      return p;
    });
    if (version >= 8) r.i32(); // topic_authorized_operations
    return t;
  });
  if (version >= 8) r.i32(); // cluster_authorized_operations (v8-v10)
  assert.ok(r.done(), `Metadata v${version} response has trailing bytes`);
  return { correlationId, brokers, controllerId, topics };
}

// --- raw sockets -------------------------------------------------------------------------

/** A connection that collects whole response frames (payload without the size prefix). */
export function connect(host, port) {
  return new Promise((resolveConn, reject) => {
    const sock = net.connect({ host, port });
    const state = { sock, frames: [], buffered: Buffer.alloc(0), closed: false, error: null, waiters: [] };
    const wake = () => { for (const w of state.waiters.splice(0)) w(); };
    sock.on("data", (d) => {
      state.buffered = Buffer.concat([state.buffered, d]);
      while (state.buffered.length >= 4) {
        const size = state.buffered.readInt32BE(0);
        if (size < 0 || state.buffered.length < 4 + size) break;
        state.frames.push(state.buffered.subarray(4, 4 + size));
        state.buffered = state.buffered.subarray(4 + size);
      }
      wake();
    });
    sock.on("error", (e) => { state.error = e; });
    sock.on("close", () => { state.closed = true; wake(); });
    sock.once("connect", () => resolveConn(state));
    sock.once("error", reject);
  });
}

export async function waitFor(state, cond, ms, what) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what} (got ${state.frames.length} frames, ${state.buffered.length} loose bytes, closed=${state.closed})`);
    await new Promise((r) => { state.waiters.push(r); setTimeout(r, Math.min(left, 200)); });
  }
}

export async function roundTrip(host, port, requestBuf, ms = 5000) {
  const c = await connect(host, port);
  try {
    c.sock.write(requestBuf);
    await waitFor(c, () => c.frames.length >= 1 || c.closed, ms, "one response");
    assert.ok(c.frames.length >= 1, `connection closed without an answer${c.error ? `: ${c.error.message}` : ""}`);
    return c.frames[0];
  } finally {
    c.sock.destroy();
  }
}


// --- Produce (v3-v8, non-flexible) and record batches (magic 2) ---------------------------

export const API_PRODUCE = 0;

export function int64(n) { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return b; }
export function bytes32(b) { return b === null ? int32(-1) : Buffer.concat([int32(b.length), b]); }

/** Zig-zag varint (up to 64 bits) as records use. */
export function varint(n) {
  let z = (BigInt(n) << 1n) ^ (BigInt(n) < 0n ? -1n : 0n);
  z = BigInt.asUintN(64, z);
  const out = [];
  while (z >= 0x80n) { out.push(Number(z & 0x7fn) | 0x80); z >>= 7n; }
  out.push(Number(z));
  return Buffer.from(out);
}
const varBytes = (b) => (b === null ? varint(-1) : Buffer.concat([varint(b.length), b]));

const CRC32C_TABLE = (() => {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

/** CRC-32C (Castagnoli), as record batches carry it. */
export function crc32c(buf) {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = CRC32C_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * An uncompressed record batch, magic 2, no producer id: records [{key, value, headers:
 * [[name, Buffer]], timestampDelta?}], base timestamp in ms.
 */
export function recordBatch(records, baseTimestamp) {
  const recs = records.map((r, i) => {
    const hs = r.headers ?? [];
    const body = Buffer.concat([
      Buffer.from([0]), // attributes
      varint(r.timestampDelta ?? 0),
      varint(i),
      varBytes(r.key ?? null),
      varBytes(r.value ?? null),
      varint(hs.length),
      ...hs.flatMap(([k, v]) => [varBytes(Buffer.from(k, "utf8")), varBytes(v)]),
    ]);
    return Buffer.concat([varint(body.length), body]);
  });
  const maxTs = baseTimestamp + Math.max(0, ...records.map((r) => r.timestampDelta ?? 0));
  const afterCrc = Buffer.concat([
    int16(0), // attributes: no compression, CreateTime, not transactional
    int32(records.length - 1), // last offset delta
    int64(baseTimestamp), int64(maxTs),
    int64(-1), int16(-1), int32(-1), // producer id, epoch, base sequence
    int32(records.length),
    ...recs,
  ]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(afterCrc));
  const afterLength = Buffer.concat([int32(0) /* partition leader epoch */, Buffer.from([2]), crc, afterCrc]);
  return Buffer.concat([int64(0), int32(afterLength.length), afterLength]);
}

/** Produce request v3-v8: topics [{name, partitions: [{index, records: Buffer}]}]. */
export function produceRequest(version, corr, { acks = -1, timeoutMs = 30_000, topics }) {
  if (version < 3 || version > 8) throw new Error(`produceRequest: v${version} not encoded here`);
  const body = Buffer.concat([
    int16(-1), // transactional_id: null
    int16(acks), int32(timeoutMs),
    int32(topics.length),
    ...topics.flatMap((t) => [str(t.name), int32(t.partitions.length),
      ...t.partitions.flatMap((p) => [int32(p.index), bytes32(p.records)])]),
  ]);
  return frame(API_PRODUCE, version, corr, body);
}

export function parseProduce(version, payload) {
  const r = new Reader(payload);
  const i64 = () => { r.need(8); const v = r.buf.readBigInt64BE(r.pos); r.pos += 8; return v; };
  const correlationId = r.i32();
  const topics = r.array(() => ({
    name: r.nstr(),
    partitions: r.array(() => {
      const p = { index: r.i32(), errorCode: r.i16(), baseOffset: i64(), logAppendTime: i64() };
      if (version >= 5) p.logStartOffset = i64();
      if (version >= 8) {
        p.recordErrors = r.array(() => ({ batchIndex: r.i32(), message: r.nstr() }));
        p.errorMessage = r.nstr();
      }
      return p;
    }),
  }));
  const throttleTimeMs = r.i32();
  assert.ok(r.done(), `Produce v${version} response has trailing bytes`);
  return { correlationId, topics, throttleTimeMs };
}

// --- InitProducerId v0-v1 (non-flexible) ---------------------------------------------------

export const API_INIT_PRODUCER_ID = 22;

/** InitProducerId for an idempotent (non-transactional) producer. */
export function initProducerIdRequest(version, corr) {
  if (version > 1) throw new Error(`initProducerIdRequest: v${version} not encoded here`);
  return frame(API_INIT_PRODUCER_ID, version, corr, Buffer.concat([int16(-1), int32(60_000)]));
}

export function parseInitProducerId(payload) {
  const r = new Reader(payload);
  const correlationId = r.i32();
  const throttleTimeMs = r.i32();
  const errorCode = r.i16();
  r.need(8);
  const producerId = r.buf.readBigInt64BE(r.pos);
  r.pos += 8;
  const producerEpoch = r.i16();
  assert.ok(r.done(), "InitProducerId response has trailing bytes");
  return { correlationId, throttleTimeMs, errorCode, producerId, producerEpoch };
}
