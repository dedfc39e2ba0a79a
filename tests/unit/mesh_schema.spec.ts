// Schema-aware forwarding (docs/schemas.md) through a Connection: Produce requests to topics
// with a policy are held while their records' schema ids are looked up in the registry (whose
// HTTP calls the tests answer by hand), then refused with INVALID_RECORD (record errors in
// Produce v8+), REQUEST_TIMED_OUT (registry failure, fail_closed) or forwarded; the cache (TTLs,
// negative entries, LRU bound, one lookup per id), the connection's Produce order, tombstones,
// key policies and the subject strategies; payload checks of Avro, JSON Schema and Protobuf.
import { KafkaError } from "../../assembly/kafka/errors";
import { ApiKey } from "../../assembly/kafka/messages/api_keys";
import { PartitionProduceData, ProduceRequest, TopicProduceData } from "../../assembly/kafka/messages/produce_request";
import { PartitionProduceResponse, ProduceResponse, TopicProduceResponse } from "../../assembly/kafka/messages/produce_response";
import { RequestHeader } from "../../assembly/kafka/messages/request_header";
import { ResponseHeader } from "../../assembly/kafka/messages/response_header";
import { Reader, Writer } from "../../assembly/kafka/wire";
import { parseConfig, RestBridge } from "../../assembly/mesh/config";
import { Connection } from "../../assembly/mesh/connection";
import { MeshContext } from "../../assembly/mesh/context";
import { MeshMetrics } from "../../assembly/mesh/metrics";
import { InMemoryBlockSource } from "../../assembly/mesh/producer_state";
import { LocalTopicIdStore } from "../../assembly/mesh/topics";
import { StreamReceiver, StreamTransport } from "../../assembly/mesh/upstream_transport";
import { crc32c } from "../../assembly/records/crc32c";
import { NATIVE_PRODUCE_VERSION } from "../../assembly/upstream/native";
import { base64Encode } from "./helpers/base64";
import { AVRO_PAYLOADS, AVRO_SCHEMAS } from "../fixtures/schema/avro_vectors";
import { JSON_PAYLOADS, JSON_SCHEMAS } from "../fixtures/schema/json_vectors";
import { toBytes } from "./helpers/wire";
import { answer, beginRequest, endRequest, newConnection, RecordingTransport, splitAnswers } from "./mesh_harness";

const REGISTRY_CLUSTER = "schema_registry";
const BASE_PATH = "/apis/ccompat/v7";
const CACHE_TTL_MS: i64 = 60000;
const NEGATIVE_TTL_MS: i64 = 5000;
/** The registry's failed lookups are remembered this long (schema_registry.ts). */
const FAILED_TTL_MS: i64 = 1000;

const AVRO_ORDER = '{"type":"record","name":"Order","namespace":"mesh.test","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"}]}';
const AVRO_OTHER = '{"type":"record","name":"Other","namespace":"mesh.test","fields":[{"name":"n","type":"int"}]}';
const JSON_ORDER = '{"$schema":"http://json-schema.org/draft-07/schema#","title":"mesh.test.JsonOrder","type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer","minimum":0}},"required":["id","amount"],"additionalProperties":false}';
const PROTO_ORDER = 'syntax = "proto3"; package mesh.test; message Order { string id = 1; int64 amount = 2; }';

/**
 * c1 (topics app*) and c3 (b*), every policy shape the tests use. `dialect` of both bridges:
 * "strimzi" (HTTP calls, recorded with the registry's) or "native" (streams).
 */
function meshConfig(failureMode: string = "fail_closed", maxEntries: i32 = 10000, dialect: string = "strimzi"): string {
  return `{
  "advertised_host": "127.0.0.1", "advertised_port": 19092,
  "upstream_clusters": [
    {"cluster_name": "c1", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b1", "authority": "127.0.0.1:8180", "dialect": "${dialect}"}},
    {"cluster_name": "c3", "partition_count": 5, "rest_bridge": {"envoy_cluster": "b3", "authority": "127.0.0.1:8182", "dialect": "${dialect}"}}
  ],
  "forwarding_rules": [
    {"topic_prefix": "app", "target_cluster": "c1"},
    {"topic_prefix": "b", "target_cluster": "c3"}
  ],
  "schema_registry": {"envoy_cluster": "${REGISTRY_CLUSTER}", "authority": "127.0.0.1:8090", "base_path": "${BASE_PATH}",
    "timeout_ms": 1500, "cache_ttl_ms": ${CACHE_TTL_MS}, "negative_cache_ttl_ms": ${NEGATIVE_TTL_MS},
    "max_cache_entries": ${maxEntries}, "failure_mode": "${failureMode}"},
  "topic_policies": [
    {"topic_prefix": "apples-avro", "value_schema": {"required": true, "schema_type": "AVRO", "subject_strategy": "topic_name", "validate": "id"}},
    {"topic_prefix": "apples-payload", "value_schema": {"schema_type": "AVRO", "validate": "payload"}},
    {"topic_prefix": "apples-byname", "value_schema": {"subject_strategy": "record_name", "validate": "id"}},
    {"topic_prefix": "apples-fixed", "value_schema": {"subject_strategy": "fixed", "subject": "shared-orders", "validate": "id"}},
    {"topic_prefix": "apples-optional", "value_schema": {"required": false, "validate": "id"}},
    {"topic_prefix": "apples-framing", "value_schema": {"validate": "none"}},
    {"topic_prefix": "bananas-json", "value_schema": {"schema_type": "JSON", "validate": "payload"}},
    {"topic_prefix": "bananas-byname", "value_schema": {"schema_type": "JSON", "subject_strategy": "record_name", "validate": "id"}},
    {"topic_prefix": "bananas-proto", "value_schema": {"schema_type": "PROTOBUF", "validate": "payload"}},
    {"topic_prefix": "bananas-keyed", "key_schema": {"required": true, "validate": "id"}}
  ]
}`;
}

/** A settable clock that counts what the schema checks report. */
class SchemaMetrics extends MeshMetrics {
  now: i64 = 1000;
  registryCalls: i32 = 0;
  registryErrors: i32 = 0;
  cacheHits: i32 = 0;
  failedOpen: i32 = 0;
  /** "topic reason" per refused partition. */
  rejected: Array<string> = [];
  nowMillis(): i64 {
    return this.now;
  }
  schemaRegistryCall(): void {
    this.registryCalls++;
  }
  schemaRegistryError(): void {
    this.registryErrors++;
  }
  schemaCacheHit(): void {
    this.cacheHits++;
  }
  schemaFailedOpen(topic: string): void {
    this.failedOpen++;
  }
  schemaRejected(topic: string, reason: string): void {
    this.rejected.push(topic + " " + reason);
  }
}

