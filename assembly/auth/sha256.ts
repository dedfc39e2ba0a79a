// SHA-256 (FIPS 180-4 section 6.2), streaming. Blocks are read with raw big-endian loads from
// the caller's buffer: element access costs a bounds check and a call per byte in this runtime.
import { Hash, SHA256, checkOut, clampRange } from "./hash";

const K: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

const BLOCK: i32 = 64;
export const SHA256_LENGTH: i32 = 32;

export class Sha256 extends Hash {
  private h: StaticArray<u32> = new StaticArray<u32>(8);
  private w: StaticArray<u32> = new StaticArray<u32>(64);
  private buf: StaticArray<u8> = new StaticArray<u8>(BLOCK);
  private bufLen: i32 = 0;
  private total: u64 = 0;

  constructor() {
    super();
    this.reset();
  }

  get digestLength(): i32 {
    return SHA256_LENGTH;
  }

  get blockLength(): i32 {
    return BLOCK;
  }

  get algorithm(): i32 {
    return SHA256;
  }

  reset(): void {
    const h = this.h;
    unchecked((h[0] = 0x6a09e667));
    unchecked((h[1] = 0xbb67ae85));
    unchecked((h[2] = 0x3c6ef372));
    unchecked((h[3] = 0xa54ff53a));
    unchecked((h[4] = 0x510e527f));
    unchecked((h[5] = 0x9b05688c));
    unchecked((h[6] = 0x1f83d9ab));
    unchecked((h[7] = 0x5be0cd19));
    this.bufLen = 0;
    this.total = 0;
  }

  update(data: Uint8Array, start: i32, end: i32): void {
    const r = clampRange(data.length, start, end);
    let p = data.dataStart + <usize>(<u32>r);
    let n = <i32>(r >>> 32) - <i32>(<u32>r);
    this.total += <u64>n;
    const buf = changetype<usize>(this.buf);
    if (this.bufLen > 0) {
      const take = min(n, BLOCK - this.bufLen);
      memory.copy(buf + <usize>this.bufLen, p, <usize>take);
      this.bufLen += take;
      p += <usize>take;
      n -= take;
      if (this.bufLen < BLOCK) return;
      this.compress(buf);
      this.bufLen = 0;
    }
    while (n >= BLOCK) {
      this.compress(p);
      p += <usize>BLOCK;
      n -= BLOCK;
    }
    if (n > 0) {
      memory.copy(buf, p, <usize>n);
      this.bufLen = n;
    }
  }

  finishInto(out: Uint8Array, offset: i32): void {
    checkOut(out, offset, SHA256_LENGTH);
    const buf = changetype<usize>(this.buf);
    const bits = this.total << 3;
    let len = this.bufLen;
    store<u8>(buf + <usize>len, 0x80);
    len++;
    if (len > BLOCK - 8) {
      memory.fill(buf + <usize>len, 0, <usize>(BLOCK - len));
      this.compress(buf);
      len = 0;
    }
    memory.fill(buf + <usize>len, 0, <usize>(BLOCK - 8 - len));
    store<u64>(buf + <usize>(BLOCK - 8), bswap<u64>(bits));
    this.compress(buf);
    const h = changetype<usize>(this.h);
    const o = out.dataStart + <usize>offset;
    for (let i = 0; i < 8; i++) store<u32>(o + (<usize>i << 2), bswap<u32>(load<u32>(h + (<usize>i << 2))));
    this.bufLen = 0;
  }

  copyFrom(other: Hash): void {
    if (!(other instanceof Sha256)) throw new TypeError("copyFrom: not a SHA-256 state");
    const o = changetype<Sha256>(other);
    memory.copy(changetype<usize>(this.h), changetype<usize>(o.h), 32);
    memory.copy(changetype<usize>(this.buf), changetype<usize>(o.buf), <usize>o.bufLen);
    this.bufLen = o.bufLen;
    this.total = o.total;
  }

  /** One 64-byte block at p. */
  private compress(p: usize): void {
    const w = changetype<usize>(this.w);
    const k = changetype<usize>(K);
    for (let i: usize = 0; i < 16; i++) store<u32>(w + (i << 2), bswap<u32>(load<u32>(p + (i << 2))));
    for (let i: usize = 16; i < 64; i++) {
      const w15 = load<u32>(w + ((i - 15) << 2));
      const w2 = load<u32>(w + ((i - 2) << 2));
      const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3);
      const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10);
      store<u32>(w + (i << 2), load<u32>(w + ((i - 16) << 2)) + s0 + load<u32>(w + ((i - 7) << 2)) + s1);
    }
    const hp = changetype<usize>(this.h);
    let a = load<u32>(hp, 0);
    let b = load<u32>(hp, 4);
    let c = load<u32>(hp, 8);
    let d = load<u32>(hp, 12);
    let e = load<u32>(hp, 16);
    let f = load<u32>(hp, 20);
    let g = load<u32>(hp, 24);
    let h = load<u32>(hp, 28);
    for (let i: usize = 0; i < 64; i++) {
      const S1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = h + S1 + ch + load<u32>(k + (i << 2)) + load<u32>(w + (i << 2));
      const S0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = S0 + maj;
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    store<u32>(hp, load<u32>(hp, 0) + a, 0);
    store<u32>(hp, load<u32>(hp, 4) + b, 4);
    store<u32>(hp, load<u32>(hp, 8) + c, 8);
    store<u32>(hp, load<u32>(hp, 12) + d, 12);
    store<u32>(hp, load<u32>(hp, 16) + e, 16);
    store<u32>(hp, load<u32>(hp, 20) + f, 20);
    store<u32>(hp, load<u32>(hp, 24) + g, 24);
    store<u32>(hp, load<u32>(hp, 28) + h, 28);
  }
}

/** SHA-256 of bytes [start, end) of data. */
export function sha256(data: Uint8Array, start: i32 = 0, end: i32 = i32.MAX_VALUE): Uint8Array {
  const s = new Sha256();
  s.update(data, start, end);
  return s.digest();
}
