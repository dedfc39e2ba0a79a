// A tiny Kafka "broker" for capturing the Produce requests real clients send.
//
// It listens on 127.0.0.1:<port>, answers ApiVersions (Produce v3..v12, Metadata v0..v12,
// InitProducerId v0..v5; Fetch v4..v12 and FindCoordinator v0..v4 advertised only), Metadata (itself as the only broker, every topic with 5 partitions)
// and InitProducerId (a fixed producer id), and for each Produce request appends the raw
// request frame (size prefix included) as hex to the output file (one JSON line per frame),
// then answers success. Usage: node server.mjs <port> <out.jsonl>
import net from "node:net";
import fs from "node:fs";

const port = Number(process.argv[2] || 19192);
const out = process.argv[3] || "capture.jsonl";
const PARTITIONS = 5;
const PRODUCER_ID = 4242n;

// librdkafka only writes magic 2 batches when the broker also advertises Fetch v4+ (its
// MsgVer2 feature test); CAPTURE_NO_FETCH=1 leaves Fetch out to capture its magic 1 fallback.
const APIS = [
  [0, 3, 12], // Produce
  ...(process.env.CAPTURE_NO_FETCH === "1" ? [] : [[1, 4, 12]]), // Fetch (advertised, never served)
  [10, 0, 4], // FindCoordinator (advertised, never served): librdkafka's LZ4 feature test needs it
  [3, 0, 12], // Metadata
  [18, 0, 4], // ApiVersions
  [22, 0, 5], // InitProducerId
];

class W {
  constructor() { this.parts = []; }
  i8(v) { const b = Buffer.alloc(1); b.writeInt8(v); this.parts.push(b); }
  i16(v) { const b = Buffer.alloc(2); b.writeInt16BE(v); this.parts.push(b); }
  i32(v) { const b = Buffer.alloc(4); b.writeInt32BE(v); this.parts.push(b); }
  i64(v) { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); this.parts.push(b); }
  uv(v) { const a = []; while (v >= 0x80) { a.push((v & 0x7f) | 0x80); v >>>= 7; } a.push(v); this.parts.push(Buffer.from(a)); }
  raw(b) { this.parts.push(b); }
  str(s, compact) { const b = Buffer.from(s, "utf8"); if (compact) this.uv(b.length + 1); else this.i16(b.length); this.raw(b); }
  nstr(s, compact) { if (s === null) { if (compact) this.uv(0); else this.i16(-1); } else this.str(s, compact); }
  arr(n, compact) { if (compact) this.uv(n + 1); else this.i32(n); }
  tags(flex) { if (flex) this.uv(0); }
  buf() { return Buffer.concat(this.parts); }
}

class R {
  constructor(b, pos = 0) { this.b = b; this.p = pos; }
  i8() { return this.b.readInt8(this.p++); }
  i16() { const v = this.b.readInt16BE(this.p); this.p += 2; return v; }
  i32() { const v = this.b.readInt32BE(this.p); this.p += 4; return v; }
  uv() { let r = 0, s = 0, c; do { c = this.b[this.p++]; r |= (c & 0x7f) << s; s += 7; } while (c & 0x80); return r >>> 0; }
  nstr(compact) { const n = compact ? this.uv() - 1 : this.i16(); if (n < 0) return null; const s = this.b.toString("utf8", this.p, this.p + n); this.p += n; return s; }
  bytes(compact) { const n = compact ? this.uv() - 1 : this.i32(); if (n < 0) return null; const s = this.b.subarray(this.p, this.p + n); this.p += n; return s; }
  arr(compact) { return compact ? this.uv() - 1 : this.i32(); }
  skipTags() { const n = this.uv(); for (let i = 0; i < n; i++) { this.uv(); const sz = this.uv(); this.p += sz; } }
}

function flexible(key, version) {
  return (key === 0 && version >= 9) || (key === 3 && version >= 9) || (key === 18 && version >= 3) || (key === 22 && version >= 2);
}

function apiVersions(v) {
  const w = new W();
  const flex = v >= 3;
  w.i16(0);
  w.arr(APIS.length, flex);
  for (const [k, min, max] of APIS) { w.i16(k); w.i16(min); w.i16(max); w.tags(flex); }
  if (v >= 1) w.i32(0);
  w.tags(flex);
  return w.buf();
}

