// Request frames for the APIs the mesh serves (ApiVersions, Metadata, Produce, InitProducerId,
// and the consumer and group APIs of docs/consumers.md), any other request header with a body of
// the caller's, and the readers a broker needs for them (the capture server, the fake bridge).
// Frames include their size prefix.
import { type Bytes, Reader, Writer } from "./primitives.ts";
import { type Data, decodeBody, encodeBody, type MessageSchema } from "./schema.ts";
import * as S from "./schemas.ts";

export const ApiKey = Object.freeze({
  Produce: 0, Fetch: 1, ListOffsets: 2, Metadata: 3, OffsetCommit: 8, OffsetFetch: 9, FindCoordinator: 10,
  JoinGroup: 11, Heartbeat: 12, LeaveGroup: 13, SyncGroup: 14, DescribeGroups: 15, ListGroups: 16,
  ApiVersions: 18, InitProducerId: 22,
});

/** First flexible version of the request and response bodies of the APIs above. */
const FLEXIBLE_FROM: Readonly<Record<number, number>> = {
  0: 9, 1: 12, 2: 6, 3: 9, 8: 8, 9: 6, 10: 3, 11: 6, 12: 4, 13: 4, 14: 4, 15: 5, 16: 3, 18: 3, 22: 2,
};

/** Whether (apiKey, version) uses the flexible encoding (an API not listed above never does). */
export function isFlexible(apiKey: number, version: number): boolean {
  const f = FLEXIBLE_FROM[apiKey];
  return f !== undefined && version >= f;
}

/** Client id of the requests built here unless the caller gives one (null: a null string). */
export const DEFAULT_CLIENT_ID = "mesh-test";

/** A whole request frame: header v1 (v2 for flexible versions), then `body`. */
export function requestFrame(apiKey: number, version: number, correlationId: number, body: Bytes,
  clientId: string | null = DEFAULT_CLIENT_ID): Buffer {
  const flexible = isFlexible(apiKey, version);
  const payload = new Writer().i16(apiKey).i16(version).i32(correlationId).str(clientId).tags(flexible).raw(body).buffer();
  return new Writer().i32(payload.length).raw(payload).buffer();
}

export function apiVersionsRequest(version: number, correlationId: number, clientId: string | null = DEFAULT_CLIENT_ID): Buffer {
  const flexible = version >= 3;
  const w = new Writer();
  if (flexible) w.str("kafka-mesh-host", true).str("1.0", true).tags(true);
  return requestFrame(ApiKey.ApiVersions, version, correlationId, w.buffer(), clientId);
}

/** A topic asked for by id (v10+): 32 hex digits, and a name or null. */
export interface TopicById {
  id?: string;
  name: string | null;
}

/**
 * Metadata request v0..v13. `topics` null asks for every topic (v1+; v0 sends an empty list);
 * allow_auto_topic_creation (v4+) is true, authorized operations are not asked for.
 */
export function metadataRequest(version: number, correlationId: number, topics: ReadonlyArray<string | TopicById> | null,
  clientId: string | null = DEFAULT_CLIENT_ID): Buffer {
  const flexible = version >= 9;
  const w = new Writer();
  if (topics === null && version >= 1) w.arrayLen(null, flexible);
  else {
    const list = topics ?? [];
    w.arrayLen(list.length, flexible);
    for (const t of list) {
      const name = typeof t === "string" ? t : t.name;
      if (version >= 10) w.raw(typeof t === "string" || !t.id ? Buffer.alloc(16) : Buffer.from(t.id, "hex"));
      w.str(name, flexible).tags(flexible);
    }
  }
  if (version >= 4) w.bool(true);
  if (version >= 8 && version <= 10) w.i8(0); // include_cluster_authorized_operations
  if (version >= 8) w.i8(0); // include_topic_authorized_operations
  w.tags(flexible);
  return requestFrame(ApiKey.Metadata, version, correlationId, w.buffer(), clientId);
}

export interface ProduceTopic {
  name: string;
  partitions: ReadonlyArray<{ index: number; records: Bytes | null }>;
}

export interface ProduceRequestOptions {
  acks?: number;
  timeoutMs?: number;
  transactionalId?: string | null;
  topics: readonly ProduceTopic[];
}