/** Native-dialect streams kept in memory: every message sent, answered by hand. */
class Streams extends StreamTransport {
  receivers: Map<u32, StreamReceiver> = new Map();
  sent: Array<Uint8Array> = [];
  sentOn: Array<u32> = [];
  private next: u32 = 1;
  open(bridge: RestBridge, service: string, method: string, receiver: StreamReceiver): u32 {
    const id = this.next++;
    this.receivers.set(id, receiver);
    return id;
  }
  send(stream: u32, message: Uint8Array): bool {
    if (!this.receivers.has(stream)) return false;
    this.sent.push(message.slice());
    this.sentOn.push(stream);
    return true;
  }
  cancel(stream: u32): void {
    this.receivers.delete(stream);
  }
  /** The request of message i. */
  request(i: i32): ProduceRequest {
    const r = new Reader(this.sent[i]);
    RequestHeader.decode(r, 2);
    return ProduceRequest.decode(r, NATIVE_PRODUCE_VERSION);
  }
  /** The bridge answers message i: NONE and base offset `offset` for every partition. */
  answerOk(i: i32, offset: i64): void {
    const r = new Reader(this.sent[i]);
    const h = RequestHeader.decode(r, 2);
    const req = ProduceRequest.decode(r, NATIVE_PRODUCE_VERSION);
    const resp = new ProduceResponse();
    for (let t = 0; t < req.topicData.length; t++) {
      const tr = new TopicProduceResponse();
      tr.name = req.topicData[t].name;
      for (let p = 0; p < req.topicData[t].partitionData.length; p++) {
        const pr = new PartitionProduceResponse();
        pr.index = req.topicData[t].partitionData[p].index;
        pr.baseOffset = offset;
        tr.partitionResponses.push(pr);
      }
      resp.responses.push(tr);
    }
    const w = new Writer();
    const rh = new ResponseHeader();
    rh.correlationId = h.correlationId;
    rh.encode(w, 1);
    resp.encode(w, NATIVE_PRODUCE_VERSION);
    this.receivers.get(this.sentOn[i]).onStreamMessage(this.sentOn[i], toBytes(w));
  }
}

/** One record of a batch; null key or value kept apart from empty. */
class Rec {
  constructor(
    public key: Uint8Array | null,
    public value: Uint8Array | null,
  ) {}
}

function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = <u8>I32.parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

function bytesOf(values: Array<i32>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = <u8>values[i];
  return out;
}

/** The Confluent wire format: magic byte 0, the schema id (big-endian), the payload. */
function framed(id: i32, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out[0] = 0;
  out[1] = <u8>(id >>> 24);
  out[2] = <u8>(id >>> 16);
  out[3] = <u8>(id >>> 8);
  out[4] = <u8>id;
  out.set(payload, 5);
  return out;
}

/** A value framed with `id` and a few opaque payload bytes (for checks that stop at the id). */
function idValue(id: i32): Uint8Array {
  return framed(id, utf8("payload"));
}

function values(list: Array<Uint8Array | null>): Array<Rec> {
  const out = new Array<Rec>();
  for (let i = 0; i < list.length; i++) out.push(new Rec(utf8("k" + i.toString()), list[i]));
  return out;
}

function one(value: Uint8Array | null): Array<Rec> {
  return [new Rec(utf8("k"), value)];
}

/** CRC-32 (IEEE, bitwise), for the gzip trailer. */
function crc32(b: Uint8Array): u32 {
  let c: u32 = 0xffffffff;
  for (let i = 0; i < b.length; i++) {
    c ^= <u32>b[i];
    for (let k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c;
}

/** A gzip member holding `data` in one stored (uncompressed) DEFLATE block (RFC 1951, 1952). */
function gzipStored(data: Uint8Array): Uint8Array {
  const w = new Writer();
  const header: Array<i32> = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
  for (let i = 0; i < header.length; i++) w.int8(<i8>header[i]);
  w.int8(1); // BFINAL, BTYPE 00 (stored)
  const n = data.length;
  const lenBytes: Array<i32> = [n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff];
  for (let i = 0; i < 4; i++) w.int8(<i8>lenBytes[i]);
  w.bytes(data);
  const crc = crc32(data);
  for (let i = 0; i < 4; i++) w.int8(<i8>(crc >>> (8 * i)));
  for (let i = 0; i < 4; i++) w.int8(<i8>(n >>> (8 * i)));
  return toBytes(w);
}

/** A record batch (magic 2, no producer id) holding `recs`, with its CRC-32C; gzip-compressed when asked. */
function batch(recs: Array<Rec>, gzip: bool = false): Uint8Array {
  const body = new Writer();
  for (let i = 0; i < recs.length; i++) {
    const r = new Writer();
    r.int8(0); // attributes
    r.varlong(<i64>i); // timestamp delta
    r.varint(i); // offset delta
    const key = recs[i].key;
    if (key === null) r.varint(-1);
    else {
      r.varint(key.length);
      r.bytes(key);
    }
    const value = recs[i].value;
    if (value === null) r.varint(-1);
    else {
      r.varint(value.length);
      r.bytes(value);
    }
    r.varint(0); // headers
    const rb = toBytes(r);
    body.varint(rb.length);
    body.bytes(rb);
  }
  const plainRecords = toBytes(body);
  const records = gzip ? gzipStored(plainRecords) : plainRecords;
  const w = new Writer();
  w.int64(0); // base offset
  w.int32(49 + records.length); // batch length: from the partition leader epoch on
  w.int32(-1); // partition leader epoch
  w.int8(2); // magic
  w.uint32(0); // CRC, patched below
  w.int16(gzip ? 1 : 0); // attributes: compression
  w.int32(recs.length - 1); // last offset delta
  w.int64(1700000000000); // base timestamp
  w.int64(1700000000000 + <i64>(recs.length - 1)); // max timestamp
  w.int64(-1); // producer id
  w.int16(-1); // producer epoch
  w.int32(-1); // base sequence
  w.int32(recs.length);
  w.bytes(records);
  const out = toBytes(w);
  const crc = crc32c(out, 21, out.length);
  out[17] = <u8>(crc >>> 24);
  out[18] = <u8>(crc >>> 16);
  out[19] = <u8>(crc >>> 8);
  out[20] = <u8>crc;
  return out;
}

/** A JSON string literal of `s`. */
function quoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c == '"' || c == "\\") out += "\\" + c;
    else if (c == "\n") out += "\\n";
    else out += c;
  }
  return out + '"';
}

/** A connection to a mesh whose registry calls (and Strimzi bridge calls) are answered by hand. */
class Rig {
  metrics: SchemaMetrics;
  http: RecordingTransport;
  streams: Streams;
  mesh: MeshContext;
  c: Connection;
  /** Per HTTP call: answered already. */
  private done: Array<bool> = [];
  private bridgeDone: Set<i32> = new Set();
  private correlation: i32 = 1;

  constructor(configText: string = meshConfig()) {
    const parsed = parseConfig(configText);
    expect<string>(parsed.error).toBe("");
    const metrics = new SchemaMetrics();
    const http = new RecordingTransport();
    const streams = new Streams();
    const mesh = new MeshContext(parsed.config!, new LocalTopicIdStore(), http, metrics, new InMemoryBlockSource(), streams);
    this.metrics = metrics;
    this.http = http;
    this.streams = streams;
    this.mesh = mesh;
    this.c = newConnection(mesh);
  }

  /** Another client connection to the same mesh (same VM, same cache). */
  connection(): Connection {
    return newConnection(this.mesh);
  }

