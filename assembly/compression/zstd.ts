import { DecodeError, DecodeResult } from "./result";

/** Decodes a zstd payload as Kafka producers write it, producing at most maxOutput bytes. */
export function unzstd(input: Uint8Array, maxOutput: i32): DecodeResult {
  return DecodeResult.fail(DecodeError.UNSUPPORTED);
}
