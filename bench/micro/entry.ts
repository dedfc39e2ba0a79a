// Bench-only wasm: the filter's SDK-free Produce path (assembly/mesh), on the Strimzi dialect
// and on the native dialect, driven without a proxy-wasm host. The bridge is an in-memory transport answered with a canned body, so the
// figures are the filter's own CPU per record, phase by phase, with no network and no Envoy.
import { Writer } from "../../assembly/kafka/wire";
import { parseConfig } from "../../assembly/mesh/config";
import { Connection, RequestDecoder } from "../../assembly/mesh/connection";
import { MeshContext } from "../../assembly/mesh/context";
import { InFlightRequest } from "../../assembly/mesh/inflight";
import { MeshRequestDecoder } from "../../assembly/mesh/request_decoder";
import { LocalTopicIdStore } from "../../assembly/mesh/topics";
import { StreamReceiver, StreamTransport, UpstreamReceiver, UpstreamTransport } from "../../assembly/mesh/upstream_transport";
import { MeshMetrics } from "../../assembly/mesh/metrics";
import { InMemoryBlockSource, ProducerStateTable } from "../../assembly/mesh/producer_state";
import { planProduce, PlanInput, PlanPartitionInput, PlanRouting, PlanTopicInput } from "../../assembly/mesh/produce_plan";
import { decodeNativeAnswer, encodeNativeProduce, NativePart, NATIVE_PRODUCE_VERSION } from "../../assembly/upstream/native";
import { PartitionProduceResponse, ProduceResponse, TopicProduceResponse } from "../../assembly/kafka/messages/produce_response";
import { ResponseHeader } from "../../assembly/kafka/messages/response_header";
import { RestBridge } from "../../assembly/mesh/config";
import { HttpCall, UpstreamRecord } from "../../assembly/upstream/dialect";
import { StrimziDialect } from "../../assembly/upstream/strimzi";
import { decodeRecords, RecordBatch } from "../../assembly/records/batch";
import { crc32c } from "../../assembly/records/crc32c";
import { decompress } from "../../assembly/compression/index";
import { ProduceRequest } from "../../assembly/kafka/messages/produce_request";
import { RequestHeader } from "../../assembly/kafka/messages/request_header";
import { requestHeaderVersion } from "../../assembly/kafka/messages/api_keys";
import { Reader } from "../../assembly/kafka/wire";

/** Keeps the calls of one request; the benchmark answers them at once. */
class CannedTransport extends UpstreamTransport {
  receivers: Array<UpstreamReceiver> = [];
  parts: Array<i32> = [];
  send(bridge: RestBridge, call: HttpCall, timeoutMs: u32, receiver: UpstreamReceiver, part: i32): bool {
    this.receivers.push(receiver);
    this.parts.push(part);
    lastCall = call;
    return true;
  }
}

/** The mesh's decoder, keeping the last request it made (runResponse encodes its answer). */
class KeepingDecoder extends RequestDecoder {
  constructor(private decoder: RequestDecoder) {
    super();
  }
  decode(frame: Uint8Array): InFlightRequest | null {
    const request = this.decoder.decode(frame);
    this.error = this.decoder.error;
    if (request !== null) lastRequest = request;
    return request;
  }
}

let transport = new CannedTransport();
let mesh: MeshContext | null = null;
let connection: Connection | null = null;
let frame = new Uint8Array(0);
let answer = new Uint8Array(0);
let lastCall: HttpCall | null = null;
let lastRequest: InFlightRequest | null = null;
let sink: u32 = 0;

/** Loads a plugin config (JSON text written at the returned address, then configure()). */
let configText = new Uint8Array(0);
export function prepareConfig(length: i32): usize {
  configText = new Uint8Array(length);
  return configText.dataStart;
}
export function configure(): bool {
  const text = String.UTF8.decodeUnsafe(configText.dataStart, configText.length);
  const parsed = parseConfig(text);
  if (parsed.config === null) return false;
  mesh = new MeshContext(parsed.config!, new LocalTopicIdStore(), transport);
  connection = new Connection(new KeepingDecoder(new MeshRequestDecoder(mesh!)), mesh!.config.maxFrameBytes, mesh!.config.maxInflightRequests);
  return true;
}