  /** Sends a Produce of one partition per entry; its correlation id. */
  produceTo(c: Connection, version: i16, topics: Array<string>, partitions: Array<i32>, batches: Array<Uint8Array | null>, acks: i16 = -1): i32 {
    const id = this.correlation++;
    const w = new Writer();
    const start = beginRequest(w, ApiKey.Produce, version, id);
    const req = new ProduceRequest();
    req.acks = acks;
    req.timeoutMs = 30000;
    for (let i = 0; i < topics.length; i++) {
      const t = new TopicProduceData();
      t.name = topics[i];
      const p = new PartitionProduceData();
      p.index = partitions[i];
      p.records = batches[i];
      t.partitionData.push(p);
      req.topicData.push(t);
    }
    req.encode(w, version);
    endRequest(w, start);
    c.onData(toBytes(w));
    return id;
  }

  /** One partition's Produce (v9) on the rig's connection. */
  produce(topic: string, recs: Array<Rec>, version: i16 = 9): i32 {
    return this.produceTo(this.c, version, [topic], [0], [batch(recs)]);
  }

  /** The answers waiting on `c` (none: an empty list). */
  answersOf(c: Connection, version: i16 = 9): Array<ProduceResponse> {
    const out = new Array<ProduceResponse>();
    const all = splitAnswers(c.takeAnswers(), ApiKey.Produce, version);
    for (let i = 0; i < all.length; i++) {
      const r = all[i].body;
      out.push(ProduceResponse.decode(r, version));
      expect<bool>(r.failed).toBe(false);
    }
    return out;
  }

  /** The single partition of the single answer waiting on the rig's connection. */
  only(version: i16 = 9): PartitionProduceResponse {
    const a = this.answersOf(this.c, version);
    expect<i32>(a.length).toBe(1);
    expect<i32>(a[0].responses.length).toBe(1);
    return a[0].responses[0].partitionResponses[0];
  }

  /** Calls made to the registry so far. */
  registryCalls(): i32 {
    let n = 0;
    for (let i = 0; i < this.http.calls.length; i++) if (this.http.bridges[i].envoyCluster == REGISTRY_CLUSTER) n++;
    return n;
  }

  /** Calls made to Strimzi bridges so far. */
  bridgeCalls(): Array<i32> {
    const out = new Array<i32>();
    for (let i = 0; i < this.http.calls.length; i++) if (this.http.bridges[i].envoyCluster != REGISTRY_CLUSTER) out.push(i);
    return out;
  }

  /** The unanswered registry call for `path` (below the base path), or -1. */
  pendingCall(path: string): i32 {
    for (let i = 0; i < this.http.calls.length; i++) {
      while (this.done.length < this.http.calls.length) this.done.push(false);
      if (!this.done[i] && this.http.bridges[i].envoyCluster == REGISTRY_CLUSTER && this.http.calls[i].path == path) return i;
    }
    return -1;
  }

  private reply(path: string, status: i32, body: string | null): void {
    const i = this.pendingCall(path);
    expect<i32>(i).toBeGreaterThanOrEqual(0);
    this.done[i] = true;
    answer(this.http, i, status, body);
  }

  /** The registry answers both calls of id's lookup: the schema and the subjects it is under. */
  registered(id: i32, schemaType: string, text: string, subjects: Array<string>): void {
    const typeField = schemaType == "AVRO" ? "" : ',"schemaType":' + quoted(schemaType);
    let versions = "[";
    for (let i = 0; i < subjects.length; i++) versions += (i > 0 ? "," : "") + '{"subject":' + quoted(subjects[i]) + ',"version":1}';
    versions += "]";
    this.reply("/schemas/ids/" + id.toString(), 200, '{"schema":' + quoted(text) + typeField + "}");
    this.reply("/schemas/ids/" + id.toString() + "/versions", 200, versions);
  }

  /** The registry has no such id (404 to both calls, as Confluent's and Apicurio's). */
  missing(id: i32): void {
    const body = '{"error_code":40403,"message":"Schema not found"}';
    this.reply("/schemas/ids/" + id.toString(), 404, body);
    this.reply("/schemas/ids/" + id.toString() + "/versions", 404, body);
  }

  /** Both calls of id's lookup fail with `status` (0: no HTTP answer at all). */
  failed(id: i32, status: i32): void {
    this.reply("/schemas/ids/" + id.toString(), status, status == 0 ? null : "upstream error");
    this.reply("/schemas/ids/" + id.toString() + "/versions", status, status == 0 ? null : "upstream error");
  }

  /** Strimzi bridge call i is answered: one offset per record of its body, from `first` on. */
  bridgeOk(i: i32, first: i64): void {
    const body = callText(this.http, i);
    const parts = body.split('{"partition":');
    const partition = I32.parseInt(parts[1].substring(0, parts[1].indexOf(",")));
    let answerBody = '{"offsets":[';
    for (let k = 0; k < parts.length - 1; k++) {
      answerBody += (k > 0 ? "," : "") + '{"partition":' + partition.toString() + ',"offset":' + (first + <i64>k).toString() + "}";
    }
    this.bridgeDone.add(i);
    answer(this.http, i, 200, answerBody + "]}");
  }

  /**
   * Answers every bridge call until none is left unanswered (the Strimzi dialect keeps one call
   * per (cluster, topic, partition) in flight, so answers let queued ones go); call i's records
   * get offsets from 100 * i. Returns how many calls were answered.
   */
  flush(): i32 {
    let n = 0;
    let any = true;
    while (any) {
      const calls = this.bridgeCalls();
      any = false;
      for (let k = 0; k < calls.length; k++) {
        if (this.bridgeDone.has(calls[k])) continue;
        this.bridgeOk(calls[k], <i64>(100 * calls[k]));
        any = true;
        n++;
      }
    }
    return n;
  }

  /** The Strimzi bridge call i's path (/topics/<topic>). */
  bridgePath(i: i32): string {
    return this.http.calls[i].path;
  }
}

