// Hostile input: the generated decoders must mark the Reader failed, never trap,
// and never allocate in proportion to a forged count.

import { Reader, Writer } from "../../assembly/kafka/wire";
import { toBytes } from "./helpers/wire";
import { ProduceRequest } from "../../assembly/kafka/messages/produce_request";
import { MetadataResponse } from "../../assembly/kafka/messages/metadata_response";
import { ApiVersionsResponse } from "../../assembly/kafka/messages/api_versions_response";
import { MESSAGE_VECTORS } from "../fixtures/messages/vectors";
import { MESSAGE_NAMES, bytesToHex, decodeAndEncode, hexToBytes, versionRange } from "./messages.builders";

// Deterministic xorshift32, so a failure reproduces.
let seed: u32 = 0x9e3779b9;
function rand(): u32 {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}

function bytesOf(a: i32[]): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = <u8>a[i];
  return out;
}

describe("truncated input", () => {
  it("fails at every truncation length of every vector", () => {
    let cases = 0;
    let expected = 0;
    for (let i = 0; i < MESSAGE_VECTORS.length; i++) {
      const vec = MESSAGE_VECTORS[i];
      const full = hexToBytes(vec.hex);
      expected += full.length;
      for (let len = 0; len < full.length; len++) {
        const r = new Reader(full, 0, len);
        decodeAndEncode(vec.message, r, vec.version, null);
        if (!r.failed) {
          // Only an empty message (ApiVersionsRequest v0-2) may decode from nothing.
          expect<i32>(full.length).toBe(0, vec.message + " v" + vec.version.toString() + " truncated to " + len.toString());
        }
        cases++;
      }
    }
    expect<i32>(cases).toBe(expected);
    expect<i32>(cases).toBeGreaterThan(5000);
  });
});

