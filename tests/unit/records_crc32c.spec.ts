import { crc32c, crc32cUpdate } from "../../assembly/records/crc32c";

function filled(n: i32, v: u8): Uint8Array {
  const b = new Uint8Array(n);
  b.fill(v);
  return b;
}

describe("crc32c", () => {
  // RFC 3720 appendix B.4 test vectors.
  it("matches RFC 3720 B.4: 32 bytes of zeros", () => {
    expect<u32>(crc32c(filled(32, 0))).toBe(0x8a9136aa);
  });
  it("matches RFC 3720 B.4: 32 bytes of 0xFF", () => {
    expect<u32>(crc32c(filled(32, 0xff))).toBe(0x62a8ab43);
  });
  it("matches RFC 3720 B.4: ascending 0..31", () => {
    const b = new Uint8Array(32);
    for (let i = 0; i < 32; i++) b[i] = <u8>i;
    expect<u32>(crc32c(b)).toBe(0x46dd794e);
  });
  it("matches RFC 3720 B.4: descending 31..0", () => {
    const b = new Uint8Array(32);
    for (let i = 0; i < 32; i++) b[i] = <u8>(31 - i);
    expect<u32>(crc32c(b)).toBe(0x113fdb5c);
  });
  it("matches the check value of \"123456789\"", () => {
    expect<u32>(crc32c(Uint8Array.wrap(String.UTF8.encode("123456789")))).toBe(0xe3069283);
  });
  it("is 0 for no bytes", () => {
    expect<u32>(crc32c(new Uint8Array(0))).toBe(0);
  });
  it("gives the same result for any split and alignment (8-byte path vs byte path)", () => {
    const b = new Uint8Array(100);
    for (let i = 0; i < 100; i++) b[i] = <u8>(i * 7 + 3);
    const whole = crc32c(b, 3, 97);
    for (let cut = 3; cut <= 97; cut++) {
      expect<u32>(crc32cUpdate(crc32cUpdate(0, b, 3, cut), b, cut, 97)).toBe(whole);
    }
    // Byte-at-a-time reference over the same range.
    let c: u32 = 0;
    for (let i = 3; i < 97; i++) c = crc32cUpdate(c, b, i, i + 1);
    expect<u32>(c).toBe(whole);
  });
  it("clamps out-of-range bounds instead of reading outside the buffer", () => {
    const b = filled(32, 0);
    expect<u32>(crc32c(b, -5, 1000)).toBe(0x8a9136aa);
    expect<u32>(crc32c(b, 10, 5)).toBe(0);
  });
});
