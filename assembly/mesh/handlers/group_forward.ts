// JoinGroup, SyncGroup, Heartbeat and LeaveGroup: forwarded whole, at the client's version, to
// the cluster whose coordinator runs the group (group_rules), and its answer passed back.
//
// The message is the client's own body bytes behind a new request header: the body was decoded
// (so it is a valid request of that version) and is sent exactly as the client wrote it, tagged
// fields included, without a re-encode that could drop or reorder anything.
import { ApiKey, responseHeaderVersion } from "../../kafka/messages/api_keys";
import { HeartbeatRequest } from "../../kafka/messages/heartbeat_request";
import { HeartbeatResponse } from "../../kafka/messages/heartbeat_response";
import { JoinGroupRequest } from "../../kafka/messages/join_group_request";
import { JoinGroupResponse } from "../../kafka/messages/join_group_response";
import { LeaveGroupRequest } from "../../kafka/messages/leave_group_request";
import { LeaveGroupResponse } from "../../kafka/messages/leave_group_response";
import { SyncGroupRequest } from "../../kafka/messages/sync_group_request";
import { SyncGroupResponse } from "../../kafka/messages/sync_group_response";
import { Reader, Writer } from "../../kafka/wire";
import { forwardAnswerBody, withCorrelationId } from "../../upstream/forward";
import { MeshContext } from "../context";
import { beginResponse, endResponse, InFlightRequest } from "../inflight";
import { NO_ROUTE } from "../routing";
import { ChannelCall } from "../upstream_channel";
import { ForwardMessage, GroupError, parsedWhole } from "./forwarding";
import { Operation, ResourceType } from "../../auth/acl";
import { apiKeyInfo } from "../../kafka/messages/api_keys";

/** True for the APIs this file forwards. */
export function isGroupForwardApi(apiKey: i16): bool {
  return apiKey == ApiKey.JoinGroup || apiKey == ApiKey.SyncGroup || apiKey == ApiKey.Heartbeat || apiKey == ApiKey.LeaveGroup;
}

/**
 * Decodes a group request whose body starts at r's position in frame; null when it does not
 * parse (the connection closes, as a broker's would).
 */
export function decodeGroupForward(
  apiKey: i16,
  version: i16,
  correlationId: i32,
  clientId: string | null,
  r: Reader,
  frame: Uint8Array,
  mesh: MeshContext,
): InFlightRequest | null {
  const bodyAt = r.pos;
  let groupId = "";
  let waitMs: i64 = 0;
  if (apiKey == ApiKey.JoinGroup) {
    const req = JoinGroupRequest.decode(r, version);
    groupId = req.groupId;
    // A JoinGroup waits at the coordinator for the rebalance (v0: the session timeout).
    waitMs = <i64>(version >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs);
  } else if (apiKey == ApiKey.SyncGroup) {
    groupId = SyncGroupRequest.decode(r, version).groupId;
  } else if (apiKey == ApiKey.Heartbeat) {
    groupId = HeartbeatRequest.decode(r, version).groupId;
  } else if (apiKey == ApiKey.LeaveGroup) {
    groupId = LeaveGroupRequest.decode(r, version).groupId;
  } else return null;
  if (r.failed) return null;
  // Only the decoded bytes leave: anything after the body is not part of the request.
  const body = frame.subarray(bodyAt, r.pos);
  const timeoutMs = max<i64>(waitMs, 0) + <i64>mesh.config.upstreamTimeoutMs;
  return new GroupForwardHandler(apiKey, version, correlationId, clientId, groupId, body, timeoutMs, mesh);
}

class WholeCall extends ChannelCall {
  constructor(private handler: GroupForwardHandler) {
    super();
  }
  onAnswer(answer: Uint8Array): bool {
    return this.handler.answered(answer);
  }
  onFailure(code: i16, message: string): void {
    this.handler.failed(GroupError.COORDINATOR_NOT_AVAILABLE);
  }
}

export class GroupForwardHandler extends InFlightRequest {
  /** The cluster's answer (response header and body), once it came. */
  private answer: Uint8Array | null = null;
  /** Set when the answer is built here: the error it carries. */
  private errorCode: i16 = 0;
  private done: bool = false;
  private cluster: i32 = NO_ROUTE;

