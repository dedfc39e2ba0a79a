// Fetch and ListOffsets through the mesh (docs/consumers.md): split by topic to each cluster's
// Forward channel, answers merged in request order, every partition answered once.
import { KafkaError } from "../../assembly/kafka/errors";
import { ApiKey, requestHeaderVersion, responseHeaderVersion } from "../../assembly/kafka/messages/api_keys";
import { FetchPartition, FetchRequest, FetchTopic } from "../../assembly/kafka/messages/fetch_request";
import { AbortedTransaction, FetchableTopicResponse, FetchResponse, PartitionData } from "../../assembly/kafka/messages/fetch_response";
import { ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic } from "../../assembly/kafka/messages/list_offsets_request";
import {
  ListOffsetsPartitionResponse,
  ListOffsetsResponse,
  ListOffsetsTopicResponse,
} from "../../assembly/kafka/messages/list_offsets_response";
import { RequestHeader } from "../../assembly/kafka/messages/request_header";
import { ResponseHeader } from "../../assembly/kafka/messages/response_header";
import { joinPieces, Reader, Writer } from "../../assembly/kafka/wire";
import { parseConfig, RestBridge } from "../../assembly/mesh/config";
import { Connection } from "../../assembly/mesh/connection";
import { MeshContext } from "../../assembly/mesh/context";
import { countRecords, nextOffsetAfter } from "../../assembly/records/batch_walk";
import { BudgetMember } from "../../assembly/mesh/memory_budget";
import { MeshMetrics } from "../../assembly/mesh/metrics";
import { InMemoryBlockSource } from "../../assembly/mesh/producer_state";
import { LocalTopicIdStore, topicIdFor } from "../../assembly/mesh/topics";
import { ANSWER_GRACE_MS } from "../../assembly/mesh/upstream_channel";
import { StreamReceiver, StreamTransport } from "../../assembly/mesh/upstream_transport";
import { toBytes } from "./helpers/wire";
import { beginRequest, endRequest, newConnection, RecordingTransport } from "./mesh_harness";

/** c1, c2, c3 native; c4 strimzi. */
const CONSUMER_CONFIG = `{
  "advertised_host": "127.0.0.1", "advertised_port": 19092,
  "upstream_timeout_ms": 1000,
  "upstream_clusters": [
    {"cluster_name": "c1", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b1", "authority": "127.0.0.1:8180", "dialect": "native"}},
    {"cluster_name": "c2", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b2", "authority": "127.0.0.1:8181", "dialect": "native"}},
    {"cluster_name": "c3", "partition_count": 5, "rest_bridge": {"envoy_cluster": "b3", "authority": "127.0.0.1:8182", "dialect": "native"}},
    {"cluster_name": "c4", "partition_count": 2, "rest_bridge": {"envoy_cluster": "b4", "authority": "127.0.0.1:8083"}}
  ],
  "forwarding_rules": [
    {"topic_prefix": "app", "target_cluster": "c1"},
    {"topic_prefix": "a", "target_cluster": "c2"},
    {"topic_prefix": "b", "target_cluster": "c3"},
    {"topic_prefix": "s", "target_cluster": "c4"}
  ]
}`;

/** Forward streams kept in memory: tests read what each cluster was sent and answer by hand. */
class ForwardStreams extends StreamTransport {
  receivers: Map<u32, StreamReceiver> = new Map();
  clusterOf: Map<u32, string> = new Map();
  sent: Array<Uint8Array> = [];
  sentOn: Array<u32> = [];
  private next: u32 = 1;

