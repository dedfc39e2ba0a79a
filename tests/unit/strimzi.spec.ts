import { base64Decode, base64Encode } from "./helpers/base64";
import { transportErrorCode, TransportFailure, UpstreamRecord } from "../../assembly/upstream/dialect";
import { isValidTopicName } from "../../assembly/mesh/topics";
import { StrimziDialect, kafkaCodeInMessage, writeDecimal } from "../../assembly/upstream/strimzi";
import { decodeRecords, Record, RecordHeader } from "../../assembly/records/batch";
import { KafkaError } from "../../assembly/kafka/errors";
import { parseJson, JsonKind } from "../../assembly/json";
import { Writer } from "../../assembly/kafka/wire";
import { hexToBytes, readProduceFrame } from "./helpers/produce_reader";
import * as javaNone from "../fixtures/produce/java_none";

function bytes(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}
function text(b: Uint8Array): string {
  return String.UTF8.decode(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

describe("base64", () => {
  it("encodes the RFC 4648 test vectors", () => {
    expect<string>(base64Encode(bytes(""))).toBe("");
    expect<string>(base64Encode(bytes("f"))).toBe("Zg==");
    expect<string>(base64Encode(bytes("fo"))).toBe("Zm8=");
    expect<string>(base64Encode(bytes("foo"))).toBe("Zm9v");
    expect<string>(base64Encode(bytes("foob"))).toBe("Zm9vYg==");
    expect<string>(base64Encode(bytes("fooba"))).toBe("Zm9vYmE=");
    expect<string>(base64Encode(bytes("foobar"))).toBe("Zm9vYmFy");
  });
  it("round-trips every byte value and uses + and /", () => {
    const all = new Uint8Array(256);
    for (let i = 0; i < 256; i++) all[i] = <u8>i;
    const s = base64Encode(all);
    expect<bool>(s.includes("+") && s.includes("/")).toBe(true);
    const back = base64Decode(s)!;
    expect<i32>(back.length).toBe(256);
    for (let i = 0; i < 256; i++) expect<u8>(back[i]).toBe(<u8>i);
    expect<string>(base64Encode(hexToBytes("000102fdfeff808080"))).toBe("AAEC/f7/gICA");
  });
  it("decoder refuses malformed text", () => {
    expect<bool>(base64Decode("Zm9") === null).toBe(true);
    expect<bool>(base64Decode("Zm9!") === null).toBe(true);
    expect<bool>(base64Decode("Z===") === null).toBe(true);
    expect<bool>(base64Decode("=Zm9") === null).toBe(true);
  });
});

describe("topic names", () => {
  it("follows Kafka's Topic.validate", () => {
    expect<bool>(isValidTopicName("b-capture")).toBe(true);
    expect<bool>(isValidTopicName("A.z_0-9")).toBe(true);
    expect<bool>(isValidTopicName("a".repeat(249))).toBe(true);
    expect<bool>(isValidTopicName("a".repeat(250))).toBe(false);
    expect<bool>(isValidTopicName("")).toBe(false);
    expect<bool>(isValidTopicName(".")).toBe(false);
    expect<bool>(isValidTopicName("..")).toBe(false);
    expect<bool>(isValidTopicName("...")).toBe(true);
    expect<bool>(isValidTopicName("a/b")).toBe(false);
    expect<bool>(isValidTopicName("a b")).toBe(false);
    expect<bool>(isValidTopicName("a?x=1")).toBe(false);
    expect<bool>(isValidTopicName("é")).toBe(false);
  });
});

function capturedUpstream(): Array<UpstreamRecord> {
  const req = readProduceFrame(hexToBytes(javaNone.FRAMES[0]));
  const p = decodeRecords(req.topics[0].partitions[0].records);
  const out = new Array<UpstreamRecord>();
  const recs = p.batches[0].records;
  for (let i = 0; i < recs.length; i++) out.push(new UpstreamRecord(2, recs[i], true));
  return out;
}

describe("StrimziDialect.buildProduce", () => {
  it("builds the send call of the OpenAPI for one partition: path, content type, records", () => {
    const d = new StrimziDialect();
    const call = d.buildProduce("b-capture", 2, capturedUpstream(), -1);
    expect<string>(call.method).toBe("POST");
    expect<string>(call.path).toBe("/topics/b-capture");
    expect<string>(call.headers[0][0]).toBe("content-type");
    expect<string>(call.headers[0][1]).toBe("application/vnd.kafka.binary.v2+json");
    const doc = parseJson(text(call.body))!;
    const recs = doc.get("records")!.items;
    expect<i32>(recs.length).toBe(5);
    const r0 = recs[0];
    expect<string>(r0.get("partition")!.text).toBe("2");
    expect<string>(text(base64Decode(r0.get("key")!.text)!)).toBe("k1");
    expect<string>(text(base64Decode(r0.get("value")!.text)!)).toBe("v1");
    expect<i64>(r0.get("timestamp")!.asI64()).toBe(1700000000000);
    const h = r0.get("headers")!.items;
    expect<i32>(h.length).toBe(2);
    expect<string>(h[0].get("key")!.text).toBe("h1");
    expect<string>(text(base64Decode(h[0].get("value")!.text)!)).toBe("x");
    // Null key: omitted (not JSON null). Null value: JSON null.
    expect<bool>(recs[1].get("key") === null).toBe(true);
    expect<i32>(recs[2].get("value")!.kind).toBe(JsonKind.NULL);
    expect<string>(recs[3].get("value")!.text).toBe("AAEC/f7/gICA");
    expect<bool>(recs[1].get("headers") === null).toBe(true);
  });
  it("uses async=true for acks=0 and leaves out timestamps when asked", () => {
    const recs = capturedUpstream();
    for (let i = 0; i < recs.length; i++) recs[i].sendTimestamp = false;
    const call = new StrimziDialect().buildProduce("b-capture", 0, recs, 0);
    expect<string>(call.path).toBe("/topics/b-capture?async=true");
    expect<bool>(parseJson(text(call.body))!.get("records")!.items[0].get("timestamp") === null).toBe(true);
  });
  it("sends a null header value as an empty string and escapes header keys", () => {
    const r = new Record();
    r.value = bytes("v");
    r.headers = [new RecordHeader(bytes('q"\\\n'), null), new RecordHeader(bytes("ü"), bytes("1"))];
    const call = new StrimziDialect().buildProduce("t", 0, [new UpstreamRecord(0, r, true)], 1);
    const rec = parseJson(text(call.body))!.get("records")!.items[0];
    expect<bool>(rec.get("timestamp") === null).toBe(true); // timestamp -1: not sent
    const hs = rec.get("headers")!.items;
    expect<string>(hs[0].get("key")!.text).toBe('q"\\\n');
    expect<string>(hs[0].get("value")!.text).toBe("");
    expect<string>(hs[1].get("key")!.text).toBe("ü");
  });
  it("writes int64 decimals exactly", () => {
    const w = new Writer();
    writeDecimal(w, i64.MAX_VALUE);
    w.int8(32);
    writeDecimal(w, i64.MIN_VALUE);
    w.int8(32);
    writeDecimal(w, 0);
    w.int8(32);
    writeDecimal(w, -42);
    expect<string>(text(w.view())).toBe("9223372036854775807 -9223372036854775808 0 -42");
  });
});

const d = new StrimziDialect();

describe("StrimziDialect.parseProduce", () => {
  it("reads per-record offsets, including large int64 offsets", () => {
    const a = d.parseProduce(200, bytes('{"offsets":[{"partition":2,"offset":9007199254740993},{"partition":2,"offset":0}]}'), 2, -1);
    expect<i16>(a.errorCode).toBe(KafkaError.NONE);
    expect<i64>(a.results[0].offset).toBe(9007199254740993);
    expect<i32>(a.results[0].partition).toBe(2);
    expect<i64>(a.results[1].offset).toBe(0);
  });
  it("maps per-record errors: Strimzi 404 and 500, the project's bridge exact code", () => {
    const a = d.parseProduce(200, bytes(
      '{"offsets":[{"error_code":404,"message":"Topic x not present in metadata after 60000 ms."},' +
      '{"error_code":500,"message":"boom"},' +
      '{"error_code":500,"message":"This server is not the leader [org.apache.kafka.common.errors.NotLeaderOrFollowerException; kafka_error_code=6 NOT_LEADER_OR_FOLLOWER]"},' +
      '{"error_code":422,"message":"too big [org.apache.kafka.common.errors.RecordTooLargeException; kafka_error_code=10 MESSAGE_TOO_LARGE]"},' +
      '{"partition":1,"offset":7}]}'), 5, -1);
    expect<i16>(a.results[0].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
    expect<i16>(a.results[1].errorCode).toBe(KafkaError.UNKNOWN_SERVER_ERROR);
    expect<i16>(a.results[2].errorCode).toBe(KafkaError.NOT_LEADER_OR_FOLLOWER);
    expect<i16>(a.results[3].errorCode).toBe(KafkaError.MESSAGE_TOO_LARGE);
    expect<i16>(a.results[4].errorCode).toBe(KafkaError.NONE);
    expect<string | null>(a.results[1].message).toBe("boom");
  });
  it("maps whole-call errors by HTTP status", () => {
    expect<i16>(d.parseProduce(404, bytes('{"error_code":404,"message":"The specified topic was not found."}'), 1, -1).errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
    expect<i16>(d.parseProduce(422, bytes('{"error_code":422,"message":"The record list contains invalid records."}'), 1, -1).errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i16>(d.parseProduce(400, bytes('{"error_code":400,"message":"Validation error"}'), 1, -1).errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i16>(d.parseProduce(413, null, 1, -1).errorCode).toBe(KafkaError.MESSAGE_TOO_LARGE);
    expect<i16>(d.parseProduce(500, bytes('{"error_code":500,"message":"Internal Server Error"}'), 1, -1).errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    expect<i16>(d.parseProduce(503, bytes('{"error_code":503,"message":"Bridge is overloaded, please retry later"}'), 1, -1).errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    expect<i16>(d.parseProduce(504, bytes("upstream timeout"), 1, -1).errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    expect<i16>(transportErrorCode(TransportFailure.TIMEOUT)).toBe(KafkaError.REQUEST_TIMED_OUT);
    // Not NETWORK_EXCEPTION: librdkafka (rd_kafka_err_action) fails Produce batches answered with
    // it instead of retrying them; REQUEST_TIMED_OUT is retried by librdkafka, Java and kafkajs.
    expect<i16>(transportErrorCode(TransportFailure.CONNECTION)).toBe(KafkaError.REQUEST_TIMED_OUT);
  });
  it("answers acks=0 (204) with success for every record", () => {
    const a = d.parseProduce(204, null, 3, 0);
    expect<i16>(a.errorCode).toBe(KafkaError.NONE);
    expect<i32>(a.results.length).toBe(3);
  });
  it("turns malformed or mismatched answers into UNKNOWN_SERVER_ERROR, never a trap", () => {
    const bad: string[] = ["", "{", "[]", "null", '{"offsets":{}}', '{"offsets":[]}',
      '{"offsets":[{"partition":0,"offset":1}]}', "\u0000\u0001", '{"offsets":[{"partition":0,"offset":1},{"partition":0,"offset":1}],"x":}'];
    for (let i = 0; i < bad.length; i++) {
      const a = d.parseProduce(200, bytes(bad[i]), 2, -1);
      expect<i16>(a.errorCode).toBe(KafkaError.UNKNOWN_SERVER_ERROR);
    }
    const notObjects = d.parseProduce(200, bytes('{"offsets":[1,"x"]}'), 2, -1);
    expect<i16>(notObjects.results[0].errorCode).toBe(KafkaError.UNKNOWN_SERVER_ERROR);
    expect<i16>(notObjects.results[1].errorCode).toBe(KafkaError.UNKNOWN_SERVER_ERROR);
    const a = d.parseProduce(200, bytes('{"offsets":[{"partition":0,"offset":-5},{"partition":0,"offset":1.5}]}'), 2, -1);
    expect<i16>(a.results[0].errorCode).toBe(KafkaError.UNKNOWN_SERVER_ERROR);
    expect<i16>(a.results[1].errorCode).toBe(KafkaError.UNKNOWN_SERVER_ERROR);
    // Every prefix of a real answer: error or success, never a trap.
    const full = '{"offsets":[{"partition":2,"offset":123456789012},{"error_code":404,"message":"m"}]}';
    for (let n = 0; n < full.length; n++) d.parseProduce(200, bytes(full.substring(0, n)), 2, -1);
  });
  it("extracts kafka_error_code from messages", () => {
    expect<i32>(kafkaCodeInMessage("x [E; kafka_error_code=45 OUT_OF_ORDER_SEQUENCE_NUMBER]")).toBe(45);
    expect<i32>(kafkaCodeInMessage("x [E; kafka_error_code=-1 UNKNOWN_SERVER_ERROR]")).toBe(-1);
    expect<i32>(kafkaCodeInMessage("kafka_error_code=")).toBe(i32.MIN_VALUE);
    expect<i32>(kafkaCodeInMessage(null)).toBe(i32.MIN_VALUE);
  });
});
