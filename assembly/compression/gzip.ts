// gzip (RFC 1952): one or more members, each a header, DEFLATE data and a CRC-32/ISIZE trailer.
import { DecodeError, DecodeResult } from "./result";
import { GrowBuf } from "./growbuf";
import { crc32Update } from "./crc32";
import { inflateRaw, INFLATE_TOO_LARGE } from "./inflate";

const FHCRC: u32 = 2;
const FEXTRA: u32 = 4;
const FNAME: u32 = 8;
const FCOMMENT: u32 = 16;

/** Decodes a gzip payload as Kafka producers write it, producing at most maxOutput bytes. */
export function gunzip(input: Uint8Array, maxOutput: i32): DecodeResult {
  const n = input.length;
  const src = input.dataStart;
  if (n < 18) return DecodeResult.fail(DecodeError.MALFORMED);
  // The last member's ISIZE is a hint for the output size; DEFLATE cannot expand more than
  // 1032:1, so a forged one cannot make us allocate more than that.
  let hint = <i64>load<u32>(src + <usize>n - 4);
  const bound = <i64>n * 1032;
  if (hint > bound) hint = bound;
  if (hint > <i64>maxOutput) hint = maxOutput;
  const out = new GrowBuf(<i32>hint, maxOutput);
  let pos = 0;
  do {
    if (n - pos < 18) return DecodeResult.fail(DecodeError.MALFORMED);
    const h = src + <usize>pos;
    if (load<u8>(h) != 0x1f || load<u8>(h, 1) != 0x8b || load<u8>(h, 2) != 8) {
      return DecodeResult.fail(DecodeError.MALFORMED);
    }
    const flg = <u32>load<u8>(h, 3);
    if (flg & 0xe0) return DecodeResult.fail(DecodeError.MALFORMED);
    let p = pos + 10;
    if (flg & FEXTRA) {
      if (n - p < 2) return DecodeResult.fail(DecodeError.MALFORMED);
      const xlen = <i32>load<u16>(src + <usize>p);
      p += 2;
      if (n - p < xlen) return DecodeResult.fail(DecodeError.MALFORMED);
      p += xlen;
    }
    if (flg & FNAME) {
      while (p < n && load<u8>(src + <usize>p) != 0) p++;
      if (p >= n) return DecodeResult.fail(DecodeError.MALFORMED);
      p++;
    }
    if (flg & FCOMMENT) {
      while (p < n && load<u8>(src + <usize>p) != 0) p++;
      if (p >= n) return DecodeResult.fail(DecodeError.MALFORMED);
      p++;
    }
    if (flg & FHCRC) {
      if (n - p < 2) return DecodeResult.fail(DecodeError.MALFORMED);
      const want = <u32>load<u16>(src + <usize>p);
      if ((crc32Update(0, h, <usize>(p - pos)) & 0xffff) != want) {
        return DecodeResult.fail(DecodeError.MALFORMED);
      }
      p += 2;
    }
    const start = out.len;
    const used = inflateRaw(src + <usize>p, n - p, out);
    if (used < 0) {
      return DecodeResult.fail(used == INFLATE_TOO_LARGE ? DecodeError.TOO_LARGE : DecodeError.MALFORMED);
    }
    p += used;
    if (n - p < 8) return DecodeResult.fail(DecodeError.MALFORMED);
    const size = out.len - start;
    const crc = crc32Update(0, out.base + <usize>start, <usize>size);
    if (crc != load<u32>(src + <usize>p) || <u32>size != load<u32>(src + <usize>p, 4)) {
      return DecodeResult.fail(DecodeError.MALFORMED);
    }
    pos = p + 8;
  } while (pos < n);
  return DecodeResult.ok(out.result());
}
