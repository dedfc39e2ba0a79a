// Planning one Produce request: which partitions are answered at once (and with what error),
// what goes upstream, and, once the bridge has answered, each partition's result. Clusters on
// the native dialect get each partition's batch as the client sent it (header checks only),
// one message per (request, cluster); clusters on the Strimzi dialect get decoded records in
// one HTTP call per (cluster, topic, partition). The Produce handler (handlers/produce.ts) decodes the
// request into a PlanInput, sends the groups and encodes the response from the plan.

import { decodeRecords, DecodeLimits, DEFAULT_LIMITS, RecordBatch } from "../records/batch";
import { KafkaError } from "../kafka/errors";
import { ProducerStateTable, SeqDecision } from "./producer_state";
import { UpstreamAnswer, UpstreamRecord } from "../upstream/dialect";
import { NativeAnswer, NativePart } from "../upstream/native";
import { PartitionProduceResponse } from "../kafka/messages/produce_response";
import { isValidTopicName } from "./topics";

export class PlanPartitionInput {
  /** Set by the schema checks (schema_gate.ts): the partition is answered with this error, not forwarded. */
  rejectCode: i16 = KafkaError.NONE;
  rejectMessage: string | null = null;
  rejectRecordErrors: Array<PlanRecordError> = [];
  constructor(public index: i32, public records: Uint8Array | null) {}

  reject(code: i16, message: string, recordErrors: Array<PlanRecordError>): void {
    this.rejectCode = code;
    this.rejectMessage = message;
    this.rejectRecordErrors = recordErrors;
  }
}

export class PlanTopicInput {
  /** The principal may not write to this topic (ACLs): every partition fails TOPIC_AUTHORIZATION_FAILED. */
  denied: bool = false;
  constructor(public name: string, public partitions: Array<PlanPartitionInput>) {}
}

export class PlanInput {
  apiVersion: i16 = 9;
  acks: i16 = -1;
  timeoutMs: i32 = 30000;
  transactionalId: string | null = null;
  topics: Array<PlanTopicInput> = [];
}

/** Routing as the plan needs it; MeshContext implements it over the plugin configuration. */
export abstract class PlanRouting {
  /** Cluster index for a topic, or -1 when no forwarding rule matches. */
  abstract clusterFor(topic: string): i32;
  /** Partition count the mesh advertises for the topic on that cluster. */
  abstract partitionCount(cluster: i32, topic: string): i32;
  /** True when the cluster's bridge takes batches as the client sent them (native dialect). */
  abstract passThrough(cluster: i32): bool;
}

export const enum PartitionState {
  /** Records are in an upstream group; waiting for its answer. */
  FORWARDED = 0,
  /** A retry of a batch in flight (waitTicket): resolved by resolveWaiting(). */
  WAITING = 1,
  /** Final: errorCode / baseOffset are the answer. */
  DONE = 2,
}

export class PlanRecordError {
  constructor(public batchIndex: i32, public message: string | null) {}
}

export class PartitionResult {
  state: PartitionState = PartitionState.DONE;
  errorCode: i16 = KafkaError.NONE;
  errorMessage: string | null = null;
  baseOffset: i64 = -1;
  logAppendTimeMs: i64 = -1;
  logStartOffset: i64 = -1;
  recordErrors: Array<PlanRecordError> = [];
  /** Producer state ticket of the forwarded batch (0 when not idempotent). */
  ticket: i32 = 0;
  /** Ticket of the original batch this retry waits for (WAITING). */
  waitTicket: i32 = 0;
  constructor(public index: i32) {}

  fail(code: i16, message: string | null): void {
    this.state = PartitionState.DONE;
    this.errorCode = code;
    this.errorMessage = message;
    this.baseOffset = -1;
  }
}

export class TopicResult {
  partitions: Array<PartitionResult> = [];
  constructor(public name: string) {}
}

/** Records of one partition inside a group: records[start, start + count). */
export class GroupSpan {
  constructor(public result: PartitionResult, public start: i32, public count: i32) {}
}

/** One HTTP call: the records of one partition of one topic on one cluster, in request order. */
export class UpstreamGroup {
  records: Array<UpstreamRecord> = [];
  spans: Array<GroupSpan> = [];
  answered: bool = false;
  constructor(public cluster: i32, public topic: string, public partition: i32) {}
}

/** One partition's batch in a pass-through group. */
export class PassThroughPart {
  constructor(
    public result: PartitionResult,
    public part: NativePart,
    public recordCount: i32,
  ) {}
}

/** One channel message: every forwardable batch of the request for one native-dialect cluster. */
export class PassThroughGroup {
  parts: Array<PassThroughPart> = [];
  answered: bool = false;
  constructor(public cluster: i32) {}

