// The filter's state for one client connection, free of any proxy-wasm call so it can be
// driven directly by tests: bytes in, answers out, in order.
import { FrameSplitter, FrameStatus } from "../kafka/frames";
import { Writer } from "../kafka/wire";
import { AnswerSink, InFlightRequest } from "./inflight";
import { MeshMetrics } from "./metrics";

/** Turns one Kafka frame into an in-flight request, or null when the connection must close. */
export abstract class RequestDecoder {
  /** Why the last decode returned null. */
  error: string = "";
  abstract decode(frame: Uint8Array): InFlightRequest | null;
}

export class Connection {
  private splitter: FrameSplitter;
  private pending: Array<InFlightRequest> = [];
  private out: Writer = new Writer(1024);
  /** Set when the client must be disconnected (after the answers already written). */
  closeReason: string = "";
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
  }

  wantsClose(): bool {
    return this.closeReason.length > 0;
  }

  inflight(): i32 {
    return this.pending.length;
  }

  /** Consumes a read from the client: every frame in it becomes an in-flight request. */
  onData(data: Uint8Array): void {
    if (this.closed || this.wantsClose()) return;
    const s = this.splitter;
    s.push(data);
    while (true) {
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
      this.pending.push(request);
      this.metrics.pending(1);
      request.startProcessing();
    }
  }

  /**
   * Answers of the finished requests at the front of the queue, as one byte run
   * (a view valid until the next call), or null when none is ready.
   */
  takeAnswers(): Uint8Array | null {
    const w = this.out;
    w.pos = 0;
    let done = 0;
    while (done < this.pending.length && this.pending[done].finished()) {
      this.pending[done].computeAnswer(w);
      done++;
    }
    if (done > 0) {
      this.pending.splice(0, done);
      this.metrics.pending(-done);
    }
    // Don't keep a huge buffer around after one large answer.
    if (w.pos == 0 && w.buf.length > 1 << 20) this.out = new Writer(1024);
    return w.pos > 0 ? w.view() : null;
  }

  /** The client left: pending requests are abandoned, later upstream answers dropped. */
  onClose(): void {
    this.closed = true;
    for (let i = 0; i < this.pending.length; i++) this.pending[i].abandon();
    this.metrics.pending(-this.pending.length);
    this.pending = [];
  }
}
