// The native dialect: client batches passed through untouched on an ordered stream per
// (VM, cluster), answers matched by correlation id, a lost stream failing what was on it.
import { KafkaError } from "../../assembly/kafka/errors";
import { ApiKey } from "../../assembly/kafka/messages/api_keys";
import { PartitionProduceData, ProduceRequest, TopicProduceData } from "../../assembly/kafka/messages/produce_request";
import { PartitionProduceResponse, ProduceResponse, TopicProduceResponse, BatchIndexAndErrorMessage } from "../../assembly/kafka/messages/produce_response";
import { RequestHeader } from "../../assembly/kafka/messages/request_header";
import { ResponseHeader } from "../../assembly/kafka/messages/response_header";
import { Reader, Writer } from "../../assembly/kafka/wire";
import { parseConfig, RestBridge } from "../../assembly/mesh/config";
import { MeshContext } from "../../assembly/mesh/context";
import { MeshMetrics } from "../../assembly/mesh/metrics";
import { InMemoryBlockSource } from "../../assembly/mesh/producer_state";
import { LocalTopicIdStore } from "../../assembly/mesh/topics";
import { StreamReceiver, StreamTransport } from "../../assembly/mesh/upstream_transport";
import { RECONNECT_MIN_MS } from "../../assembly/mesh/upstream_channel";
import { Connection } from "../../assembly/mesh/connection";
import { decodeNativeAnswer, encodeNativeProduce, grpcServiceFor, NativePart, NATIVE_PRODUCE_VERSION } from "../../assembly/upstream/native";
import { toBytes } from "./helpers/wire";
import { hexToBytes, readProduceFrame } from "./helpers/produce_reader";
import { beginRequest, endRequest, newConnection, RecordingTransport, splitAnswers } from "./mesh_harness";
import * as JAVA from "../fixtures/produce/java_none";
import * as RDKAFKA from "../fixtures/produce/librdkafka_none";

const NATIVE_CONFIG = `{
  "advertised_host": "127.0.0.1", "advertised_port": 19092,
  "upstream_window_bytes": 65536,
  "upstream_clusters": [
    {"cluster_name": "c1", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b1", "authority": "127.0.0.1:8180", "dialect": "native"}},
    {"cluster_name": "c3", "partition_count": 5, "rest_bridge": {"envoy_cluster": "b3", "authority": "127.0.0.1:8082"}}
  ],
  "forwarding_rules": [
    {"topic_prefix": "app", "target_cluster": "c1"},
    {"topic_prefix": "b", "target_cluster": "c3"}
  ]
}`;

/** Streams kept in memory: tests read what was sent and answer by hand. */
class MemoryStreams extends StreamTransport {
  opened: i32 = 0;
  openStreams: Array<u32> = [];
  receivers: Map<u32, StreamReceiver> = new Map();
  sent: Array<Uint8Array> = [];
  sentOn: Array<u32> = [];
  cancelled: Array<u32> = [];
  refuseOpen: bool = false;
  private next: u32 = 1;

