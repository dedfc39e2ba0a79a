// Produce: batches are checked and forwarded to each cluster's bridge: as the client sent
// them, one message per cluster on the native dialect's channel, or as decoded records, one
// HTTP call per (cluster, topic, partition) lane, on the Strimzi dialect. The client is
// answered once every group has been answered, with the offsets the clusters assigned.
// acks=0 requests get no answer at all.
import { KafkaError } from "../../kafka/errors";
import { ApiKey, responseHeaderVersion } from "../../kafka/messages/api_keys";
import { ProduceRequest } from "../../kafka/messages/produce_request";
import {
  BatchIndexAndErrorMessage,
  PartitionProduceResponse,
  ProduceResponse,
  TopicProduceResponse,
} from "../../kafka/messages/produce_response";
import { Writer } from "../../kafka/wire";
import { transportErrorCode, TransportFailure, UpstreamAnswer, UpstreamRecord } from "../../upstream/dialect";
import { MeshContext, TicketWaiter } from "../context";
import { Operation, ResourceType } from "../../auth/acl";
import { LaneCall } from "../upstream_lanes";
import { UpstreamReceiver } from "../upstream_transport";
import { OrderedProduce, ProduceOrder, SchemaGate } from "../schema_gate";
import { ChannelCall, ChannelMessage } from "../upstream_channel";
import { decodeNativeAnswer, encodeNativeProduce, NativeAnswer, NativePart } from "../../upstream/native";
import { beginResponse, endResponse, InFlightRequest } from "../inflight";
import {
  PartitionState,
  planProduce,
  PlanInput,
  PlanPartitionInput,
  PlanTopicInput,
  ProducePlan,
  PassThroughGroup,
  UpstreamGroup,
} from "../produce_plan";

/** Kafka's first Produce version that names topics by id. */
const TOPIC_ID_VERSION: i16 = 13;
/** Largest head start the bridge call's timeout takes on the client's own. */
const UPSTREAM_TIMEOUT_MAX_MARGIN_MS: i32 = 2000;

/** The handler's place in its connection's Produce order. */
class ProduceStep extends OrderedProduce {
  constructor(private handler: ProduceRequestHandler, order: ProduceOrder) {
    super(order);
  }
  forward(late: bool): void {
    this.handler.forward();
    // Sent from a registry answer, not while the connection reads: tell it (acks=0 may be done).
    if (late) this.handler.notifyReady();
  }
}

export class ProduceRequestHandler extends InFlightRequest {
  private plan: ProducePlan = new ProducePlan();
  /** Per topic of the request: its id was not one the mesh handed out. */
  private unknownIds: Array<bool> = [];
  private startedAt: i64 = 0;
  private input: PlanInput = new PlanInput();
  /** The connection's Produce order (set by the decoder; a request of its own in tests). */
  order: ProduceOrder = new ProduceOrder();
  private step: ProduceStep | null = null;
  /** Planned and sent upstream (not waiting for schema checks). */
  private forwarded: bool = false;
  private gateHeldBytes: i64 = 0;
  /** Pass-through messages still waiting for their channel's window. */
  private unsent: i32 = 0;

  constructor(apiVersion: i16, correlationId: i32, private request: ProduceRequest, private mesh: MeshContext) {
    super(ApiKey.Produce, apiVersion, correlationId);
  }

  startProcessing(): void {
    const mesh = this.mesh;
    const req = this.request;
    const input = new PlanInput();
    input.apiVersion = this.apiVersion;
    input.acks = req.acks;
    input.timeoutMs = req.timeoutMs;
    input.transactionalId = req.transactionalId;
    for (let t = 0; t < req.topicData.length; t++) {
      const topic = req.topicData[t];
      let name: string = topic.name;
      let unknown = false;
      if (this.apiVersion >= TOPIC_ID_VERSION) {
        const resolved = mesh.topics.nameOf(topic.topicId);
        unknown = resolved === null;
        name = unknown ? "" : resolved!;
      }
      this.unknownIds.push(unknown);
      const parts = new Array<PlanPartitionInput>();
      for (let p = 0; p < topic.partitionData.length; p++) {
        const pd = topic.partitionData[p];
        parts.push(new PlanPartitionInput(pd.index, pd.records));
      }
      const planned = new PlanTopicInput(name, parts);
      if (!unknown) planned.denied = !this.session.allows("Produce", Operation.WRITE, ResourceType.TOPIC, name);
      input.topics.push(planned);
    }
    this.startedAt = mesh.metrics.nowMillis();
    this.input = input;
    // Topics with a schema policy are checked first; the request waits for registry lookups
    // (and behind an earlier request of the connection that does) before it is forwarded.
    const step = new ProduceStep(this, this.order);
    this.step = step;
    if (mesh.config.topicPolicies.length > 0) {
      const gate = new SchemaGate(mesh.schemas, mesh.config.topicPolicies, mesh.metrics, step);
      step.schemasDone = gate.start(input, mesh.limits, this.startedAt);
      this.gateHeldBytes = gate.heldBytes;
      this.memoryBytes += gate.heldBytes;
    } else step.schemasDone = true;
    this.order.arrived(step);
  }

