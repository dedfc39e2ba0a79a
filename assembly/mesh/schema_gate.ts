// Schema checks of one Produce request (docs/schemas.md): the partitions of topics with a
// policy are decoded, the schema ids their records name looked up (waiting for the registry
// when an id is not cached), and each record's key and value checked. A partition with a
// failing record is refused with INVALID_RECORD and its record errors before anything is
// forwarded; the rest of the request goes on unchanged.
import { KafkaError } from "../kafka/errors";
import { decodeRecords, DecodeLimits, Record } from "../records/batch";
import { PlanInput, PlanPartitionInput, PlanRecordError } from "./produce_plan";
import {
  SCHEMA_ANY,
  SchemaPolicy,
  SUBJECT_FIXED,
  SUBJECT_RECORD_NAME,
  TopicPolicy,
  VALIDATE_NONE,
  VALIDATE_PAYLOAD,
} from "./schema_config";
import { SchemaEntry, SchemaRegistry, SchemaState, SchemaWaiter } from "./schema_registry";
import { checkPayload, FRAMED_NEGATIVE_ID, readSchemaId, recordNameOf } from "./schema_payload";
import { MeshMetrics } from "./metrics";

/** Record errors reported per partition at most (the first ones). */
const MAX_RECORD_ERRORS: i32 = 100;

export const REASON_NO_FRAMING = "no_framing";
export const REASON_UNKNOWN_ID = "unknown_id";
export const REASON_WRONG_TYPE = "wrong_type";
export const REASON_WRONG_SUBJECT = "wrong_subject";
export const REASON_INVALID_PAYLOAD = "invalid_payload";
export const REASON_REGISTRY_UNAVAILABLE = "registry_unavailable";


class GatedPartition {
  constructor(
    public topic: string,
    public policy: TopicPolicy,
    public input: PlanPartitionInput,
    public records: Array<Record>,
  ) {}
}

/** The outcome of one side of one record; reason "" when it passes. */
class SideVerdict {
  constructor(
    public reason: string,
    public message: string,
  ) {}
}

const PASS = new SideVerdict("", "");

export class SchemaGate extends SchemaWaiter {
  private partitions: Array<GatedPartition> = [];
  private waiting: i32 = 0;
  /** The registry entries of the ids the records name, looked up once per request. */
  private entries: Map<i32, SchemaEntry> = new Map();
  /** Decompressed bytes the decoded partitions hold while they wait. */
  heldBytes: i64 = 0;

  constructor(
    private registry: SchemaRegistry | null,
    private policies: Array<TopicPolicy>,
    private metrics: MeshMetrics,
    private owner: OrderedProduce,
  ) {
    super();
  }

  /** The policy of `topic`: the first whose prefix matches, or null. */
  static policyFor(policies: Array<TopicPolicy>, topic: string): TopicPolicy | null {
    for (let i = 0; i < policies.length; i++) {
      if (topic.startsWith(unchecked(policies[i]).topicPrefix)) return unchecked(policies[i]);
    }
    return null;
  }

  /**
   * Decodes the policy partitions of `input` and starts the lookups they need. True when the
   * checks are already over (every id cached, or no policy applies): `input` is marked.
   */
  start(input: PlanInput, limits: DecodeLimits, nowMs: i64): bool {
    for (let t = 0; t < input.topics.length; t++) {
      const topic = unchecked(input.topics[t]);
      if (topic.denied || topic.name.length == 0) continue;
      const policy = SchemaGate.policyFor(this.policies, topic.name);
      if (policy === null) continue;
      for (let p = 0; p < topic.partitions.length; p++) {
        const part = unchecked(topic.partitions[p]);
        // A partition whose records cannot be read is refused with the decoder's error: the plan
        // checks pass-through batches (native dialect) only to their header, so one left to it
        // (a gzip batch decompressing past max_decompressed_bytes, say) would be forwarded unchecked.
        const decoded = decodeRecords(part.records, limits, false);
        if (!decoded.ok() || decoded.batches.length == 0) {
          part.reject(decoded.ok() ? KafkaError.INVALID_RECORD : decoded.error, decoded.message !== null ? decoded.message! : "Record batch cannot be read", []);
          continue;
        }
        this.heldBytes += decoded.decompressedBytes;
        const records = decoded.batches[0].records;
        this.partitions.push(new GatedPartition(topic.name, policy!, part, records));
        for (let r = 0; r < records.length; r++) {
          const rec = unchecked(records[r]);
          if (policy!.valueSchema !== null) this.need(policy!.valueSchema!, rec.value, nowMs);
          if (policy!.keySchema !== null) this.need(policy!.keySchema!, rec.key, nowMs);
        }
      }
    }
    if (this.waiting > 0) return false;
    this.evaluate(nowMs);
    return true;
  }

