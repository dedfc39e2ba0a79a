// The plugin configuration, modelled on Envoy's own kafka_mesh filter
// (advertised_host/port, upstream_clusters, forwarding_rules), plus how each cluster's
// REST bridge is reached. Validation names the offending field so a bad config fails
// plugin load with a message an operator can act on.
import { JsonValue, parseJson } from "../json";
import { dialectFor, NATIVE_DIALECT } from "../upstream/index";
import { SecurityConfig, SecurityParse } from "./security_config";
import { SchemaParse, SchemaRegistryConfig, TopicPolicy } from "./schema_config";

/** Kafka's socket.request.max.bytes default: the largest frame a broker accepts. */
export const DEFAULT_MAX_FRAME_BYTES: i32 = 100 * 1024 * 1024;
export const DEFAULT_MAX_INFLIGHT_REQUESTS: i32 = 1000;
/** Answer bytes a connection may have on their way to the client before it reads on. */
export const DEFAULT_MAX_PENDING_ANSWER_BYTES: i32 = 1024 * 1024;
export const DEFAULT_UPSTREAM_TIMEOUT_MS: i32 = 30000;
/** How long a Fetch read-ahead is kept for the consumer's next Fetch (fetch_read_ahead.ts); 0: none. */
export const DEFAULT_FETCH_READ_AHEAD_MS: i32 = 1000;
/**
 * Bytes one VM holds for all its connections before it holds their reads (memory_budget.ts).
 * Envoy runs one VM per worker; wasm32 caps a VM at 4 GiB, the heap never shrinks, and the
 * allocator doubles the linear memory when it grows, so a VM reserves up to about twice what
 * it held at its peak (close_buffered_bytes plus requests being decoded).
 */
export const DEFAULT_MAX_BUFFERED_BYTES: i32 = 128 * 1024 * 1024;
/** Largest budget accepted: 1 GiB, so budget, close threshold and garbage stay far from 4 GiB. */
export const MAX_BUFFERED_BYTES_LIMIT: i32 = 1024 * 1024 * 1024;
/** Topics that get stats of their own, per VM; the others are counted together. */
export const DEFAULT_MAX_TOPIC_STATS: i32 = 1000;
/** Bytes of Produce messages in flight on one native-dialect channel (per VM and cluster). */
export const DEFAULT_UPSTREAM_WINDOW_BYTES: i32 = 16 * 1024 * 1024;

export class RestBridge {
  /** Envoy cluster that proxy_http_call targets. */
  envoyCluster: string = "";
  /** HTTP :authority sent to the bridge. */
  authority: string = "";
  /** Wire dialect of the bridge's API: "native" (the project's bridge, gRPC) or "strimzi" (REST). */
  dialect: string = "strimzi";
  /** Prefix put before the bridge's own paths, for bridges mounted under a path. */
  pathPrefix: string = "";
}

export class UpstreamCluster {
  name: string = "";
  bootstrapServers: string = "";
  partitionCount: i32 = 0;
  producerConfigKeys: Array<string> = [];
  producerConfigValues: Array<string> = [];
  bridge: RestBridge = new RestBridge();
}

export class ForwardingRule {
  topicPrefix: string = "";
  targetCluster: string = "";
  /** Index into MeshConfig.clusters, resolved at validation. */
  clusterIndex: i32 = -1;
}

/** Where consumer groups live: group id prefix -> the cluster whose coordinator runs them. */
export class GroupRule {
  groupPrefix: string = "";
  targetCluster: string = "";
  /** Index into MeshConfig.clusters, resolved at validation. */
  clusterIndex: i32 = -1;
}

