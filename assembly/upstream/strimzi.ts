// The Strimzi Kafka Bridge produce API (openapi.json, operation "send"):
//   POST /topics/{topicname}[?async=true]
//   content-type: application/vnd.kafka.binary.v2+json
//   {"records":[{"partition":p,"key":b64,"value":b64|null,"timestamp":ms,"headers":[{"key":"k","value":b64}]}]}
// One call per partition (the mesh keeps a lane per (cluster, topic, partition)), so calls for
// different partitions of a topic run side by side. The call goes to /topics/{t} with the
// partition in every record, not to /topics/{t}/partitions/{p}: the OpenAPI schema of that
// operation (ProducerRecordToPartition) has no timestamp, and the client's timestamps must stay.
// 200 -> {"offsets":[{"partition":p,"offset":o} | {"error_code":c,"message":m}]} one per record in order;
// 204 for async=true; errors -> {"error_code":http-status,"message":...}.
//
// Representation choices, from the OpenAPI schema and the bridge's binary converter:
//   - a null key is omitted: the schema's RecordKey has no null form, and the converter would
//     Base64-decode the text "null" of a JSON null;
//   - a null value is sent as JSON null (RecordValue allows null: a tombstone);
//   - KafkaHeader.value is a required string, so a null header value is sent as "" (empty);
//   - timestamp (int64 ms) is accepted; it is omitted for LOG_APPEND_TIME batches and records
//     without one, so the cluster stamps them.

import { Writer } from "../kafka/wire";
import { parseJson, quoteJson, JsonValue } from "../json";
import { KafkaError } from "../kafka/errors";
import { base64Into } from "./base64";
import { Dialect, HttpCall, RecordResult, UpstreamAnswer, UpstreamRecord } from "./dialect";

export const STRIMZI_CONTENT_TYPE = "application/vnd.kafka.binary.v2+json";
export const STRIMZI_ACCEPT = "application/vnd.kafka.v2+json";

function ascii(w: Writer, s: string): void {
  for (let i = 0; i < s.length; i++) w.int8(<i8>s.charCodeAt(i));
}

// The fixed parts of the body, as bytes: copying them beats writing them a character at a time.
function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}
const BODY_OPEN = utf8('{"records":[');
const BODY_CLOSE = utf8("]}");
const REC_PARTITION = utf8('{"partition":');
const REC_KEY = utf8(',"key":');
const REC_VALUE = utf8(',"value":');
const REC_TIMESTAMP = utf8(',"timestamp":');
const REC_HEADERS = utf8(',"headers":[');
const HDR_KEY = utf8('{"key":');
const NULL_TEXT = utf8("null");
const EMPTY_STRING = utf8('""');
const digits = new StaticArray<u8>(20);

/** Appends the decimal text of v without allocating a string. */
export function writeDecimal(w: Writer, v: i64): void {
  if (v == i64.MIN_VALUE) {
    ascii(w, "-9223372036854775808");
    return;
  }
  const start = w.reserve(20);
  let p = start;
  if (v < 0) {
    store<u8>(p++, 45);
    v = -v;
  }
  // Digits backwards into a scratch buffer, then forwards into the writer.
  const d = changetype<usize>(digits);
  let u = <u64>v;
  let n = 0;
  do {
    store<u8>(d + <usize>n, <u8>(48 + <i32>(u % 10)));
    u /= 10;
    n++;
  } while (u != 0);
  while (n > 0) store<u8>(p++, load<u8>(d + <usize>--n));
  w.advance(<i32>(p - start));
}

/** Appends raw bytes (a header key) as a JSON string; non-ASCII goes through UTF-8 decoding. */
function writeJsonStringBytes(w: Writer, b: Uint8Array): void {
  let simple = true;
  for (let i = 0; i < b.length; i++) {
    const c = unchecked(b[i]);
    if (c < 0x20 || c >= 0x80 || c == 0x22 || c == 0x5c) {
      simple = false;
      break;
    }
  }
  if (simple) {
    w.int8(0x22);
    w.bytes(b);
    w.int8(0x22);
    return;
  }
  // Rare: escape via the string path (invalid UTF-8 becomes U+FFFD, as Kafka's Java client decodes it).
  const s = String.UTF8.decode(b.buffer.slice(b.byteOffset, b.byteOffset + b.length), false);
  w.bytes(Uint8Array.wrap(String.UTF8.encode(quoteJson(s), false)));
}

function writeBase64String(w: Writer, b: Uint8Array): void {
  w.int8(0x22);
  base64Into(w, b);
  w.int8(0x22);
}

