import { unsnappy } from "../../assembly/compression/snappy";
import { DecodeError } from "../../assembly/compression/result";
import { SNAPPY_VECTORS } from "../fixtures/compression/vectors";
import { checkExact, checkCap, checkTruncated, checkBitFlips, bytesOf } from "../fixtures/compression/checks";
import { firstDifference } from "../fixtures/compression/support";

const XERIAL: i32[] = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1];

function xerial(chunks: i32[]): Uint8Array {
  return bytesOf(XERIAL.concat(chunks));
}

describe("unsnappy: real encoder output", () => {
  it("decodes raw blocks and xerial streams byte-exactly", () => {
    let raw = 0;
    let framed = 0;
    for (let i = 0; i < SNAPPY_VECTORS.length; i++) {
      const v = SNAPPY_VECTORS[i];
      checkExact(unsnappy, v);
      if (v.name.startsWith("raw-")) raw++;
      if (v.name.startsWith("xerial-")) framed++;
    }
    expect<i32>(raw).toBeGreaterThan(5);
    expect<i32>(framed).toBeGreaterThan(5);
  });
  it("refuses output beyond maxOutput", () => {
    for (let i = 0; i < SNAPPY_VECTORS.length; i++) checkCap(unsnappy, SNAPPY_VECTORS[i]);
  });
  it("rejects truncated input (a xerial stream may stop at a chunk boundary)", () => {
    for (let i = 0; i < SNAPPY_VECTORS.length; i++) {
      const v = SNAPPY_VECTORS[i];
      checkTruncated(unsnappy, v, v.name.startsWith("xerial-"));
    }
  });
  it("survives bit flips", () => {
    for (let i = 0; i < SNAPPY_VECTORS.length; i++) checkBitFlips(unsnappy, SNAPPY_VECTORS[i], false, 96);
  });
});

describe("unsnappy: hand-made streams", () => {
  it("decodes literals and the three copy forms", () => {
    // len 13: literal "abcd", copy1 off 4 len 4, copy2 off 2 len 3, copy4 off 8 len 2
    const raw = bytesOf([13, 3 << 2, 0x61, 0x62, 0x63, 0x64, 0x01, 4, (2 << 2) | 2, 2, 0, (1 << 2) | 3, 8, 0, 0, 0]);
    const r = unsnappy(raw, 100);
    expect<DecodeError>(r.error).toBe(DecodeError.NONE);
    const want = bytesOf([0x61, 0x62, 0x63, 0x64, 0x61, 0x62, 0x63, 0x64, 0x63, 0x64, 0x63, 0x64, 0x61]);
    expect<i32>(firstDifference(r.data!, want)).toBe(-1);
  });
  it("rejects a copy reaching before the output start, and offset 0", () => {
    expect<DecodeError>(unsnappy(bytesOf([5, 0, 0x61, 0x01, 2]), 100).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unsnappy(bytesOf([5, 0, 0x61, 0x01, 0]), 100).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unsnappy(bytesOf([5, 0, 0x61, 0x01, 1]), 100).error).toBe(DecodeError.NONE);
  });
  it("rejects output that does not match the declared length", () => {
    expect<DecodeError>(unsnappy(bytesOf([6, 0, 0x61, 0x01, 1]), 100).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unsnappy(bytesOf([4, 0, 0x61, 0x01, 1]), 100).error).toBe(DecodeError.MALFORMED);
  });
  it("rejects forged lengths without allocating them", () => {
    // Declares 0x7ffffff0 bytes (more than the body could expand to), 0xffffffff bytes, and a
    // literal claiming 4 GiB.
    expect<DecodeError>(unsnappy(bytesOf([0xf0, 0xff, 0xff, 0xff, 0x07, 0]), 0x7fffffff).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unsnappy(bytesOf([0xff, 0xff, 0xff, 0xff, 0x0f, 0]), 1000).error).toBe(DecodeError.TOO_LARGE);
    expect<DecodeError>(unsnappy(bytesOf([3, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x61]), 100).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unsnappy(bytesOf([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 100).error).toBe(DecodeError.MALFORMED);
  });
  it("reads xerial chunks and rejects a chunk length past the end", () => {
    const two = xerial([0, 0, 0, 3, 1, 0, 0x61, 0, 0, 0, 4, 2, 4, 0x62, 0x63]);
    const r = unsnappy(two, 100);
    expect<DecodeError>(r.error).toBe(DecodeError.NONE);
    expect<i32>(firstDifference(r.data!, bytesOf([0x61, 0x62, 0x63]))).toBe(-1);
    expect<DecodeError>(unsnappy(xerial([0, 0, 0, 9, 1, 0, 0x61]), 100).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unsnappy(xerial([0x80, 0, 0, 3, 1, 0, 0x61]), 100).error).toBe(DecodeError.MALFORMED);
    // A copy may not reach into the previous chunk.
    expect<DecodeError>(unsnappy(xerial([0, 0, 0, 3, 1, 0, 0x61, 0, 0, 0, 3, 4, 0x01, 1]), 100).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(unsnappy(two, 2).error).toBe(DecodeError.TOO_LARGE);
  });
  it("survives random garbage", () => {
    let x: u32 = 777;
    for (let t = 0; t < 400; t++) {
      const n = 1 + <i32>(t % 120);
      const d = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        d[i] = <u8>x;
      }
      if (t & 1) d[0] = <u8>(n * 2); // plausible declared length
      const r = unsnappy(d, 4096);
      if (r.error == DecodeError.NONE) expect<bool>(r.data!.length <= 4096).toBe(true);
    }
  });
});