  /** Starts the lookup of the id `bytes` names, when the policy needs the registry for it. */
  private need(policy: SchemaPolicy, bytes: Uint8Array | null, nowMs: i64): void {
    if (!needsRegistry(policy) || bytes === null || this.registry === null) return;
    const id = readSchemaId(bytes!);
    if (id < 0 || this.entries.has(id)) return;
    const entry = this.registry!.lookup(id, nowMs);
    this.entries.set(id, entry);
    if (this.registry!.wait(entry, this)) this.waiting++;
  }

  schemaSettled(): void {
    this.waiting--;
    if (this.waiting > 0) return;
    this.evaluate(this.metrics.nowMillis());
    this.owner.checked();
  }

  /** Checks every record of the gated partitions; marks the partitions that fail. */
  private evaluate(nowMs: i64): void {
    for (let i = 0; i < this.partitions.length; i++) {
      const gp = unchecked(this.partitions[i]);
      const errors: Array<PlanRecordError> = [];
      let firstReason = "";
      let firstMessage = "";
      let unavailable = "";
      for (let r = 0; r < gp.records.length; r++) {
        const rec = unchecked(gp.records[r]);
        let v = PASS;
        if (gp.policy.valueSchema !== null) v = this.checkSide(gp.policy.valueSchema!, gp.topic, false, rec.value, nowMs);
        if (v.reason.length == 0 && gp.policy.keySchema !== null) v = this.checkSide(gp.policy.keySchema!, gp.topic, true, rec.key, nowMs);
        if (v.reason.length == 0) continue;
        if (v.reason == REASON_REGISTRY_UNAVAILABLE) {
          unavailable = v.message;
          continue;
        }
        if (firstReason.length == 0) {
          firstReason = v.reason;
          firstMessage = "Record " + r.toString() + ": " + v.message;
        }
        if (errors.length < MAX_RECORD_ERRORS) errors.push(new PlanRecordError(r, v.message));
      }
      if (firstReason.length > 0) {
        gp.input.reject(KafkaError.INVALID_RECORD, firstMessage, errors);
        this.metrics.schemaRejected(gp.topic, firstReason);
      } else if (unavailable.length > 0) {
        // fail_closed: an error clients retry; the records are not known to be bad.
        gp.input.reject(KafkaError.REQUEST_TIMED_OUT, "Schema registry unavailable: " + unavailable, []);
        this.metrics.schemaRejected(gp.topic, REASON_REGISTRY_UNAVAILABLE);
      }
    }
    // The decoded records are not needed any more: the plan decodes (or passes) as before.
    this.partitions = [];
    this.entries = new Map();
    this.heldBytes = 0;
  }

