// A tiny Kafka wire codec for driving the filter from Node: request builders for the APIs
// the mesh serves and readers for its answers. Written from the protocol definitions
// (kafka.apache.org/protocol), independent of the filter's own codec.

export class KWriter {
  constructor() {
    this.parts = [];
  }
  raw(b) {
    this.parts.push(Buffer.from(b));
    return this;
  }
  i8(v) {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.raw(b);
  }
  i16(v) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.raw(b);
  }
  i32(v) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.raw(b);
  }
  i64(v) {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    return this.raw(b);
  }
  uvarint(v) {
    const out = [];
    v = v >>> 0;
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
    return this.raw(out);
  }
  str(s, flexible) {
    if (s === null) return flexible ? this.uvarint(0) : this.i16(-1);
    const b = Buffer.from(s, "utf8");
    if (flexible) this.uvarint(b.length + 1);
    else this.i16(b.length);
    return this.raw(b);
  }
  bytes(b, flexible) {
    if (b === null) return flexible ? this.uvarint(0) : this.i32(-1);
    if (flexible) this.uvarint(b.length + 1);
    else this.i32(b.length);
    return this.raw(b);
  }
  arrayLen(n, flexible) {
    if (n === null) return flexible ? this.uvarint(0) : this.i32(-1);
    return flexible ? this.uvarint(n + 1) : this.i32(n);
  }
  tags(flexible) {
    return flexible ? this.uvarint(0) : this;
  }
  buffer() {
    return Buffer.concat(this.parts);
  }
}

export class KReader {
  constructor(buf, pos = 0) {
    this.b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    this.p = pos;
  }
  need(n) {
    if (this.p + n > this.b.length) throw new RangeError(`read past end at ${this.p} (+${n} of ${this.b.length})`);
  }
  i8() {
    this.need(1);
    return this.b.readInt8(this.p++);
  }
  bool() {
    return this.i8() !== 0;
  }
  i16() {
    this.need(2);
    const v = this.b.readInt16BE(this.p);
    this.p += 2;
    return v;
  }
  i32() {
    this.need(4);
    const v = this.b.readInt32BE(this.p);
    this.p += 4;
    return v;
  }
  i64() {
    this.need(8);
    const v = this.b.readBigInt64BE(this.p);
    this.p += 8;
    return v;
  }
  uuid() {
    this.need(16);
    const v = this.b.subarray(this.p, this.p + 16).toString("hex");
    this.p += 16;
    return v;
  }
  uvarint() {
    let r = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const c = this.b[this.p++];
      if (c === undefined) throw new RangeError("varint past end");
      r |= (c & 0x7f) << shift;
      if ((c & 0x80) === 0) return r >>> 0;
    }
    throw new RangeError("varint too long");
  }
  str(flexible) {
    const n = flexible ? this.uvarint() - 1 : this.i16();
    if (n < 0) return null;
    this.need(n);
    const s = this.b.toString("utf8", this.p, this.p + n);
    this.p += n;
    return s;
  }
  arrayLen(flexible) {
    return flexible ? this.uvarint() - 1 : this.i32();
  }
  array(flexible, item) {
    const n = this.arrayLen(flexible);
    if (n < 0) return null;
    const out = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }
  skipTags(flexible) {
    if (!flexible) return;
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      const size = this.uvarint();
      this.need(size);
      this.p += size;
    }
  }
  done() {
    return this.p === this.b.length;
  }
}

export const ApiKey = Object.freeze({ Produce: 0, Metadata: 3, ApiVersions: 18, InitProducerId: 22 });

/** First flexible version of the request/response bodies the mesh serves. */
const FLEXIBLE_FROM = { 0: 9, 3: 9, 18: 3, 22: 2 };
export function isFlexible(apiKey, version) {
  const f = FLEXIBLE_FROM[apiKey];
  return f !== undefined && version >= f;
}

/** A whole request frame (size prefix included). */
export function requestFrame(apiKey, version, correlationId, clientId, body) {
  const flexible = isFlexible(apiKey, version);
  const w = new KWriter().i16(apiKey).i16(version).i32(correlationId).str(clientId, false).tags(flexible);
  const payload = Buffer.concat([w.buffer(), body]);
  return Buffer.concat([new KWriter().i32(payload.length).buffer(), payload]);
}

export function apiVersionsRequest(version, correlationId, clientId = "wasm-host") {
  const flexible = version >= 3;
  const w = new KWriter();
  if (flexible) w.str("kafka-mesh-host", true).str("1.0", true).tags(true);
  return requestFrame(ApiKey.ApiVersions, version, correlationId, clientId, w.buffer());
}

/**
 * Metadata request for topics (null: all topics, v1+). A topic is a name, or
 * { id: 32 hex digits, name: string|null } to ask by topic id (v10+).
 */
