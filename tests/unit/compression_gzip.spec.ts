import { gunzip } from "../../assembly/compression/gzip";
import { inflateRaw, INFLATE_MALFORMED } from "../../assembly/compression/inflate";
import { GrowBuf } from "../../assembly/compression/growbuf";
import { crc32 } from "../../assembly/compression/crc32";
import { DecodeError } from "../../assembly/compression/result";
import { GZIP_VECTORS } from "../fixtures/compression/vectors";
import { checkExact, checkCap, checkTruncated, checkBitFlips, bytesOf, expectedOf } from "../fixtures/compression/checks";
import { firstDifference } from "../fixtures/compression/support";

/** Writes a DEFLATE bit stream: header fields LSB-first, Huffman codes MSB-first. */
class Bits {
  bytes: i32[] = [];
  acc: u32 = 0;
  n: u32 = 0;
  put(v: u32, len: u32): Bits {
    for (let i: u32 = 0; i < len; i++) this.bit((v >> i) & 1);
    return this;
  }
  code(c: u32, len: u32): Bits {
    for (let i: i32 = <i32>len - 1; i >= 0; i--) this.bit((c >> <u32>i) & 1);
    return this;
  }
  bit(b: u32): void {
    this.acc |= b << this.n;
    if (++this.n == 8) {
      this.bytes.push(<i32>this.acc);
      this.acc = 0;
      this.n = 0;
    }
  }
  done(): Uint8Array {
    if (this.n > 0) this.bytes.push(<i32>this.acc);
    return bytesOf(this.bytes);
  }
}

function inflate(b: Uint8Array, max: i32): i32 {
  const out = new GrowBuf(16, max);
  return inflateRaw(b.dataStart, b.length, out);
}

/** Fixed-Huffman block: literal 'a', a length-3 match at the given distance code, end. */
function fixedWithDistance(distCode: u32): Uint8Array {
  return new Bits()
    .put(1, 1)
    .put(1, 2)
    .code(0x30 + 0x61, 8)
    .code(1, 7)
    .code(distCode, 5)
    .code(0, 7)
    .done();
}

