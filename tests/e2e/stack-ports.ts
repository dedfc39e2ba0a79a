// Where the running stack listens: the plugin config the stack uses (STACK_CONFIG or the
// reference one) with STACK_PORT_OFFSET applied, as stack/config.ts computes it.
// E2E_ENVOY, E2E_ADMIN and E2E_DIALECT point a suite at another Envoy in front of the same
// clusters and bridges (tests/e2e/dialects.ts: the Envoy of the other dialect).
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bridgePorts, configDialect, type Dialect, dialectOf } from "../../stack/config.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The fields of a plugin configuration the harnesses read; the rest is kept as it is. */
export interface UpstreamCluster {
  cluster_name: string;
  bootstrap_servers: string;
  partition_count: number;
  rest_bridge: { envoy_cluster: string; authority: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface PluginConfig {
  advertised_host: string;
  advertised_port: number;
  broker_id: number;
  upstream_clusters: UpstreamCluster[];
  forwarding_rules: Array<{ topic_prefix: string; target_cluster: string }>;
  [field: string]: unknown;
}

export interface ClusterPorts {
  /** The first bootstrap address of the cluster (host:port). */
  kafka: string;
  /** The bridge's HTTP address (host:port): Strimzi REST API, /ready, /healthy, /metrics. */
  bridge: string;
  /** The bridge's gRPC address (host:port): kafka.mesh.v1.Bridge/Produce. */
  grpc: string;
  /** rest_bridge.authority as the config names it (the address of its dialect's endpoint). */
  authority: string;
  dialect: Dialect;
  partitions: number;
}

export interface StackPorts {
  offset: number;
  /** Envoy's Kafka listener (host:port). */
  envoy: string;
  /** Envoy's admin address (host:port). */
  admin: string;
  /**
   * The Confluent-compatible API of the schema registry the config's `schema_registry` names
   * (http://authority + base_path), or null without that section (docs/schemas.md).
   */
  registry: string | null;
  /** The dialect the suite runs on: E2E_DIALECT, else the config's ("mixed" when its clusters differ). */
  dialect: Dialect | "mixed";
  clusters: Record<string, ClusterPorts>;
  config: PluginConfig;
}

/** A plugin configuration file (the project's own JSON: its shape is taken as given). */
export function readPluginConfig(path: string): PluginConfig {
  return JSON.parse(readFileSync(path, "utf8")) as PluginConfig;
}

export function stackPorts(): StackPorts {
  const offset = Number(process.env.STACK_PORT_OFFSET ?? "0");
  const v = process.env.STACK_CONFIG;
  const path = v ? (isAbsolute(v) ? v : resolve(process.cwd(), v)) : join(ROOT, "examples", "reference.json");
  const cfg = readPluginConfig(path);
  const shift = (hp: string) => hp.replace(/:(\d+)$/, (_, p: string) => `:${Number(p) + offset}`);
  const clusters: Record<string, ClusterPorts> = {};
  for (const c of cfg.upstream_clusters) {
    const authority = shift(String(c.rest_bridge.authority));
    const dialect = dialectOf(c.rest_bridge, `${c.cluster_name}.rest_bridge.dialect`);
    const host = authority.replace(/:\d+$/, "");
    const { httpPort, grpcPort } = bridgePorts(Number(/:(\d+)$/.exec(authority)?.[1]), dialect);
    clusters[c.cluster_name] = {
      kafka: shift(String(c.bootstrap_servers).split(",")[0]),
      bridge: `${host}:${httpPort}`,
      grpc: `${host}:${grpcPort}`,
      authority,
      dialect,
      partitions: c.partition_count,
    };
  }
  const sr = cfg.schema_registry as { authority?: unknown; base_path?: unknown } | undefined;
  const registry = sr && typeof sr.authority === "string" ? `http://${shift(sr.authority)}${typeof sr.base_path === "string" ? sr.base_path : ""}` : null;
  const dialect = process.env.E2E_DIALECT;
  if (dialect !== undefined && dialect !== "native" && dialect !== "strimzi") throw new Error(`E2E_DIALECT: native or strimzi, not ${dialect}`);
  return {
    offset,
    envoy: process.env.E2E_ENVOY || `${cfg.advertised_host}:${cfg.advertised_port + offset}`,
    admin: process.env.E2E_ADMIN || `127.0.0.1:${9901 + offset}`,
    registry,
    dialect: dialect ?? configDialect(cfg) ?? "mixed",
    clusters,
    config: cfg,
  };
}