  open(bridge: RestBridge, service: string, method: string, receiver: StreamReceiver): u32 {
    if (this.refuseOpen) return 0;
    expect<string>(service + "/" + method).toBe("kafka.mesh.v1.Bridge/Produce");
    const id = this.next++;
    this.opened++;
    this.openStreams.push(id);
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
    this.cancelled.push(stream);
    this.receivers.delete(stream);
  }
  /** The bridge answers message i: every partition with NONE and base offsets from `offset`. */
  answerOk(i: i32, offset: i64): void {
    const req = readRequest(this.sent[i]);
    const resp = new ProduceResponse();
    for (let t = 0; t < req.request.topicData.length; t++) {
      const td = req.request.topicData[t];
      const tr = new TopicProduceResponse();
      tr.name = td.name;
      for (let p = 0; p < td.partitionData.length; p++) {
        const pr = new PartitionProduceResponse();
        pr.index = td.partitionData[p].index;
        pr.baseOffset = offset + <i64>(p * 100);
        pr.logStartOffset = 3;
        pr.logAppendTimeMs = -1;
        tr.partitionResponses.push(pr);
      }
      resp.responses.push(tr);
    }
    this.deliver(i, req.correlationId, resp);
  }
  deliver(i: i32, correlationId: i32, resp: ProduceResponse): void {
    const h = new ResponseHeader();
    h.correlationId = correlationId;
    const w = new Writer();
    h.encode(w, 1);
    resp.encode(w, NATIVE_PRODUCE_VERSION);
    const stream = this.sentOn[i];
    if (this.receivers.has(stream)) this.receivers.get(stream).onStreamMessage(stream, toBytes(w));
  }
  close(stream: u32, status: u32): void {
    if (!this.receivers.has(stream)) return;
    const r = this.receivers.get(stream);
    this.receivers.delete(stream);
    r.onStreamClosed(stream, status);
  }
}

class SentRequest {
  constructor(public correlationId: i32, public request: ProduceRequest) {}
}

function readRequest(message: Uint8Array): SentRequest {
  const r = new Reader(message);
  const h = RequestHeader.decode(r, 2);
  expect<i16>(h.requestApiKey).toBe(ApiKey.Produce);
  expect<i16>(h.requestApiVersion).toBe(NATIVE_PRODUCE_VERSION);
  const req = ProduceRequest.decode(r, NATIVE_PRODUCE_VERSION);
  expect<bool>(r.failed).toBe(false);
  expect<i32>(r.remaining()).toBe(0);
  return new SentRequest(h.correlationId, req);
}

function nativeMesh(streams: MemoryStreams, http: RecordingTransport = new RecordingTransport()): MeshContext {
  return new MeshContext(parseConfig(NATIVE_CONFIG).config!, new LocalTopicIdStore(), http, new MeshMetrics(), new InMemoryBlockSource(), streams);
}

let produceCorrelation = 1000;

/** One Produce of rec to apples:0; its error code if answered at once, -1 while it waits. */
function produceOnce(c: Connection, rec: Uint8Array): i16 {
  const w = new Writer();
  produceFrame(w, produceCorrelation++, ["apples"], [0], [rec]);
  c.onData(toBytes(w));
  const a = c.takeAnswers();
  return a === null ? -1 : answers(a)[0].responses[0].partitionResponses[0].errorCode;
}

function capturedRecords(hex: string): Uint8Array {
  return readProduceFrame(hexToBytes(hex)).topics[0].partitions[0].records!;
}

function produceFrame(w: Writer, correlationId: i32, topics: Array<string>, partitions: Array<i32>, records: Array<Uint8Array>, acks: i16 = -1): void {
  const start = beginRequest(w, ApiKey.Produce, 9, correlationId);
  const req = new ProduceRequest();
  req.acks = acks;
  req.timeoutMs = 30000;
  for (let i = 0; i < topics.length; i++) {
    const t = new TopicProduceData();
    t.name = topics[i];
    const p = new PartitionProduceData();
    p.index = partitions[i];
    p.records = records[i];
    t.partitionData.push(p);
    req.topicData.push(t);
  }
  req.encode(w, 9);
  endRequest(w, start);
}

