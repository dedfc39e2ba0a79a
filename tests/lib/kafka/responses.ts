// Response bodies of the APIs the mesh serves: readers (what a client checks) and writers (what
// the capture server answers as a broker). Field names are those of Kafka's message schemas.
// Readers take the frame without its size prefix and throw on a short or over-long answer.
import { ApiKey, CONSUMER_APIS, isFlexible } from "./requests.ts";
import { type Bytes, Reader, Writer } from "./primitives.ts";
import { type Data, decodeBody, encodeBody } from "./schema.ts";

/** A whole response frame: correlation id, the header's tags (flexible, except ApiVersions), body. */
export function responseFrame(apiKey: number, version: number, correlationId: number, body: Bytes): Buffer {
  const w = new Writer().i32(correlationId).tags(apiKey !== ApiKey.ApiVersions && isFlexible(apiKey, version)).raw(body);
  return new Writer().i32(w.length).raw(w.buffer()).buffer();
}

/** Correlation id, then a reader at the body (response header v1 for flexible versions but ApiVersions). */
function header(frame: Bytes, apiKey: number, version: number): { correlationId: number; r: Reader; flexible: boolean } {
  const r = new Reader(frame);
  const correlationId = r.i32();
  const flexible = isFlexible(apiKey, version);
  r.skipTags(flexible && apiKey !== ApiKey.ApiVersions);
  return { correlationId, r, flexible };
}

// --- ApiVersions ---------------------------------------------------------------------------

export interface ApiVersion {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  correlationId: number;
  errorCode: number;
  apis: ApiVersion[];
  throttleMs: number;
}

export function readApiVersionsResponse(frame: Bytes, version: number): ApiVersionsResponse {
  const { correlationId, r, flexible } = header(frame, ApiKey.ApiVersions, version);
  const errorCode = r.i16();
  const apis = r.array(flexible, () => {
    const a = { apiKey: r.i16(), minVersion: r.i16(), maxVersion: r.i16() };
    r.skipTags(flexible);
    return a;
  }) ?? [];
  const throttleMs = version >= 1 ? r.i32() : 0;
  r.skipTags(flexible);
  r.end(`ApiVersions v${version} response`);
  return { correlationId, errorCode, apis, throttleMs };
}

export function apiVersionsResponse(version: number, apis: readonly ApiVersion[], errorCode = 0): Buffer {
  const flexible = isFlexible(ApiKey.ApiVersions, version);
  const w = new Writer().i16(errorCode);
  w.array(apis, flexible, (a) => w.i16(a.apiKey).i16(a.minVersion).i16(a.maxVersion).tags(flexible));
  if (version >= 1) w.i32(0);
  return w.tags(flexible).buffer();
}

// --- Metadata ------------------------------------------------------------------------------

export interface MetadataBroker {
  nodeId: number;
  host: string | null;
  port: number;
  rack?: string | null;
}

export interface MetadataPartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch?: number;
  replicaNodes: number[] | null;
  isrNodes: number[] | null;
  offlineReplicas?: number[] | null;
}

export interface MetadataTopic {
  errorCode: number;
  name: string | null;
  /** 32 hex digits (v10+). */
  topicId?: string;
  isInternal?: boolean;
  partitions: MetadataPartition[];
  authorizedOperations?: number;
}

export interface MetadataResponse {
  correlationId: number;
  throttleMs: number;
  brokers: MetadataBroker[];
  clusterId: string | null;
  controllerId: number;
  topics: MetadataTopic[];
  errorCode: number;
}

export function readMetadataResponse(frame: Bytes, version: number): MetadataResponse {
  const { correlationId, r, flexible } = header(frame, ApiKey.Metadata, version);
  const throttleMs = version >= 3 ? r.i32() : 0;
  const brokers = r.array(flexible, () => {
    const b: MetadataBroker = { nodeId: r.i32(), host: r.str(flexible), port: r.i32() };
    if (version >= 1) b.rack = r.str(flexible);
    r.skipTags(flexible);
    return b;
  }) ?? [];
  const clusterId = version >= 2 ? r.str(flexible) : null;
  const controllerId = version >= 1 ? r.i32() : -1;
  const topics = r.array(flexible, () => {
    const errorCode = r.i16();
    const t: MetadataTopic = { errorCode, name: r.str(flexible), partitions: [] };
    if (version >= 10) t.topicId = r.uuid();
    if (version >= 1) t.isInternal = r.bool();
    t.partitions = r.array(flexible, () => {
      const p: MetadataPartition = { errorCode: r.i16(), partitionIndex: r.i32(), leaderId: r.i32(), replicaNodes: null, isrNodes: null };
      if (version >= 7) p.leaderEpoch = r.i32();
      p.replicaNodes = r.array(flexible, () => r.i32());
      p.isrNodes = r.array(flexible, () => r.i32());
      if (version >= 5) p.offlineReplicas = r.array(flexible, () => r.i32());
      r.skipTags(flexible);
      return p;
    }) ?? [];
    if (version >= 8) t.authorizedOperations = r.i32();
    r.skipTags(flexible);
    return t;
  }) ?? [];
  if (version >= 8 && version <= 10) r.i32(); // cluster_authorized_operations
  const errorCode = version >= 13 ? r.i16() : 0;
  r.skipTags(flexible);
  r.end(`Metadata v${version} response`);
  return { correlationId, throttleMs, brokers, clusterId, controllerId, topics, errorCode };
}

