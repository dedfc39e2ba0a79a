// compression/: the decoders of Kafka's compression codecs (record batch attributes bits 0-2),
// one module each, with no imports outside the folder; decompress() picks one.
import { DecodeError, DecodeResult } from "./result";
import { gunzip } from "./gzip";
import { unsnappy } from "./snappy";
import { unlz4 } from "./lz4";
import { unzstd } from "./zstd";

export { DecodeError, DecodeResult } from "./result";

export const enum Codec {
  NONE = 0,
  GZIP = 1,
  SNAPPY = 2,
  LZ4 = 3,
  ZSTD = 4,
}

/** Decompresses a batch's records section. Never traps; errors come back in the result. */
export function decompress(codec: i32, input: Uint8Array, maxOutput: i32): DecodeResult {
  switch (codec) {
    case Codec.NONE:
      return input.length > maxOutput ? DecodeResult.fail(DecodeError.TOO_LARGE) : DecodeResult.ok(input);
    case Codec.GZIP:
      return gunzip(input, maxOutput);
    case Codec.SNAPPY:
      return unsnappy(input, maxOutput);
    case Codec.LZ4:
      return unlz4(input, maxOutput);
    case Codec.ZSTD:
      return unzstd(input, maxOutput);
  }
  return DecodeResult.fail(DecodeError.UNSUPPORTED);
}
