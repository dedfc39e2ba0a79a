// The project bridge's Kafka-native produce channel (docs/bridge.md): one gRPC bidirectional
// stream per (Envoy worker VM, cluster), method kafka.mesh.v1.Bridge/Produce. Each message
// is a Kafka request as a broker reads it, without the size prefix (gRPC frames carry the
// length): RequestHeader v2 + ProduceRequest v11 holding the client's record batches
// untouched; the bridge answers each with ResponseHeader v1 + ProduceResponse v11, every
// partition of the request answered once, matched here by correlation id.
import { Reader, Writer } from "../kafka/wire";
import { KafkaError } from "../kafka/errors";
import { ApiKey } from "../kafka/messages/api_keys";
import { RequestHeader } from "../kafka/messages/request_header";
import { ResponseHeader } from "../kafka/messages/response_header";
import { PartitionProduceData, ProduceRequest, TopicProduceData } from "../kafka/messages/produce_request";
import { PartitionProduceResponse, ProduceResponse } from "../kafka/messages/produce_response";

/** Produce version spoken on the channel: flexible, names topics, carries record errors and log start offsets. */
export const NATIVE_PRODUCE_VERSION: i16 = 11;
export const NATIVE_GRPC_SERVICE = "kafka.mesh.v1.Bridge";
export const NATIVE_GRPC_METHOD = "Produce";
/** The stream of consumer and group requests (docs/consumers.md). */
export const FORWARD_GRPC_METHOD = "Forward";
const CLIENT_ID = "kafka-mesh";

/** One partition's batch, as the client sent it. */
export class NativePart {
  constructor(public topic: string, public partition: i32, public records: Uint8Array) {}
}

/** The channel message for parts (grouped by topic in first-seen order). */
export function encodeNativeProduce(correlationId: i32, acks: i16, timeoutMs: i32, parts: Array<NativePart>): Uint8Array {
  const req = new ProduceRequest();
  req.acks = acks;
  req.timeoutMs = timeoutMs;
  let size = 64;
  for (let i = 0; i < parts.length; i++) {
    const part = unchecked(parts[i]);
    size += part.records.length + part.topic.length + 16;
    let topic: TopicProduceData | null = null;
    for (let t = 0; t < req.topicData.length; t++) {
      if (unchecked(req.topicData[t]).name == part.topic) {
        topic = unchecked(req.topicData[t]);
        break;
      }
    }
    if (topic === null) {
      topic = new TopicProduceData();
      topic.name = part.topic;
      req.topicData.push(topic);
    }
    const pd = new PartitionProduceData();
    pd.index = part.partition;
    pd.records = part.records;
    topic.partitionData.push(pd);
  }
  const header = new RequestHeader();
  header.requestApiKey = ApiKey.Produce;
  header.requestApiVersion = NATIVE_PRODUCE_VERSION;
  header.correlationId = correlationId;
  header.clientId = CLIENT_ID;
  const w = new Writer(size);
  header.encode(w, 2);
  req.encode(w, NATIVE_PRODUCE_VERSION);
  return w.view();
}

/** The bridge's answer to one message: the cluster's ProduceResponse, by correlation id. */
export class NativeAnswer {
  constructor(public correlationId: i32, public response: ProduceResponse) {}

  /** The result for (topic, partition), or null when the bridge left it out. */
  find(topic: string, partition: i32): PartitionProduceResponse | null {
    const topics = this.response.responses;
    for (let t = 0; t < topics.length; t++) {
      const tr = unchecked(topics[t]);
      if (tr.name != topic) continue;
      for (let p = 0; p < tr.partitionResponses.length; p++) {
        const pr = unchecked(tr.partitionResponses[p]);
        if (pr.index == partition) return pr;
      }
    }
    return null;
  }
}

/** Reads a channel answer; null when it is not a well-formed ProduceResponse (never traps). */
export function decodeNativeAnswer(bytes: Uint8Array): NativeAnswer | null {
  const r = new Reader(bytes);
  const header = ResponseHeader.decode(r, 1);
  if (r.failed) return null;
  const resp = ProduceResponse.decode(r, NATIVE_PRODUCE_VERSION);
  if (r.failed || r.remaining() != 0) return null;
  return new NativeAnswer(header.correlationId, resp);
}

/**
 * The GrpcService message (envoy.config.core.v3) naming an Envoy cluster, as proxy_grpc_stream
 * takes it: envoy_grpc (1) { cluster_name (1), authority (2) }.
 */
export function grpcServiceFor(envoyCluster: string, authority: string): Uint8Array {
  const inner = new Writer(envoyCluster.length + authority.length + 16);
  protoString(inner, 1, envoyCluster);
  if (authority.length > 0) protoString(inner, 2, authority);
  const body = inner.view();
  const w = new Writer(body.length + 8);
  w.int8(0x0a);
  w.uvarint(body.length); // protobuf's varint is Kafka's unsigned varint
  w.bytes(body);
  return w.view();
}

function protoString(w: Writer, field: i32, s: string): void {
  const b = Uint8Array.wrap(String.UTF8.encode(s));
  w.int8(<i8>((field << 3) | 2));
  w.uvarint(b.length);
  w.bytes(b);
}
