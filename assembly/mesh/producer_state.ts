// Idempotent producers: producer id allocation and per-partition sequence state.
//
// The sequence rules mirror Kafka 4.1's broker (ProducerStateManager, ProducerStateEntry,
// ProducerAppendInfo, UnifiedLog.analyzeAndValidateProducerState):
//   - the last 5 appended batches per (producer, partition) are remembered with their sequence
//     range and base offset; a batch with the same epoch and exactly the same first/last
//     sequence is a duplicate and is answered with success and the ORIGINAL base offset
//     (no DUPLICATE_SEQUENCE_NUMBER), without being appended (forwarded) again;
//   - an epoch older than the current one -> INVALID_PRODUCER_EPOCH (47);
//   - a newer epoch must start at sequence 0, else OUT_OF_ORDER_SEQUENCE_NUMBER (45); the bump
//     forgets the remembered batches;
//   - same epoch: the first sequence must follow the last one (wrapping Int32.MAX_VALUE -> 0),
//     else OUT_OF_ORDER_SEQUENCE_NUMBER (45);
//   - no state for the producer: any sequence is accepted (Kafka does the same when it has no
//     producer epoch on record). Here it also matters because the producer's earlier batches
//     may have gone through another Envoy worker VM, whose state this VM cannot see.
// Kafka appends to its log before answering, so a batch is "appended" at once. Here the append
// is an HTTP call to the bridge: an accepted batch is pending until complete() or fail(). It
// counts for the sequence check meanwhile (clients pipeline up to 5 requests), a retry of a
// pending batch is reported IN_FLIGHT (the caller answers it when the original completes, as a
// broker's delayed produce answers a duplicate once the original is replicated), and fail()
// rewinds the sequence so the client's retry of the failed batch is accepted.

import { incrementSequence } from "../records/batch";
import { KafkaError } from "../kafka/errors";

// ---------------------------------------------------------------------------------------------
// Producer id allocation

/**
 * Where producer id blocks come from. The filter implements it with proxy shared data and
 * compare-and-swap, so that every worker VM of one Envoy draws from the same counter.
 */
export abstract class ProducerIdBlockSource {
  /** Reserves the next block and returns its number (>= 0), or -1 when none can be had now. */
  abstract nextBlock(): i64;
}

/** Ids per block: a VM takes one block at a time, so shared data is touched once per 1000 ids. */
export const PRODUCER_ID_BLOCK_SIZE: i64 = 1000;

/**
 * The block counter's starting value after a (re)start: the wall-clock time in milliseconds.
 * Ids are block * PRODUCER_ID_BLOCK_SIZE + n, so ids handed out after a restart are larger
 * than every id of an earlier run as long as that run took at most one block per millisecond
 * of its life on average (a million new producers per second) and the clock did not go back.
 * The filter raises the shared counter to this value with compare-and-swap (never lowers it).
 * At ~1.7e12 ms the ids are ~1.7e15, far below Int64.MAX_VALUE.
 */
export function seedBlockCounter(nowMs: i64): i64 {
  return nowMs < 0 ? 0 : nowMs;
}

/** In-memory source, for tests and for a single VM without shared data. */
export class InMemoryBlockSource extends ProducerIdBlockSource {
  constructor(public counter: i64 = 0) {
    super();
  }
  nextBlock(): i64 {
    return this.counter++;
  }
}

export class ProducerIdAllocator {
  private next_: i64 = 0;
  private end_: i64 = 0;

  constructor(public source: ProducerIdBlockSource, public blockSize: i64 = PRODUCER_ID_BLOCK_SIZE) {}

  /** A fresh producer id, or -1 when the source has no block to give (answer a retriable error). */
  next(): i64 {
    if (this.next_ >= this.end_) {
      const block = this.source.nextBlock();
      if (block < 0 || block > i64.MAX_VALUE / this.blockSize - 1) return -1;
      this.next_ = block * this.blockSize;
      this.end_ = this.next_ + this.blockSize;
    }
    return this.next_++;
  }
}

// ---------------------------------------------------------------------------------------------
// Sequence state

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN. */
export const NUM_BATCHES_TO_RETAIN: i32 = 5;
/** Kafka's producer.id.expiration.ms default (1 day). */
export const DEFAULT_PRODUCER_EXPIRATION_MS: i64 = 86400000;

