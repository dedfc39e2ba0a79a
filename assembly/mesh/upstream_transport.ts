// How requests reach upstream clusters: one HTTP call to a cluster's REST bridge (Strimzi
// dialect), or messages on an ordered stream to the project's bridge (native dialect).
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

/** Whoever opened a stream: told of each message the bridge sends on it, and of its end. */
export abstract class StreamReceiver {
  abstract onStreamMessage(stream: u32, message: Uint8Array): void;
  /** The stream is gone (closed or reset by either side, or never opened); status is gRPC's. */
  abstract onStreamClosed(stream: u32, status: u32): void;
}

/**
 * Ordered bidirectional message streams to a bridge (gRPC). The filter implements it with
 * proxy_grpc_stream; tests implement it in memory.
 */
export abstract class StreamTransport {
  /** Opens a stream to bridge; its handle, or 0 when it could not open. */
  abstract open(bridge: RestBridge, service: string, method: string, receiver: StreamReceiver): u32;
  /** Queues message on the stream; false when the stream is gone. */
  abstract send(stream: u32, message: Uint8Array): bool;
  /** Resets the stream; its receiver hears nothing more of it. */
  abstract cancel(stream: u32): void;
}

/** For hosts without streams: nothing opens. */
export class NoStreams extends StreamTransport {
  open(bridge: RestBridge, service: string, method: string, receiver: StreamReceiver): u32 {
    return 0;
  }
  send(stream: u32, message: Uint8Array): bool {
    return false;
  }
  cancel(stream: u32): void {}
}
