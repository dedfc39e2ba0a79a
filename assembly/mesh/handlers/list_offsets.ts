// ListOffsets: split by topic to each topic's cluster, forwarded at the client's version on the
// cluster bridge's Forward channel, the answers merged in request order (docs/consumers.md).
import { KafkaError } from "../../kafka/errors";
import { ApiKey, responseHeaderVersion } from "../../kafka/messages/api_keys";
import { ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic } from "../../kafka/messages/list_offsets_request";
import {
  ListOffsetsPartitionResponse,
  ListOffsetsResponse,
  ListOffsetsTopicResponse,
} from "../../kafka/messages/list_offsets_response";
import { Reader, Writer } from "../../kafka/wire";
import { partitionExists, partitionKey, topicTarget } from "../consumer_routing";
import { Operation } from "../../auth/acl";
import { MeshContext } from "../context";
import { beginResponse, endResponse } from "../inflight";
import { NO_ROUTE } from "../routing";
import { PartOwner, sendPart, written } from "./forwarding";

/** First ListOffsets version with a timeout of its own. */
const TIMEOUT_VERSION: i16 = 10;

class ClusterPart {
  request: ListOffsetsRequest = new ListOffsetsRequest();
  done: bool = false;
  throttleTimeMs: i32 = 0;
  constructor(public cluster: i32) {}
}

export class ListOffsetsRequestHandler extends PartOwner {
  private clusters: Array<i32> = [];
  private results: Array<Array<ListOffsetsPartitionResponse | null>> = [];
  private parts: Array<ClusterPart> = [];
  private waiting: i32 = 0;
  private startedAt: i64 = 0;

  constructor(apiVersion: i16, correlationId: i32, private request: ListOffsetsRequest, private mesh: MeshContext) {
    super(ApiKey.ListOffsets, apiVersion, correlationId);
  }