function metadata(v, r, flex) {
  let topics = [];
  const n = r.arr(flex);
  for (let i = 0; i < n; i++) {
    if (v >= 10) r.p += 16;
    topics.push(r.nstr(flex));
    if (flex) r.skipTags();
  }
  if (n < 0 || topics.length === 0) topics = ["b-capture"];
  const w = new W();
  if (v >= 3) w.i32(0);
  w.arr(1, flex);
  w.i32(1); w.str("127.0.0.1", flex); w.i32(port); if (v >= 1) w.nstr(null, flex); w.tags(flex);
  if (v >= 2) w.nstr("capture", flex);
  if (v >= 1) w.i32(1);
  w.arr(topics.length, flex);
  topics.forEach((t, ti) => {
    w.i16(0);
    w.str(t, flex);
    if (v >= 10) { const id = Buffer.alloc(16); id.writeUInt32BE(ti + 1, 12); w.raw(id); }
    if (v >= 1) w.i8(0);
    w.arr(PARTITIONS, flex);
    for (let p = 0; p < PARTITIONS; p++) {
      w.i16(0); w.i32(p); w.i32(1);
      if (v >= 7) w.i32(0);
      w.arr(1, flex); w.i32(1);
      w.arr(1, flex); w.i32(1);
      if (v >= 5) w.arr(0, flex);
      w.tags(flex);
    }
    if (v >= 8) w.i32(-2147483648);
    w.tags(flex);
  });
  if (v >= 8 && v <= 10) w.i32(-2147483648);
  w.tags(flex);
  return w.buf();
}

function initProducerId(v, flex) {
  const w = new W();
  w.i32(0); w.i16(0); w.i64(PRODUCER_ID); w.i16(0); w.tags(flex);
  return w.buf();
}

function produce(v, r, flex, frame) {
  fs.appendFileSync(out, JSON.stringify({ apiVersion: v, frame: frame.toString("hex") }) + "\n");
  if (v >= 3) r.nstr(flex);
  const acks = r.i16();
  r.i32();
  const topics = [];
  const nt = r.arr(flex);
  for (let i = 0; i < nt; i++) {
    const name = r.nstr(flex);
    const parts = [];
    const np = r.arr(flex);
    for (let j = 0; j < np; j++) { parts.push(r.i32()); r.bytes(flex); if (flex) r.skipTags(); }
    if (flex) r.skipTags();
    topics.push([name, parts]);
  }
  if (acks === 0) return null;
  const w = new W();
  w.arr(topics.length, flex);
  let offset = 0;
  for (const [name, parts] of topics) {
    w.str(name, flex);
    w.arr(parts.length, flex);
    for (const p of parts) {
      w.i32(p); w.i16(0); w.i64(offset); offset += 100;
      w.i64(-1);
      if (v >= 5) w.i64(0);
      if (v >= 8) { w.arr(0, flex); w.nstr(null, flex); }
      w.tags(flex);
    }
    w.tags(flex);
  }
  w.i32(0);
  w.tags(flex);
  return w.buf();
}

const server = net.createServer((sock) => {
  let pending = Buffer.alloc(0);
  sock.on("error", () => {});
  sock.on("data", (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      const frame = pending.subarray(0, 4 + size);
      pending = pending.subarray(4 + size);
      const r = new R(frame, 4);
      const key = r.i16(), v = r.i16(), corr = r.i32();
      r.nstr(false);
      const flex = flexible(key, v);
      if (flex) r.skipTags();
      let body;
      if (key === 18) body = apiVersions(v);
      else if (key === 3) body = metadata(v, r, flex);
      else if (key === 22) body = initProducerId(v, flex);
      else if (key === 0) body = produce(v, r, flex, Buffer.from(frame));
      else { console.error(`unexpected api ${key} v${v}`); sock.destroy(); return; }
      if (body === null) continue;
      const h = new W();
      h.i32(corr);
      if (flex && key !== 18) h.uv(0);
      const payload = Buffer.concat([h.buf(), body]);
      const len = Buffer.alloc(4); len.writeInt32BE(payload.length);
      sock.write(Buffer.concat([len, payload]));
    }
  });
});
server.listen(port, "127.0.0.1", () => console.error(`capture server on 127.0.0.1:${port} -> ${out}`));
