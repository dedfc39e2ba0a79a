// The filter's state for one client connection, free of any proxy-wasm call so it can be
// driven directly by tests: bytes in, answers out, in order.
import { FrameSplitter, FrameStatus } from "../kafka/frames";
import { Writer } from "../kafka/wire";
import { AnswerSink, InFlightRequest } from "./inflight";
import { BudgetMember, MemoryBudget } from "./memory_budget";
import { MeshMetrics } from "./metrics";

/** Turns one Kafka frame into an in-flight request, or null when the connection must close. */
export abstract class RequestDecoder {
  /** Why the last decode returned null. */
  error: string = "";
  abstract decode(frame: Uint8Array): InFlightRequest | null;
  /** The largest next frame accepted: the configured one, or less (before authentication). */
  frameLimit(configured: i32): i32 {
    return configured;
  }
  /** The connection's writer, for state the decoder keeps across requests. */
  attach(sink: AnswerSink | null): void {}
  /** Bytes the decoder holds across requests (a Fetch read-ahead), for the memory budget. */
  heldBytes(): i64 {
    return 0;
  }
  /** Answers went on towards the client (work held back for them may start). */
  answersPassed(): void {}
  /** The client left. */
  close(): void {}
}

export class Connection {
  private splitter: FrameSplitter;
  private maxFrameBytes: i32;
  private pending: Array<InFlightRequest> = [];
  private out: Writer = answerWriter();
  /** True once the bytes in `out` were handed out by takeAnswers (reset before writing). */
  private outTaken: bool = false;
  /**
   * Flow control of answers, off until enableAnswerFlowControl: answer bytes handed out but
   * not yet reported back by answersPassed (on their way to the client), and the bound on
   * those plus the answers written but not handed out. While over it, frames stay unread.
   */
  private maxPendingAnswerBytes: i64 = 0;
  private unpassedAnswerBytes: i64 = 0;
  /** The VM's memory budget and this connection's place in it (none in plain tests). */
  private budget: MemoryBudget | null = null;
  private member: BudgetMember | null = null;
  /** Set when the client must be disconnected (after the answers already written). */
  closeReason: string = "";
  /**
   * Set when a request asked for the connection to close once its answer is out (closeAfterAnswer):
   * nothing more is read, and closeReason follows when every answer has passed on.
   */
  private closingReason: string = "";
  /** Set when the client went away: late upstream answers are dropped. */
  closed: bool = false;

  constructor(
    private decoder: RequestDecoder,
    maxFrameBytes: i32,
    private maxInflight: i32,
    private metrics: MeshMetrics = new MeshMetrics(),
    private sink: AnswerSink | null = null,
  ) {
    this.splitter = new FrameSplitter(maxFrameBytes);
    this.maxFrameBytes = maxFrameBytes;
    decoder.attach(sink);
  }

  wantsClose(): bool {
    return this.closeReason.length > 0;
  }

  inflight(): i32 {
    return this.pending.length;
  }

  /**
   * Bounds the answer bytes on their way to the client, as a broker that reads no new
   * request while its answers wait to be sent: a few pipelined requests with large answers
   * (all-topics Metadata) cannot make the filter hold an unbounded amount of answers.
   */
  enableAnswerFlowControl(maxPendingAnswerBytes: i64): void {
    this.maxPendingAnswerBytes = maxPendingAnswerBytes;
  }

  /** Counts this connection's bytes in the VM's memory budget; its reads stop while it is held. */
  joinBudget(budget: MemoryBudget, member: BudgetMember): void {
    this.budget = budget;
    this.member = member;
    budget.join(member);
  }

  /**
   * Whether `incoming` more bytes may be taken from the client now; when not, the connection
   * is held by the budget and the caller leaves the bytes where they are.
   */
  admit(incoming: i64): bool {
    if (this.budget === null) return true;
    return this.budget!.admit(this.member!, incoming);
  }

  /** True while the budget holds this connection's reads. */
  heldForMemory(): bool {
    return this.member !== null && this.member!.held;
  }

  /** True when an answer can be written now (takeAnswers would return bytes). */
  answersWaiting(): bool {
    if (!this.outTaken && this.out.pos > 0) return true;
    return this.pending.length > 0 && this.pending[0].finished();
  }

  /**
   * Bytes the requests in `pending` hold: their frames, decoded records, messages sent
   * upstream and answers received (a Fetch holds its clusters' records until it is written).
   * Summed when reported, since a request's holding grows while it waits.
   */
  private heldByRequests(): i64 {
    let bytes: i64 = 0;
    for (let i = 0; i < this.pending.length; i++) bytes += unchecked(this.pending[i]).memoryBytes;
    return bytes;
  }

  /** Reports what this connection holds to the budget (also after a request took in an upstream answer). */
  syncBudget(): void {
    this.sync();
  }

  /** Reports what this connection holds to the budget. */
  private sync(): void {
    if (this.budget === null) return;
    const s = this.splitter;
    const buffered = <i64>s.buffered() + <i64>s.unread();
    const written = this.outTaken ? 0 : this.out.pos;
    const held = buffered + this.heldByRequests() + <i64>written + this.unpassedAnswerBytes + this.decoder.heldBytes();
    this.budget!.report(this.member!, held, buffered, this.metrics.nowMillis());
  }

  /** Reads frames left unread (after the budget resumed the connection). */
  readOn(): void {
    if (this.closed || this.wantsClose() || this.splitter.unread() == 0) return;
    this.readFrames();
    this.sync();
  }

  /** True while frames wait unread because too many answer bytes are on their way. */
  paused(): bool {
    return this.splitter.unread() > 0 && !this.wantsClose() && !this.closed;
  }

