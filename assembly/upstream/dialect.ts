// The boundary between the produce logic and a REST bridge's wire format. A dialect builds
// the HTTP call for one (cluster, topic, partition) group of records and turns the HTTP answer into a
// Kafka error code per record. Adding another bridge API (e.g. Confluent REST v3) is a new
// file implementing Dialect, and its name in dialectFor (index.ts).

import { Record } from "../records/batch";
import { KafkaError } from "../kafka/errors";

/** One record to forward, with the partition the client chose. */
export class UpstreamRecord {
  constructor(
    public partition: i32,
    public record: Record,
    /** False for LOG_APPEND_TIME batches or records without a timestamp: the cluster stamps them. */
    public sendTimestamp: bool,
  ) {}
}

export class HttpCall {
  method: string = "POST";
  path: string = "/";
  /** Header name/value pairs. */
  headers: Array<string[]> = [];
  body: Uint8Array = new Uint8Array(0);
}

export class RecordResult {
  errorCode: i16 = KafkaError.NONE;
  offset: i64 = -1;
  /** The partition the bridge reports, -1 when it did not say. */
  partition: i32 = -1;
  message: string | null = null;
}

export class UpstreamAnswer {
  /** Set when the whole call failed; then results is empty and the code applies to every record. */
  errorCode: i16 = KafkaError.NONE;
  message: string | null = null;
  /** One per record sent, in order, when errorCode is NONE. */
  results: Array<RecordResult> = [];

  static fail(code: i16, message: string): UpstreamAnswer {
    const a = new UpstreamAnswer();
    a.errorCode = code;
    a.message = message;
    return a;
  }
}

/**
 * Failures below HTTP. The filter's transport reports both as status 0 (no HTTP answer), which
 * the Produce handler takes as CONNECTION; both map to the same Kafka code.
 */
export const enum TransportFailure {
  /** Connection refused/reset, no healthy upstream host, stream reset. */
  CONNECTION = 0,
  /** The HTTP call's timeout elapsed. */
  TIMEOUT = 1,
}

/**
 * Kafka error code for a failed HTTP call, whose outcome is unknown (the bridge may have written
 * the records). REQUEST_TIMED_OUT in both cases: every client retries it (librdkafka as
 * "possibly persisted"), while librdkafka fails a batch answered with NETWORK_EXCEPTION for good.
 */
export function transportErrorCode(f: TransportFailure): i16 {
  return KafkaError.REQUEST_TIMED_OUT;
}

export abstract class Dialect {
  /** The HTTP call producing records (all of one topic-partition) with the request's acks. */
  abstract buildProduce(topic: string, partition: i32, records: Array<UpstreamRecord>, acks: i16): HttpCall;
  /** Interprets the answer to buildProduce's call. Never traps on any status or body. */
  abstract parseProduce(status: i32, body: Uint8Array | null, recordCount: i32, acks: i16): UpstreamAnswer;
}

