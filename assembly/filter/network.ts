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
import { BudgetMember, MemoryBudget } from "../mesh/memory_budget";
import { AnswerSink } from "../mesh/inflight";
import { MeshMetrics } from "../mesh/metrics";
import { MeshRequestDecoder } from "../mesh/request_decoder";
import { getPropertyText, readBuffer, writeBuffer } from "./host";
import { Session } from "../mesh/session";

/** The memory budgets of this VM's plugin instances, settled after each call into the VM. */
const budgets: Array<MemoryBudget> = [];

export function registerBudget(b: MemoryBudget): void {
  budgets.push(b);
}

/** Client bytes copied into the VM since the last full collection. */
let readSinceCollect: i64 = 0;

export function countRead(bytes: i64): void {
  readSinceCollect += bytes;
}

/** Resumes and closes connections as the budgets' figures call for (outside any connection's processing). */
export function settleBudgets(force: bool = false): void {
  let closed = false;
  let limit: i64 = i64.MAX_VALUE;
  for (let i = 0; i < budgets.length; i++) {
    const before = budgets[i].evictions;
    budgets[i].settle(force);
    if (budgets[i].evictions != before) closed = true;
    limit = min(limit, budgets[i].limit);
  }
  // Every read from Envoy's buffer is copied into the VM and is garbage once its bytes are
  // in partial-frame chunks or decoded; connections closed for memory leave their chunks as
  // garbage. The incremental collector starts a cycle only once the heap has doubled, so
  // under load the heap would grow to a few times what the budget counts: a full collection
  // after an eighth of the budget was read, or after closes, keeps it near the budget.
  if (closed || readSinceCollect > (limit >> 3)) {
    readSinceCollect = 0;
    __collect();
  }
}

/**
 * Connections to close on the next tick: their close came due while their answers were passing
 * on the write side (proxy_on_upstream_data). Envoy runs a close asked for there when that call
 * returns, before it moves the bytes the call saw into the socket's write buffer, so a close
 * then finds nothing to flush and the client never gets them, e.g. the SASL failure a close
 * after an answer is for.
 */
const closesDue: Array<ConnectionContext> = [];

/** Closes the connections whose close came due on their write side (from the root's tick). */
export function closeDueConnections(): void {
  while (closesDue.length > 0) closesDue.shift().closeNow();
}

/** Counts Envoy's calls into the module: a continuation asked for in one has run by the next. */
let callNumber: u32 = 0;

/**
 * The context the filter acts as now: the one Envoy called, or a connection it acts for
 * (answers, resumes and closes from another connection's callback). Calls that switch
 * context for a moment (HTTP calls go out as the root context) come back to this one.
 */
export let actingContextId: u32 = 0;

/** Envoy calls into the module as context id. */
export function enterContext(id: u32): void {
  actingContextId = id;
  callNumber++;
}

/** Makes id the effective context; returns the context to come back to. */
export function actAs(id: u32): u32 {
  const previous = actingContextId;
  if (id != previous) {
    imports.proxy_set_effective_context(id);
    actingContextId = id;
  }
  return previous;
}

/**
 * Makes the plugin's root context effective for a host call that belongs to it (HTTP calls and
 * gRPC streams outlive the connection that caused them); returns the context acted as, for
 * backFromRoot.
 */
export function asRoot(rootId: u32): u32 {
  imports.proxy_set_effective_context(rootId);
  return actingContextId;
}

/**
 * Back to the context acted as before asRoot, also when a callback nested in the host call
 * (Envoy closing a stream it could not open) entered another one meanwhile.
 */
export function backFromRoot(acting: u32): void {
  actAs(acting);
  imports.proxy_set_effective_context(acting);
}

/** The connection's place in the VM's memory budget: resumes or closes it when told. */
class ContextBudgetMember extends BudgetMember {
  constructor(private context: ConnectionContext) {
    super();
  }
  resume(): void {
    this.context.resume();
  }
  closeForMemory(reason: string): void {
    this.context.closeForMemory(reason);
  }
}

