// JSON nobody declared a type for (Envoy's admin API, kcat -J, the Java and Python clients'
// output, bridge answers): read as unknown and narrowed where it is used.
import assert from "node:assert/strict";

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

export function asObject(v: unknown, what: string): JsonObject {
  assert.ok(isObject(v), `${what}: not a JSON object: ${JSON.stringify(v)}`);
  return v;
}

export function asArray(v: unknown, what: string): unknown[] {
  assert.ok(Array.isArray(v), `${what}: not a JSON array: ${JSON.stringify(v)}`);
  return v;
}

/** A JSON number, else NaN (so the checks on it fail as they would on the value itself). */
export const num = (v: unknown): number => (typeof v === "number" ? v : NaN);

/** A property of any value, undefined where there is none (thrown kafkajs errors carry type, code and cause). */
export function field(v: unknown, name: string): unknown {
  return typeof v === "object" && v !== null ? (v as JsonObject)[name] : undefined;
}
