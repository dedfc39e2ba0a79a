// One memory budget for all connections of a VM, as a broker bounds the bytes of queued
// requests (queued.max.request.bytes): bytes held for partial frames and unread client
// bytes, requests waiting upstream and answers on their way to clients, counted together.
//
//   below max_buffered_bytes       every connection is read
//   from max_buffered_bytes on     heavy connections are held (their bytes stay in Envoy's
//                                  buffer, whose per-connection limit stops the socket);
//                                  light ones, normal producers and metadata, go on
//   past close_buffered_bytes      the connections holding the oldest partial frames,
//                                  largest first, are closed until the VM is back under
//                                  max_buffered_bytes; the same when every byte held is a
//                                  partial frame of a held connection (none can progress), or
//                                  when a connection has waited a second for memory that only
//                                  partial frames hold (a stalled client never frees it)
//
// Held connections are resumed, first held first, once the VM is under the budget again.
import { MeshMetrics } from "./metrics";

/** How long a connection waits for memory held by partial frames before the oldest are closed. */
export const HOLD_PATIENCE_MS: i64 = 1000;

/** A connection as the budget sees it (implemented by the filter's connection context). */
export abstract class BudgetMember {
  /** Bytes this member holds, as last reported to the budget. */
  heldBytes: i64 = 0;
  /** Bytes of partial frames and unread client bytes within heldBytes. */
  bufferedBytes: i64 = 0;
  /** When bufferedBytes last went from 0 to more (ms), for the eviction order. */
  bufferedSince: i64 = 0;
  /** True while the member's reads are held for memory, since when (ms), and for how many bytes. */
  held: bool = false;
  heldSince: i64 = 0;
  wanted: i64 = 0;
  /** True once the member left the budget (closed). */
  gone: bool = false;
  /** Reading may go on: consume what waits in Envoy's buffer. */
  abstract resume(): void;
  /** Close the connection: the VM needs its memory back. */
  abstract closeForMemory(reason: string): void;
}

export class MemoryBudget {
  /** Bytes held by all members together. */
  total: i64 = 0;
  /** Bytes of partial frames and unread client bytes within total. */
  buffered: i64 = 0;
  private members: Array<BudgetMember> = [];
  private heldQueue: Array<BudgetMember> = [];
  /** Set when some member's bytes went down: resume and evict checks are due. */
  private dirty: bool = false;
  /** Counts of what the budget did (for stats and tests). */
  holds: i64 = 0;
  evictions: i64 = 0;

  constructor(public limit: i64, public closeLimit: i64, private metrics: MeshMetrics = new MeshMetrics()) {}

  /** A connection holding at least this much is heavy (held at the budget). */
  heavyBytes(): i64 {
    return max<i64>(this.limit >> 4, 64 * 1024);
  }

  join(m: BudgetMember): void {
    this.members.push(m);
  }

  /** Updates a member's figures (a member that left is ignored). */
  report(m: BudgetMember, held: i64, buffered: i64, nowMs: i64): void {
    if (m.gone) return;
    const delta = held - m.heldBytes;
    this.total += delta;
    this.buffered += buffered - m.bufferedBytes;
    if (m.bufferedBytes == 0 && buffered > 0) m.bufferedSince = nowMs;
    m.heldBytes = held;
    m.bufferedBytes = buffered;
    if (delta < 0 || this.total >= this.closeLimit) this.dirty = true;
    if (delta != 0) this.metrics.buffered(delta);
  }

  /** The member left: its bytes are released. */
  leave(m: BudgetMember): void {
    if (m.gone) return;
    m.gone = true;
    const delta = -m.heldBytes;
    this.total += delta;
    this.buffered -= m.bufferedBytes;
    m.heldBytes = 0;
    m.bufferedBytes = 0;
    const i = this.members.indexOf(m);
    if (i >= 0) this.members.splice(i, 1);
    const h = this.heldQueue.indexOf(m);
    if (h >= 0) this.heldQueue.splice(h, 1);
    m.held = false;
    this.dirty = true;
    if (delta != 0) this.metrics.buffered(delta);
  }

