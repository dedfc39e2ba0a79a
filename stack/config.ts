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
  bridgeHost: string;
  bridgePort: number;
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
 * STACK_PORT_OFFSET shifts every port of the stack (brokers, controllers, bridges, Envoy's
 * listener, admin and echo ports) so that several stacks can run on one machine.
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
    const [bridgeHost, bridgePort] = hostPort(String(c.rest_bridge?.authority ?? ""), `${path}: ${name}.rest_bridge.authority`);
    return {
      name,
      bootstrapServers: bootstrap,
      kafkaHost,
      kafkaPort,
      controllerPort: kafkaPort + 20000,
      partitionCount: Number(c.partition_count ?? 1),
      bridgeHost,
      bridgePort,
    };
  });
}

/** Topic name -> cluster name. */
export function loadTopics(root: string): Record<string, string> {
  return JSON.parse(readFileSync(topicsPath(root), "utf8"));
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "[::1]" || /^127\./.test(host);
}