export class MeshConfig {
  advertisedHost: string = "";
  advertisedPort: i32 = 0;
  brokerId: i32 = 0;
  maxFrameBytes: i32 = DEFAULT_MAX_FRAME_BYTES;
  maxInflightRequests: i32 = DEFAULT_MAX_INFLIGHT_REQUESTS;
  maxPendingAnswerBytes: i32 = DEFAULT_MAX_PENDING_ANSWER_BYTES;
  /** Cap on a batch's decompressed size; defaults to the frame limit. */
  maxDecompressedBytes: i32 = DEFAULT_MAX_FRAME_BYTES;
  /** Used when a request carries no usable timeout of its own. */
  upstreamTimeoutMs: i32 = DEFAULT_UPSTREAM_TIMEOUT_MS;
  /** Fetch read-ahead keep time (ms); 0 turns read-ahead off. */
  fetchReadAheadMs: i32 = DEFAULT_FETCH_READ_AHEAD_MS;
  /** The VM's memory budget: heavy connections are held from here on. */
  maxBufferedBytes: i32 = DEFAULT_MAX_BUFFERED_BYTES;
  /** Past this, connections holding the oldest partial frames are closed. */
  closeBufferedBytes: i32 = DEFAULT_MAX_BUFFERED_BYTES + (DEFAULT_MAX_BUFFERED_BYTES >> 1);
  /** Topics with stats of their own (per VM). */
  maxTopicStats: i32 = DEFAULT_MAX_TOPIC_STATS;
  /** Credit window of each native-dialect channel, in bytes of messages in flight. */
  upstreamWindowBytes: i32 = DEFAULT_UPSTREAM_WINDOW_BYTES;
  clusters: Array<UpstreamCluster> = [];
  rules: Array<ForwardingRule> = [];
  /** In order, first prefix wins; without group_rules in the JSON, one catch-all rule to the first native cluster (if any). */
  groupRules: Array<GroupRule> = [];
  /** TLS principals, SASL and ACLs (docs/security.md); null: no authentication, everything allowed. */
  security: SecurityConfig | null = null;
  /** The schema registry the topic policies check records against (docs/schemas.md). */
  schemaRegistry: SchemaRegistryConfig | null = null;
  /** In order, first prefix wins; topics without one are not decoded for schemas. */
  topicPolicies: Array<TopicPolicy> = [];
}

export class ConfigResult {
  constructor(public config: MeshConfig | null, public error: string) {}
}

const TOP_FIELDS = [
  "advertised_host",
  "advertised_port",
  "broker_id",
  "max_frame_bytes",
  "max_inflight_requests",
  "max_pending_answer_bytes",
  "max_decompressed_bytes",
  "upstream_timeout_ms",
  "fetch_read_ahead_ms",
  "max_buffered_bytes",
  "close_buffered_bytes",
  "max_topic_stats",
  "upstream_window_bytes",
  "upstream_clusters",
  "forwarding_rules",
  "group_rules",
  "security",
  "schema_registry",
  "topic_policies",
];
const CLUSTER_FIELDS = ["cluster_name", "bootstrap_servers", "partition_count", "producer_config", "rest_bridge"];
const BRIDGE_FIELDS = ["envoy_cluster", "authority", "dialect", "path_prefix"];
const RULE_FIELDS = ["topic_prefix", "target_cluster"];
const GROUP_RULE_FIELDS = ["group_prefix", "target_cluster"];

class Validator {
  error: string = "";

  failed(): bool {
    return this.error.length > 0;
  }

  fail(field: string, why: string): void {
    if (this.error.length == 0) this.error = field + ": " + why;
  }

  object(v: JsonValue | null, field: string, allowed: Array<string>): bool {
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

  string(parent: JsonValue, key: string, field: string, required: bool, fallback: string): string {
    const v = parent.get(key);
    if (v === null) {
      if (required) this.fail(field, "is required");
      return fallback;
    }
    if (!v.isString()) {
      this.fail(field, "must be a string");
      return fallback;
    }
    if (required && v.text.length == 0) this.fail(field, "must not be empty");
    return v.text;
  }

