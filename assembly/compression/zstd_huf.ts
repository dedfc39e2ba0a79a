// Huffman-coded literals for zstd (RFC 8878 4.2): tree description and stream decoding.
import { readNCount, buildTable, Distribution, KIND_PLAIN } from "./zstd_fse";

// Reference decoders accept up to 12 bits; encoders write at most 11.
const HUF_MAX_LOG: i32 = 12;

/** Decode table: entry = symbol | (code length << 8), indexed by the next hufLog bits. */
const hufTable = new StaticArray<u16>(1 << HUF_MAX_LOG);
let hufLog: i32 = 0;

/** Forgets the previous table: treeless literals need a table from the same frame. */
export function resetHuffman(): void {
  hufLog = 0;
}

const weights = new StaticArray<u8>(256);
const rankStart = new StaticArray<i32>(HUF_MAX_LOG + 2);
const rankCount = new StaticArray<i32>(HUF_MAX_LOG + 2);
const weightFse = new StaticArray<u64>(64);
const weightDist = new Distribution();

/** Bits [pos, pos+n) of a backward stream of totalBits bits, zero below bit 0. n <= 8. */
function backwardBits(src: usize, pos: i32, n: i32): u32 {
  if (n == 0) return 0;
  let shift = 0;
  if (pos < 0) {
    n += pos;
    shift = -pos;
    pos = 0;
    if (n <= 0) return 0;
  }
  const byte = pos >> 3;
  let v = <u32>load<u8>(src + <usize>byte);
  // pos + n never exceeds the stream, so the second byte exists whenever it is needed.
  if ((pos & 7) + n > 8) v |= (<u32>load<u8>(src + <usize>byte + 1)) << 8;
  v = (v >> (<u32>(pos & 7))) & ((<u32>1 << (<u32>n)) - 1);
  return v << (<u32>shift);
}

/** Decodes FSE-compressed weights from src[0..len) (after the header byte). Returns count or -1. */
function readFseWeights(src: usize, len: i32): i32 {
  const used = readNCount(src, len, 255, 6, weightDist);
  if (used < 0) return -1;
  if (!buildTable(changetype<usize>(weightFse), KIND_PLAIN, weightDist)) return -1;
  return decodeWeights(src + <usize>used, len - used, weightDist.log);
}

/** Decodes the weights' FSE stream src[0..len) with the table of accuracy log `log` in weightFse. */
function decodeWeights(src: usize, len: i32, log: i32): i32 {
  if (len < 1) return -1;
  const last = <i32>load<u8>(src + <usize>(len - 1));
  if (last == 0) return -1;
  const table = changetype<usize>(weightFse);
  let pos = ((len - 1) << 3) + (31 - clz<i32>(last));
  pos -= log;
  let s1 = <i32>backwardBits(src, pos, log);
  pos -= log;
  let s2 = <i32>backwardBits(src, pos, log);
  let n = 0;
  // Two interleaved states; once the stream is overread, the other state gives the last weight.
  while (true) {
    if (n >= 255) return -1;
    let e = load<u64>(table + (<usize>s1 << 3));
    unchecked((weights[n++] = <u8>e));
    let nb = <i32>((e >> 40) & 0xff);
    pos -= nb;
    s1 = <i32>(e >> 48) + <i32>backwardBits(src, pos, nb);
    if (pos < 0) {
      if (n >= 255) return -1;
      unchecked((weights[n++] = <u8>load<u64>(table + (<usize>s2 << 3))));
      break;
    }
    if (n >= 255) return -1;
    e = load<u64>(table + (<usize>s2 << 3));
    unchecked((weights[n++] = <u8>e));
    nb = <i32>((e >> 40) & 0xff);
    pos -= nb;
    s2 = <i32>(e >> 48) + <i32>backwardBits(src, pos, nb);
    if (pos < 0) {
      if (n >= 255) return -1;
      unchecked((weights[n++] = <u8>load<u64>(table + (<usize>s1 << 3))));
      break;
    }
  }
  return n;
}

/**
 * Reads a Huffman tree description at src[0..len) and builds the decode table.
 * Returns the number of bytes used, or -1 if invalid.
 */
export function readHuffmanTable(src: usize, len: i32): i32 {
  if (len < 1) return -1;
  const header = <i32>load<u8>(src);
  let n: i32;
  let used: i32;
  if (header < 128) {
    if (1 + header > len || header == 0) return -1;
    n = readFseWeights(src + 1, header);
    used = 1 + header;
  } else {
    n = header - 127;
    const bytes = (n + 1) >> 1;
    if (1 + bytes > len) return -1;
    for (let i = 0; i < n; i += 2) {
      const b = <u32>load<u8>(src + 1 + <usize>(i >> 1));
      unchecked((weights[i] = <u8>(b >> 4)));
      unchecked((weights[i + 1] = <u8>(b & 15)));
    }
    used = 1 + bytes;
  }
  if (n < 1 || n > 255) return -1;
  for (let i = 0; i <= HUF_MAX_LOG + 1; i++) unchecked((rankCount[i] = 0));
  let total: u32 = 0;
  for (let i = 0; i < n; i++) {
    const w = <i32>unchecked(weights[i]);
    if (w > HUF_MAX_LOG) return -1;
    unchecked((rankCount[w] += 1));
    if (w > 0) total += (<u32>1) << (<u32>(w - 1));
  }
  if (total == 0) return -1;
  const log = 32 - clz<u32>(total); // highest bit + 1
  if (log > HUF_MAX_LOG) return -1;
  const rest = ((<u32>1) << (<u32>log)) - total;
  if (rest == 0 || (rest & (rest - 1)) != 0) return -1;
  const lastWeight = <i32>(32 - clz<u32>(rest)); // highest bit + 1
  unchecked((weights[n] = <u8>lastWeight));
  unchecked((rankCount[lastWeight] += 1));
  const symbols = n + 1;
  if (unchecked(rankCount[1]) < 2 || (unchecked(rankCount[1]) & 1) != 0) return -1;
  let next = 0;
  for (let w = 1; w <= log; w++) {
    unchecked((rankStart[w] = next));
    next += unchecked(rankCount[w]) << (w - 1);
  }
  const table = changetype<usize>(hufTable);
  for (let s = 0; s < symbols; s++) {
    const w = <i32>unchecked(weights[s]);
    if (w == 0) continue;
    const length = 1 << (w - 1);
    const start = unchecked(rankStart[w]);
    const entry = <u16>(s | ((log + 1 - w) << 8));
    for (let i = 0; i < length; i++) store<u16>(table + (<usize>(start + i) << 1), entry);
    unchecked((rankStart[w] = start + length));
  }
  hufLog = log;
  return used;
}