describe("forged array counts", () => {
  it("refuses a classic count of 2^31-1 without allocating", () => {
    // ProduceRequest v3: transactional id null, acks, timeout, topic count 0x7fffffff
    const bytes = bytesOf([0xff, 0xff, 0x00, 0x01, 0x00, 0x00, 0x03, 0xe8, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    const before = memory.size();
    const r = new Reader(bytes);
    const req = ProduceRequest.decode(r, 3);
    expect<bool>(r.failed).toBe(true);
    expect<i32>(req.topicData.length).toBe(0);
    expect<i32>(memory.size() - before).toBeLessThanOrEqual(1);
  });

  it("refuses a compact count near 2^32 without allocating", () => {
    // ProduceRequest v9: null transactional id (0), acks, timeout, count uvarint 0xffffffff
    const bytes = bytesOf([0x00, 0x00, 0x01, 0x00, 0x00, 0x03, 0xe8, 0xff, 0xff, 0xff, 0xff, 0x0f, 0]);
    const before = memory.size();
    const r = new Reader(bytes);
    ProduceRequest.decode(r, 9);
    expect<bool>(r.failed).toBe(true);
    expect<i32>(memory.size() - before).toBeLessThanOrEqual(1);
  });

  it("refuses a count larger than the bytes left could hold", () => {
    // MetadataResponse v0: 1000 brokers announced, 20 bytes follow.
    const a: i32[] = [0x00, 0x00, 0x03, 0xe8];
    for (let i = 0; i < 20; i++) a.push(0);
    const r = new Reader(bytesOf(a));
    const m = MetadataResponse.decode(r, 0);
    expect<bool>(r.failed).toBe(true);
    expect<i32>(m.brokers.length).toBe(0);
  });

  it("refuses negative counts other than null, and null where not allowed", () => {
    const r1 = new Reader(bytesOf([0x00, 0x00, 0xff, 0xff, 0xff, 0xfe]));
    ApiVersionsResponse.decode(r1, 0);
    expect<bool>(r1.failed).toBe(true);
    // ApiKeys is not nullable: -1 is malformed too.
    const r2 = new Reader(bytesOf([0x00, 0x00, 0xff, 0xff, 0xff, 0xff]));
    ApiVersionsResponse.decode(r2, 0);
    expect<bool>(r2.failed).toBe(true);
  });

  it("survives a maximal count written at every offset of every vector", () => {
    const before = memory.size();
    for (let i = 0; i < MESSAGE_VECTORS.length; i++) {
      const vec = MESSAGE_VECTORS[i];
      const full = hexToBytes(vec.hex);
      for (let at = 0; at < full.length; at++) {
        const b = full.slice();
        // Classic int32 0x7fffffff, or as much of it as fits; compact readers see a long varint.
        for (let k = 0; k < 4 && at + k < b.length; k++) b[at + k] = k == 0 ? 0x7f : 0xff;
        decodeAndEncode(vec.message, new Reader(b), vec.version, null);
        const c = full.slice();
        const uv: u8[] = [0xff, 0xff, 0xff, 0xff, 0x0f];
        for (let k = 0; k < 5 && at + k < c.length; k++) c[at + k] = uv[k];
        decodeAndEncode(vec.message, new Reader(c), vec.version, null);
      }
    }
    // Garbage is collected as we go; a count-sized allocation would take thousands of pages.
    expect<i32>(memory.size() - before).toBeLessThan(64);
  });
});

describe("random input", () => {
  it("never traps on random bytes, for every message and version", () => {
    let failed = 0;
    let total = 0;
    for (let m = 0; m < MESSAGE_NAMES.length; m++) {
      const name = MESSAGE_NAMES[m];
      const range = versionRange(name);
      for (let v = <i16>range[0]; v <= <i16>range[1]; v++) {
        for (let n = 0; n < 60; n++) {
          const b = new Uint8Array(<i32>(rand() % 96));
          for (let k = 0; k < b.length; k++) b[k] = <u8>rand();
          const r = new Reader(b);
          const w = new Writer(16);
          decodeAndEncode(name, r, v, w);
          if (r.failed) failed++;
          total++;
        }
      }
    }
    // Most random buffers are malformed; the point is reaching here without a trap.
    expect<i32>(failed).toBeGreaterThan(total / 2);
  });

  it("never traps on vectors with random bytes changed, and re-encodes what decodes", () => {
    let decoded = 0;
    for (let i = 0; i < MESSAGE_VECTORS.length; i++) {
      const vec = MESSAGE_VECTORS[i];
      const full = hexToBytes(vec.hex);
      if (full.length == 0) continue;
      for (let n = 0; n < 40; n++) {
        const b = full.slice();
        const flips = 1 + <i32>(rand() % 3);
        for (let k = 0; k < flips; k++) b[<i32>(rand() % <u32>b.length)] = <u8>rand();
        const r = new Reader(b);
        const w = new Writer(16);
        decodeAndEncode(vec.message, r, vec.version, w);
        if (r.failed) continue;
        // What decodes re-encodes to a canonical form that decodes and re-encodes to itself.
        const once = toBytes(w);
        const r2 = new Reader(once);
        const w2 = new Writer(16);
        decodeAndEncode(vec.message, r2, vec.version, w2);
        expect<bool>(r2.failed).toBe(false, vec.message + " v" + vec.version.toString());
        expect<string>(bytesToHex(toBytes(w2))).toBe(bytesToHex(once), vec.message + " v" + vec.version.toString());
        decoded++;
      }
    }
    expect<i32>(decoded).toBeGreaterThan(100);
  });
});

describe("malformed lengths", () => {
  it("fails on a string length below -1 instead of reading null", () => {
    const r = new Reader(bytesOf([0xff, 0xfe, 0x41]));
    expect<string | null>(r.nullableString(false)).toBeNull();
    expect<bool>(r.failed).toBe(true);
  });
  it("fails on a compact length past 2^31", () => {
    // uvarint 0xffffffff: length 2^32-2, which must not wrap to a negative (null) length
    const r = new Reader(bytesOf([0xff, 0xff, 0xff, 0xff, 0x0f, 0x41]));
    expect<Uint8Array | null>(r.nullableBytes(true)).toBeNull();
    expect<bool>(r.failed).toBe(true);
  });
  it("fails on a string longer than the bytes left", () => {
    // ProduceRequest v9 with a non-null transactional id whose length runs past the end
    const r = new Reader(bytesOf([0x10, 0x41, 0x42]));
    ProduceRequest.decode(r, 9);
    expect<bool>(r.failed).toBe(true);
  });
});
