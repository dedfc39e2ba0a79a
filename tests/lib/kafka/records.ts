// Record batches, magic 2 (kafka.apache.org/documentation/#recordbatch), and the CRC-32C
// (Castagnoli) they carry over everything from their attributes to their end.
import { type Bytes, Writer } from "./primitives.ts";

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C of `buf`. */
export function crc32c(buf: Bytes): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC32C_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One record; absent key or value means null. */
export interface RecordSpec {
  key?: Bytes | null;
  value?: Bytes | null;
  /** Header names and values, in order (names may repeat). */
  headers?: ReadonlyArray<readonly [string, Bytes | null]>;
  /** Milliseconds after the batch's base timestamp (default 0). */
  timestampDelta?: number;
}

/** An idempotent producer's batch: its id, epoch and the batch's first sequence number. */
export interface ProducerSpec {
  id: bigint | number;
  epoch: number;
  sequence: number;
}

export interface BatchOptions {
  /** First timestamp, ms (default Date.now()). */
  baseTimestamp?: number;
  /** Without one the batch carries no producer id (-1, -1, -1). */
  producer?: ProducerSpec;
  /** Default 0. */
  partitionLeaderEpoch?: number;
  /** Compression codec in the attributes (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd); default 0. */
  codec?: number;
  /** Compresses the records section for a codec other than 0. */
  compress?: (records: Buffer) => Bytes;
}

/** Records from [key, value] strings, no headers. */
export function stringRecords(pairs: ReadonlyArray<readonly [string, string]>): RecordSpec[] {
  return pairs.map(([key, value]) => ({ key: Buffer.from(key), value: Buffer.from(value) }));
}

/** The records of a batch, uncompressed: each a varint length then its fields. */
export function recordsSection(records: readonly RecordSpec[]): Buffer {
  const out = new Writer();
  records.forEach((r, i) => {
    const headers = r.headers ?? [];
    const body = new Writer()
      .i8(0) // attributes
      .varint(r.timestampDelta ?? 0)
      .varint(i) // offset delta
      .varBytes(r.key ?? null)
      .varBytes(r.value ?? null)
      .varint(headers.length);
    for (const [name, value] of headers) body.varBytes(Buffer.from(name, "utf8")).varBytes(value);
    const bytes = body.buffer();
    out.varint(bytes.length).raw(bytes);
  });
  return out.buffer();
}

/** A whole record batch, base offset 0, CreateTime, not transactional. */
export function recordBatch(records: readonly RecordSpec[], o: BatchOptions = {}): Buffer {
  const base = o.baseTimestamp ?? Date.now();
  const codec = o.codec ?? 0;
  let section: Bytes = recordsSection(records);
  if (codec !== 0) {
    if (!o.compress) throw new Error(`recordBatch: codec ${codec} needs a compress function`);
    section = o.compress(Buffer.from(section));
  }
  const producer = o.producer ?? { id: -1, epoch: -1, sequence: -1 };
  const afterCrc = new Writer()
    .i16(codec) // attributes
    .i32(records.length - 1) // last offset delta
    .i64(base)
    .i64(base + records.reduce((m, r) => Math.max(m, r.timestampDelta ?? 0), 0)) // max timestamp
    .i64(producer.id)
    .i16(producer.epoch)
    .i32(producer.sequence)
    .i32(records.length)
    .raw(section)
    .buffer();
  const afterLength = new Writer()
    .i32(o.partitionLeaderEpoch ?? 0)
    .i8(2) // magic
    .u32(crc32c(afterCrc))
    .raw(afterCrc)
    .buffer();
  return new Writer().i64(0).i32(afterLength.length).raw(afterLength).buffer();
}