  nativeParts(): Array<NativePart> {
    const out = new Array<NativePart>(this.parts.length);
    for (let i = 0; i < this.parts.length; i++) unchecked((out[i] = unchecked(this.parts[i]).part));
    return out;
  }
}

/** What became of a forwarded idempotent batch: retries waiting on the ticket take this answer. */
export class TicketOutcome {
  constructor(public ticket: i32, public errorCode: i16, public baseOffset: i64) {}
}

export class ProducePlan {
  acks: i16 = -1;
  topics: Array<TopicResult> = [];
  groups: Array<UpstreamGroup> = [];
  passThrough: Array<PassThroughGroup> = [];
  /** Outcomes of this plan's forwarded idempotent batches, for the handler to pass to other plans. */
  outcomes: Array<TicketOutcome> = [];
  /** Bytes of decompressed records the plan holds until it is answered. */
  decodedBytes: i64 = 0;
  private open: i32 = 0;

  /** True when every partition has its final answer. */
  isComplete(): bool {
    return this.open == 0;
  }

  /**
   * Applies the bridge's parsed answer to group g. Each partition succeeds only if all its
   * records did; its base offset is the offset of its first record.
   */
  applyAnswer(g: i32, answer: UpstreamAnswer, table: ProducerStateTable | null): void {
    if (g < 0 || g >= this.groups.length) return;
    const group = unchecked(this.groups[g]);
    if (group.answered) return;
    group.answered = true;
    const wholeFailed = answer.errorCode != KafkaError.NONE || answer.results.length != group.records.length;
    for (let s = 0; s < group.spans.length; s++) {
      const span = unchecked(group.spans[s]);
      const res = span.result;
      if (res.state != PartitionState.FORWARDED) continue;
      this.open--;
      if (wholeFailed) {
        const code = answer.errorCode != KafkaError.NONE ? answer.errorCode : KafkaError.UNKNOWN_SERVER_ERROR;
        res.fail(code, answer.message);
      } else {
        let firstError: i16 = KafkaError.NONE;
        let firstMessage: string | null = null;
        for (let i = 0; i < span.count; i++) {
          const r = unchecked(answer.results[span.start + i]);
          let code = r.errorCode;
          if (code == KafkaError.NONE && r.partition >= 0 && r.partition != res.index) code = KafkaError.UNKNOWN_SERVER_ERROR;
          if (code == KafkaError.NONE) continue;
          if (firstError == KafkaError.NONE) {
            firstError = code;
            firstMessage = r.message;
          }
          if (code == KafkaError.INVALID_RECORD || code == KafkaError.INVALID_TIMESTAMP) {
            res.recordErrors.push(new PlanRecordError(i, r.message));
          }
        }
        if (firstError != KafkaError.NONE) {
          res.fail(firstError, firstMessage);
        } else {
          res.state = PartitionState.DONE;
          res.errorCode = KafkaError.NONE;
          res.baseOffset = this.acks == 0 ? -1 : unchecked(answer.results[span.start]).offset;
        }
      }
      this.settle(res, table);
    }
  }

  /** Tells producer state (and the retries waiting on it) what became of res's batch. */
  private settle(res: PartitionResult, table: ProducerStateTable | null): void {
    if (res.ticket == 0) return;
    if (table !== null) {
      if (res.errorCode == KafkaError.NONE) table.complete(res.ticket, res.baseOffset);
      else table.fail(res.ticket);
    }
    this.outcomes.push(new TicketOutcome(res.ticket, res.errorCode, res.baseOffset));
  }

  /**
   * Applies the bridge's answer to pass-through group g (null with failCode when the message
   * failed as a whole): each partition takes the cluster's own result.
   */
  applyPassThrough(g: i32, answer: NativeAnswer | null, failCode: i16, failMessage: string, table: ProducerStateTable | null): void {
    if (g < 0 || g >= this.passThrough.length) return;
    const group = unchecked(this.passThrough[g]);
    if (group.answered) return;
    group.answered = true;
    for (let i = 0; i < group.parts.length; i++) {
      const part = unchecked(group.parts[i]);
      const res = part.result;
      if (res.state != PartitionState.FORWARDED) continue;
      this.open--;
      let r: PartitionProduceResponse | null = null;
      if (answer !== null) r = answer.find(part.part.topic, part.part.partition);
      if (r === null) {
        if (answer === null) res.fail(failCode, failMessage);
        else res.fail(KafkaError.UNKNOWN_SERVER_ERROR, "the bridge did not answer this partition");
      } else {
        const found = r!;
        if (found.errorCode != KafkaError.NONE) {
          res.fail(found.errorCode, found.errorMessage);
          for (let e = 0; e < found.recordErrors.length; e++) {
            const re = unchecked(found.recordErrors[e]);
            res.recordErrors.push(new PlanRecordError(re.batchIndex, re.batchIndexErrorMessage));
          }
        } else {
          res.state = PartitionState.DONE;
          res.errorCode = KafkaError.NONE;
          res.baseOffset = this.acks == 0 ? -1 : found.baseOffset;
          res.logAppendTimeMs = found.logAppendTimeMs;
          res.logStartOffset = found.logStartOffset;
        }
      }
      this.settle(res, table);
    }
  }

