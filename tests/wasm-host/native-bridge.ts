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

// --- the Forward method: consumer and group requests (docs/consumers.md) ----------------------
//
// A message on a Forward stream is a Kafka request header and body (no size prefix) of a consumer
// or group API, at the version the client used (Fetch at most 12); the bridge answers each with
// the response header and body of the same API and version under the request's correlation id,
// in any order. The well-formed answer (forwardAnswer) answers everything the request asks:
// every partition of a Fetch (record batches from `records`), ListOffsets, OffsetCommit and
// OffsetFetch, every key of a FindCoordinator, every group of a DescribeGroups, every member of
// a LeaveGroup.

export const FORWARD_GRPC_METHOD = "Forward";

/** A Forward stream message, decoded. */
export interface ForwardRequest {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  body: k.Data;
}

/** Decodes a message the filter sent on a Forward stream (throws unless it is a whole request of a consumer or group API). */
export function readForward(message: Uint8Array): ForwardRequest {
  const { header, body } = k.readRequestHeader(k.sizePrefixed(message));
  const api = k.CONSUMER_APIS[header.apiKey];
  if (!api) throw new Error(`Forward message: api key ${header.apiKey} v${header.apiVersion} is not a consumer or group API`);
  const decoded = k.readConsumerRequest(header.apiKey, body, header.apiVersion);
  body.end(`Forward ${api.name} v${header.apiVersion} message`);
  return { apiKey: header.apiKey, apiVersion: header.apiVersion, correlationId: header.correlationId, clientId: header.clientId, body: decoded };
}

/** What the well-formed answer puts in its fields; every callback has a default. */
export interface ForwardAnswerOptions {
  /** A Fetch partition's records (default: a batch of two records at the fetch offset). */
  records?(topic: string | null, partition: number, fetchOffset: bigint): Buffer | null;
  /** A Fetch partition's high watermark (default fetch offset + 2). */
  highWatermark?(topic: string | null, partition: number, fetchOffset: bigint): bigint;
  /** A ListOffsets partition's offset, an OffsetFetch partition's committed offset (default 42). */
  offset?(topic: string | null, partition: number): bigint;
  /** The error code of a partition, group or key (default 0); `what` names the API. */
  error?(what: string, name: string | null, index: number): number;
  /** The coordinator a FindCoordinator names (default node 1, bridge-host:9092). */
  coordinator?: { nodeId: number; host: string; port: number };
  /** The JoinGroup answer's generation and member id (default 1, the request's member id or "member-1"). */
  generationId?: number;
  memberId?: string;
  /** A SyncGroup's assignment (default 4 bytes). */
  assignment?: Buffer;
  /** ListGroups: the groups the cluster has (default ["g1"]). */
  groups?: string[];
}

/** The records a Fetch answer carries by default: two records, the batch at `fetchOffset`. */
export function defaultFetchRecords(topic: string | null, partition: number, fetchOffset: bigint): Buffer {
  return batchAt(k.recordBatch(k.stringRecords([[`${topic}-${partition}`, `at ${fetchOffset}`], ["k2", "v2"]]), { baseTimestamp: 1_700_000_000_000 }), fetchOffset);
}

/** `batch` (recordBatch's, base offset 0) moved to `baseOffset` (the base offset is outside the CRC). */
export function batchAt(batch: Buffer, baseOffset: bigint): Buffer {
  const b = Buffer.from(batch);
  b.writeBigInt64BE(baseOffset, 0);
  return b;
}

