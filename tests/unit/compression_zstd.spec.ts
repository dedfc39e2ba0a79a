import { unzstd } from "../../assembly/compression/zstd";
import { xxh64 } from "../../assembly/compression/xxhash64";
import { decompress, Codec } from "../../assembly/compression/index";
import { FIXTURES } from "../fixtures/compression/zstd_small";
import { ZstdFixture, expectedOf, sameBytes } from "../fixtures/compression/zstd_support";

const NONE = 0;
const MALFORMED = 1;
const TOO_LARGE = 2;

function bytesOf(a: i32[]): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = <u8>a[i];
  return out;
}

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = <u8>s.charCodeAt(i);
  return out;
}

function isBad(f: ZstdFixture): bool {
  return f.name.startsWith("bad-");
}

/** Single frame, no skippable frame: every strict prefix is incomplete. */
function isSingleFrame(f: ZstdFixture): bool {
  return !isBad(f) && f.name != "multi-frame" && !f.name.startsWith("skippable");
}

// Valid zstd frame header bytes: magic, then a frame header descriptor.
const MAGIC: i32[] = [0x28, 0xb5, 0x2f, 0xfd];

function frame(rest: i32[]): Uint8Array {
  return bytesOf(MAGIC.concat(rest));
}

let seed: u32 = 0x9e3779b9;
function rand(): u32 {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}

describe("xxHash64", () => {
  it("matches python xxhash on short and long inputs", () => {
    expect<u64>(xxh64(new Uint8Array(0))).toBe(0xef46db3751d8e999);
    expect<u64>(xxh64(ascii("abc"))).toBe(0x44bc2cf5ad770999);
    const a35 = new Uint8Array(35);
    a35.fill(97);
    expect<u64>(xxh64(a35)).toBe(0xfb12a4fb06151fe7);
    const b = new Uint8Array(768);
    for (let i = 0; i < 768; i++) b[i] = <u8>i;
    expect<u64>(xxh64(b)).toBe(0x8e03c838c596036f);
  });
});

describe("zstd vectors from libzstd (python zstandard)", () => {
  it("rebuilds the generator's plain data (recipes agree)", () => {
    for (let i = 0; i < FIXTURES.length; i++) {
      const f = FIXTURES[i];
      const want = expectedOf(f);
      expect<i32>(want.length).toBe(f.size, f.name);
      expect<u64>(xxh64(want)).toBe(f.digest, f.name);
    }
  });

  it("decodes every valid vector byte-exactly, with an exact and a generous cap", () => {
    for (let i = 0; i < FIXTURES.length; i++) {
      const f = FIXTURES[i];
      if (isBad(f)) continue;
      const want = expectedOf(f);
      const exact = unzstd(f.compressed(), f.size);
      expect<i32>(exact.error).toBe(NONE, f.name);
      expect<bool>(sameBytes(exact.data!, want)).toBe(true, f.name);
      const roomy = unzstd(f.compressed(), 64 << 20);
      expect<i32>(roomy.error).toBe(NONE, f.name);
      expect<bool>(sameBytes(roomy.data!, want)).toBe(true, f.name);
    }
  });

  it("is reached through the codec dispatcher", () => {
    const f = FIXTURES[4];
    const r = decompress(Codec.ZSTD, f.compressed(), 1 << 20);
    expect<i32>(r.error).toBe(NONE);
    expect<bool>(sameBytes(r.data!, expectedOf(f))).toBe(true);
  });

  it("refuses output one byte over the cap with TOO_LARGE", () => {
    for (let i = 0; i < FIXTURES.length; i++) {
      const f = FIXTURES[i];
      if (isBad(f) || f.size == 0) continue;
      const r = unzstd(f.compressed(), f.size - 1);
      expect<i32>(r.error).toBe(TOO_LARGE, f.name);
      expect<bool>(r.data == null).toBe(true, f.name);
    }
  });

  it("rejects matches reaching before the frame's output (dictionary frames)", () => {
    for (let i = 0; i < FIXTURES.length; i++) {
      const f = FIXTURES[i];
      if (!isBad(f)) continue;
      const r = unzstd(f.compressed(), 1 << 20);
      expect<i32>(r.error).toBe(MALFORMED, f.name);
    }
  });
});

