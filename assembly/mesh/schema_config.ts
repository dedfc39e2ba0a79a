// The schema sections of the plugin configuration (docs/schemas.md): where the registry is
// (`schema_registry`) and which topics need what of their records (`topic_policies`).
import { JsonKind, JsonValue } from "../json";

export const FAIL_CLOSED = "fail_closed";
export const FAIL_OPEN = "fail_open";

export const SUBJECT_TOPIC_NAME = "topic_name";
export const SUBJECT_RECORD_NAME = "record_name";
export const SUBJECT_FIXED = "fixed";

export const VALIDATE_NONE = "none";
export const VALIDATE_ID = "id";
export const VALIDATE_PAYLOAD = "payload";

export const SCHEMA_ANY = "ANY";
export const SCHEMA_AVRO = "AVRO";
export const SCHEMA_JSON = "JSON";
export const SCHEMA_PROTOBUF = "PROTOBUF";

export class SchemaRegistryConfig {
  envoyCluster: string = "";
  authority: string = "";
  basePath: string = "";
  timeoutMs: i32 = 2000;
  cacheTtlMs: i64 = 300000;
  negativeCacheTtlMs: i64 = 10000;
  maxCacheEntries: i32 = 10000;
  failOpen: bool = false;
}

/** What a policy asks of one side (key or value) of each record. */
export class SchemaPolicy {
  required: bool = true;
  /** ANY, AVRO, JSON or PROTOBUF. */
  schemaType: string = SCHEMA_ANY;
  subjectStrategy: string = SUBJECT_TOPIC_NAME;
  subject: string = "";
  /** none, id or payload. */
  validate: string = VALIDATE_ID;
}

export class TopicPolicy {
  topicPrefix: string = "";
  valueSchema: SchemaPolicy | null = null;
  keySchema: SchemaPolicy | null = null;
}

const REGISTRY_FIELDS = ["envoy_cluster", "authority", "base_path", "timeout_ms", "cache_ttl_ms", "negative_cache_ttl_ms", "max_cache_entries", "failure_mode"];
const POLICY_FIELDS = ["topic_prefix", "value_schema", "key_schema"];
const SCHEMA_FIELDS = ["required", "schema_type", "subject_strategy", "subject", "validate"];

/** Parses both sections; the first problem found as "field: why" in `error`. */
export class SchemaParse {
  error: string = "";
  registry: SchemaRegistryConfig | null = null;
  policies: Array<TopicPolicy> = [];

  private fail(field: string, why: string): void {
    if (this.error.length == 0) this.error = field + ": " + why;
  }

  private objectWith(v: JsonValue | null, field: string, allowed: Array<string>): bool {
    if (v === null || !v.isObject()) {
      this.fail(field, "must be an object");
      return false;
    }
    for (let i = 0; i < v.keys.length; i++) {
      if (!allowed.includes(v.keys[i])) {
        this.fail(field + "." + v.keys[i], "unknown field");
        return false;
      }
    }
    return true;
  }

  private text(parent: JsonValue, key: string, field: string, fallback: string, allowed: Array<string> | null = null): string {
    const v = parent.get(key);
    if (v === null) return fallback;
    if (!v.isString()) {
      this.fail(field, "must be a string");
      return fallback;
    }
    if (allowed !== null && !allowed.includes(v.text)) this.fail(field, "must be one of " + allowed.join(", "));
    return v.text;
  }

  private integer(parent: JsonValue, key: string, field: string, fallback: i64, lo: i64, hi: i64): i64 {
    const v = parent.get(key);
    if (v === null) return fallback;
    if (!v.isInteger() || v.asI64() < lo || v.asI64() > hi) {
      this.fail(field, "must be an integer from " + lo.toString() + " to " + hi.toString());
      return fallback;
    }
    return v.asI64();
  }

