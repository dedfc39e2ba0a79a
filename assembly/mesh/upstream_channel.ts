// The native dialect's channels to one cluster's bridge: one ordered stream per (VM, cluster,
// method), many messages in flight on it, answers matched by correlation id. `Produce` carries
// the clients' batches; `Forward` carries consumer and group requests (docs/consumers.md).
//
// Order: messages leave in submit order on one stream and the bridge writes each partition's
// batches in arrival order, so a partition's batches reach the cluster in the order clients
// sent them; nothing here waits for an answer before sending the next message.
// Flow control: at most windowBytes of messages in flight (always at least one); the rest
// wait here, in order, and count against the VM's memory budget through their requests.
// Loss: a stream that closes, resets, answers nonsense or stays silent past a message's
// deadline is a lost broker connection: every message in flight has an unknown outcome and
// fails with REQUEST_TIMED_OUT (clients retry; the bridge dedupes retries of idempotent
// batches it already wrote), and so do the queued ones behind them, so no later batch of a
// partition is written before the client has retried an earlier one. The next submit opens a
// fresh stream, after a reconnect delay (RECONNECT_MIN_MS doubling to RECONNECT_MAX_MS).
import { KafkaError } from "../kafka/errors";
import { RestBridge } from "./config";
import { MeshMetrics } from "./metrics";
import { StreamReceiver, StreamTransport } from "./upstream_transport";
import { NATIVE_GRPC_SERVICE } from "../upstream/native";

/** How long past its own timeout a message may stay unanswered before the stream counts as lost. */
export const ANSWER_GRACE_MS: i64 = 5000;
/**
 * After a lost stream the next one opens no sooner than this, doubling per loss in a row up to
 * RECONNECT_MAX_MS, back to nothing once an answer comes: a bridge that is down is tried a few
 * times a second, not once per client retry. Messages submitted meanwhile fail at once, as on a
 * broker connection that is down, and clients retry with their own backoff.
 */
export const RECONNECT_MIN_MS: i64 = 50;
export const RECONNECT_MAX_MS: i64 = 1000;

/** A message for the channel, encoded once the channel has given it its correlation id. */
export abstract class ChannelMessage {
  /** The whole message (a Kafka request header and body, no size prefix) under correlationId. */
  abstract encode(correlationId: i32): Uint8Array;
}

/** Whoever submitted a message: told when it leaves, then its answer or its failure, once. */
export abstract class ChannelCall {
  /** The message is on the stream (it no longer waits for the window). */
  onSent(): void {}
  /**
   * The bridge's answer (response header and body). False when it does not parse as the answer
   * to this message: the stream then counts as lost, and this call hears onFailure too.
   */
  abstract onAnswer(answer: Uint8Array): bool;
  abstract onFailure(code: i16, message: string): void;
}

class Pending {
  constructor(
    public id: i32,
    public message: Uint8Array,
    public call: ChannelCall,
    public deadline: i64,
  ) {}
}

export class UpstreamChannel extends StreamReceiver {
  private stream: u32 = 0;
  /** No stream opens before this (ms); 0: no loss since the last answer. */
  private reopenAtMs: i64 = 0;
  private reconnectDelayMs: i64 = 0;
  private nowMs: i64 = 0;
  private nextId: i32 = 0;
  /** Sent, unanswered, in send order. */
  private inflight: Array<Pending> = [];
  private inflightBytes: i64 = 0;
  /** Waiting for the window, in submit order. */
  private queued: Array<Pending> = [];

  constructor(
    public clusterName: string,
    private bridge: RestBridge,
    private transport: StreamTransport,
    private metrics: MeshMetrics,
    private windowBytes: i64,
    /** The gRPC method of the stream (service kafka.mesh.v1.Bridge). */
    private method: string,
  ) {
    super();
  }

  /**
   * Sends message, or queues it behind earlier ones; call hears the outcome. The stream counts
   * as lost when no answer came within timeoutMs + ANSWER_GRACE_MS. Returns the encoded size,
   * which the caller holds.
   */
  submit(message: ChannelMessage, timeoutMs: i64, call: ChannelCall, nowMs: i64): i32 {
    this.nowMs = max(this.nowMs, nowMs);
    const id = this.nextId;
    this.nextId = this.nextId == i32.MAX_VALUE ? 0 : this.nextId + 1;
    const bytes = message.encode(id);
    this.queued.push(new Pending(id, bytes, call, nowMs + timeoutMs + ANSWER_GRACE_MS));
    this.pump();
    return bytes.length;
  }

