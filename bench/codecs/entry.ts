// A small wasm module exposing the decoders to bench/codecs/codecs.ts.
import { gunzip } from "../../assembly/compression/gzip";
import { unsnappy } from "../../assembly/compression/snappy";
import { unlz4 } from "../../assembly/compression/lz4";
import { DecodeResult } from "../../assembly/compression/result";

let input = new Uint8Array(0);
let last: Uint8Array | null = null;

/** Allocates the input buffer; the caller copies the compressed bytes to the returned address. */
export function prepare(length: i32): usize {
  input = new Uint8Array(length);
  return input.dataStart;
}

/** Decodes the input `times` times with codec 1 (gzip), 2 (snappy) or 3 (lz4). */
export function run(codec: i32, maxOutput: i32, times: i32): i32 {
  let r: DecodeResult = DecodeResult.fail(3);
  for (let i = 0; i < times; i++) {
    if (codec == 1) r = gunzip(input, maxOutput);
    else if (codec == 2) r = unsnappy(input, maxOutput);
    else r = unlz4(input, maxOutput);
    if (r.data == null) return -<i32>r.error;
    last = r.data;
  }
  return last!.length;
}

/** Address of the last output, to check it against the expected bytes. */
export function output(): usize {
  return last == null ? 0 : last!.dataStart;
}
