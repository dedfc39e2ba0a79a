// One bridge call at a time per (cluster, topic) in this VM.
//
// Two calls in flight for the same partitions would let the bridge's producer interleave
// their records (so the records of one batch would not get the consecutive offsets the
// client is told) and could write a later batch before an earlier one. Calls queue behind
// the one in flight instead. When a call fails, the calls queued behind it fail too without
// being sent, as a broker fails the batches behind a failed one, so clients retry in order.

import { KafkaError } from "../kafka/errors";

export abstract class LaneCall {
  /** Starts the call; false when it could not start (it has then recorded its failure). */
  abstract trySend(): bool;
  /** Size that counts against the cap of calls sent together. */
  abstract weight(): i64;
  /** True when other can go out in the same upstream call as this one. */
  abstract joinable(other: LaneCall): bool;
  /** Starts one upstream call for calls (this one first); false as for trySend. */
  abstract sendTogether(calls: Array<LaneCall>): bool;
  /** Fails the call without sending it. */
  abstract failUnsent(code: i16, message: string): void;
}

class Lane {
  busy: bool = false;
  waiting: Array<LaneCall> = [];
}

export class UpstreamLanes {
  private lanes: Map<string, Lane> = new Map();

  /**
   * Calls queued while another was in flight go out together, up to maxBatchWeight: one
   * upstream call per round trip instead of one per client request, and still in order.
   */
  constructor(private maxBatchWeight: i64 = 1 << 20) {}

  /** Sends now when the lane is free, else queues. */
  submit(key: string, call: LaneCall, failCode: i16): void {
    let lane: Lane;
    if (this.lanes.has(key)) lane = this.lanes.get(key);
    else {
      lane = new Lane();
      this.lanes.set(key, lane);
    }
    if (lane.busy) {
      lane.waiting.push(call);
      return;
    }
    lane.busy = true;
    if (!call.trySend()) this.done(key, true, failCode);
  }

  /** The lane's call in flight has completed; failed calls fail the queue behind them. */
  done(key: string, failed: bool, failCode: i16): void {
    if (!this.lanes.has(key)) return;
    const lane = this.lanes.get(key);
    while (true) {
      if (failed) {
        const queued = lane.waiting;
        lane.waiting = [];
        for (let i = 0; i < queued.length; i++) {
          queued[i].failUnsent(failCode, "not sent: an earlier batch for this topic failed upstream");
        }
      }
      if (lane.waiting.length == 0) {
        this.lanes.delete(key);
        return;
      }
      const next = lane.waiting.shift();
      let weight = next.weight();
      let together: Array<LaneCall> | null = null;
      while (lane.waiting.length > 0 && next.joinable(lane.waiting[0]) && weight + lane.waiting[0].weight() <= this.maxBatchWeight) {
        if (together === null) together = [next];
        const joined = lane.waiting.shift();
        weight += joined.weight();
        together!.push(joined);
      }
      if (together === null ? next.trySend() : next.sendTogether(together!)) return;
      // The bridge could not be called: the calls behind fail as that one did, with an error
      // clients retry (the answer that freed the lane may have been a success, code NONE).
      failed = true;
      failCode = KafkaError.REQUEST_TIMED_OUT;
    }
  }
}
