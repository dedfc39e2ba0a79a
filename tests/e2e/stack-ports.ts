// Where the running stack listens: the plugin config the stack uses (STACK_CONFIG or the
// reference one) with STACK_PORT_OFFSET applied, as stack/config.ts computes it.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

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
  /** The REST bridge's authority (host:port). */
  bridge: string;
  partitions: number;
}

export interface StackPorts {
  offset: number;
  /** Envoy's Kafka listener (host:port). */
  envoy: string;
  /** Envoy's admin address (host:port). */
  admin: string;
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
    clusters[c.cluster_name] = {
      kafka: shift(String(c.bootstrap_servers).split(",")[0]),
      bridge: shift(String(c.rest_bridge.authority)),
      partitions: c.partition_count,
    };
  }
  return {
    offset,
    envoy: `${cfg.advertised_host}:${cfg.advertised_port + offset}`,
    admin: `127.0.0.1:${9901 + offset}`,
    clusters,
    config: cfg,
  };
}
