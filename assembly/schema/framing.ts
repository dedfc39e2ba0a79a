// The Confluent Schema Registry wire format, as Confluent's serializers (Java, librdkafka's
// serdes, @kafkajs/confluent-schema-registry) write it before every key or value:
//
//   byte 0      magic byte 0
//   bytes 1..4  schema id, big-endian int32
//   Avro, JSON Schema: the payload follows
//   Protobuf: message indexes, then the payload: a zig-zag varint count N, then N zig-zag
//     varint indexes (the path of the message type within the .proto: top-level message,
//     then nested ones); the list [0] (the first message) is written as the single byte 0
//     (count 0), as Confluent's MessageIndexes and Kafka's ByteUtils.writeVarint do.
//
// Nothing here traps: empty input, 1 to 4 bytes, forged counts and runaway varints give an
// error status.

import { Reader } from "../kafka/wire";

export const CONFLUENT_MAGIC_BYTE: u8 = 0;
/** Magic byte and schema id. */
export const CONFLUENT_HEADER_SIZE: i32 = 5;
/**
 * Most message indexes accepted: the depth of message nesting in one .proto file (Protobuf's
 * own parsers stop at a recursion depth of 100).
 */
export const MAX_MESSAGE_INDEXES: i32 = 100;

export const enum FramingStatus {
  /** Magic byte and a whole schema id. */
  OK,
  /** No bytes at all (an empty key or value). */
  EMPTY,
  /** The first byte is not the magic byte: not written by a Confluent serializer. */
  NO_MAGIC,
  /** The magic byte, then fewer than 4 bytes of schema id. */
  TRUNCATED,
}

export class Framing {
  status: FramingStatus = FramingStatus.EMPTY;
  /** The schema id (meaningful when status is OK). */
  schemaId: i32 = 0;
  /** Offset of what follows the schema id: the payload, or Protobuf's message indexes. */
  payloadStart: i32 = 0;

  ok(): bool {
    return this.status == FramingStatus.OK;
  }

  /** "" when ok, else a short reason. */
  error(): string {
    switch (this.status) {
      case FramingStatus.OK:
        return "";
      case FramingStatus.EMPTY:
        return "empty payload, no schema framing";
      case FramingStatus.NO_MAGIC:
        return "no magic byte 0, no schema framing";
      default:
        return "schema id truncated";
    }
  }
}

/** end, or the buffer's end when end is -1 (or past it). */
function clampEnd(bytes: Uint8Array, end: i32): i32 {
  return end < 0 || end > bytes.length ? bytes.length : end;
}

/** Reads the magic byte and schema id of bytes [start, end) (end -1: to the end). */
export function readFraming(bytes: Uint8Array, start: i32 = 0, end: i32 = -1): Framing {
  const f = new Framing();
  end = clampEnd(bytes, end);
  if (start < 0 || start >= end) return f; // EMPTY
  if (unchecked(bytes[start]) != CONFLUENT_MAGIC_BYTE) {
    f.status = FramingStatus.NO_MAGIC;
    return f;
  }
  if (end - start < CONFLUENT_HEADER_SIZE) {
    f.status = FramingStatus.TRUNCATED;
    return f;
  }
  const r = new Reader(bytes, start + 1, end);
  f.schemaId = r.int32();
  f.payloadStart = start + CONFLUENT_HEADER_SIZE;
  f.status = FramingStatus.OK;
  return f;
}

export class MessageIndexes {
  /** "" when the indexes are well formed, else a short reason. */
  error: string = "";
  /** The path of the message type: [0] for the single 0 byte. */
  indexes: Array<i32> = [];
  /** Offset of the Protobuf message (may equal end: an all-default message is empty). */
  payloadStart: i32 = 0;

  ok(): bool {
    return this.error.length == 0;
  }
}

// Reads zig-zag varints of at most 5 bytes whose value fits 32 bits (Kafka's varints, as
// ByteUtils.writeVarint writes them); error names the first failure.
class VarintCursor {
  pos: i32;
  end: i32;
  error: string = "";
  constructor(public bytes: Uint8Array, pos: i32, end: i32) {
    this.pos = pos;
    this.end = end;
  }
  zigzag(what: string): i32 {
    let v: u32 = 0;
    for (let shift: u32 = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) {
        this.error = what + " truncated";
        return 0;
      }
      const b = <u32>unchecked(this.bytes[this.pos++]);
      if (shift == 28 && (b & 0xf0) != 0) {
        this.error = what + " varint too long";
        return 0;
      }
      v |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) return <i32>(v >>> 1) ^ -(<i32>(v & 1));
    }
    this.error = what + " varint too long";
    return 0;
  }
}

/**
 * Reads Protobuf message indexes from bytes [start, end) (start: Framing.payloadStart). The
 * count and every index must be well-formed zig-zag varints, non-negative, the count at most
 * MAX_MESSAGE_INDEXES and no more than the bytes left.
 */
export function readMessageIndexes(bytes: Uint8Array, start: i32, end: i32 = -1): MessageIndexes {
  const m = new MessageIndexes();
  end = clampEnd(bytes, end);
  if (start < 0 || start > end) {
    m.error = "message indexes missing";
    return m;
  }
  if (start == end) {
    m.error = "message indexes missing";
    return m;
  }
  const c = new VarintCursor(bytes, start, end);
  const count = c.zigzag("message index count");
  if (c.error.length) {
    m.error = c.error;
    return m;
  }
  if (count < 0) {
    m.error = "negative message index count " + count.toString();
    return m;
  }
  if (count == 0) {
    m.indexes.push(0);
    m.payloadStart = c.pos;
    return m;
  }
  if (count > MAX_MESSAGE_INDEXES) {
    m.error = "message index count " + count.toString() + " over " + MAX_MESSAGE_INDEXES.toString();
    return m;
  }
  if (count > end - c.pos) {
    m.error = "message indexes truncated";
    return m;
  }
  for (let i = 0; i < count; i++) {
    const index = c.zigzag("message index");
    if (c.error.length) {
      m.error = c.error;
      m.indexes = [];
      return m;
    }
    if (index < 0) {
      m.error = "negative message index " + index.toString();
      m.indexes = [];
      return m;
    }
    m.indexes.push(index);
  }
  m.payloadStart = c.pos;
  return m;
}

/**
 * Offset of the Protobuf message in a framed key or value bytes [start, end), or -1 when
 * the framing or the message indexes are missing or malformed.
 */
export function protobufPayloadStart(bytes: Uint8Array, start: i32 = 0, end: i32 = -1): i32 {
  const f = readFraming(bytes, start, end);
  if (!f.ok()) return -1;
  const m = readMessageIndexes(bytes, f.payloadStart, end);
  return m.ok() ? m.payloadStart : -1;
}
