// Fetch read-ahead in the VM (docs/consumers.md, "Read-ahead"). A consumer asks for the next
// records only after it has read the last ones, so each Fetch waits for a whole trip to the
// bridge and back. After a Fetch answered from one cluster with records, when the cluster holds
// more past them (below the high watermark; the last stable offset for read_committed), the
// same Fetch at the next offsets goes to the bridge at once with max_wait_ms 0, and the
// consumer's next Fetch, when it asks exactly that, is answered from it, once. Up to DEPTH are
// held or on their way, each asked from the answer of the one before it: a consumer finds its
// next answer waiting even when one trip to the bridge takes longer than it takes to read one.
//
// They are asked only while every answer written has passed on the filter's write side, not
// as an answer is written: on the same Envoy worker, a read-ahead's answer would otherwise
// arrive while the client's answer is still going round the echo listener, and be read first.
//
// Their bytes count in the connection's memory and none is asked that would take the VM's
// bytes past half its budget; they are dropped keepMs after their answer came (the watermarks
// they carry are that old at most), when the connection asks anything else, or when it closes.
// A connection whose read-ahead went unused gets none for QUIET_FACTOR x keepMs: a consumer that
// seeks or pauses costs a few wasted reads per that time, not a few per Fetch.
import { FetchPartition, FetchRequest, FetchTopic } from "../kafka/messages/fetch_request";
import { ApiKey } from "../kafka/messages/api_keys";
import { FetchResponse, PartitionData } from "../kafka/messages/fetch_response";
import { Writer } from "../kafka/wire";
import { nextOffsetAfter, UNKNOWN_FORMAT } from "../records/batch_walk";
import { forwardAnswerBody } from "../upstream/forward";
import { partitionKey } from "./consumer_routing";
import { ForwardMessage } from "./handlers/forwarding";
import { AnswerSink } from "./inflight";
import { MemoryBudget } from "./memory_budget";
import { MeshMetrics } from "./metrics";
import { ChannelCall, UpstreamChannel } from "./upstream_channel";

/** A connection whose read-ahead went unused asks for none for this many times keepMs. */
export const QUIET_FACTOR: i64 = 10;
/** Read-aheads a connection holds or has on their way at most. */
export const DEPTH: i32 = 2;
/** A partition's answer without its records and aborted transactions, at most (v4-18). */
export const PARTITION_OVERHEAD_BYTES: i64 = 64;
const READ_COMMITTED: i8 = 1;

/** A Fetch waiting for the read-ahead it matched. */
export abstract class ReadAheadWaiter {
  /** The read-ahead's answer (decoded at its version) and its size. */
  abstract readAheadAnswered(response: FetchResponse, bytes: i64): void;
  /** It failed or came back without records enough: the Fetch goes to the bridge itself. */
  abstract readAheadUnusable(): void;
}

/** The upstream Fetch body a read-ahead is asked with and matched by: `request` at `version`, max_wait_ms 0. */
function readAheadBody(request: FetchRequest, version: i16): Uint8Array {
  const wait = request.maxWaitMs;
  request.maxWaitMs = 0;
  const w = new Writer(64 + 32 * request.topics.length);
  request.encode(w, version);
  request.maxWaitMs = wait;
  return w.view().slice();
}

/** A Fetch for a cluster with asked's request-wide fields, and no topics yet. */
export function upstreamFetch(asked: FetchRequest): FetchRequest {
  const sent = new FetchRequest();
  sent.replicaId = -1; // a consumer, whatever the client claims
  sent.maxWaitMs = asked.maxWaitMs;
  sent.minBytes = asked.minBytes;
  sent.maxBytes = asked.maxBytes;
  sent.isolationLevel = asked.isolationLevel;
  sent.rackId = asked.rackId;
  // Sessionless: a full fetch every time, as the client is told (session id 0).
  sent.sessionId = 0;
  sent.sessionEpoch = -1;
  return sent;
}

/** The Fetch a consumer sends next, and the most its answer may hold. */
export class NextFetch {
  constructor(public request: FetchRequest, public boundBytes: i64) {}
}

