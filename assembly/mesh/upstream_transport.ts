// How requests reach upstream clusters: one HTTP call to a cluster's REST bridge.
// The filter implements it with proxy_http_call; tests implement it in memory.
import { RestBridge } from "./config";
import { InFlightRequest } from "./inflight";
import { HttpCall } from "../upstream/dialect";

export abstract class UpstreamTransport {
  /**
   * Starts a call to bridge whose answer comes back as request.onUpstreamAnswer(part, status,
   * body) (status 0 when there was no HTTP answer at all). False when it could not start.
   */
  abstract send(bridge: RestBridge, call: HttpCall, timeoutMs: u32, request: InFlightRequest, part: i32): bool;
}