  /** Plans the request and sends its parts upstream (once its schema checks are over). */
  forward(): void {
    const mesh = this.mesh;
    const req = this.request;
    const input = this.input;
    this.forwarded = true;
    // The records the schema checks decoded are garbage now.
    this.memoryBytes -= this.gateHeldBytes;
    this.gateHeldBytes = 0;
    const plan = planProduce(input, mesh.routing, mesh.producers, this.startedAt, mesh.limits, this.decodeAllowance);
    this.plan = plan;
    this.memoryBytes += plan.decodedBytes;
    this.waitForInFlightRetries();

    for (let g = 0; g < plan.groups.length; g++) {
      mesh.lanes.submit(this.laneKey(g), new GroupCall(this, g, mesh), KafkaError.REQUEST_TIMED_OUT);
    }
    this.unsent = plan.passThrough.length;
    for (let g = 0; g < plan.passThrough.length; g++) {
      const group = plan.passThrough[g];
      const channel = mesh.channels[group.cluster]!;
      // The message copies the batches: it counts against the memory budget until answered.
      const timeout = <i32>this.upstreamTimeout();
      const message = new ProduceMessage(req.acks, timeout, group.nativeParts());
      this.memoryBytes += channel.submit(message, timeout, new PassThroughCall(this, g), this.startedAt);
    }
  }

  laneKey(g: i32): string {
    const group = this.plan.groups[g];
    return group.cluster.toString() + "/" + group.partition.toString() + "/" + group.topic;
  }

  group(g: i32): UpstreamGroup {
    return this.plan.groups[g];
  }

  acks(): i16 {
    return this.request.acks;
  }

  /** Records of group g the cluster acknowledged: counted in the metrics (only then, so no made-up topic gets stats). */
  private countForwarded(g: i32): void {
    const group = this.plan.groups[g];
    let bytes: i64 = 0;
    for (let i = 0; i < group.records.length; i++) {
      const r = group.records[i].record;
      if (r.key !== null) bytes += r.key!.length;
      if (r.value !== null) bytes += r.value!.length;
    }
    this.mesh.metrics.forwarded(this.mesh.config.clusters[group.cluster].name, group.topic, group.records.length, bytes);
  }

  /** The bridge's answer (or a failure) for group g. */
  completeGroup(g: i32, answer: UpstreamAnswer): void {
    if (answer.errorCode != KafkaError.NONE) {
      this.mesh.metrics.upstreamError(this.mesh.config.clusters[this.plan.groups[g].cluster].name, answer.errorCode);
    } else this.countForwarded(g);
    this.apply(g, answer);
    this.notifyReady();
  }

  /** A pass-through message left for the bridge: an acks=0 request may now let the connection read on. */
  passThroughSent(): void {
    this.unsent--;
    if (this.request.acks == 0) this.notifyReady();
  }

  /** The channel's answer (null with a code when the message failed) for pass-through group g. */
  completePassThrough(g: i32, answer: NativeAnswer | null, failCode: i16, failMessage: string): void {
    const group = this.plan.passThrough[g];
    const cluster = this.mesh.config.clusters[group.cluster].name;
    this.mesh.metrics.upstreamLatency(cluster, this.mesh.metrics.nowMillis() - this.startedAt);
    const before = this.plan.outcomes.length;
    this.plan.applyPassThrough(g, answer, failCode, failMessage, this.mesh.producers);
    this.resolveOutcomesFrom(before);
    this.countPassThrough(group, cluster);
    this.notifyReady();
  }

  /** Metrics of a pass-through group: batches the cluster took count as forwarded, per topic. */
  private countPassThrough(group: PassThroughGroup, cluster: string): void {
    for (let i = 0; i < group.parts.length; i++) {
      const part = group.parts[i];
      if (part.result.errorCode == KafkaError.NONE) {
        this.mesh.metrics.forwarded(cluster, part.part.topic, part.recordCount, part.part.records.length);
      } else this.mesh.metrics.upstreamError(cluster, part.result.errorCode);
    }
  }

  /** Fails group g without sending it (an earlier call on its lane failed). */
  failGroup(g: i32, code: i16, message: string): void {
    this.apply(g, UpstreamAnswer.fail(code, message));
    this.notifyReady();
  }

