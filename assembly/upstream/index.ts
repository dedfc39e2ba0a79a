// upstream/: what a cluster's bridge is sent and what its answers mean, one dialect per bridge
// API (dialect.ts: the boundary; strimzi.ts: the Strimzi Kafka Bridge). Imports records/ and kafka/.
import { Dialect } from "./dialect";
import { StrimziDialect } from "./strimzi";

/** The dialect rest_bridge.dialect names; null for a name no dialect answers to. */
export function dialectFor(name: string): Dialect | null {
  if (name == "strimzi") return new StrimziDialect();
  return null;
}
