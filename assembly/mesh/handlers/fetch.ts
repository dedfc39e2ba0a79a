// Fetch: split by topic to each topic's cluster, one sessionless Fetch per cluster on its bridge's
// Forward channel, the answers merged into one response at the client's version
// (docs/consumers.md, "Fetch across clusters" and "Failures"). The clusters' record batches
// reach the client untouched; every requested partition is answered once, in request order.
import { KafkaError } from "../../kafka/errors";
import { ApiKey, responseHeaderVersion } from "../../kafka/messages/api_keys";
import { FetchPartition, FetchRequest, FetchTopic } from "../../kafka/messages/fetch_request";
import { FetchableTopicResponse, FetchResponse, PartitionData } from "../../kafka/messages/fetch_response";
import { Reader, Writer } from "../../kafka/wire";
import { partitionExists, partitionKey, topicTarget } from "../consumer_routing";
import { Operation } from "../../auth/acl";
import { MeshContext } from "../context";
import { beginResponse, endResponse } from "../inflight";
import { NO_ROUTE } from "../routing";
import { PartOwner, sendPart, written } from "./forwarding";
import { countRecords } from "../../records/batch_walk";
import { FetchReadAhead, nextFetchAfter, PARTITION_OVERHEAD_BYTES, partitionsOf, ReadAheadWaiter, upstreamFetch } from "../fetch_read_ahead";

/** First Fetch version that names topics by id. */
const TOPIC_ID_VERSION: i16 = 13;
/** Highest Fetch version sent to a bridge: the last one that names topics (the mesh's ids mean nothing to a cluster). */
export const UPSTREAM_FETCH_MAX_VERSION: i16 = 12;

/** One cluster's part of the request and, once it came, its answer. */
class ClusterPart {
  request: FetchRequest = new FetchRequest();
  /** Answered partitions by partitionKey(topic, partition); null until answered (or on failure). */
  answered: Map<string, PartitionData> | null = null;
  throttleTimeMs: i32 = 0;
  constructor(public cluster: i32) {}
}

export class FetchRequestHandler extends PartOwner {
  /** Per request topic: its name (resolved from the id on v13+), its cluster or NO_ROUTE. */
  private names: Array<string> = [];
  private clusters: Array<i32> = [];
  /** Per request topic and partition: the answer, set as soon as it is known. */
  private results: Array<Array<PartitionData | null>> = [];
  private parts: Array<ClusterPart> = [];
  private waiting: i32 = 0;
  private upstreamVersion: i16;
  private startedAt: i64 = 0;
  /** Answered from a read-ahead: no upstream call of its own to time. */
  private readAheadHit: bool = false;

  constructor(
    apiVersion: i16,
    correlationId: i32,
    private request: FetchRequest,
    private mesh: MeshContext,
    /** The connection's read-ahead; null: none is used or asked for. */
    private readAhead: FetchReadAhead | null = null,
  ) {
    super(ApiKey.Fetch, apiVersion, correlationId);
    this.upstreamVersion = min(apiVersion, UPSTREAM_FETCH_MAX_VERSION);
  }