export class ConnectionContext extends AnswerSink {
  connection!: Connection;
  private session!: Session;
  /** The client certificate's subject was looked at (on the first bytes). */
  private peerRead: bool = false;
  /**
   * Client bytes left in Envoy's buffer (after our answers) while the memory budget holds
   * the connection; Envoy stops reading the socket once its buffer passes its limit.
   */
  private waitingBytes: u32 = 0;
  /** The client closed its side; tcp_proxy must hear it once our answers are out. */
  private endOfStream: bool = false;
  /** Bytes at the head of the downstream buffer that are our answers, not yet sent on. */
  private ownedBytes: u32 = 0;
  /** The call in which proxy_continue_stream was last asked for (0: none pending). */
  private continuedIn: u32 = 0;
  /** True while Envoy is inside onDownstreamData: answers are written when it returns. */
  private reading: bool = false;
  /** True inside onUpstreamData: a close now would drop the bytes passing (see closesDue). */
  private writing: bool = false;
  /** Queued in closesDue. */
  private closeDue: bool = false;
  private metrics: MeshMetrics;

  constructor(public id: u32, mesh: MeshContext) {
    super();
    const config = mesh.config;
    this.metrics = mesh.metrics;
    this.session = ConnectionContext.session(mesh);
    this.connection = new Connection(new MeshRequestDecoder(mesh, this.session), config.maxFrameBytes,
      config.maxInflightRequests, mesh.metrics, this);
    this.connection.enableAnswerFlowControl(config.maxPendingAnswerBytes);
    this.connection.joinBudget(mesh.budget, new ContextBudgetMember(this));
    this.metrics.connections(1);
    this.metrics.heap(<i64>memory.size() << 16);
  }

  /** The connection's security state: its client address (logs, ACL hosts). */
  private static session(mesh: MeshContext): Session {
    const security = mesh.security;
    if (security.config === null) return new Session(security);
    const client = getPropertyText(["source", "address"]);
    return new Session(security, client, hostOf(client));
  }

