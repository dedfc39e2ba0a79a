// OffsetFetch: committed offsets live with their topic (offset_commit.ts), so the request is
// split by topic to each topic's cluster, and an all-topics request (null topics) asks every
// native cluster and keeps from each only the topics the forwarding rules place there. v8+
// asks for several groups at once; each group is merged on its own.
//
// A group-level error from any cluster (COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR,
// COORDINATOR_NOT_AVAILABLE, GROUP_AUTHORIZATION_FAILED, ...) is passed on for the whole
// group, the first one in cluster order: clients retry the whole request on those.
import { KafkaError } from "../../kafka/errors";
import { ApiKey, responseHeaderVersion } from "../../kafka/messages/api_keys";
import {
  OffsetFetchRequest,
  OffsetFetchRequestGroup,
  OffsetFetchRequestTopic,
  OffsetFetchRequestTopics,
} from "../../kafka/messages/offset_fetch_request";
import {
  OffsetFetchResponse,
  OffsetFetchResponseGroup,
  OffsetFetchResponsePartition,
  OffsetFetchResponsePartitions,
  OffsetFetchResponseTopic,
  OffsetFetchResponseTopics,
} from "../../kafka/messages/offset_fetch_response";
import { Reader, Writer } from "../../kafka/wire";
import { MeshContext } from "../context";
import { Operation, ResourceType } from "../../auth/acl";
import { beginResponse, endResponse } from "../inflight";
import { NO_ROUTE } from "../routing";
import { GroupError, hasForwardChannel, parsedWhole, PartOwner, sendPart, written } from "./forwarding";

/** First version with a groups array (KIP-709). */
const GROUPS_VERSION: i16 = 8;
/** First version with a top-level error code. */
const TOP_ERROR_VERSION: i16 = 2;

class PartitionOffset {
  offset: i64 = -1;
  leaderEpoch: i32 = -1;
  metadata: string | null = "";
  constructor(
    public index: i32,
    public errorCode: i16,
  ) {}
}

class TopicOffsets {
  partitions: Array<PartitionOffset> = [];
  constructor(public name: string) {}
}

/** One group's answer from one cluster, whatever the version. */
class GroupOffsets {
  errorCode: i16 = 0;
  topics: Array<TopicOffsets> = [];
}

class AskTopic {
  cluster: i32 = NO_ROUTE;
  error: i16 = 0;
  constructor(
    public name: string,
    public partitions: Array<i32>,
  ) {}
}

class AskGroup {
  cluster: i32 = NO_ROUTE;
  error: i16 = 0;
  constructor(
    public groupId: string,
    public memberId: string | null,
    public memberEpoch: i32,
    /** null: every topic. */
    public topics: Array<AskTopic> | null,
  ) {}
}

/** What one cluster is asked: some topics (or all) of some groups. */
class FetchPart {
  /** Indexes of the groups asked, and per group the indexes of its topics (null: all). */
  groups: Array<i32> = [];
  topics: Array<Array<i32> | null> = [];
  /** Per group asked: its answer (null when the cluster left the group out). */
  answers: Array<GroupOffsets | null> = [];
  done: bool = false;
  failed: bool = false;
  constructor(public cluster: i32) {}

  slot(group: i32): i32 {
    for (let i = 0; i < this.groups.length; i++) if (this.groups[i] == group) return i;
    return -1;
  }
}

function fromV7(topics: Array<OffsetFetchResponseTopic>): Array<TopicOffsets> {
  const out = new Array<TopicOffsets>();
  for (let t = 0; t < topics.length; t++) {
    const to = new TopicOffsets(topics[t].name);
    const parts = topics[t].partitions;
    for (let p = 0; p < parts.length; p++) {
      const po = new PartitionOffset(parts[p].partitionIndex, parts[p].errorCode);
      po.offset = parts[p].committedOffset;
      po.leaderEpoch = parts[p].committedLeaderEpoch;
      po.metadata = parts[p].metadata;
      to.partitions.push(po);
    }
    out.push(to);
  }
  return out;
}

function fromV8(topics: Array<OffsetFetchResponseTopics>): Array<TopicOffsets> {
  const out = new Array<TopicOffsets>();
  for (let t = 0; t < topics.length; t++) {
    const to = new TopicOffsets(topics[t].name);
    const parts = topics[t].partitions;
    for (let p = 0; p < parts.length; p++) {
      const po = new PartitionOffset(parts[p].partitionIndex, parts[p].errorCode);
      po.offset = parts[p].committedOffset;
      po.leaderEpoch = parts[p].committedLeaderEpoch;
      po.metadata = parts[p].metadata;
      to.partitions.push(po);
    }
    out.push(to);
  }
  return out;
}