/** The request frame (with its size prefix) that every run feeds. */
export function prepareFrame(length: i32): usize {
  frame = new Uint8Array(length);
  return frame.dataStart;
}
/** The bridge's answer body every call gets (status 200). */
export function prepareAnswer(length: i32): usize {
  answer = new Uint8Array(length);
  return answer.dataStart;
}

/** The whole Produce path, times over: frame in, HTTP call built, answer parsed, response out. Returns the last response's size, or a negative error. */
export function runProduce(times: i32): i32 {
  const c = connection!;
  let size = 0;
  for (let i = 0; i < times; i++) {
    c.onData(frame);
    if (transport.receivers.length == 0) return -1;
    for (let k = 0; k < transport.receivers.length; k++) {
      unchecked(transport.receivers[k]).onUpstreamAnswer(unchecked(transport.parts[k]), 200, answer);
    }
    transport.receivers.length = 0;
    transport.parts.length = 0;
    const out = c.takeAnswers();
    if (out === null) return -2;
    size = out.length;
  }
  return size;
}

/** The body of the last HTTP call, to check it (and to build the matching answer). */
export function lastCallBody(): usize {
  return lastCall === null ? 0 : lastCall!.body.dataStart;
}
export function lastCallBodyLength(): i32 {
  return lastCall === null ? 0 : lastCall!.body.length;
}

// Phases, each on the records of the frame's first partition.
let records: Uint8Array = new Uint8Array(0);
let batch: RecordBatch | null = null;
let upstream: Array<UpstreamRecord> = [];
const dialect = new StrimziDialect();

/** Decodes the frame's Produce request once and keeps its first partition's records. Returns the record count. */
export function split(): i32 {
  const r = new Reader(frame, 4, frame.length);
  r.int16();
  const version = r.int16();
  const rr = new Reader(frame, 4, frame.length);
  RequestHeader.decode(rr, requestHeaderVersion(0, version));
  const req = ProduceRequest.decode(rr, version);
  if (rr.failed) return -1;
  records = req.topicData[0].partitionData[0].records!;
  const d = decodeRecords(records);
  if (!d.ok()) return -2;
  batch = d.batches[0];
  upstream = [];
  for (let i = 0; i < batch!.records.length; i++) upstream.push(new UpstreamRecord(0, batch!.records[i], true));
  return upstream.length;
}

/** Request frame decode: header + ProduceRequest message (records stay bytes). */
export function runFrameDecode(times: i32): i32 {
  let n = 0;
  for (let i = 0; i < times; i++) {
    const rr = new Reader(frame, 4, frame.length);
    rr.int16();
    const version = rr.int16();
    rr.pos = 4;
    RequestHeader.decode(rr, requestHeaderVersion(0, version));
    const req = ProduceRequest.decode(rr, version);
    n += req.topicData.length;
  }
  return n;
}

/** Record batch decode: header checks, CRC-32C, decompression, every record. */
export function runBatchDecode(times: i32): i32 {
  let n = 0;
  for (let i = 0; i < times; i++) n += decodeRecords(records).recordCount();
  return n;
}

/** CRC-32C over the batch's covered bytes alone. */
export function runCrc(times: i32): u32 {
  let x: u32 = 0;
  for (let i = 0; i < times; i++) x ^= crc32c(records, 21, records.length);
  return x;
}

/** Decompression alone (0 for uncompressed batches). */
export function runDecompress(times: i32): i32 {
  const codec = batch!.compression();
  if (codec == 0) return 0;
  let n = 0;
  for (let i = 0; i < times; i++) {
    const d = decompress(codec, records.subarray(61), 16 << 20);
    if (d.data === null) return -1;
    n += d.data!.length;
  }
  return n;
}

/** Upstream encoding: the Strimzi JSON body with Base64 keys and values. */
export function runEncode(times: i32): i32 {
  let n = 0;
  for (let i = 0; i < times; i++) n += dialect.buildProduce("apples", 0, upstream, -1).body.length;
  return n;
}

/** Parsing the bridge's answer (one offset per record). */
export function runParseAnswer(times: i32): i32 {
  let n = 0;
  for (let i = 0; i < times; i++) n += dialect.parseProduce(200, answer, upstream.length, -1).results.length;
  return n;
}