  startProcessing(): void {
    const mesh = this.mesh;
    const req = this.request;
    for (let t = 0; t < req.topics.length; t++) {
      const topic = req.topics[t];
      const target = topicTarget(mesh, topic.name, this.session, "ListOffsets", Operation.DESCRIBE);
      this.clusters.push(target.cluster);
      const results = new Array<ListOffsetsPartitionResponse | null>(topic.partitions.length);
      this.results.push(results);
      let upstreamTopic: ListOffsetsTopic | null = null;
      for (let p = 0; p < topic.partitions.length; p++) {
        const asked = topic.partitions[p];
        if (target.cluster == NO_ROUTE) {
          results[p] = failedPartition(asked.partitionIndex, target.errorCode);
          continue;
        }
        if (!partitionExists(mesh, target.cluster, asked.partitionIndex)) {
          results[p] = failedPartition(asked.partitionIndex, KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        if (upstreamTopic === null) {
          upstreamTopic = new ListOffsetsTopic();
          upstreamTopic.name = topic.name;
          this.partFor(target.cluster).request.topics.push(upstreamTopic);
        }
        const sent = new ListOffsetsPartition();
        sent.partitionIndex = asked.partitionIndex;
        sent.timestamp = asked.timestamp;
        // The client's epoch is the mesh Metadata's (always 0), not the cluster's: -1 asks for no check.
        sent.currentLeaderEpoch = -1;
        upstreamTopic.partitions.push(sent);
      }
    }

    this.startedAt = mesh.metrics.nowMillis();
    this.waiting = this.parts.length;
    const timeout = <i64>this.upstreamTimeout();
    for (let i = 0; i < this.parts.length; i++) {
      const part = this.parts[i];
      const body = new Writer(32 + 32 * part.request.topics.length);
      part.request.encode(body, this.apiVersion);
      const held = sendPart(mesh, this, i, part.cluster, ApiKey.ListOffsets, this.apiVersion, written(body), timeout);
      if (held < 0) this.completePart(i, null, KafkaError.UNSUPPORTED_VERSION);
      else this.memoryBytes += held;
    }
  }

  /** The request's own timeout (v10) within upstream_timeout_ms; upstream_timeout_ms before v10. */
  private upstreamTimeout(): i32 {
    const limit = this.mesh.config.upstreamTimeoutMs;
    const asked = this.request.timeoutMs;
    if (this.apiVersion < TIMEOUT_VERSION || asked <= 0) return limit;
    return min(asked, limit);
  }

  private partFor(cluster: i32): ClusterPart {
    for (let i = 0; i < this.parts.length; i++) if (this.parts[i].cluster == cluster) return this.parts[i];
    const part = new ClusterPart(cluster);
    part.request.replicaId = -1; // a consumer, whatever the client claims
    part.request.isolationLevel = this.request.isolationLevel;
    part.request.timeoutMs = this.upstreamTimeout();
    this.parts.push(part);
    return part;
  }

  partAnswered(i: i32, r: Reader): bool {
    const response = ListOffsetsResponse.decode(r, this.apiVersion);
    if (r.failed || r.remaining() != 0) return false;
    this.completePart(i, response, KafkaError.NONE);
    return true;
  }

  /** Part i answered (response) or failed (null, failCode): its partitions' results are set. */
  completePart(i: i32, response: ListOffsetsResponse | null, failCode: i16): void {
    const part = this.parts[i];
    if (part.done) return;
    part.done = true;
    const cluster = this.mesh.config.clusters[part.cluster].name;
    const answered = new Map<string, ListOffsetsPartitionResponse>();
    if (response !== null) {
      this.mesh.metrics.upstreamLatency(cluster, this.mesh.metrics.nowMillis() - this.startedAt);
      part.throttleTimeMs = response.throttleTimeMs;
      for (let t = 0; t < response.topics.length; t++) {
        const topic = response.topics[t];
        for (let p = 0; p < topic.partitions.length; p++) {
          answered.set(partitionKey(topic.name, topic.partitions[p].partitionIndex), topic.partitions[p]);
        }
      }
    }
    for (let t = 0; t < this.clusters.length; t++) {
      if (this.clusters[t] != part.cluster) continue;
      const name = this.request.topics[t].name;
      const results = this.results[t];
      for (let p = 0; p < results.length; p++) {
        if (results[p] !== null) continue;
        const index = this.request.topics[t].partitions[p].partitionIndex;
        const key = partitionKey(name, index);
        if (answered.has(key)) {
          results[p] = clientPartition(answered.get(key));
        } else {
          const code = response === null ? failCode : KafkaError.NOT_LEADER_OR_FOLLOWER;
          results[p] = failedPartition(index, code);
          this.mesh.metrics.upstreamError(cluster, code);
        }
      }
    }
    this.waiting--;
    this.notifyReady();
  }

  /** Part i got no answer: NOT_LEADER_OR_FOLLOWER makes clients refresh metadata and retry. */
  partFailed(i: i32, message: string): void {
    this.completePart(i, null, KafkaError.NOT_LEADER_OR_FOLLOWER);
  }

  finished(): bool {
    return this.waiting <= 0;
  }

  computeAnswer(w: Writer): bool {
    const response = new ListOffsetsResponse();
    for (let i = 0; i < this.parts.length; i++) {
      response.throttleTimeMs = max(response.throttleTimeMs, this.parts[i].throttleTimeMs);
    }
    for (let t = 0; t < this.request.topics.length; t++) {
      const asked = this.request.topics[t];
      const topic = new ListOffsetsTopicResponse();
      topic.name = asked.name;
      const results = this.results[t];
      for (let p = 0; p < results.length; p++) {
        const r = results[p];
        topic.partitions.push(r !== null ? r : failedPartition(asked.partitions[p].partitionIndex, KafkaError.NOT_LEADER_OR_FOLLOWER));
      }
      response.topics.push(topic);
    }
    const start = beginResponse(w, this.correlationId, responseHeaderVersion(ApiKey.ListOffsets, this.apiVersion));
    response.encode(w, this.apiVersion);
    endResponse(w, start);
    return true;
  }
}

function failedPartition(index: i32, code: i16): ListOffsetsPartitionResponse {
  const r = new ListOffsetsPartitionResponse();
  r.partitionIndex = index;
  r.errorCode = code;
  r.timestamp = -1;
  r.offset = -1;
  r.leaderEpoch = -1;
  return r;
}

/**
 * The cluster's answer for a partition, without its leader epoch: the mesh's Metadata gives
 * every partition epoch 0, and a client that saw the cluster's (larger) epoch here would take
 * the mesh's Metadata for stale. -1 is what a broker answers when it knows no epoch.
 */
function clientPartition(from: ListOffsetsPartitionResponse): ListOffsetsPartitionResponse {
  const r = new ListOffsetsPartitionResponse();
  r.partitionIndex = from.partitionIndex;
  r.errorCode = from.errorCode;
  r.timestamp = from.timestamp;
  r.offset = from.offset;
  r.leaderEpoch = -1;
  return r;
}
