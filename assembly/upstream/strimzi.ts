// The Strimzi Kafka Bridge produce API (openapi.json, operation "send"):
//   POST /topics/{topicname}[?async=true]
//   content-type: application/vnd.kafka.binary.v2+json
//   {"records":[{"partition":p,"key":b64,"value":b64|null,"timestamp":ms,"headers":[{"key":"k","value":b64}]}]}
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

/** Appends the decimal text of v without allocating a string. */
export function writeDecimal(w: Writer, v: i64): void {
  if (v == i64.MIN_VALUE) {
    ascii(w, "-9223372036854775808");
    return;
  }
  if (v < 0) {
    w.int8(45);
    v = -v;
  }
  let div: i64 = 1;
  while (v / div >= 10) div *= 10;
  while (div > 0) {
    w.int8(<i8>(48 + <i32>((v / div) % 10)));
    div /= 10;
  }
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

export class StrimziDialect extends Dialect {
  buildProduce(topic: string, records: Array<UpstreamRecord>, acks: i16): HttpCall {
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
    ascii(w, '{"records":[');
    for (let i = 0; i < records.length; i++) {
      const u = unchecked(records[i]);
      const r = u.record;
      if (i > 0) w.int8(0x2c);
      ascii(w, '{"partition":');
      writeDecimal(w, u.partition);
      const key = r.key;
      if (key !== null) {
        ascii(w, ',"key":');
        writeBase64String(w, key);
      }
      ascii(w, ',"value":');
      const value = r.value;
      if (value === null) ascii(w, "null");
      else writeBase64String(w, value);
      if (u.sendTimestamp && r.timestamp >= 0) {
        ascii(w, ',"timestamp":');
        writeDecimal(w, r.timestamp);
      }
      const hs = r.headers;
      if (hs.length > 0) {
        ascii(w, ',"headers":[');
        for (let h = 0; h < hs.length; h++) {
          const hd = unchecked(hs[h]);
          if (h > 0) w.int8(0x2c);
          ascii(w, '{"key":');
          writeJsonStringBytes(w, hd.key);
          ascii(w, ',"value":');
          const hv = hd.value;
          if (hv === null) ascii(w, '""');
          else writeBase64String(w, hv);
          w.int8(0x7d);
        }
        w.int8(0x5d);
      }
      w.int8(0x7d);
    }
    ascii(w, "]}");
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