  /** Sends queued messages while the window has room. */
  private pump(): void {
    while (this.queued.length > 0) {
      const next = unchecked(this.queued[0]);
      if (this.inflight.length > 0 && this.inflightBytes + <i64>next.message.length > this.windowBytes) return;
      if (this.stream == 0) {
        if (this.nowMs < this.reopenAtMs) {
          const wait = this.reopenAtMs - this.nowMs;
          this.failEverything("the stream to the bridge of cluster " + this.clusterName + " was lost; reconnecting in " + wait.toString() + " ms");
          return;
        }
        this.stream = this.transport.open(this.bridge, NATIVE_GRPC_SERVICE, this.method, this);
        if (this.stream == 0) {
          this.backOff();
          this.failEverything("could not open a stream to the bridge of cluster " + this.clusterName);
          return;
        }
      }
      this.queued.shift();
      this.inflight.push(next);
      this.inflightBytes += next.message.length;
      if (!this.transport.send(this.stream, next.message)) {
        this.lose("the stream to the bridge of cluster " + this.clusterName + " refused a message");
        return;
      }
      next.call.onSent();
    }
  }

  onStreamMessage(stream: u32, message: Uint8Array): void {
    if (stream != this.stream) return;
    let at = -1;
    if (message.length >= 4) {
      // Every response header starts with the correlation id.
      const id = (<i32>message[0] << 24) | (<i32>message[1] << 16) | (<i32>message[2] << 8) | <i32>message[3];
      for (let i = 0; i < this.inflight.length; i++) {
        if (unchecked(this.inflight[i]).id == id) {
          at = i;
          break;
        }
      }
    }
    if (at < 0) {
      this.lose("the bridge of cluster " + this.clusterName + " sent an answer that matches no request");
      return;
    }
    const p = unchecked(this.inflight[at]);
    this.inflight.splice(at, 1);
    this.reconnectDelayMs = 0;
    this.reopenAtMs = 0;
    this.inflightBytes -= p.message.length;
    if (!p.call.onAnswer(message)) {
      const why = "the bridge of cluster " + this.clusterName + " sent an answer that does not parse";
      this.lose(why);
      p.call.onFailure(KafkaError.REQUEST_TIMED_OUT, why);
      return;
    }
    this.pump();
  }

  onStreamClosed(stream: u32, status: u32): void {
    if (stream != this.stream) return;
    this.stream = 0;
    this.backOff();
    this.metrics.streamLost(this.clusterName);
    if (this.inflight.length > 0 || this.queued.length > 0) {
      this.failEverything("the stream to the bridge of cluster " + this.clusterName + " closed (grpc status " + status.toString() + ")");
    }
  }

  /** Loses the stream when a message waited past its deadline (the bridge stopped answering). */
  tick(nowMs: i64): void {
    this.nowMs = max(this.nowMs, nowMs);
    for (let i = 0; i < this.inflight.length; i++) {
      if (unchecked(this.inflight[i]).deadline <= nowMs) {
        this.lose("no answer from the bridge of cluster " + this.clusterName + " in time");
        return;
      }
    }
  }

  /** Resets the stream and fails everything on it and behind it. */
  private lose(why: string): void {
    if (this.stream != 0) {
      const s = this.stream;
      this.stream = 0;
      this.transport.cancel(s);
      this.backOff();
      this.metrics.streamLost(this.clusterName);
    }
    this.failEverything(why);
  }

  /** The next stream waits: RECONNECT_MIN_MS after a first loss, twice as long after each further one. */
  private backOff(): void {
    this.reconnectDelayMs = this.reconnectDelayMs == 0 ? RECONNECT_MIN_MS : min(this.reconnectDelayMs << 1, RECONNECT_MAX_MS);
    this.reopenAtMs = this.nowMs + this.reconnectDelayMs;
  }

  private failEverything(why: string): void {
    const failed = this.inflight;
    const behind = this.queued;
    this.inflight = [];
    this.queued = [];
    this.inflightBytes = 0;
    for (let i = 0; i < failed.length; i++) unchecked(failed[i]).call.onFailure(KafkaError.REQUEST_TIMED_OUT, why);
    for (let i = 0; i < behind.length; i++) {
      unchecked(behind[i]).call.onFailure(KafkaError.REQUEST_TIMED_OUT, "not sent: " + why);
    }
  }
}