describe("crc32", () => {
  it("matches the IEEE check value", () => {
    const s = bytesOf([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]);
    expect<u32>(crc32(s)).toBe(0xcbf43926);
    expect<u32>(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe("gunzip: real encoder output", () => {
  it("decodes every vector byte-exactly", () => {
    for (let i = 0; i < GZIP_VECTORS.length; i++) checkExact(gunzip, GZIP_VECTORS[i]);
  });
  it("refuses output beyond maxOutput", () => {
    for (let i = 0; i < GZIP_VECTORS.length; i++) checkCap(gunzip, GZIP_VECTORS[i]);
  });
  it("rejects truncated input", () => {
    for (let i = 0; i < GZIP_VECTORS.length; i++) {
      const v = GZIP_VECTORS[i];
      checkTruncated(gunzip, v, v.name.startsWith("concat"));
    }
  });
  it("never accepts a bit flip covered by CRC-32/ISIZE", () => {
    for (let i = 0; i < GZIP_VECTORS.length; i++) checkBitFlips(gunzip, GZIP_VECTORS[i], true, 96);
  });
  it("has the vector shapes the generator promises", () => {
    let names = "";
    for (let i = 0; i < GZIP_VECTORS.length; i++) names += GZIP_VECTORS[i].name + ",";
    expect<bool>(names.includes("zlib-1-text,")).toBe(true);
    expect<bool>(names.includes("zlib-9-text,")).toBe(true);
    expect<bool>(names.includes("zlib-stored-text,")).toBe(true);
    expect<bool>(names.includes("header-flags-text,")).toBe(true);
    expect<bool>(names.includes("kafka-records,")).toBe(true);
  });
});

describe("gunzip: malformed input", () => {
  it("rejects a wrong magic, method or reserved flag", () => {
    const v = GZIP_VECTORS[0];
    for (let k = 0; k < 4; k++) {
      const d = v.bytes();
      if (k == 0) d[0] = 0x1e;
      else if (k == 1) d[1] = 0x8c;
      else if (k == 2) d[2] = 7;
      else d[3] = 0x20;
      expect<DecodeError>(gunzip(d, 1 << 20).error).toBe(DecodeError.MALFORMED);
    }
  });
  it("rejects trailing bytes after the last member", () => {
    let v = GZIP_VECTORS[0];
    for (let i = 0; i < GZIP_VECTORS.length; i++) if (GZIP_VECTORS[i].name == "zlib-6-text") v = GZIP_VECTORS[i];
    const d = v.bytes();
    const longer = new Uint8Array(d.length + 1);
    longer.set(d);
    expect<DecodeError>(gunzip(longer, 1 << 20).error).toBe(DecodeError.MALFORMED);
    expect<DecodeError>(gunzip(d, 1 << 20).error).toBe(DecodeError.NONE);
  });
  it("rejects a forged ISIZE even when it is huge", () => {
    let v = GZIP_VECTORS[0];
    for (let i = 0; i < GZIP_VECTORS.length; i++) if (GZIP_VECTORS[i].name == "zlib-6-records") v = GZIP_VECTORS[i];
    const d = v.bytes();
    d[d.length - 1] = 0x7f;
    expect<DecodeError>(gunzip(d, 0x7fffffff).error).toBe(DecodeError.MALFORMED);
  });
  it("decodes a hand-built fixed block, and rejects its distance reaching before the output", () => {
    const ok = fixedWithDistance(0); // distance 1: "a" + "aaa"
    const out = new GrowBuf(16, 100);
    expect<i32>(inflateRaw(ok.dataStart, ok.length, out)).toBe(ok.length);
    expect<i32>(out.len).toBe(4);
    expect<i32>(firstDifference(out.result(), bytesOf([0x61, 0x61, 0x61, 0x61]))).toBe(-1);
    expect<i32>(inflate(fixedWithDistance(1), 100)).toBe(INFLATE_MALFORMED); // distance 2 > 1 byte
    expect<i32>(inflate(fixedWithDistance(30), 100)).toBe(INFLATE_MALFORMED); // invalid code
  });
  it("rejects block type 3 and a stored block whose NLEN does not match", () => {
    expect<i32>(inflate(new Bits().put(1, 1).put(3, 2).put(0, 13).done(), 100)).toBe(INFLATE_MALFORMED);
    expect<i32>(inflate(bytesOf([0x01, 0x02, 0x00, 0xfd, 0xfe, 0x41, 0x42]), 100)).toBe(INFLATE_MALFORMED);
    expect<i32>(inflate(bytesOf([0x01, 0x02, 0x00, 0xfd, 0xff, 0x41, 0x42]), 100)).toBe(7);
    expect<i32>(inflate(bytesOf([0x01, 0x02, 0x00, 0xfd, 0xff, 0x41]), 100)).toBe(INFLATE_MALFORMED);
  });
  it("rejects an over-subscribed dynamic code", () => {
    // HLIT=257, HDIST=1, HCLEN=4 (code-length code lengths for 16,17,18,0 all 1: over-subscribed).
    const b = new Bits().put(1, 1).put(2, 2).put(0, 5).put(0, 5).put(0, 4);
    b.put(1, 3).put(1, 3).put(1, 3).put(1, 3).put(0, 16);
    expect<i32>(inflate(b.done(), 100)).toBe(INFLATE_MALFORMED);
  });
  it("survives random garbage behind a valid header", () => {
    let x: u32 = 12345;
    for (let t = 0; t < 300; t++) {
      const n = 18 + <i32>(t % 200);
      const d = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        d[i] = <u8>x;
      }
      d[0] = 0x1f;
      d[1] = 0x8b;
      d[2] = 8;
      d[3] = 0;
      const r = gunzip(d, 4096);
      expect<bool>(r.error == DecodeError.MALFORMED || r.error == DecodeError.TOO_LARGE).toBe(true);
    }
  });
  it("allows an empty member with maxOutput 0", () => {
    for (let i = 0; i < GZIP_VECTORS.length; i++) {
      const v = GZIP_VECTORS[i];
      if (v.name != "zlib-6-empty") continue;
      const r = gunzip(v.bytes(), 0);
      expect<DecodeError>(r.error).toBe(DecodeError.NONE);
      expect<i32>(r.data!.length).toBe(expectedOf(v).length);
    }
  });
});
