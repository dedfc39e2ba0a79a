// The native dialect's bridge as the Node harnesses play it (docs/producer.md, docs/bridge.md):
// a message the filter sends on its gRPC stream is RequestHeader v2 + ProduceRequest v11 without
// the size prefix; the bridge answers ResponseHeader v1 + ProduceResponse v11, every partition of
// the request once. Encoding and decoding go through the Kafka wire library (tests/lib/kafka).
import * as k from "../lib/kafka/index.ts";

/** Produce version spoken on the stream, its gRPC service and method. */
export const NATIVE_PRODUCE_VERSION = 11;
export const NATIVE_GRPC_SERVICE = "kafka.mesh.v1.Bridge";
export const NATIVE_GRPC_METHOD = "Produce";

/** A stream message, decoded. */
export interface NativeProduce {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  request: k.ProduceRequest;
}

/** Decodes a message the filter sent on a native stream (throws when it is not a whole Produce v11). */
export function readNativeProduce(message: Uint8Array): NativeProduce {
  const { header, body } = k.readRequestHeader(k.sizePrefixed(message));
  if (header.apiKey !== k.ApiKey.Produce || header.apiVersion !== NATIVE_PRODUCE_VERSION) {
    throw new Error(`stream message: api key ${header.apiKey} v${header.apiVersion}, not Produce v${NATIVE_PRODUCE_VERSION}`);
  }
  const request = k.readProduceRequest(body, NATIVE_PRODUCE_VERSION);
  body.end("native Produce v11 message");
  return { ...header, request };
}

/** An answer to `produce`: each partition's fields from `result(topic, partition, index)`. */
export function nativeAnswer(correlationId: number, topics: readonly k.ProduceTopicResponse[], throttleMs = 0): Buffer {
  const frame = k.responseFrame(k.ApiKey.Produce, NATIVE_PRODUCE_VERSION, correlationId, k.produceResponse(NATIVE_PRODUCE_VERSION, topics, throttleMs));
  return frame.subarray(4);
}

/**
 * The well-formed answer to a message: every partition of the request answered, offsets from
 * `offset(topic, partition)` (or error codes, from `error`).
 */
export function answerFor(p: NativeProduce, offset: (topic: string | null, partition: number) => bigint,
  error: (topic: string | null, partition: number) => number = () => 0): Buffer {
  return nativeAnswer(p.correlationId, p.request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((part) => {
      const errorCode = error(t.name, part.index);
      return { index: part.index, errorCode, baseOffset: errorCode === 0 ? offset(t.name, part.index) : -1n, logAppendTimeMs: -1n, logStartOffset: 0n };
    }),
  })));
}
