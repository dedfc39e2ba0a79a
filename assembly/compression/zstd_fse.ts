// Finite State Entropy (tANS) tables for zstd: reading a table description
// (RFC 8878 4.1.1) and building decode tables (4.1.1, "FSE table construction").
//
// A decode table entry is a u64:
//   bits  0..31  base value of the symbol (for sequences: baseline; plain tables: the symbol)
//   bits 32..39  extra bits to read and add to the base value
//   bits 40..47  number of bits to read for the next state
//   bits 48..63  next state before adding the read bits

export const KIND_PLAIN: i32 = 0;
export const KIND_LL: i32 = 1;
export const KIND_ML: i32 = 2;
export const KIND_OF: i32 = 3;

export const LL_MAX_SYMBOL: i32 = 35;
export const ML_MAX_SYMBOL: i32 = 52;
export const OF_MAX_SYMBOL: i32 = 31;
export const LL_MAX_LOG: i32 = 9;
export const ML_MAX_LOG: i32 = 9;
export const OF_MAX_LOG: i32 = 8;

const LL_BASE: StaticArray<u32> = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024,
  2048, 4096, 8192, 16384, 32768, 65536,
];
const LL_BITS: StaticArray<u8> = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
];
const ML_BASE: StaticArray<u32> = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,
  34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
];
const ML_BITS: StaticArray<u8> = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3,
  3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
];

// Predefined distributions (RFC 8878 3.1.1.3.2.2).
const LL_DEFAULT: StaticArray<i16> = [
  4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1,
];
const ML_DEFAULT: StaticArray<i16> = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
const OF_DEFAULT: StaticArray<i16> = [
  1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
];

/** A table description: normalized counts (index = symbol), accuracy log and number of symbols. */
export class Distribution {
  counts: StaticArray<i16> = new StaticArray<i16>(256);
  log: i32 = 0;
  symbols: i32 = 0;
}

const symbolNext = new StaticArray<u16>(256);
const symbolAt = new StaticArray<u8>(512);

/** Reads up to 32 bits at bit position bitPos of src[0..len), zero past the end. */
@inline function peekForward(src: usize, len: i32, bitPos: i32): u32 {
  const byte = bitPos >> 3;
  let v: u32 = 0;
  if (byte + 4 <= len) {
    v = load<u32>(src + <usize>byte);
  } else {
    for (let i = 0; i < 4; i++) {
      if (byte + i < len) v |= (<u32>load<u8>(src + <usize>(byte + i))) << (<u32>(i << 3));
    }
  }
  return v >> (<u32>(bitPos & 7));
}

/**
 * Reads an FSE table description at src[0..len) into dist.
 * Returns the number of bytes used, or -1 if the description is invalid.
 */
export function readNCount(src: usize, len: i32, maxSymbol: i32, maxLog: i32, dist: Distribution): i32 {
  if (len < 1) return -1;
  const norm = dist.counts;
  const totalBits = len << 3;
  let bitPos = 0;
  const log = <i32>(peekForward(src, len, 0) & 15) + 5;
  if (log > maxLog) return -1;
  bitPos = 4;
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let nbBits = log + 1;
  let symbol = 0;
  let prev0 = false;
  while (remaining > 1) {
    if (prev0) {
      // A zero probability is followed by 2-bit repeat flags for more zeros.
      let zeros = 0;
      while (true) {
        const flag = <i32>(peekForward(src, len, bitPos) & 3);
        bitPos += 2;
        zeros += flag;
        if (flag != 3) break;
        if (bitPos > totalBits || zeros > 256) return -1;
      }
      if (symbol + zeros > maxSymbol) return -1;
      for (let i = 0; i < zeros; i++) unchecked((norm[symbol++] = 0));
    }
    if (symbol > maxSymbol || bitPos > totalBits) return -1;
    const max = 2 * threshold - 1 - remaining;
    const v = <i32>peekForward(src, len, bitPos);
    let count: i32;
    if ((v & (threshold - 1)) < max) {
      count = v & (threshold - 1);
      bitPos += nbBits - 1;
    } else {
      count = v & (2 * threshold - 1);
      if (count >= threshold) count -= max;
      bitPos += nbBits;
    }
    count--;
    remaining -= count < 0 ? 1 : count;
    if (remaining < 1) return -1;
    unchecked((norm[symbol++] = <i16>count));
    prev0 = count == 0;
    while (remaining < threshold) {
      nbBits--;
      threshold >>= 1;
    }
  }
  if (bitPos > totalBits) return -1;
  dist.log = log;
  dist.symbols = symbol;
  return (bitPos + 7) >> 3;
}