export const enum SeqDecision {
  /** Forward the batch; report the outcome with complete(ticket) / fail(ticket). */
  FORWARD = 0,
  /** Already appended: answer success with baseOffset, do not forward. */
  DUPLICATE = 1,
  /** The same batch is being forwarded (ticket): answer this one when that one completes. */
  IN_FLIGHT = 2,
  /** Refuse with errorCode. */
  ERROR = 3,
}

export class SeqCheck {
  decision: SeqDecision = SeqDecision.FORWARD;
  errorCode: i16 = KafkaError.NONE;
  baseOffset: i64 = -1;
  ticket: i32 = 0;
}

class BatchMeta {
  constructor(public firstSeq: i32, public lastSeq: i32, public baseOffset: i64) {}
}

class PendingBatch {
  constructor(
    public ticket: i32,
    public state: PartitionSeqState,
    public epoch: i16,
    public firstSeq: i32,
    public lastSeq: i32,
  ) {}
}

class PartitionSeqState {
  epoch: i16 = -1;
  /** Expected next first sequence; meaningful when sequenceKnown. */
  nextSeq: i32 = 0;
  sequenceKnown: bool = false;
  committed: Array<BatchMeta> = [];
  pending: Array<PendingBatch> = [];
  /** Batches whose forwarding failed while later ones were in flight: their retry is accepted. */
  failed: Array<BatchMeta> = [];
}

class ProducerEntry {
  prev: ProducerEntry | null = null;
  next: ProducerEntry | null = null;
  lastUsedMs: i64 = 0;
  partitions: Map<string, PartitionSeqState> = new Map();
  constructor(public producerId: i64) {}
}

function partitionKey(topic: string, partition: i32): string {
  return topic + "\u0000" + partition.toString();
}

export class ProducerStateTable {
  private producers: Map<i64, ProducerEntry> = new Map();
  private tickets: Map<i32, PendingBatch> = new Map();
  private head: ProducerEntry | null = null; // most recently used
  private tail: ProducerEntry | null = null; // least recently used
  private nextTicket: i32 = 1;

  constructor(
    public maxProducers: i32 = 10000,
    public expirationMs: i64 = DEFAULT_PRODUCER_EXPIRATION_MS,
  ) {}

  /** Number of producer ids tracked. */
  size(): i32 {
    return this.producers.size;
  }

  /** Number of batches forwarded and not yet completed or failed. */
  pendingCount(): i32 {
    return this.tickets.size;
  }

  /**
   * Judges one batch of an idempotent producer (producerId >= 0) for topic/partition.
   * firstSeq/lastSeq are the batch's baseSequence and lastSequence().
   */
  check(producerId: i64, epoch: i16, topic: string, partition: i32, firstSeq: i32, lastSeq: i32, nowMs: i64): SeqCheck {
    const out = new SeqCheck();
    this.expire(nowMs);
    let entry: ProducerEntry;
    if (this.producers.has(producerId)) {
      entry = this.producers.get(producerId);
      this.unlink(entry);
    } else {
      entry = new ProducerEntry(producerId);
      this.producers.set(producerId, entry);
    }
    entry.lastUsedMs = nowMs;
    this.pushFront(entry);
    this.evictOverCap();

    const key = partitionKey(topic, partition);
    let s: PartitionSeqState;
    if (entry.partitions.has(key)) {
      s = entry.partitions.get(key);
    } else {
      // Unknown here: start tracking at whatever sequence arrives (see the header comment).
      s = new PartitionSeqState();
      s.epoch = epoch;
      entry.partitions.set(key, s);
    }

    if (epoch == s.epoch) {
      for (let i = 0; i < s.committed.length; i++) {
        const m = unchecked(s.committed[i]);
        if (m.firstSeq == firstSeq && m.lastSeq == lastSeq) {
          out.decision = SeqDecision.DUPLICATE;
          out.baseOffset = m.baseOffset;
          return out;
        }
      }
      for (let i = 0; i < s.pending.length; i++) {
        const p = unchecked(s.pending[i]);
        if (p.epoch == epoch && p.firstSeq == firstSeq && p.lastSeq == lastSeq) {
          out.decision = SeqDecision.IN_FLIGHT;
          out.ticket = p.ticket;
          return out;
        }
      }
      for (let i = 0; i < s.failed.length; i++) {
        const f = unchecked(s.failed[i]);
        if (f.firstSeq == firstSeq && f.lastSeq == lastSeq) {
          s.failed.splice(i, 1);
          return this.accept(s, epoch, firstSeq, lastSeq, false, out);
        }
      }
      if (s.sequenceKnown && firstSeq != s.nextSeq) {
        out.decision = SeqDecision.ERROR;
        out.errorCode = KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER;
        return out;
      }
      return this.accept(s, epoch, firstSeq, lastSeq, true, out);
    }
    if (epoch < s.epoch) {
      out.decision = SeqDecision.ERROR;
      out.errorCode = KafkaError.INVALID_PRODUCER_EPOCH;
      return out;
    }
    // A newer epoch: Kafka requires sequence 0 when an epoch is on record.
    if (firstSeq != 0) {
      out.decision = SeqDecision.ERROR;
      out.errorCode = KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER;
      return out;
    }
    s.epoch = epoch;
    s.committed = [];
    s.failed = [];
    return this.accept(s, epoch, firstSeq, lastSeq, true, out);
  }

