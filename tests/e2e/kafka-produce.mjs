// Produce v3 requests with one record batch (magic 2) and their answers, written from the
// protocol guide (record batch format, CRC-32C over attributes..end), not from the filter's code.
import assert from "node:assert/strict";
import { frame, int16, int32, Reader, str } from "./kafka-wire.mjs";

const CRC32C_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32c(buf) {
  let c = -1;
  for (const b of buf) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** Zigzag varint, as record fields are written. */
export function varint(n) {
  let z = (n << 1) ^ (n >> 31);
  const out = [];
  do {
    let b = z & 0x7f;
    z >>>= 7;
    if (z !== 0) b |= 0x80;
    out.push(b);
  } while (z !== 0);
  return Buffer.from(out);
}

/**
 * One record batch of [key, value] string pairs; `producer` ({id, epoch, sequence}) makes it an
 * idempotent batch, without it the batch carries no producer id.
 */
export function recordBatch(pairs, producer = { id: -1n, epoch: -1, sequence: -1 }) {
  const records = pairs.map(([key, value], i) => {
    const k = Buffer.from(key);
    const v = Buffer.from(value);
    const body = Buffer.concat([Buffer.from([0]), varint(0), varint(i), varint(k.length), k, varint(v.length), v, varint(0)]);
    return Buffer.concat([varint(body.length), body]);
  });
  const ts = Buffer.alloc(8);
  ts.writeBigInt64BE(BigInt(Date.now()));
  const pid = Buffer.alloc(8);
  pid.writeBigInt64BE(BigInt(producer.id));
  const afterCrc = Buffer.concat([
    int16(0), int32(pairs.length - 1), ts, ts, // attributes, last offset delta, first and max timestamp
    pid, int16(producer.epoch), int32(producer.sequence),
    int32(pairs.length), ...records,
  ]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(afterCrc));
  const afterLength = Buffer.concat([int32(0), Buffer.from([2]), crc, afterCrc]); // leader epoch, magic, crc
  return Buffer.concat([Buffer.alloc(8), int32(afterLength.length), afterLength]);
}

/** Produce v3 (acks=all) of one batch to one partition. */
export function produceV3(corr, topic, batch, partition = 0, timeoutMs = 5000) {
  const body = Buffer.concat([
    int16(-1), int16(-1), int32(timeoutMs), // no transactional id, acks=all, timeout
    int32(1), str(topic), int32(1), int32(partition), int32(batch.length), batch,
  ]);
  return frame(0, 3, corr, body);
}

export function parseProduceV3(payload) {
  const r = new Reader(payload);
  const correlationId = r.i32();
  const topics = r.array(() => ({
    name: r.nstr(),
    partitions: r.array(() => {
      const p = { index: r.i32(), errorCode: r.i16() };
      p.baseOffset = (BigInt(r.i32()) << 32n) | BigInt(r.i32() >>> 0);
      r.i32(); r.i32(); // log append time (int64)
      return p;
    }),
  }));
  r.i32(); // throttle time
  assert.ok(r.done(), "Produce v3 response has trailing bytes");
  return { correlationId, topics };
}

/** InitProducerId v0 (no transactional id): returns {id, epoch}. */
export function initProducerIdV0(corr) {
  return frame(22, 0, corr, Buffer.concat([int16(-1), int32(60000)]));
}

export function parseInitProducerIdV0(payload) {
  const r = new Reader(payload);
  const correlationId = r.i32();
  r.i32(); // throttle time
  const errorCode = r.i16();
  const id = (BigInt(r.i32()) << 32n) | BigInt(r.i32() >>> 0);
  const epoch = r.i16();
  return { correlationId, errorCode, id, epoch };
}