function askTopics(list: Array<OffsetFetchRequestTopic>): Array<AskTopic> {
  const out = new Array<AskTopic>();
  for (let t = 0; t < list.length; t++) out.push(new AskTopic(list[t].name, list[t].partitionIndexes));
  return out;
}

function askTopicsV8(list: Array<OffsetFetchRequestTopics>): Array<AskTopic> {
  const out = new Array<AskTopic>();
  for (let t = 0; t < list.length; t++) out.push(new AskTopic(list[t].name, list[t].partitionIndexes));
  return out;
}

function errorTopic(ask: AskTopic, code: i16): TopicOffsets {
  const to = new TopicOffsets(ask.name);
  for (let p = 0; p < ask.partitions.length; p++) to.partitions.push(new PartitionOffset(ask.partitions[p], code));
  return to;
}

export class OffsetFetchRequestHandler extends PartOwner {
  private groups: Array<AskGroup> = [];
  private parts: Array<FetchPart> = [];
  private waiting: i32 = 0;
  private throttleTimeMs: i32 = 0;

  constructor(apiVersion: i16, correlationId: i32, private request: OffsetFetchRequest, private mesh: MeshContext) {
    super(ApiKey.OffsetFetch, apiVersion, correlationId);
  }

  /** The request's groups in one form: v1-7 ask for one group. */
  private readGroups(): void {
    const req = this.request;
    if (this.apiVersion < GROUPS_VERSION) {
      const list = req.topics;
      let topics: Array<AskTopic> | null = null;
      if (list !== null) topics = askTopics(list);
      this.groups.push(new AskGroup(req.groupId, null, -1, topics));
      return;
    }
    for (let g = 0; g < req.groups.length; g++) {
      const rg = req.groups[g];
      const list = rg.topics;
      let topics: Array<AskTopic> | null = null;
      if (list !== null) topics = askTopicsV8(list);
      this.groups.push(new AskGroup(rg.groupId, rg.memberId, rg.memberEpoch, topics));
    }
  }

  private partFor(cluster: i32): FetchPart {
    for (let p = 0; p < this.parts.length; p++) if (this.parts[p].cluster == cluster) return this.parts[p];
    const part = new FetchPart(cluster);
    this.parts.push(part);
    return part;
  }

  /** Adds topic t of group g (or all its topics, t < 0) to cluster's part. */
  private ask(cluster: i32, g: i32, t: i32): void {
    const part = this.partFor(cluster);
    let slot = part.slot(g);
    if (slot < 0) {
      slot = part.groups.length;
      part.groups.push(g);
      part.topics.push(t < 0 ? null : new Array<i32>());
      part.answers.push(null);
    }
    const list = part.topics[slot];
    if (list !== null) list.push(t);
  }

  startProcessing(): void {
    const mesh = this.mesh;
    this.readGroups();
    for (let g = 0; g < this.groups.length; g++) {
      const group = this.groups[g];
      // As KafkaApis: DESCRIBE on the group, then on each topic asked for.
      if (!this.session.allows("OffsetFetch", Operation.DESCRIBE, ResourceType.GROUP, group.groupId)) {
        group.error = GroupError.GROUP_AUTHORIZATION_FAILED;
        continue;
      }
      group.cluster = mesh.router.routeGroup(group.groupId);
      // FindCoordinator refused the group: the same error as the group APIs (group_forward.ts).
      if (group.cluster == NO_ROUTE) {
        group.error = GroupError.INVALID_GROUP_ID;
        continue;
      }
      const topics = group.topics;
      if (topics === null) {
        for (let c = 0; c < mesh.forwardChannels.length; c++) if (hasForwardChannel(mesh, c)) this.ask(c, g, -1);
        continue;
      }
      for (let t = 0; t < topics.length; t++) {
        const topic = topics[t];
        topic.cluster = mesh.router.route(topic.name);
        if (!this.session.allows("OffsetFetch", Operation.DESCRIBE, ResourceType.TOPIC, topic.name)) topic.error = KafkaError.TOPIC_AUTHORIZATION_FAILED;
        else if (topic.cluster == NO_ROUTE) topic.error = KafkaError.UNKNOWN_TOPIC_OR_PARTITION;
        // Strimzi clusters cannot read committed offsets back (docs/consumers.md).
        else if (!hasForwardChannel(mesh, topic.cluster)) topic.error = KafkaError.UNSUPPORTED_VERSION;
        else this.ask(topic.cluster, g, t);
      }
    }
    this.waiting = this.parts.length;
    for (let p = 0; p < this.parts.length; p++) {
      const part = this.parts[p];
      const held = sendPart(mesh, this, p, part.cluster, ApiKey.OffsetFetch, this.apiVersion, this.encodePart(part), <i64>mesh.config.upstreamTimeoutMs);
      if (held < 0) this.partFailed(p, "no forward channel");
      else this.memoryBytes += held;
    }
  }

