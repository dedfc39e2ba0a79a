// Decoding of the `records` bytes of one partition of a Produce request (record batch magic 2).
//
// The checks and their order follow a Kafka 4.1 broker, so a client sees the error code it
// would see from Kafka:
//   1. KafkaApis / ProduceRequest.validateRecords: exactly one complete batch, magic 2,
//      else INVALID_RECORD. A batch header with a size below the v0 overhead or a magic
//      outside 0..2 makes the batch stream itself throw CorruptRecordException (CORRUPT_MESSAGE).
//      Trailing bytes too short to hold a second batch are ignored, as Kafka's batch iterator does.
//   2. UnifiedLog.analyzeAndValidateRecords: size over max.message.bytes -> MESSAGE_TOO_LARGE,
//      a batch shorter than the v2 header or a CRC mismatch -> CORRUPT_MESSAGE.
//   3. LogValidator.validateBatch: record count vs lastOffsetDelta, control batches, a producer
//      id with a negative base sequence -> INVALID_RECORD.
//   4. Record iteration: a record whose fields do not add up to its length, or a count that
//      does not match the records present -> INVALID_RECORD (Kafka's InvalidRecordException).
// Keys, values and header values are views into the input (or the decompressed buffer).

import { Reader } from "../kafka/wire";
import { decompress, DecodeError } from "../compression/index";
import { crc32c } from "./crc32c";
import { KafkaError } from "../kafka/errors";

/** Bytes before the batch's CRC-covered part: baseOffset .. crc. */
const CRC_COVERED_START: i32 = 21;
/** baseOffset(8) + batchLength(4): the part not counted in batchLength. */
export const LOG_OVERHEAD: i32 = 12;
/** Full v2 batch header, up to and including the records count. */
export const RECORD_BATCH_OVERHEAD: i32 = 61;
/** Kafka's LegacyRecord.RECORD_OVERHEAD_V0: the smallest size a batch header may declare. */
const RECORD_OVERHEAD_V0: i32 = 14;
/** Offset of magic inside a batch. */
export const MAGIC_OFFSET: i32 = 16;
/** A record needs at least: length, attributes, timestampDelta, offsetDelta, key, value, headers. */
const MIN_RECORD_SIZE: i32 = 7;

export const NO_TIMESTAMP: i64 = -1;
export const NO_PRODUCER_ID: i64 = -1;
export const NO_SEQUENCE: i32 = -1;

export class RecordHeader {
  constructor(public key: Uint8Array, public value: Uint8Array | null) {}
}

const NO_HEADERS = new Array<RecordHeader>(0);

export class Record {
  attributes: i8 = 0;
  timestampDelta: i64 = 0;
  /** Absolute timestamp: baseTimestamp + delta, or the batch's maxTimestamp for LOG_APPEND_TIME. */
  timestamp: i64 = NO_TIMESTAMP;
  offsetDelta: i32 = 0;
  key: Uint8Array | null = null;
  value: Uint8Array | null = null;
  /** Shared empty array when the record has no headers: do not push to it. */
  headers: Array<RecordHeader> = NO_HEADERS;
}

export class RecordBatch {
  baseOffset: i64 = 0;
  batchLength: i32 = 0;
  partitionLeaderEpoch: i32 = 0;
  magic: i8 = 0;
  crc: u32 = 0;
  attributes: i16 = 0;
  lastOffsetDelta: i32 = 0;
  baseTimestamp: i64 = 0;
  maxTimestamp: i64 = 0;
  producerId: i64 = NO_PRODUCER_ID;
  producerEpoch: i16 = -1;
  baseSequence: i32 = NO_SEQUENCE;
  recordCount: i32 = 0;
  /** Size of the whole batch on the wire (LOG_OVERHEAD + batchLength). */
  sizeInBytes: i32 = 0;
  records: Array<Record> = [];

  compression(): i32 {
    return this.attributes & 0x07;
  }
  /** 0 = CREATE_TIME, 1 = LOG_APPEND_TIME. */
  timestampType(): i32 {
    return (this.attributes >> 3) & 1;
  }
  isTransactional(): bool {
    return (this.attributes & 0x10) != 0;
  }
  isControl(): bool {
    return (this.attributes & 0x20) != 0;
  }
  hasProducerId(): bool {
    return this.producerId > NO_PRODUCER_ID;
  }
  /** Last sequence of the batch, wrapping past Int32.MAX_VALUE as Kafka's DefaultRecordBatch does. */
  lastSequence(): i32 {
    if (this.baseSequence == NO_SEQUENCE) return NO_SEQUENCE;
    return incrementSequence(this.baseSequence, this.lastOffsetDelta);
  }
}

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from Int32.MAX_VALUE to 0. */
export function incrementSequence(sequence: i32, increment: i32): i32 {
  if (sequence > i32.MAX_VALUE - increment) return increment - (i32.MAX_VALUE - sequence) - 1;
  return sequence + increment;
}

