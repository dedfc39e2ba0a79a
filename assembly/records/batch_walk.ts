// Walks over a Fetch answer's record batches (magic 2) by their headers alone, without decoding
// them: how many records they hold, and the offset a consumer fetches from after them.

/** nextOffsetAfter's answer for records that are not all magic 2 batches. */
export const UNKNOWN_FORMAT: i64 = -2;
const LAST_OFFSET_DELTA_AT = 23;

function int64At(b: Uint8Array, at: i32): i64 {
  return (<i64>int32At(b, at) << 32) | (<i64>int32At(b, at + 4) & 0xffffffff);
}

/**
 * The offset a consumer fetches from after these records: past the last whole batch (control
 * batches and compaction gaps included, as clients do); -1 without a whole batch.
 */
export function nextOffsetAfter(records: Uint8Array): i64 {
  let next: i64 = -1;
  const b = new WholeBatches(records);
  while (b.next()) {
    if (records[b.at + MAGIC_AT] != 2) return UNKNOWN_FORMAT;
    next = int64At(records, b.at) + <i64>int32At(records, b.at + LAST_OFFSET_DELTA_AT) + 1;
  }
  return next;
}

/** Offset of a batch's length, and its size before that field's end (baseOffset + length). */
const BATCH_LENGTH_AT = 8;
const BATCH_LOG_OVERHEAD = 12;
const MAGIC_AT = 16;
const RECORD_COUNT_AT = 57;
/** A magic 2 batch header is 61 bytes. */
const BATCH_HEADER_BYTES = 61;

function int32At(b: Uint8Array, at: i32): i32 {
  return (<i32>b[at] << 24) | (<i32>b[at + 1] << 16) | (<i32>b[at + 2] << 8) | <i32>b[at + 3];
}

/**
 * Records in a run of record batches, from their headers (magic 2). A truncated tail batch,
 * which brokers send when a partition's data passes the fetch's bounds, is not counted.
 */
export function countRecords(records: Uint8Array): i64 {
  let count: i64 = 0;
  const b = new WholeBatches(records);
  while (b.next()) {
    if (records[b.at + MAGIC_AT] == 2) count += max(int32At(records, b.at + RECORD_COUNT_AT), 0);
  }
  return count;
}

/**
 * The whole batches of a run of record batches, from their headers: the walk stops at a
 * truncated tail batch, which brokers send when a partition's data passes the fetch's bounds,
 * and at a header too short for magic 2.
 */
class WholeBatches {
  /** Start and size of the current batch (after next() said true). */
  at: i32 = 0;
  size: i32 = 0;

  constructor(private records: Uint8Array) {}

  /** Moves to the next whole batch; false when there is none. */
  next(): bool {
    const records = this.records;
    const at = this.at + this.size;
    if (records.length - at < BATCH_HEADER_BYTES) return false;
    const batchLength = int32At(records, at + BATCH_LENGTH_AT);
    if (batchLength < BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD) return false;
    const size = <i64>batchLength + BATCH_LOG_OVERHEAD;
    if (size > <i64>(records.length - at)) return false;
    this.at = at;
    this.size = <i32>size;
    return true;
  }
}
