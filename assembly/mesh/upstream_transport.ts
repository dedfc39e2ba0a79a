// How requests reach upstream clusters: one HTTP call to a cluster's REST bridge.
// The filter implements it with proxy_http_call; tests implement it in memory.
import { RestBridge } from "./config";
import { HttpCall } from "../upstream/dialect";

/** Whoever made an upstream call: told how it ended. */
export abstract class UpstreamReceiver {
  /** The answer to the receiver's call `part`: HTTP status (0 when there was no HTTP answer at all) and body. */
  abstract onUpstreamAnswer(part: i32, status: i32, body: Uint8Array | null): void;
}

export abstract class UpstreamTransport {
  /**
   * Starts a call to bridge whose answer comes back as receiver.onUpstreamAnswer(part, status,
   * body). False when it could not start (the receiver then hears nothing).
   */
  abstract send(bridge: RestBridge, call: HttpCall, timeoutMs: u32, receiver: UpstreamReceiver, part: i32): bool;
}