  private encodePart(part: FetchPart): Uint8Array {
    const sub = new OffsetFetchRequest();
    sub.requireStable = this.request.requireStable;
    for (let i = 0; i < part.groups.length; i++) {
      const group = this.groups[part.groups[i]];
      const picked = part.topics[i];
      // picked is null exactly when the group asks for all topics (asked is null).
      const asked = group.topics;
      if (this.apiVersion < GROUPS_VERSION) {
        sub.groupId = group.groupId;
        if (picked === null || asked === null) sub.topics = null;
        else {
          const list = new Array<OffsetFetchRequestTopic>();
          for (let j = 0; j < picked.length; j++) {
            const ask = asked[picked[j]];
            const t = new OffsetFetchRequestTopic();
            t.name = ask.name;
            t.partitionIndexes = ask.partitions;
            list.push(t);
          }
          sub.topics = list;
        }
        continue;
      }
      const rg = new OffsetFetchRequestGroup();
      rg.groupId = group.groupId;
      // The member (v9, consumer-protocol groups) is known only where the group lives.
      if (part.cluster == group.cluster) {
        rg.memberId = group.memberId;
        rg.memberEpoch = group.memberEpoch;
      }
      if (picked === null || asked === null) rg.topics = null;
      else {
        const list = new Array<OffsetFetchRequestTopics>();
        for (let j = 0; j < picked.length; j++) {
          const ask = asked[picked[j]];
          const t = new OffsetFetchRequestTopics();
          t.name = ask.name;
          t.partitionIndexes = ask.partitions;
          list.push(t);
        }
        rg.topics = list;
      }
      sub.groups.push(rg);
    }
    const w = new Writer();
    sub.encode(w, this.apiVersion);
    return written(w);
  }

  partAnswered(part: i32, body: Reader): bool {
    const resp = OffsetFetchResponse.decode(body, this.apiVersion);
    if (!parsedWhole(body)) return false;
    const p = this.parts[part];
    if (p.done) return true;
    this.throttleTimeMs = max(this.throttleTimeMs, resp.throttleTimeMs);
    if (this.apiVersion < GROUPS_VERSION) {
      const one = new GroupOffsets();
      one.errorCode = resp.errorCode;
      one.topics = fromV7(resp.topics);
      p.answers[0] = one;
    } else {
      for (let i = 0; i < p.groups.length; i++) {
        const id = this.groups[p.groups[i]].groupId;
        for (let j = 0; j < resp.groups.length; j++) {
          const rg = resp.groups[j];
          if (rg.groupId != id) continue;
          const one = new GroupOffsets();
          one.errorCode = rg.errorCode;
          one.topics = fromV8(rg.topics);
          p.answers[i] = one;
          break;
        }
      }
    }
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
    p.failed = true;
    this.waiting--;
    this.notifyReady();
  }

  finished(): bool {
    return this.waiting <= 0;
  }

  /** The group's error: its own, or the first group-level error (or lost part) in cluster order. */
  private groupError(g: i32): i16 {
    const group = this.groups[g];
    if (group.error != 0) return group.error;
    for (let p = 0; p < this.parts.length; p++) {
      const part = this.parts[p];
      const slot = part.slot(g);
      if (slot < 0) continue;
      const answer = part.answers[slot];
      if (part.failed || answer === null) return GroupError.COORDINATOR_NOT_AVAILABLE;
      if (answer.errorCode != 0) return answer.errorCode;
    }
    return 0;
  }

  /** Group g's answer from cluster's part (known answered: groupError was NONE). */
  private answerOf(g: i32, cluster: i32): GroupOffsets | null {
    for (let p = 0; p < this.parts.length; p++) {
      const part = this.parts[p];
      if (part.cluster != cluster) continue;
      const slot = part.slot(g);
      return slot < 0 ? null : part.answers[slot];
    }
    return null;
  }

