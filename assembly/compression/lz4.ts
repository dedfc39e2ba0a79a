import { DecodeError, DecodeResult } from "./result";

/** Decodes a lz4 payload as Kafka producers write it, producing at most maxOutput bytes. */
export function unlz4(input: Uint8Array, maxOutput: i32): DecodeResult {
  return DecodeResult.fail(DecodeError.UNSUPPORTED);
}
