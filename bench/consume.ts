// The consume workload's data: a topic written once straight to its cluster (not through any
// target), which every target then reads from the beginning to the end. Reused by later benches
// while it holds exactly the records asked for from offset 0; otherwise deleted, created again
// (no retention by time or size) and filled with Kafka's ProducerPerformance.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { kafkaLibs } from "../scripts/versions.ts";

interface TopicState {
  exists: boolean;
  partitions: number;
  records: number;
  from_zero: boolean;
}

function python(py: string, root: string, args: string[]): string {
  const r = spawnSync(py, [join(root, "bench/consume_topic.py"), ...args], { encoding: "utf8", timeout: 120000 });
  if (r.status !== 0) throw new Error(`consume_topic.py ${args.slice(1).join(" ")}: exit ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split("\n").slice(-2).join(" | ")}`);
  return r.stdout.trim().split("\n").pop() ?? "";
}

function state(py: string, root: string, bootstrap: string, topic: string): TopicState {
  return JSON.parse(python(py, root, [bootstrap, topic, "state"])) as TopicState;
}

/**
 * Makes `topic` on the cluster at `bootstrap` hold `records` records of `size` bytes over
 * `partitions` partitions, from offset 0. Returns what was done ("reused" or "filled in N s").
 */
export function prepareConsumeTopic({ root, py, bootstrap, topic, partitions, records, size }:
  { root: string; py: string; bootstrap: string; topic: string; partitions: number; records: number; size: number }): string {
  const s = state(py, root, bootstrap, topic);
  if (s.exists && s.partitions === partitions && s.records === records && s.from_zero) return "reused";
  const t0 = Date.now();
  python(py, root, [bootstrap, topic, "recreate", String(partitions)]);
  const r = spawnSync("java", [
    "-Xmx512m", "-cp", join(kafkaLibs(root), "*"), "org.apache.kafka.tools.ProducerPerformance",
    "--topic", topic, "--num-records", String(records), "--record-size", String(size), "--throughput", "-1",
    "--producer-props", `bootstrap.servers=${bootstrap}`, "acks=all",
  ], { cwd: root, encoding: "utf8", timeout: 300000, maxBuffer: 64 << 20 });
  const after = state(py, root, bootstrap, topic);
  if (r.status !== 0 || after.records !== records || !after.from_zero) {
    throw new Error(`filling ${topic}: ProducerPerformance exit ${r.status ?? r.signal}, ${after.records} of ${records} records on the cluster: ` +
      (r.stderr || r.stdout).trim().split("\n").filter((l) => !/^\s*$/.test(l)).slice(-2).join(" | "));
  }
  return `filled in ${((Date.now() - t0) / 1000).toFixed(0)} s`;
}
