// 4 MiB inputs through gzip, snappy and lz4, in the block sizes and framings real producers use
// (zstd: compression_zstd_large.spec.ts).
import { gunzip } from "../../assembly/compression/gzip";
import { unsnappy } from "../../assembly/compression/snappy";
import { unlz4 } from "../../assembly/compression/lz4";
import { LARGE_GZIP_VECTORS, LARGE_SNAPPY_VECTORS, LARGE_LZ4_VECTORS, LARGE_INPUT_SIZES } from "../fixtures/compression/large/vectors_large";
import { Vector, inputOf } from "../fixtures/compression/support";
import { Decoder, checkExact, checkCap, checkTruncated, checkBitFlips } from "../fixtures/compression/checks";

function all(decode: Decoder, vectors: Vector[], mayEndEarly: bool, checksummed: bool): void {
  for (let i = 0; i < vectors.length; i++) {
    const v = vectors[i];
    checkExact(decode, v);
    checkCap(decode, v);
    checkTruncated(decode, v, mayEndEarly && v.name.startsWith("xerial"));
    checkBitFlips(decode, v, checksummed || v.name.includes("-cc") || v.name.includes("-bc"), 8);
  }
}

describe("large inputs", () => {
  it("regenerates the generator's inputs", () => {
    for (let i = 0; i < LARGE_INPUT_SIZES.length; i++) {
      const kv = LARGE_INPUT_SIZES[i].split("=");
      expect<i32>(inputOf(kv[0]).length).toBe(I32.parseInt(kv[1]), kv[0]);
    }
  });
  it("gzip", () => {
    expect<i32>(LARGE_GZIP_VECTORS.length).toBeGreaterThan(0);
    all(gunzip, LARGE_GZIP_VECTORS, false, true);
  });
  it("snappy", () => {
    expect<i32>(LARGE_SNAPPY_VECTORS.length).toBeGreaterThan(0);
    all(unsnappy, LARGE_SNAPPY_VECTORS, true, false);
  });
  it("lz4", () => {
    expect<i32>(LARGE_LZ4_VECTORS.length).toBeGreaterThan(0);
    all(unlz4, LARGE_LZ4_VECTORS, false, false);
  });
});