/** Encoding the Produce response of the last finished request. */
export function runResponse(times: i32): i32 {
  const w = new Writer(256);
  const req = lastRequest!;
  for (let i = 0; i < times; i++) {
    w.reset();
    req.computeAnswer(w);
  }
  return w.pos;
}

/** Current linear memory size in bytes. */
export function memoryBytes(): i32 {
  return <i32>memory.size() << 16;
}


// ---------------------------------------------------------------- the native dialect's path
// The same Produce path on a native-dialect config: batches pass through untouched (header
// checks and the producer-state check, no record decode), one Produce v11 message per
// (request, cluster) on an in-memory stream, answered at once with the bridge's ProduceResponse.

/** An in-memory stream: keeps the messages sent; the benchmark answers them. */
class MemoryStreams extends StreamTransport {
  receiver: StreamReceiver | null = null;
  sent: Array<Uint8Array> = [];
  open(bridge: RestBridge, service: string, method: string, receiver: StreamReceiver): u32 {
    this.receiver = receiver;
    return 1;
  }
  send(stream: u32, message: Uint8Array): bool {
    this.sent.push(message);
    lastMessage = message;
    return true;
  }
  cancel(stream: u32): void {}
}

/** Routing of the native phases: every topic on cluster 0, one partition, passed through. */
class PassThroughRouting extends PlanRouting {
  clusterFor(topic: string): i32 {
    return 0;
  }
  partitionCount(cluster: i32, topic: string): i32 {
    return 1;
  }
  passThrough(cluster: i32): bool {
    return true;
  }
}

let streams = new MemoryStreams();
let nativeConnection: Connection | null = null;
let nativeFrame = new Uint8Array(0);
/** Where the frame's batch starts (its base sequence is bumped before every request). */
let nativeBatchAt: i32 = 0;
let nativeSequence: i32 = 0;
let nativeAnswerBytes = new Uint8Array(0);
let lastMessage: Uint8Array | null = null;
let lastNativeRequest: InFlightRequest | null = null;

class KeepingNativeDecoder extends RequestDecoder {
  constructor(private decoder: RequestDecoder) {
    super();
  }
  decode(frame: Uint8Array): InFlightRequest | null {
    const request = this.decoder.decode(frame);
    this.error = this.decoder.error;
    if (request !== null) lastNativeRequest = request;
    return request;
  }
}

/** Loads the native-dialect plugin config written at prepareConfig's address. */
export function configureNative(): bool {
  const text = String.UTF8.decodeUnsafe(configText.dataStart, configText.length);
  const parsed = parseConfig(text);
  if (parsed.config === null) return false;
  const m = new MeshContext(parsed.config!, new LocalTopicIdStore(), transport, new MeshMetrics(), new InMemoryBlockSource(), streams);
  nativeConnection = new Connection(new KeepingNativeDecoder(new MeshRequestDecoder(m)), m.config.maxFrameBytes, m.config.maxInflightRequests);
  return true;
}

/** The native path's request frame (an idempotent batch starting at batchAt). */
export function prepareNativeFrame(length: i32, batchAt: i32): usize {
  nativeFrame = new Uint8Array(length);
  nativeBatchAt = batchAt;
  return nativeFrame.dataStart;
}

/** The next batch of the idempotent producer: base sequence moved past the previous batch's records. */
function bumpSequence(records: i32): void {
  nativeSequence += records;
  store<i32>(nativeFrame.dataStart + <usize>nativeBatchAt + 53, bswap<i32>(nativeSequence));
}

/** The bridge's answer to the native frame's first partition (ResponseHeader v1 + ProduceResponse v11); the correlation id is patched per message. */
export function buildNativeAnswer(baseOffset: i64): i32 {
  if (nativeParts.length == 0) return -1;
  const topic = nativeParts[0].topic;
  const part = new PartitionProduceResponse();
  part.index = nativeParts[0].partition;
  part.baseOffset = baseOffset;
  part.logStartOffset = 0;
  const t = new TopicProduceResponse();
  t.name = topic;
  t.partitionResponses.push(part);
  const resp = new ProduceResponse();
  resp.responses.push(t);
  const header = new ResponseHeader();
  const w = new Writer(256);
  header.encode(w, 1);
  resp.encode(w, NATIVE_PRODUCE_VERSION);
  nativeAnswerBytes = w.view();
  return nativeAnswerBytes.length;
}