/** Produce request v3..v12 (topics by name; flexible from v9). */
export function produceRequest(version: number, correlationId: number,
  { acks = -1, timeoutMs = 30_000, transactionalId = null, topics }: ProduceRequestOptions,
  clientId: string | null = DEFAULT_CLIENT_ID): Buffer {
  if (version < 3 || version > 12) throw new Error(`produceRequest: v${version} not encoded here`);
  const flexible = version >= 9;
  const w = new Writer().str(transactionalId, flexible).i16(acks).i32(timeoutMs);
  w.array(topics, flexible, (t) => {
    w.str(t.name, flexible);
    w.array(t.partitions, flexible, (p) => w.i32(p.index).bytes(p.records, flexible).tags(flexible));
    w.tags(flexible);
  });
  w.tags(flexible);
  return requestFrame(ApiKey.Produce, version, correlationId, w.buffer(), clientId);
}

/** InitProducerId for an idempotent (non-transactional) producer. */
export function initProducerIdRequest(version: number, correlationId: number, clientId: string | null = DEFAULT_CLIENT_ID): Buffer {
  const flexible = version >= 2;
  const w = new Writer().str(null, flexible).i32(60_000);
  if (version >= 3) w.i64(-1).i16(-1); // producer id and epoch: none yet
  w.tags(flexible);
  return requestFrame(ApiKey.InitProducerId, version, correlationId, w.buffer(), clientId);
}

// --- reading requests (what a broker does) --------------------------------------------------

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  flexible: boolean;
}

/** The header of a whole request frame; the reader is left at the start of the body. */
export function readRequestHeader(frame: Bytes): { header: RequestHeader; body: Reader } {
  const r = new Reader(frame, 4);
  const apiKey = r.i16();
  const apiVersion = r.i16();
  const correlationId = r.i32();
  const clientId = r.str();
  const flexible = isFlexible(apiKey, apiVersion);
  r.skipTags(flexible);
  return { header: { apiKey, apiVersion, correlationId, clientId, flexible }, body: r };
}

/** The topics a Metadata request names (null: every topic). */
export function readMetadataRequest(r: Reader, version: number): Array<string | null> | null {
  const flexible = version >= 9;
  return r.array(flexible, () => {
    if (version >= 10) r.take(16);
    const name = r.str(flexible);
    r.skipTags(flexible);
    return name;
  });
}

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topics: Array<{ name: string | null; partitions: Array<{ index: number; records: Buffer | null }> }>;
}

/** A Produce request body, v3..v12. */
export function readProduceRequest(r: Reader, version: number): ProduceRequest {
  const flexible = version >= 9;
  const transactionalId = version >= 3 ? r.str(flexible) : null;
  const acks = r.i16();
  const timeoutMs = r.i32();
  const topics = r.array(flexible, () => {
    const name = r.str(flexible);
    const partitions = r.array(flexible, () => {
      const p = { index: r.i32(), records: r.bytes(flexible) };
      r.skipTags(flexible);
      return p;
    }) ?? [];
    r.skipTags(flexible);
    return { name, partitions };
  }) ?? [];
  r.skipTags(flexible);
  return { transactionalId, acks, timeoutMs, topics };
}

// --- consumer and group APIs (docs/consumers.md) ------------------------------------------
//
// Encoded and decoded from the field tables of schemas.ts (Kafka's JSON message definitions) by
// schema.ts; bodies are plain objects keyed by field name in lowerCamelCase (schema.ts).

