// OffsetCommit: offsets live with their topic, so the request is split by topic to each topic's
// cluster, under the same group id, and the answers merged in request order.
//
// Fencing (docs/consumers.md): the part for the group's own cluster carries the member's
// generation, member id and instance id, and that coordinator fences it. Every other cluster
// has no members of the group, so its part goes as a simple commit (generation -1, no member)
// once a Heartbeat of the same member to the group's coordinator said the member is still in
// the current generation (NONE, or REBALANCE_IN_PROGRESS: a member may commit what it owns
// while the group prepares a rebalance). Any other answer fails those parts with it.
import { KafkaError } from "../../kafka/errors";
import { ApiKey, responseHeaderVersion } from "../../kafka/messages/api_keys";
import { HeartbeatRequest } from "../../kafka/messages/heartbeat_request";
import { HeartbeatResponse } from "../../kafka/messages/heartbeat_response";
import { OffsetCommitRequest, OffsetCommitRequestTopic } from "../../kafka/messages/offset_commit_request";
import {
  OffsetCommitResponse,
  OffsetCommitResponsePartition,
  OffsetCommitResponseTopic,
} from "../../kafka/messages/offset_commit_response";
import { Reader, Writer } from "../../kafka/wire";
import { MeshContext } from "../context";
import { Operation, ResourceType } from "../../auth/acl";
import { beginResponse, endResponse } from "../inflight";
import { NO_ROUTE } from "../routing";
import { GroupError, hasForwardChannel, parsedWhole, PartOwner, sendPart, written } from "./forwarding";

/** The part number of the fencing Heartbeat. */
const HEARTBEAT: i32 = -1;
/** Not answered yet. */
const PENDING: i16 = i16.MIN_VALUE;

class CommitPart {
  /** Indexes of the request's topics in this part, in request order. */
  topics: Array<i32> = [];
  body: Uint8Array = new Uint8Array(0);
  answer: OffsetCommitResponse | null = null;
  /** The error of every partition of the part when it has no answer; PENDING until then. */
  failCode: i16 = PENDING;
  constructor(
    public cluster: i32,
    /** The cluster the group lives on: the commit carries the member and is fenced there. */
    public own: bool,
  ) {}
  done(): bool {
    return this.answer !== null || this.failCode != PENDING;
  }
}

export class OffsetCommitRequestHandler extends PartOwner {
  private parts: Array<CommitPart> = [];
  /** Per topic of the request: its part, or -1 with topicError set. */
  private partOf: Array<i32> = [];
  private topicError: Array<i16> = [];
  private heartbeatVersion: i16 = 0;
  private waiting: i32 = 0;

  constructor(apiVersion: i16, correlationId: i32, private request: OffsetCommitRequest, private mesh: MeshContext) {
    super(ApiKey.OffsetCommit, apiVersion, correlationId);
  }

  startProcessing(): void {
    const req = this.request;
    const mesh = this.mesh;
    const groupCluster = mesh.router.routeGroup(req.groupId);
    // As KafkaApis: READ on the group, else every partition fails; then READ on each topic.
    const groupAllowed = this.session.allows("OffsetCommit", Operation.READ, ResourceType.GROUP, req.groupId);
    for (let t = 0; t < req.topics.length; t++) {
      const name = req.topics[t].name;
      const cluster = groupAllowed ? mesh.router.route(name) : NO_ROUTE;
      let error: i16 = KafkaError.NONE;
      if (!groupAllowed) error = GroupError.GROUP_AUTHORIZATION_FAILED;
      else if (!this.session.allows("OffsetCommit", Operation.READ, ResourceType.TOPIC, name)) error = KafkaError.TOPIC_AUTHORIZATION_FAILED;
      else if (cluster == NO_ROUTE) error = KafkaError.UNKNOWN_TOPIC_OR_PARTITION;
      // Strimzi clusters have no call that commits (docs/consumers.md, "Strimzi dialect").
      else if (!hasForwardChannel(mesh, cluster)) error = KafkaError.UNSUPPORTED_VERSION;
      // FindCoordinator refused the group: the same error as the group APIs (group_forward.ts).
      else if (groupCluster == NO_ROUTE) error = GroupError.INVALID_GROUP_ID;
      this.topicError.push(error);
      if (error != KafkaError.NONE) {
        this.partOf.push(-1);
        continue;
      }
      let p = 0;
      while (p < this.parts.length && this.parts[p].cluster != cluster) p++;
      if (p == this.parts.length) this.parts.push(new CommitPart(cluster, cluster == groupCluster));
      this.parts[p].topics.push(t);
      this.partOf.push(p);
    }

    let others = 0;
    for (let p = 0; p < this.parts.length; p++) {
      const part = this.parts[p];
      part.body = this.encodePart(part);
      // Parts sent after the Heartbeat count from now: memoryBytes is read once started.
      this.memoryBytes += part.body.length;
      if (!part.own) others++;
    }
    this.waiting = this.parts.length;
    const fenced = others > 0 && req.generationIdOrMemberEpoch >= 0;
    let heartbeat: Uint8Array | null = null;
    if (fenced) {
      heartbeat = this.encodeHeartbeat();
      this.memoryBytes += heartbeat.length;
    }
    for (let p = 0; p < this.parts.length; p++) {
      if (this.parts[p].own || !fenced) this.send(p);
    }
    if (heartbeat !== null) {
      const timeout = <i64>mesh.config.upstreamTimeoutMs;
      const held = sendPart(mesh, this, HEARTBEAT, groupCluster, ApiKey.Heartbeat, this.heartbeatVersion, heartbeat, timeout);
      if (held < 0) this.partFailed(HEARTBEAT, "no forward channel");
    }
  }

