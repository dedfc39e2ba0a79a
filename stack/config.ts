// The stack is derived from one plugin config file (STACK_CONFIG, default
// examples/reference.json) and one topic list (STACK_TOPICS, default
// examples/reference-topics.json: topic -> cluster name).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export { KAFKA_VERSION } from "../scripts/versions.ts";

export interface ClusterSpec {
  name: string;
  bootstrapServers: string;
  /** First bootstrap address; a broker is run here when it is a loopback address. */
  kafkaHost: string;
  kafkaPort: number;
  /** KRaft controller port of the local broker: the client port + 20000 (9092 -> 29092). */
  controllerPort: number;
  partitionCount: number;
  /** rest_bridge.dialect: "strimzi" (HTTP, the default) or "native" (gRPC). */
  dialect: Dialect;
  /** Host the bridge listens on (rest_bridge.authority's host). */
  bridgeHost: string;
  /** The bridge's HTTP port: Strimzi REST API, GET /ready, /healthy, /metrics. */
  httpPort: number;
  /** The bridge's gRPC port (kafka.mesh.v1.Bridge/Produce): httpPort + 100. */
  grpcPort: number;
}

export type Dialect = "strimzi" | "native";
export const DIALECTS: readonly Dialect[] = ["native", "strimzi"];

/** The gRPC port of a bridge is its HTTP port + this (8080 -> 8180). */
export const GRPC_PORT_SHIFT = 100;

export function isDialect(v: unknown): v is Dialect {
  return v === "strimzi" || v === "native";
}

/**
 * Both ports of a bridge from its rest_bridge entry: the authority is the HTTP address for the
 * strimzi dialect and the gRPC address for the native one; every bridge serves both, gRPC on the
 * HTTP port + 100.
 */
export function bridgePorts(authorityPort: number, dialect: Dialect): { httpPort: number; grpcPort: number } {
  const httpPort = dialect === "native" ? authorityPort - GRPC_PORT_SHIFT : authorityPort;
  return { httpPort, grpcPort: httpPort + GRPC_PORT_SHIFT };
}

/** The dialect a rest_bridge entry names (strimzi when it names none), or an error. */
export function dialectOf(restBridge: unknown, what: string): Dialect {
  const d = typeof restBridge === "object" && restBridge !== null ? (restBridge as Record<string, unknown>).dialect ?? "strimzi" : "strimzi";
  if (!isDialect(d)) throw new Error(`${what}: unknown dialect ${JSON.stringify(d)} (strimzi, native)`);
  return d;
}

export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..");
}

function fromEnv(root: string, variable: string, fallback: string): string {
  const v = process.env[variable];
  if (!v) return join(root, fallback);
  return isAbsolute(v) ? v : resolve(process.cwd(), v);
}

/**
 * STACK_PORT_OFFSET shifts every port of the stack (brokers, controllers, bridges, the schema
 * registry, Envoy's listener, admin and echo ports) so that several stacks can run on one machine.
 */
export function portOffset(): number {
  const v = Number(process.env.STACK_PORT_OFFSET ?? "0");
  if (!Number.isInteger(v) || v < 0 || v > 10000) throw new Error("STACK_PORT_OFFSET: expected an integer from 0 to 10000");
  return v;
}

function shiftHostPort(s: string, by: number): string {
  return s.replace(/:(\d+)(?=,|$)/g, (_, p) => `:${Number(p) + by}`);
}

/** The plugin config the stack runs: STACK_CONFIG or the reference one, ports shifted. */
export function configPath(root: string): string {
  const base = fromEnv(root, "STACK_CONFIG", "examples/reference.json");
  const offset = portOffset();
  if (offset === 0) return base;
  const cfg = JSON.parse(readFileSync(base, "utf8"));
  cfg.advertised_port += offset;
  for (const c of cfg.upstream_clusters ?? []) {
    if (c.bootstrap_servers) c.bootstrap_servers = shiftHostPort(String(c.bootstrap_servers), offset);
    if (c.rest_bridge?.authority) c.rest_bridge.authority = shiftHostPort(String(c.rest_bridge.authority), offset);
  }
  if (cfg.schema_registry?.authority) cfg.schema_registry.authority = shiftHostPort(String(cfg.schema_registry.authority), offset);
  const dir = join(root, ".stack");
  mkdirSync(dir, { recursive: true });
  const shifted = join(dir, "plugin-config.json");
  writeFileSync(shifted, JSON.stringify(cfg, null, 2) + "\n");
  return shifted;
}