/** Metadata response body; absent optional fields are written as Kafka's defaults. */
export function metadataResponse(version: number, m: Omit<MetadataResponse, "correlationId">): Buffer {
  const flexible = isFlexible(ApiKey.Metadata, version);
  const w = new Writer();
  const ints = (xs: readonly number[] | null | undefined) => w.array(xs ?? [], flexible, (x) => w.i32(x));
  if (version >= 3) w.i32(m.throttleMs);
  w.array(m.brokers, flexible, (b) => {
    w.i32(b.nodeId).str(b.host, flexible).i32(b.port);
    if (version >= 1) w.str(b.rack ?? null, flexible);
    w.tags(flexible);
  });
  if (version >= 2) w.str(m.clusterId, flexible);
  if (version >= 1) w.i32(m.controllerId);
  w.array(m.topics, flexible, (t) => {
    w.i16(t.errorCode).str(t.name, flexible);
    if (version >= 10) w.raw(Buffer.from(t.topicId ?? "0".repeat(32), "hex"));
    if (version >= 1) w.bool(t.isInternal ?? false);
    w.array(t.partitions, flexible, (p) => {
      w.i16(p.errorCode).i32(p.partitionIndex).i32(p.leaderId);
      if (version >= 7) w.i32(p.leaderEpoch ?? -1);
      ints(p.replicaNodes);
      ints(p.isrNodes);
      if (version >= 5) ints(p.offlineReplicas);
      w.tags(flexible);
    });
    if (version >= 8) w.i32(t.authorizedOperations ?? -2147483648);
    w.tags(flexible);
  });
  if (version >= 8 && version <= 10) w.i32(-2147483648); // cluster_authorized_operations: not asked
  if (version >= 13) w.i16(m.errorCode);
  return w.tags(flexible).buffer();
}

// --- Produce -------------------------------------------------------------------------------

export interface ProducePartitionResponse {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  logAppendTimeMs?: bigint;
  logStartOffset?: bigint;
  recordErrors?: Array<{ batchIndex: number; message: string | null }> | null;
  errorMessage?: string | null;
}

export interface ProduceTopicResponse {
  name?: string | null;
  /** v13+: topics by id (32 hex digits). */
  topicId?: string;
  partitions: ProducePartitionResponse[];
}

export interface ProduceResponse {
  correlationId: number;
  topics: ProduceTopicResponse[];
  throttleMs: number;
}

/** Produce response, v3..v13 (v13 names topics by id). */
export function readProduceResponse(frame: Bytes, version: number): ProduceResponse {
  const { correlationId, r, flexible } = header(frame, ApiKey.Produce, version);
  const topics = r.array(flexible, () => {
    const t: ProduceTopicResponse = version >= 13 ? { topicId: r.uuid(), partitions: [] } : { name: r.str(flexible), partitions: [] };
    t.partitions = r.array(flexible, () => {
      const p: ProducePartitionResponse = { index: r.i32(), errorCode: r.i16(), baseOffset: r.i64() };
      if (version >= 2) p.logAppendTimeMs = r.i64();
      if (version >= 5) p.logStartOffset = r.i64();
      if (version >= 8) {
        p.recordErrors = r.array(flexible, () => {
          const e = { batchIndex: r.i32(), message: r.str(flexible) };
          r.skipTags(flexible);
          return e;
        });
        p.errorMessage = r.str(flexible);
      }
      r.skipTags(flexible);
      return p;
    }) ?? [];
    r.skipTags(flexible);
    return t;
  }) ?? [];
  const throttleMs = version >= 1 ? r.i32() : 0;
  r.skipTags(flexible);
  r.end(`Produce v${version} response`);
  return { correlationId, topics, throttleMs };
}

