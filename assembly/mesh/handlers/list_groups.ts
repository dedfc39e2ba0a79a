// ListGroups: asked of every cluster a group rule names; each cluster's answer keeps only the
// groups the rules place on it (OffsetCommit leaves simple groups of the same id on the
// clusters of a group's topics, which are not where the group lives).
import { ApiKey, responseHeaderVersion } from "../../kafka/messages/api_keys";
import { ListGroupsRequest } from "../../kafka/messages/list_groups_request";
import { ListGroupsResponse } from "../../kafka/messages/list_groups_response";
import { Reader, Writer } from "../../kafka/wire";
import { MeshContext } from "../context";
import { Operation, ResourceType } from "../../auth/acl";
import { beginResponse, endResponse } from "../inflight";
import { GroupError, parsedWhole, PartOwner, sendPart, written } from "./forwarding";

class ListPart {
  answer: ListGroupsResponse | null = null;
  done: bool = false;
  constructor(public cluster: i32) {}
}

export class ListGroupsRequestHandler extends PartOwner {
  private parts: Array<ListPart> = [];
  private waiting: i32 = 0;

  constructor(apiVersion: i16, correlationId: i32, private request: ListGroupsRequest, private mesh: MeshContext) {
    super(ApiKey.ListGroups, apiVersion, correlationId);
  }

  startProcessing(): void {
    const rules = this.mesh.config.groupRules;
    for (let i = 0; i < rules.length; i++) {
      const cluster = rules[i].clusterIndex;
      let known = false;
      for (let p = 0; p < this.parts.length; p++) if (this.parts[p].cluster == cluster) known = true;
      if (!known) this.parts.push(new ListPart(cluster));
    }
    const w = new Writer();
    this.request.encode(w, this.apiVersion);
    const body = written(w);
    this.waiting = this.parts.length;
    for (let p = 0; p < this.parts.length; p++) {
      const held = sendPart(this.mesh, this, p, this.parts[p].cluster, ApiKey.ListGroups, this.apiVersion, body, <i64>this.mesh.config.upstreamTimeoutMs);
      if (held < 0) this.partFailed(p, "no forward channel");
      else this.memoryBytes += held;
    }
  }

  partAnswered(part: i32, body: Reader): bool {
    const resp = ListGroupsResponse.decode(body, this.apiVersion);
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
    const response = new ListGroupsResponse();
    for (let p = 0; p < this.parts.length; p++) {
      const part = this.parts[p];
      const answer = part.answer;
      if (answer === null) {
        // A cluster that did not answer fails the listing, as one broker's failure fails
        // Kafka's Admin listing (it retries COORDINATOR_NOT_AVAILABLE).
        if (response.errorCode == 0) response.errorCode = GroupError.COORDINATOR_NOT_AVAILABLE;
        continue;
      }
      response.throttleTimeMs = max(response.throttleTimeMs, answer.throttleTimeMs);
      if (response.errorCode == 0) response.errorCode = answer.errorCode;
      for (let i = 0; i < answer.groups.length; i++) {
        const g = answer.groups[i];
        // Only the groups the principal may describe, as a broker lists them without Cluster DESCRIBE.
        if (this.mesh.router.routeGroup(g.groupId) == part.cluster &&
          this.session.allows("ListGroups", Operation.DESCRIBE, ResourceType.GROUP, g.groupId, false)) response.groups.push(g);
      }
    }
    const start = beginResponse(w, this.correlationId, responseHeaderVersion(ApiKey.ListGroups, this.apiVersion));
    response.encode(w, this.apiVersion);
    endResponse(w, start);
    return true;
  }
}
