// upstream/: what a cluster's bridge is sent and what its answers mean, one dialect per bridge
// API (native.ts: the project's bridge, Produce messages on a gRPC stream; forward.ts: consumer
// and group requests on its Forward stream; dialect.ts: the boundary of the HTTP dialects;
// strimzi.ts: the Strimzi Kafka Bridge). Imports records/ and kafka/.
import { Dialect } from "./dialect";
import { StrimziDialect } from "./strimzi";

/** rest_bridge.dialect of the project's bridge: client batches passed through on a stream. */
export const NATIVE_DIALECT = "native";

/** The HTTP dialect rest_bridge.dialect names; null for the native dialect and unknown names. */
export function dialectFor(name: string): Dialect | null {
  if (name == "strimzi") return new StrimziDialect();
  return null;
}