  /** Answers partitions that waited for ticket (a retry of a batch that was in flight). */
  resolveWaiting(ticket: i32, errorCode: i16, baseOffset: i64): void {
    for (let t = 0; t < this.topics.length; t++) {
      const parts = unchecked(this.topics[t]).partitions;
      for (let p = 0; p < parts.length; p++) {
        const r = unchecked(parts[p]);
        if (r.state != PartitionState.WAITING || r.waitTicket != ticket) continue;
        this.open--;
        r.state = PartitionState.DONE;
        r.errorCode = errorCode;
        r.baseOffset = errorCode == KafkaError.NONE ? baseOffset : -1;
      }
    }
  }
}

function failAll(plan: ProducePlan, input: PlanInput, code: i16, message: string): ProducePlan {
  plan.topics = [];
  plan.groups = [];
  plan.passThrough = [];
  for (let t = 0; t < input.topics.length; t++) {
    const ti = unchecked(input.topics[t]);
    const tr = new TopicResult(ti.name);
    for (let p = 0; p < ti.partitions.length; p++) {
      const r = new PartitionResult(unchecked(ti.partitions[p]).index);
      r.fail(code, message);
      tr.partitions.push(r);
    }
    plan.topics.push(tr);
  }
  return plan;
}

const MEMORY_BUDGET_MESSAGE = "The mesh's memory budget is exhausted; retry later";

/**
 * Plans a Produce request. With a ProducerStateTable, idempotent batches are checked (and
 * duplicates answered without forwarding); nowMs feeds its expiry.
 */