  parseRegistry(v: JsonValue): void {
    if (!this.objectWith(v, "schema_registry", REGISTRY_FIELDS)) return;
    const r = new SchemaRegistryConfig();
    r.envoyCluster = this.text(v, "envoy_cluster", "schema_registry.envoy_cluster", "");
    if (this.error.length == 0 && r.envoyCluster.length == 0) this.fail("schema_registry.envoy_cluster", "is required");
    r.authority = this.text(v, "authority", "schema_registry.authority", r.envoyCluster);
    r.basePath = this.text(v, "base_path", "schema_registry.base_path", "");
    if (this.error.length == 0 && r.basePath.length > 0 && (!r.basePath.startsWith("/") || r.basePath.endsWith("/"))) {
      this.fail("schema_registry.base_path", "must start with '/' and not end with '/'");
    }
    r.timeoutMs = <i32>this.integer(v, "timeout_ms", "schema_registry.timeout_ms", 2000, 1, 60000);
    r.cacheTtlMs = this.integer(v, "cache_ttl_ms", "schema_registry.cache_ttl_ms", 300000, 0, 86400000);
    r.negativeCacheTtlMs = this.integer(v, "negative_cache_ttl_ms", "schema_registry.negative_cache_ttl_ms", 10000, 0, 86400000);
    r.maxCacheEntries = <i32>this.integer(v, "max_cache_entries", "schema_registry.max_cache_entries", 10000, 1, 1000000);
    r.failOpen = this.text(v, "failure_mode", "schema_registry.failure_mode", FAIL_CLOSED, [FAIL_CLOSED, FAIL_OPEN]) == FAIL_OPEN;
    this.registry = r;
  }

  private schemaPolicy(v: JsonValue, field: string): SchemaPolicy | null {
    if (!this.objectWith(v, field, SCHEMA_FIELDS)) return null;
    const p = new SchemaPolicy();
    const req = v.get("required");
    if (req !== null) {
      if (req.kind != JsonKind.BOOL) this.fail(field + ".required", "must be true or false");
      else p.required = req.boolValue;
    }
    p.schemaType = this.text(v, "schema_type", field + ".schema_type", SCHEMA_ANY, [SCHEMA_ANY, SCHEMA_AVRO, SCHEMA_JSON, SCHEMA_PROTOBUF]);
    p.subjectStrategy = this.text(v, "subject_strategy", field + ".subject_strategy", SUBJECT_TOPIC_NAME,
      [SUBJECT_TOPIC_NAME, SUBJECT_RECORD_NAME, SUBJECT_FIXED]);
    p.subject = this.text(v, "subject", field + ".subject", "");
    if (this.error.length == 0 && p.subjectStrategy == SUBJECT_FIXED && p.subject.length == 0) this.fail(field + ".subject", "is required with subject_strategy fixed");
    if (this.error.length == 0 && p.subjectStrategy != SUBJECT_FIXED && p.subject.length > 0) this.fail(field + ".subject", "only applies to subject_strategy fixed");
    p.validate = this.text(v, "validate", field + ".validate", VALIDATE_ID, [VALIDATE_NONE, VALIDATE_ID, VALIDATE_PAYLOAD]);
    return p;
  }

  parsePolicies(v: JsonValue): void {
    if (!v.isArray()) {
      this.fail("topic_policies", "must be an array");
      return;
    }
    for (let i = 0; i < v.items.length && this.error.length == 0; i++) {
      const field = "topic_policies[" + i.toString() + "]";
      const item = v.items[i];
      if (!this.objectWith(item, field, POLICY_FIELDS)) return;
      const t = new TopicPolicy();
      const prefix = item.get("topic_prefix");
      if (prefix === null || !prefix.isString()) this.fail(field + ".topic_prefix", "must be a string");
      else t.topicPrefix = prefix.text;
      const value = item.get("value_schema");
      if (value !== null) t.valueSchema = this.schemaPolicy(value, field + ".value_schema");
      const key = item.get("key_schema");
      if (key !== null) t.keySchema = this.schemaPolicy(key, field + ".key_schema");
      if (this.error.length == 0 && value === null && key === null) this.fail(field, "needs value_schema or key_schema");
      this.policies.push(t);
    }
  }
}