  /**
   * The client's produce timeout bounds the upstream call, within the configured limit, less a
   * tenth (at most 2 s): the Java client gives up on a request after request.timeout.ms, the
   * same value it sends as the produce timeout, then drops the connection and fails every
   * batch of the request. Ending the call first lets the client read REQUEST_TIMED_OUT for the
   * slow cluster and the results of the others on the connection it keeps, instead of resending
   * batches that were written (possibly to a worker VM without their sequence state).
   */
  upstreamTimeout(): u32 {
    const limit = this.mesh.config.upstreamTimeoutMs;
    const asked = this.request.timeoutMs;
    if (this.request.acks == 0 || asked <= 0) return <u32>limit;
    const margin = min(asked / 10, UPSTREAM_TIMEOUT_MAX_MARGIN_MS);
    return <u32>min(asked - margin, limit);
  }

  /** Retries of batches still in flight are answered when the original is. */
  private waitForInFlightRetries(): void {
    const topics = this.plan.topics;
    for (let t = 0; t < topics.length; t++) {
      const parts = topics[t].partitions;
      for (let p = 0; p < parts.length; p++) {
        if (parts[p].state == PartitionState.WAITING) this.mesh.waitFor(parts[p].waitTicket, new Waiter(this));
      }
    }
  }

  private apply(part: i32, answer: UpstreamAnswer): void {
    const before = this.plan.outcomes.length;
    this.plan.applyAnswer(part, answer, this.mesh.producers);
    this.resolveOutcomesFrom(before);
  }

  /** Hands the plan's outcomes from index before on to the requests waiting for them. */
  private resolveOutcomesFrom(before: i32): void {
    const outcomes = this.plan.outcomes;
    for (let i = before; i < outcomes.length; i++) {
      const o = outcomes[i];
      this.mesh.resolve(o.ticket, o.errorCode, o.baseOffset);
    }
  }

  resolveWaiting(ticket: i32, errorCode: i16, baseOffset: i64): void {
    this.plan.resolveWaiting(ticket, errorCode, baseOffset);
    this.notifyReady();
  }

  finished(): bool {
    if (!this.forwarded) return false;
    // acks=0: nothing is answered, so nothing later waits for the outcome; but a request still
    // queued for a native channel's window stays, so its bytes count against the memory budget
    // and a client flooding a slow bridge is held like any other.
    if (this.request.acks == 0) return this.unsent <= 0 || this.plan.isComplete();
    return this.plan.isComplete();
  }

  computeAnswer(w: Writer): bool {
    if (this.request.acks == 0) return false;
    const response = new ProduceResponse();
    const topics = this.plan.topics;
    for (let t = 0; t < topics.length; t++) {
      const tr = new TopicProduceResponse();
      tr.name = this.request.topicData[t].name;
      tr.topicId = this.request.topicData[t].topicId;
      const parts = topics[t].partitions;
      for (let p = 0; p < parts.length; p++) {
        const r = parts[p];
        const pr = new PartitionProduceResponse();
        pr.index = r.index;
        pr.errorCode = this.unknownIds[t] ? KafkaError.UNKNOWN_TOPIC_ID : r.errorCode;
        pr.baseOffset = pr.errorCode == KafkaError.NONE ? r.baseOffset : -1;
        pr.logAppendTimeMs = r.logAppendTimeMs;
        pr.logStartOffset = r.logStartOffset;
        pr.errorMessage = this.unknownIds[t] ? "Unknown topic id" : r.errorMessage;
        for (let e = 0; e < r.recordErrors.length; e++) {
          const re = new BatchIndexAndErrorMessage();
          re.batchIndex = r.recordErrors[e].batchIndex;
          re.batchIndexErrorMessage = r.recordErrors[e].message;
          pr.recordErrors.push(re);
        }
        tr.partitionResponses.push(pr);
      }
      response.responses.push(tr);
    }
    const start = beginResponse(w, this.correlationId, responseHeaderVersion(ApiKey.Produce, this.apiVersion));
    response.encode(w, this.apiVersion);
    endResponse(w, start);
    return true;
  }
}

class Waiter extends TicketWaiter {
  constructor(private handler: ProduceRequestHandler) {
    super();
  }
  resolve(ticket: i32, errorCode: i16, baseOffset: i64): void {
    this.handler.resolveWaiting(ticket, errorCode, baseOffset);
  }
}

/** One request's batches for a cluster, as a message of the Produce channel. */
class ProduceMessage extends ChannelMessage {
  constructor(private acks: i16, private timeoutMs: i32, private parts: Array<NativePart>) {
    super();
  }
  encode(correlationId: i32): Uint8Array {
    return encodeNativeProduce(correlationId, this.acks, this.timeoutMs, this.parts);
  }
}

