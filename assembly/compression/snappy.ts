import { DecodeError, DecodeResult } from "./result";

/** Decodes a snappy payload as Kafka producers write it, producing at most maxOutput bytes. */
export function unsnappy(input: Uint8Array, maxOutput: i32): DecodeResult {
  return DecodeResult.fail(DecodeError.UNSUPPORTED);
}