/** Request and response schema of each consumer and group API, by API key. */
export const CONSUMER_APIS: Readonly<Record<number, { name: string; request: MessageSchema; response: MessageSchema }>> = Object.freeze({
  [ApiKey.Fetch]: { name: "Fetch", request: S.FetchRequest, response: S.FetchResponse },
  [ApiKey.ListOffsets]: { name: "ListOffsets", request: S.ListOffsetsRequest, response: S.ListOffsetsResponse },
  [ApiKey.FindCoordinator]: { name: "FindCoordinator", request: S.FindCoordinatorRequest, response: S.FindCoordinatorResponse },
  [ApiKey.JoinGroup]: { name: "JoinGroup", request: S.JoinGroupRequest, response: S.JoinGroupResponse },
  [ApiKey.SyncGroup]: { name: "SyncGroup", request: S.SyncGroupRequest, response: S.SyncGroupResponse },
  [ApiKey.Heartbeat]: { name: "Heartbeat", request: S.HeartbeatRequest, response: S.HeartbeatResponse },
  [ApiKey.LeaveGroup]: { name: "LeaveGroup", request: S.LeaveGroupRequest, response: S.LeaveGroupResponse },
  [ApiKey.OffsetCommit]: { name: "OffsetCommit", request: S.OffsetCommitRequest, response: S.OffsetCommitResponse },
  [ApiKey.OffsetFetch]: { name: "OffsetFetch", request: S.OffsetFetchRequest, response: S.OffsetFetchResponse },
  [ApiKey.DescribeGroups]: { name: "DescribeGroups", request: S.DescribeGroupsRequest, response: S.DescribeGroupsResponse },
  [ApiKey.ListGroups]: { name: "ListGroups", request: S.ListGroupsRequest, response: S.ListGroupsResponse },
});

function consumerApi(apiKey: number): { name: string; request: MessageSchema; response: MessageSchema } {
  const api = CONSUMER_APIS[apiKey];
  if (!api) throw new Error(`api key ${apiKey} is not a consumer or group API`);
  return api;
}

/** A consumer or group API's request frame: header, then `body` encoded at `version`. */
export function consumerRequest(apiKey: number, version: number, correlationId: number, body: Data,
  clientId: string | null = DEFAULT_CLIENT_ID): Buffer {
  return requestFrame(apiKey, version, correlationId, encodeBody(consumerApi(apiKey).request, version, body), clientId);
}

/** A consumer or group API's request body, decoded from `r` on (throws on a short one; the caller checks the end). */
export function readConsumerRequest(apiKey: number, r: Reader, version: number): Data {
  return decodeBody(consumerApi(apiKey).request, version, r);
}

type RequestBuilder = (version: number, correlationId: number, body: Data, clientId?: string | null) => Buffer;
type RequestReader = (r: Reader, version: number) => Data;
const builder = (apiKey: number): RequestBuilder => (v, corr, body, clientId = DEFAULT_CLIENT_ID) => consumerRequest(apiKey, v, corr, body, clientId);
const reader = (apiKey: number): RequestReader => (r, v) => readConsumerRequest(apiKey, r, v);

export const fetchRequest = builder(ApiKey.Fetch);
export const readFetchRequest = reader(ApiKey.Fetch);
export const listOffsetsRequest = builder(ApiKey.ListOffsets);
export const readListOffsetsRequest = reader(ApiKey.ListOffsets);
export const findCoordinatorRequest = builder(ApiKey.FindCoordinator);
export const readFindCoordinatorRequest = reader(ApiKey.FindCoordinator);
export const joinGroupRequest = builder(ApiKey.JoinGroup);
export const readJoinGroupRequest = reader(ApiKey.JoinGroup);
export const syncGroupRequest = builder(ApiKey.SyncGroup);
export const readSyncGroupRequest = reader(ApiKey.SyncGroup);
export const heartbeatRequest = builder(ApiKey.Heartbeat);
export const readHeartbeatRequest = reader(ApiKey.Heartbeat);
export const leaveGroupRequest = builder(ApiKey.LeaveGroup);
export const readLeaveGroupRequest = reader(ApiKey.LeaveGroup);
export const offsetCommitRequest = builder(ApiKey.OffsetCommit);
export const readOffsetCommitRequest = reader(ApiKey.OffsetCommit);
export const offsetFetchRequest = builder(ApiKey.OffsetFetch);
export const readOffsetFetchRequest = reader(ApiKey.OffsetFetch);
export const describeGroupsRequest = builder(ApiKey.DescribeGroups);
export const readDescribeGroupsRequest = reader(ApiKey.DescribeGroups);
export const listGroupsRequest = builder(ApiKey.ListGroups);
export const readListGroupsRequest = reader(ApiKey.ListGroups);