export function planProduce(
  input: PlanInput,
  routing: PlanRouting,
  table: ProducerStateTable | null,
  nowMs: i64,
  limits: DecodeLimits = DEFAULT_LIMITS,
  decodeAllowance: i64 = i64.MAX_VALUE,
): ProducePlan {
  const plan = new ProducePlan();
  plan.acks = input.acks;
  // ReplicaManager.appendRecords: acks other than -1, 0, 1 fail every partition.
  if (input.acks != -1 && input.acks != 0 && input.acks != 1) {
    return failAll(plan, input, KafkaError.INVALID_REQUIRED_ACKS, "Invalid required acks");
  }
  // The mesh takes part in no transaction, so no transactional id is authorized (see docs).
  if (input.transactionalId !== null) {
    return failAll(plan, input, KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, "Transactions are not supported by this mesh");
  }

  // First pass: per-partition checks and decoding.
  const batches = new Array<Array<RecordBatch | null>>();
  const clusters = new Array<i32>();
  let transactional = false;
  for (let t = 0; t < input.topics.length; t++) {
    const ti = unchecked(input.topics[t]);
    const tr = new TopicResult(ti.name);
    const tb = new Array<RecordBatch | null>();
    const validName = isValidTopicName(ti.name);
    const cluster = validName && !ti.denied ? routing.clusterFor(ti.name) : -1;
    const count = cluster >= 0 ? routing.partitionCount(cluster, ti.name) : 0;
    const passThrough = cluster >= 0 && routing.passThrough(cluster);
    clusters.push(cluster);
    for (let p = 0; p < ti.partitions.length; p++) {
      const pi = unchecked(ti.partitions[p]);
      const r = new PartitionResult(pi.index);
      tr.partitions.push(r);
      tb.push(null);
      // As KafkaApis: authorization first, so a denied principal learns nothing of the topic.
      if (ti.denied) {
        r.fail(KafkaError.TOPIC_AUTHORIZATION_FAILED, "Not authorized to write to topic " + ti.name);
        continue;
      }
      if (!validName) {
        r.fail(KafkaError.INVALID_TOPIC_EXCEPTION, "Invalid topic name");
        continue;
      }
      if (cluster < 0 || pi.index < 0 || pi.index >= count) {
        r.fail(KafkaError.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition");
        continue;
      }
      if (pi.rejectCode != KafkaError.NONE) {
        r.fail(pi.rejectCode, pi.rejectMessage);
        r.recordErrors = pi.rejectRecordErrors;
        continue;
      }
      // Decompressed records count against the VM's memory budget: a request whose batches
      // would pass it is refused with an error clients retry, before the memory is taken.
      const left = decodeAllowance - plan.decodedBytes;
      if (left <= 0) {
        r.fail(KafkaError.REQUEST_TIMED_OUT, MEMORY_BUDGET_MESSAGE);
        continue;
      }
      let batchLimits = limits;
      if (left < <i64>limits.maxDecompressedBytes) {
        batchLimits = new DecodeLimits();
        batchLimits.maxBatchBytes = limits.maxBatchBytes;
        batchLimits.maxRecordsPerBatch = limits.maxRecordsPerBatch;
        batchLimits.maxDecompressedBytes = <i32>left;
      }
      // Pass-through batches are checked up to their header: the bridge verifies the CRC.
      const decoded = decodeRecords(pi.records, batchLimits, passThrough);
      if (!decoded.ok()) {
        if (decoded.overDecompressCap && batchLimits !== limits) r.fail(KafkaError.REQUEST_TIMED_OUT, MEMORY_BUDGET_MESSAGE);
        else r.fail(decoded.error, decoded.message);
        continue;
      }
      plan.decodedBytes += decoded.decompressedBytes;
      const b = unchecked(decoded.batches[0]);
      if (b.compression() == 4 && input.apiVersion < 7) {
        r.fail(KafkaError.UNSUPPORTED_COMPRESSION_TYPE, "Produce requests below version 7 cannot use ZStandard compression");
        continue;
      }
      if (b.isTransactional()) transactional = true;
      tb[p] = b;
    }
    plan.topics.push(tr);
    batches.push(tb);
  }
  // KafkaApis.handleProduceRequest: transactional records without an authorized transactional
  // id fail the whole request.
  if (transactional) {
    return failAll(plan, input, KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, "Transactional records need a transactional id");
  }

  // Second pass: idempotence checks and grouping per cluster (pass-through) or per
  // (cluster, topic, partition).
  for (let t = 0; t < input.topics.length; t++) {
    const ti = unchecked(input.topics[t]);
    const tr = unchecked(plan.topics[t]);
    const tb = unchecked(batches[t]);
    const cluster = unchecked(clusters[t]);
    const passThrough = cluster >= 0 && routing.passThrough(cluster);
    for (let p = 0; p < tr.partitions.length; p++) {
      const b = unchecked(tb[p]);
      if (b === null) continue;
      const r = unchecked(tr.partitions[p]);
      if (table !== null && b.hasProducerId()) {
        const c = table.check(b.producerId, b.producerEpoch, ti.name, r.index, b.baseSequence, b.lastSequence(), nowMs);
        if (c.decision == SeqDecision.DUPLICATE) {
          r.state = PartitionState.DONE;
          r.baseOffset = c.baseOffset;
          continue;
        }
        if (c.decision == SeqDecision.ERROR) {
          r.fail(c.errorCode, null);
          continue;
        }
        if (c.decision == SeqDecision.IN_FLIGHT) {
          r.state = PartitionState.WAITING;
          r.waitTicket = c.ticket;
          plan.open++;
          continue;
        }
        r.ticket = c.ticket;
      }
      r.state = PartitionState.FORWARDED;
      plan.open++;
      if (passThrough) {
        const bytes = unchecked(ti.partitions[p]).records as Uint8Array;
        findPassThrough(plan, cluster).parts.push(new PassThroughPart(r, new NativePart(ti.name, r.index, bytes), b.recordCount));
        continue;
      }
      const g = findGroup(plan, cluster, ti.name, r.index);
      const start = g.records.length;
      const sendTs = b.timestampType() == 0;
      for (let i = 0; i < b.records.length; i++) {
        g.records.push(new UpstreamRecord(r.index, unchecked(b.records[i]), sendTs));
      }
      g.spans.push(new GroupSpan(r, start, b.records.length));
    }
  }
  return plan;
}

function findGroup(plan: ProducePlan, cluster: i32, topic: string, partition: i32): UpstreamGroup {
  for (let i = 0; i < plan.groups.length; i++) {
    const g = unchecked(plan.groups[i]);
    if (g.cluster == cluster && g.partition == partition && g.topic == topic) return g;
  }
  const g = new UpstreamGroup(cluster, topic, partition);
  plan.groups.push(g);
  return g;
}

function findPassThrough(plan: ProducePlan, cluster: i32): PassThroughGroup {
  for (let i = 0; i < plan.passThrough.length; i++) {
    const g = unchecked(plan.passThrough[i]);
    if (g.cluster == cluster) return g;
  }
  const g = new PassThroughGroup(cluster);
  plan.passThrough.push(g);
  return g;
}
