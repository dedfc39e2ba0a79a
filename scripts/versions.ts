// The pinned versions of versions.env (KEY=value lines) for Node code: stack/, tests/e2e/,
// tests/faults/, bench/, codegen/, envoy/, examples/ (all run with tsx).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "versions.env");

function parse(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z][A-Z0-9_]*)=(\S+)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

const all = parse(readFileSync(FILE, "utf8"));

function pinned(name: string): string {
  const v = all[name];
  if (!v) throw new Error(`${FILE}: ${name} is not set`);
  return v;
}

export const KAFKA_VERSION = pinned("KAFKA_VERSION");
export const ENVOY_VERSION = pinned("ENVOY_VERSION");
export const KROXYLICIOUS_VERSION = pinned("KROXYLICIOUS_VERSION");
export const APICURIO_VERSION = pinned("APICURIO_VERSION");

/** .cache/kafka-<version>/libs under `root`: the broker, kafka-clients and kafka-tools jars (stack/maven.ts). */
export const kafkaLibs = (root: string): string => join(root, ".cache", `kafka-${KAFKA_VERSION}`, "libs");
