// LZ4 frame format (as the Kafka Java client's Lz4BlockOutputStream and librdkafka write it,
// KIP-57): magic, frame descriptor with xxHash32 header checksum, blocks (compressed or stored,
// independent or linked, optionally checksummed), end mark, optional content checksum.
// Concatenated and skippable frames are accepted.
import { DecodeError, DecodeResult } from "./result";
import { GrowBuf } from "./growbuf";
import { copyMatch } from "./inflate";
import { xxh32 } from "./xxhash32";

const MAGIC: u32 = 0x184d2204;
const OK: i32 = 0;
const MALFORMED: i32 = -1;
const TOO_LARGE: i32 = -2;

/** LZ4 cannot expand more than about 255:1 (one length byte per 255 output bytes). */
const MAX_EXPANSION: i64 = 256;

/**
 * Decodes one compressed block at src[0 .. n) onto out. Matches may reach back to `window`
 * (an offset into out). The block may not produce more than blockMax bytes.
 */
function decodeBlock(src: usize, n: i32, out: GrowBuf, window: i32, blockMax: i32): i32 {
  const startLen = out.len;
  // Hard limit for this block: the block size bound or the caller's cap, whichever is lower.
  let limitLen: i32 = blockMax;
  let limitCode = MALFORMED;
  if (limitLen > out.max - startLen) {
    limitLen = out.max - startLen;
    limitCode = TOO_LARGE;
  }
  let base = out.base;
  let op = base + <usize>startLen;
  let ocap = base + <usize>out.cap; // soft limit: grow when reached
  let ohard = base + <usize>startLen + <usize>limitLen;
  let olim = ocap < ohard ? ocap : ohard; // the fast paths stay below both
  let ip = src;
  const iend = src + <usize>n;
  while (true) {
    if (ip >= iend) return MALFORMED;
    const token = <u32>load<u8>(ip);
    ip++;
    let lit = <usize>(token >>> 4);
    if (lit < 15 && iend - ip >= 16 && op + 16 <= olim) {
      // Short literal run: copy 16 bytes, keep `lit`.
      store<u64>(op, load<u64>(ip));
      store<u64>(op, load<u64>(ip, 8), 8);
      op += lit;
      ip += lit;
    } else {
      if (lit == 15) {
        let b: u32;
        do {
          if (ip >= iend) return MALFORMED;
          b = <u32>load<u8>(ip);
          ip++;
          lit += <usize>b;
          if (lit > iend - ip) return MALFORMED; // also bounds lit: it must fit in the input
        } while (b == 255);
      }
      if (lit > iend - ip) return MALFORMED;
      if (lit > ohard - op) return limitCode;
      if (lit > ocap - op) {
        out.len = <i32>(op - base);
        if (!out.reserveMore(<i32>lit)) return TOO_LARGE;
        const nb = out.base;
        op = nb + (op - base);
        ohard = nb + (ohard - base);
        base = nb;
        ocap = base + <usize>out.cap;
        olim = ocap < ohard ? ocap : ohard;
      }
      if (lit <= 64 && iend - ip >= lit + 8) {
        // Word copies beat a bulk copy call for short runs; both sides have room to overshoot.
        const e = op + lit;
        let s = ip;
        do {
          store<u64>(op, load<u64>(s));
          op += 8;
          s += 8;
        } while (op < e);
        op = e;
      } else {
        memory.copy(op, ip, lit);
        op += lit;
      }
      ip += lit;
    }
    if (ip == iend) break; // the last sequence has literals only
    if (iend - ip < 2) return MALFORMED;
    const off = <usize>load<u16>(ip);
    ip += 2;
    if (off == 0 || off > op - (base + <usize>window)) return MALFORMED;
    let mlen = <usize>(token & 15);
    if (mlen < 15 && off >= 8 && op + 24 <= olim) {
      // Match of at most 18 bytes from 8+ bytes back: three word copies, keep mlen + 4.
      const s = op - off;
      store<u64>(op, load<u64>(s));
      store<u64>(op, load<u64>(s, 8), 8);
      store<u64>(op, load<u64>(s, 16), 16);
      op += mlen + 4;
      continue;
    }
    if (mlen == 15) {
      let b: u32;
      do {
        if (ip >= iend) return MALFORMED;
        b = <u32>load<u8>(ip);
        ip++;
        mlen += <usize>b;
        if (mlen > <usize>limitLen) break; // too long whatever follows; avoid wrapping
      } while (b == 255);
    }
    mlen += 4;
    if (mlen > ohard - op) return limitCode;
    if (mlen > ocap - op) {
      out.len = <i32>(op - base);
      if (!out.reserveMore(<i32>mlen)) return TOO_LARGE;
      const nb = out.base;
      op = nb + (op - base);
      ohard = nb + (ohard - base);
      base = nb;
      ocap = base + <usize>out.cap;
      olim = ocap < ohard ? ocap : ohard;
    }
    op = copyMatch(op, off, mlen);
  }
  out.len = <i32>(op - base);
  return OK;
}