function callText(t: RecordingTransport, i: i32): string {
  const b = t.calls[i].body;
  return String.UTF8.decode(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

function base64Of(b: Uint8Array): string {
  return base64Encode(b);
}

function includes(s: string | null, part: string): bool {
  return s !== null && s.includes(part);
}

describe("schema checks: framing, ids, types and subjects", () => {
  it("refuses values without the framing with INVALID_RECORD and a record error per record, asking the registry nothing", () => {
    const rig = new Rig();
    rig.produce("apples-avro", values([utf8("plain text"), utf8('{"id":"A1"}'), bytesOf([0, 0, 1])]));
    expect<i32>(rig.registryCalls()).toBe(0);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i64>(p.baseOffset).toBe(-1);
    expect<bool>(includes(p.errorMessage, "Record 0: the value does not carry a schema id")).toBe(true);
    expect<i32>(p.recordErrors.length).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect<i32>(p.recordErrors[i].batchIndex).toBe(i);
      expect<bool>(includes(p.recordErrors[i].batchIndexErrorMessage, "Confluent wire format")).toBe(true);
    }
    expect<i32>(rig.bridgeCalls().length).toBe(0);
    expect<string>(rig.metrics.rejected.join(",")).toBe("apples-avro no_framing");
  });

  it("refuses the whole batch for one bad record: the others are not written, the record error names it", () => {
    const rig = new Rig();
    rig.produce("apples-avro", values([idValue(1), utf8("plain"), idValue(1)]));
    expect<i32>(rig.registryCalls()).toBe(2);
    expect<i32>(rig.answersOf(rig.c).length).toBe(0);
    rig.registered(1, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i32>(p.recordErrors.length).toBe(1);
    expect<i32>(p.recordErrors[0].batchIndex).toBe(1);
    expect<bool>(includes(p.errorMessage, "Record 1: ")).toBe(true);
    expect<i32>(rig.bridgeCalls().length).toBe(0);
  });

  it("answers the error code only below Produce v8 (no error message, no record errors)", () => {
    const rig = new Rig();
    rig.produce("apples-avro", values([utf8("plain")]), 7);
    const p = rig.only(7);
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<bool>(p.errorMessage === null).toBe(true);
    expect<i32>(p.recordErrors.length).toBe(0);
    // v8, the first version with record errors, has them.
    rig.produce("apples-avro", values([utf8("plain")]), 8);
    const q = rig.only(8);
    expect<i16>(q.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i32>(q.recordErrors.length).toBe(1);
    expect<bool>(includes(q.errorMessage, "schema id")).toBe(true);
  });

  it("looks a framed id up (GET <base>/schemas/ids/{id} and .../versions on the registry's cluster) and forwards valid records", () => {
    const rig = new Rig();
    rig.produce("apples-avro", values([idValue(42), idValue(42)]));
    expect<i32>(rig.http.calls.length).toBe(2);
    for (let i = 0; i < 2; i++) {
      expect<string>(rig.http.calls[i].method).toBe("GET");
      expect<string>(rig.http.bridges[i].envoyCluster).toBe(REGISTRY_CLUSTER);
      expect<string>(rig.http.bridges[i].authority).toBe("127.0.0.1:8090");
      expect<string>(rig.http.bridges[i].pathPrefix).toBe(BASE_PATH);
      expect<u32>(rig.http.timeouts[i]).toBe(1500);
      expect<i32>(rig.http.calls[i].body.length).toBe(0);
    }
    expect<string>(rig.http.calls[0].path).toBe("/schemas/ids/42");
    expect<string>(rig.http.calls[1].path).toBe("/schemas/ids/42/versions");
    expect<bool>(rig.http.calls[0].headers[0][1].includes("application/vnd.schemaregistry.v1+json")).toBe(true);
    expect<i32>(rig.bridgeCalls().length).toBe(0); // held while the lookup runs
    rig.registered(42, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    const calls = rig.bridgeCalls();
    expect<i32>(calls.length).toBe(1);
    expect<string>(rig.bridgePath(calls[0])).toBe("/topics/apples-avro");
    expect<i32>(rig.answersOf(rig.c).length).toBe(0);
    rig.bridgeOk(calls[0], 100);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.NONE);
    expect<i64>(p.baseOffset).toBe(100);
    expect<i32>(rig.metrics.rejected.length).toBe(0);
  });

  it("decompresses a policy topic's batch to check its records (gzip)", () => {
    const rig = new Rig();
    rig.produce("apples-avro", values([idValue(43), utf8("plain")]));
    rig.produceTo(rig.c, 9, ["apples-avro"], [0], [batch(values([idValue(43), utf8("plain")]), true)]);
    rig.produceTo(rig.c, 9, ["apples-avro"], [0], [batch(values([idValue(43), idValue(43)]), true)]);
    rig.registered(43, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    rig.flush();
    const a = rig.answersOf(rig.c);
    expect<i32>(a.length).toBe(3);
    for (let i = 0; i < 2; i++) {
      const p = a[i].responses[0].partitionResponses[0];
      expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
      expect<i32>(p.recordErrors.length).toBe(1);
      expect<i32>(p.recordErrors[0].batchIndex).toBe(1);
    }
    expect<i16>(a[2].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
  });

  it("refuses an id the registry does not know (404) with INVALID_RECORD", () => {
    const rig = new Rig();
    rig.produce("apples-avro", values([idValue(9)]));
    rig.missing(9);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<bool>(includes(p.recordErrors[0].batchIndexErrorMessage, "schema id 9 of the value is not registered")).toBe(true);
    expect<string>(rig.metrics.rejected.join(",")).toBe("apples-avro unknown_id");
    expect<i32>(rig.bridgeCalls().length).toBe(0);
  });

  it("refuses an id registered under another subject only (the topic-name strategy's is <topic>-value)", () => {
    const rig = new Rig();
    rig.produce("apples-avro-orders", values([idValue(3)]));
    rig.registered(3, "AVRO", AVRO_ORDER, ["apples-avro-value", "other-value"]);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<bool>(includes(p.recordErrors[0].batchIndexErrorMessage, "not registered under subject apples-avro-orders-value")).toBe(true);
    expect<string>(rig.metrics.rejected.join(",")).toBe("apples-avro-orders wrong_subject");
  });

  it("refuses an id of the wrong schema type (a JSON Schema id where AVRO is required)", () => {
    const rig = new Rig();
    rig.produce("apples-avro", values([idValue(4)]));
    rig.registered(4, "JSON", JSON_ORDER, ["apples-avro-value"]);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<bool>(includes(p.recordErrors[0].batchIndexErrorMessage, "schema id 4 of the value is JSON, not AVRO")).toBe(true);
    expect<string>(rig.metrics.rejected.join(",")).toBe("apples-avro wrong_type");
  });

  it("refuses one partition and forwards the others of the same request", () => {
    const rig = new Rig();
    rig.produceTo(rig.c, 9, ["apples-avro", "apples", "apples-avro-x"], [0, 0, 0], [batch(one(idValue(5))), batch(one(utf8("free text"))), batch(one(idValue(6)))]);
    rig.registered(5, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    expect<i32>(rig.bridgeCalls().length).toBe(0); // the request waits for every id it names
    rig.missing(6);
    const calls = rig.bridgeCalls();
    expect<i32>(calls.length).toBe(2);
    expect<string>(rig.bridgePath(calls[0])).toBe("/topics/apples-avro");
    expect<string>(rig.bridgePath(calls[1])).toBe("/topics/apples");
    rig.bridgeOk(calls[0], 10);
    rig.bridgeOk(calls[1], 20);
    const a = rig.answersOf(rig.c);
    expect<i32>(a.length).toBe(1);
    expect<i16>(a[0].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
    expect<i64>(a[0].responses[0].partitionResponses[0].baseOffset).toBe(10);
    expect<i16>(a[0].responses[1].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
    expect<i64>(a[0].responses[1].partitionResponses[0].baseOffset).toBe(20);
    expect<i16>(a[0].responses[2].partitionResponses[0].errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<string>(rig.metrics.rejected.join(",")).toBe("apples-avro-x unknown_id");
  });

  it("checks a record-name subject: Avro namespace.name, JSON Schema title", () => {
    const rig = new Rig();
    rig.produce("apples-byname", values([idValue(11)]));
    rig.registered(11, "AVRO", AVRO_ORDER, ["mesh.test.Order"]);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
    // The topic-name subject does not count under this strategy.
    rig.produce("apples-byname", values([idValue(12)]));
    rig.registered(12, "AVRO", AVRO_OTHER, ["apples-byname-value"]);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<bool>(includes(p.recordErrors[0].batchIndexErrorMessage, "not registered under subject mesh.test.Other")).toBe(true);
    // JSON Schema: the title names the record.
    rig.produce("bananas-byname", values([idValue(13)]));
    rig.registered(13, "JSON", JSON_ORDER, ["mesh.test.JsonOrder"]);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
  });

  it("refuses a record-name subject when the schema names no record (a JSON Schema without title)", () => {
    const rig = new Rig();
    rig.produce("bananas-byname", values([idValue(14)]));
    rig.registered(14, "JSON", '{"type":"object","properties":{"a":{"type":"string"}}}', ["bananas-byname-value"]);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<bool>(includes(p.recordErrors[0].batchIndexErrorMessage, "no record name")).toBe(true);
    expect<string>(rig.metrics.rejected.join(",")).toBe("bananas-byname wrong_subject");
  });

  it("checks a fixed subject", () => {
    const rig = new Rig();
    rig.produce("apples-fixed-1", values([idValue(21)]));
    rig.registered(21, "AVRO", AVRO_ORDER, ["shared-orders"]);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
    rig.produce("apples-fixed-2", values([idValue(22)]));
    rig.registered(22, "AVRO", AVRO_ORDER, ["apples-fixed-2-value"]);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<bool>(includes(p.recordErrors[0].batchIndexErrorMessage, "not registered under subject shared-orders")).toBe(true);
  });

  it("checks keys under a key_schema policy (<topic>-key) and leaves the values alone", () => {
    const rig = new Rig();
    const good = [new Rec(idValue(31), utf8("any value")), new Rec(idValue(31), null)];
    rig.produceTo(rig.c, 9, ["bananas-keyed"], [3], [batch(good)]);
    rig.registered(31, "AVRO", '"string"', ["bananas-keyed-key"]);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
    // An unframed key refused; a value with an id is not looked at.
    rig.produceTo(rig.c, 9, ["bananas-keyed"], [1], [batch([new Rec(idValue(31), utf8("v")), new Rec(utf8("plain-key"), idValue(33))])]);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i32>(p.recordErrors.length).toBe(1);
    expect<i32>(p.recordErrors[0].batchIndex).toBe(1);
    expect<bool>(includes(p.recordErrors[0].batchIndexErrorMessage, "the key does not carry a schema id")).toBe(true);
    expect<i32>(rig.registryCalls()).toBe(2);
    // A key id registered for the value subject only.
    rig.produceTo(rig.c, 9, ["bananas-keyed"], [1], [batch([new Rec(idValue(32), null)])]);
    rig.registered(32, "AVRO", '"string"', ["bananas-keyed-value"]);
    expect<bool>(includes(rig.only().recordErrors[0].batchIndexErrorMessage, "of the key is not registered under subject bananas-keyed-key")).toBe(true);
  });

  it("passes tombstones (null values) and records without a key under a key policy, even with required framing", () => {
    const rig = new Rig();
    rig.produce("apples-avro", [new Rec(utf8("k1"), null), new Rec(null, null)]);
    expect<i32>(rig.registryCalls()).toBe(0);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
    rig.produceTo(rig.c, 9, ["bananas-keyed"], [0], [batch([new Rec(null, utf8("v"))])]);
    expect<i32>(rig.registryCalls()).toBe(0);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
  });

  it("with required false passes unframed values and still checks framed ones", () => {
    const rig = new Rig();
    rig.produce("apples-optional", values([utf8("plain"), idValue(41)]));
    rig.missing(41);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i32>(p.recordErrors.length).toBe(1);
    expect<i32>(p.recordErrors[0].batchIndex).toBe(1);
    rig.produce("apples-optional", values([utf8("plain"), bytesOf([1, 2, 3])]));
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
  });

  it("with validate none checks the framing only: no registry call", () => {
    const rig = new Rig();
    rig.produce("apples-framing", values([idValue(99), idValue(100)]));
    expect<i32>(rig.registryCalls()).toBe(0);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
    rig.produce("apples-framing", values([utf8("x")]));
    expect<i16>(rig.only().errorCode).toBe(KafkaError.INVALID_RECORD);
  });

  it("leaves topics without a policy alone: no registry call, forwarded at once whatever the values hold", () => {
    const rig = new Rig();
    rig.produce("apples", values([utf8("plain"), idValue(77), bytesOf([0])]));
    rig.produceTo(rig.c, 9, ["bananas"], [2], [batch(values([idValue(78)]))]);
    rig.produce("apple-avro", values([utf8("not the policy's prefix")])); // routed to c1 by "app"
    expect<i32>(rig.bridgeCalls().length).toBe(3);
    expect<i32>(rig.flush()).toBe(3);
    const a = rig.answersOf(rig.c);
    expect<i32>(a.length).toBe(3);
    for (let i = 0; i < 3; i++) expect<i16>(a[i].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
    expect<i32>(rig.registryCalls()).toBe(0);
    expect<i32>(rig.metrics.registryCalls).toBe(0);
    expect<i32>(rig.metrics.rejected.length).toBe(0);
  });
});

describe("schema checks: the registry's cache", () => {
  it("asks once per id for every record and every request waiting for it, on any connection", () => {
    const rig = new Rig();
    const other = rig.connection();
    rig.produce("apples-avro", values([idValue(5), idValue(5), idValue(5)]));
    rig.produceTo(other, 9, ["apples-avro"], [0], [batch(values([idValue(5)]))]);
    rig.produce("apples-avro-2", values([idValue(5)]));
    expect<i32>(rig.registryCalls()).toBe(2);
    expect<i32>(rig.metrics.registryCalls).toBe(2);
    expect<i32>(rig.bridgeCalls().length).toBe(0);
    rig.registered(5, "AVRO", AVRO_ORDER, ["apples-avro-value", "apples-avro-2-value"]);
    expect<i32>(rig.registryCalls()).toBe(2);
    // All three requests go now.
    expect<i32>(rig.flush()).toBe(3);
    const mine = rig.answersOf(rig.c);
    expect<i32>(mine.length).toBe(2);
    expect<i16>(mine[0].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
    expect<i16>(mine[1].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
    const theirs = rig.answersOf(other);
    expect<i32>(theirs.length).toBe(1);
    expect<i16>(theirs[0].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
  });

  it("answers a cached id without a call (cache hit), until cache_ttl_ms has passed", () => {
    const rig = new Rig();
    rig.produce("apples-avro", values([idValue(6)]));
    rig.registered(6, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
    rig.metrics.now += CACHE_TTL_MS - 1;
    rig.produce("apples-avro", values([idValue(6)]));
    expect<i32>(rig.registryCalls()).toBe(2);
    expect<i32>(rig.metrics.cacheHits).toBe(1);
    expect<i32>(rig.flush()).toBe(1); // forwarded at once
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
    rig.metrics.now += 1;
    rig.produce("apples-avro", values([idValue(6)]));
    expect<i32>(rig.registryCalls()).toBe(4); // expired: asked again
    expect<i32>(rig.metrics.cacheHits).toBe(1);
    expect<i32>(rig.flush()).toBe(0);
    // The id now names another subject only (deleted and registered elsewhere): refused.
    rig.registered(6, "AVRO", AVRO_ORDER, ["elsewhere-value"]);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.INVALID_RECORD);
  });

  it("refuses a framed value naming a negative schema id as an unknown id, without a lookup", () => {
    const rig = new Rig();
    const v = idValue(1);
    v[1] = 0x80;
    rig.produce("apples-avro", values([v]));
    expect<i32>(rig.registryCalls()).toBe(0);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<string>(rig.metrics.rejected.join(",")).toBe("apples-avro unknown_id");
  });

  it("keeps 'no such id' for negative_cache_ttl_ms", () => {
    const rig = new Rig();
    rig.produce("apples-avro", values([idValue(9)]));
    rig.missing(9);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.INVALID_RECORD);
    rig.metrics.now += NEGATIVE_TTL_MS - 1;
    rig.produce("apples-avro", values([idValue(9)]));
    expect<i32>(rig.registryCalls()).toBe(2);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.INVALID_RECORD); // at once, from the cache
    rig.metrics.now += 1;
    rig.produce("apples-avro", values([idValue(9)]));
    expect<i32>(rig.registryCalls()).toBe(4);
    // Registered meanwhile: now it passes.
    rig.registered(9, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
  });

  it("holds at most max_cache_entries ids, the least recently used going first", () => {
    const rig = new Rig(meshConfig("fail_closed", 3));
    for (let id = 1; id <= 3; id++) {
      rig.produce("apples-avro", values([idValue(id)]));
      rig.registered(id, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
      rig.flush();
    }
    expect<i32>(rig.registryCalls()).toBe(6);
    expect<i32>(rig.mesh.schemas!.cached()).toBe(3);
    // 1 is used again: 2 is now the least recently used.
    rig.produce("apples-avro", values([idValue(1)]));
    expect<i32>(rig.registryCalls()).toBe(6);
    rig.produce("apples-avro", values([idValue(4)]));
    rig.registered(4, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    expect<i32>(rig.mesh.schemas!.cached()).toBe(3);
    rig.produce("apples-avro", values([idValue(1), idValue(3), idValue(4)]));
    expect<i32>(rig.registryCalls()).toBe(8); // all three cached
    rig.produce("apples-avro", values([idValue(2)]));
    expect<i32>(rig.registryCalls()).toBe(10); // 2 was evicted
    rig.registered(2, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    expect<i32>(rig.mesh.schemas!.cached()).toBe(3);
    rig.flush(); // queued calls of one lane may leave together
    const a = rig.answersOf(rig.c);
    expect<i32>(a.length).toBe(7);
    for (let i = 0; i < a.length; i++) expect<i16>(a[i].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
  });
});

describe("schema checks: registry failures", () => {
  it("fail_closed: no answer at all (status 0) refuses the partition with REQUEST_TIMED_OUT, which clients retry", () => {
    const rig = new Rig();
    rig.produce("apples-avro", values([idValue(8)]));
    rig.failed(8, 0);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    expect<bool>(includes(p.errorMessage, "Schema registry unavailable")).toBe(true);
    expect<i32>(p.recordErrors.length).toBe(0);
    expect<i32>(rig.bridgeCalls().length).toBe(0);
    expect<string>(rig.metrics.rejected.join(",")).toBe("apples-avro registry_unavailable");
    expect<i32>(rig.metrics.registryErrors).toBe(1);
    // The failure is remembered for a second: a retry within it is answered at once...
    rig.produce("apples-avro", values([idValue(8)]));
    expect<i32>(rig.registryCalls()).toBe(2);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    // ...and after it the registry is asked again; back, it lets the retry through.
    rig.metrics.now += FAILED_TTL_MS;
    rig.produce("apples-avro", values([idValue(8)]));
    expect<i32>(rig.registryCalls()).toBe(4);
    rig.registered(8, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
  });

  it("fail_closed: a 500 from the registry is a failure too; a bad record beside it still decides", () => {
    const rig = new Rig();
    rig.produce("apples-avro", values([idValue(15)]));
    rig.failed(15, 500);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    rig.metrics.now += FAILED_TTL_MS;
    // One record with a failing lookup and one with a missing id: INVALID_RECORD, not a retry.
    rig.produce("apples-avro", values([idValue(15), idValue(16)]));
    rig.failed(15, 503);
    rig.missing(16);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i32>(p.recordErrors.length).toBe(1);
    expect<i32>(p.recordErrors[0].batchIndex).toBe(1);
  });

  it("fail_closed: an unreadable answer, and a call that cannot start, fail the lookup", () => {
    const rig = new Rig();
    rig.produce("apples-avro", values([idValue(17)]));
    rig.failed(17, 200); // 200 with a body that is not the registry's JSON
    expect<i16>(rig.only().errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    rig.http.refuse = true;
    rig.produce("apples-avro", values([idValue(18)]));
    expect<i16>(rig.only().errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    expect<i32>(rig.bridgeCalls().length).toBe(0);
    expect<i32>(rig.metrics.registryErrors).toBe(2);
  });

  it("fail_open: forwards records whose lookup failed, counted; refusals the registry decided stay", () => {
    const rig = new Rig(meshConfig("fail_open"));
    rig.produce("apples-avro", values([idValue(19), idValue(19)]));
    rig.failed(19, 0);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
    expect<i32>(rig.metrics.failedOpen).toBe(2);
    expect<i32>(rig.metrics.rejected.length).toBe(0);
    // Unframed values and unknown ids are refused whatever the failure mode.
    rig.produce("apples-avro", values([utf8("plain")]));
    expect<i16>(rig.only().errorCode).toBe(KafkaError.INVALID_RECORD);
    rig.produce("apples-avro", values([idValue(20)]));
    rig.missing(20);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i32>(rig.flush()).toBe(0);
  });
});

describe("schema checks: a connection's Produce order", () => {
  it("holds later requests, with no policy or with cached ids, behind one waiting for the registry; all leave in order", () => {
    const rig = new Rig();
    rig.produce("apples-avro", values([idValue(1)]));
    rig.registered(1, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);

    rig.produce("apples-avro", values([idValue(2)])); // waits for the registry
    rig.produce("apples", values([utf8("no policy")])); // would go at once alone
    rig.produce("apples-avro", values([idValue(1)])); // cached
    rig.produce("apples-avro", values([utf8("unframed")])); // refused without the registry
    expect<i32>(rig.bridgeCalls().length).toBe(1);
    expect<i32>(rig.answersOf(rig.c).length).toBe(0);
    // Another connection is not held.
    const other = rig.connection();
    rig.produceTo(other, 9, ["apples-other"], [0], [batch(one(utf8("x")))]);
    expect<i32>(rig.bridgeCalls().length).toBe(2);

    rig.registered(2, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    const calls = rig.bridgeCalls();
    // The waiting request's batch first, then the one with no policy (the cached one queues
    // behind the first on the apples-avro lane).
    expect<i32>(calls.length).toBe(4);
    expect<string>(rig.bridgePath(calls[2])).toBe("/topics/apples-avro");
    expect<bool>(callText(rig.http, calls[2]).includes(base64Of(idValue(2)))).toBe(true);
    expect<string>(rig.bridgePath(calls[3])).toBe("/topics/apples");
    expect<i32>(rig.flush()).toBe(4);
    const a = rig.answersOf(rig.c);
    expect<i32>(a.length).toBe(4);
    const first = a[0].responses[0].partitionResponses[0].baseOffset;
    const second = a[1].responses[0].partitionResponses[0].baseOffset;
    const third = a[2].responses[0].partitionResponses[0].baseOffset;
    expect<i64>(first).toBe(<i64>(100 * calls[2]));
    expect<i64>(second).toBe(<i64>(100 * calls[3]));
    expect<bool>(third > second).toBe(true);
    expect<i16>(a[3].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i32>(rig.answersOf(other).length).toBe(1);
  });

  it("native dialect: the batch goes byte for byte on the stream after the lookup, a later request behind it", () => {
    const rig = new Rig(meshConfig("fail_closed", 10000, "native"));
    const good = batch(values([idValue(3), null]));
    const plain = batch(one(utf8("no policy")));
    rig.produceTo(rig.c, 9, ["apples-avro"], [0], [good]);
    rig.produceTo(rig.c, 9, ["apples"], [0], [plain]);
    rig.produceTo(rig.c, 9, ["bananas-keyed"], [4], [batch([new Rec(utf8("plain key"), idValue(3))])]);
    expect<i32>(rig.streams.sent.length).toBe(0);
    expect<i32>(rig.registryCalls()).toBe(2);
    rig.registered(3, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    expect<i32>(rig.streams.sent.length).toBe(2);
    const first = rig.streams.request(0);
    expect<string>(first.topicData[0].name).toBe("apples-avro");
    const sent = first.topicData[0].partitionData[0].records!;
    expect<i32>(sent.length).toBe(good.length);
    for (let i = 0; i < good.length; i++) expect<u8>(sent[i]).toBe(good[i]);
    expect<string>(rig.streams.request(1).topicData[0].name).toBe("apples");
    rig.streams.answerOk(0, 70);
    rig.streams.answerOk(1, 80);
    const a = rig.answersOf(rig.c);
    expect<i32>(a.length).toBe(3);
    expect<i64>(a[0].responses[0].partitionResponses[0].baseOffset).toBe(70);
    expect<i64>(a[1].responses[0].partitionResponses[0].baseOffset).toBe(80);
    expect<i16>(a[2].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.INVALID_RECORD);
  });

  it("a client that leaves while its request waits: the request still goes once checked (as a broker appends what it read), unanswered", () => {
    const rig = new Rig();
    const leaving = rig.connection();
    rig.produceTo(leaving, 9, ["apples-avro"], [0], [batch(one(idValue(7)))]);
    rig.produceTo(leaving, 9, ["apples-avro"], [0], [batch(one(idValue(8)))]);
    leaving.onClose();
    rig.registered(7, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    rig.missing(8);
    expect<i32>(rig.flush()).toBe(1);
    expect<bool>(leaving.takeAnswers() === null).toBe(true);
    // The VM goes on: the cached id serves the next client at once.
    rig.produce("apples-avro", values([idValue(7)]));
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
  });

  it("acks=0: a refused partition gets no answer and the connection goes on", () => {
    const rig = new Rig();
    rig.produceTo(rig.c, 9, ["apples-avro"], [0], [batch(one(utf8("plain")))], 0);
    rig.produceTo(rig.c, 9, ["apples-avro"], [0], [batch(one(idValue(2)))], 0);
    expect<i32>(rig.answersOf(rig.c).length).toBe(0);
    rig.registered(2, "AVRO", AVRO_ORDER, ["apples-avro-value"]);
    expect<i32>(rig.bridgeCalls().length).toBe(1);
    rig.produce("apples", values([utf8("acked")]));
    expect<i32>(rig.flush()).toBe(2);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.NONE);
  });
});

// Avro binary (the specification's encoding): a record is its fields in order; string =
// zig-zag varint length + UTF-8; long/int = zig-zag varint; enum = index; union = branch index
// then the branch's value.
const AVRO_INVOICE = '{"type":"record","name":"Invoice","namespace":"mesh.test","fields":[' +
  '{"name":"id","type":"string"},{"name":"amount","type":"long"},' +
  '{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID"]}},' +
  '{"name":"note","type":["null","string"]},' +
  '{"name":"lines","type":{"type":"array","items":"int"}}]}';

/** id "A1", amount 5, PAID, note null, lines [] */
const INVOICE_OK: Array<i32> = [0x04, 0x41, 0x31, 0x0a, 0x02, 0x00, 0x00];
/** the same with note "hi" and lines [1, -1] (one block of 2) */
const INVOICE_FULL: Array<i32> = [0x04, 0x41, 0x31, 0x0a, 0x02, 0x02, 0x04, 0x68, 0x69, 0x04, 0x02, 0x01, 0x00];

function avroValue(id: i32, payload: Array<i32>): Uint8Array {
  return framed(id, bytesOf(payload));
}

function patched(payload: Array<i32>, at: i32, v: i32): Array<i32> {
  const out = payload.slice(0);
  out[at] = v;
  return out;
}

describe("schema checks: payloads", () => {
  it("Avro: passes payloads that decode against the writer schema exactly", () => {
    const rig = new Rig();
    rig.produce("apples-payload", values([avroValue(51, INVOICE_OK), avroValue(51, INVOICE_FULL)]));
    rig.registered(51, "AVRO", AVRO_INVOICE, ["apples-payload-value"]);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
  });

  it("Avro: refuses cut-short, over-long and out-of-range payloads, one record error each", () => {
    const rig = new Rig();
    const bad: Array<Uint8Array> = [
      avroValue(52, INVOICE_OK.slice(0, 3)), // cut after the id
      avroValue(52, INVOICE_OK.concat([0x00])), // a byte left over
      avroValue(52, patched(INVOICE_OK, 4, 0x04)), // enum index 2 of 2 symbols
      avroValue(52, patched(INVOICE_OK, 5, 0x04)), // union branch 2 of 2
      avroValue(52, patched(INVOICE_OK, 0, 0x03)), // string length -2
      framed(52, new Uint8Array(0)), // the id alone
    ];
    const list = new Array<Uint8Array | null>();
    list.push(avroValue(52, INVOICE_OK));
    for (let i = 0; i < bad.length; i++) list.push(bad[i]);
    rig.produce("apples-payload", values(list));
    rig.registered(52, "AVRO", AVRO_INVOICE, ["apples-payload-value"]);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i32>(p.recordErrors.length).toBe(bad.length);
    for (let i = 0; i < bad.length; i++) {
      expect<i32>(p.recordErrors[i].batchIndex).toBe(i + 1);
      expect<bool>(includes(p.recordErrors[i].batchIndexErrorMessage, "the value does not match schema id 52: ")).toBe(true);
    }
    expect<string>(rig.metrics.rejected.join(",")).toBe("apples-payload invalid_payload");
    expect<i32>(rig.bridgeCalls().length).toBe(0);
  });

  it("Avro: a registered schema the filter cannot parse refuses the payload, naming why", () => {
    const rig = new Rig();
    rig.produce("apples-payload", values([avroValue(53, INVOICE_OK)]));
    rig.registered(53, "AVRO", '{"type":"record","name":"Broken","fields":[{"name":"x","type":"nosuchtype"}]}', ["apples-payload-value"]);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<bool>(includes(p.recordErrors[0].batchIndexErrorMessage, "the registered schema cannot be used")).toBe(true);
  });

  it("JSON Schema: passes a matching document, refuses what the schema's keywords forbid", () => {
    const rig = new Rig();
    const ok = framed(61, utf8('{"id":"A1","amount":5}'));
    const bad: Array<Uint8Array> = [
      framed(61, utf8('{"id":"A1"}')), // required
      framed(61, utf8('{"id":"A1","amount":-1}')), // minimum
      framed(61, utf8('{"id":"A1","amount":5,"extra":true}')), // additionalProperties false
      framed(61, utf8('{"id":7,"amount":5}')), // type
      framed(61, utf8('{"id":"A1","amount":')), // not JSON
      framed(61, bytesOf([0x7b, 0xff, 0x7d])), // not UTF-8
    ];
    const list = new Array<Uint8Array | null>();
    list.push(ok);
    for (let i = 0; i < bad.length; i++) list.push(bad[i]);
    rig.produceTo(rig.c, 9, ["bananas-json"], [2], [batch(values(list))]);
    rig.registered(61, "JSON", JSON_ORDER, ["bananas-json-value"]);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i32>(p.recordErrors.length).toBe(bad.length);
    for (let i = 0; i < bad.length; i++) expect<i32>(p.recordErrors[i].batchIndex).toBe(i + 1);
    rig.produceTo(rig.c, 9, ["bananas-json"], [2], [batch(values([ok, null]))]);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
  });

  it("Protobuf: checks the message indexes after the id (the 0-byte shorthand, a path), not the payload", () => {
    const rig = new Rig();
    const first = framed(71, bytesOf([0x00, 0x0a, 0x02, 0x41, 0x31])); // [0], then field 1 "A1"
    const nested = framed(71, bytesOf([0x04, 0x02, 0x00, 0xff])); // [1, 0], then bytes not decoded
    rig.produceTo(rig.c, 9, ["bananas-proto"], [0], [batch(values([first, nested]))]);
    rig.registered(71, "PROTOBUF", PROTO_ORDER, ["bananas-proto-value"]);
    expect<i32>(rig.flush()).toBe(1);
    expect<i16>(rig.only().errorCode).toBe(KafkaError.NONE);
    const bad: Array<Uint8Array | null> = [
      framed(71, new Uint8Array(0)), // no indexes at all
      framed(71, bytesOf([0x02])), // a count of 1 and no index
      framed(71, bytesOf([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), // a runaway varint
    ];
    rig.produceTo(rig.c, 9, ["bananas-proto"], [0], [batch(values(bad))]);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i32>(p.recordErrors.length).toBe(bad.length);
    expect<bool>(includes(p.recordErrors[0].batchIndexErrorMessage, "Protobuf message indexes")).toBe(true);
  });

  it("checks payloads against each id's own schema, in one request", () => {
    const rig = new Rig();
    const other = framed(55, bytesOf([0x0a])); // AVRO_OTHER: n = 5
    rig.produce("apples-payload", values([avroValue(54, INVOICE_OK), other, framed(55, bytesOf(INVOICE_OK))]));
    rig.registered(54, "AVRO", AVRO_INVOICE, ["apples-payload-value"]);
    rig.registered(55, "AVRO", AVRO_OTHER, ["apples-payload-value"]);
    const p = rig.only();
    expect<i16>(p.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<i32>(p.recordErrors.length).toBe(1);
    expect<i32>(p.recordErrors[0].batchIndex).toBe(2);
  });

  it("gives avsc's and ajv's verdicts on the generated vectors (tests/fixtures/schema/) through a Connection", () => {
    // Every vector's payload framed with its schema's id, 40 records a batch (the record errors
    // of a partition stop at 100): refused exactly at the records the independent
    // implementation calls invalid. JSON Schemas with keywords the filter does not evaluate
    // only never refuse a valid payload.
    const rig = new Rig();
    let checked = 0;
    for (let kind = 0; kind < 2; kind++) {
      const avro = kind == 0;
      const schemas = avro ? AVRO_SCHEMAS.length : JSON_SCHEMAS.length;
      for (let sIdx = 0; sIdx < schemas; sIdx++) {
        const id = (avro ? 100000 : 200000) + sIdx;
        const payloads = new Array<Uint8Array | null>();
        const valid = new Array<bool>();
        const n = avro ? AVRO_PAYLOADS.length : JSON_PAYLOADS.length;
        for (let i = 0; i < n; i++) {
          const schema = avro ? AVRO_PAYLOADS[i].schema : JSON_PAYLOADS[i].schema;
          if (schema != sIdx) continue;
          payloads.push(framed(id, hexBytes(avro ? AVRO_PAYLOADS[i].hex : JSON_PAYLOADS[i].hex)));
          valid.push(avro ? AVRO_PAYLOADS[i].valid : JSON_PAYLOADS[i].valid);
        }
        const exact = avro || JSON_SCHEMAS[sIdx].exact;
        const topic = avro ? "apples-payload" : "bananas-json";
        for (let from = 0; from < payloads.length; from += 40) {
          const to = min(from + 40, payloads.length);
          rig.produceTo(rig.c, 9, [topic], [0], [batch(values(payloads.slice(from, to)))]);
          if (from == 0) {
            if (avro) rig.registered(id, "AVRO", AVRO_SCHEMAS[sIdx].schema, ["apples-payload-value"]);
            else rig.registered(id, "JSON", JSON_SCHEMAS[sIdx].schema, ["bananas-json-value"]);
          }
          rig.flush();
          const p = rig.only();
          const label = (avro ? AVRO_SCHEMAS[sIdx].name : JSON_SCHEMAS[sIdx].name) + " records " + from.toString() + ".." + (to - 1).toString();
          let refusedAt = "";
          for (let e = 0; e < p.recordErrors.length; e++) refusedAt += p.recordErrors[e].batchIndex.toString() + " ";
          let invalidAt = "";
          let validAt = "";
          for (let i = from; i < to; i++) {
            if (!valid[i]) invalidAt += (i - from).toString() + " ";
            else validAt += (i - from).toString() + " ";
          }
          if (exact) expect<string>(refusedAt).toBe(invalidAt, label);
          else for (let e = 0; e < p.recordErrors.length; e++) expect<bool>(valid[from + p.recordErrors[e].batchIndex]).toBe(false, label);
          checked += to - from;
        }
      }
    }
    expect<i32>(checked).toBe(AVRO_PAYLOADS.length + JSON_PAYLOADS.length);
  });
});
