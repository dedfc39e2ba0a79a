// One client connection as Envoy sees it, bridging proxy-wasm callbacks to Connection.
//
// proxy-wasm has no call that writes to the client. The filter consumes the client's
// bytes and puts its answers in their place in the downstream buffer; tcp_proxy, next in
// the chain, carries them to an echo listener that sends them straight back to the
// client. While answers wait for upstream clusters the filter returns StopIteration, so
// Envoy keeps the buffer, and proxy_continue_stream(Downstream) pushes late answers on.
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { BufferTypeValues, FilterStatusValues, log, LogLevelValues, StreamTypeValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { Connection } from "../mesh/connection";
import { MeshContext } from "../mesh/context";
import { AnswerSink } from "../mesh/inflight";
import { MeshMetrics } from "../mesh/metrics";
import { MeshRequestDecoder } from "../mesh/request_decoder";
import { readBuffer, writeBuffer } from "./host";

/** The context Envoy is currently calling into; restored after acting for another one. */
export let activeContextId: u32 = 0;
/** Counts Envoy's calls into the module: a continuation asked for in one has run by the next. */
let callNumber: u32 = 0;

export function enterContext(id: u32): void {
  activeContextId = id;
  callNumber++;
}

export class ConnectionContext extends AnswerSink {
  connection!: Connection;
  /** Bytes at the head of the downstream buffer that are our answers, not yet sent on. */
  private ownedBytes: u32 = 0;
  /** The call in which proxy_continue_stream was last asked for (0: none pending). */
  private continuedIn: u32 = 0;
  /** True while Envoy is inside onDownstreamData: answers are written when it returns. */
  private reading: bool = false;
  private metrics: MeshMetrics;

  constructor(public id: u32, mesh: MeshContext) {
    super();
    const config = mesh.config;
    this.metrics = mesh.metrics;
    this.connection = new Connection(new MeshRequestDecoder(mesh), config.maxFrameBytes, config.maxInflightRequests, mesh.metrics, this);
    this.connection.enableAnswerFlowControl(config.maxPendingAnswerBytes);
    this.metrics.connections(1);
    this.metrics.heap(<i64>memory.size() << 16);
  }

  /**
   * Envoy runs a continuation after the call that asked for it returns, and tcp_proxy (connected
   * to the echo listener before the first client byte was read) then takes the whole buffer;
   * until then, answers written in the same call are still in the buffer, ahead of new ones.
   */
  private settleContinuation(): void {
    if (this.continuedIn != 0 && this.continuedIn != callNumber) {
      this.ownedBytes = 0;
      this.continuedIn = 0;
    }
  }

  onDownstreamData(size: u32, endOfStream: bool): FilterStatusValues {
    const c = this.connection;
    this.settleContinuation();
    const owned = this.ownedBytes;
    let ours: Uint8Array | null = null;
    if (size > owned) {
      const all = readBuffer(BufferTypeValues.NetworkDownstreamData, 0, size);
      if (owned > 0) ours = all.subarray(0, owned);
      this.reading = true;
      c.onData(all.subarray(owned));
      this.reading = false;
    }
    const answers = c.takeAnswers();
    // Every client byte is consumed: the buffer keeps only answers (ours first).
    let out: Uint8Array;
    if (answers === null) out = ours === null ? new Uint8Array(0) : ours!;
    else if (ours === null) out = answers!;
    else {
      const head = ours!;
      const tail = answers!;
      out = new Uint8Array(head.length + tail.length);
      out.set(head);
      out.set(tail, head.length);
    }
    writeBuffer(BufferTypeValues.NetworkDownstreamData, 0, size, out);
    this.ownedBytes = out.length;
    if (c.wantsClose()) return this.close();
    if (c.paused()) {
      // Frames wait until these answers pass on the write side: send them on now, and keep
      // the buffer (StopIteration) to write the next answers into.
      if (out.length > 0) this.continueNow();
      return FilterStatusValues.StopIteration;
    }
    if (c.inflight() > 0) return FilterStatusValues.StopIteration;
    this.ownedBytes = 0;
    return FilterStatusValues.Continue;
  }

  /** Asks Envoy to pass the downstream buffer on to tcp_proxy once the current call returns. */
  private continueNow(): void {
    imports.proxy_continue_stream(StreamTypeValues.Downstream);
    this.continuedIn = callNumber;
  }

  /**
   * Bytes on the write side: our answers coming back from the echo listener on their way
   * to the client. Once they pass, frames left unread for them are read.
   */
  onUpstreamData(size: u32): void {
    const c = this.connection;
    if (c.closed) return;
    this.reading = true;
    c.answersPassed(<i64>size);
    this.reading = false;
    this.answersReady();
  }

  /** Answers became ready outside onDownstreamData: append them and push them on. */
  answersReady(): void {
    const c = this.connection;
    if (c.closed || this.reading) return;
    const answers = c.takeAnswers();
    if (answers === null && !c.wantsClose()) return;
    this.settleContinuation();
    // Act as this connection's context, then give Envoy back the one it called.
    imports.proxy_set_effective_context(this.id);
    if (answers !== null) {
      const more = answers!;
      // Appended after the answers already waiting there (start at their end; 0 on an empty buffer).
      writeBuffer(BufferTypeValues.NetworkDownstreamData, this.ownedBytes, 0, more);
      this.ownedBytes += more.length;
      this.continueNow();
    }
    if (c.wantsClose()) this.close();
    if (activeContextId != this.id) imports.proxy_set_effective_context(activeContextId);
  }

  private close(): FilterStatusValues {
    log(LogLevelValues.info, "kafka_mesh: closing connection " + this.id.toString() + ": " + this.connection.closeReason);
    imports.proxy_close_stream(StreamTypeValues.Downstream);
    return FilterStatusValues.StopIteration;
  }

  onClose(): void {
    if (this.connection.closed) return;
    this.connection.onClose();
    this.metrics.connections(-1);
    this.metrics.heap(<i64>memory.size() << 16);
  }
}