/**
 * The Fetch a consumer sends after `sent` (as sent upstream) was answered with `answered` (by
 * partitionKey, as the consumer got them): the same, at the offsets after the last whole batch of
 * each partition. Null unless every partition was answered without error, one advanced and one
 * holds more (below the high watermark; the last stable offset for read_committed).
 */
export function nextFetchAfter(sent: FetchRequest, answered: Map<string, PartitionData>): NextFetch | null {
  const next = upstreamFetch(sent);
  let advanced = false;
  let more = false;
  let bound: i64 = 0;
  for (let t = 0; t < sent.topics.length; t++) {
    const from = sent.topics[t];
    const topic = new FetchTopic();
    topic.topic = from.topic;
    for (let p = 0; p < from.partitions.length; p++) {
      const asked = from.partitions[p];
      const key = partitionKey(from.topic, asked.partition);
      if (!answered.has(key)) return null;
      const data = answered.get(key);
      if (data.errorCode != 0) return null;
      const records = data.records;
      const after = records === null ? -1 : nextOffsetAfter(records);
      if (after == UNKNOWN_FORMAT) return null;
      const offset = after >= 0 ? after : asked.fetchOffset;
      if (after >= 0) advanced = true;
      const end = sent.isolationLevel == READ_COMMITTED ? data.lastStableOffset : data.highWatermark;
      if (end > offset) more = true;
      const partition = new FetchPartition();
      partition.partition = asked.partition;
      partition.fetchOffset = offset;
      partition.logStartOffset = asked.logStartOffset;
      partition.partitionMaxBytes = asked.partitionMaxBytes;
      partition.currentLeaderEpoch = asked.currentLeaderEpoch;
      partition.lastFetchedEpoch = asked.lastFetchedEpoch;
      topic.partitions.push(partition);
      bound += <i64>max(asked.partitionMaxBytes, 0) + PARTITION_OVERHEAD_BYTES;
    }
    next.topics.push(topic);
  }
  if (!advanced || !more) return null;
  return new NextFetch(next, min<i64>(bound, <i64>max(sent.maxBytes, 0) + PARTITION_OVERHEAD_BYTES));
}

/** A response's partitions by partitionKey. */
export function partitionsOf(response: FetchResponse): Map<string, PartitionData> {
  const out = new Map<string, PartitionData>();
  for (let t = 0; t < response.responses.length; t++) {
    const topic = response.responses[t];
    for (let p = 0; p < topic.partitions.length; p++) {
      const data = topic.partitions[p];
      out.set(partitionKey(topic.topic, data.partitionIndex), data);
    }
  }
  return out;
}

/** The read-ahead to ask once the answer being written has passed: cluster's `next` at version. */
class AfterAnswer {
  constructor(public cluster: i32, public version: i16, public next: NextFetch) {}
}

/** One read-ahead: asked, then answered (usable or not) or failed. */
class Slot extends ChannelCall {
  response: FetchResponse | null = null;
  answerBytes: i64 = 0;
  /** Failed, or answered without records enough: never used. */
  unusable: bool = false;
  answeredAtMs: i64 = -1;
  waiter: ReadAheadWaiter | null = null;
  /** Dropped by its owner: a late answer is thrown away. */
  dropped: bool = false;

  constructor(
    private owner: FetchReadAhead,
    public cluster: i32,
    public version: i16,
    /** The Fetch asked (max_wait_ms aside), and its body as sent. */
    public request: FetchRequest,
    public body: Uint8Array,
    /** Bytes counted until the answer comes: the most it can hold. */
    public boundBytes: i64,
  ) {
    super();
  }

  onAnswer(answer: Uint8Array): bool {
    const r = forwardAnswerBody(answer, ApiKey.Fetch, this.version);
    if (r === null) return false;
    const response = FetchResponse.decode(r, this.version);
    if (r.failed || r.remaining() != 0) return false;
    if (this.dropped) return true;
    this.answeredAtMs = this.owner.nowMs();
    this.answerBytes = answer.length;
    if (usable(response, this.request.minBytes)) this.response = response;
    else this.unusable = true;
    this.owner.settled(this);
    return true;
  }

  onFailure(code: i16, message: string): void {
    if (this.dropped) return;
    this.unusable = true;
    this.answeredAtMs = this.owner.nowMs();
    this.owner.settled(this);
  }
}