  private overAnswerBudget(): bool {
    if (this.maxPendingAnswerBytes <= 0) return false;
    const written = this.outTaken ? 0 : this.out.pos;
    return this.unpassedAnswerBytes + <i64>written >= this.maxPendingAnswerBytes;
  }

  /**
   * Answer bytes handed out by takeAnswers have gone on towards the client (the filter saw
   * them pass on its write side); frames left unread for them are read now.
   */
  answersPassed(bytes: i64): void {
    this.unpassedAnswerBytes = max<i64>(0, this.unpassedAnswerBytes - bytes);
    this.decoder.answersPassed();
    this.closeWhenAnswered();
    if (!this.closed && !this.wantsClose() && this.splitter.unread() > 0) this.readFrames();
    this.sync();
  }

  /** Consumes a read from the client: every frame in it becomes an in-flight request. */
  onData(data: Uint8Array): void {
    if (this.closed || this.wantsClose()) return;
    const s = this.splitter;
    s.push(data);
    // A client that keeps sending while its answers are not read is cut off: the frames it
    // sends meanwhile would otherwise pile up here.
    if (s.unread() > s.maxFrameBytes && this.overAnswerBudget()) {
      this.closeReason = "more than " + s.maxFrameBytes.toString() + " bytes sent while answers wait to be read";
      this.metrics.refused();
      return;
    }
    this.readFrames();
    this.sync();
  }

  private readFrames(): void {
    const s = this.splitter;
    while (true) {
      if (this.closingReason.length > 0) return;
      if (this.heldForMemory()) return;
      if (this.overAnswerBudget()) {
        if (s.unread() > 0) this.metrics.readsHeld();
        return;
      }
      s.maxFrameBytes = this.decoder.frameLimit(this.maxFrameBytes);
      const status = s.next();
      if (status == FrameStatus.NEED_MORE) return;
      if (status == FrameStatus.INVALID_SIZE) {
        this.closeReason = "frame size " + s.rejectedSize.toString() + " is negative or over the limit";
        this.metrics.refused();
        return;
      }
      if (this.pending.length >= this.maxInflight) {
        this.closeReason = "more than " + this.maxInflight.toString() + " requests in flight";
        this.metrics.refused();
        return;
      }
      const request = this.decoder.decode(s.frame);
      if (request === null) {
        this.closeReason = this.decoder.error;
        this.metrics.refused();
        return;
      }
      request.sink = this.sink;
      request.memoryBytes = s.frame.length;
      if (this.budget !== null) request.decodeAllowance = this.budget!.available();
      this.pending.push(request);
      this.metrics.pending(1);
      request.startProcessing();
      if (request.closeAfterAnswer.length > 0) this.closingReason = request.closeAfterAnswer;
      // Answers are written as soon as they can be, so their size counts against the budget
      // and the request's own state can go.
      if (this.maxPendingAnswerBytes > 0) this.writeFinished();
    }
  }

  /** Writes the answers of the finished requests at the front of the queue into `out`. */
  private writeFinished(): void {
    if (this.outTaken) {
      this.outTaken = false;
      this.out.reset();
      // Don't keep a huge buffer around after one large answer.
      if (this.out.capacity() > 1 << 20) this.out = answerWriter();
    }
    const w = this.out;
    let done = 0;
    while (done < this.pending.length && this.pending[done].finished()) {
      this.pending[done].computeAnswer(w);
      done++;
    }
    if (done > 0) {
      this.pending.splice(0, done);
      this.metrics.pending(-done);
    }
  }

  /**
   * Answers of the finished requests at the front of the queue, as one byte run
   * (a view valid until the next call), or null when none is ready.
   */
  takeAnswers(): Uint8Array | null {
    const w = this.takeOut();
    return w === null ? null : w.view();
  }

  /**
   * The same answers as takeAnswers, as the pieces to write in order: runs of the answer buffer
   * and large records as the clusters' answers hold them (not copied; valid until the next call).
   */
  takeAnswerPieces(): Array<Uint8Array> | null {
    const w = this.takeOut();
    return w === null ? null : w.pieces();
  }

  /** Writes the ready answers and hands out the writer holding them; null when none is ready. */
  private takeOut(): Writer | null {
    this.writeFinished();
    const w = this.out;
    if (w.pos == 0) {
      this.closeWhenAnswered();
      this.sync();
      return null;
    }
    this.outTaken = true;
    if (this.maxPendingAnswerBytes > 0) this.unpassedAnswerBytes += w.pos;
    this.closeWhenAnswered();
    this.sync();
    return w;
  }

  /** A close asked for by a request happens once every answer before it has been handed out and passed on. */
  private closeWhenAnswered(): void {
    if (this.closingReason.length == 0 || this.closeReason.length > 0) return;
    if (this.pending.length > 0 || (!this.outTaken && this.out.pos > 0) || this.unpassedAnswerBytes > 0) return;
    this.closeReason = this.closingReason;
  }

  /** The client left: pending requests are abandoned, later upstream answers dropped. */
  onClose(): void {
    this.closed = true;
    for (let i = 0; i < this.pending.length; i++) this.pending[i].abandon();
    this.metrics.pending(-this.pending.length);
    this.pending = [];
    this.decoder.close();
    if (this.budget !== null) this.budget!.leave(this.member!);
  }
}

/**
 * Records from this size on go to the client as the cluster's answer holds them, written to
 * Envoy's buffer straight from there: a Fetch answer's megabyte is not copied once more inside
 * the VM (smaller ones are copied: a host call per piece costs more than the copy).
 */
const SPLICE_RECORDS_FROM: i32 = 16 << 10;

/** A writer for a connection's answers. */
function answerWriter(): Writer {
  const w = new Writer(1024);
  w.spliceRecordsFrom(SPLICE_RECORDS_FROM);
  return w;
}
