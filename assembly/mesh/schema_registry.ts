// The filter's view of the schema registry (docs/schemas.md): schema ids looked up through the
// Confluent Schema Registry REST API, kept per VM (answers for cache_ttl_ms, "no such id" for
// negative_cache_ttl_ms, failures for a second, at most max_cache_entries, least recently used
// first out). Requests needing an id already being asked wait behind that one lookup.
import { JsonValue, parseJson } from "../json";
import { HttpCall } from "../upstream/dialect";
import { RestBridge } from "./config";
import { MeshMetrics } from "./metrics";
import { SCHEMA_AVRO, SchemaRegistryConfig } from "./schema_config";
import { UpstreamReceiver, UpstreamTransport } from "./upstream_transport";

export const enum SchemaState {
  /** Asked; waiters are told when it settles. */
  PENDING,
  /** The registry knows the id: its type, text and subjects. */
  READY,
  /** The registry answered that the id does not exist. */
  MISSING,
  /** The registry could not be asked or failed (failure_mode decides). */
  FAILED,
}

/** How long a failed lookup is remembered before the registry is asked again. */
const FAILED_TTL_MS: i64 = 1000;
const SCHEMA_CALL: i32 = 0;
const VERSIONS_CALL: i32 = 1;

/** Told when every lookup it waits for has settled. */
export abstract class SchemaWaiter {
  abstract schemaSettled(): void;
}

export class SchemaEntry {
  state: SchemaState = SchemaState.PENDING;
  expiresAtMs: i64 = 0;
  /** AVRO, JSON or PROTOBUF (the registry leaves it out for Avro). */
  schemaType: string = SCHEMA_AVRO;
  /** The schema's text, as registered. */
  text: string = "";
  /** Subjects the id is registered under. */
  subjects: Array<string> = [];
  /** Why the lookup failed (FAILED), for logs. */
  failure: string = "";
  /** Parsed form for payload checks, made on first use (schema_payload.ts). */
  parsed: Object | null = null;
  parseError: string = "";
  /** The schema names others (Confluent schema references), which the filter does not fetch. */
  hasReferences: bool = false;
  waiters: Array<SchemaWaiter> = [];
  /** Calls of the lookup still unanswered. */
  outstanding: i32 = 0;
  private schemaOk: bool = false;
  private versionsOk: bool = false;

  constructor(public id: i32) {}

  registeredUnder(subject: string): bool {
    return this.subjects.includes(subject);
  }

  /** Waiters were told: later answers change nothing. */
  settled: bool = false;

  /** One of the lookup's two calls answered. */
  answered(which: i32, status: i32, body: Uint8Array | null): void {
    this.outstanding--;
    if (this.state == SchemaState.PENDING) {
      if (status == 404) {
        this.state = SchemaState.MISSING;
      } else if (status != 200 || body === null) {
        this.state = SchemaState.FAILED;
        this.failure = status == 0 ? "registry unreachable or timed out" : "registry answered HTTP " + status.toString();
      } else {
        const json = parseJson(String.UTF8.decode(body.buffer.slice(body.byteOffset, body.byteOffset + body.length)));
        if (which == SCHEMA_CALL) this.schemaOk = this.readSchema(json);
        else this.versionsOk = this.readVersions(json);
        if (!(which == SCHEMA_CALL ? this.schemaOk : this.versionsOk)) {
          this.state = SchemaState.FAILED;
          this.failure = "registry answer unreadable";
        } else if (this.schemaOk && this.versionsOk) {
          this.state = SchemaState.READY;
        }
      }
    }
  }

  private readSchema(json: JsonValue | null): bool {
    if (json === null) return false;
    const schema = json.get("schema");
    if (schema === null || !schema.isString()) return false;
    this.text = schema.text;
    const type = json.get("schemaType");
    if (type !== null && type.isString()) this.schemaType = type.text;
    const refs = json.get("references");
    this.hasReferences = refs !== null && refs.isArray() && refs.items.length > 0;
    return true;
  }

  private readVersions(json: JsonValue | null): bool {
    if (json === null || !json.isArray()) return false;
    for (let i = 0; i < json.items.length; i++) {
      const s = json.items[i].get("subject");
      if (s !== null && s.isString() && !this.subjects.includes(s.text)) this.subjects.push(s.text);
    }
    return true;
  }
}