/** Loads one of the predefined distributions into dist. */
function loadDefault(kind: i32, dist: Distribution): void {
  let src: StaticArray<i16>;
  if (kind == KIND_LL) {
    src = LL_DEFAULT;
    dist.log = 6;
  } else if (kind == KIND_ML) {
    src = ML_DEFAULT;
    dist.log = 6;
  } else {
    src = OF_DEFAULT;
    dist.log = 5;
  }
  dist.symbols = src.length;
  const norm = dist.counts;
  for (let i = 0; i < src.length; i++) unchecked((norm[i] = src[i]));
}

@inline function entryFor(kind: i32, symbol: i32, nbBits: i32, newState: i32): u64 {
  let base: u32;
  let extra: u32;
  if (kind == KIND_LL) {
    base = unchecked(LL_BASE[symbol]);
    extra = unchecked(LL_BITS[symbol]);
  } else if (kind == KIND_ML) {
    base = unchecked(ML_BASE[symbol]);
    extra = unchecked(ML_BITS[symbol]);
  } else if (kind == KIND_OF) {
    base = (<u32>1) << (<u32>symbol);
    extra = <u32>symbol;
  } else {
    base = <u32>symbol;
    extra = 0;
  }
  return <u64>base | ((<u64>extra) << 32) | ((<u64>nbBits) << 40) | ((<u64>newState) << 48);
}

/**
 * Builds a decode table at dst (1 << dist.log u64 entries) from dist.
 * The symbol range must already fit the kind. Returns false if the distribution is invalid.
 */
export function buildTable(dst: usize, kind: i32, dist: Distribution): bool {
  const norm = dist.counts;
  const log = dist.log;
  const size = 1 << log;
  const n = dist.symbols;
  let high = size - 1;
  for (let s = 0; s < n; s++) {
    const c = <i32>unchecked(norm[s]);
    if (c == -1) {
      if (high < 0) return false;
      unchecked((symbolAt[high--] = <u8>s));
      unchecked((symbolNext[s] = 1));
    } else {
      unchecked((symbolNext[s] = <u16>c));
    }
  }
  const step = (size >> 1) + (size >> 3) + 3;
  const mask = size - 1;
  let pos = 0;
  for (let s = 0; s < n; s++) {
    const c = <i32>unchecked(norm[s]);
    for (let i = 0; i < c; i++) {
      unchecked((symbolAt[pos] = <u8>s));
      do {
        pos = (pos + step) & mask;
      } while (pos > high);
    }
  }
  if (pos != 0) return false;
  for (let u = 0; u < size; u++) {
    const s = <i32>unchecked(symbolAt[u]);
    const next = <i32>unchecked(symbolNext[s]);
    unchecked((symbolNext[s] = <u16>(next + 1)));
    if (next == 0) return false;
    const nb = log - (31 - clz<i32>(next));
    const newState = (next << nb) - size;
    store<u64>(dst + (<usize>u << 3), entryFor(kind, s, nb, newState));
  }
  return true;
}

/** Builds the single-state table of RLE mode: every read decodes `symbol` and reads no bits. */
export function buildRle(dst: usize, kind: i32, symbol: i32): void {
  store<u64>(dst, entryFor(kind, symbol, 0, 0));
}

/** Builds one of the predefined tables at dst; returns its accuracy log. */
export function buildDefault(dst: usize, kind: i32): i32 {
  const dist = new Distribution();
  loadDefault(kind, dist);
  buildTable(dst, kind, dist);
  return dist.log;
}
