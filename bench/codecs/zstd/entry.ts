// Thin wasm entry exposing the zstd decoder to bench/codecs/zstd.ts.
import { unzstd } from "../../../assembly/compression/zstd";

let input = new Uint8Array(0);
let output = new Uint8Array(0);

export function setInput(n: i32): usize {
  input = new Uint8Array(n);
  return input.dataStart;
}

/** Decodes the input; returns the output length or -error. */
export function run(maxOutput: i32): i32 {
  const r = unzstd(input, maxOutput);
  if (r.error != 0) return -(<i32>r.error);
  output = r.data!;
  return output.length;
}

export function outputPtr(): usize {
  return output.dataStart;
}