export class DecodeLimits {
  /** Kafka's max.message.bytes default (1 MiB + 12): the largest batch accepted, as sent. */
  maxBatchBytes: i32 = 1048588;
  /** Cap on a compressed batch's decompressed records section. */
  maxDecompressedBytes: i32 = 16 << 20;
  /** Cap on a batch's declared record count, checked before anything is allocated. */
  maxRecordsPerBatch: i32 = 100000;
}

export const DEFAULT_LIMITS = new DecodeLimits();

/** One partition's records: the batches, or the error a broker would answer for the partition. */
export class PartitionRecords {
  error: i16 = KafkaError.NONE;
  /** Why, for the produce response's error_message and logs. */
  message: string | null = null;
  batches: Array<RecordBatch> = [];
  /** Bytes of decompressed records this partition holds (0 for uncompressed batches). */
  decompressedBytes: i64 = 0;
  /** The batch failed only because it decompresses to more than the cap it was given. */
  overDecompressCap: bool = false;

  ok(): bool {
    return this.error == KafkaError.NONE;
  }

  recordCount(): i32 {
    let n = 0;
    for (let i = 0; i < this.batches.length; i++) n += unchecked(this.batches[i]).records.length;
    return n;
  }

  static fail(error: i16, message: string): PartitionRecords {
    const p = new PartitionRecords();
    p.error = error;
    p.message = message;
    return p;
  }
}

/** The big-endian int32 at b[at..at+4) (the caller has checked the bounds). */
export function readI32(b: Uint8Array, at: i32): i32 {
  return <i32>(
    ((<u32>unchecked(b[at]) << 24) |
      (<u32>unchecked(b[at + 1]) << 16) |
      (<u32>unchecked(b[at + 2]) << 8) |
      <u32>unchecked(b[at + 3]))
  );
}

/**
 * The size of the complete batch starting at `at`, 0 when the bytes left cannot hold one
 * (Kafka's batch iterator then stops), or -1 for a header Kafka rejects as corrupt.
 */
function nextBatchSize(b: Uint8Array, at: i32): i32 {
  const remaining = b.length - at;
  if (remaining < LOG_OVERHEAD) return 0;
  const size = readI32(b, at + 8);
  if (size < RECORD_OVERHEAD_V0) return -1;
  if (remaining < MAGIC_OFFSET + 1) return 0;
  const magic = <i8>unchecked(b[at + MAGIC_OFFSET]);
  if (magic < 0 || magic > 2) return -1;
  if (<i64>size + LOG_OVERHEAD > <i64>remaining) return 0;
  return size + LOG_OVERHEAD;
}

/**
 * Decodes a Produce request partition's records. Never traps: every problem becomes the
 * partition's error code.
 */
export function decodeRecords(bytes: Uint8Array | null, limits: DecodeLimits = DEFAULT_LIMITS, headerOnly: bool = false): PartitionRecords {
  if (bytes === null) return PartitionRecords.fail(KafkaError.INVALID_RECORD, "Produce request has null records");
  const first = nextBatchSize(bytes, 0);
  if (first < 0) return PartitionRecords.fail(KafkaError.CORRUPT_MESSAGE, "Corrupt record batch header");
  if (first == 0) {
    return PartitionRecords.fail(KafkaError.INVALID_RECORD, "Produce requests must have at least one record batch per partition");
  }
  if (<i8>unchecked(bytes[MAGIC_OFFSET]) != 2) {
    return PartitionRecords.fail(KafkaError.INVALID_RECORD, "Produce requests are only allowed to contain record batches with magic version 2");
  }
  const second = nextBatchSize(bytes, first);
  if (second < 0) return PartitionRecords.fail(KafkaError.CORRUPT_MESSAGE, "Corrupt record batch header");
  if (second > 0) {
    return PartitionRecords.fail(KafkaError.INVALID_RECORD, "Produce requests are only allowed to contain exactly one record batch per partition");
  }
  if (first > limits.maxBatchBytes) {
    return PartitionRecords.fail(KafkaError.MESSAGE_TOO_LARGE, "The record batch is larger than the maximum accepted size");
  }
  const out = new PartitionRecords();
  const batch = new RecordBatch();
  const err = decodeBatch(bytes, 0, first, limits, batch, out, headerOnly);
  if (err != KafkaError.NONE) {
    out.error = err;
    out.batches = [];
    return out;
  }
  out.batches.push(batch);
  return out;
}

/**
 * Decodes the batch in [start, start + size); returns an error code and sets out.message on
 * failure. headerOnly stops after the header checks and skips the CRC: for batches passed on
 * untouched to a bridge that verifies the CRC itself before it writes them.
 */