function answers(bytes: Uint8Array | null): Array<ProduceResponse> {
  const out = new Array<ProduceResponse>();
  const all = splitAnswers(bytes, ApiKey.Produce, 9);
  for (let i = 0; i < all.length; i++) out.push(ProduceResponse.decode(all[i].body, 9));
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

describe("native dialect: the channel message", () => {
  it("is RequestHeader v2 + ProduceRequest v11 with the batches byte for byte, grouped by topic", () => {
    const a = capturedRecords(JAVA.FRAMES[0]);
    const b = capturedRecords(RDKAFKA.FRAMES[0]);
    const msg = encodeNativeProduce(42, -1, 1500, [new NativePart("t1", 0, a), new NativePart("t2", 3, b), new NativePart("t1", 2, b)]);
    const sent = readRequest(msg);
    expect<i32>(sent.correlationId).toBe(42);
    expect<i16>(sent.request.acks).toBe(-1);
    expect<i32>(sent.request.timeoutMs).toBe(1500);
    expect<bool>(sent.request.transactionalId === null).toBe(true);
    expect<i32>(sent.request.topicData.length).toBe(2);
    expect<string>(sent.request.topicData[0].name).toBe("t1");
    expect<i32>(sent.request.topicData[0].partitionData.length).toBe(2);
    expect<i32>(sent.request.topicData[0].partitionData[1].index).toBe(2);
    expect<bool>(sameBytes(sent.request.topicData[0].partitionData[0].records!, a)).toBe(true);
    expect<bool>(sameBytes(sent.request.topicData[1].partitionData[0].records!, b)).toBe(true);
  });
  it("reads answers with every partition field and refuses malformed ones", () => {
    const resp = new ProduceResponse();
    const tr = new TopicProduceResponse();
    tr.name = "t1";
    const pr = new PartitionProduceResponse();
    pr.index = 2;
    pr.errorCode = KafkaError.INVALID_RECORD;
    pr.errorMessage = "bad record";
    pr.logAppendTimeMs = 77;
    pr.logStartOffset = 5;
    const re = new BatchIndexAndErrorMessage();
    re.batchIndex = 3;
    re.batchIndexErrorMessage = "too big";
    pr.recordErrors.push(re);
    tr.partitionResponses.push(pr);
    resp.responses.push(tr);
    const h = new ResponseHeader();
    h.correlationId = 9;
    const w = new Writer();
    h.encode(w, 1);
    resp.encode(w, NATIVE_PRODUCE_VERSION);
    const bytes = toBytes(w);
    const a = decodeNativeAnswer(bytes)!;
    expect<i32>(a.correlationId).toBe(9);
    const r = a.find("t1", 2)!;
    expect<i16>(r.errorCode).toBe(KafkaError.INVALID_RECORD);
    expect<string>(r.errorMessage!).toBe("bad record");
    expect<i64>(r.logAppendTimeMs).toBe(77);
    expect<i64>(r.logStartOffset).toBe(5);
    expect<i32>(r.recordErrors[0].batchIndex).toBe(3);
    expect<bool>(a.find("t1", 1) === null).toBe(true);
    // Truncated anywhere, or with bytes left over: not an answer.
    for (let n = 0; n < bytes.length; n++) expect<bool>(decodeNativeAnswer(bytes.subarray(0, n)) === null).toBe(true);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect<bool>(decodeNativeAnswer(longer) === null).toBe(true);
  });
  it("names the Envoy cluster in a GrpcService message", () => {
    const s = grpcServiceFor("b1", "h:1");
    // envoy_grpc (1, length 9) { cluster_name (1) "b1", authority (2) "h:1" }
    const expected: u8[] = [0x0a, 9, 0x0a, 2, 0x62, 0x31, 0x12, 3, 0x68, 0x3a, 0x31];
    expect<i32>(s.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) expect<u8>(s[i]).toBe(expected[i]);
  });
});

describe("native dialect: Produce through the mesh", () => {
  it("forwards each cluster's batches untouched in one message and answers with the cluster's results", () => {
    const streams = new MemoryStreams();
    const http = new RecordingTransport();
    const c = newConnection(nativeMesh(streams, http));
    const rec = capturedRecords(RDKAFKA.FRAMES[0]);
    const w = new Writer();
    produceFrame(w, 1, ["apples", "app-x", "bananas"], [0, 0, 4], [rec, rec, rec]);
    c.onData(toBytes(w));
    // apples and app-x (c1, native) share one message; bananas (c3, Strimzi) is an HTTP call.
    expect<i32>(streams.sent.length).toBe(1);
    expect<i32>(http.calls.length).toBe(1);
    const sent = readRequest(streams.sent[0]);
    expect<i32>(sent.request.topicData.length).toBe(2);
    expect<bool>(sameBytes(sent.request.topicData[1].partitionData[0].records!, rec)).toBe(true);
    streams.answerOk(0, 500);
    expect<bool>(c.takeAnswers() === null).toBe(true); // bananas still out
    http.receivers[0].onUpstreamAnswer(0, 200, Uint8Array.wrap(String.UTF8.encode(
      '{"offsets":[{"partition":4,"offset":9},{"partition":4,"offset":10},{"partition":4,"offset":11},{"partition":4,"offset":12},{"partition":4,"offset":13}]}')));
    const resp = answers(c.takeAnswers());
    expect<i32>(resp.length).toBe(1);
    expect<i64>(resp[0].responses[0].partitionResponses[0].baseOffset).toBe(500);
    expect<i64>(resp[0].responses[0].partitionResponses[0].logStartOffset).toBe(3);
    expect<i64>(resp[0].responses[1].partitionResponses[0].baseOffset).toBe(500);
    expect<i64>(resp[0].responses[2].partitionResponses[0].baseOffset).toBe(9);
  });
  it("leaves the CRC to the bridge and passes its CORRUPT_MESSAGE on", () => {
    const streams = new MemoryStreams();
    const c = newConnection(nativeMesh(streams));
    const bad = capturedRecords(RDKAFKA.FRAMES[0]).slice();
    bad[bad.length - 1] ^= 1;
    const w = new Writer();
    produceFrame(w, 1, ["apples"], [0], [bad]);
    c.onData(toBytes(w));
    expect<i32>(streams.sent.length).toBe(1);
    const sent = readRequest(streams.sent[0]);
    const resp = new ProduceResponse();
    const tr = new TopicProduceResponse();
    tr.name = "apples";
    const pr = new PartitionProduceResponse();
    pr.errorCode = KafkaError.CORRUPT_MESSAGE;
    pr.baseOffset = -1;
    tr.partitionResponses.push(pr);
    resp.responses.push(tr);
    streams.deliver(0, sent.correlationId, resp);
    expect<i16>(answers(c.takeAnswers())[0].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.CORRUPT_MESSAGE);
  });
  it("keeps many messages in flight, in order, up to the window, and answers clients in request order", () => {
    const streams = new MemoryStreams();
    const c = newConnection(nativeMesh(streams));
    const rec = capturedRecords(RDKAFKA.FRAMES[0]);
    const w = new Writer();
    // Each message is ~rec.length + 60 bytes; the 64 KiB window holds many.
    for (let i = 0; i < 10; i++) produceFrame(w, i + 1, ["apples"], [0], [rec]);
    c.onData(toBytes(w));
    expect<i32>(streams.sent.length).toBe(10);
    expect<i32>(streams.opened).toBe(1);
    for (let i = 0; i < 10; i++) expect<i32>(readRequest(streams.sent[i]).correlationId).toBe(i);
    // Answers out of order: the client still gets them in request order.
    for (let i = 9; i >= 0; i--) streams.answerOk(i, 100 * i);
    const resp = answers(c.takeAnswers());
    expect<i32>(resp.length).toBe(10);
    for (let i = 0; i < 10; i++) expect<i64>(resp[i].responses[0].partitionResponses[0].baseOffset).toBe(100 * i);
  });
  it("holds messages past the window back, in order, and sends them as answers free it", () => {
    const streams = new MemoryStreams();
    const c = newConnection(nativeMesh(streams));
    const rec = capturedRecords(RDKAFKA.FRAMES[0]);
    const w = new Writer();
    const topics = new Array<string>();
    const parts = new Array<i32>();
    const recs = new Array<Uint8Array>();
    for (let i = 0; i < 30; i++) {
      topics.push("app-" + i.toString());
      parts.push(0);
      recs.push(rec);
    }
    for (let i = 0; i < 6; i++) produceFrame(w, i + 1, topics, parts, recs);
    c.onData(toBytes(w));
    const size = streams.sent[0].length;
    const fit = <i32>(65536 / size);
    expect<bool>(fit >= 1 && fit < 6).toBe(true);
    expect<i32>(streams.sent.length).toBe(fit);
    streams.answerOk(0, 1);
    expect<i32>(streams.sent.length).toBe(fit + 1);
    for (let i = 1; i < 6; i++) streams.answerOk(i, 1);
    expect<i32>(streams.sent.length).toBe(6);
    for (let i = 0; i < 6; i++) expect<i32>(readRequest(streams.sent[i]).correlationId).toBe(i);
    expect<i32>(answers(c.takeAnswers()).length).toBe(6);
  });
  it("fails everything in flight and queued with REQUEST_TIMED_OUT when the stream closes, then opens a new one", () => {
    const streams = new MemoryStreams();
    const mesh = nativeMesh(streams);
    const c = newConnection(mesh);
    const rec = capturedRecords(RDKAFKA.FRAMES[0]);
    const w = new Writer();
    for (let i = 0; i < 3; i++) produceFrame(w, i + 1, ["apples"], [0], [rec]);
    c.onData(toBytes(w));
    streams.answerOk(0, 10);
    streams.close(streams.openStreams[0], 14);
    const resp = answers(c.takeAnswers());
    expect<i32>(resp.length).toBe(3);
    expect<i16>(resp[0].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
    expect<i16>(resp[1].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    expect<i16>(resp[2].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    mesh.tick(RECONNECT_MIN_MS);
    const w2 = new Writer();
    produceFrame(w2, 4, ["apples"], [0], [rec]);
    c.onData(toBytes(w2));
    expect<i32>(streams.opened).toBe(2);
    expect<u32>(streams.sentOn[3]).toBe(streams.openStreams[1]);
  });
  it("waits before reopening a lost stream, longer after each loss in a row, not after an answer", () => {
    const streams = new MemoryStreams();
    const mesh = nativeMesh(streams);
    const c = newConnection(mesh);
    const rec = capturedRecords(RDKAFKA.FRAMES[0]);
    expect<i16>(produceOnce(c, rec)).toBe(-1); // sent, waiting for the bridge
    streams.close(streams.openStreams[0], 14);
    c.takeAnswers();
    // Within the delay: failed at once, no stream opened.
    expect<i16>(produceOnce(c, rec)).toBe(KafkaError.REQUEST_TIMED_OUT);
    expect<i32>(streams.opened).toBe(1);
    mesh.tick(RECONNECT_MIN_MS - 1);
    expect<i16>(produceOnce(c, rec)).toBe(KafkaError.REQUEST_TIMED_OUT);
    expect<i32>(streams.opened).toBe(1);
    // Past it: a new stream; lost again, the delay doubles.
    mesh.tick(RECONNECT_MIN_MS);
    expect<i16>(produceOnce(c, rec)).toBe(-1);
    expect<i32>(streams.opened).toBe(2);
    streams.close(streams.openStreams[1], 14);
    c.takeAnswers();
    mesh.tick(RECONNECT_MIN_MS * 2);
    expect<i16>(produceOnce(c, rec)).toBe(KafkaError.REQUEST_TIMED_OUT);
    mesh.tick(RECONNECT_MIN_MS * 3);
    expect<i16>(produceOnce(c, rec)).toBe(-1);
    expect<i32>(streams.opened).toBe(3);
    // An answer ends the losing streak: the next loss waits the shortest delay again.
    const last = streams.sentOn.length - 1;
    streams.answerOk(last, 10);
    expect<i16>(answers(c.takeAnswers())[0].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.NONE);
    streams.close(streams.openStreams[2], 14);
    mesh.tick(RECONNECT_MIN_MS * 4);
    expect<i16>(produceOnce(c, rec)).toBe(-1);
    expect<i32>(streams.opened).toBe(4);
  });
  it("resets the stream on an answer that matches no request, and when the bridge stays silent past the deadline", () => {
    const streams = new MemoryStreams();
    const mesh = nativeMesh(streams);
    const c = newConnection(mesh);
    const rec = capturedRecords(RDKAFKA.FRAMES[0]);
    const w = new Writer();
    produceFrame(w, 1, ["apples"], [0], [rec]);
    c.onData(toBytes(w));
    streams.deliver(0, 12345, new ProduceResponse());
    expect<i32>(streams.cancelled.length).toBe(1);
    expect<i16>(answers(c.takeAnswers())[0].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
    mesh.tick(RECONNECT_MIN_MS);

    const w2 = new Writer();
    produceFrame(w2, 2, ["apples"], [0], [rec]);
    c.onData(toBytes(w2));
    mesh.tick(mesh.metrics.nowMillis() + 1000);
    expect<i32>(streams.cancelled.length).toBe(1);
    mesh.tick(mesh.metrics.nowMillis() + 30000 + 6000);
    expect<i32>(streams.cancelled.length).toBe(2);
    expect<i16>(answers(c.takeAnswers())[0].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
  });
  it("keeps an acks=0 request in flight while its message waits for the window, so its bytes stay counted", () => {
    const streams = new MemoryStreams();
    const c = newConnection(nativeMesh(streams));
    const rec = capturedRecords(RDKAFKA.FRAMES[0]);
    const topics = new Array<string>();
    const parts = new Array<i32>();
    const recs = new Array<Uint8Array>();
    for (let i = 0; i < 70; i++) {
      topics.push("app-" + i.toString());
      parts.push(0);
      recs.push(rec);
    }
    const w = new Writer();
    produceFrame(w, 1, topics, parts, recs, 0);
    produceFrame(w, 2, topics, parts, recs, 0);
    c.onData(toBytes(w));
    // Each message is over the 64 KiB window: the second waits for the first's answer.
    expect<i32>(streams.sent.length).toBe(1);
    expect<bool>(c.takeAnswers() === null).toBe(true);
    expect<i32>(c.inflight()).toBe(1);
    streams.answerOk(0, 1);
    expect<i32>(streams.sent.length).toBe(2);
    expect<bool>(c.takeAnswers() === null).toBe(true);
    expect<i32>(c.inflight()).toBe(0);
  });
  it("answers REQUEST_TIMED_OUT when no stream can be opened", () => {
    const streams = new MemoryStreams();
    streams.refuseOpen = true;
    const c = newConnection(nativeMesh(streams));
    const w = new Writer();
    produceFrame(w, 1, ["apples"], [0], [capturedRecords(RDKAFKA.FRAMES[0])]);
    c.onData(toBytes(w));
    expect<i16>(answers(c.takeAnswers())[0].responses[0].partitionResponses[0].errorCode).toBe(KafkaError.REQUEST_TIMED_OUT);
  });
  it("answers a retry of an idempotent batch in flight with the original's outcome, without sending it again", () => {
    const streams = new MemoryStreams();
    const c = newConnection(nativeMesh(streams));
    const rec = capturedRecords(JAVA.FRAMES[0]);
    const w = new Writer();
    produceFrame(w, 1, ["apples"], [0], [rec]);
    produceFrame(w, 2, ["apples"], [0], [rec]);
    c.onData(toBytes(w));
    expect<i32>(streams.sent.length).toBe(1);
    streams.answerOk(0, 700);
    const resp = answers(c.takeAnswers());
    expect<i32>(resp.length).toBe(2);
    expect<i64>(resp[0].responses[0].partitionResponses[0].baseOffset).toBe(700);
    expect<i64>(resp[1].responses[0].partitionResponses[0].baseOffset).toBe(700);
  });
});
