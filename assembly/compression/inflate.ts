// DEFLATE (RFC 1951) decoder: stored, fixed and dynamic Huffman blocks.
//
// Huffman codes are decoded through two-level lookup tables: a primary table indexed by the
// next LIT_BITS (or DIST_BITS) input bits resolves every short code in one load; longer codes
// go through one subtable. Bits are read LSB-first from a 64-bit buffer refilled a word at a
// time. Every read, table entry and copy is bounds-checked; malformed input only ever yields
// an error code.
import { GrowBuf } from "./growbuf";

/** Returned (negated) by inflateRaw. */
export const INFLATE_MALFORMED: i32 = -1;
export const INFLATE_TOO_LARGE: i32 = -2;

const LIT_BITS: u32 = 10;
const DIST_BITS: u32 = 8;
const CL_BITS: u32 = 7;

// Table entry: leaf = (symbol << 4) | bits to consume (1..15; 0 marks an unused code);
// link = 0x80000000 | (subtable offset << 4) | subtable index bits.
const LINK: u32 = 0x80000000;

// Subtables hold at most one per long code: 288 * 2^(15-10) and 32 * 2^(15-8) entries.
const litTable = new StaticArray<u32>((1 << LIT_BITS) + 288 * (1 << (15 - LIT_BITS)));
const distTable = new StaticArray<u32>((1 << DIST_BITS) + 32 * (1 << (15 - DIST_BITS)));
const clTable = new StaticArray<u32>(1 << CL_BITS);
const fixedLit = new StaticArray<u32>(1 << LIT_BITS);
const fixedDist = new StaticArray<u32>(1 << DIST_BITS);
let fixedReady = false;

const lengths = new StaticArray<u8>(320);
const counts = new StaticArray<u32>(16);
const nextCode = new StaticArray<u32>(16);

// Length symbols 257..285 and distance symbols 0..29: base value and extra bits.
const LEN_BASE: StaticArray<u16> = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
  163, 195, 227, 258,
];
const LEN_EXTRA: StaticArray<u8> = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: StaticArray<u16> = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
  3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: StaticArray<u8> = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
const CL_ORDER: StaticArray<u8> = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * Builds a decoding table for the code lengths lengths[off .. off+n) with a primary table of
 * `bits` index bits. Returns false for an over-subscribed code. Incomplete codes are accepted;
 * their unused entries stay 0 and are rejected when met.
 */
function buildTable(table: StaticArray<u32>, off: i32, n: i32, bits: u32): bool {
  for (let l = 0; l < 16; l++) unchecked((counts[l] = 0));
  for (let i = 0; i < n; i++) {
    const l = unchecked(lengths[off + i]);
    unchecked((counts[l] = unchecked(counts[l]) + 1));
  }
  unchecked((counts[0] = 0));
  let left: i32 = 1;
  let maxLen: u32 = 0;
  for (let l = 1; l < 16; l++) {
    left = (left << 1) - <i32>unchecked(counts[l]);
    if (left < 0) return false;
    if (unchecked(counts[l]) != 0) maxLen = l;
  }
  let code: u32 = 0;
  for (let l = 1; l < 16; l++) {
    code = (code + unchecked(counts[l - 1])) << 1;
    unchecked((nextCode[l] = code));
  }
  const t = changetype<usize>(table);
  const primary: u32 = 1 << bits;
  memory.fill(t, 0, primary << 2);
  const subBits: u32 = maxLen > bits ? maxLen - bits : 0;
  const subSize: u32 = 1 << subBits;
  let nextSub: u32 = primary;
  for (let sym = 0; sym < n; sym++) {
    const l = <u32>unchecked(lengths[off + sym]);
    if (l == 0) continue;
    const c = unchecked(nextCode[l]);
    unchecked((nextCode[l] = c + 1));
    // Deflate sends codes MSB first into an LSB-first stream: index by the reversed code.
    let rev: u32 = 0;
    for (let k: u32 = 0; k < l; k++) rev |= ((c >>> k) & 1) << (l - 1 - k);
    if (l <= bits) {
      const entry = (<u32>sym << 4) | l;
      for (let i = rev; i < primary; i += 1 << l) store<u32>(t + (<usize>i << 2), entry);
    } else {
      const idx = rev & (primary - 1);
      let link = load<u32>(t + (<usize>idx << 2));
      if ((link & LINK) == 0) {
        link = LINK | (nextSub << 4) | subBits;
        store<u32>(t + (<usize>idx << 2), link);
        memory.fill(t + (<usize>nextSub << 2), 0, subSize << 2);
        nextSub += subSize;
      }
      const sub = t + (<usize>((link & ~LINK) >>> 4) << 2);
      const l2 = l - bits;
      const entry = (<u32>sym << 4) | l2;
      for (let i = rev >>> bits; i < subSize; i += 1 << l2) store<u32>(sub + (<usize>i << 2), entry);
    }
  }
  return true;
}