  constructor(
    apiKey: i16,
    apiVersion: i16,
    correlationId: i32,
    /** Kept in the forwarded header: the coordinator shows it as the member's client id. */
    private clientId: string | null,
    private groupId: string,
    private body: Uint8Array,
    private timeoutMs: i64,
    private mesh: MeshContext,
  ) {
    super(apiKey, apiVersion, correlationId);
  }

  startProcessing(): void {
    // As the group coordinator's own check: READ on the group, before anything else.
    if (!this.session.allows(apiKeyInfo(this.apiKey)!.name, Operation.READ, ResourceType.GROUP, this.groupId)) {
      this.failed(GroupError.GROUP_AUTHORIZATION_FAILED);
      return;
    }
    const cluster = this.mesh.router.routeGroup(this.groupId);
    this.cluster = cluster;
    // A broker answers NOT_COORDINATOR for a group it does not run, and the client then asks
    // FindCoordinator again; the mesh's FindCoordinator refuses this group with
    // INVALID_GROUP_ID, so the same error here is the one that ends the loop, and says why.
    if (cluster == NO_ROUTE) {
      this.failed(GroupError.INVALID_GROUP_ID);
      return;
    }
    const channel = this.mesh.forwardChannels[cluster];
    if (channel === null) {
      // Config validation keeps group rules on native clusters; kept for safety.
      this.failed(GroupError.COORDINATOR_NOT_AVAILABLE);
      return;
    }
    const message = new ForwardMessage(this.apiKey, this.apiVersion, this.body, this.clientId);
    this.memoryBytes += channel.submit(message, this.timeoutMs, new WholeCall(this), this.mesh.metrics.nowMillis());
  }

  /** The cluster's answer: kept when it parses as this api and version's response. */
  answered(answer: Uint8Array): bool {
    if (this.done) return true;
    const r = forwardAnswerBody(answer, this.apiKey, this.apiVersion);
    if (r === null || !parsesAsResponse(this.apiKey, this.apiVersion, r)) return false;
    this.answer = answer;
    this.memoryBytes += answer.length; // held until written, as every answer
    this.done = true;
    this.notifyReady();
    return true;
  }

  failed(code: i16): void {
    if (this.done) return;
    if (this.cluster != NO_ROUTE) this.mesh.metrics.upstreamError(this.mesh.config.clusters[this.cluster].name, code);
    this.errorCode = code;
    this.done = true;
    this.notifyReady();
  }

  finished(): bool {
    return this.done;
  }

  computeAnswer(w: Writer): bool {
    const answer = this.answer;
    if (answer !== null) {
      withCorrelationId(answer, this.correlationId);
      w.int32(answer.length);
      w.bytes(answer);
      return true;
    }
    const start = beginResponse(w, this.correlationId, responseHeaderVersion(this.apiKey, this.apiVersion));
    encodeErrorResponse(w, this.apiKey, this.apiVersion, this.errorCode);
    endResponse(w, start);
    return true;
  }
}

function parsesAsResponse(apiKey: i16, version: i16, r: Reader): bool {
  if (apiKey == ApiKey.JoinGroup) JoinGroupResponse.decode(r, version);
  else if (apiKey == ApiKey.SyncGroup) SyncGroupResponse.decode(r, version);
  else if (apiKey == ApiKey.Heartbeat) HeartbeatResponse.decode(r, version);
  else if (apiKey == ApiKey.LeaveGroup) LeaveGroupResponse.decode(r, version);
  else return false;
  return parsedWhole(r);
}

/** The body a broker answers with an error only (the requests' getErrorResponse). */
function encodeErrorResponse(w: Writer, apiKey: i16, version: i16, code: i16): void {
  if (apiKey == ApiKey.JoinGroup) {
    const resp = new JoinGroupResponse();
    resp.errorCode = code;
    resp.generationId = -1;
    resp.protocolName = version >= 7 ? null : "";
    resp.leader = "";
    resp.memberId = "";
    resp.encode(w, version);
  } else if (apiKey == ApiKey.SyncGroup) {
    const resp = new SyncGroupResponse();
    resp.errorCode = code;
    resp.encode(w, version);
  } else if (apiKey == ApiKey.Heartbeat) {
    const resp = new HeartbeatResponse();
    resp.errorCode = code;
    resp.encode(w, version);
  } else {
    const resp = new LeaveGroupResponse();
    resp.errorCode = code;
    resp.encode(w, version);
  }
}
