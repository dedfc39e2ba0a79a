// SHA-512 (FIPS 180-4 section 6.4), streaming; raw big-endian loads as in sha256.ts.
import { Hash, SHA512, checkOut, clampRange } from "./hash";

const K: StaticArray<u64> = [
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
  0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
  0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
  0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
  0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
  0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
  0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
  0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
  0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
  0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
  0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
  0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
  0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
];

const BLOCK: i32 = 128;
export const SHA512_LENGTH: i32 = 64;

export class Sha512 extends Hash {
  private h: StaticArray<u64> = new StaticArray<u64>(8);
  private w: StaticArray<u64> = new StaticArray<u64>(80);
  private buf: StaticArray<u8> = new StaticArray<u8>(BLOCK);
  private bufLen: i32 = 0;
  private total: u64 = 0;

  constructor() {
    super();
    this.reset();
  }

  get digestLength(): i32 {
    return SHA512_LENGTH;
  }

  get blockLength(): i32 {
    return BLOCK;
  }

  get algorithm(): i32 {
    return SHA512;
  }

  reset(): void {
    const h = this.h;
    unchecked((h[0] = 0x6a09e667f3bcc908));
    unchecked((h[1] = 0xbb67ae8584caa73b));
    unchecked((h[2] = 0x3c6ef372fe94f82b));
    unchecked((h[3] = 0xa54ff53a5f1d36f1));
    unchecked((h[4] = 0x510e527fade682d1));
    unchecked((h[5] = 0x9b05688c2b3e6c1f));
    unchecked((h[6] = 0x1f83d9abfb41bd6b));
    unchecked((h[7] = 0x5be0cd19137e2179));
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
    checkOut(out, offset, SHA512_LENGTH);
    const buf = changetype<usize>(this.buf);
    let len = this.bufLen;
    store<u8>(buf + <usize>len, 0x80);
    len++;
    if (len > BLOCK - 16) {
      memory.fill(buf + <usize>len, 0, <usize>(BLOCK - len));
      this.compress(buf);
      len = 0;
    }
    memory.fill(buf + <usize>len, 0, <usize>(BLOCK - 16 - len));
    // 128-bit big-endian bit count.
    store<u64>(buf + <usize>(BLOCK - 16), bswap<u64>(this.total >>> 61));
    store<u64>(buf + <usize>(BLOCK - 8), bswap<u64>(this.total << 3));
    this.compress(buf);
    const h = changetype<usize>(this.h);
    const o = out.dataStart + <usize>offset;
    for (let i = 0; i < 8; i++) store<u64>(o + (<usize>i << 3), bswap<u64>(load<u64>(h + (<usize>i << 3))));
    this.bufLen = 0;
  }

  copyFrom(other: Hash): void {
    if (!(other instanceof Sha512)) throw new TypeError("copyFrom: not a SHA-512 state");
    const o = changetype<Sha512>(other);
    memory.copy(changetype<usize>(this.h), changetype<usize>(o.h), 64);
    memory.copy(changetype<usize>(this.buf), changetype<usize>(o.buf), <usize>o.bufLen);
    this.bufLen = o.bufLen;
    this.total = o.total;
  }

  /** One 128-byte block at p. */
  private compress(p: usize): void {
    const w = changetype<usize>(this.w);
    const k = changetype<usize>(K);
    for (let i: usize = 0; i < 16; i++) store<u64>(w + (i << 3), bswap<u64>(load<u64>(p + (i << 3))));
    for (let i: usize = 16; i < 80; i++) {
      const w15 = load<u64>(w + ((i - 15) << 3));
      const w2 = load<u64>(w + ((i - 2) << 3));
      const s0 = rotr<u64>(w15, 1) ^ rotr<u64>(w15, 8) ^ (w15 >>> 7);
      const s1 = rotr<u64>(w2, 19) ^ rotr<u64>(w2, 61) ^ (w2 >>> 6);
      store<u64>(w + (i << 3), load<u64>(w + ((i - 16) << 3)) + s0 + load<u64>(w + ((i - 7) << 3)) + s1);
    }
    const hp = changetype<usize>(this.h);
    let a = load<u64>(hp, 0);
    let b = load<u64>(hp, 8);
    let c = load<u64>(hp, 16);
    let d = load<u64>(hp, 24);
    let e = load<u64>(hp, 32);
    let f = load<u64>(hp, 40);
    let g = load<u64>(hp, 48);
    let h = load<u64>(hp, 56);
    for (let i: usize = 0; i < 80; i++) {
      const S1 = rotr<u64>(e, 14) ^ rotr<u64>(e, 18) ^ rotr<u64>(e, 41);
      const ch = (e & f) ^ (~e & g);
      const t1 = h + S1 + ch + load<u64>(k + (i << 3)) + load<u64>(w + (i << 3));
      const S0 = rotr<u64>(a, 28) ^ rotr<u64>(a, 34) ^ rotr<u64>(a, 39);
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
    store<u64>(hp, load<u64>(hp, 0) + a, 0);
    store<u64>(hp, load<u64>(hp, 8) + b, 8);
    store<u64>(hp, load<u64>(hp, 16) + c, 16);
    store<u64>(hp, load<u64>(hp, 24) + d, 24);
    store<u64>(hp, load<u64>(hp, 32) + e, 32);
    store<u64>(hp, load<u64>(hp, 40) + f, 40);
    store<u64>(hp, load<u64>(hp, 48) + g, 48);
    store<u64>(hp, load<u64>(hp, 56) + h, 56);
  }
}

/** SHA-512 of bytes [start, end) of data. */
export function sha512(data: Uint8Array, start: i32 = 0, end: i32 = i32.MAX_VALUE): Uint8Array {
  const s = new Sha512();
  s.update(data, start, end);
  return s.digest();
}