/**
 * Decodes one Huffman stream src[0..len) into exactly dstLen bytes at dst.
 * The stream must be consumed exactly. Returns false on any inconsistency.
 */
function decodeStream(dst: usize, dstLen: i32, src: usize, len: i32): bool {
  if (len < 1) return false;
  const lastByte = <u32>load<u8>(src + <usize>(len - 1));
  if (lastByte == 0) return false;
  const start = src;
  let ptr: usize;
  let container: u64;
  let consumed: u32;
  if (len >= 8) {
    ptr = src + <usize>(len - 8);
    container = load<u64>(ptr);
    consumed = 8 - (31 - clz<u32>(lastByte));
  } else {
    ptr = src;
    container = 0;
    for (let i = 0; i < len; i++) container |= (<u64>load<u8>(src + <usize>i)) << (<u64>(i << 3));
    consumed = <u32>((8 - len) << 3) + 8 - (31 - clz<u32>(lastByte));
  }
  const table = changetype<usize>(hufTable);
  const shift = <u64>(64 - hufLog);
  let op = dst;
  const oend = dst + <usize>dstLen;
  const fastLimit = start + 8;
  // Fast path: a reload leaves at most 7 bits consumed, enough for 4 codes of up to 12 bits.
  while (oend - op >= 4 && ptr >= fastLimit) {
    ptr -= <usize>(consumed >> 3);
    consumed &= 7;
    container = load<u64>(ptr);
    let e = <u32>load<u16>(table + (<usize>((container << <u64>consumed) >> shift) << 1));
    store<u8>(op, <u8>e);
    consumed += e >> 8;
    e = <u32>load<u16>(table + (<usize>((container << <u64>consumed) >> shift) << 1));
    store<u8>(op, <u8>e, 1);
    consumed += e >> 8;
    e = <u32>load<u16>(table + (<usize>((container << <u64>consumed) >> shift) << 1));
    store<u8>(op, <u8>e, 2);
    consumed += e >> 8;
    e = <u32>load<u16>(table + (<usize>((container << <u64>consumed) >> shift) << 1));
    store<u8>(op, <u8>e, 3);
    consumed += e >> 8;
    op += 4;
  }
  while (op < oend) {
    if (consumed > 64) return false;
    if (ptr >= fastLimit) {
      ptr -= <usize>(consumed >> 3);
      consumed &= 7;
      container = load<u64>(ptr);
    } else if (ptr > start) {
      let nb = <usize>(consumed >> 3);
      const avail = ptr - start;
      if (nb > avail) nb = avail;
      ptr -= nb;
      consumed -= <u32>(nb << 3);
      container = load<u64>(ptr);
    }
    // consumed == 64 makes the shift below wrap; that case is caught as an overread at the end.
    const e = <u32>load<u16>(table + (<usize>((container << <u64>consumed) >> shift) << 1));
    store<u8>(op, <u8>e);
    consumed += e >> 8;
    op++;
  }
  // Exact end: everything consumed, nothing overread.
  if (ptr > start) {
    let nb = <usize>(consumed >> 3);
    const avail = ptr - start;
    if (nb > avail) nb = avail;
    ptr -= nb;
    consumed -= <u32>(nb << 3);
  }
  return ptr == start && consumed == 64;
}

/**
 * Decodes Huffman-coded literals src[0..len) (after any tree description) into dst[0..regen),
 * as one stream or four streams with a jump table. Returns false if invalid.
 */
export function decodeLiterals(dst: usize, regen: i32, src: usize, len: i32, fourStreams: bool): bool {
  if (hufLog == 0) return false;
  if (!fourStreams) return decodeStream(dst, regen, src, len);
  if (len < 10) return false;
  const s1 = <i32>load<u16>(src);
  const s2 = <i32>load<u16>(src, 2);
  const s3 = <i32>load<u16>(src, 4);
  const s4 = len - 6 - s1 - s2 - s3;
  if (s4 < 1) return false;
  const seg = (regen + 3) >> 2;
  const last = regen - 3 * seg;
  if (last < 0) return false;
  let p = src + 6;
  if (!decodeStream(dst, seg, p, s1)) return false;
  p += <usize>s1;
  if (!decodeStream(dst + <usize>seg, seg, p, s2)) return false;
  p += <usize>s2;
  if (!decodeStream(dst + <usize>(2 * seg), seg, p, s3)) return false;
  p += <usize>s3;
  return decodeStream(dst + <usize>(3 * seg), last, p, s4);
}