/** Kafka error code for an HTTP-like code from the bridge (whole answer or one record). */
export function httpStatusToKafka(status: i32, perRecord: bool): i16 {
  if (status == 404) return KafkaError.UNKNOWN_TOPIC_OR_PARTITION;
  if (status == 408 || status == 504) return KafkaError.REQUEST_TIMED_OUT;
  if (status == 413) return KafkaError.MESSAGE_TOO_LARGE;
  if (status == 400 || status == 422) return KafkaError.INVALID_RECORD;
  if (status == 401 || status == 403) return KafkaError.TOPIC_AUTHORIZATION_FAILED;
  if (perRecord) return KafkaError.UNKNOWN_SERVER_ERROR;
  // 5xx without a Kafka code (Envoy's own 503 when the bridge is down, a bridge overloaded):
  // outcome unknown, retriable by every client (see transportErrorCode).
  return KafkaError.REQUEST_TIMED_OUT;
}

/**
 * The exact Kafka code the project's bridge appends to its messages ("kafka_error_code=<n> NAME"),
 * or i32.MIN_VALUE when absent.
 */
export function kafkaCodeInMessage(message: string | null): i32 {
  if (message === null) return i32.MIN_VALUE;
  const tag = "kafka_error_code=";
  const at = message.lastIndexOf(tag);
  if (at < 0) return i32.MIN_VALUE;
  let i = at + tag.length;
  let negative = false;
  if (i < message.length && message.charCodeAt(i) == 45) {
    negative = true;
    i++;
  }
  let v = 0;
  let digits = 0;
  while (i < message.length && digits < 5) {
    const c = message.charCodeAt(i);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    digits++;
    i++;
  }
  if (digits == 0) return i32.MIN_VALUE;
  return negative ? -v : v;
}

/** error_code + message of a bridge Error object -> Kafka code. */
function errorObjectToKafka(code: i32, message: string | null, perRecord: bool): i16 {
  const exact = kafkaCodeInMessage(message);
  if (exact >= -1 && exact <= 32767 && exact != 0) return <i16>exact;
  // The Error schema allows a Kafka error code in error_code: anything outside HTTP's range.
  if (code < 100 || code > 599) return code >= -1 && code <= 32767 && code != 0 ? <i16>code : KafkaError.UNKNOWN_SERVER_ERROR;
  return httpStatusToKafka(code, perRecord);
}

function stringOf(v: JsonValue | null): string | null {
  return v !== null && v.isString() ? v.text : null;
}

const OFFSETS_OPEN = utf8('{"offsets":[');
const ENTRY_PARTITION = utf8('{"partition":');
const ENTRY_OFFSET = utf8(',"offset":');

/** A position in an answer body, read byte by byte; every step checks the body's end. */
class Scan {
  constructor(private base: usize, private end: usize, public at: usize = 0) {}

  /** Steps over lit when the body continues with it. */
  @inline
  literal(lit: Uint8Array): bool {
    const n = <usize>lit.length;
    if (this.at + n > this.end || memory.compare(this.base + this.at, lit.dataStart, n) != 0) return false;
    this.at += n;
    return true;
  }

  /** Steps over c when it comes next. */
  @inline
  byte(c: u8): bool {
    if (this.at >= this.end || load<u8>(this.base + this.at) != c) return false;
    this.at++;
    return true;
  }

  @inline
  atEnd(): bool {
    return this.at == this.end;
  }

  /** Steps over a JSON non-negative integer (no sign, fraction, exponent or leading zero) of at most 18 digits; -1 when none is next. */
  @inline
  natural(): i64 {
    let at = this.at;
    let v: i64 = 0;
    let n = 0;
    while (at < this.end) {
      const c = <i32>load<u8>(this.base + at);
      if (c < 48 || c > 57) break;
      if (n == 18 || (n == 1 && v == 0)) return -1;
      v = v * 10 + (c - 48);
      n++;
      at++;
    }
    if (n == 0) return -1;
    this.at = at;
    return v;
  }
}

/**
 * The usual success answer, {"offsets":[{"partition":p,"offset":o},...]} written compactly with
 * one entry per record, read straight from the bytes. Anything else (spaces, errors, other key
 * order, huge numbers) returns null and goes through the JSON parser, which gives the same
 * results for the answers accepted here.
 */
function parseCompactOffsets(body: Uint8Array, recordCount: i32): UpstreamAnswer | null {
  const s = new Scan(body.dataStart, <usize>body.length);
  if (!s.literal(OFFSETS_OPEN)) return null;
  const a = new UpstreamAnswer();
  for (let i = 0; i < recordCount; i++) {
    if (i > 0 && !s.byte(0x2c)) return null;
    if (!s.literal(ENTRY_PARTITION)) return null;
    const p = s.natural();
    if (p < 0 || !s.literal(ENTRY_OFFSET)) return null;
    const o = s.natural();
    if (o < 0 || !s.byte(0x7d)) return null;
    const res = new RecordResult();
    res.partition = p <= <i64>i32.MAX_VALUE ? <i32>p : -1;
    res.offset = o;
    a.results.push(res);
  }
  if (!s.byte(0x5d) || !s.byte(0x7d) || !s.atEnd()) return null;
  return a;
}