  /** The topics of group g's answer, in request order (all topics: in cluster order). */
  private mergedTopics(g: i32): Array<TopicOffsets> {
    const group = this.groups[g];
    const out = new Array<TopicOffsets>();
    const asked = group.topics;
    if (asked === null) {
      for (let p = 0; p < this.parts.length; p++) {
        const part = this.parts[p];
        const slot = part.slot(g);
        if (slot < 0) continue;
        const answer = part.answers[slot];
        if (answer === null) continue;
        // A cluster also holds offsets of topics the rules now send elsewhere: not shown; nor
        // those the principal may not describe, as a broker filters them.
        for (let t = 0; t < answer.topics.length; t++) {
          const name = answer.topics[t].name;
          if (this.mesh.router.route(name) == part.cluster &&
            this.session.allows("OffsetFetch", Operation.DESCRIBE, ResourceType.TOPIC, name, false)) out.push(answer.topics[t]);
        }
      }
      return out;
    }
    for (let t = 0; t < asked.length; t++) {
      const ask = asked[t];
      if (ask.error != 0) {
        out.push(errorTopic(ask, ask.error));
        continue;
      }
      const answer = this.answerOf(g, ask.cluster);
      let found: TopicOffsets | null = null;
      if (answer !== null) {
        for (let i = 0; i < answer.topics.length; i++) {
          if (answer.topics[i].name == ask.name) {
            found = answer.topics[i];
            break;
          }
        }
      }
      const to = new TopicOffsets(ask.name);
      for (let i = 0; i < ask.partitions.length; i++) {
        const index = ask.partitions[i];
        let po: PartitionOffset | null = null;
        if (found !== null) {
          const parts = found.partitions;
          if (i < parts.length && parts[i].index == index) po = parts[i];
          else for (let j = 0; j < parts.length && po === null; j++) if (parts[j].index == index) po = parts[j];
        }
        // Left out of the cluster's answer: an error, never a made-up "no offset".
        to.partitions.push(po !== null ? po : new PartitionOffset(index, KafkaError.UNKNOWN_SERVER_ERROR));
      }
      out.push(to);
    }
    return out;
  }

  computeAnswer(w: Writer): bool {
    const response = new OffsetFetchResponse();
    response.throttleTimeMs = this.throttleTimeMs;
    if (this.apiVersion < GROUPS_VERSION) {
      const error = this.groupError(0);
      let topics: Array<TopicOffsets> = [];
      if (error == 0) topics = this.mergedTopics(0);
      else if (this.apiVersion < TOP_ERROR_VERSION) {
        // v1 has no group-level error: every partition asked carries it.
        const asked = this.groups[0].topics;
        if (asked !== null) for (let t = 0; t < asked.length; t++) topics.push(errorTopic(asked[t], error));
      }
      response.errorCode = error;
      for (let t = 0; t < topics.length; t++) {
        const rt = new OffsetFetchResponseTopic();
        rt.name = topics[t].name;
        const parts = topics[t].partitions;
        for (let i = 0; i < parts.length; i++) {
          const rp = new OffsetFetchResponsePartition();
          rp.partitionIndex = parts[i].index;
          rp.committedOffset = parts[i].offset;
          rp.committedLeaderEpoch = parts[i].leaderEpoch;
          rp.metadata = parts[i].metadata;
          rp.errorCode = parts[i].errorCode;
          rt.partitions.push(rp);
        }
        response.topics.push(rt);
      }
    } else {
      for (let g = 0; g < this.groups.length; g++) {
        const rg = new OffsetFetchResponseGroup();
        rg.groupId = this.groups[g].groupId;
        rg.errorCode = this.groupError(g);
        const topics = rg.errorCode == 0 ? this.mergedTopics(g) : new Array<TopicOffsets>();
        for (let t = 0; t < topics.length; t++) {
          const rt = new OffsetFetchResponseTopics();
          rt.name = topics[t].name;
          const parts = topics[t].partitions;
          for (let i = 0; i < parts.length; i++) {
            const rp = new OffsetFetchResponsePartitions();
            rp.partitionIndex = parts[i].index;
            rp.committedOffset = parts[i].offset;
            rp.committedLeaderEpoch = parts[i].leaderEpoch;
            rp.metadata = parts[i].metadata;
            rp.errorCode = parts[i].errorCode;
            rt.partitions.push(rp);
          }
          rg.topics.push(rt);
        }
        response.groups.push(rg);
      }
    }
    const start = beginResponse(w, this.correlationId, responseHeaderVersion(ApiKey.OffsetFetch, this.apiVersion));
    response.encode(w, this.apiVersion);
    endResponse(w, start);
    return true;
  }
}