  open(bridge: RestBridge, service: string, method: string, receiver: StreamReceiver): u32 {
    expect<string>(service + "/" + method).toBe("kafka.mesh.v1.Bridge/Forward");
    const id = this.next++;
    this.receivers.set(id, receiver);
    this.clusterOf.set(id, bridge.envoyCluster);
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
  /** Index of the message sent to an Envoy cluster (b1..b3); -1 when none. */
  sentTo(envoyCluster: string): i32 {
    for (let i = 0; i < this.sent.length; i++) if (this.clusterOf.get(this.sentOn[i]) == envoyCluster) return i;
    return -1;
  }
  header(i: i32): RequestHeader {
    const r = new Reader(this.sent[i]);
    const apiKey = r.int16();
    const version = r.int16();
    return RequestHeader.decode(new Reader(this.sent[i]), requestHeaderVersion(apiKey, version));
  }
  /** The body of message i, positioned after its header. */
  body(i: i32): Reader {
    const h = this.header(i);
    const r = new Reader(this.sent[i]);
    RequestHeader.decode(r, requestHeaderVersion(h.requestApiKey, h.requestApiVersion));
    return r;
  }
  fetch(i: i32): FetchRequest {
    const h = this.header(i);
    expect<i16>(h.requestApiKey).toBe(ApiKey.Fetch);
    const r = this.body(i);
    const req = FetchRequest.decode(r, h.requestApiVersion);
    expect<bool>(r.failed).toBe(false);
    expect<i32>(r.remaining()).toBe(0);
    return req;
  }
  listOffsets(i: i32): ListOffsetsRequest {
    const h = this.header(i);
    expect<i16>(h.requestApiKey).toBe(ApiKey.ListOffsets);
    const r = this.body(i);
    const req = ListOffsetsRequest.decode(r, h.requestApiVersion);
    expect<bool>(r.failed).toBe(false);
    expect<i32>(r.remaining()).toBe(0);
    return req;
  }
  /** Answers message i with a response body written by `body` at the message's version. */
  answerRaw(i: i32, bodyBytes: Uint8Array): void {
    const h = this.header(i);
    const w = new Writer();
    const rh = new ResponseHeader();
    rh.correlationId = h.correlationId;
    rh.encode(w, responseHeaderVersion(h.requestApiKey, h.requestApiVersion));
    w.bytes(bodyBytes);
    const stream = this.sentOn[i];
    if (this.receivers.has(stream)) this.receivers.get(stream).onStreamMessage(stream, toBytes(w));
  }
  answerFetch(i: i32, resp: FetchResponse): void {
    const w = new Writer();
    resp.encode(w, this.header(i).requestApiVersion);
    this.answerRaw(i, toBytes(w));
  }
  answerListOffsets(i: i32, resp: ListOffsetsResponse): void {
    const w = new Writer();
    resp.encode(w, this.header(i).requestApiVersion);
    this.answerRaw(i, toBytes(w));
  }
  close(stream: u32): void {
    if (!this.receivers.has(stream)) return;
    const r = this.receivers.get(stream);
    this.receivers.delete(stream);
    r.onStreamClosed(stream, 14);
  }
}

class FetchedCount {
  constructor(public cluster: string, public topic: string, public records: i64, public bytes: i64) {}
}

class CountingMetrics extends MeshMetrics {
  fetches: Array<FetchedCount> = [];
  /** Upstream latencies recorded. */
  latencies: i32 = 0;
  /** Read-aheads used, and dropped unused. */
  hits: i32 = 0;
  unused: i32 = 0;
  now: i64 = 1000;
  upstreamLatency(cluster: string, millis: i64): void {
    this.latencies++;
  }
  fetchReadAheadHit(): void {
    this.hits++;
  }
  fetchReadAheadUnused(): void {
    this.unused++;
  }
  fetched(cluster: string, topic: string, records: i64, bytes: i64): void {
    this.fetches.push(new FetchedCount(cluster, topic, records, bytes));
  }
  nowMillis(): i64 {
    return this.now;
  }
}

function consumerMesh(streams: ForwardStreams, metrics: MeshMetrics = new MeshMetrics()): MeshContext {
  return new MeshContext(
    parseConfig(CONSUMER_CONFIG).config!,
    new LocalTopicIdStore(),
    new RecordingTransport(),
    metrics,
    new InMemoryBlockSource(),
    streams,
  );
}

/** Record batches of magic 2: one header per count, `payload` bytes after each header. */
function batches(counts: Array<i32>, payload: i32): Uint8Array {
  const w = new Writer();
  for (let b = 0; b < counts.length; b++) {
    w.int64(<i64>(b * 10)); // base offset
    w.int32(49 + payload); // batch length
    w.int32(0); // partition leader epoch
    w.int8(2); // magic
    for (let i = 0; i < 40; i++) w.int8(<i8>i); // crc .. first sequence: not read by the mesh
    w.int32(counts[b]); // record count, at byte 57
    for (let i = 0; i < payload; i++) w.int8(<i8>(b + i));
  }
  return toBytes(w);
}

class AskedPartition {
  constructor(public topic: string, public partition: i32, public offset: i64) {}
}

function fetchRequest(version: i16, asked: Array<AskedPartition>, maxBytes: i32 = 1 << 20): FetchRequest {
  const req = new FetchRequest();
  req.replicaId = -1;
  req.maxWaitMs = 500;
  req.minBytes = 1;
  req.maxBytes = maxBytes;
  req.isolationLevel = 1;
  req.sessionId = 0;
  req.sessionEpoch = -1;
  req.rackId = "rack-a";
  for (let i = 0; i < asked.length; i++) {
    const a = asked[i];
    let topic: FetchTopic | null = null;
    if (req.topics.length > 0 && req.topics[req.topics.length - 1].topic == a.topic) topic = req.topics[req.topics.length - 1];
    if (topic === null) {
      topic = new FetchTopic();
      topic.topic = a.topic;
      topic.topicId = topicIdFor(a.topic);
      req.topics.push(topic);
    }
    const p = new FetchPartition();
    p.partition = a.partition;
    p.fetchOffset = a.offset;
    p.currentLeaderEpoch = 0; // as the mesh's Metadata hands out
    p.logStartOffset = -1;
    p.partitionMaxBytes = 1 << 20;
    topic.partitions.push(p);
  }
  return req;
}

function sendFetch(c: Connection, correlationId: i32, version: i16, req: FetchRequest): void {
  const w = new Writer();
  const start = beginRequest(w, ApiKey.Fetch, version, correlationId);
  req.encode(w, version);
  endRequest(w, start);
  c.onData(toBytes(w));
}

function sendListOffsets(c: Connection, correlationId: i32, version: i16, req: ListOffsetsRequest): void {
  const w = new Writer();
  const start = beginRequest(w, ApiKey.ListOffsets, version, correlationId);
  req.encode(w, version);
  endRequest(w, start);
  c.onData(toBytes(w));
}

/** The one answer frame in bytes, decoded as a FetchResponse of `version`. */
function fetchAnswer(bytes: Uint8Array | null, version: i16): FetchResponse {
  expect<bool>(bytes === null).toBe(false);
  const r = new Reader(bytes!);
  const size = r.int32();
  expect<i32>(size).toBe(bytes!.length - 4);
  r.int32();
  if (responseHeaderVersion(ApiKey.Fetch, version) >= 1) r.skipTaggedFields();
  const resp = FetchResponse.decode(r, version);
  expect<bool>(r.failed).toBe(false);
  expect<i32>(r.remaining()).toBe(0);
  return resp;
}

function listOffsetsAnswer(bytes: Uint8Array | null, version: i16): ListOffsetsResponse {
  expect<bool>(bytes === null).toBe(false);
  const r = new Reader(bytes!);
  r.int32();
  r.int32();
  if (responseHeaderVersion(ApiKey.ListOffsets, version) >= 1) r.skipTaggedFields();
  const resp = ListOffsetsResponse.decode(r, version);
  expect<bool>(r.failed).toBe(false);
  expect<i32>(r.remaining()).toBe(0);
  return resp;
}

function partitionData(index: i32, hw: i64, records: Uint8Array): PartitionData {
  const d = new PartitionData();
  d.partitionIndex = index;
  d.highWatermark = hw;
  d.lastStableOffset = hw - 1;
  d.logStartOffset = 2;
  d.records = records;
  return d;
}

function topicResponse(name: string, parts: Array<PartitionData>): FetchableTopicResponse {
  const t = new FetchableTopicResponse();
  t.topic = name;
  t.partitions = parts;
  return t;
}

function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

function failed(index: i32, code: i16): PartitionData {
  const d = new PartitionData();
  d.partitionIndex = index;
  d.errorCode = code;
  d.highWatermark = -1;
  d.lastStableOffset = -1;
  d.logStartOffset = -1;
  d.records = new Uint8Array(0);
  return d;
}

describe("Fetch: split across clusters and merged", () => {
  it("sends each cluster one sessionless Fetch and answers with the exact bytes of the merged response", () => {
    const streams = new ForwardStreams();
    const metrics = new CountingMetrics();
    const c = newConnection(consumerMesh(streams, metrics));
    const asked = [
      new AskedPartition("bananas", 3, 40),
      new AskedPartition("apples", 0, 7),
      new AskedPartition("apricots", 0, 9),
      new AskedPartition("bananas2", 0, 1),
    ];
    const req = fetchRequest(11, asked);
    // bananas and bananas2 both go to c3; partition 0 of bananas too, after the others.
    const extra = new FetchPartition();
    extra.partition = 0;
    extra.fetchOffset = 5;
    extra.currentLeaderEpoch = 0;
    extra.partitionMaxBytes = 1000;
    req.topics[0].partitions.push(extra);
    sendFetch(c, 77, 11, req);
    expect<i32>(streams.sent.length).toBe(3);
    expect<bool>(c.takeAnswers() === null).toBe(true);

    const i1 = streams.sentTo("b1");
    const i2 = streams.sentTo("b2");
    const i3 = streams.sentTo("b3");
    const to3 = streams.fetch(i3);
    expect<i16>(streams.header(i3).requestApiVersion).toBe(11);
    expect<i32>(to3.replicaId).toBe(-1);
    expect<i32>(to3.maxWaitMs).toBe(500);
    expect<i32>(to3.minBytes).toBe(1);
    expect<i32>(to3.maxBytes).toBe(1 << 20);
    expect<i8>(to3.isolationLevel).toBe(1);
    expect<i32>(to3.sessionId).toBe(0);
    expect<i32>(to3.sessionEpoch).toBe(-1);
    expect<string>(to3.rackId).toBe("rack-a");
    expect<i32>(to3.forgottenTopicsData.length).toBe(0);
    expect<i32>(to3.topics.length).toBe(2);
    expect<string>(to3.topics[0].topic).toBe("bananas");
    expect<i32>(to3.topics[0].partitions.length).toBe(2);
    expect<i32>(to3.topics[0].partitions[0].partition).toBe(3);
    expect<i64>(to3.topics[0].partitions[0].fetchOffset).toBe(40);
    expect<i32>(to3.topics[0].partitions[0].currentLeaderEpoch).toBe(-1);
    expect<i32>(to3.topics[0].partitions[0].partitionMaxBytes).toBe(1 << 20);
    expect<i64>(to3.topics[0].partitions[1].fetchOffset).toBe(5);
    expect<i32>(to3.topics[0].partitions[1].partitionMaxBytes).toBe(1000);
    expect<string>(to3.topics[1].topic).toBe("bananas2");
    expect<string>(streams.fetch(i1).topics[0].topic).toBe("apples");
    expect<string>(streams.fetch(i2).topics[0].topic).toBe("apricots");

    const r3a = batches([3, 2], 20);
    const r3b = batches([1], 5);
    const r1 = batches([4], 10);
    const aborted = new AbortedTransaction();
    aborted.producerId = 12;
    aborted.firstOffset = 40;
    // c3 answers in its own order, with an epoch and a preferred replica the mesh drops.
    const a3 = new FetchResponse();
    a3.throttleTimeMs = 5;
    const p3 = partitionData(3, 100, r3a);
    p3.abortedTransactions = [aborted];
    p3.preferredReadReplica = 2;
    a3.responses.push(topicResponse("bananas2", [partitionData(0, 8, new Uint8Array(0))]));
    a3.responses.push(topicResponse("bananas", [partitionData(0, 50, r3b), p3]));
    const a1 = new FetchResponse();
    a1.throttleTimeMs = 9;
    a1.responses.push(topicResponse("apples", [partitionData(0, 11, r1)]));
    const a2 = new FetchResponse();
    const p2 = partitionData(0, 0, new Uint8Array(0));
    p2.errorCode = KafkaError.NOT_LEADER_OR_FOLLOWER;
    a2.responses.push(topicResponse("apricots", [p2]));
    streams.answerFetch(i3, a3);
    streams.answerFetch(i2, a2);
    expect<bool>(c.takeAnswers() === null).toBe(true);
    streams.answerFetch(i1, a1);
    const got = c.takeAnswers();
    expect<bool>(got === null).toBe(false);

    // What a broker holding all three clusters' partitions would have answered.
    const expected = new FetchResponse();
    expected.throttleTimeMs = 9;
    const e3 = partitionData(3, 100, r3a);
    e3.abortedTransactions = [aborted];
    expected.responses.push(topicResponse("bananas", [e3, partitionData(0, 50, r3b)]));
    expected.responses.push(topicResponse("apples", [partitionData(0, 11, r1)]));
    const e2 = partitionData(0, 0, new Uint8Array(0));
    e2.errorCode = KafkaError.NOT_LEADER_OR_FOLLOWER;
    expected.responses.push(topicResponse("apricots", [e2]));
    expected.responses.push(topicResponse("bananas2", [partitionData(0, 8, new Uint8Array(0))]));
    const w = new Writer();
    w.int32(0);
    w.int32(77);
    expected.encode(w, 11);
    w.patchInt32(0, w.pos - 4);
    expect<bool>(sameBytes(got!, toBytes(w))).toBe(true);

    // Metrics: records from the batch headers, bytes of the records handed out.
    expect<i32>(metrics.fetches.length).toBe(3);
    expect<string>(metrics.fetches[0].cluster).toBe("c3");
    expect<string>(metrics.fetches[0].topic).toBe("bananas");
    expect<i64>(metrics.fetches[0].records).toBe(5);
    expect<i64>(metrics.fetches[0].bytes).toBe(r3a.length);
    expect<i64>(metrics.fetches[1].records).toBe(1);
    expect<string>(metrics.fetches[2].cluster).toBe("c1");
    expect<i64>(metrics.fetches[2].records).toBe(4);
  });

  it("sends v13+ requests as v12 with names and answers with the mesh's topic ids; unknown ids get UNKNOWN_TOPIC_ID", () => {
    const streams = new ForwardStreams();
    const mesh = consumerMesh(streams);
    mesh.topics.remember("apples");
    mesh.topics.remember("bananas");
    const c = newConnection(mesh);
    const req = fetchRequest(16, [new AskedPartition("apples", 0, 1), new AskedPartition("nobody-gave-this-id", 0, 1), new AskedPartition("bananas", 4, 2)]);
    sendFetch(c, 5, 16, req);
    expect<i32>(streams.sent.length).toBe(2);
    const i1 = streams.sentTo("b1");
    const i3 = streams.sentTo("b3");
    expect<i16>(streams.header(i1).requestApiVersion).toBe(12);
    expect<string>(streams.fetch(i1).topics[0].topic).toBe("apples");
    expect<string>(streams.fetch(i3).topics[0].topic).toBe("bananas");
    const a1 = new FetchResponse();
    a1.responses.push(topicResponse("apples", [partitionData(0, 3, batches([2], 4))]));
    streams.answerFetch(i1, a1);
    const a3 = new FetchResponse();
    a3.responses.push(topicResponse("bananas", [partitionData(4, 6, new Uint8Array(0))]));
    streams.answerFetch(i3, a3);
    const resp = fetchAnswer(c.takeAnswers(), 16);
    expect<i32>(resp.responses.length).toBe(3);
    expect<bool>(sameBytes(resp.responses[0].topicId, topicIdFor("apples"))).toBe(true);
    expect<i16>(resp.responses[0].partitions[0].errorCode).toBe(KafkaError.NONE);
    expect<i64>(resp.responses[0].partitions[0].highWatermark).toBe(3);
    expect<bool>(sameBytes(resp.responses[1].topicId, topicIdFor("nobody-gave-this-id"))).toBe(true);
    expect<i16>(resp.responses[1].partitions[0].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_ID);
    expect<bool>(sameBytes(resp.responses[2].topicId, topicIdFor("bananas"))).toBe(true);
    expect<i32>(resp.responses[2].partitions[0].partitionIndex).toBe(4);
    expect<i64>(resp.responses[2].partitions[0].highWatermark).toBe(6);
  });

  it("answers every version from 4 to 18", () => {
    for (let v: i16 = 4; v <= 18; v++) {
      const streams = new ForwardStreams();
      const mesh = consumerMesh(streams);
      mesh.topics.remember("apples");
      const c = newConnection(mesh);
      sendFetch(c, v, v, fetchRequest(v, [new AskedPartition("apples", 0, 1)]));
      expect<i32>(streams.sent.length).toBe(1);
      expect<i16>(streams.header(0).requestApiVersion).toBe(min(v, 12));
      const a = new FetchResponse();
      a.responses.push(topicResponse("apples", [partitionData(0, 3, batches([2], 4))]));
      streams.answerFetch(0, a);
      const resp = fetchAnswer(c.takeAnswers(), v);
      expect<i64>(resp.responses[0].partitions[0].highWatermark).toBe(3);
      expect<i64>(countRecords(resp.responses[0].partitions[0].records!)).toBe(2);
    }
  });

  it("answers unrouted topics, strimzi clusters and unknown partitions itself, without a bridge call", () => {
    const streams = new ForwardStreams();
    const c = newConnection(consumerMesh(streams));
    const req = fetchRequest(12, [
      new AskedPartition("cherries", 0, 1),
      new AskedPartition("strawberries", 1, 1),
      new AskedPartition("apples", 1, 1),
      new AskedPartition("apples", -1, 1),
    ]);
    sendFetch(c, 3, 12, req);
    expect<i32>(streams.sent.length).toBe(0);
    const resp = fetchAnswer(c.takeAnswers(), 12);
    expect<i32>(resp.responses.length).toBe(3);
    const cherries = resp.responses[0].partitions[0];
    expect<i16>(cherries.errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
    expect<i64>(cherries.highWatermark).toBe(-1);
    expect<i32>(cherries.records!.length).toBe(0);
    expect<i16>(resp.responses[1].partitions[0].errorCode).toBe(KafkaError.UNSUPPORTED_VERSION);
    expect<i32>(resp.responses[1].partitions[0].partitionIndex).toBe(1);
    expect<i16>(resp.responses[2].partitions[0].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
    expect<i16>(resp.responses[2].partitions[1].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it("answers a partition the bridge left out with NOT_LEADER_OR_FOLLOWER and no watermarks", () => {
    const streams = new ForwardStreams();
    const c = newConnection(consumerMesh(streams));
    sendFetch(c, 1, 12, fetchRequest(12, [new AskedPartition("bananas", 0, 1), new AskedPartition("bananas", 1, 1)]));
    const a = new FetchResponse();
    a.responses.push(topicResponse("bananas", [partitionData(1, 30, new Uint8Array(0))]));
    streams.answerFetch(0, a);
    const resp = fetchAnswer(c.takeAnswers(), 12);
    const parts = resp.responses[0].partitions;
    expect<i32>(parts.length).toBe(2);
    expect<i16>(parts[0].errorCode).toBe(KafkaError.NOT_LEADER_OR_FOLLOWER);
    expect<i64>(parts[0].highWatermark).toBe(-1);
    expect<i64>(parts[0].lastStableOffset).toBe(-1);
    expect<i64>(parts[0].logStartOffset).toBe(-1);
    expect<i16>(parts[1].errorCode).toBe(KafkaError.NONE);
    expect<i64>(parts[1].highWatermark).toBe(30);
  });

  it("answers a lost stream's partitions with NOT_LEADER_OR_FOLLOWER and the other clusters' as they came", () => {
    const streams = new ForwardStreams();
    const c = newConnection(consumerMesh(streams));
    sendFetch(c, 1, 12, fetchRequest(12, [new AskedPartition("apples", 0, 1), new AskedPartition("bananas", 2, 1)]));
    const i1 = streams.sentTo("b1");
    const i3 = streams.sentTo("b3");
    const a = new FetchResponse();
    a.responses.push(topicResponse("bananas", [partitionData(2, 30, batches([1], 1))]));
    streams.answerFetch(i3, a);
    streams.close(streams.sentOn[i1]);
    const resp = fetchAnswer(c.takeAnswers(), 12);
    expect<i16>(resp.responses[0].partitions[0].errorCode).toBe(KafkaError.NOT_LEADER_OR_FOLLOWER);
    expect<i64>(resp.responses[0].partitions[0].highWatermark).toBe(-1);
    expect<i16>(resp.responses[1].partitions[0].errorCode).toBe(KafkaError.NONE);
    expect<i64>(resp.responses[1].partitions[0].highWatermark).toBe(30);
  });

  it("treats an answer that does not parse as a lost stream", () => {
    const streams = new ForwardStreams();
    const c = newConnection(consumerMesh(streams));
    sendFetch(c, 1, 12, fetchRequest(12, [new AskedPartition("apples", 0, 1)]));
    const junk = new Uint8Array(3);
    streams.answerRaw(0, junk);
    const resp = fetchAnswer(c.takeAnswers(), 12);
    expect<i16>(resp.responses[0].partitions[0].errorCode).toBe(KafkaError.NOT_LEADER_OR_FOLLOWER);
  });

  it("waits max_wait_ms + upstream_timeout_ms (and the channel's grace) before giving up on a bridge", () => {
    const streams = new ForwardStreams();
    const metrics = new CountingMetrics();
    const mesh = consumerMesh(streams, metrics);
    const c = newConnection(mesh);
    sendFetch(c, 1, 12, fetchRequest(12, [new AskedPartition("apples", 0, 1)]));
    const deadline = metrics.now + 500 + 1000 + ANSWER_GRACE_MS;
    mesh.tick(deadline - 1);
    expect<bool>(c.takeAnswers() === null).toBe(true);
    mesh.tick(deadline);
    const resp = fetchAnswer(c.takeAnswers(), 12);
    expect<i16>(resp.responses[0].partitions[0].errorCode).toBe(KafkaError.NOT_LEADER_OR_FOLLOWER);
  });

  it("bounds the response by max_bytes across clusters: the first partition with records is kept, later ones lose their records", () => {
    const streams = new ForwardStreams();
    const metrics = new CountingMetrics();
    const c = newConnection(consumerMesh(streams, metrics));
    const big = batches([5], 300); // 361 bytes, over max_bytes on its own
    const small = batches([1], 10);
    const req = fetchRequest(12, [
      new AskedPartition("apples", 0, 1),
      new AskedPartition("apricots", 0, 1),
      new AskedPartition("bananas", 0, 1),
      new AskedPartition("bananas", 1, 1),
    ], 100);
    sendFetch(c, 1, 12, req);
    const a1 = new FetchResponse();
    a1.responses.push(topicResponse("apples", [partitionData(0, 10, new Uint8Array(0))]));
    streams.answerFetch(streams.sentTo("b1"), a1);
    const a2 = new FetchResponse();
    a2.responses.push(topicResponse("apricots", [partitionData(0, 20, big)]));
    streams.answerFetch(streams.sentTo("b2"), a2);
    const a3 = new FetchResponse();
    a3.responses.push(topicResponse("bananas", [partitionData(0, 30, small), partitionData(1, 40, small)]));
    streams.answerFetch(streams.sentTo("b3"), a3);
    const resp = fetchAnswer(c.takeAnswers(), 12);
    expect<i32>(resp.responses[1].partitions[0].records!.length).toBe(big.length);
    expect<i64>(resp.responses[1].partitions[0].highWatermark).toBe(20);
    expect<i32>(resp.responses[2].partitions[0].records!.length).toBe(0);
    expect<i64>(resp.responses[2].partitions[0].highWatermark).toBe(30);
    expect<i32>(resp.responses[2].partitions[1].records!.length).toBe(0);
    expect<i64>(resp.responses[2].partitions[1].highWatermark).toBe(40);
    expect<i32>(metrics.fetches.length).toBe(1);
    expect<i64>(metrics.fetches[0].records).toBe(5);
  });

  it("keeps partitions while they fit in max_bytes", () => {
    const streams = new ForwardStreams();
    const c = newConnection(consumerMesh(streams));
    const small = batches([1], 10); // 71 bytes
    sendFetch(c, 1, 12, fetchRequest(12, [new AskedPartition("bananas", 0, 1), new AskedPartition("bananas", 1, 1), new AskedPartition("bananas", 2, 1)], 150));
    const a3 = new FetchResponse();
    a3.responses.push(topicResponse("bananas", [partitionData(0, 1, small), partitionData(1, 1, small), partitionData(2, 1, small)]));
    streams.answerFetch(0, a3);
    const parts = fetchAnswer(c.takeAnswers(), 12).responses[0].partitions;
    expect<i32>(parts[0].records!.length).toBe(small.length);
    expect<i32>(parts[1].records!.length).toBe(small.length);
    expect<i32>(parts[2].records!.length).toBe(0);
  });
});

describe("Fetch: counting records", () => {
  it("adds the record counts of whole batches and stops at a truncated tail batch", () => {
    const whole = batches([3, 4, 5], 7);
    expect<i64>(countRecords(whole)).toBe(12);
    expect<i64>(countRecords(whole.subarray(0, whole.length - 1))).toBe(7);
    expect<i64>(countRecords(whole.subarray(0, 68 + 30))).toBe(3);
    expect<i64>(countRecords(new Uint8Array(0))).toBe(0);
    // A length field pointing past the end, or too short for a header: nothing more counted.
    const bad = whole.slice();
    bad[8] = 0x7f;
    expect<i64>(countRecords(bad)).toBe(0);
    const tiny = whole.slice();
    tiny[11] = 3;
    tiny[10] = 0;
    expect<i64>(countRecords(tiny)).toBe(0);
  });
});

function listOffsetsRequest(topics: Array<string>, partitions: Array<i32>, timestamp: i64): ListOffsetsRequest {
  const req = new ListOffsetsRequest();
  req.replicaId = -1;
  req.isolationLevel = 1;
  req.timeoutMs = 700;
  for (let i = 0; i < topics.length; i++) {
    const t = new ListOffsetsTopic();
    t.name = topics[i];
    const p = new ListOffsetsPartition();
    p.partitionIndex = partitions[i];
    p.currentLeaderEpoch = 0;
    p.timestamp = timestamp;
    t.partitions.push(p);
    req.topics.push(t);
  }
  return req;
}

function offsetAnswer(name: string, index: i32, offset: i64): ListOffsetsTopicResponse {
  const t = new ListOffsetsTopicResponse();
  t.name = name;
  const p = new ListOffsetsPartitionResponse();
  p.partitionIndex = index;
  p.offset = offset;
  p.timestamp = 1234;
  p.leaderEpoch = 6;
  t.partitions.push(p);
  return t;
}

describe("ListOffsets", () => {
  it("forwards each cluster's topics at the client's version and merges in request order", () => {
    for (let v: i16 = 1; v <= 10; v++) {
      const streams = new ForwardStreams();
      const c = newConnection(consumerMesh(streams));
      sendListOffsets(c, 9, v, listOffsetsRequest(["bananas", "apples", "cherries", "strawberries", "bananas"], [4, 0, 0, 0, 2], -1));
      expect<i32>(streams.sent.length).toBe(2);
      const i1 = streams.sentTo("b1");
      const i3 = streams.sentTo("b3");
      expect<i16>(streams.header(i3).requestApiVersion).toBe(v);
      const to3 = streams.listOffsets(i3);
      expect<i32>(to3.replicaId).toBe(-1);
      expect<i32>(to3.topics.length).toBe(2);
      expect<i32>(to3.topics[1].partitions[0].partitionIndex).toBe(2);
      expect<i64>(to3.topics[0].partitions[0].timestamp).toBe(-1);
      if (v >= 4) expect<i32>(to3.topics[0].partitions[0].currentLeaderEpoch).toBe(-1);
      if (v >= 10) expect<i32>(to3.timeoutMs).toBe(700);
      const a3 = new ListOffsetsResponse();
      a3.topics.push(offsetAnswer("bananas", 2, 22));
      a3.topics.push(offsetAnswer("bananas", 4, 44));
      streams.answerListOffsets(i3, a3);
      const a1 = new ListOffsetsResponse();
      a1.throttleTimeMs = 3;
      a1.topics.push(offsetAnswer("apples", 0, 11));
      streams.answerListOffsets(i1, a1);
      const resp = listOffsetsAnswer(c.takeAnswers(), v);
      expect<i32>(resp.topics.length).toBe(5);
      if (v >= 2) expect<i32>(resp.throttleTimeMs).toBe(3);
      expect<string>(resp.topics[0].name).toBe("bananas");
      expect<i64>(resp.topics[0].partitions[0].offset).toBe(44);
      expect<i64>(resp.topics[0].partitions[0].timestamp).toBe(1234);
      if (v >= 4) expect<i32>(resp.topics[0].partitions[0].leaderEpoch).toBe(-1);
      expect<i64>(resp.topics[1].partitions[0].offset).toBe(11);
      expect<i16>(resp.topics[2].partitions[0].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
      expect<i64>(resp.topics[2].partitions[0].offset).toBe(-1);
      expect<i16>(resp.topics[3].partitions[0].errorCode).toBe(KafkaError.UNSUPPORTED_VERSION);
      expect<i64>(resp.topics[4].partitions[0].offset).toBe(22);
    }
  });

  it("answers a lost stream's and a left-out partition with NOT_LEADER_OR_FOLLOWER, offset -1, timestamp -1", () => {
    const streams = new ForwardStreams();
    const c = newConnection(consumerMesh(streams));
    sendListOffsets(c, 1, 7, listOffsetsRequest(["apples", "bananas", "bananas"], [0, 0, 1], -2));
    const i1 = streams.sentTo("b1");
    const i3 = streams.sentTo("b3");
    const a3 = new ListOffsetsResponse();
    a3.topics.push(offsetAnswer("bananas", 1, 5));
    streams.answerListOffsets(i3, a3);
    streams.close(streams.sentOn[i1]);
    const resp = listOffsetsAnswer(c.takeAnswers(), 7);
    expect<i16>(resp.topics[0].partitions[0].errorCode).toBe(KafkaError.NOT_LEADER_OR_FOLLOWER);
    expect<i64>(resp.topics[0].partitions[0].offset).toBe(-1);
    expect<i64>(resp.topics[0].partitions[0].timestamp).toBe(-1);
    expect<i16>(resp.topics[1].partitions[0].errorCode).toBe(KafkaError.NOT_LEADER_OR_FOLLOWER);
    expect<i16>(resp.topics[2].partitions[0].errorCode).toBe(KafkaError.NONE);
    expect<i64>(resp.topics[2].partitions[0].offset).toBe(5);
  });

  it("gives up after the request's timeout_ms on v10 and upstream_timeout_ms before", () => {
    const versions: Array<i16> = [9, 10];
    const waits: Array<i64> = [1000, 700];
    for (let k = 0; k < versions.length; k++) {
      const streams = new ForwardStreams();
      const metrics = new CountingMetrics();
      const mesh = consumerMesh(streams, metrics);
      const c = newConnection(mesh);
      sendListOffsets(c, 1, versions[k], listOffsetsRequest(["apples"], [0], -1));
      const deadline = metrics.now + waits[k] + ANSWER_GRACE_MS;
      mesh.tick(deadline - 1);
      expect<bool>(c.takeAnswers() === null).toBe(true);
      mesh.tick(deadline);
      const resp = listOffsetsAnswer(c.takeAnswers(), versions[k]);
      expect<i16>(resp.topics[0].partitions[0].errorCode).toBe(KafkaError.NOT_LEADER_OR_FOLLOWER);
    }
  });
});

/** One magic 2 batch of `count` records from `base` (lastOffsetDelta count - 1), `payload` bytes after its header. */
function batchAt(base: i64, count: i32, payload: i32): Uint8Array {
  const w = new Writer();
  w.int64(base);
  w.int32(49 + payload); // batch length
  w.int32(0); // partition leader epoch
  w.int8(2); // magic
  w.int32(0); // crc: not read by the mesh
  w.int16(0); // attributes
  w.int32(count - 1); // last offset delta, at byte 23
  for (let i = 0; i < 30; i++) w.int8(0); // timestamps .. first sequence
  w.int32(count); // record count, at byte 57
  for (let i = 0; i < payload; i++) w.int8(<i8>(base + i));
  return toBytes(w);
}

/** A c1 answer for apples partition 0: records, high watermark hw, last stable offset lso. */
function applesAnswer(records: Uint8Array, hw: i64, lso: i64): FetchResponse {
  const a = new FetchResponse();
  const d = partitionData(0, hw, records);
  d.lastStableOffset = lso;
  a.responses.push(topicResponse("apples", [d]));
  return a;
}

/** A Fetch of apples partition 0 from offset at `version`, read_uncommitted unless isolation says. */
function applesFetch(offset: i64, isolation: i8 = 0): FetchRequest {
  const req = fetchRequest(12, [new AskedPartition("apples", 0, offset)]);
  req.isolationLevel = isolation;
  return req;
}

/** The records the one partition of a one-topic answer carries. */
function recordsOf(resp: FetchResponse): Uint8Array {
  return resp.responses[0].partitions[0].records!;
}

/** A budget member that is never held or closed in these tests. */
class QuietMember extends BudgetMember {
  resume(): void {}
  closeForMemory(reason: string): void {}
}

/**
 * The client's first Fetch of apples from 0, answered with records 0-4 (high watermark and last
 * stable offset hw) and its answer passed on: where a read-ahead starts. Returns that answer.
 */
function firstFetchPassed(c: Connection, streams: ForwardStreams, hw: i64 = 100): Uint8Array | null {
  sendFetch(c, 1, 12, applesFetch(0));
  streams.answerFetch(0, applesAnswer(batchAt(0, 5, 10), hw, hw));
  return passOn(c);
}

/** The connection's answers, reported passed on towards the client (as the filter's write side does). */
function passOn(c: Connection): Uint8Array | null {
  const out = c.takeAnswers();
  if (out !== null) c.answersPassed(<i64>out.length);
  return out;
}

describe("Fetch: answers written in pieces", () => {
  it("hands large records out as the cluster's answer holds them, between the answer's own bytes, frames intact", () => {
    const streams = new ForwardStreams();
    const c = newConnection(consumerMesh(streams));
    // Two Fetches in flight: the first answer's records spliced in, the second's copied.
    sendFetch(c, 1, 12, applesFetch(0));
    sendFetch(c, 2, 12, applesFetch(0));
    expect<i32>(streams.sent.length).toBe(2);
    const large = batchAt(0, 20, 20 << 10);
    const small = batchAt(20, 2, 10);
    streams.answerFetch(0, applesAnswer(large, 100, 100));
    streams.answerFetch(1, applesAnswer(small, 100, 100));
    const pieces = c.takeAnswerPieces()!;
    // The first answer's head | its records | its tail and the whole second answer.
    expect<i32>(pieces.length).toBe(3);
    expect<bool>(sameBytes(pieces[1], large)).toBe(true);
    const all = joinPieces(pieces);
    // Each frame's size counts the records spliced into it.
    const firstSize = new Reader(all).int32();
    const first = all.subarray(0, 4 + firstSize);
    const second = all.subarray(4 + firstSize);
    const a1 = fetchAnswer(first, 12);
    const a2 = fetchAnswer(second, 12);
    expect<i32>(new Reader(first.subarray(4)).int32()).toBe(1);
    expect<i32>(new Reader(second.subarray(4)).int32()).toBe(2);
    expect<bool>(sameBytes(recordsOf(a1), large)).toBe(true);
    expect<bool>(sameBytes(recordsOf(a2), small)).toBe(true);
  });
});

describe("Fetch read-ahead (fetch_read_ahead.ts)", () => {
  it("after records below the high watermark asks the next Fetch ahead and answers it from the VM, once", () => {
    const streams = new ForwardStreams();
    const metrics = new CountingMetrics();
    const c = newConnection(consumerMesh(streams, metrics));
    sendFetch(c, 1, 12, applesFetch(0));
    expect<i32>(streams.sent.length).toBe(1);
    const first = joinPieces([batchAt(0, 3, 10), batchAt(3, 2, 10)]);
    streams.answerFetch(0, applesAnswer(first, 100, 100));
    expect<bool>(sameBytes(recordsOf(fetchAnswer(passOn(c), 12)), first)).toBe(true);

    // The same Fetch at the offset after the last batch, without waiting on the broker.
    expect<i32>(streams.sent.length).toBe(2);
    const ahead = streams.fetch(1);
    const asked = streams.fetch(0);
    expect<i32>(ahead.maxWaitMs).toBe(0);
    expect<i64>(ahead.topics[0].partitions[0].fetchOffset).toBe(5);
    expect<i32>(ahead.minBytes).toBe(asked.minBytes);
    expect<i32>(ahead.maxBytes).toBe(asked.maxBytes);
    expect<i8>(ahead.isolationLevel).toBe(asked.isolationLevel);
    expect<string>(ahead.rackId).toBe(asked.rackId);
    expect<i32>(ahead.topics[0].partitions[0].partitionMaxBytes).toBe(asked.topics[0].partitions[0].partitionMaxBytes);
    const second = batchAt(5, 4, 10);
    streams.answerFetch(1, applesAnswer(second, 100, 100));

    // The client asks exactly that: answered at once, with its own correlation id, nothing sent for it.
    sendFetch(c, 2, 12, applesFetch(5));
    const got = passOn(c);
    expect<i32>(new Reader(got!).int32()).toBe(got!.length - 4);
    expect<i32>(new Reader(got!.subarray(4)).int32()).toBe(2);
    const resp = fetchAnswer(got, 12);
    expect<bool>(sameBytes(recordsOf(resp), second)).toBe(true);
    expect<i64>(resp.responses[0].partitions[0].highWatermark).toBe(100);
    // Only the first Fetch called upstream: the hit records no upstream latency.
    expect<i32>(metrics.latencies).toBe(1);
    // The one after it (offset 9) was asked when the first came; none was sent for the client's own Fetch.
    expect<i32>(streams.sent.length).toBe(3);
    expect<i64>(streams.fetch(2).topics[0].partitions[0].fetchOffset).toBe(9);
    expect<i32>(streams.fetch(2).maxWaitMs).toBe(0);
  });

  it("is asked once the answer before it has passed on towards the client, not while it is written", () => {
    const streams = new ForwardStreams();
    const c = newConnection(consumerMesh(streams, new CountingMetrics()));
    sendFetch(c, 1, 12, applesFetch(0));
    streams.answerFetch(0, applesAnswer(batchAt(0, 5, 10), 100, 100));
    const out = c.takeAnswers();
    expect<i32>(streams.sent.length).toBe(1);
    c.answersPassed(<i64>out!.length);
    expect<i32>(streams.sent.length).toBe(2);
    expect<i64>(streams.fetch(1).topics[0].partitions[0].fetchOffset).toBe(5);
    c.answersPassed(0);
    expect<i32>(streams.sent.length).toBe(2);
  });

  it("holds two: the second is asked from the first's answer once the answers passed, and the next two Fetches are answered from the VM", () => {
    const streams = new ForwardStreams();
    const metrics = new CountingMetrics();
    const c = newConnection(consumerMesh(streams, metrics));
    sendFetch(c, 1, 12, applesFetch(0));
    streams.answerFetch(0, applesAnswer(batchAt(0, 5, 10), 100, 100));
    const out = c.takeAnswers();
    c.answersPassed(<i64>out!.length);
    expect<i32>(streams.sent.length).toBe(2);
    const second = batchAt(5, 5, 10);
    streams.answerFetch(1, applesAnswer(second, 100, 100));
    // Asked as soon as the first came (the answers had passed), from the offset after it.
    expect<i32>(streams.sent.length).toBe(3);
    expect<i64>(streams.fetch(2).topics[0].partitions[0].fetchOffset).toBe(10);
    expect<i32>(streams.fetch(2).maxWaitMs).toBe(0);
    sendFetch(c, 2, 12, applesFetch(5));
    const got = c.takeAnswers();
    expect<bool>(sameBytes(recordsOf(fetchAnswer(got, 12)), second)).toBe(true);
    // The third comes while that answer is on its way to the client: nothing is asked until it passed.
    const third = batchAt(10, 5, 10);
    streams.answerFetch(2, applesAnswer(third, 100, 100));
    expect<i32>(streams.sent.length).toBe(3);
    c.answersPassed(<i64>got!.length);
    expect<i32>(streams.sent.length).toBe(4);
    expect<i64>(streams.fetch(3).topics[0].partitions[0].fetchOffset).toBe(15);
    // No more than two held: none after the fourth until the client takes the third.
    streams.answerFetch(3, applesAnswer(batchAt(15, 5, 10), 100, 100));
    expect<i32>(streams.sent.length).toBe(4);

    sendFetch(c, 3, 12, applesFetch(10));
    expect<bool>(sameBytes(recordsOf(fetchAnswer(passOn(c), 12)), third)).toBe(true);
    expect<i32>(streams.sent.length).toBe(5);
    expect<i64>(streams.fetch(4).topics[0].partitions[0].fetchOffset).toBe(20);
    expect<i32>(metrics.hits).toBe(2);
    expect<i32>(metrics.unused).toBe(0);
    expect<i32>(metrics.latencies).toBe(1);
  });

  it("asks none after a read-ahead that came back empty; the client's Fetch then goes on, nothing counted unused", () => {
    const streams = new ForwardStreams();
    const metrics = new CountingMetrics();
    const c = newConnection(consumerMesh(streams, metrics));
    firstFetchPassed(c, streams);
    streams.answerFetch(1, applesAnswer(new Uint8Array(0), 100, 100));
    expect<i32>(streams.sent.length).toBe(2);
    // The client's Fetch finds it unusable: sent on, nothing counted unused.
    sendFetch(c, 2, 12, applesFetch(5));
    expect<i32>(streams.sent.length).toBe(3);
    expect<i32>(streams.fetch(2).maxWaitMs).toBe(500);
    expect<i32>(metrics.unused).toBe(0);
  });

  it("a Fetch arriving while its read-ahead is on its way waits for it instead of asking again", () => {
    const streams = new ForwardStreams();
    const c = newConnection(consumerMesh(streams, new CountingMetrics()));
    firstFetchPassed(c, streams, 50);
    sendFetch(c, 2, 12, applesFetch(5));
    expect<i32>(streams.sent.length).toBe(2);
    expect<bool>(passOn(c) === null).toBe(true);
    const second = batchAt(5, 5, 10);
    streams.answerFetch(1, applesAnswer(second, 50, 50));
    expect<bool>(sameBytes(recordsOf(fetchAnswer(passOn(c), 12)), second)).toBe(true);
  });

  it("asks none at the end of the log: the high watermark, or the last stable offset for read_committed", () => {
    const streams = new ForwardStreams();
    const c = newConnection(consumerMesh(streams, new CountingMetrics()));
    fetchAnswer(firstFetchPassed(c, streams, 5), 12);
    expect<i32>(streams.sent.length).toBe(1);

    // read_committed: records below the high watermark but up to the last stable offset.
    sendFetch(c, 2, 12, applesFetch(5, 1));
    expect<i32>(streams.sent.length).toBe(2);
    streams.answerFetch(1, applesAnswer(batchAt(5, 5, 10), 20, 10));
    fetchAnswer(passOn(c), 12);
    expect<i32>(streams.sent.length).toBe(2);
    // One record more below the last stable offset: asked ahead.
    sendFetch(c, 3, 12, applesFetch(10, 1));
    streams.answerFetch(2, applesAnswer(batchAt(10, 5, 10), 20, 16));
    fetchAnswer(passOn(c), 12);
    expect<i32>(streams.sent.length).toBe(4);
    expect<i64>(streams.fetch(3).topics[0].partitions[0].fetchOffset).toBe(15);
    expect<i8>(streams.fetch(3).isolationLevel).toBe(1);
  });

  it("a different next Fetch goes to the bridge, and the connection asks none ahead for ten times the keep time", () => {
    const streams = new ForwardStreams();
    const metrics = new CountingMetrics();
    const c = newConnection(consumerMesh(streams, metrics));
    firstFetchPassed(c, streams);
    streams.answerFetch(1, applesAnswer(batchAt(5, 5, 10), 100, 100));
    expect<i32>(streams.sent.length).toBe(3); // the second, from offset 10
    // The consumer seeked back to 2: its own Fetch, with its own wait; both read-aheads unused.
    sendFetch(c, 2, 12, applesFetch(2));
    expect<i32>(streams.sent.length).toBe(4);
    expect<i64>(streams.fetch(3).topics[0].partitions[0].fetchOffset).toBe(2);
    expect<i32>(streams.fetch(3).maxWaitMs).toBe(500);
    expect<i32>(metrics.unused).toBe(2);
    streams.answerFetch(3, applesAnswer(batchAt(0, 5, 10), 100, 100));
    fetchAnswer(passOn(c), 12);
    expect<i32>(streams.sent.length).toBe(4);
    // Quiet until 10 x 1000 ms have passed.
    metrics.now += 10 * 1000 + 1;
    sendFetch(c, 3, 12, applesFetch(5));
    streams.answerFetch(4, applesAnswer(batchAt(5, 5, 10), 100, 100));
    fetchAnswer(passOn(c), 12);
    expect<i32>(streams.sent.length).toBe(6);
    expect<i64>(streams.fetch(5).topics[0].partitions[0].fetchOffset).toBe(10);
  });

  it("a read-ahead kept past its time, one that came back without records, or one that failed is not used", () => {
    // Kept past fetch_read_ahead_ms (1000 by default).
    let streams = new ForwardStreams();
    let metrics = new CountingMetrics();
    let c = newConnection(consumerMesh(streams, metrics));
    firstFetchPassed(c, streams);
    streams.answerFetch(1, applesAnswer(batchAt(5, 5, 10), 100, 100));
    expect<i32>(streams.sent.length).toBe(3); // the second, from offset 10
    metrics.now += 1001;
    sendFetch(c, 2, 12, applesFetch(5));
    expect<i32>(streams.sent.length).toBe(4);
    expect<i32>(streams.fetch(3).maxWaitMs).toBe(500);

    // Came back empty (the log was truncated meanwhile): the waiting Fetch asks for itself.
    streams = new ForwardStreams();
    metrics = new CountingMetrics();
    c = newConnection(consumerMesh(streams, metrics));
    firstFetchPassed(c, streams);
    sendFetch(c, 2, 12, applesFetch(5));
    expect<i32>(streams.sent.length).toBe(2);
    streams.answerFetch(1, applesAnswer(new Uint8Array(0), 100, 100));
    expect<bool>(passOn(c) === null).toBe(true);
    expect<i32>(streams.sent.length).toBe(3);
    expect<i32>(streams.fetch(2).maxWaitMs).toBe(500);
    const own = batchAt(5, 2, 10);
    streams.answerFetch(2, applesAnswer(own, 100, 100));
    expect<bool>(sameBytes(recordsOf(fetchAnswer(passOn(c), 12)), own)).toBe(true);

    // Failed with its stream: the Fetch behind it is sent on the next stream.
    streams = new ForwardStreams();
    metrics = new CountingMetrics();
    const mesh = consumerMesh(streams, metrics);
    c = newConnection(mesh);
    firstFetchPassed(c, streams);
    streams.close(streams.sentOn[1]);
    metrics.now += 1000; // past the reconnect delay
    sendFetch(c, 2, 12, applesFetch(5));
    expect<i32>(streams.sent.length).toBe(3);
    expect<bool>(streams.sentOn[2] != streams.sentOn[1]).toBe(true);
    expect<i32>(streams.fetch(2).maxWaitMs).toBe(500);
  });

  it("asks none for a Fetch of several clusters, with a partition in error, or with fetch_read_ahead_ms 0", () => {
    const streams = new ForwardStreams();
    const c = newConnection(consumerMesh(streams, new CountingMetrics()));
    sendFetch(c, 1, 12, fetchRequest(12, [new AskedPartition("apples", 0, 0), new AskedPartition("apricots", 0, 0)]));
    expect<i32>(streams.sent.length).toBe(2);
    streams.answerFetch(streams.sentTo("b1"), applesAnswer(batchAt(0, 5, 10), 100, 100));
    const a2 = new FetchResponse();
    a2.responses.push(topicResponse("apricots", [partitionData(0, 100, batchAt(0, 5, 10))]));
    streams.answerFetch(streams.sentTo("b2"), a2);
    fetchAnswer(passOn(c), 12);
    expect<i32>(streams.sent.length).toBe(2);

    // apples' records, and a partition of it the cluster does not have.
    sendFetch(c, 2, 12, fetchRequest(12, [new AskedPartition("apples", 0, 0), new AskedPartition("apples", 7, 0)]));
    expect<i32>(streams.sent.length).toBe(3);
    streams.answerFetch(2, applesAnswer(batchAt(0, 5, 10), 100, 100));
    fetchAnswer(passOn(c), 12);
    expect<i32>(streams.sent.length).toBe(3);

    const off = new ForwardStreams();
    const config = CONSUMER_CONFIG.replace('"upstream_timeout_ms": 1000,', '"upstream_timeout_ms": 1000, "fetch_read_ahead_ms": 0,');
    const mesh = new MeshContext(parseConfig(config).config!, new LocalTopicIdStore(), new RecordingTransport(), new CountingMetrics(),
      new InMemoryBlockSource(), off);
    const c2 = newConnection(mesh);
    sendFetch(c2, 1, 12, applesFetch(0));
    off.answerFetch(0, applesAnswer(batchAt(0, 5, 10), 100, 100));
    fetchAnswer(passOn(c2), 12);
    expect<i32>(off.sent.length).toBe(1);
  });

  it("counts the read-ahead in the connection's memory until it is used or the connection closes", () => {
    const streams = new ForwardStreams();
    const metrics = new CountingMetrics();
    const mesh = consumerMesh(streams, metrics);
    const c = newConnection(mesh);
    const member = new QuietMember();
    c.joinBudget(mesh.budget, member);
    firstFetchPassed(c, streams);
    // In flight: counted at its bound (partition_max_bytes and overhead).
    expect<i64>(mesh.budget.total).toBeGreaterThanOrEqual(1 << 20);
    const second = batchAt(5, 5, 10);
    streams.answerFetch(1, applesAnswer(second, 100, 100));
    // The one after it on its way: counted at its bound.
    c.syncBudget();
    expect<i64>(mesh.budget.total).toBeGreaterThanOrEqual((1 << 20) + <i64>second.length);
    const third = batchAt(10, 5, 10);
    streams.answerFetch(2, applesAnswer(third, 100, 100));
    c.syncBudget();
    const held = mesh.budget.total;
    expect<i64>(held).toBeGreaterThan(<i64>(second.length + third.length));
    expect<i64>(held).toBeLessThan(2048);
    c.onClose();
    expect<i64>(mesh.budget.total).toBe(0);
  });

  it("nextOffsetAfter: past the last whole batch; -1 without one", () => {
    const two = joinPieces([batchAt(7, 3, 4), batchAt(10, 6, 4)]);
    expect<i64>(nextOffsetAfter(two)).toBe(16);
    // A truncated tail batch is not the client's yet.
    expect<i64>(nextOffsetAfter(two.subarray(0, two.length - 1))).toBe(10);
    expect<i64>(nextOffsetAfter(new Uint8Array(0))).toBe(-1);
  });
});
