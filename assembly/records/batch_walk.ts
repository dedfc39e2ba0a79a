// Walks over a Fetch answer's record batches (magic 2) by their headers alone, without decoding
// them: how many records they hold, and the offset a consumer fetches from after them.
import { LOG_OVERHEAD, MAGIC_OFFSET, readI32, RECORD_BATCH_OVERHEAD } from "./batch";

/** nextOffsetAfter's answer for records that are not all magic 2 batches. */
export const UNKNOWN_FORMAT: i64 = -2;
const LAST_OFFSET_DELTA_AT = 23;

function int64At(b: Uint8Array, at: i32): i64 {
  return (<i64>readI32(b, at) << 32) | (<i64>readI32(b, at + 4) & 0xffffffff);
}

/**
 * The offset a consumer fetches from after these records: past the last whole batch (control
 * batches and compaction gaps included, as clients do); -1 without a whole batch.
 */
export function nextOffsetAfter(records: Uint8Array): i64 {
  let next: i64 = -1;
  const b = new WholeBatches(records);
  while (b.next()) {
    if (records[b.at + MAGIC_OFFSET] != 2) return UNKNOWN_FORMAT;
    next = int64At(records, b.at) + <i64>readI32(records, b.at + LAST_OFFSET_DELTA_AT) + 1;
  }
  return next;
}

/** Offset of a batch's length (after its base offset). */
const BATCH_LENGTH_AT = 8;
const RECORD_COUNT_AT = 57;

/**
 * Records in a run of record batches, from their headers (magic 2). A truncated tail batch,
 * which brokers send when a partition's data passes the fetch's bounds, is not counted.
 */
export function countRecords(records: Uint8Array): i64 {
  let count: i64 = 0;
  const b = new WholeBatches(records);
  while (b.next()) {
    if (records[b.at + MAGIC_OFFSET] == 2) count += max(readI32(records, b.at + RECORD_COUNT_AT), 0);
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
    if (records.length - at < RECORD_BATCH_OVERHEAD) return false;
    const batchLength = readI32(records, at + BATCH_LENGTH_AT);
    if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) return false;
    const size = <i64>batchLength + LOG_OVERHEAD;
    if (size > <i64>(records.length - at)) return false;
    this.at = at;
    this.size = <i32>size;
    return true;
  }
}