/** Answers message with the canned answer carrying its correlation id (bytes 4..8 of the request header). */
function answerMessage(message: Uint8Array): Uint8Array {
  store<i32>(nativeAnswerBytes.dataStart, load<i32>(message.dataStart + 4));
  return nativeAnswerBytes;
}

/** The whole native path, times over: frame in, message built, answer read, response out. Returns the last response's size, or a negative error. */
export function runNativeProduce(times: i32, recordsPerBatch: i32): i32 {
  const c = nativeConnection!;
  let size = 0;
  for (let i = 0; i < times; i++) {
    bumpSequence(recordsPerBatch);
    c.onData(nativeFrame);
    if (streams.sent.length == 0) return -1;
    const receiver = streams.receiver!;
    for (let k = 0; k < streams.sent.length; k++) receiver.onStreamMessage(1, answerMessage(unchecked(streams.sent[k])));
    streams.sent.length = 0;
    const out = c.takeAnswers();
    if (out === null) return -2;
    size = out.length;
  }
  return size;
}

/** The last channel message, to check it holds the client's batch untouched. */
export function lastMessageBytes(): usize {
  return lastMessage === null ? 0 : lastMessage!.dataStart;
}
export function lastMessageLength(): i32 {
  return lastMessage === null ? 0 : lastMessage!.length;
}

// Native phases, on the native frame's request.
let nativeInput = new PlanInput();
let nativeParts: Array<NativePart> = [];
const passThroughRouting = new PassThroughRouting();
const nativeProducers = new ProducerStateTable();

/** Decodes the native frame once into the plan's input. Returns its partition count. */
export function splitNative(): i32 {
  const r = new Reader(nativeFrame, 4, nativeFrame.length);
  r.int16();
  const version = r.int16();
  const rr = new Reader(nativeFrame, 4, nativeFrame.length);
  RequestHeader.decode(rr, requestHeaderVersion(0, version));
  const req = ProduceRequest.decode(rr, version);
  if (rr.failed) return -1;
  const input = new PlanInput();
  input.apiVersion = version;
  input.acks = req.acks;
  input.timeoutMs = req.timeoutMs;
  let n = 0;
  for (let t = 0; t < req.topicData.length; t++) {
    const parts = new Array<PlanPartitionInput>();
    const td = req.topicData[t];
    for (let p = 0; p < td.partitionData.length; p++) {
      parts.push(new PlanPartitionInput(td.partitionData[p].index, td.partitionData[p].records));
      nativeParts.push(new NativePart(td.name, td.partitionData[p].index, td.partitionData[p].records!));
      n++;
    }
    input.topics.push(new PlanTopicInput(td.name, parts));
  }
  nativeInput = input;
  return n;
}

/** planProduce with pass-through routing (header checks, producer-state check, no decode), each batch's ticket then completed. */
export function runNativePlan(times: i32, recordsPerBatch: i32): i32 {
  let n = 0;
  for (let i = 0; i < times; i++) {
    bumpSequence(recordsPerBatch);
    const plan = planProduce(nativeInput, passThroughRouting, nativeProducers, 0);
    if (plan.passThrough.length != 1) return -1;
    const parts = unchecked(plan.passThrough[0]).parts;
    for (let k = 0; k < parts.length; k++) {
      const res = unchecked(parts[k]).result;
      if (res.ticket != 0) nativeProducers.complete(res.ticket, 1000);
    }
    n += parts.length;
  }
  return n;
}

/** encodeNativeProduce alone: the channel message (the batches copied in). */
export function runNativeEncode(times: i32): i32 {
  let n = 0;
  for (let i = 0; i < times; i++) n += encodeNativeProduce(i, -1, 30000, nativeParts).length;
  return n;
}

/** Reading the bridge's answer (decodeNativeAnswer). */
export function runNativeAnswer(times: i32): i32 {
  let n = 0;
  for (let i = 0; i < times; i++) {
    const a = decodeNativeAnswer(nativeAnswerBytes);
    if (a === null) return -1;
    n += a.response.responses.length;
  }
  return n;
}

/** Encoding the Produce response of the last finished native request. */
export function runNativeResponse(times: i32): i32 {
  const w = new Writer(256);
  const req = lastNativeRequest!;
  for (let i = 0; i < times; i++) {
    w.reset();
    req.computeAnswer(w);
  }
  return w.pos;
}