  startProcessing(): void {
    const mesh = this.mesh;
    const req = this.request;
    for (let t = 0; t < req.topics.length; t++) {
      const topic = req.topics[t];
      let name: string | null = topic.topic;
      if (this.apiVersion >= TOPIC_ID_VERSION) name = mesh.topics.nameOf(topic.topicId);
      const target = topicTarget(mesh, name, this.session, "Fetch", Operation.READ);
      this.names.push(name === null ? "" : name);
      this.clusters.push(target.cluster);
      const results = new Array<PartitionData | null>(topic.partitions.length);
      this.results.push(results);
      let upstreamTopic: FetchTopic | null = null;
      for (let p = 0; p < topic.partitions.length; p++) {
        const asked = topic.partitions[p];
        if (target.cluster == NO_ROUTE) {
          results[p] = failedPartition(asked.partition, target.errorCode);
          continue;
        }
        if (!partitionExists(mesh, target.cluster, asked.partition)) {
          results[p] = failedPartition(asked.partition, KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        if (upstreamTopic === null) {
          upstreamTopic = new FetchTopic();
          upstreamTopic.topic = this.names[t];
          this.partFor(target.cluster).request.topics.push(upstreamTopic);
        }
        const sent = new FetchPartition();
        sent.partition = asked.partition;
        sent.fetchOffset = asked.fetchOffset;
        sent.logStartOffset = asked.logStartOffset;
        sent.partitionMaxBytes = asked.partitionMaxBytes;
        // The client's epoch is the one the mesh's Metadata hands out (always 0), not the
        // cluster's: sent on, the leader would answer FENCED_LEADER_EPOCH or
        // UNKNOWN_LEADER_EPOCH as soon as its own epoch differs. -1 asks for no check.
        sent.currentLeaderEpoch = -1;
        upstreamTopic.partitions.push(sent);
      }
    }

    this.startedAt = mesh.metrics.nowMillis();
    // Every part counts as waiting before any is sent: a channel may fail a message inside submit.
    this.waiting = this.parts.length;
    // A Fetch of one cluster may find its answer read ahead (fetch_read_ahead.ts).
    const readAhead = this.readAhead;
    if (this.parts.length == 1 && readAhead !== null) {
      const part = this.parts[0];
      if (readAhead.take(part.cluster, this.upstreamVersion, part.request, new ReadAheadUse(this))) return;
    }
    for (let i = 0; i < this.parts.length; i++) this.send(i);
  }

  /** Sends part i to its cluster's bridge. */
  send(i: i32): void {
    const part = this.parts[i];
    const timeout = <i64>max(this.request.maxWaitMs, 0) + <i64>this.mesh.config.upstreamTimeoutMs;
    const body = new Writer(64 + 32 * part.request.topics.length);
    part.request.encode(body, this.upstreamVersion);
    const held = sendPart(this.mesh, this, i, part.cluster, ApiKey.Fetch, this.upstreamVersion, written(body), timeout);
    if (held < 0) this.completePart(i, null, KafkaError.UNSUPPORTED_VERSION);
    else this.memoryBytes += held;
  }

  /** The only part's answer, read ahead: its records count here from now on. */
  answeredAhead(response: FetchResponse, bytes: i64): void {
    this.memoryBytes += bytes;
    this.readAheadHit = true;
    this.completePart(0, response, KafkaError.NONE);
  }

  /** The part of cluster c, made on first use, with the client's request-wide fields. */
  private partFor(cluster: i32): ClusterPart {
    for (let i = 0; i < this.parts.length; i++) if (this.parts[i].cluster == cluster) return this.parts[i];
    const part = new ClusterPart(cluster);
    part.request = upstreamFetch(this.request);
    this.parts.push(part);
    return part;
  }

  /** Part i's answer (after its header): decoded at the upstream version; false when it does not parse. */
  partAnswered(i: i32, r: Reader): bool {
    const held = r.buf.length;
    const response = FetchResponse.decode(r, this.upstreamVersion);
    if (r.failed || r.remaining() != 0) return false;
    // The cluster's records stay here until the answer is written: they count in the budget.
    this.memoryBytes += held;
    this.completePart(i, response, KafkaError.NONE);
    return true;
  }

  /** Part i answered (response) or failed (null, failCode). */
  completePart(i: i32, response: FetchResponse | null, failCode: i16): void {
    const part = this.parts[i];
    if (part.answered !== null) return; // heard once already
    const cluster = this.mesh.config.clusters[part.cluster].name;
    const answered = response === null ? new Map<string, PartitionData>() : partitionsOf(response);
    if (response !== null) {
      if (!this.readAheadHit) this.mesh.metrics.upstreamLatency(cluster, this.mesh.metrics.nowMillis() - this.startedAt);
      part.throttleTimeMs = response.throttleTimeMs;
    }
    part.answered = answered;
    // Every partition of this cluster gets the cluster's answer, or NOT_LEADER_OR_FOLLOWER
    // (a lost or silent stream, or a partition the bridge left out): clients refresh and retry.
    for (let t = 0; t < this.clusters.length; t++) {
      if (this.clusters[t] != part.cluster) continue;
      const results = this.results[t];
      for (let p = 0; p < results.length; p++) {
        if (results[p] !== null) continue;
        const index = this.request.topics[t].partitions[p].partition;
        const key = partitionKey(this.names[t], index);
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

  /**
   * Part i got no answer (lost stream, or an answer that did not parse): NOT_LEADER_OR_FOLLOWER
   * makes clients refresh metadata and retry (docs/consumers.md, "Failures").
   */
  partFailed(i: i32, message: string): void {
    this.completePart(i, null, KafkaError.NOT_LEADER_OR_FOLLOWER);
  }

  finished(): bool {
    return this.waiting <= 0;
  }

  computeAnswer(w: Writer): bool {
    const response = new FetchResponse();
    response.sessionId = 0;
    for (let i = 0; i < this.parts.length; i++) {
      response.throttleTimeMs = max(response.throttleTimeMs, this.parts[i].throttleTimeMs);
    }
    // max_bytes bounds the whole response: in request order, the first partition with records
    // is always kept; past the bound, partitions keep their watermarks but lose their records.
    const maxBytes = <i64>this.request.maxBytes;
    let total: i64 = 0;
    /** Of total, the records the writer copies (large ones are spliced in). */
    let copied: i64 = 0;
    let full = false;
    for (let t = 0; t < this.request.topics.length; t++) {
      const asked = this.request.topics[t];
      const topic = new FetchableTopicResponse();
      topic.topic = asked.topic;
      topic.topicId = asked.topicId;
      const results = this.results[t];
      for (let p = 0; p < results.length; p++) {
        let data = results[p];
        if (data === null) data = failedPartition(asked.partitions[p].partition, KafkaError.NOT_LEADER_OR_FOLLOWER);
        const records = data.records;
        if (records !== null && records.length > 0) {
          const size = records.length;
          if (full || (total > 0 && total + <i64>size > maxBytes)) {
            full = true;
            data.records = new Uint8Array(0);
          } else {
            total += size;
            if (w.copiesRecords(size)) copied += size;
            const cluster = this.mesh.config.clusters[this.clusters[t]].name;
            this.mesh.metrics.fetched(cluster, this.names[t], countRecords(records), size);
          }
        }
        topic.partitions.push(data);
      }
      response.responses.push(topic);
    }
    // Room for the whole answer at once: the records copied are most of it, and growing the
    // writer step by step would copy them again at every step.
    let partitions = 0;
    for (let t = 0; t < this.results.length; t++) partitions += this.results[t].length;
    w.reserve(<i32>min<i64>(copied + <i64>partitions * PARTITION_OVERHEAD_BYTES + <i64>this.results.length * 64 + 64, i32.MAX_VALUE >> 1));
    const start = beginResponse(w, this.correlationId, responseHeaderVersion(ApiKey.Fetch, this.apiVersion));
    response.encode(w, this.apiVersion);
    endResponse(w, start);
    this.readAheadNext();
    return true;
  }

  /**
   * After an answer from one cluster, the Fetch the client sends next (the same, at the offsets
   * after the records it was just given) may be read ahead: when every partition it asked came
   * from that cluster without error.
   */
  private readAheadNext(): void {
    const readAhead = this.readAhead;
    if (readAhead === null || !readAhead.enabled() || this.parts.length != 1) return;
    const given = new Map<string, PartitionData>();
    for (let t = 0; t < this.results.length; t++) {
      const results = this.results[t];
      for (let p = 0; p < results.length; p++) {
        const data = results[p];
        if (data === null || data.errorCode != KafkaError.NONE) return;
        given.set(partitionKey(this.names[t], data.partitionIndex), data);
      }
    }
    const part = this.parts[0];
    readAhead.startAfterAnswer(part.cluster, this.upstreamVersion, nextFetchAfter(part.request, given));
  }
}

/** Hands a matched read-ahead's outcome to the Fetch that took it. */
class ReadAheadUse extends ReadAheadWaiter {
  constructor(private handler: FetchRequestHandler) {
    super();
  }
  readAheadAnswered(response: FetchResponse, bytes: i64): void {
    this.handler.answeredAhead(response, bytes);
  }
  readAheadUnusable(): void {
    this.handler.send(0);
  }
}

/** A partition the mesh answers itself, as a broker answers one in error: no records, no watermarks. */
function failedPartition(index: i32, code: i16): PartitionData {
  const data = new PartitionData();
  data.partitionIndex = index;
  data.errorCode = code;
  data.highWatermark = -1;
  data.lastStableOffset = -1;
  data.logStartOffset = -1;
  data.records = new Uint8Array(0);
  return data;
}

/**
 * A cluster's partition as the client gets it: its records, watermarks and aborted
 * transactions. Fields that name the cluster's own brokers or epochs keep their defaults: the
 * mesh is the only broker (no preferred read replica, no other leader) and its Metadata's epochs
 * are not the cluster's.
 */
function clientPartition(from: PartitionData): PartitionData {
  const data = new PartitionData();
  data.partitionIndex = from.partitionIndex;
  data.errorCode = from.errorCode;
  data.highWatermark = from.highWatermark;
  data.lastStableOffset = from.lastStableOffset;
  data.logStartOffset = from.logStartOffset;
  data.abortedTransactions = from.abortedTransactions;
  data.records = from.records === null ? new Uint8Array(0) : from.records;
  return data;
}