export class StrimziDialect extends Dialect {
  buildProduce(topic: string, partition: i32, records: Array<UpstreamRecord>, acks: i16): HttpCall {
    const call = new HttpCall();
    call.method = "POST";
    call.path = "/topics/" + topic + (acks == 0 ? "?async=true" : "");
    call.headers = [
      ["content-type", STRIMZI_CONTENT_TYPE],
      ["accept", STRIMZI_ACCEPT],
    ];
    let estimate = 16;
    for (let i = 0; i < records.length; i++) {
      const r = unchecked(records[i]).record;
      estimate += 64 + (r.key !== null ? (r.key as Uint8Array).length : 0) * 4 / 3;
      estimate += (r.value !== null ? (r.value as Uint8Array).length : 0) * 4 / 3;
    }
    const w = new Writer(estimate);
    w.bytes(BODY_OPEN);
    for (let i = 0; i < records.length; i++) {
      const u = unchecked(records[i]);
      const r = u.record;
      if (i > 0) w.int8(0x2c);
      w.bytes(REC_PARTITION);
      writeDecimal(w, partition);
      const key = r.key;
      if (key !== null) {
        w.bytes(REC_KEY);
        writeBase64String(w, key);
      }
      w.bytes(REC_VALUE);
      const value = r.value;
      if (value === null) w.bytes(NULL_TEXT);
      else writeBase64String(w, value);
      if (u.sendTimestamp && r.timestamp >= 0) {
        w.bytes(REC_TIMESTAMP);
        writeDecimal(w, r.timestamp);
      }
      const hs = r.headers;
      if (hs.length > 0) {
        w.bytes(REC_HEADERS);
        for (let h = 0; h < hs.length; h++) {
          const hd = unchecked(hs[h]);
          if (h > 0) w.int8(0x2c);
          w.bytes(HDR_KEY);
          writeJsonStringBytes(w, hd.key);
          w.bytes(REC_VALUE);
          const hv = hd.value;
          if (hv === null) w.bytes(EMPTY_STRING);
          else writeBase64String(w, hv);
          w.int8(0x7d);
        }
        w.int8(0x5d);
      }
      w.int8(0x7d);
    }
    w.bytes(BODY_CLOSE);
    call.body = w.view();
    return call;
  }

  parseProduce(status: i32, body: Uint8Array | null, recordCount: i32, acks: i16): UpstreamAnswer {
    if (status == 204 || (acks == 0 && status >= 200 && status < 300)) {
      // async=true: the bridge reports nothing per record; acks=0 clients expect no offsets.
      const a = new UpstreamAnswer();
      for (let i = 0; i < recordCount; i++) a.results.push(new RecordResult());
      return a;
    }
    if (status == 200 && body !== null) {
      const quick = parseCompactOffsets(body, recordCount);
      if (quick !== null) return quick;
    }
    let doc: JsonValue | null = null;
    if (body !== null) doc = parseJson(String.UTF8.decode(body.buffer.slice(body.byteOffset, body.byteOffset + body.length), false));
    if (status != 200) {
      let code: i32 = status;
      let message: string | null = "bridge answered HTTP " + status.toString();
      if (doc !== null && doc.isObject()) {
        const m = stringOf(doc.get("message"));
        if (m !== null) message = m;
        // The HTTP status decides; error_code only refines it through the message's exact Kafka code.
      }
      return UpstreamAnswer.fail(errorObjectToKafka(code, message, false), message as string);
    }
    if (doc === null || !doc.isObject()) return UpstreamAnswer.fail(KafkaError.UNKNOWN_SERVER_ERROR, "bridge answer is not a JSON object");
    const offsets = doc.get("offsets");
    if (offsets === null || !offsets.isArray() || offsets.items.length != recordCount) {
      return UpstreamAnswer.fail(KafkaError.UNKNOWN_SERVER_ERROR, "bridge answer does not hold one offset per record");
    }
    const a = new UpstreamAnswer();
    for (let i = 0; i < recordCount; i++) {
      const item = unchecked(offsets.items[i]);
      const res = new RecordResult();
      if (!item.isObject()) {
        res.errorCode = KafkaError.UNKNOWN_SERVER_ERROR;
        res.message = "bridge offset entry is not an object";
      } else {
        const p = item.get("partition");
        if (p !== null && p.isInteger()) {
          const pv = p.asI64();
          res.partition = pv >= 0 && pv <= i32.MAX_VALUE ? <i32>pv : -1;
        }
        const off = item.get("offset");
        const ec = item.get("error_code");
        if (ec !== null) {
          const m = stringOf(item.get("message"));
          res.message = m;
          const c = ec.isInteger() ? ec.asI64() : 500;
          res.errorCode = errorObjectToKafka(c >= -1 && c <= 100000 ? <i32>c : 500, m, true);
          if (res.errorCode == KafkaError.NONE) res.errorCode = KafkaError.UNKNOWN_SERVER_ERROR;
        } else if (off !== null && off.isInteger() && off.asI64() >= 0) {
          res.offset = off.asI64();
        } else {
          res.errorCode = KafkaError.UNKNOWN_SERVER_ERROR;
          res.message = "bridge offset entry has no valid offset";
        }
      }
      a.results.push(res);
    }
    return a;
  }
}