function buildFixed(): void {
  for (let i = 0; i < 144; i++) unchecked((lengths[i] = 8));
  for (let i = 144; i < 256; i++) unchecked((lengths[i] = 9));
  for (let i = 256; i < 280; i++) unchecked((lengths[i] = 7));
  for (let i = 280; i < 288; i++) unchecked((lengths[i] = 8));
  buildTable(fixedLit, 0, 288, LIT_BITS);
  for (let i = 0; i < 30; i++) unchecked((lengths[i] = 5));
  buildTable(fixedDist, 0, 30, DIST_BITS);
  fixedReady = true;
}

/**
 * Inflates raw DEFLATE data at src[0 .. srcLen) onto `out`. Back-references may reach only the
 * output this call produced. Returns the number of input bytes consumed (up to the end of the
 * final block, rounded up to a byte), or INFLATE_MALFORMED / INFLATE_TOO_LARGE.
 */
export function inflateRaw(src: usize, srcLen: i32, out: GrowBuf): i32 {
  if (!fixedReady) buildFixed();
  let ip = src;
  const iend = src + <usize>srcLen;
  let bb: u64 = 0; // bit buffer, next bit in bit 0
  let bc: u32 = 0; // valid bits in bb; bytes before ip are exactly those bits plus consumed ones
  const startLen = out.len;
  let base = out.base;
  let op = base + <usize>out.len;
  let olim = base + <usize>out.cap;
  let last: u64 = 0;
  do {
    // Refill (byte-wise: near the end of input, or fast enough for block headers).
    while (bc <= 56 && ip < iend) {
      bb |= (<u64>load<u8>(ip)) << bc;
      ip++;
      bc += 8;
    }
    if (bc < 3) return INFLATE_MALFORMED;
    last = bb & 1;
    const type = <u32>(bb >>> 1) & 3;
    bb >>>= 3;
    bc -= 3;
    let lt: usize, dt: usize;
    if (type == 0) {
      // Stored: skip to a byte boundary, then LEN, NLEN and LEN raw bytes.
      const drop = bc & 7;
      bb >>>= drop;
      bc -= drop;
      ip -= <usize>(bc >>> 3);
      bb = 0;
      bc = 0;
      if (iend - ip < 4) return INFLATE_MALFORMED;
      const len = <u32>load<u16>(ip);
      if ((len ^ 0xffff) != <u32>load<u16>(ip, 2)) return INFLATE_MALFORMED;
      ip += 4;
      if (<usize>len > iend - ip) return INFLATE_MALFORMED;
      if (<usize>len > olim - op) {
        out.len = <i32>(op - base);
        if (!out.reserveMore(<i32>len)) return INFLATE_TOO_LARGE;
        base = out.base;
        op = base + <usize>out.len;
        olim = base + <usize>out.cap;
      }
      memory.copy(op, ip, len);
      op += len;
      ip += len;
      continue;
    } else if (type == 1) {
      lt = changetype<usize>(fixedLit);
      dt = changetype<usize>(fixedDist);
    } else if (type == 2) {
      if (bc < 14) return INFLATE_MALFORMED;
      const nlen = <i32>(bb & 31) + 257;
      const ndist = <i32>((bb >>> 5) & 31) + 1;
      const ncode = <i32>((bb >>> 10) & 15) + 4;
      bb >>>= 14;
      bc -= 14;
      if (nlen > 286 || ndist > 30) return INFLATE_MALFORMED;
      for (let i = 0; i < 19; i++) unchecked((lengths[i] = 0));
      for (let i = 0; i < ncode; i++) {
        if (bc < 3) {
          while (bc <= 56 && ip < iend) {
            bb |= (<u64>load<u8>(ip)) << bc;
            ip++;
            bc += 8;
          }
          if (bc < 3) return INFLATE_MALFORMED;
        }
        unchecked((lengths[unchecked(CL_ORDER[i])] = <u8>(bb & 7)));
        bb >>>= 3;
        bc -= 3;
      }
      if (!buildTable(clTable, 0, 19, CL_BITS)) return INFLATE_MALFORMED;
      const ct = changetype<usize>(clTable);
      const total = nlen + ndist;
      let i = 0;
      while (i < total) {
        while (bc <= 56 && ip < iend) {
          bb |= (<u64>load<u8>(ip)) << bc;
          ip++;
          bc += 8;
        }
        const e = load<u32>(ct + (<usize>(bb & ((1 << CL_BITS) - 1)) << 2));
        const n = e & 15;
        if (n == 0 || n > bc) return INFLATE_MALFORMED;
        bb >>>= n;
        bc -= n;
        const sym = e >>> 4;
        if (sym < 16) {
          unchecked((lengths[i++] = <u8>sym));
          continue;
        }
        let rep: i32;
        let val: u8 = 0;
        if (sym == 16) {
          if (i == 0 || bc < 2) return INFLATE_MALFORMED;
          val = unchecked(lengths[i - 1]);
          rep = 3 + <i32>(bb & 3);
          bb >>>= 2;
          bc -= 2;
        } else if (sym == 17) {
          if (bc < 3) return INFLATE_MALFORMED;
          rep = 3 + <i32>(bb & 7);
          bb >>>= 3;
          bc -= 3;
        } else {
          if (bc < 7) return INFLATE_MALFORMED;
          rep = 11 + <i32>(bb & 127);
          bb >>>= 7;
          bc -= 7;
        }
        if (rep > total - i) return INFLATE_MALFORMED;
        while (rep-- > 0) unchecked((lengths[i++] = val));
      }
      if (unchecked(lengths[256]) == 0) return INFLATE_MALFORMED;
      if (!buildTable(litTable, 0, nlen, LIT_BITS)) return INFLATE_MALFORMED;
      if (!buildTable(distTable, nlen, ndist, DIST_BITS)) return INFLATE_MALFORMED;
      lt = changetype<usize>(litTable);
      dt = changetype<usize>(distTable);
    } else {
      return INFLATE_MALFORMED;
    }

    // Huffman-coded block body. One refill gives >= 56 bits, enough for a length code with
    // its extra bits plus a distance code with its extra bits (15+5+15+13).
    // Distances may reach back to where this call's output began.
    const winOff = <usize>startLen;
    while (true) {
      if (iend - ip >= 8) {
        bb |= load<u64>(ip) << bc;
        ip += (63 - bc) >>> 3;
        bc |= 56;
      } else {
        while (bc <= 56 && ip < iend) {
          bb |= (<u64>load<u8>(ip)) << bc;
          ip++;
          bc += 8;
        }
      }
      let e = load<u32>(lt + (<usize>(bb & ((1 << LIT_BITS) - 1)) << 2));
      let n: u32;
      if (e & LINK) {
        const sb = e & 15;
        e = load<u32>(
          lt + ((<usize>((e & ~LINK) >>> 4) + <usize>((bb >>> LIT_BITS) & ((1 << sb) - 1))) << 2),
        );
        n = e & 15;
        if (n == 0) return INFLATE_MALFORMED;
        n += LIT_BITS;
      } else {
        n = e & 15;
        if (n == 0) return INFLATE_MALFORMED;
      }
      if (n > bc) return INFLATE_MALFORMED;
      bb >>>= n;
      bc -= n;
      let sym = e >>> 4;
      if (sym < 256) {
        if (op >= olim) {
          out.len = <i32>(op - base);
          if (!out.reserveMore(1)) return INFLATE_TOO_LARGE;
          base = out.base;
          op = base + <usize>out.len;
          olim = base + <usize>out.cap;
        }
        store<u8>(op, <u8>sym);
        op++;
        continue;
      }
      if (sym == 256) break;
      sym -= 257;
      if (sym >= 29) return INFLATE_MALFORMED;
      let eb = <u32>unchecked(LEN_EXTRA[sym]);
      if (eb > bc) return INFLATE_MALFORMED;
      const len = <usize>unchecked(LEN_BASE[sym]) + <usize>(bb & ((1 << eb) - 1));
      bb >>>= eb;
      bc -= eb;

      e = load<u32>(dt + (<usize>(bb & ((1 << DIST_BITS) - 1)) << 2));
      if (e & LINK) {
        const sb = e & 15;
        e = load<u32>(
          dt + ((<usize>((e & ~LINK) >>> 4) + <usize>((bb >>> DIST_BITS) & ((1 << sb) - 1))) << 2),
        );
        n = e & 15;
        if (n == 0) return INFLATE_MALFORMED;
        n += DIST_BITS;
      } else {
        n = e & 15;
        if (n == 0) return INFLATE_MALFORMED;
      }
      if (n > bc) return INFLATE_MALFORMED;
      bb >>>= n;
      bc -= n;
      const dsym = e >>> 4;
      if (dsym >= 30) return INFLATE_MALFORMED;
      eb = <u32>unchecked(DIST_EXTRA[dsym]);
      if (eb > bc) return INFLATE_MALFORMED;
      const dist = <usize>unchecked(DIST_BASE[dsym]) + <usize>(bb & ((1 << eb) - 1));
      bb >>>= eb;
      bc -= eb;
      if (dist > op - (base + winOff)) return INFLATE_MALFORMED;
      if (len > olim - op) {
        out.len = <i32>(op - base);
        if (!out.reserveMore(<i32>len)) return INFLATE_TOO_LARGE;
        base = out.base;
        op = base + <usize>out.len;
        olim = base + <usize>out.cap;
      }
      op = copyMatch(op, dist, len);
    }
  } while (last == 0);
  // Give back whole unread bytes still in the bit buffer.
  ip -= <usize>(bc >>> 3);
  out.len = <i32>(op - base);
  return <i32>(ip - src);
}

/**
 * Copies `len` bytes from `dist` bytes back to op (they may overlap) and returns the new op.
 * The destination has SLACK (>= 8) spare bytes past op + len, so word copies may overshoot.
 */
// @ts-ignore: decorator
@inline
export function copyMatch(op: usize, dist: usize, len: usize): usize {
  const end = op + len;
  let s = op - dist;
  if (dist >= 8) {
    do {
      store<u64>(op, load<u64>(s));
      op += 8;
      s += 8;
    } while (op < end);
  } else if (dist == 1) {
    const v = <u64>load<u8>(s) * 0x0101010101010101;
    do {
      store<u64>(op, v);
      op += 8;
    } while (op < end);
  } else {
    // A run with a short period: lay down the first 8+ bytes one at a time, then copy words
    // from a multiple of the period back (at least 8 bytes back).
    let p = dist;
    while (p < 8) p += dist;
    const first = op + (p < len ? p : len);
    while (op < first) {
      store<u8>(op, load<u8>(s));
      op++;
      s++;
    }
    s = op - p;
    while (op < end) {
      store<u64>(op, load<u64>(s));
      op += 8;
      s += 8;
    }
  }
  return end;
}
