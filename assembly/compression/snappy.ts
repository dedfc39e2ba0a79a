// Snappy: raw blocks (a varint length, then literal/copy elements) and the xerial framing
// snappy-java's SnappyOutputStream writes for the Kafka Java client:
//   "\x82SNAPPY\0", int32 version, int32 compatible version, then chunks of
//   [int32 big-endian length][raw snappy block].
import { DecodeError, DecodeResult } from "./result";
import { GrowBuf } from "./growbuf";
import { copyMatch } from "./inflate";

const OK: i32 = 0;
const MALFORMED: i32 = -1;
const TOO_LARGE: i32 = -2;

/** A raw block cannot expand more than 64 output bytes per 3 input bytes (a 2-byte-offset copy). */
const MAX_EXPANSION: i64 = 22;

const XERIAL_HEADER: i32 = 16;

function isXerial(src: usize, n: i32): bool {
  // 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00, as a little-endian u64.
  return n >= XERIAL_HEADER && load<u64>(src) == 0x00595050414e5382;
}

@inline function bswap32(x: u32): u32 {
  return bswap<u32>(x);
}

/**
 * Reads the uncompressed-length varint at the start of a block: its value in the low 32 bits,
 * its size in bytes in the bits above (see lengthValue, lengthSize), or -1 when malformed.
 */
function readLength(src: usize, n: i32): i64 {
  let v: u64 = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= n) return -1;
    const b = <u64>load<u8>(src + <usize>i);
    v |= (b & 0x7f) << (<u64>(7 * i));
    if (b < 0x80) {
      if (v > 0xffffffff) return -1;
      return <i64>v | (<i64>(i + 1) << 32);
    }
  }
  return -1;
}

@inline function lengthValue(length: i64): i64 {
  return length & 0xffffffff;
}

@inline function lengthSize(length: i64): i32 {
  return <i32>(length >>> 32);
}

/** Decodes one raw block at src[0 .. n) and appends it to out. */
function decodeBlock(src: usize, n: i32, out: GrowBuf): i32 {
  const length = readLength(src, n);
  if (length < 0) return MALFORMED;
  const declared = lengthValue(length);
  const varintLen = lengthSize(length);
  const body = n - varintLen;
  if (declared > <i64>body * MAX_EXPANSION) return MALFORMED;
  if (declared > <i64>(out.max - out.len)) return TOO_LARGE;
  if (!out.reserveMore(<i32>declared)) return TOO_LARGE;
  const base = out.base;
  const ostart = base + <usize>out.len;
  const oend = ostart + <usize>declared;
  let op = ostart;
  let ip = src + <usize>varintLen;
  const iend = src + <usize>n;
  while (ip < iend) {
    const tag = <u32>load<u8>(ip);
    ip++;
    const kind = tag & 3;
    if (kind == 0) {
      let len = <usize>(tag >>> 2) + 1;
      if (len <= 16 && iend - ip >= 16) {
        // Short literal with room to copy 16 bytes at once (the output has SLACK spare bytes).
        if (len > oend - op) return MALFORMED;
        store<u64>(op, load<u64>(ip));
        store<u64>(op, load<u64>(ip, 8), 8);
        op += len;
        ip += len;
        continue;
      }
      if (len > 60) {
        const nb = len - 60;
        if (iend - ip < nb) return MALFORMED;
        let v: u64 = 0;
        for (let k: usize = 0; k < nb; k++) v |= (<u64>load<u8>(ip + k)) << (<u64>(k << 3));
        ip += nb;
        if (v >= 0x7fffffff) return MALFORMED;
        len = <usize>(v + 1);
      }
      if (len > iend - ip || len > oend - op) return MALFORMED;
      memory.copy(op, ip, len);
      op += len;
      ip += len;
      continue;
    }
    let len: usize, off: usize;
    if (kind == 1) {
      if (ip >= iend) return MALFORMED;
      len = 4 + <usize>((tag >>> 2) & 7);
      off = (<usize>(tag >>> 5) << 8) | <usize>load<u8>(ip);
      ip++;
    } else if (kind == 2) {
      if (iend - ip < 2) return MALFORMED;
      len = <usize>(tag >>> 2) + 1;
      off = <usize>load<u16>(ip);
      ip += 2;
    } else {
      if (iend - ip < 4) return MALFORMED;
      len = <usize>(tag >>> 2) + 1;
      off = <usize>load<u32>(ip);
      ip += 4;
    }
    if (off == 0 || off > op - ostart || len > oend - op) return MALFORMED;
    op = copyMatch(op, off, len);
  }
  if (op != oend) return MALFORMED;
  out.len += <i32>declared;
  return OK;
}

/** Decodes a snappy payload as Kafka producers write it, producing at most maxOutput bytes. */
export function unsnappy(input: Uint8Array, maxOutput: i32): DecodeResult {
  const n = input.length;
  const src = input.dataStart;
  let rc: i32;
  let out: GrowBuf;
  if (!isXerial(src, n)) {
    const length = readLength(src, n);
    if (length < 0) return DecodeResult.fail(DecodeError.MALFORMED);
    const declared = lengthValue(length);
    if (declared > <i64>maxOutput) return DecodeResult.fail(DecodeError.TOO_LARGE);
    out = new GrowBuf(declared > <i64>n * MAX_EXPANSION ? 0 : <i32>declared, maxOutput);
    rc = decodeBlock(src, n, out);
  } else {
    // The chunks' declared lengths are known only one at a time: grow as they come.
    let hint = <i64>n * 4;
    if (hint > <i64>maxOutput) hint = maxOutput;
    out = new GrowBuf(<i32>hint, maxOutput);
    let pos = XERIAL_HEADER;
    rc = OK;
    while (pos < n) {
      if (n - pos < 4) {
        rc = MALFORMED;
        break;
      }
      const clen = bswap32(load<u32>(src + <usize>pos));
      pos += 4;
      if (clen > <u32>(n - pos)) {
        rc = MALFORMED;
        break;
      }
      rc = decodeBlock(src + <usize>pos, <i32>clen, out);
      if (rc != OK) break;
      pos += <i32>clen;
    }
  }
  if (rc == TOO_LARGE) return DecodeResult.fail(DecodeError.TOO_LARGE);
  if (rc != OK) return DecodeResult.fail(DecodeError.MALFORMED);
  return DecodeResult.ok(out.result());
}