class PassThroughCall extends ChannelCall {
  private sent: bool = false;
  constructor(private handler: ProduceRequestHandler, private group: i32) {
    super();
  }
  onSent(): void {
    this.sent = true;
    this.handler.passThroughSent();
  }
  onAnswer(bytes: Uint8Array): bool {
    const answer = decodeNativeAnswer(bytes);
    if (answer === null) return false;
    this.handler.completePassThrough(this.group, answer, KafkaError.NONE, "");
    return true;
  }
  onFailure(code: i16, message: string): void {
    if (!this.sent) {
      this.sent = true;
      this.handler.passThroughSent();
    }
    this.handler.completePassThrough(this.group, null, code, message);
  }
}

class GroupCall extends LaneCall {
  constructor(public handler: ProduceRequestHandler, public group: i32, public mesh: MeshContext) {
    super();
  }
  trySend(): bool {
    return new LaneBatch([this], this.mesh).send();
  }
  weight(): i64 {
    const records = this.handler.group(this.group).records;
    let bytes: i64 = 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i].record;
      bytes += 32 + (r.key !== null ? r.key!.length : 0) + (r.value !== null ? r.value!.length : 0);
    }
    return bytes;
  }
  joinable(other: LaneCall): bool {
    return (other as GroupCall).handler.acks() == this.handler.acks();
  }
  sendTogether(calls: Array<LaneCall>): bool {
    const members = new Array<GroupCall>(calls.length);
    for (let i = 0; i < calls.length; i++) members[i] = calls[i] as GroupCall;
    return new LaneBatch(members, this.mesh).send();
  }
  failUnsent(code: i16, message: string): void {
    this.handler.failGroup(this.group, code, message);
  }
}

/**
 * Groups of one lane (same cluster and topic) sent as one bridge call: their records back to
 * back in queue order, so each group's records stay contiguous; the answer is split back.
 */
class LaneBatch extends UpstreamReceiver {
  private startedAt: i64 = 0;
  private input: PlanInput = new PlanInput();
  /** The connection's Produce order (set by the decoder; a request of its own in tests). */
  order: ProduceOrder = new ProduceOrder();
  private step: ProduceStep | null = null;
  /** Planned and sent upstream (not waiting for schema checks). */
  private forwarded: bool = false;
  private gateHeldBytes: i64 = 0;

  constructor(private members: Array<GroupCall>, private mesh: MeshContext) {
    super();
  }

  send(): bool {
    const first = this.members[0];
    const group = first.handler.group(first.group);
    const cluster = this.mesh.config.clusters[group.cluster];
    let records = group.records;
    let timeout = first.handler.upstreamTimeout();
    if (this.members.length > 1) {
      records = new Array<UpstreamRecord>();
      for (let m = 0; m < this.members.length; m++) {
        const member = this.members[m];
        const rs = member.handler.group(member.group).records;
        for (let i = 0; i < rs.length; i++) records.push(rs[i]);
        timeout = min(timeout, member.handler.upstreamTimeout());
      }
    }
    const call = this.mesh.dialects[group.cluster]!.buildProduce(group.topic, group.partition, records, first.handler.acks());
    this.startedAt = this.mesh.metrics.nowMillis();
    if (this.mesh.transport.send(cluster.bridge, call, timeout, this, 0)) return true;
    const failed = UpstreamAnswer.fail(KafkaError.REQUEST_TIMED_OUT, "could not call the bridge of cluster " + cluster.name);
    for (let m = 0; m < this.members.length; m++) this.members[m].handler.completeGroup(this.members[m].group, failed);
    return false;
  }

  onUpstreamAnswer(part: i32, status: i32, body: Uint8Array | null): void {
    const first = this.members[0];
    const group = first.handler.group(first.group);
    const cluster = this.mesh.config.clusters[group.cluster];
    this.mesh.metrics.upstreamLatency(cluster.name, this.mesh.metrics.nowMillis() - this.startedAt);
    let total = 0;
    for (let m = 0; m < this.members.length; m++) total += this.members[m].handler.group(this.members[m].group).records.length;
    const answer =
      status == 0
        ? UpstreamAnswer.fail(transportErrorCode(TransportFailure.CONNECTION), "no answer from the bridge of cluster " + cluster.name)
        : this.mesh.dialects[group.cluster]!.parseProduce(status, body, total, first.handler.acks());
    let start = 0;
    for (let m = 0; m < this.members.length; m++) {
      const member = this.members[m];
      const n = member.handler.group(member.group).records.length;
      member.handler.completeGroup(member.group, this.members.length == 1 ? answer : slice(answer, start, n));
      start += n;
    }
    this.mesh.lanes.done(first.handler.laneKey(first.group), answer.errorCode != KafkaError.NONE, answer.errorCode);
  }
}

/** The part of a bridge answer that belongs to records [start, start + n). */
function slice(answer: UpstreamAnswer, start: i32, n: i32): UpstreamAnswer {
  if (answer.errorCode != KafkaError.NONE) return answer;
  const part = new UpstreamAnswer();
  for (let i = 0; i < n; i++) part.results.push(answer.results[start + i]);
  return part;
}