  private checkSide(policy: SchemaPolicy, topic: string, isKey: bool, bytes: Uint8Array | null, nowMs: i64): SideVerdict {
    const side = isKey ? "key" : "value";
    // A null value is a tombstone (compacted topics), a null key no key: neither carries a schema.
    if (bytes === null) return PASS;
    const id = readSchemaId(bytes!);
    if (id == FRAMED_NEGATIVE_ID) {
      return new SideVerdict(REASON_UNKNOWN_ID, "the " + side + " names a negative schema id");
    }
    if (id < 0) {
      if (!policy.required) return PASS;
      return new SideVerdict(REASON_NO_FRAMING, "the " + side + " does not carry a schema id (Confluent wire format: magic byte 0 and a 4-byte id)");
    }
    if (!needsRegistry(policy) || !this.entries.has(id)) return PASS;
    const entry = this.entries.get(id);
    if (entry.state == SchemaState.MISSING) {
      return new SideVerdict(REASON_UNKNOWN_ID, "schema id " + id.toString() + " of the " + side + " is not registered");
    }
    if (entry.state != SchemaState.READY) {
      if (this.registry!.config.failOpen) {
        this.metrics.schemaFailedOpen(topic);
        return PASS;
      }
      return new SideVerdict(REASON_REGISTRY_UNAVAILABLE, entry.failure.length > 0 ? entry.failure : "lookup of schema id " + id.toString() + " did not finish");
    }
    if (policy.schemaType != SCHEMA_ANY && entry.schemaType != policy.schemaType) {
      return new SideVerdict(REASON_WRONG_TYPE, "schema id " + id.toString() + " of the " + side + " is " + entry.schemaType + ", not " + policy.schemaType);
    }
    if (policy.validate == VALIDATE_NONE) return PASS;
    const subject = subjectFor(policy, topic, isKey, entry);
    if (subject === null) {
      return new SideVerdict(REASON_WRONG_SUBJECT, "schema id " + id.toString() + " has no record name for the record-name subject strategy");
    }
    if (!entry.registeredUnder(subject!)) {
      return new SideVerdict(REASON_WRONG_SUBJECT, "schema id " + id.toString() + " of the " + side + " is not registered under subject " + subject!);
    }
    if (policy.validate == VALIDATE_PAYLOAD) {
      const why = checkPayload(entry, bytes!);
      if (why.length > 0) return new SideVerdict(REASON_INVALID_PAYLOAD, "the " + side + " does not match schema id " + id.toString() + ": " + why);
    }
    return PASS;
  }
}

/** Whether the policy needs the id's registry entry (its type, subjects or schema). */
function needsRegistry(policy: SchemaPolicy): bool {
  return policy.validate != VALIDATE_NONE || policy.schemaType != SCHEMA_ANY;
}

/** The subject the id must be registered under, or null when the strategy cannot name one. */
function subjectFor(policy: SchemaPolicy, topic: string, isKey: bool, entry: SchemaEntry): string | null {
  if (policy.subjectStrategy == SUBJECT_FIXED) return policy.subject;
  if (policy.subjectStrategy == SUBJECT_RECORD_NAME) {
    const name = recordNameOf(entry);
    return name.length > 0 ? name : null;
  }
  return topic + (isKey ? "-key" : "-value");
}

/** A Produce request that may have to wait for its schema checks before it is forwarded. */
export abstract class OrderedProduce {
  /** Its schema checks are over. */
  schemasDone: bool = false;
  constructor(public order: ProduceOrder) {}
  /** Plans and forwards the request (called once, in arrival order; `late`: after waiting). */
  abstract forward(late: bool): void;
  /** The schema checks that kept it waiting are over. */
  checked(): void {
    this.schemasDone = true;
    this.order.settled();
  }
}

/**
 * One connection's Produce requests leave in the order they came: a request whose schema ids
 * are being looked up holds the ones after it (an idempotent producer's batches must reach a
 * partition in sequence order), even those with nothing to look up.
 */
export class ProduceOrder {
  private queue: Array<OrderedProduce> = [];

  /** `p` arrived; it goes now when nothing waits before it and its checks are over. */
  arrived(p: OrderedProduce): void {
    if (this.queue.length == 0 && p.schemasDone) {
      p.forward(false);
      return;
    }
    this.queue.push(p);
  }

  /** A queued request's checks ended: the requests at the front that are ready go, in order. */
  settled(): void {
    while (this.queue.length > 0 && unchecked(this.queue[0]).schemasDone) {
      const p = this.queue.shift();
      p.forward(true);
    }
  }
}