  private accept(s: PartitionSeqState, epoch: i16, firstSeq: i32, lastSeq: i32, advance: bool, out: SeqCheck): SeqCheck {
    const ticket = this.nextTicket;
    this.nextTicket = ticket == i32.MAX_VALUE ? 1 : ticket + 1;
    const p = new PendingBatch(ticket, s, epoch, firstSeq, lastSeq);
    s.pending.push(p);
    this.tickets.set(ticket, p);
    if (advance || !s.sequenceKnown) {
      s.nextSeq = incrementSequence(lastSeq, 1);
      s.sequenceKnown = true;
    }
    out.decision = SeqDecision.FORWARD;
    out.ticket = ticket;
    return out;
  }

  /** The forwarded batch was appended upstream at baseOffset: remember it for duplicate detection. */
  complete(ticket: i32, baseOffset: i64): void {
    if (!this.tickets.has(ticket)) return;
    const p = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    const s = p.state;
    removePending(s, p);
    if (p.epoch != s.epoch) return; // superseded by an epoch bump meanwhile
    if (s.committed.length >= NUM_BATCHES_TO_RETAIN) s.committed.shift();
    s.committed.push(new BatchMeta(p.firstSeq, p.lastSeq, baseOffset));
  }

  /** Forwarding failed: the batch was not appended, so the client's retry must be accepted. */
  fail(ticket: i32): void {
    if (!this.tickets.has(ticket)) return;
    const p = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    const s = p.state;
    removePending(s, p);
    if (p.epoch != s.epoch) return;
    if (s.sequenceKnown && s.nextSeq == incrementSequence(p.lastSeq, 1)) {
      // It was the last batch accepted: rewind so its retry is in sequence again.
      s.nextSeq = p.firstSeq;
    } else {
      // Later batches were already accepted (pipelining): accept this range once more.
      if (s.failed.length >= NUM_BATCHES_TO_RETAIN) s.failed.shift();
      s.failed.push(new BatchMeta(p.firstSeq, p.lastSeq, -1));
    }
  }

  private expire(nowMs: i64): void {
    let t = this.tail;
    while (t !== null && nowMs - t.lastUsedMs > this.expirationMs) {
      const prev = t.prev;
      this.drop(t);
      t = prev;
    }
  }

  private evictOverCap(): void {
    while (this.producers.size > this.maxProducers && this.tail !== null) this.drop(this.tail as ProducerEntry);
  }

  private drop(e: ProducerEntry): void {
    this.unlink(e);
    this.producers.delete(e.producerId);
  }

  private unlink(e: ProducerEntry): void {
    const p = e.prev;
    const n = e.next;
    if (p !== null) p.next = n;
    else if (this.head === e) this.head = n;
    if (n !== null) n.prev = p;
    else if (this.tail === e) this.tail = p;
    e.prev = null;
    e.next = null;
  }

  private pushFront(e: ProducerEntry): void {
    e.prev = null;
    e.next = this.head;
    if (this.head !== null) (this.head as ProducerEntry).prev = e;
    this.head = e;
    if (this.tail === null) this.tail = e;
  }
}

function removePending(s: PartitionSeqState, p: PendingBatch): void {
  for (let i = 0; i < s.pending.length; i++) {
    if (unchecked(s.pending[i]) === p) {
      s.pending.splice(i, 1);
      return;
    }
  }
}
