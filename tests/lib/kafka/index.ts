// The Kafka wire library of every Node harness (tests/lib/README.md): import from here.
export * from "./primitives.ts";
export * from "./records.ts";
export * from "./requests.ts";
export * from "./responses.ts";
export * from "./frames.ts";
export * from "./schema.ts";