/** Produce response body, v3..v12 (topics by name). */
export function produceResponse(version: number, topics: readonly ProduceTopicResponse[], throttleMs = 0): Buffer {
  const flexible = isFlexible(ApiKey.Produce, version);
  const w = new Writer();
  w.array(topics, flexible, (t) => {
    w.str(t.name ?? null, flexible);
    w.array(t.partitions, flexible, (p) => {
      w.i32(p.index).i16(p.errorCode).i64(p.baseOffset).i64(p.logAppendTimeMs ?? -1n);
      if (version >= 5) w.i64(p.logStartOffset ?? 0n);
      if (version >= 8) {
        w.array(p.recordErrors ?? [], flexible, (e) => w.i32(e.batchIndex).str(e.message, flexible).tags(flexible));
        w.str(p.errorMessage ?? null, flexible);
      }
      w.tags(flexible);
    });
    w.tags(flexible);
  });
  return w.i32(throttleMs).tags(flexible).buffer();
}

// --- InitProducerId ------------------------------------------------------------------------

export interface InitProducerIdResponse {
  correlationId: number;
  throttleMs: number;
  errorCode: number;
  producerId: bigint;
  producerEpoch: number;
}

export function readInitProducerIdResponse(frame: Bytes, version: number): InitProducerIdResponse {
  const { correlationId, r, flexible } = header(frame, ApiKey.InitProducerId, version);
  const res = { correlationId, throttleMs: r.i32(), errorCode: r.i16(), producerId: r.i64(), producerEpoch: r.i16() };
  r.skipTags(flexible);
  r.end(`InitProducerId v${version} response`);
  return res;
}

export function initProducerIdResponse(version: number, producerId: bigint, producerEpoch = 0, errorCode = 0): Buffer {
  const flexible = isFlexible(ApiKey.InitProducerId, version);
  return new Writer().i32(0).i16(errorCode).i64(producerId).i16(producerEpoch).tags(flexible).buffer();
}

// --- consumer and group APIs (docs/consumers.md) ------------------------------------------

/** A consumer or group API's response body at `version` (schemas.ts; missing fields take the JSON's defaults). */
export function consumerResponse(apiKey: number, version: number, body: Data): Buffer {
  const api = CONSUMER_APIS[apiKey];
  if (!api) throw new Error(`api key ${apiKey} is not a consumer or group API`);
  return encodeBody(api.response, version, body);
}

/** A consumer or group API's whole response (frame without size prefix): its correlation id and fields; throws on a short or over-long one. */
export function readConsumerResponse(apiKey: number, frame: Bytes, version: number): Data & { correlationId: number } {
  const api = CONSUMER_APIS[apiKey];
  if (!api) throw new Error(`api key ${apiKey} is not a consumer or group API`);
  const { correlationId, r } = header(frame, apiKey, version);
  const body = decodeBody(api.response, version, r);
  r.end(`${api.name} v${version} response`);
  return { ...body, correlationId };
}

type ResponseWriter = (version: number, body: Data) => Buffer;
type ResponseReader = (frame: Bytes, version: number) => Data & { correlationId: number };
const writer = (apiKey: number): ResponseWriter => (v, body) => consumerResponse(apiKey, v, body);
const reader = (apiKey: number): ResponseReader => (frame, v) => readConsumerResponse(apiKey, frame, v);

export const fetchResponse = writer(ApiKey.Fetch);
export const readFetchResponse = reader(ApiKey.Fetch);
export const listOffsetsResponse = writer(ApiKey.ListOffsets);
export const readListOffsetsResponse = reader(ApiKey.ListOffsets);
export const findCoordinatorResponse = writer(ApiKey.FindCoordinator);
export const readFindCoordinatorResponse = reader(ApiKey.FindCoordinator);
export const joinGroupResponse = writer(ApiKey.JoinGroup);
export const readJoinGroupResponse = reader(ApiKey.JoinGroup);
export const syncGroupResponse = writer(ApiKey.SyncGroup);
export const readSyncGroupResponse = reader(ApiKey.SyncGroup);
export const heartbeatResponse = writer(ApiKey.Heartbeat);
export const readHeartbeatResponse = reader(ApiKey.Heartbeat);
export const leaveGroupResponse = writer(ApiKey.LeaveGroup);
export const readLeaveGroupResponse = reader(ApiKey.LeaveGroup);
export const offsetCommitResponse = writer(ApiKey.OffsetCommit);
export const readOffsetCommitResponse = reader(ApiKey.OffsetCommit);
export const offsetFetchResponse = writer(ApiKey.OffsetFetch);
export const readOffsetFetchResponse = reader(ApiKey.OffsetFetch);
export const describeGroupsResponse = writer(ApiKey.DescribeGroups);
export const readDescribeGroupsResponse = reader(ApiKey.DescribeGroups);
export const listGroupsResponse = writer(ApiKey.ListGroups);
export const readListGroupsResponse = reader(ApiKey.ListGroups);