export function metadataRequest(version, correlationId, topics, clientId = "wasm-host") {
  const flexible = version >= 9;
  const w = new KWriter();
  if (topics === null && version >= 1) w.arrayLen(null, flexible);
  else {
    const list = topics ?? [];
    w.arrayLen(list.length, flexible);
    for (const t of list) {
      const name = typeof t === "string" ? t : t.name;
      if (version >= 10) w.raw(typeof t === "string" || !t.id ? Buffer.alloc(16) : Buffer.from(t.id, "hex"));
      w.str(name, flexible);
      w.tags(flexible);
    }
  }
  if (version >= 4) w.i8(1);
  if (version >= 8 && version <= 10) w.i8(0);
  if (version >= 8) w.i8(0);
  w.tags(flexible);
  return requestFrame(ApiKey.Metadata, version, correlationId, clientId, w.buffer());
}

/** Splits a byte stream into response frames; throws on a truncated tail. */
export function splitFrames(bytes) {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames = [];
  let p = 0;
  while (p < b.length) {
    if (p + 4 > b.length) throw new RangeError("truncated frame size");
    const n = b.readInt32BE(p);
    if (n < 0 || p + 4 + n > b.length) throw new RangeError(`truncated frame of ${n} bytes`);
    frames.push(b.subarray(p + 4, p + 4 + n));
    p += 4 + n;
  }
  return frames;
}

/** ApiVersions response (header v0 in every version, Kafka's rule for this API). */
export function readApiVersionsResponse(frame, version) {
  const r = new KReader(frame);
  const correlationId = r.i32();
  const flexible = version >= 3;
  const errorCode = r.i16();
  const apis = r.array(flexible, () => {
    const a = { apiKey: r.i16(), minVersion: r.i16(), maxVersion: r.i16() };
    r.skipTags(flexible);
    return a;
  });
  const throttleMs = version >= 1 ? r.i32() : 0;
  r.skipTags(flexible);
  return { correlationId, errorCode, apis, throttleMs, complete: r.done() };
}

export function readMetadataResponse(frame, version) {
  const r = new KReader(frame);
  const flexible = version >= 9;
  const correlationId = r.i32();
  r.skipTags(flexible);
  const throttleMs = version >= 3 ? r.i32() : 0;
  const brokers = r.array(flexible, () => {
    const b = { nodeId: r.i32(), host: r.str(flexible), port: r.i32() };
    if (version >= 1) b.rack = r.str(flexible);
    r.skipTags(flexible);
    return b;
  });
  const clusterId = version >= 2 ? r.str(flexible) : null;
  const controllerId = version >= 1 ? r.i32() : -1;
  const topics = r.array(flexible, () => {
    const t = { errorCode: r.i16(), name: r.str(flexible) };
    if (version >= 10) t.topicId = r.uuid();
    if (version >= 1) t.isInternal = r.bool();
    t.partitions = r.array(flexible, () => {
      const p = { errorCode: r.i16(), partitionIndex: r.i32(), leaderId: r.i32() };
      if (version >= 7) p.leaderEpoch = r.i32();
      p.replicaNodes = r.array(flexible, () => r.i32());
      p.isrNodes = r.array(flexible, () => r.i32());
      if (version >= 5) p.offlineReplicas = r.array(flexible, () => r.i32());
      r.skipTags(flexible);
      return p;
    });
    if (version >= 8) t.authorizedOperations = r.i32();
    r.skipTags(flexible);
    return t;
  });
  if (version >= 8 && version <= 10) r.i32();
  const errorCode = version >= 13 ? r.i16() : 0;
  r.skipTags(flexible);
  return { correlationId, throttleMs, brokers, clusterId, controllerId, topics, errorCode, complete: r.done() };
}

/** Produce response, v3..13 (v13 names topics by id; v9+ flexible with response header v1). */
export function readProduceResponse(frame, version) {
  const r = new KReader(frame);
  const flexible = version >= 9;
  const correlationId = r.i32();
  r.skipTags(flexible);
  const topics = r.array(flexible, () => {
    const t = version >= 13 ? { topicId: r.uuid() } : { name: r.str(flexible) };
    t.partitions = r.array(flexible, () => {
      const p = { index: r.i32(), errorCode: r.i16(), baseOffset: r.i64() };
      if (version >= 2) p.logAppendTimeMs = r.i64();
      if (version >= 5) p.logStartOffset = r.i64();
      if (version >= 8) {
        p.recordErrors = r.array(flexible, () => {
          const e = { batchIndex: r.i32(), message: r.str(flexible) };
          r.skipTags(flexible);
          return e;
        });
        p.errorMessage = r.str(flexible);
      }
      r.skipTags(flexible);
      return p;
    });
    r.skipTags(flexible);
    return t;
  });
  const throttleMs = version >= 1 ? r.i32() : 0;
  r.skipTags(flexible);
  return { correlationId, topics, throttleMs, complete: r.done() };
}
