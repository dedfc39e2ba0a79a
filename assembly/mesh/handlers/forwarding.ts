// What the consumer-group handlers share (docs/consumers.md): the message they put on a
// cluster's Forward channel (a request header for the api and version, then a body), the call
// that hands each part's answer or failure back to its request, and the group error codes.
import { Reader, Writer } from "../../kafka/wire";
import { beginForward, forwardAnswerBody } from "../../upstream/forward";
import { MeshContext } from "../context";
import { InFlightRequest } from "../inflight";
import { ChannelCall, ChannelMessage } from "../upstream_channel";

/** Kafka error codes of the group APIs (Errors.java). */
export namespace GroupError {
  export const COORDINATOR_LOAD_IN_PROGRESS: i16 = 14;
  export const COORDINATOR_NOT_AVAILABLE: i16 = 15;
  export const NOT_COORDINATOR: i16 = 16;
  export const ILLEGAL_GENERATION: i16 = 22;
  export const INVALID_GROUP_ID: i16 = 24;
  export const UNKNOWN_MEMBER_ID: i16 = 25;
  export const REBALANCE_IN_PROGRESS: i16 = 27;
  export const GROUP_AUTHORIZATION_FAILED: i16 = 30;
  export const FENCED_INSTANCE_ID: i16 = 82;
}

/** A request body for a Forward channel; the header (with the channel's correlation id) goes in front. */
export class ForwardMessage extends ChannelMessage {
  constructor(
    public apiKey: i16,
    public version: i16,
    public body: Uint8Array,
    /**
     * The client's own client id, for requests the cluster records it from (a group member's
     * client id in DescribeGroups); null: the mesh's.
     */
    public clientId: string | null = null,
  ) {
    super();
  }

  encode(correlationId: i32): Uint8Array {
    const clientId = this.clientId;
    const w =
      clientId === null
        ? beginForward(this.apiKey, this.version, correlationId, this.body.length)
        : beginForward(this.apiKey, this.version, correlationId, this.body.length, clientId);
    w.bytes(this.body);
    return w.view();
  }
}

/** The bytes a Writer wrote, as an array of their own. */
export function written(w: Writer): Uint8Array {
  return w.view().slice();
}

/** A request split into parts, one message per part; part numbers are the owner's own. */
export abstract class PartOwner extends InFlightRequest {
  /** Part `part`'s answer, positioned after its response header; false when it does not parse. */
  abstract partAnswered(part: i32, body: Reader): bool;
  /** Part `part` got no answer (its stream was lost, or the answer did not parse). */
  abstract partFailed(part: i32, message: string): void;
}

/** Hands the answer to one part's message to its owner. */
export class PartCall extends ChannelCall {
  constructor(
    private owner: PartOwner,
    private part: i32,
    private apiKey: i16,
    private version: i16,
  ) {
    super();
  }

  onAnswer(answer: Uint8Array): bool {
    const body = forwardAnswerBody(answer, this.apiKey, this.version);
    if (body === null) return false;
    return this.owner.partAnswered(this.part, body);
  }

  onFailure(code: i16, message: string): void {
    this.owner.partFailed(this.part, message);
  }
}

/**
 * Sends one part to cluster's Forward channel. Returns the bytes it holds, or -1 when the
 * cluster has no Forward channel (not on the native dialect; config validation keeps group
 * rules off those, topics may still be routed there).
 */
export function sendPart(
  mesh: MeshContext,
  owner: PartOwner,
  part: i32,
  cluster: i32,
  apiKey: i16,
  version: i16,
  body: Uint8Array,
  timeoutMs: i64,
): i32 {
  const channel = mesh.forwardChannels[cluster];
  if (channel === null) return -1;
  const call = new PartCall(owner, part, apiKey, version);
  return channel.submit(new ForwardMessage(apiKey, version, body), timeoutMs, call, mesh.metrics.nowMillis());
}

/** True when a decoded answer used all its bytes and nothing failed. */
export function parsedWhole(r: Reader): bool {
  return !r.failed && r.remaining() == 0;
}

/** True when cluster has a Forward channel (it is on the native dialect). */
export function hasForwardChannel(mesh: MeshContext, cluster: i32): bool {
  return cluster >= 0 && cluster < mesh.forwardChannels.length && mesh.forwardChannels[cluster] !== null;
}