  int(parent: JsonValue, key: string, field: string, required: bool, fallback: i32, lo: i64, hi: i64): i32 {
    const v = parent.get(key);
    if (v === null) {
      if (required) this.fail(field, "is required");
      return fallback;
    }
    if (!v.isInteger() || v.asI64() < lo || v.asI64() > hi) {
      this.fail(field, "must be an integer from " + lo.toString() + " to " + hi.toString());
      return fallback;
    }
    return <i32>v.asI64();
  }
}

/** Parses and validates the plugin configuration JSON. */
export function parseConfig(text: string): ConfigResult {
  const root = parseJson(text);
  const v = new Validator();
  if (root === null) return new ConfigResult(null, "configuration: not valid JSON");
  if (!v.object(root, "configuration", TOP_FIELDS)) return new ConfigResult(null, v.error);

  const c = new MeshConfig();
  c.advertisedHost = v.string(root, "advertised_host", "advertised_host", true, "");
  c.advertisedPort = v.int(root, "advertised_port", "advertised_port", true, 0, 1, 65535);
  c.brokerId = v.int(root, "broker_id", "broker_id", false, 0, 0, i32.MAX_VALUE);
  c.maxFrameBytes = v.int(root, "max_frame_bytes", "max_frame_bytes", false, DEFAULT_MAX_FRAME_BYTES, 1024, MAX_BUFFERED_BYTES_LIMIT);
  c.maxInflightRequests = v.int(root, "max_inflight_requests", "max_inflight_requests", false, DEFAULT_MAX_INFLIGHT_REQUESTS, 1, 1000000);
  c.maxPendingAnswerBytes = v.int(root, "max_pending_answer_bytes", "max_pending_answer_bytes", false, DEFAULT_MAX_PENDING_ANSWER_BYTES, 1024, i32.MAX_VALUE);
  c.maxDecompressedBytes = v.int(root, "max_decompressed_bytes", "max_decompressed_bytes", false, c.maxFrameBytes, 1024, i32.MAX_VALUE);
  c.upstreamTimeoutMs = v.int(root, "upstream_timeout_ms", "upstream_timeout_ms", false, DEFAULT_UPSTREAM_TIMEOUT_MS, 1, 3600000);
  c.fetchReadAheadMs = v.int(root, "fetch_read_ahead_ms", "fetch_read_ahead_ms", false, DEFAULT_FETCH_READ_AHEAD_MS, 0, 60000);
  // A request of the largest accepted size must fit in the budget, or it could never be read.
  c.maxBufferedBytes = v.int(root, "max_buffered_bytes", "max_buffered_bytes", false,
    max(DEFAULT_MAX_BUFFERED_BYTES, c.maxFrameBytes), c.maxFrameBytes, MAX_BUFFERED_BYTES_LIMIT);
  if (v.failed() && v.error.startsWith("max_buffered_bytes")) v.error += " (at least max_frame_bytes)";
  const closeDefault = <i32>min<i64>(<i64>c.maxBufferedBytes + (<i64>c.maxBufferedBytes >> 1), <i64>MAX_BUFFERED_BYTES_LIMIT + (MAX_BUFFERED_BYTES_LIMIT >> 1));
  c.closeBufferedBytes = v.int(root, "close_buffered_bytes", "close_buffered_bytes", false,
    closeDefault, c.maxBufferedBytes, <i64>MAX_BUFFERED_BYTES_LIMIT + (MAX_BUFFERED_BYTES_LIMIT >> 1));
  if (v.failed() && v.error.startsWith("close_buffered_bytes")) v.error += " (at least max_buffered_bytes)";
  c.maxTopicStats = v.int(root, "max_topic_stats", "max_topic_stats", false, DEFAULT_MAX_TOPIC_STATS, 0, 100000);
  c.upstreamWindowBytes = v.int(root, "upstream_window_bytes", "upstream_window_bytes", false, DEFAULT_UPSTREAM_WINDOW_BYTES, 65536, MAX_BUFFERED_BYTES_LIMIT);

  const clusters = root.get("upstream_clusters");
  if (clusters === null || !clusters.isArray() || clusters.items.length == 0) {
    v.fail("upstream_clusters", "must be a non-empty array");
    return new ConfigResult(null, v.error);
  }
  for (let i = 0; i < clusters.items.length && !v.failed(); i++) {
    const field = "upstream_clusters[" + i.toString() + "]";
    const item = clusters.items[i];
    if (!v.object(item, field, CLUSTER_FIELDS)) break;
    const u = new UpstreamCluster();
    u.name = v.string(item, "cluster_name", field + ".cluster_name", true, "");
    for (let j = 0; j < c.clusters.length; j++) {
      if (c.clusters[j].name == u.name) v.fail(field + ".cluster_name", "duplicate cluster '" + u.name + "'");
    }
    u.bootstrapServers = v.string(item, "bootstrap_servers", field + ".bootstrap_servers", false, "");
    u.partitionCount = v.int(item, "partition_count", field + ".partition_count", true, 0, 1, 100000);
    const pc = item.get("producer_config");
    if (pc !== null) {
      if (!pc.isObject()) v.fail(field + ".producer_config", "must be an object of strings");
      else {
        for (let k = 0; k < pc.keys.length; k++) {
          if (!pc.items[k].isString()) {
            v.fail(field + ".producer_config." + pc.keys[k], "must be a string");
            break;
          }
          u.producerConfigKeys.push(pc.keys[k]);
          u.producerConfigValues.push(pc.items[k].text);
        }
      }
    }
    const bridge = item.get("rest_bridge");
    const bf = field + ".rest_bridge";
    if (bridge === null) v.fail(bf, "is required");
    else if (v.object(bridge, bf, BRIDGE_FIELDS)) {
      u.bridge.envoyCluster = v.string(bridge, "envoy_cluster", bf + ".envoy_cluster", true, "");
      u.bridge.authority = v.string(bridge, "authority", bf + ".authority", false, u.bridge.envoyCluster);
      u.bridge.dialect = v.string(bridge, "dialect", bf + ".dialect", false, "strimzi");
      if (u.bridge.dialect != NATIVE_DIALECT && dialectFor(u.bridge.dialect) === null) {
        v.fail(bf + ".dialect", "unknown dialect '" + u.bridge.dialect + "' (native, strimzi)");
      }
      u.bridge.pathPrefix = v.string(bridge, "path_prefix", bf + ".path_prefix", false, "");
      if (u.bridge.pathPrefix.length > 0 && (!u.bridge.pathPrefix.startsWith("/") || u.bridge.pathPrefix.endsWith("/"))) {
        v.fail(bf + ".path_prefix", "must start with '/' and not end with '/'");
      }
    }
    c.clusters.push(u);
  }

  const rules = root.get("forwarding_rules");
  if (!v.failed() && (rules === null || !rules.isArray())) v.fail("forwarding_rules", "must be an array");
  for (let i = 0; !v.failed() && i < rules!.items.length; i++) {
    const field = "forwarding_rules[" + i.toString() + "]";
    const item = rules!.items[i];
    if (!v.object(item, field, RULE_FIELDS)) break;
    const r = new ForwardingRule();
    const prefix = item.get("topic_prefix");
    if (prefix === null || !prefix.isString()) v.fail(field + ".topic_prefix", "must be a string");
    else r.topicPrefix = prefix.text;
    r.targetCluster = v.string(item, "target_cluster", field + ".target_cluster", true, "");
    for (let j = 0; j < c.clusters.length; j++) {
      if (c.clusters[j].name == r.targetCluster) r.clusterIndex = j;
    }
    if (!v.failed() && r.clusterIndex < 0) v.fail(field + ".target_cluster", "unknown cluster '" + r.targetCluster + "'");
    c.rules.push(r);
  }

  const groupRules = root.get("group_rules");
  if (!v.failed() && groupRules !== null && !groupRules.isArray()) v.fail("group_rules", "must be an array");
  if (!v.failed() && groupRules !== null) {
    for (let i = 0; !v.failed() && i < groupRules.items.length; i++) {
      const field = "group_rules[" + i.toString() + "]";
      const item = groupRules.items[i];
      if (!v.object(item, field, GROUP_RULE_FIELDS)) break;
      const r = new GroupRule();
      const prefix = item.get("group_prefix");
      if (prefix === null || !prefix.isString()) v.fail(field + ".group_prefix", "must be a string");
      else r.groupPrefix = prefix.text;
      r.targetCluster = v.string(item, "target_cluster", field + ".target_cluster", true, "");
      for (let j = 0; j < c.clusters.length; j++) {
        if (c.clusters[j].name == r.targetCluster) r.clusterIndex = j;
      }
      if (!v.failed() && r.clusterIndex < 0) v.fail(field + ".target_cluster", "unknown cluster '" + r.targetCluster + "'");
      else if (!v.failed() && c.clusters[r.clusterIndex].bridge.dialect != NATIVE_DIALECT) {
        v.fail(field + ".target_cluster", "cluster '" + r.targetCluster + "' is not on the native dialect (groups need its coordinator)");
      }
      c.groupRules.push(r);
    }
  } else if (!v.failed()) {
    // No group_rules: every group lives on the first native cluster.
    for (let j = 0; j < c.clusters.length; j++) {
      if (c.clusters[j].bridge.dialect == NATIVE_DIALECT) {
        const r = new GroupRule();
        r.targetCluster = c.clusters[j].name;
        r.clusterIndex = j;
        c.groupRules.push(r);
        break;
      }
    }
  }

  const security = root.get("security");
  if (!v.failed() && security !== null) {
    const sp = new SecurityParse();
    sp.parse(security);
    if (sp.error.length > 0) v.error = sp.error;
    else c.security = sp.config;
  }

  const registry = root.get("schema_registry");
  const policies = root.get("topic_policies");
  if (!v.failed() && (registry !== null || policies !== null)) {
    const sp = new SchemaParse();
    if (registry !== null) sp.parseRegistry(registry);
    if (policies !== null && sp.error.length == 0) sp.parsePolicies(policies);
    if (sp.error.length == 0 && sp.policies.length > 0 && sp.registry === null) {
      // A policy that only asks for framing (validate none) needs no registry.
      for (let i = 0; i < sp.policies.length; i++) {
        const p = sp.policies[i];
        const needs = (p.valueSchema !== null && p.valueSchema!.validate != "none") || (p.keySchema !== null && p.keySchema!.validate != "none");
        if (needs) {
          sp.error = "topic_policies[" + i.toString() + "]: checks schema ids, so schema_registry is required";
          break;
        }
      }
    }
    if (sp.error.length > 0) v.error = sp.error;
    else {
      c.schemaRegistry = sp.registry;
      c.topicPolicies = sp.policies;
    }
  }

  if (v.failed()) return new ConfigResult(null, v.error);
  return new ConfigResult(c, "");
}
