// Fetch read-ahead in the VM (docs/consumers.md, "Read-ahead"). A consumer asks for the next
// records only after it has read the last ones, so each Fetch waits for a whole trip to the
// bridge and back. After a Fetch answered from one cluster with records, when the cluster holds
// more past them (below the high watermark; the last stable offset for read_committed), the
// same Fetch at the next offsets goes to the bridge at once with max_wait_ms 0, and the
// consumer's next Fetch, when it asks exactly that, is answered from it, once.
//
// It is asked once the answer before it has passed on the filter's write side, not when that
// answer is written: on the same Envoy worker, the read-ahead's answer would otherwise arrive
// while the client's answer is still going round the echo listener, and be read first.
//
// One per connection. Its bytes count in the connection's memory and none is asked that would
// take the VM's bytes past half its budget; it is dropped keepMs after its answer came (the watermarks
// it carries are that old at most), when the connection asks anything else, or when it closes.
// A connection whose read-ahead went unused gets none for QUIET_FACTOR x keepMs: a consumer that
// seeks or pauses costs one wasted read per that time, not one per Fetch.
import { FetchRequest } from "../kafka/messages/fetch_request";
import { ApiKey } from "../kafka/messages/api_keys";
import { FetchResponse } from "../kafka/messages/fetch_response";
import { Writer } from "../kafka/wire";
import { forwardAnswerBody } from "../upstream/forward";
import { ForwardMessage } from "./handlers/forwarding";
import { AnswerSink } from "./inflight";
import { MemoryBudget } from "./memory_budget";
import { MeshMetrics } from "./metrics";
import { ChannelCall, UpstreamChannel } from "./upstream_channel";

/** A connection whose read-ahead went unused asks for none for this many times keepMs. */
export const QUIET_FACTOR: i64 = 10;

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

/** A read-ahead to ask once the answer before it has passed. */
class Deferred {
  constructor(public cluster: i32, public version: i16, public next: FetchRequest, public boundBytes: i64) {}
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
    public body: Uint8Array,
    private minBytes: i32,
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
    if (usable(response, this.minBytes)) this.response = response;
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
  private slot: Slot | null = null;
  private deferred: Deferred | null = null;
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
    return this.slot !== null;
  }

  nowMs(): i64 {
    return this.vm.metrics.nowMillis();
  }

  /** Bytes held: the answer once it came, the bound of what it may hold before. */
  heldBytes(): i64 {
    const s = this.slot;
    if (s === null) return 0;
    return s.answeredAtMs < 0 ? s.boundBytes : s.answerBytes;
  }

  /**
   * Asks cluster's bridge for `next` (the consumer's next Fetch, as sent upstream at version)
   * once the answer being written now has passed (answerPassed). boundBytes: the most its
   * answer may hold.
   */
  startAfterAnswer(cluster: i32, version: i16, next: FetchRequest, boundBytes: i64): void {
    if (this.keepMs <= 0) return;
    this.deferred = new Deferred(cluster, version, next, boundBytes);
  }

  /** The connection's answers passed on towards the client: a read-ahead held back for them is asked. */
  answerPassed(): void {
    const d = this.deferred;
    if (d === null) return;
    this.deferred = null;
    this.start(d.cluster, d.version, d.next, d.boundBytes);
  }

  /**
   * Asks now, unless the connection is quiet, one is held already or the VM's memory is past
   * half its budget.
   */
  private start(cluster: i32, version: i16, next: FetchRequest, boundBytes: i64): void {
    if (this.slot !== null) return;
    const vm = this.vm;
    const channel = vm.channels[cluster];
    if (channel === null) return;
    if (this.nowMs() < this.quietUntilMs) return;
    const budget = vm.budget;
    if (budget.total + boundBytes > budget.limit >> 1) return;
    const body = readAheadBody(next, version);
    const slot = new Slot(this, cluster, version, body, next.minBytes, boundBytes);
    this.slot = slot;
    if (!this.listed) {
      this.listed = true;
      vm.held(this);
    }
    vm.metrics.fetchReadAhead();
    channel.submit(new ForwardMessage(ApiKey.Fetch, version, body), vm.timeoutMs, slot, this.nowMs());
  }

  /**
   * A Fetch for cluster, to be sent upstream as `request` at version: true when the read-ahead is
   * for exactly that (readAheadBody) and is used (waiter hears its answer, now or when it comes);
   * false when the Fetch must go to the bridge itself (the read-ahead, if any, is dropped).
   */
  take(cluster: i32, version: i16, request: FetchRequest, waiter: ReadAheadWaiter): bool {
    // The client asks before the last answer passed (it pipelines): it sends its own.
    this.deferred = null;
    const s = this.slot;
    if (s === null) return false; // no encoding of the request to compare with
    const now = this.nowMs();
    const expired = s.answeredAtMs >= 0 && now - s.answeredAtMs > this.keepMs;
    if (s.cluster != cluster || s.version != version || expired || !sameBytes(s.body, readAheadBody(request, version))) {
      this.drop(!s.unusable);
      return false;
    }
    if (s.unusable) {
      this.drop(false);
      return false;
    }
    this.vm.metrics.fetchReadAheadHit();
    const response = s.response;
    if (response !== null) {
      this.drop(false);
      waiter.readAheadAnswered(response, s.answerBytes);
    } else {
      s.waiter = waiter;
    }
    return true;
  }

  /** The slot's answer or failure came. */
  settled(s: Slot): void {
    const waiter = s.waiter;
    if (waiter === null) {
      this.changed();
      return;
    }
    this.drop(false);
    const response = s.response;
    if (response !== null) waiter.readAheadAnswered(response, s.answerBytes);
    else waiter.readAheadUnusable();
  }

  /** Drops a read-ahead held past keepMs (from the tick, for connections that stopped asking). */
  expire(): void {
    const s = this.slot;
    if (s === null || s.waiter !== null || s.answeredAtMs < 0) return;
    if (this.nowMs() - s.answeredAtMs <= this.keepMs) return;
    this.drop(!s.unusable);
    this.changed();
  }

  /** The connection closed. */
  close(): void {
    this.deferred = null;
    if (this.slot !== null) this.drop(false);
  }

  private drop(unused: bool): void {
    const s = this.slot;
    if (s === null) return;
    s.dropped = true;
    this.slot = null;
    if (unused) {
      this.quietUntilMs = this.nowMs() + QUIET_FACTOR * this.keepMs;
      this.vm.metrics.fetchReadAheadUnused();
    }
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
