// Kafka Produce request frames (v8, record batch magic 2) built from scratch for the
// benchmarks: N records of a given value size, null keys, uncompressed or lz4 (the LZ4
// frame Kafka writes: independent 64 KiB blocks, no content size or checksum, via the
// python lz4 package in the project venv).
import { execFileSync } from "node:child_process";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(buf, start = 0, end = buf.length) {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function varint(out, v) {
  let z = BigInt.asUintN(64, (BigInt(v) << 1n) ^ (BigInt(v) >> 63n));
  do {
    let b = Number(z & 0x7fn);
    z >>= 7n;
    if (z > 0n) b |= 0x80;
    out.push(b);
  } while (z > 0n);
}

/** Values like ProducerPerformance's: random upper-case letters (compressible, not trivially). */
export function payload(size, seed = 1) {
  const b = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = 65 + (x % 26);
  }
  return b;
}

/** The records section: `count` records with the given value, timestamps 0..count-1 ms apart. */
export function recordsSection(count, value) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const body = [];
    body.push(0); // attributes
    varint(body, i); // timestampDelta
    varint(body, i); // offsetDelta
    varint(body, -1); // null key
    varint(body, value.length);
    for (const x of value) body.push(x);
    varint(body, 0); // headers
    varint(out, body.length);
    for (const x of body) out.push(x);
  }
  return Buffer.from(out);
}

export function lz4Kafka(data, python) {
  const code =
    "import sys,lz4.frame as f;d=sys.stdin.buffer.read();" +
    "sys.stdout.buffer.write(f.compress(d,block_size=f.BLOCKSIZE_MAX64KB,block_linked=False,content_checksum=False,store_size=False))";
  return execFileSync(python, ["-c", code], { input: data, maxBuffer: 1 << 26 });
}

/** A record batch v2 (codec 0 none, 3 lz4). */
export function recordBatch(count, valueSize, { codec = 0, python = ".venv/bin/python", baseTimestamp = Date.now() } = {}) {
  let body = recordsSection(count, payload(valueSize));
  if (codec === 3) body = lz4Kafka(body, python);
  else if (codec !== 0) throw new Error("codec " + codec + " not built here");
  const b = Buffer.alloc(61 + body.length);
  b.writeBigInt64BE(0n, 0);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt32BE(-1, 12); // partitionLeaderEpoch
  b.writeInt8(2, 16);
  b.writeInt16BE(codec, 21);
  b.writeInt32BE(count - 1, 23);
  b.writeBigInt64BE(BigInt(baseTimestamp), 27);
  b.writeBigInt64BE(BigInt(baseTimestamp + count - 1), 35);
  b.writeBigInt64BE(-1n, 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(count, 57);
  body.copy(b, 61);
  b.writeUInt32BE(crc32c(b, 21), 17);
  return b;
}

/** A whole Produce v8 request frame (size prefix included) for one topic partition. */
export function produceFrame(topic, partition, batch, { acks = -1, correlationId = 1, clientId = "bench" } = {}) {
  const parts = [];
  const i16 = (v) => { const x = Buffer.alloc(2); x.writeInt16BE(v); parts.push(x); };
  const i32 = (v) => { const x = Buffer.alloc(4); x.writeInt32BE(v); parts.push(x); };
  const str = (s) => { i16(Buffer.byteLength(s)); parts.push(Buffer.from(s)); };
  i16(0); i16(8); i32(correlationId); str(clientId); // header v1
  i16(-1); // transactional_id null
  i16(acks); i32(30000);
  i32(1); str(topic);
  i32(1); i32(partition); i32(batch.length); parts.push(batch);
  const body = Buffer.concat(parts);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** The bridge's answer to a call of `count` records on one partition. */
export function bridgeAnswer(count, partition = 0, firstOffset = 1000) {
  const items = [];
  for (let i = 0; i < count; i++) items.push(`{"partition":${partition},"offset":${firstOffset + i}}`);
  return Buffer.from(`{"offsets":[${items.join(",")}]}`);
}

/** Records of `recordSize` that fill one producer batch of batchBytes (Java's batch.size default 16384). */
export function recordsPerBatch(recordSize, batchBytes = 16384) {
  return Math.max(1, Math.floor((batchBytes - 61) / (recordSize + 8)));
}