/** An answer a consumer would take as a broker's to a Fetch that waited: no error, and records enough. */
function usable(response: FetchResponse, minBytes: i32): bool {
  if (response.errorCode != 0) return false;
  let bytes: i64 = 0;
  for (let t = 0; t < response.responses.length; t++) {
    const partitions = response.responses[t].partitions;
    for (let p = 0; p < partitions.length; p++) {
      const data = partitions[p];
      if (data.errorCode != 0) return false;
      const records = data.records;
      if (records !== null) bytes += records.length;
    }
  }
  return bytes > 0 && bytes >= <i64>minBytes;
}

/** The read-aheads of a VM's connections: their settings, and the ones held, for the tick. */
export class FetchReadAheads {
  /** Connections holding a read-ahead now (or since the last tick). */
  private holding: Array<FetchReadAhead> = [];

  constructor(
    public channels: Array<UpstreamChannel | null>,
    public budget: MemoryBudget,
    public metrics: MeshMetrics,
    /** How long an answered read-ahead is kept for its Fetch; 0: none are asked. */
    public keepMs: i64,
    public timeoutMs: i64,
  ) {}

  /** A new connection's. */
  forConnection(): FetchReadAhead {
    return new FetchReadAhead(this);
  }

  held(r: FetchReadAhead): void {
    this.holding.push(r);
  }

  /** Drops read-aheads kept past keepMs (connections that stopped asking). */
  tick(): void {
    if (this.holding.length == 0) return;
    const still: Array<FetchReadAhead> = [];
    for (let i = 0; i < this.holding.length; i++) {
      const r = unchecked(this.holding[i]);
      r.expire();
      if (r.holds()) still.push(r);
      else r.listed = false;
    }
    this.holding = still;
  }
}

/** A connection's read-ahead. */
export class FetchReadAhead {
  /** Held or on their way, in the order the consumer will ask them (at most DEPTH). */
  private slots: Array<Slot> = [];
  /** The Fetch to ask after the answer being written, when none is held to ask after. */
  private first: AfterAnswer | null = null;
  /** Every answer written has passed on the write side: read-aheads may be asked. */
  private passed: bool = true;
  private quietUntilMs: i64 = 0;
  /** In the VM's list of connections holding one. */
  listed: bool = false;
  /** The connection's writer, told when the bytes held here change outside its own calls. */
  sink: AnswerSink | null = null;
  private keepMs: i64;

  constructor(private vm: FetchReadAheads) {
    this.keepMs = vm.keepMs;
  }

  holds(): bool {
    return this.slots.length > 0;
  }

  /** Read-aheads are asked at all (fetch_read_ahead_ms above 0). */
  enabled(): bool {
    return this.keepMs > 0;
  }

  nowMs(): i64 {
    return this.vm.metrics.nowMillis();
  }

  /** Bytes held: each answer once it came, the bound of what it may hold before. */
  heldBytes(): i64 {
    let bytes: i64 = 0;
    for (let i = 0; i < this.slots.length; i++) {
      const s = unchecked(this.slots[i]);
      bytes += s.answeredAtMs < 0 ? s.boundBytes : s.answerBytes;
    }
    return bytes;
  }

  /**
   * An answer from cluster is being written; `next` (at version, null: none) is the Fetch the
   * consumer sends after it. Read-aheads wait until it has passed (answerPassed); `next` is asked
   * then unless read-aheads are held already (they were asked from the same answer).
   */
  startAfterAnswer(cluster: i32, version: i16, next: NextFetch | null): void {
    if (!this.enabled()) return;
    this.passed = false;
    this.first = next === null ? null : new AfterAnswer(cluster, version, next);
  }

  /** The connection's answers passed on towards the client: read-aheads held back for them are asked. */
  answerPassed(): void {
    this.passed = true;
    const first = this.first;
    this.first = null;
    if (first !== null && this.slots.length == 0) this.start(first.cluster, first.version, first.next);
    this.extend();
  }

  /** Asks the Fetch after the last one held, while fewer than DEPTH are and its answer is known. */
  private extend(): void {
    while (this.passed && this.slots.length > 0 && this.slots.length < DEPTH) {
      const last = this.slots[this.slots.length - 1];
      const response = last.response;
      if (response === null) return; // on its way, or unusable
      const next = nextFetchAfter(last.request, partitionsOf(response));
      if (next === null || !this.start(last.cluster, last.version, next)) return;
    }
  }