/** The body of the well-formed answer to `req`. */
export function forwardAnswerBody(req: ForwardRequest, o: ForwardAnswerOptions = {}): k.Data {
  const b = req.body;
  const v = req.apiVersion;
  const err = (what: string, name: string | null, index: number): number => o.error?.(what, name, index) ?? 0;
  const offset = (t: string | null, p: number): bigint => o.offset?.(t, p) ?? 42n;
  switch (req.apiKey) {
    case k.ApiKey.Fetch:
      return {
        throttleTimeMs: 0, errorCode: 0, sessionId: 0,
        responses: (b.topics ?? []).map((t: k.Data) => ({
          topic: t.topic, topicId: t.topicId,
          partitions: (t.partitions ?? []).map((p: k.Data) => {
            const name = v >= 13 ? t.topicId : t.topic;
            const errorCode = err("Fetch", name, p.partition);
            const hw = o.highWatermark?.(name, p.partition, p.fetchOffset) ?? BigInt.asIntN(64, p.fetchOffset + 2n);
            return {
              partitionIndex: p.partition, errorCode, highWatermark: errorCode ? -1n : hw, lastStableOffset: errorCode ? -1n : hw,
              logStartOffset: 0n, abortedTransactions: v >= 4 ? [] : null, preferredReadReplica: -1,
              records: errorCode ? null : (o.records ?? defaultFetchRecords)(name, p.partition, p.fetchOffset),
            };
          }),
        })),
      };
    case k.ApiKey.ListOffsets:
      return {
        throttleTimeMs: 0,
        topics: (b.topics ?? []).map((t: k.Data) => ({
          name: t.name,
          partitions: (t.partitions ?? []).map((p: k.Data) => {
            const errorCode = err("ListOffsets", t.name, p.partitionIndex);
            return { partitionIndex: p.partitionIndex, errorCode, timestamp: -1n, offset: errorCode ? -1n : offset(t.name, p.partitionIndex), leaderEpoch: 0 };
          }),
        })),
      };
    case k.ApiKey.FindCoordinator: {
      const c = o.coordinator ?? { nodeId: 1, host: "bridge-host", port: 9092 };
      if (v < 4) return { throttleTimeMs: 0, errorCode: err("FindCoordinator", b.key, 0), errorMessage: null, ...c };
      return {
        throttleTimeMs: 0,
        coordinators: (b.coordinatorKeys ?? []).map((key: string, i: number) => ({ key, ...c, errorCode: err("FindCoordinator", key, i), errorMessage: null })),
      };
    }
    case k.ApiKey.JoinGroup: {
      const memberId = o.memberId ?? (b.memberId || "member-1");
      const protocol = b.protocols?.[0];
      return {
        throttleTimeMs: 0, errorCode: err("JoinGroup", b.groupId, 0), generationId: o.generationId ?? 1,
        protocolType: b.protocolType, protocolName: protocol?.name ?? "range", leader: memberId, skipAssignment: false, memberId,
        members: [{ memberId, groupInstanceId: b.groupInstanceId ?? null, metadata: protocol?.metadata ?? Buffer.alloc(0) }],
      };
    }
    case k.ApiKey.SyncGroup:
      return { throttleTimeMs: 0, errorCode: err("SyncGroup", b.groupId, 0), protocolType: b.protocolType ?? null, protocolName: b.protocolName ?? null, assignment: o.assignment ?? Buffer.from([0, 1, 2, 3]) };
    case k.ApiKey.Heartbeat:
      return { throttleTimeMs: 0, errorCode: err("Heartbeat", b.groupId, 0) };
    case k.ApiKey.LeaveGroup:
      return {
        throttleTimeMs: 0, errorCode: err("LeaveGroup", b.groupId, 0),
        members: (b.members ?? []).map((m: k.Data, i: number) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, errorCode: err("LeaveGroup", m.memberId, i) })),
      };
    case k.ApiKey.OffsetCommit:
      return {
        throttleTimeMs: 0,
        topics: (b.topics ?? []).map((t: k.Data) => ({
          name: t.name, topicId: t.topicId,
          partitions: (t.partitions ?? []).map((p: k.Data) => ({ partitionIndex: p.partitionIndex, errorCode: err("OffsetCommit", t.name ?? t.topicId, p.partitionIndex) })),
        })),
      };
    case k.ApiKey.OffsetFetch: {
      const topics = (list: k.Data[] | null, byId: boolean): k.Data[] => (list ?? [{ name: "a-committed", topicId: "0".repeat(31) + "9", partitionIndexes: [0] }]).map((t) => ({
        name: t.name, topicId: byId ? t.topicId : undefined,
        partitions: (t.partitionIndexes ?? []).map((p: number) => {
          const errorCode = err("OffsetFetch", t.name ?? t.topicId, p);
          return { partitionIndex: p, committedOffset: errorCode ? -1n : offset(t.name ?? t.topicId, p), committedLeaderEpoch: -1, metadata: "", errorCode };
        }),
      }));
      if (v < 8) return { throttleTimeMs: 0, topics: topics(b.topics, false), errorCode: err("OffsetFetch", b.groupId, -1) };
      return {
        throttleTimeMs: 0,
        groups: (b.groups ?? []).map((g: k.Data) => ({ groupId: g.groupId, topics: topics(g.topics, v >= 10), errorCode: err("OffsetFetch", g.groupId, -1) })),
      };
    }
    case k.ApiKey.DescribeGroups:
      return {
        throttleTimeMs: 0,
        groups: (b.groups ?? []).map((g: string, i: number) => ({
          errorCode: err("DescribeGroups", g, i), errorMessage: null, groupId: g, groupState: "Stable", protocolType: "consumer", protocolData: "range",
          members: [{ memberId: `${g}-member-1`, groupInstanceId: null, clientId: "consumer-1", clientHost: "/10.0.0.1", memberMetadata: Buffer.from([0, 1]), memberAssignment: Buffer.from([0, 2]) }],
          authorizedOperations: -2147483648,
        })),
      };
    case k.ApiKey.ListGroups:
      return {
        throttleTimeMs: 0, errorCode: err("ListGroups", null, 0),
        groups: (o.groups ?? ["g1"]).map((g) => ({ groupId: g, protocolType: "consumer", groupState: "Stable", groupType: "classic" })),
      };
    default:
      throw new Error(`no answer for api key ${req.apiKey}`);
  }
}

/** A Forward answer message: response header and `body` at the request's API and version (no size prefix). */
export function forwardMessage(req: Pick<ForwardRequest, "apiKey" | "apiVersion">, correlationId: number, body: k.Data): Buffer {
  return k.responseFrame(req.apiKey, req.apiVersion, correlationId, k.consumerResponse(req.apiKey, req.apiVersion, body)).subarray(4);
}

/** The well-formed answer to `req`. */
export function forwardAnswer(req: ForwardRequest, o: ForwardAnswerOptions = {}): Buffer {
  return forwardMessage(req, req.correlationId, forwardAnswerBody(req, o));
}

/**
 * How the fake bridge treats a case's Forward messages (the fuzzer picks one per case):
 * normal: each message answered (mostly well-formed, some with the per-message faults of
 * genForwardAnswer in tests/fuzz/cases.ts); late: answers held until the messages' deadlines
 * passed, then sent; garbage: random bytes or cut answers; wrong-correlation: answers to
 * correlation ids the filter did not send; close: the stream closed with a gRPC status at the
 * first message; never: no answer, ever (the filter's deadline fails them).
 */
export const FORWARD_FAULTS = ["normal", "late", "garbage", "wrong-correlation", "close", "never"] as const;
export type ForwardFault = (typeof FORWARD_FAULTS)[number];