export function topicsPath(root: string): string {
  return fromEnv(root, "STACK_TOPICS", "examples/reference-topics.json");
}

function hostPort(s: string, what: string): [string, number] {
  const m = /^\s*(\[[^\]]+\]|[^:,\s]+):(\d+)\s*$/.exec(s);
  if (!m) throw new Error(`${what}: expected host:port, got ${JSON.stringify(s)}`);
  return [m[1], Number(m[2])];
}

export function loadClusters(root: string): ClusterSpec[] {
  const path = configPath(root);
  const cfg = JSON.parse(readFileSync(path, "utf8"));
  if (!Array.isArray(cfg.upstream_clusters)) throw new Error(`${path}: upstream_clusters must be an array`);
  return cfg.upstream_clusters.map((c: any): ClusterSpec => {
    const name = String(c.cluster_name);
    const bootstrap = String(c.bootstrap_servers ?? "");
    const [kafkaHost, kafkaPort] = hostPort(bootstrap.split(",")[0], `${path}: ${name}.bootstrap_servers`);
    const [bridgeHost, authorityPort] = hostPort(String(c.rest_bridge?.authority ?? ""), `${path}: ${name}.rest_bridge.authority`);
    const dialect = dialectOf(c.rest_bridge, `${path}: ${name}.rest_bridge.dialect`);
    return {
      name,
      bootstrapServers: bootstrap,
      kafkaHost,
      kafkaPort,
      controllerPort: kafkaPort + 20000,
      partitionCount: Number(c.partition_count ?? 1),
      dialect,
      bridgeHost,
      ...bridgePorts(authorityPort, dialect),
    };
  });
}

/** The schema registry a plugin config's `schema_registry` section names (docs/schemas.md). */
export interface RegistrySpec {
  /** schema_registry.authority's host: a registry is run here when it is a loopback address. */
  host: string;
  port: number;
  /** schema_registry.base_path: where the Confluent-compatible API is mounted ("" when absent). */
  basePath: string;
}

/** The config's schema registry (ports shifted by STACK_PORT_OFFSET), or null without a `schema_registry` section. */
export function loadRegistry(root: string): RegistrySpec | null {
  const path = configPath(root);
  const cfg = JSON.parse(readFileSync(path, "utf8"));
  const r = cfg.schema_registry;
  if (r === undefined) return null;
  // The filter defaults the authority to the Envoy cluster's name, which says nothing about where to listen.
  const [host, port] = hostPort(String(r?.authority ?? ""), `${path}: schema_registry.authority`);
  return { host, port, basePath: typeof r.base_path === "string" ? r.base_path : "" };
}

/** Topic name -> cluster name. */
export function loadTopics(root: string): Record<string, string> {
  return JSON.parse(readFileSync(topicsPath(root), "utf8"));
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "[::1]" || /^127\./.test(host);
}

/** The part of a plugin configuration withDialect rewrites; every other field is kept. */
export interface DialectConfig {
  upstream_clusters: Array<{ cluster_name: string; rest_bridge: { authority: string; dialect?: unknown; [field: string]: unknown }; [field: string]: unknown }>;
  [field: string]: unknown;
}

/**
 * The same plugin configuration with every cluster's bridge reached through `dialect`: each
 * authority moves to the bridge's port for that dialect (HTTP or gRPC, same host) and names it.
 */
export function withDialect<T extends DialectConfig>(cfg: T, dialect: Dialect): T {
  const out = structuredClone(cfg);
  for (const [i, c] of out.upstream_clusters.entries()) {
    const [host, port] = hostPort(String(c.rest_bridge.authority), `upstream_clusters[${i}].rest_bridge.authority`);
    const ports = bridgePorts(port, dialectOf(c.rest_bridge, `upstream_clusters[${i}].rest_bridge.dialect`));
    c.rest_bridge.authority = `${host}:${dialect === "native" ? ports.grpcPort : ports.httpPort}`;
    c.rest_bridge.dialect = dialect;
  }
  // Groups live only on native clusters (docs/consumers.md): a Strimzi-dialect config has none.
  if (dialect === "strimzi") delete out.group_rules;
  return out;
}

/** The one dialect every cluster of a plugin configuration uses, or null when they differ. */
export function configDialect(cfg: DialectConfig): Dialect | null {
  const found = new Set(cfg.upstream_clusters.map((c, i) => dialectOf(c.rest_bridge, `upstream_clusters[${i}].rest_bridge.dialect`)));
  return found.size === 1 ? [...found][0]! : null;
}