class LookupCall extends UpstreamReceiver {
  constructor(private registry: SchemaRegistry, private entry: SchemaEntry) {
    super();
  }
  onUpstreamAnswer(part: i32, status: i32, body: Uint8Array | null): void {
    this.registry.answered(this.entry, part, status, body);
  }
}

export class SchemaRegistry {
  private entries: Map<i32, SchemaEntry> = new Map();
  private bridge: RestBridge = new RestBridge();

  constructor(
    public config: SchemaRegistryConfig,
    private transport: UpstreamTransport,
    private metrics: MeshMetrics,
  ) {
    this.bridge.envoyCluster = config.envoyCluster;
    this.bridge.authority = config.authority;
    this.bridge.pathPrefix = config.basePath;
  }

  cached(): i32 {
    return this.entries.size;
  }

  /**
   * The entry for `id`: cached, or asked of the registry now (PENDING until both calls answer;
   * `wait` to hear of it). A lookup already under way is shared.
   */
  lookup(id: i32, nowMs: i64): SchemaEntry {
    if (this.entries.has(id)) {
      const e = this.entries.get(id);
      if (e.state == SchemaState.PENDING) return e;
      if (nowMs < e.expiresAtMs) {
        // Least recently used goes first: a hit moves the entry to the end.
        this.entries.delete(id);
        this.entries.set(id, e);
        this.metrics.schemaCacheHit();
        return e;
      }
      this.entries.delete(id);
    }
    const e = new SchemaEntry(id);
    this.evictFor(1);
    this.entries.set(id, e);
    e.outstanding = 2;
    const base = "/schemas/ids/" + id.toString();
    // A call that cannot start counts as answered with no answer (status 0).
    if (!this.ask(e, base, SCHEMA_CALL)) this.answered(e, SCHEMA_CALL, 0, null);
    if (!this.ask(e, base + "/versions", VERSIONS_CALL)) this.answered(e, VERSIONS_CALL, 0, null);
    return e;
  }

  /** Tells `waiter` when `e` settles; false (nothing to wait for) when it already has. */
  wait(e: SchemaEntry, waiter: SchemaWaiter): bool {
    if (e.state != SchemaState.PENDING) return false;
    e.waiters.push(waiter);
    return true;
  }

  private ask(e: SchemaEntry, path: string, which: i32): bool {
    const call = new HttpCall();
    call.method = "GET";
    call.path = path;
    call.headers.push(["accept", "application/vnd.schemaregistry.v1+json, application/json"]);
    this.metrics.schemaRegistryCall();
    return this.transport.send(this.bridge, call, <u32>this.config.timeoutMs, new LookupCall(this, e), which);
  }

  answered(e: SchemaEntry, which: i32, status: i32, body: Uint8Array | null): void {
    e.answered(which, status, body);
    if (e.settled || (e.state == SchemaState.PENDING && e.outstanding > 0)) return;
    if (e.state == SchemaState.PENDING) {
      e.state = SchemaState.FAILED;
      e.failure = "registry answer incomplete";
    }
    e.settled = true;
    const now = this.metrics.nowMillis();
    if (e.state == SchemaState.READY) e.expiresAtMs = now + this.config.cacheTtlMs;
    else if (e.state == SchemaState.MISSING) e.expiresAtMs = now + this.config.negativeCacheTtlMs;
    else {
      e.expiresAtMs = now + FAILED_TTL_MS;
      this.metrics.schemaRegistryError();
    }
    const waiters = e.waiters;
    e.waiters = [];
    for (let i = 0; i < waiters.length; i++) waiters[i].schemaSettled();
  }

  /** Room for `n` more entries: the least recently used settled ones go (a tenth at a time). */
  private evictFor(n: i32): void {
    const limit = this.config.maxCacheEntries;
    if (this.entries.size + n <= limit) return;
    const keys = this.entries.keys();
    let drop = max(1, limit / 10);
    for (let i = 0; i < keys.length && drop > 0; i++) {
      const e = this.entries.get(keys[i]);
      if (e.state == SchemaState.PENDING) continue;
      this.entries.delete(keys[i]);
      drop--;
    }
  }
}
