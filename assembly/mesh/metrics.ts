// What the mesh counts. The filter reports these as Envoy stats (admin /stats and
// /stats/prometheus); tests use the in-memory default, which counts nothing.

export class MeshMetrics {
  /** A request of this API key was read from a client. */
  request(apiName: string): void {}
  /** Records and bytes a cluster acknowledged for a topic. */
  forwarded(cluster: string, topic: string, records: i64, bytes: i64): void {}
  /** Records and record bytes of a topic a cluster returned to a consumer (Fetch). */
  fetched(cluster: string, topic: string, records: i64, bytes: i64): void {}
  /** A Fetch read-ahead was asked of a bridge (fetch_read_ahead.ts). */
  fetchReadAhead(): void {}
  /** A consumer's Fetch was answered from a read-ahead. */
  fetchReadAheadHit(): void {}
  /** A read-ahead was dropped unused (the consumer asked something else, or not in time). */
  fetchReadAheadUnused(): void {}
  /** An upstream call failed or answered with errors; code is the Kafka error code sent on. */
  upstreamError(cluster: string, code: i16): void {}
  /** A native-dialect stream to a cluster's bridge was lost (closed, reset, silent or confused). */
  streamLost(cluster: string): void {}
  /** Time from an upstream call's start to its answer. */
  upstreamLatency(cluster: string, millis: i64): void {}
  /** Change in requests waiting for their answer, across this VM's connections. */
  pending(delta: i64): void {}
  /** Connections opened (+1) and closed (-1). */
  connections(delta: i64): void {}
  /** A connection was closed by the mesh (malformed or refused input). */
  refused(): void {}
  /** A connection held frames back until its answers on their way to the client pass. */
  readsHeld(): void {}
  /** Change in bytes held by this VM's connections (see memory_budget.ts). */
  buffered(delta: i64): void {}
  /** A connection was held because the VM's memory budget was reached. */
  readsHeldForMemory(): void {}
  /** A connection was closed because the VM needed its memory back. */
  closedForMemory(): void {}
  /** A partition of `topic` was refused for a record's schema (`reason`: docs/schemas.md). */
  schemaRejected(topic: string, reason: string): void {}
  /** A call to the schema registry was started. */
  schemaRegistryCall(): void {}
  /** A schema lookup failed (registry unreachable, erroring or unreadable). */
  schemaRegistryError(): void {}
  /** A schema id was answered from the VM's cache. */
  schemaCacheHit(): void {}
  /** Records of `topic` were forwarded unchecked because the registry failed (fail_open). */
  schemaFailedOpen(topic: string): void {}
  /** Current size of the wasm linear memory, in bytes. */
  heap(bytes: i64): void {}
  /** Milliseconds on a monotonic-enough clock, for latency. */
  nowMillis(): i64 {
    return 0;
  }
}
