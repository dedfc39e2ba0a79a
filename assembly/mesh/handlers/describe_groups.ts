// DescribeGroups: split by group to the cluster each group lives on (group_rules), one message
// per cluster at the client's version, the answers merged in request order.
import { ApiKey, responseHeaderVersion } from "../../kafka/messages/api_keys";
import { DescribeGroupsRequest } from "../../kafka/messages/describe_groups_request";
import { DescribedGroup, DescribeGroupsResponse } from "../../kafka/messages/describe_groups_response";
import { Reader, Writer } from "../../kafka/wire";
import { MeshContext } from "../context";
import { beginResponse, endResponse } from "../inflight";
import { Operation, ResourceType } from "../../auth/acl";
import { NO_ROUTE } from "../routing";
import { GroupError, parsedWhole, PartOwner, sendPart, written } from "./forwarding";

class DescribePart {
  groups: Array<string> = [];
  answer: DescribeGroupsResponse | null = null;
  done: bool = false;
  constructor(public cluster: i32) {}
}

/** A group answered with an error only, as a broker's DescribeGroupsResponse.groupError. */
function groupError(groupId: string, code: i16, message: string | null): DescribedGroup {
  const g = new DescribedGroup();
  g.groupId = groupId;
  g.errorCode = code;
  g.errorMessage = message;
  return g;
}

/** partOf of a group the principal may not describe. */
const DENIED: i32 = -2;

export class DescribeGroupsRequestHandler extends PartOwner {
  private parts: Array<DescribePart> = [];
  /** Per group of the request: its part, or -1 when no group rule places it. */
  private partOf: Array<i32> = [];
  private waiting: i32 = 0;

  constructor(apiVersion: i16, correlationId: i32, private request: DescribeGroupsRequest, private mesh: MeshContext) {
    super(ApiKey.DescribeGroups, apiVersion, correlationId);
  }

  startProcessing(): void {
    const groups = this.request.groups;
    for (let i = 0; i < groups.length; i++) {
      if (!this.session.allows("DescribeGroups", Operation.DESCRIBE, ResourceType.GROUP, groups[i])) {
        this.partOf.push(DENIED);
        continue;
      }
      const cluster = this.mesh.router.routeGroup(groups[i]);
      if (cluster == NO_ROUTE) {
        this.partOf.push(-1);
        continue;
      }
      let p = 0;
      while (p < this.parts.length && this.parts[p].cluster != cluster) p++;
      if (p == this.parts.length) this.parts.push(new DescribePart(cluster));
      this.parts[p].groups.push(groups[i]);
      this.partOf.push(p);
    }
    // Set before sending: a channel that cannot open fails its part at once.
    this.waiting = this.parts.length;
    for (let p = 0; p < this.parts.length; p++) {
      const part = this.parts[p];
      const req = new DescribeGroupsRequest();
      req.groups = part.groups;
      req.includeAuthorizedOperations = this.request.includeAuthorizedOperations;
      const w = new Writer();
      req.encode(w, this.apiVersion);
      const held = sendPart(this.mesh, this, p, part.cluster, ApiKey.DescribeGroups, this.apiVersion, written(w), <i64>this.mesh.config.upstreamTimeoutMs);
      if (held < 0) this.partFailed(p, "no forward channel");
      else this.memoryBytes += held;
    }
  }

  partAnswered(part: i32, body: Reader): bool {
    const resp = DescribeGroupsResponse.decode(body, this.apiVersion);
    if (!parsedWhole(body)) return false;
    const p = this.parts[part];
    if (p.done) return true;
    p.answer = resp;
    p.done = true;
    this.waiting--;
    this.notifyReady();
    return true;
  }

  partFailed(part: i32, message: string): void {
    const p = this.parts[part];
    if (p.done) return;
    this.mesh.metrics.upstreamError(this.mesh.config.clusters[p.cluster].name, GroupError.COORDINATOR_NOT_AVAILABLE);
    p.done = true;
    this.waiting--;
    this.notifyReady();
  }

  finished(): bool {
    return this.waiting <= 0;
  }

  computeAnswer(w: Writer): bool {
    const response = new DescribeGroupsResponse();
    const groups = this.request.groups;
    for (let i = 0; i < groups.length; i++) {
      const id = groups[i];
      const p = this.partOf[i];
      if (p == DENIED) {
        response.groups.push(groupError(id, GroupError.GROUP_AUTHORIZATION_FAILED, null));
        continue;
      }
      if (p < 0) {
        response.groups.push(groupError(id, GroupError.INVALID_GROUP_ID, "group '" + id + "' matches no group rule of the mesh"));
        continue;
      }
      const answer = this.parts[p].answer;
      let found: DescribedGroup | null = null;
      if (answer !== null) {
        response.throttleTimeMs = max(response.throttleTimeMs, answer.throttleTimeMs);
        for (let j = 0; j < answer.groups.length; j++) {
          if (answer.groups[j].groupId == id) {
            found = answer.groups[j];
            break;
          }
        }
      }
      // No answer for the group (the stream was lost): the client looks the coordinator up again.
      response.groups.push(found !== null ? found : groupError(id, GroupError.COORDINATOR_NOT_AVAILABLE, null));
    }
    const start = beginResponse(w, this.correlationId, responseHeaderVersion(ApiKey.DescribeGroups, this.apiVersion));
    response.encode(w, this.apiVersion);
    endResponse(w, start);
    return true;
  }
}