function decodeBatch(buf: Uint8Array, start: i32, size: i32, limits: DecodeLimits, batch: RecordBatch, out: PartitionRecords, headerOnly: bool): i16 {
  const end = start + size;
  if (size < RECORD_BATCH_OVERHEAD) {
    out.message = "Record batch is smaller than the minimum allowed overhead";
    return KafkaError.CORRUPT_MESSAGE;
  }
  const r = new Reader(buf, start, end);
  batch.sizeInBytes = size;
  batch.baseOffset = r.int64();
  batch.batchLength = r.int32();
  batch.partitionLeaderEpoch = r.int32();
  batch.magic = r.int8();
  batch.crc = r.uint32();
  if (!headerOnly && crc32c(buf, start + CRC_COVERED_START, end) != batch.crc) {
    out.message = "Record batch is corrupt (stored crc does not match computed crc)";
    return KafkaError.CORRUPT_MESSAGE;
  }
  batch.attributes = r.int16();
  batch.lastOffsetDelta = r.int32();
  batch.baseTimestamp = r.int64();
  batch.maxTimestamp = r.int64();
  batch.producerId = r.int64();
  batch.producerEpoch = r.int16();
  batch.baseSequence = r.int32();
  batch.recordCount = r.int32();
  if (r.failed) {
    out.message = "Truncated record batch header";
    return KafkaError.CORRUPT_MESSAGE;
  }
  const count = batch.recordCount;
  if (count <= 0 || <i64>batch.lastOffsetDelta + 1 != <i64>count) {
    out.message = "Inconsistent batch offset range and count of records";
    return KafkaError.INVALID_RECORD;
  }
  if (batch.isControl()) {
    out.message = "Clients are not allowed to write control records";
    return KafkaError.INVALID_RECORD;
  }
  if (batch.hasProducerId() && batch.baseSequence < 0) {
    out.message = "Invalid sequence number in record batch with a producer id";
    return KafkaError.INVALID_RECORD;
  }
  if (count > limits.maxRecordsPerBatch) {
    out.message = "Record batch holds more records than accepted";
    return KafkaError.MESSAGE_TOO_LARGE;
  }
  if (headerOnly) return KafkaError.NONE;

  let body = buf;
  let bodyStart = r.pos;
  let bodyEnd = end;
  const codec = batch.compression();
  if (codec != 0) {
    const res = decompress(codec, buf.subarray(bodyStart, end), limits.maxDecompressedBytes);
    if (res.error != DecodeError.NONE || res.data === null) {
      if (res.error == DecodeError.UNSUPPORTED) {
        out.message = "Unsupported compression codec " + codec.toString();
        return KafkaError.UNSUPPORTED_COMPRESSION_TYPE;
      }
      if (res.error == DecodeError.TOO_LARGE) {
        out.overDecompressCap = true;
        out.message = "Decompressed record batch is larger than accepted";
        return KafkaError.MESSAGE_TOO_LARGE;
      }
      out.message = "Compressed records cannot be decompressed";
      return KafkaError.CORRUPT_MESSAGE;
    }
    body = res.data as Uint8Array;
    bodyStart = 0;
    bodyEnd = body.length;
    out.decompressedBytes = body.length;
  }
  // Every record takes at least MIN_RECORD_SIZE bytes: a larger count cannot be genuine,
  // so refuse it before allocating the records array.
  if (<i64>count * MIN_RECORD_SIZE > <i64>(bodyEnd - bodyStart)) {
    out.message = "Incorrect declared batch size, premature EOF reached";
    return KafkaError.INVALID_RECORD;
  }
  const logAppend = batch.timestampType() == 1;
  const records = new Array<Record>(count);
  const rr = new Reader(body, bodyStart, bodyEnd);
  for (let i = 0; i < count; i++) {
    const rec = new Record();
    const len = rr.varint();
    if (rr.failed || len < MIN_RECORD_SIZE - 1 || len > rr.remaining()) {
      out.message = "Incorrect declared batch size, premature EOF reached";
      return KafkaError.INVALID_RECORD;
    }
    const recEnd = rr.pos + len;
    const saveEnd = rr.end;
    rr.end = recEnd;
    rec.attributes = rr.int8();
    rec.timestampDelta = rr.varlong();
    rec.timestamp = logAppend ? batch.maxTimestamp : batch.baseTimestamp + rec.timestampDelta;
    rec.offsetDelta = rr.varint();
    rec.key = readNullable(rr);
    rec.value = readNullable(rr);
    const nh = rr.varint();
    if (nh < 0 || <i64>nh * 2 > <i64>rr.remaining()) rr.fail();
    if (!rr.failed && nh > 0) {
      const headers = new Array<RecordHeader>(nh);
      for (let h = 0; h < nh && !rr.failed; h++) {
        const kl = rr.varint();
        if (kl < 0) rr.fail();
        const k = rr.bytes(kl);
        const v = readNullable(rr);
        unchecked((headers[h] = new RecordHeader(k, v)));
      }
      rec.headers = headers;
    }
    if (rr.failed || rr.pos != recEnd) {
      out.message = "Invalid record structure at index " + i.toString();
      return KafkaError.INVALID_RECORD;
    }
    rr.end = saveEnd;
    unchecked((records[i] = rec));
  }
  if (rr.pos != rr.end) {
    out.message = "Incorrect declared batch size, records still remaining in file";
    return KafkaError.INVALID_RECORD;
  }
  batch.records = records;
  return KafkaError.NONE;
}

/** A varint-length byte field: -1 is null, below -1 is malformed. */
function readNullable(r: Reader): Uint8Array | null {
  const n = r.varint();
  if (r.failed) return null;
  if (n == -1) return null;
  if (n < -1) {
    r.fail();
    return null;
  }
  return r.bytes(n);
}