  /**
   * Whether m may take `incoming` more bytes from its client now. When not, m is held (the
   * caller leaves the bytes in Envoy's buffer) until resume() is called on it.
   */
  admit(m: BudgetMember, incoming: i64): bool {
    if (m.held) {
      m.wanted = incoming;
      return false;
    }
    if (this.fits(m, incoming)) return true;
    m.held = true;
    m.heldSince = this.metrics.nowMillis();
    m.wanted = incoming;
    this.heldQueue.push(m);
    this.holds++;
    this.metrics.readsHeldForMemory();
    this.dirty = true;
    return false;
  }

  /** Within the budget; or, for a light connection, short of close_buffered_bytes. */
  private fits(m: BudgetMember, incoming: i64): bool {
    const after = this.total + incoming;
    if (after <= this.limit) return true;
    return after < this.closeLimit && m.heldBytes + incoming < this.heavyBytes();
  }

  /** Bytes a request may still take for decoding (decompressed records) without passing close_buffered_bytes. */
  available(): i64 {
    return max<i64>(0, this.closeLimit - this.total);
  }

  /**
   * Closes and resumes what the current figures call for; the filter runs it after each of
   * Envoy's calls into the VM, outside any connection's own processing.
   */
  settle(force: bool = false): void {
    if (!this.dirty && !force) return;
    this.dirty = false;
    if (this.total >= this.closeLimit) this.evict(this.limit);
    else if (this.heldQueue.length > 0 && !this.fits(this.heldQueue[0], this.heldQueue[0].wanted) && (this.stuck() || this.waitedTooLong())) {
      // Room for the first connection waiting, within the budget.
      this.evict(max<i64>(0, this.limit - this.heldQueue[0].wanted));
    }
    // First held, first resumed, each once its bytes fit.
    while (this.heldQueue.length > 0 && this.fits(this.heldQueue[0], this.heldQueue[0].wanted)) {
      const m = this.heldQueue.shift();
      m.held = false;
      m.resume();
    }
  }

  /** Every byte the VM holds is a partial frame of a held connection: none can progress. */
  private stuck(): bool {
    let heldBuffered: i64 = 0;
    for (let i = 0; i < this.heldQueue.length; i++) heldBuffered += this.heldQueue[i].bufferedBytes;
    return heldBuffered >= this.total;
  }

  /**
   * The first connection has waited for memory longer than HOLD_PATIENCE_MS while every byte
   * held is a partial frame: no request in flight or answer on its way will free any, and
   * clients that stalled mid-frame never will.
   */
  private waitedTooLong(): bool {
    if (this.buffered < this.total) return false;
    return this.metrics.nowMillis() - this.heldQueue[0].heldSince >= HOLD_PATIENCE_MS;
  }

  /** Closes the members holding the oldest partial frames, largest first, until total <= target. */
  private evict(target: i64): void {
    const candidates = new Array<BudgetMember>();
    for (let i = 0; i < this.members.length; i++) {
      if (this.members[i].bufferedBytes > 0) candidates.push(this.members[i]);
    }
    // Oldest first, by the second; within the same second the largest first.
    candidates.sort((a: BudgetMember, b: BudgetMember): i32 => {
      const sa = a.bufferedSince / 1000;
      const sb = b.bufferedSince / 1000;
      if (sa != sb) return sa < sb ? -1 : 1;
      if (a.bufferedBytes != b.bufferedBytes) return a.bufferedBytes > b.bufferedBytes ? -1 : 1;
      return 0;
    });
    for (let i = 0; i < candidates.length && this.total > target; i++) {
      const m = candidates[i];
      const reason =
        "VM holds " + this.total.toString() + " buffered bytes (max_buffered_bytes " + this.limit.toString() +
        ", close_buffered_bytes " + this.closeLimit.toString() + "); this connection held " +
        m.bufferedBytes.toString() + " bytes of an incomplete request";
      this.evictions++;
      this.metrics.closedForMemory();
      m.closeForMemory(reason);
      // A member that could not close itself still leaves the budget: it is gone for the VM.
      this.leave(m);
    }
  }
}