  /**
   * Asks now, unless the connection is quiet or the VM's memory would pass half its budget;
   * true when asked.
   */
  private start(cluster: i32, version: i16, next: NextFetch): bool {
    const vm = this.vm;
    const channel = vm.channels[cluster];
    if (channel === null) return false;
    if (this.nowMs() < this.quietUntilMs) return false;
    const budget = vm.budget;
    if (budget.total + next.boundBytes > budget.limit >> 1) return false;
    const body = readAheadBody(next.request, version);
    const slot = new Slot(this, cluster, version, next.request, body, next.boundBytes);
    this.slots.push(slot);
    if (!this.listed) {
      this.listed = true;
      vm.held(this);
    }
    vm.metrics.fetchReadAhead();
    channel.submit(new ForwardMessage(ApiKey.Fetch, version, body), vm.timeoutMs, slot, this.nowMs());
    return true;
  }

  /**
   * A Fetch for cluster, to be sent upstream as `request` at version: true when the first
   * read-ahead is for exactly that (readAheadBody) and is used (waiter hears its answer, now or
   * when it comes); false when the Fetch must go to the bridge itself (the read-aheads, if any,
   * are dropped).
   */
  take(cluster: i32, version: i16, request: FetchRequest, waiter: ReadAheadWaiter): bool {
    // The client asks before the last answer passed (it pipelines): it sends its own.
    this.first = null;
    if (this.slots.length == 0) return false; // no encoding of the request to compare with
    const s = this.slots[0];
    if (s.waiter !== null) return false; // a Fetch before it still waits for it
    const expired = s.answeredAtMs >= 0 && this.nowMs() - s.answeredAtMs > this.keepMs;
    if (s.cluster != cluster || s.version != version || expired || s.unusable || !sameBytes(s.body, readAheadBody(request, version))) {
      this.dropAll();
      return false;
    }
    this.vm.metrics.fetchReadAheadHit();
    const response = s.response;
    if (response !== null) {
      this.slots.shift();
      s.dropped = true;
      waiter.readAheadAnswered(response, s.answerBytes);
    } else {
      s.waiter = waiter;
    }
    return true;
  }

  /** Slot s's answer or failure came. */
  settled(s: Slot): void {
    const waiter = s.waiter;
    if (waiter === null) {
      this.changed();
      this.extend();
      return;
    }
    // A Fetch waits for it: it is the first.
    this.slots.shift();
    s.dropped = true;
    const response = s.response;
    if (response !== null) waiter.readAheadAnswered(response, s.answerBytes);
    else {
      // The ones asked after it were asked from nothing the consumer will get.
      this.dropAll();
      waiter.readAheadUnusable();
    }
  }

  /** Drops read-aheads held past keepMs (from the tick, for connections that stopped asking). */
  expire(): void {
    if (this.slots.length == 0) return;
    const s = this.slots[0];
    if (s.waiter !== null || s.answeredAtMs < 0) return;
    if (this.nowMs() - s.answeredAtMs <= this.keepMs) return;
    this.dropAll();
    this.changed();
  }

  /** The connection closed. */
  close(): void {
    this.first = null;
    for (let i = 0; i < this.slots.length; i++) unchecked(this.slots[i]).dropped = true;
    this.slots = [];
  }

  /** Drops every read-ahead: those the consumer will not ask (answered or not, but not failed) count as unused. */
  private dropAll(): void {
    let unused = false;
    for (let i = 0; i < this.slots.length; i++) {
      const s = unchecked(this.slots[i]);
      s.dropped = true;
      if (!s.unusable) {
        unused = true;
        this.vm.metrics.fetchReadAheadUnused();
      }
    }
    this.slots = [];
    if (unused) this.quietUntilMs = this.nowMs() + QUIET_FACTOR * this.keepMs;
  }

  /** The bytes held changed outside the connection's own calls: it reports them to the budget. */
  private changed(): void {
    const sink = this.sink;
    if (sink !== null) sink.answersReady();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (unchecked(a[i]) != unchecked(b[i])) return false;
  return true;
}
