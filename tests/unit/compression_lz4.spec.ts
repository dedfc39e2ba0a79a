import { unlz4 } from "../../assembly/compression/lz4";
import { xxhash32 } from "../../assembly/compression/xxhash32";
import { DecodeError } from "../../assembly/compression/result";
import { LZ4_VECTORS } from "../fixtures/compression/vectors";
import { checkExact, checkCap, checkTruncated, checkBitFlips, bytesOf } from "../fixtures/compression/checks";
import { firstDifference } from "../fixtures/compression/support";

/** A frame (FLG, BD given) with a correct header checksum around the given block bytes. */
function frame(flg: i32, bd: i32, rest: i32[]): Uint8Array {
  const hc = (xxhash32(bytesOf([flg, bd])) >> 8) & 0xff;
  return bytesOf([0x04, 0x22, 0x4d, 0x18, flg, bd, <i32>hc].concat(rest));
}

function find(name: string): Uint8Array {
  for (let i = 0; i < LZ4_VECTORS.length; i++) if (LZ4_VECTORS[i].name == name) return LZ4_VECTORS[i].bytes();
  return new Uint8Array(0);
}

describe("xxhash32", () => {
  it("matches the reference values", () => {
    expect<u32>(xxhash32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect<u32>(xxhash32(bytesOf([0x61]))).toBe(0x550d7456);
    expect<u32>(xxhash32(bytesOf([0x61, 0x62, 0x63]))).toBe(0x32d153ff);
  });
});

describe("unlz4: real encoder output", () => {
  it("decodes every frame mode byte-exactly", () => {
    for (let i = 0; i < LZ4_VECTORS.length; i++) checkExact(unlz4, LZ4_VECTORS[i]);
  });
  it("refuses output beyond maxOutput", () => {
    for (let i = 0; i < LZ4_VECTORS.length; i++) checkCap(unlz4, LZ4_VECTORS[i]);
  });
  it("rejects truncated input", () => {
    for (let i = 0; i < LZ4_VECTORS.length; i++) {
      const v = LZ4_VECTORS[i];
      checkTruncated(unlz4, v, v.name.startsWith("concat"));
    }
  });
  it("never accepts a bit flip when checksums cover the frame", () => {
    for (let i = 0; i < LZ4_VECTORS.length; i++) {
      const v = LZ4_VECTORS[i];
      checkBitFlips(unlz4, v, v.name.includes("-cc") || v.name.includes("-bc"), 96);
    }
  });
  it("the Java client's frames are standard ones (independent 64 KB blocks)", () => {
    const d = find("kafka-text");
    expect<i32>(d.length).toBeGreaterThan(7);
    expect<u8>(d[4] & 0xe0).toBe(0x60);
    expect<u8>(d[5]).toBe(0x40);
  });
});

describe("unlz4: hand-made frames", () => {
  it("decodes a stored block and a compressed block with an overlapping match", () => {
    // Stored "ab", then a compressed block: literal "x", match offset 1 length 6, literal "yz".
    const f = frame(0x60, 0x40, [2, 0, 0, 0x80, 0x61, 0x62, 7, 0, 0, 0, 0x12, 0x78, 1, 0, 0x20, 0x79, 0x7a, 0, 0, 0, 0]);
    const r = unlz4(f, 100);
    expect<DecodeError>(r.error).toBe(DecodeError.NONE);
    const want = bytesOf([0x61, 0x62, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x78, 0x79, 0x7a]);
    expect<i32>(firstDifference(r.data!, want)).toBe(-1);
  });
  it("keeps independent blocks independent and lets linked blocks reach back", () => {
    // Block 1: literal "abcd". Block 2: literal "e", match offset 5 length 4, literal "f".
    const blocks: i32[] = [5, 0, 0, 0, 0x40, 0x61, 0x62, 0x63, 0x64, 6, 0, 0, 0, 0x10, 0x65, 5, 0, 0x10, 0x66, 0, 0, 0, 0];
    expect<DecodeError>(unlz4(frame(0x60, 0x40, blocks), 100).error).toBe(DecodeError.MALFORMED);
    const r = unlz4(frame(0x40, 0x40, blocks), 100);
    expect<DecodeError>(r.error).toBe(DecodeError.NONE);
    const want = bytesOf([0x61, 0x62, 0x63, 0x64, 0x65, 0x61, 0x62, 0x63, 0x64, 0x66]);
    expect<i32>(firstDifference(r.data!, want)).toBe(-1);
  });
  it("rejects a bad header checksum, version, reserved bits, block size id or dictionary", () => {
    const good = frame(0x60, 0x40, [0, 0, 0, 0]);
    expect<DecodeError>(unlz4(good, 10).error).toBe(DecodeError.NONE);
    const badHc = frame(0x60, 0x40, [0, 0, 0, 0]);
    badHc[6] ^= 1;
    expect<DecodeError>(unlz4(badHc, 10).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unlz4(frame(0xa0, 0x40, [0, 0, 0, 0]), 10).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unlz4(frame(0x62, 0x40, [0, 0, 0, 0]), 10).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unlz4(frame(0x60, 0x30, [0, 0, 0, 0]), 10).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unlz4(frame(0x60, 0xc0, [0, 0, 0, 0]), 10).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unlz4(frame(0x61, 0x40, [1, 0, 0, 0, 0, 0, 0, 0]), 10).error).toBe(DecodeError.MALFORMED);
  });
  it("rejects offsets before the output, offset 0, oversized blocks and forged content sizes", () => {
    expect<DecodeError>(unlz4(frame(0x60, 0x40, [4, 0, 0, 0, 0x10, 0x61, 2, 0, 0, 0, 0, 0]), 100).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unlz4(frame(0x60, 0x40, [4, 0, 0, 0, 0x10, 0x61, 0, 0, 0, 0, 0, 0]), 100).error).toBe(DecodeError.MALFORMED);
    // A stored block larger than the 64 KB maximum.
    expect<DecodeError>(unlz4(frame(0x60, 0x40, [1, 0, 1, 0x80, 0x61]), 1 << 20).error).toBe(DecodeError.MALFORMED);
    // A match running past the 64 KB block maximum: literal "a", offset 1, length 15+255*300.
    const long: i32[] = [0, 0, 0, 0, 0x1f, 0x61, 1, 0];
    for (let i = 0; i < 300; i++) long.push(255);
    long.push(0);
    long[0] = long.length - 4;
    long[1] = (long.length - 4) >> 8;
    expect<DecodeError>(unlz4(frame(0x60, 0x40, long.concat([0, 0, 0, 0])), 1 << 20).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unlz4(frame(0x60, 0x40, long.concat([0, 0, 0, 0])), 1000).error).toBe(DecodeError.TOO_LARGE);
    // Content size 2^40 declared for an empty frame.
    const cs = frame(0x68, 0x40, [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect<DecodeError>(unlz4(cs, 0x7fffffff).error).not.toBe(DecodeError.NONE);
    // Literal length running past the block.
    expect<DecodeError>(unlz4(frame(0x60, 0x40, [3, 0, 0, 0, 0xf0, 0xff, 0xff, 0, 0, 0, 0]), 1 << 20).error).toBe(DecodeError.MALFORMED);
  });
  it("skips skippable frames and reads concatenated frames", () => {
    const a = frame(0x60, 0x40, [1, 0, 0, 0x80, 0x61, 0, 0, 0, 0]);
    const skip = bytesOf([0x5a, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9]);
    const all = new Uint8Array(a.length * 2 + skip.length);
    all.set(a, 0);
    all.set(skip, a.length);
    all.set(a, a.length + skip.length);
    const r = unlz4(all, 10);
    expect<DecodeError>(r.error).toBe(DecodeError.NONE);
    expect<i32>(firstDifference(r.data!, bytesOf([0x61, 0x61]))).toBe(-1);
    expect<DecodeError>(unlz4(skip, 10).error).toBe(DecodeError.MALFORMED);
  });
  it("survives random garbage behind a valid header", () => {
    let x: u32 = 4242;
    for (let t = 0; t < 400; t++) {
      const n = 1 + <i32>(t % 150);
      const body = new Array<i32>(n);
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        body[i] = <i32>(x & 0xff);
      }
      body[0] = n - 4;
      body[1] = 0;
      body[2] = 0;
      body[3] = 0;
      const r = unlz4(frame(t & 1 ? 0x40 : 0x60, 0x40, body), 1 << 16);
      expect<bool>(r.error != DecodeError.NONE || r.data!.length <= 1 << 16).toBe(true);
    }
  });
});
