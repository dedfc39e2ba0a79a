// Where the running stack listens: the plugin config the stack uses (STACK_CONFIG or the
// reference one) with STACK_PORT_OFFSET applied, as stack/config.ts computes it.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function stackPorts() {
  const offset = Number(process.env.STACK_PORT_OFFSET ?? "0");
  const v = process.env.STACK_CONFIG;
  const path = v ? (isAbsolute(v) ? v : resolve(process.cwd(), v)) : join(ROOT, "examples", "reference.json");
  const cfg = JSON.parse(readFileSync(path, "utf8"));
  const shift = (hp) => hp.replace(/:(\d+)$/, (_, p) => `:${Number(p) + offset}`);
  const clusters = {};
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