  /**
   * On a TLS listener asking for client certificates, the verified certificate's subject names
   * the principal (without SASL). The handshake is over only when the first bytes arrive, so
   * the subject is read then, not when the connection opens.
   */
  private readPeerCertificate(): void {
    if (this.peerRead) return;
    this.peerRead = true;
    if (this.session.security.config === null || this.session.security.saslRequired()) return;
    this.session.usePeerSubject(getPropertyText(["connection", "subject_peer_certificate"]));
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
    this.readPeerCertificate();
    this.settleContinuation();
    const owned = this.ownedBytes;
    const incoming = size > owned ? size - owned : 0;
    this.waitingBytes = 0;
    if (endOfStream) this.endOfStream = true;
    if (incoming > 0 && !c.admit(incoming)) {
      // A client that closed its side sends nothing more: its incomplete request can never be
      // read, so the connection closes now, as a broker's does on end of stream.
      if (endOfStream) {
        c.closeReason = "client closed its side while its reads were held for memory";
        return this.close();
      }
      // Held for memory: the bytes stay in Envoy's buffer, unless answers must go out through
      // it first (a continuation would carry them on to the echo): then they are taken in,
      // but no frame is read from them until the budget resumes the connection.
      if (owned == 0 && !c.answersWaiting()) {
        this.waitingBytes = incoming;
        return FilterStatusValues.StopIteration;
      }
    }
    let ours: Uint8Array | null = null;
    if (owned > 0 || incoming > 0) {
      const all = readBuffer(BufferTypeValues.NetworkDownstreamData, 0, min(size, owned + incoming));
      if (owned > 0) ours = all.subarray(0, min(owned, all.length));
      if (incoming > 0) this.feed(all.subarray(owned));
    }
    const answers = c.takeAnswerPieces();
    // Every client byte is consumed: the buffer keeps only answers (ours first).
    const pieces: Array<Uint8Array> = answers === null ? [] : answers;
    if (ours !== null) pieces.unshift(ours);
    const written = writePieces(0, size, pieces);
    this.ownedBytes = written;
    if (c.wantsClose()) return this.close();
    if (c.paused()) {
      // Frames wait until these answers pass on the write side: send them on now, and keep
      // the buffer (StopIteration) to write the next answers into.
      if (written > 0) this.continueNow();
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
    this.writing = true;
    this.answersReady();
    this.writing = false;
  }

  /** Hands client bytes copied out of Envoy's buffer to the connection. */
  private feed(bytes: Uint8Array): void {
    countRead(bytes.length);
    this.reading = true;
    this.connection.onData(bytes);
    this.reading = false;
  }

  /** Answers became ready outside onDownstreamData: append them and push them on. */
  answersReady(): void {
    const c = this.connection;
    if (c.closed || this.reading) return;
    if (!c.answersWaiting() && !c.wantsClose()) {
      // An answer for a request behind the front: what it holds now counts in the budget.
      c.syncBudget();
      return;
    }
    this.pump();
  }

  /** The memory budget lets the connection read again: frames kept unread, then Envoy's buffer. */
  resume(): void {
    const c = this.connection;
    if (c.closed || this.reading) return;
    this.reading = true;
    c.readOn();
    this.reading = false;
    this.pump();
  }

  /**
   * Outside onDownstreamData, as this connection's context: takes in the client bytes left in
   * Envoy's buffer (read as frames unless the budget holds the connection), puts the ready
   * answers in their place after the answers already there, and pushes them on.
   */
  private pump(): void {
    const c = this.connection;
    this.settleContinuation();
    // Act as this connection's context, then come back to the one acted as before.
    const previous = actAs(this.id);
    const waiting = this.waitingBytes;
    if (waiting > 0) {
      this.waitingBytes = 0;
      this.feed(readBuffer(BufferTypeValues.NetworkDownstreamData, this.ownedBytes, waiting));
    }
    const answers = c.takeAnswerPieces();
    if (answers !== null || waiting > 0) {
      // The client bytes taken in are replaced by the answers, after those already waiting
      // there (start at their end; 0 on an empty buffer).
      const written = writePieces(this.ownedBytes, waiting, answers === null ? [] : answers);
      this.ownedBytes += written;
      if (written > 0) this.continueNow();
    }
    // An end of stream held back with the client's bytes goes on to tcp_proxy once idle.
    if (this.endOfStream && c.inflight() == 0 && !c.paused() && !c.wantsClose() && this.continuedIn == 0) this.continueNow();
    if (c.wantsClose()) this.close();
    actAs(previous);
  }

  /** The VM needs this connection's memory back: it is closed (the budget has let it go). */
  closeForMemory(reason: string): void {
    const c = this.connection;
    if (c.closed || c.wantsClose()) return;
    c.closeReason = reason;
    const previous = actAs(this.id);
    this.close();
    actAs(previous);
  }

  /** The close queued on the write side, from the tick (acting as this connection). */
  closeNow(): void {
    this.closeDue = false;
    if (this.connection.closed) return;
    const previous = actAs(this.id);
    this.close();
    actAs(previous);
  }

  private close(): FilterStatusValues {
    if (this.writing) {
      if (!this.closeDue) {
        this.closeDue = true;
        closesDue.push(this);
      }
      return FilterStatusValues.StopIteration;
    }
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

/**
 * Replaces bytes [start, start+length) of the downstream buffer with pieces, in order: the first
 * in their place, the others appended after it (Envoy appends a write that starts at or past
 * the buffer's end). Returns the bytes written.
 */
function writePieces(start: u32, length: u32, pieces: Array<Uint8Array>): u32 {
  if (pieces.length == 0) {
    writeBuffer(BufferTypeValues.NetworkDownstreamData, start, length, new Uint8Array(0));
    return 0;
  }
  let written: u32 = 0;
  for (let i = 0; i < pieces.length; i++) {
    const piece = unchecked(pieces[i]);
    writeBuffer(BufferTypeValues.NetworkDownstreamData, start + written, i == 0 ? length : 0, piece);
    written += <u32>piece.length;
  }
  return written;
}

/** The IP of "ip:port" or "[ipv6]:port". */
function hostOf(address: string): string {
  if (address.startsWith("[")) {
    const end = address.indexOf("]");
    return end > 0 ? address.substring(1, end) : address;
  }
  const colon = address.lastIndexOf(":");
  return colon > 0 ? address.substring(0, colon) : address;
}