describe("zstd damaged input", () => {
  it("reports every truncation of a single frame as MALFORMED", () => {
    let checked = 0;
    for (let i = 0; i < FIXTURES.length; i++) {
      const f = FIXTURES[i];
      if (!isSingleFrame(f)) continue;
      const full = f.compressed();
      const step = full.length > 4000 ? full.length / 2000 : 1;
      for (let n = 0; n < full.length; n += step) {
        const r = unzstd(full.subarray(0, n), f.size);
        expect<i32>(r.error).toBe(MALFORMED, f.name + " cut at " + n.toString());
        checked++;
      }
    }
    expect<i32>(checked).toBeGreaterThan(5000);
  });

  it("never traps on bit flips; checksummed frames decode to the original or fail", () => {
    let failures = 0;
    let total = 0;
    for (let i = 0; i < FIXTURES.length; i++) {
      const f = FIXTURES[i];
      if (isBad(f)) continue;
      const want = expectedOf(f);
      const data = f.compressed();
      const step = data.length > 1200 ? data.length / 600 : 1;
      for (let pos = 0; pos < data.length; pos += step) {
        for (let bit = 0; bit < 8; bit += 3) {
          const orig = data[pos];
          data[pos] = <u8>(<i32>orig ^ (1 << bit));
          const r = unzstd(data, f.size + 1000);
          data[pos] = orig;
          total++;
          if (r.error != NONE) {
            failures++;
            expect<bool>(r.error == MALFORMED || r.error == TOO_LARGE).toBe(true);
          } else if (f.checksum) {
            expect<bool>(sameBytes(r.data!, want)).toBe(true, f.name + " flip at " + pos.toString());
          }
        }
      }
    }
    expect<i32>(total).toBeGreaterThan(8000);
    // Most flips must be detected (header fields, entropy tables, bitstream ends, checksums).
    expect<i32>(failures * 2).toBeGreaterThan(total);
  });

  it("never traps on random bytes behind a valid magic number", () => {
    for (let t = 0; t < 3000; t++) {
      const n = 4 + <i32>(rand() % 300);
      const data = new Uint8Array(n);
      data.set(bytesOf(MAGIC));
      for (let i = 4; i < n; i++) data[i] = <u8>rand();
      const r = unzstd(data, 1 << 16);
      expect<bool>(r.error == NONE || r.error == MALFORMED || r.error == TOO_LARGE).toBe(true);
    }
  });

  it("never traps when random bytes replace the blocks of a real frame", () => {
    const f = FIXTURES[5]; // text, level 3, checksum
    const base = f.compressed();
    for (let t = 0; t < 2000; t++) {
      const data = base.slice(0);
      const from = 6 + <i32>(rand() % <u32>(data.length - 6));
      const count = 1 + <i32>(rand() % 16);
      for (let i = from; i < from + count && i < data.length; i++) data[i] = <u8>rand();
      const r = unzstd(data, f.size);
      if (r.error == NONE) expect<bool>(sameBytes(r.data!, expectedOf(f))).toBe(true);
      else expect<bool>(r.error == MALFORMED || r.error == TOO_LARGE).toBe(true);
    }
  });
});

describe("zstd frame header and structure", () => {
  it("decodes a minimal raw-block frame and honours a zero dictionary id", () => {
    // FHD 0x21: single segment, 1-byte dictionary id (0 = none), 1-byte content size 3.
    const r = unzstd(frame([0x21, 0x00, 0x03, 0x19, 0x00, 0x00, 0x61, 0x62, 0x63]), 100);
    expect<i32>(r.error).toBe(NONE);
    expect<bool>(sameBytes(r.data!, ascii("abc"))).toBe(true);
  });

  it("decodes an RLE block", () => {
    // Last RLE block of 5 bytes ('z'); content size absent (FHD 0x00, window descriptor 0).
    const r = unzstd(frame([0x00, 0x00, (5 << 3) | 0x03, 0x00, 0x00, 0x7a]), 100);
    expect<i32>(r.error).toBe(NONE);
    expect<bool>(sameBytes(r.data!, ascii("zzzzz"))).toBe(true);
    expect<i32>(unzstd(frame([0x00, 0x00, (5 << 3) | 0x03, 0x00, 0x00, 0x7a]), 4).error).toBe(TOO_LARGE);
  });

  it("refuses a dictionary id, a reserved bit, a reserved block type", () => {
    expect<i32>(unzstd(frame([0x21, 0x07, 0x03, 0x19, 0x00, 0x00, 0x61, 0x62, 0x63]), 100).error).toBe(MALFORMED);
    expect<i32>(unzstd(frame([0x28, 0x03, 0x19, 0x00, 0x00, 0x61, 0x62, 0x63]), 100).error).toBe(MALFORMED);
    expect<i32>(unzstd(frame([0x20, 0x03, 0x1f, 0x00, 0x00, 0x61, 0x62, 0x63]), 100).error).toBe(MALFORMED);
  });

  it("refuses a declared content size above the cap before decoding", () => {
    // 8-byte content size of 2^32, then nothing: the size alone decides.
    expect<i32>(unzstd(frame([0xe0, 0, 0, 0, 0, 0x01, 0, 0, 0]), 1 << 20).error).toBe(TOO_LARGE);
    // 4-byte content size 0x10000 with a 1 KiB cap.
    expect<i32>(unzstd(frame([0xa0, 0x00, 0x00, 0x01, 0x00]), 1024).error).toBe(TOO_LARGE);
  });

  it("rejects a content size that disagrees with the blocks", () => {
    expect<i32>(unzstd(frame([0x20, 0x04, 0x19, 0x00, 0x00, 0x61, 0x62, 0x63]), 100).error).toBe(MALFORMED);
    expect<i32>(unzstd(frame([0x20, 0x02, 0x19, 0x00, 0x00, 0x61, 0x62, 0x63]), 100).error).toBe(MALFORMED);
  });

  it("rejects a wrong checksum, trailing garbage, a short skippable frame and empty input", () => {
    const f = FIXTURES[5];
    expect<bool>(f.checksum).toBe(true);
    const data = f.compressed();
    data[data.length - 1] = <u8>(<i32>data[data.length - 1] ^ 0x40);
    expect<i32>(unzstd(data, f.size).error).toBe(MALFORMED);

    const good = f.compressed();
    const tail = new Uint8Array(good.length + 3);
    tail.set(good);
    expect<i32>(unzstd(tail, f.size).error).toBe(MALFORMED);

    expect<i32>(unzstd(bytesOf([0x53, 0x2a, 0x4d, 0x18, 0x10, 0, 0, 0, 1, 2]), 100).error).toBe(MALFORMED);
    expect<i32>(unzstd(new Uint8Array(0), 100).error).toBe(MALFORMED);
  });

  it("accepts input made only of skippable frames as empty output", () => {
    const r = unzstd(bytesOf([0x50, 0x2a, 0x4d, 0x18, 0x02, 0, 0, 0, 7, 7]), 100);
    expect<i32>(r.error).toBe(NONE);
    expect<i32>(r.data!.length).toBe(0);
  });
});
