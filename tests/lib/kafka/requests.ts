// Request frames for the APIs the mesh serves (ApiVersions, Metadata, Produce, InitProducerId),
// any other request header with a body of the caller's, and the readers a broker needs for
// them (the capture server). Frames include their size prefix.
import { type Bytes, Reader, Writer } from "./primitives.ts";

export const ApiKey = Object.freeze({ Produce: 0, Metadata: 3, ApiVersions: 18, InitProducerId: 22 });

/** First flexible version of the request and response bodies of the APIs above. */
const FLEXIBLE_FROM: Readonly<Record<number, number>> = { 0: 9, 3: 9, 18: 3, 22: 2 };

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