/** Decodes one frame starting at src[pos]; returns the position after it, or an error (< 0). */
function decodeFrame(src: usize, n: i32, pos: i32, out: GrowBuf): i32 {
  // Magic was checked by the caller.
  let p = pos + 4;
  if (n - p < 3) return MALFORMED;
  const flg = <u32>load<u8>(src + <usize>p);
  const bd = <u32>load<u8>(src + <usize>p, 1);
  if (flg >>> 6 != 1 || (flg & 2) != 0 || (bd & 0x8f) != 0) return MALFORMED;
  const independent = (flg & 0x20) != 0;
  const blockChecksum = (flg & 0x10) != 0;
  const hasSize = (flg & 0x08) != 0;
  const contentChecksum = (flg & 0x04) != 0;
  // A preset dictionary is never used by Kafka producers and cannot be supplied here.
  if (flg & 0x01) return MALFORMED;
  const sizeId = (bd >>> 4) & 7;
  if (sizeId < 4) return MALFORMED;
  const blockMax: i32 = 1 << (8 + 2 * sizeId); // 64 KiB, 256 KiB, 1 MiB, 4 MiB
  const descLen = 2 + (hasSize ? 8 : 0);
  if (n - p < descLen + 1) return MALFORMED;
  const hc = (xxh32(src + <usize>p, <usize>descLen, 0) >>> 8) & 0xff;
  if (hc != <u32>load<u8>(src + <usize>(p + descLen))) return MALFORMED;
  let contentSize: u64 = 0;
  if (hasSize) {
    contentSize = load<u64>(src + <usize>p, 2);
    if (contentSize > <u64>(out.max - out.len)) return TOO_LARGE;
    if (<i64>contentSize > <i64>(n - p) * MAX_EXPANSION + 64) return MALFORMED;
    if (!out.reserveMore(<i32>contentSize)) return TOO_LARGE;
  }
  p += descLen + 1;
  const frameStart = out.len;
  while (true) {
    if (n - p < 4) return MALFORMED;
    const word = load<u32>(src + <usize>p);
    p += 4;
    if (word == 0) break; // end mark
    const stored = (word & 0x80000000) != 0;
    const size = <i32>(word & 0x7fffffff);
    if (size > blockMax) return MALFORMED;
    if (size > n - p || (blockChecksum && n - p - size < 4)) return MALFORMED;
    const block = src + <usize>p;
    if (blockChecksum) {
      if (xxh32(block, <usize>size, 0) != load<u32>(block + <usize>size)) return MALFORMED;
    }
    if (stored) {
      if (!out.reserveMore(size)) return TOO_LARGE;
      memory.copy(out.base + <usize>out.len, block, <usize>size);
      out.len += size;
    } else {
      const rc = decodeBlock(block, size, out, independent ? out.len : frameStart, blockMax);
      if (rc != OK) return rc;
    }
    p += size + (blockChecksum ? 4 : 0);
  }
  const produced = out.len - frameStart;
  if (contentChecksum) {
    if (n - p < 4) return MALFORMED;
    const sum = xxh32(out.base + <usize>frameStart, <usize>produced, 0);
    if (sum != load<u32>(src + <usize>p)) return MALFORMED;
    p += 4;
  }
  if (hasSize && <u64>produced != contentSize) return MALFORMED;
  return p;
}

/** Decodes a lz4 payload as Kafka producers write it, producing at most maxOutput bytes. */
export function unlz4(input: Uint8Array, maxOutput: i32): DecodeResult {
  const n = input.length;
  const src = input.dataStart;
  if (n < 4) return DecodeResult.fail(DecodeError.MALFORMED);
  let hint = <i64>n * 3;
  if (hint > <i64>maxOutput) hint = maxOutput;
  const out = new GrowBuf(<i32>hint, maxOutput);
  let pos = 0;
  let frames = 0;
  while (pos < n) {
    if (n - pos < 4) return DecodeResult.fail(DecodeError.MALFORMED);
    const magic = load<u32>(src + <usize>pos);
    if ((magic & 0xfffffff0) == 0x184d2a50) {
      // Skippable frame: magic, little-endian size, payload.
      if (n - pos < 8) return DecodeResult.fail(DecodeError.MALFORMED);
      const skip = load<u32>(src + <usize>pos, 4);
      if (<u64>skip > <u64>(n - pos - 8)) return DecodeResult.fail(DecodeError.MALFORMED);
      pos += 8 + <i32>skip;
      continue;
    }
    if (magic != MAGIC) return DecodeResult.fail(DecodeError.MALFORMED);
    const next = decodeFrame(src, n, pos, out);
    if (next < 0) {
      return DecodeResult.fail(next == TOO_LARGE ? DecodeError.TOO_LARGE : DecodeError.MALFORMED);
    }
    pos = next;
    frames++;
  }
  if (frames == 0) return DecodeResult.fail(DecodeError.MALFORMED);
  return DecodeResult.ok(out.result());
}
