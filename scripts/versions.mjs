// @ts-check
// The pinned versions of versions.env (KEY=value lines) for Node code: stack/, tests/e2e/,
// faults/, tools/. Plain JavaScript so that scripts run without tsx can import it too;
// type-checked by tsc (tsconfig.json) through its JSDoc types.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "versions.env");

/**
 * @param {string} text
 * @returns {Record<string, string>}
 */
function parse(text) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z][A-Z0-9_]*)=(\S+)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

const all = parse(readFileSync(FILE, "utf8"));

/** @param {string} name */
function pinned(name) {
  const v = all[name];
  if (!v) throw new Error(`${FILE}: ${name} is not set`);
  return v;
}

export const KAFKA_VERSION = pinned("KAFKA_VERSION");
export const ENVOY_VERSION = pinned("ENVOY_VERSION");
export const KROXYLICIOUS_VERSION = pinned("KROXYLICIOUS_VERSION");

/** .cache/kafka-<version>/libs under `root`: the broker, kafka-clients and kafka-tools jars (stack/maven.ts). */
export const kafkaLibs = (/** @type {string} */ root) => join(root, ".cache", `kafka-${KAFKA_VERSION}`, "libs");
