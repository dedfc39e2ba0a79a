// How requests reach upstream clusters: one HTTP call to a cluster's REST bridge.
// The filter implements it with proxy_http_call; tests implement it in memory.
import { InFlightRequest } from "./inflight";

export class HttpCall {
  constructor(
    /** Envoy cluster the call goes through. */
    public envoyCluster: string,
    public method: string,
    public path: string,
    public authority: string,
    public contentType: string,
    public body: Uint8Array,
    public timeoutMs: u32,
  ) {}
}

export abstract class UpstreamTransport {
  /**
   * Starts a call whose answer comes back as request.onUpstreamAnswer(part, status, body)
   * (status 0 when there was no HTTP answer at all). False when it could not start.
   */
  abstract send(call: HttpCall, request: InFlightRequest, part: i32): bool;
}
