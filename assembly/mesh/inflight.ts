// One request read from a client connection, from decoding until its answer is written.
//
// Modelled on Envoy's kafka_mesh command handlers: each request starts its processing
// (possibly asking upstream clusters), reports when it has finished, and then computes
// the bytes of its answer. The connection keeps them in arrival order and writes answers
// only from the front, so responses leave in request order.
import { Writer } from "../kafka/wire";
import { openSession, Session } from "./session";

/** Whoever writes a connection's answers: told when answers may have become ready. */
export abstract class AnswerSink {
  abstract answersReady(): void;
}

export abstract class InFlightRequest {
  /** The connection's writer; set when the request is queued. */
  sink: AnswerSink | null = null;
  /**
   * Bytes this request holds until it is answered, for the VM's memory budget: its frame,
   * plus what startProcessing adds (decompressed records, messages sent upstream) and what
   * upstream answers add while it waits (a Fetch's records). The connection sums it when it
   * reports to the budget.
   */
  memoryBytes: i64 = 0;
  /** Bytes startProcessing may take for decoding before the VM passes its memory budget. */
  decodeAllowance: i64 = i64.MAX_VALUE;
  /** The connection's principal and ACLs (set by the decoder; open when there is no security). */
  session: Session = openSession();
  /**
   * Set by startProcessing when the connection must close once this answer is out (a failed
   * SASL exchange, as a broker does): no further request is read.
   */
  closeAfterAnswer: string = "";

  constructor(public apiKey: i16, public apiVersion: i16, public correlationId: i32) {}

  /** Starts the work; requests answered locally are finished right away. */
  startProcessing(): void {}

  /** True once the answer can be computed. */
  abstract finished(): bool;

  /**
   * Writes the whole answer frame (size, header, body) into w.
   * Returns false when the request gets no answer at all (Produce with acks=0).
   */
  abstract computeAnswer(w: Writer): bool;

  /**
   * The client went away: its answer is no longer wanted. Upstream calls already made still
   * complete (they carry producer state other requests may wait for).
   */
  abandon(): void {
    this.sink = null;
  }

  /** Tells the connection that this request's answer may be ready. */
  notifyReady(): void {
    const sink = this.sink;
    if (sink !== null) sink.answersReady();
  }
}

/** Writes a response frame's size placeholder and header; returns where the frame starts. */
export function beginResponse(w: Writer, correlationId: i32, headerVersion: i16): i32 {
  const start = w.pos;
  w.int32(0);
  w.int32(correlationId);
  if (headerVersion >= 1) w.emptyTaggedFields();
  return start;
}

/** Back-fills the size of a frame begun by beginResponse. */
export function endResponse(w: Writer, start: i32): void {
  w.patchInt32(start, w.pos - start - 4);
}