  /** The request for one cluster: its topics, and the member only where the group lives. */
  private encodePart(part: CommitPart): Uint8Array {
    const req = this.request;
    const sub = new OffsetCommitRequest();
    sub.groupId = req.groupId;
    sub.retentionTimeMs = req.retentionTimeMs;
    if (part.own) {
      sub.generationIdOrMemberEpoch = req.generationIdOrMemberEpoch;
      sub.memberId = req.memberId;
      sub.groupInstanceId = req.groupInstanceId;
    } else {
      sub.generationIdOrMemberEpoch = -1;
      sub.memberId = "";
      sub.groupInstanceId = null;
    }
    const topics = new Array<OffsetCommitRequestTopic>();
    for (let i = 0; i < part.topics.length; i++) topics.push(req.topics[part.topics[i]]);
    sub.topics = topics;
    const w = new Writer();
    sub.encode(w, this.apiVersion);
    return written(w);
  }

  /** The Heartbeat of the committing member, at the lowest version that carries what it has. */
  private encodeHeartbeat(): Uint8Array {
    const req = this.request;
    const hb = new HeartbeatRequest();
    hb.groupId = req.groupId;
    hb.generationId = req.generationIdOrMemberEpoch;
    hb.memberId = req.memberId;
    hb.groupInstanceId = req.groupInstanceId;
    // v3 is the first with the group instance id (static membership).
    this.heartbeatVersion = req.groupInstanceId !== null ? 3 : 0;
    const w = new Writer();
    hb.encode(w, this.heartbeatVersion);
    return written(w);
  }

  private send(p: i32): void {
    const part = this.parts[p];
    const held = sendPart(this.mesh, this, p, part.cluster, ApiKey.OffsetCommit, this.apiVersion, part.body, <i64>this.mesh.config.upstreamTimeoutMs);
    if (held < 0) this.fail(p, KafkaError.UNSUPPORTED_VERSION);
  }

  private fail(p: i32, code: i16): void {
    const part = this.parts[p];
    if (part.done()) return;
    part.failCode = code;
    this.waiting--;
    this.notifyReady();
  }

  /** The Heartbeat's answer: the other clusters' parts go, or fail with its error. */
  private fenceAnswered(code: i16): void {
    for (let p = 0; p < this.parts.length; p++) {
      if (this.parts[p].own) continue;
      if (code == KafkaError.NONE || code == GroupError.REBALANCE_IN_PROGRESS) this.send(p);
      else this.fail(p, code);
    }
  }

  partAnswered(part: i32, body: Reader): bool {
    if (part == HEARTBEAT) {
      const hb = HeartbeatResponse.decode(body, this.heartbeatVersion);
      if (!parsedWhole(body)) return false;
      this.fenceAnswered(hb.errorCode);
      return true;
    }
    const resp = OffsetCommitResponse.decode(body, this.apiVersion);
    if (!parsedWhole(body)) return false;
    const p = this.parts[part];
    if (p.done()) return true;
    p.answer = resp;
    this.waiting--;
    this.notifyReady();
    return true;
  }

  partFailed(part: i32, message: string): void {
    const groupCluster = this.mesh.router.routeGroup(this.request.groupId);
    const cluster = part == HEARTBEAT ? groupCluster : this.parts[part].cluster;
    this.mesh.metrics.upstreamError(this.mesh.config.clusters[cluster].name, GroupError.COORDINATOR_NOT_AVAILABLE);
    if (part == HEARTBEAT) this.fenceAnswered(GroupError.COORDINATOR_NOT_AVAILABLE);
    else this.fail(part, GroupError.COORDINATOR_NOT_AVAILABLE);
  }

  finished(): bool {
    return this.waiting <= 0;
  }

  /** The error the cluster's answer gave partition `index` of topic `name`. */
  private answeredCode(answer: OffsetCommitResponse, name: string, index: i32, hint: i32): i16 {
    for (let t = 0; t < answer.topics.length; t++) {
      const topic = answer.topics[t];
      if (topic.name != name) continue;
      const parts = topic.partitions;
      // Clusters answer in request order: look where the partition was asked first.
      if (hint < parts.length && parts[hint].partitionIndex == index) return parts[hint].errorCode;
      for (let i = 0; i < parts.length; i++) if (parts[i].partitionIndex == index) return parts[i].errorCode;
    }
    // Left out of the cluster's answer: not known to be committed, the client commits again.
    return GroupError.COORDINATOR_NOT_AVAILABLE;
  }

  computeAnswer(w: Writer): bool {
    const response = new OffsetCommitResponse();
    for (let p = 0; p < this.parts.length; p++) {
      const answer = this.parts[p].answer;
      if (answer !== null) response.throttleTimeMs = max(response.throttleTimeMs, answer.throttleTimeMs);
    }
    const topics = this.request.topics;
    for (let t = 0; t < topics.length; t++) {
      const topic = topics[t];
      const tr = new OffsetCommitResponseTopic();
      tr.name = topic.name;
      const p = this.partOf[t];
      for (let i = 0; i < topic.partitions.length; i++) {
        const pr = new OffsetCommitResponsePartition();
        pr.partitionIndex = topic.partitions[i].partitionIndex;
        if (p < 0) pr.errorCode = this.topicError[t];
        else {
          const part = this.parts[p];
          const answer = part.answer;
          pr.errorCode = answer !== null ? this.answeredCode(answer, topic.name, pr.partitionIndex, i) : part.failCode;
        }
        tr.partitions.push(pr);
      }
      response.topics.push(tr);
    }
    const start = beginResponse(w, this.correlationId, responseHeaderVersion(ApiKey.OffsetCommit, this.apiVersion));
    response.encode(w, this.apiVersion);
    endResponse(w, start);
    return true;
  }
}
