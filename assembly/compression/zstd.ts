// Zstandard decoder (RFC 8878) for Kafka record batches: frames, skippable frames, raw/RLE/compressed
// blocks, Huffman literals, FSE sequences, repeat offsets and the optional xxHash64 checksum.
// Dictionaries are not supported (Kafka producers do not use them).
//
// Every read of the input is bounds-checked; raw memory access (load/store) is only used on ranges
// that were checked. Output and literal buffers carry SLACK spare bytes so copies can move 8/16
// bytes at a time past the logical end.
import { DecodeError, DecodeResult } from "./result";
import { xxh64Ptr } from "./xxhash64";
import {
  readNCount,
  buildTable,
  buildRle,
  buildDefault,
  Distribution,
  KIND_LL,
  KIND_ML,
  KIND_OF,
  LL_MAX_SYMBOL,
  ML_MAX_SYMBOL,
  OF_MAX_SYMBOL,
  LL_MAX_LOG,
  ML_MAX_LOG,
  OF_MAX_LOG,
} from "./zstd_fse";
import { readHuffmanTable, decodeLiterals, resetHuffman } from "./zstd_huf";

const MAGIC: u32 = 0xfd2fb528;
const SKIPPABLE_MASK: u32 = 0xfffffff0;
const SKIPPABLE_MAGIC: u32 = 0x184d2a50;
const BLOCK_MAX: i32 = 128 << 10;
const SLACK: i32 = 32;

// Internal status codes; negative means failure.
const OK: i32 = 0;
const E_MALFORMED: i32 = -1;
const E_TOO_LARGE: i32 = -2;

// Literals of the current block (decoded, or copied for raw/RLE literals).
const litBuf = new StaticArray<u8>(BLOCK_MAX + SLACK);

// Sequence decode tables: predefined ones built once, per-frame ones for FSE/RLE modes.
const llDefault = new StaticArray<u64>(64);
const mlDefault = new StaticArray<u64>(64);
const ofDefault = new StaticArray<u64>(32);
const llCustom = new StaticArray<u64>(1 << LL_MAX_LOG);
const mlCustom = new StaticArray<u64>(1 << ML_MAX_LOG);
const ofCustom = new StaticArray<u64>(1 << OF_MAX_LOG);
/** The description a custom table is built from. */
const customDist = new Distribution();
let defaultsBuilt = false;
let llDefaultLog: i32 = 0;
let mlDefaultLog: i32 = 0;
let ofDefaultLog: i32 = 0;

// Tables in use (kept for the Repeat mode); 0 = none yet in this frame.
let llTable: usize = 0;
let mlTable: usize = 0;
let ofTable: usize = 0;
let llLog: i32 = 0;
let mlLog: i32 = 0;
let ofLog: i32 = 0;

// Repeat offsets, per frame.
let rep1: u32 = 1;
let rep2: u32 = 4;
let rep3: u32 = 8;

// Output of the current call.
let out: Uint8Array = new Uint8Array(0);
let outBase: usize = 0;
let outCap: i32 = 0; // usable bytes (SLACK more are allocated)
let outPos: i32 = 0;
let maxOut: i32 = 0;

function ensureDefaults(): void {
  if (defaultsBuilt) return;
  llDefaultLog = buildDefault(changetype<usize>(llDefault), KIND_LL);
  mlDefaultLog = buildDefault(changetype<usize>(mlDefault), KIND_ML);
  ofDefaultLog = buildDefault(changetype<usize>(ofDefault), KIND_OF);
  defaultsBuilt = true;
}

/** Makes room for `need` output bytes in total (need <= maxOut). */
function ensureCapacity(need: i32): void {
  if (need <= outCap) return;
  let cap = outCap * 2;
  if (cap < need) cap = need;
  if (cap > maxOut) cap = maxOut;
  const next = new Uint8Array(cap + SLACK);
  if (outPos > 0) memory.copy(next.dataStart, outBase, <usize>outPos);
  out = next;
  outBase = next.dataStart;
  outCap = cap;
}

/** Decodes a zstd payload as Kafka producers write it, producing at most maxOutput bytes. */
export function unzstd(input: Uint8Array, maxOutput: i32): DecodeResult {
  if (maxOutput < 0) maxOutput = 0;
  if (maxOutput > 0x7fffff00) maxOutput = 0x7fffff00; // keeps capacity + SLACK in i32 range
  ensureDefaults();
  const src = input.dataStart;
  const len = input.length;
  maxOut = maxOutput;
  outPos = 0;
  outCap = 0;
  out = new Uint8Array(SLACK);
  outBase = out.dataStart;
  // A first guess; frames that declare their size allocate up front (see decodeFrame).
  let guess = len < (maxOutput >> 2) ? len << 2 : maxOutput;
  if (guess < 256) guess = maxOutput < 256 ? maxOutput : 256;
  ensureCapacity(guess);
  // No frame at all is not a zstd payload; skippable frames alone decode to nothing.
  if (len == 0) return DecodeResult.fail(DecodeError.MALFORMED);
  let pos = 0;
  while (pos < len) {
    if (len - pos < 4) return DecodeResult.fail(DecodeError.MALFORMED);
    const magic = load<u32>(src + <usize>pos);
    if ((magic & SKIPPABLE_MASK) == SKIPPABLE_MAGIC) {
      if (len - pos < 8) return DecodeResult.fail(DecodeError.MALFORMED);
      const size = load<u32>(src + <usize>pos, 4);
      if (<u64>size > <u64>(len - pos - 8)) return DecodeResult.fail(DecodeError.MALFORMED);
      pos += 8 + <i32>size;
      continue;
    }
    if (magic != MAGIC) return DecodeResult.fail(DecodeError.MALFORMED);
    const r = decodeFrame(src, len, pos + 4);
    if (r < 0) return DecodeResult.fail(r == E_TOO_LARGE ? DecodeError.TOO_LARGE : DecodeError.MALFORMED);
    pos = r;
  }
  const result = out.subarray(0, outPos);
  out = new Uint8Array(0);
  outBase = out.dataStart;
  return DecodeResult.ok(result);
}

/** Decodes one frame whose header starts at src[pos] (after the magic). Returns the position after it. */
function decodeFrame(src: usize, len: i32, pos: i32): i32 {
  if (pos >= len) return E_MALFORMED;
  const fhd = <i32>load<u8>(src + <usize>pos);
  pos++;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  if ((fhd & 8) != 0) return E_MALFORMED; // reserved bit
  const hasChecksum = (fhd & 4) != 0;
  const dictFlag = fhd & 3;
  const headerRest = (single ? 0 : 1) + (dictFlag == 3 ? 4 : dictFlag) + (fcsFlag == 0 ? single : 1 << fcsFlag);
  if (len - pos < headerRest) return E_MALFORMED;
  if (!single) pos++; // window descriptor: output is kept whole, so the window size needs no buffer
  if (dictFlag != 0) {
    let dictId: u32 = 0;
    if (dictFlag == 1) dictId = load<u8>(src + <usize>pos);
    else if (dictFlag == 2) dictId = load<u16>(src + <usize>pos);
    else dictId = load<u32>(src + <usize>pos);
    pos += dictFlag == 3 ? 4 : dictFlag;
    if (dictId != 0) return E_MALFORMED; // dictionaries are unsupported
  }
  let contentSize: u64 = 0;
  let hasSize = true;
  if (fcsFlag == 0) {
    if (single) {
      contentSize = load<u8>(src + <usize>pos);
      pos++;
    } else {
      hasSize = false;
    }
  } else if (fcsFlag == 1) {
    contentSize = <u64>load<u16>(src + <usize>pos) + 256;
    pos += 2;
  } else if (fcsFlag == 2) {
    contentSize = load<u32>(src + <usize>pos);
    pos += 4;
  } else {
    contentSize = load<u64>(src + <usize>pos);
    pos += 8;
  }
  const frameStart = outPos;
  let frameEnd = maxOut;
  if (hasSize) {
    if (contentSize > <u64>(maxOut - outPos)) return E_TOO_LARGE;
    frameEnd = outPos + <i32>contentSize;
    // Allocate the declared size up front, but not more than a generous ratio of the input
    // left: a forged size then cannot make a tiny input allocate the whole cap.
    const plausible = <i64>outPos + <i64>(1 << 16) + (<i64>(len - pos) << 6);
    ensureCapacity(<i64>frameEnd < plausible ? frameEnd : <i32>plausible);
  }
  rep1 = 1;
  rep2 = 4;
  rep3 = 8;
  llTable = 0;
  mlTable = 0;
  ofTable = 0;
  resetHuffman();
  while (true) {
    if (len - pos < 3) return E_MALFORMED;
    const bh = <u32>load<u16>(src + <usize>pos) | ((<u32>load<u8>(src + <usize>pos, 2)) << 16);
    pos += 3;
    const last = (bh & 1) != 0;
    const type = (bh >> 1) & 3;
    const size = <i32>(bh >> 3);
    if (size > BLOCK_MAX) return E_MALFORMED;
    if (type == 0) {
      if (len - pos < size) return E_MALFORMED;
      if (size > maxOut - outPos) return E_TOO_LARGE;
      if (size > frameEnd - outPos) return E_MALFORMED;
      ensureCapacity(outPos + size);
      memory.copy(outBase + <usize>outPos, src + <usize>pos, <usize>size);
      outPos += size;
      pos += size;
    } else if (type == 1) {
      if (len - pos < 1) return E_MALFORMED;
      if (size > maxOut - outPos) return E_TOO_LARGE;
      if (size > frameEnd - outPos) return E_MALFORMED;
      ensureCapacity(outPos + size);
      memory.fill(outBase + <usize>outPos, load<u8>(src + <usize>pos), <usize>size);
      outPos += size;
      pos += 1;
    } else if (type == 2) {
      if (len - pos < size) return E_MALFORMED;
      // A block regenerates at most BLOCK_MAX bytes, and never more than the declared size.
      let limit = outPos + BLOCK_MAX;
      if (limit > frameEnd) limit = frameEnd;
      ensureCapacity(limit < maxOut ? limit : maxOut);
      const r = decodeBlock(src + <usize>pos, size, limit, frameStart);
      if (r < 0) return r;
      pos += size;
    } else {
      return E_MALFORMED;
    }
    if (last) break;
  }
  if (hasChecksum) {
    if (len - pos < 4) return E_MALFORMED;
    const expected = load<u32>(src + <usize>pos);
    pos += 4;
    const actual = <u32>xxh64Ptr(outBase + <usize>frameStart, <usize>(outPos - frameStart));
    if (actual != expected) return E_MALFORMED;
  }
  if (hasSize && outPos != frameEnd) return E_MALFORMED;
  return pos;
}

/**
 * Reads the literals section into litBuf. Returns the bytes used in the low 32 bits and the
 * literals' count above them (see litUsed, litCount), or a negative status.
 */
function readLiterals(src: usize, len: i32): i64 {
  if (len < 1) return E_MALFORMED;
  const b0 = <u32>load<u8>(src);
  const type = b0 & 3;
  const sizeFormat = (b0 >> 2) & 3;
  const lit = changetype<usize>(litBuf);
  if (type < 2) {
    let header: i32;
    let size: i32;
    if ((sizeFormat & 1) == 0) {
      header = 1;
      size = <i32>(b0 >> 3);
    } else if (sizeFormat == 1) {
      if (len < 2) return E_MALFORMED;
      header = 2;
      size = <i32>((b0 >> 4) | ((<u32>load<u8>(src, 1)) << 4));
    } else {
      if (len < 3) return E_MALFORMED;
      header = 3;
      size = <i32>((b0 >> 4) | ((<u32>load<u8>(src, 1)) << 4) | ((<u32>load<u8>(src, 2)) << 12));
    }
    if (size > BLOCK_MAX) return E_MALFORMED;
    if (type == 0) {
      if (len - header < size) return E_MALFORMED;
      memory.copy(lit, src + <usize>header, <usize>size);
      return literals(header + size, size);
    }
    if (len - header < 1) return E_MALFORMED;
    memory.fill(lit, load<u8>(src + <usize>header), <usize>size);
    return literals(header + 1, size);
  }
  let header: i32;
  let regen: i32;
  let csize: i32;
  const fourStreams = sizeFormat != 0;
  if (sizeFormat < 2) {
    if (len < 3) return E_MALFORMED;
    header = 3;
    const v = b0 | ((<u32>load<u8>(src, 1)) << 8) | ((<u32>load<u8>(src, 2)) << 16);
    regen = <i32>((v >> 4) & 0x3ff);
    csize = <i32>((v >> 14) & 0x3ff);
  } else if (sizeFormat == 2) {
    if (len < 4) return E_MALFORMED;
    header = 4;
    const v = load<u32>(src);
    regen = <i32>((v >> 4) & 0x3fff);
    csize = <i32>(v >> 18);
  } else {
    if (len < 5) return E_MALFORMED;
    header = 5;
    const v = <u64>load<u32>(src) | ((<u64>load<u8>(src, 4)) << 32);
    regen = <i32>((v >> 4) & 0x3ffff);
    csize = <i32>((v >> 22) & 0x3ffff);
  }
  if (regen > BLOCK_MAX) return E_MALFORMED;
  if (len - header < csize) return E_MALFORMED;
  let p = src + <usize>header;
  let n = csize;
  if (type == 2) {
    const used = readHuffmanTable(p, n);
    if (used < 0) return E_MALFORMED;
    p += <usize>used;
    n -= used;
  }
  if (!decodeLiterals(lit, regen, p, n, fourStreams)) return E_MALFORMED;
  return literals(header + csize, regen);
}

@inline function literals(used: i32, count: i32): i64 {
  return <i64>used | (<i64>count << 32);
}

@inline function litUsed(read: i64): i32 {
  return <i32>read;
}

@inline function litCount(read: i64): i32 {
  return <i32>(read >>> 32);
}

/** Selects the decode table of one sequence field. Returns the bytes used, or a negative status. */
function selectTable(kind: i32, mode: u32, src: usize, len: i32): i32 {
  let maxSymbol: i32;
  let maxLog: i32;
  let custom: usize;
  if (kind == KIND_LL) {
    maxSymbol = LL_MAX_SYMBOL;
    maxLog = LL_MAX_LOG;
    custom = changetype<usize>(llCustom);
  } else if (kind == KIND_ML) {
    maxSymbol = ML_MAX_SYMBOL;
    maxLog = ML_MAX_LOG;
    custom = changetype<usize>(mlCustom);
  } else {
    maxSymbol = OF_MAX_SYMBOL;
    maxLog = OF_MAX_LOG;
    custom = changetype<usize>(ofCustom);
  }
  let table: usize;
  let log: i32;
  let used = 0;
  if (mode == 0) {
    if (kind == KIND_LL) {
      table = changetype<usize>(llDefault);
      log = llDefaultLog;
    } else if (kind == KIND_ML) {
      table = changetype<usize>(mlDefault);
      log = mlDefaultLog;
    } else {
      table = changetype<usize>(ofDefault);
      log = ofDefaultLog;
    }
  } else if (mode == 1) {
    if (len < 1) return E_MALFORMED;
    const symbol = <i32>load<u8>(src);
    if (symbol > maxSymbol) return E_MALFORMED;
    buildRle(custom, kind, symbol);
    table = custom;
    log = 0;
    used = 1;
  } else if (mode == 2) {
    used = readNCount(src, len, maxSymbol, maxLog, customDist);
    if (used < 0) return E_MALFORMED;
    if (!buildTable(custom, kind, customDist)) return E_MALFORMED;
    table = custom;
    log = customDist.log;
  } else {
    // Repeat: the table of the previous compressed block of this frame.
    if (kind == KIND_LL) {
      table = llTable;
      log = llLog;
    } else if (kind == KIND_ML) {
      table = mlTable;
      log = mlLog;
    } else {
      table = ofTable;
      log = ofLog;
    }
    if (table == 0) return E_MALFORMED;
  }
  if (kind == KIND_LL) {
    llTable = table;
    llLog = log;
  } else if (kind == KIND_ML) {
    mlTable = table;
    mlLog = log;
  } else {
    ofTable = table;
    ofLog = log;
  }
  return used;
}

/** Appends the literals left in litBuf, [from, litSize), to the output, within limit. */
function flushLiterals(from: i32, litSize: i32, limit: i32): i32 {
  const n = litSize - from;
  if (n > maxOut - outPos) return E_TOO_LARGE;
  if (n > limit - outPos) return E_MALFORMED;
  memory.copy(outBase + <usize>outPos, changetype<usize>(litBuf) + <usize>from, <usize>n);
  outPos += n;
  return OK;
}

/** Decodes a compressed block src[0..len), writing at most up to output position limit. */
function decodeBlock(src: usize, len: i32, limit: i32, frameStart: i32): i32 {
  const read = readLiterals(src, len);
  if (read < 0) return <i32>read;
  const litSize = litCount(read);
  let p = litUsed(read);
  if (p >= len) return E_MALFORMED;
  const b0 = <i32>load<u8>(src + <usize>p);
  let nbSeq: i32;
  if (b0 < 128) {
    nbSeq = b0;
    p += 1;
  } else if (b0 < 255) {
    if (len - p < 2) return E_MALFORMED;
    nbSeq = ((b0 - 128) << 8) + <i32>load<u8>(src + <usize>p, 1);
    p += 2;
  } else {
    if (len - p < 3) return E_MALFORMED;
    nbSeq = <i32>load<u16>(src + <usize>p, 1) + 0x7f00;
    p += 3;
  }
  if (nbSeq == 0) {
    if (p != len) return E_MALFORMED;
    return flushLiterals(0, litSize, limit);
  }
  if (p >= len) return E_MALFORMED;
  const modes = <u32>load<u8>(src + <usize>p);
  p++;
  if ((modes & 3) != 0) return E_MALFORMED;
  let r = selectTable(KIND_LL, modes >> 6, src + <usize>p, len - p);
  if (r < 0) return r;
  p += r;
  r = selectTable(KIND_OF, (modes >> 4) & 3, src + <usize>p, len - p);
  if (r < 0) return r;
  p += r;
  r = selectTable(KIND_ML, (modes >> 2) & 3, src + <usize>p, len - p);
  if (r < 0) return r;
  p += r;
  return executeSequences(src + <usize>p, len - p, nbSeq, litSize, limit, frameStart);
}

/**
 * Decodes nbSeq sequences from the backward bitstream src[0..len) and executes them against
 * the literals and the output. The hot loop keeps the bit reader in locals.
 */
function executeSequences(src: usize, len: i32, nbSeq: i32, litSize: i32, limit: i32, frameStart: i32): i32 {
  if (len < 1) return E_MALFORMED;
  const lastByte = <u32>load<u8>(src + <usize>(len - 1));
  if (lastByte == 0) return E_MALFORMED;
  const start = src;
  const fastLimit = start + 8;
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
  const llT = llTable;
  const mlT = mlTable;
  const ofT = ofTable;
  // Initial states: literal lengths, offsets, match lengths.
  let n = <u32>llLog;
  let llState = <usize>(((container << <u64>consumed) >> 1) >> <u64>(63 - n));
  consumed += n;
  n = <u32>ofLog;
  let ofState = <usize>(((container << <u64>consumed) >> 1) >> <u64>(63 - n));
  consumed += n;
  n = <u32>mlLog;
  let mlState = <usize>(((container << <u64>consumed) >> 1) >> <u64>(63 - n));
  consumed += n;

  const base = outBase;
  let op = base + <usize>outPos;
  const oLimit = base + <usize>(limit < maxOut ? limit : maxOut);
  const oMax = base + <usize>maxOut;
  const hist = base + <usize>frameStart;
  let lit = changetype<usize>(litBuf);
  const litEnd = lit + <usize>litSize;
  let r1 = rep1;
  let r2 = rep2;
  let r3 = rep3;

  for (let i = 0; i < nbSeq; i++) {
    // Reload (at most 7 bits left consumed unless the stream is nearly exhausted).
    if (consumed <= 64) {
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
    }
    const ofE = load<u64>(ofT + (ofState << 3));
    const mlE = load<u64>(mlT + (mlState << 3));
    const llE = load<u64>(llT + (llState << 3));
    n = <u32>(ofE >> 32) & 0xff;
    let ofVal = <u32>ofE + <u32>(((container << <u64>consumed) >> 1) >> <u64>(63 - n));
    consumed += n;
    if (n > 25 && consumed <= 64) {
      // Long offsets: refill so both lengths (up to 16 bits each) still fit.
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
    }
    n = <u32>(mlE >> 32) & 0xff;
    const ml = <u32>mlE + <u32>(((container << <u64>consumed) >> 1) >> <u64>(63 - n));
    consumed += n;
    n = <u32>(llE >> 32) & 0xff;
    const ll = <u32>llE + <u32>(((container << <u64>consumed) >> 1) >> <u64>(63 - n));
    consumed += n;

    let offset: u32;
    if (ofVal > 3) {
      offset = ofVal - 3;
      r3 = r2;
      r2 = r1;
      r1 = offset;
    } else {
      const idx = ofVal - 1 + (ll == 0 ? 1 : 0);
      if (idx == 0) {
        offset = r1;
      } else {
        if (idx == 1) {
          offset = r2;
        } else if (idx == 2) {
          offset = r3;
          r3 = r2;
        } else {
          offset = r1 - 1;
          r3 = r2;
        }
        r2 = r1;
        r1 = offset;
      }
    }

    if (i + 1 < nbSeq) {
      if (consumed <= 64) {
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
      }
      n = <u32>(llE >> 40) & 0xff;
      llState = <usize>(llE >> 48) + <usize>(((container << <u64>consumed) >> 1) >> <u64>(63 - n));
      consumed += n;
      n = <u32>(mlE >> 40) & 0xff;
      mlState = <usize>(mlE >> 48) + <usize>(((container << <u64>consumed) >> 1) >> <u64>(63 - n));
      consumed += n;
      n = <u32>(ofE >> 40) & 0xff;
      ofState = <usize>(ofE >> 48) + <usize>(((container << <u64>consumed) >> 1) >> <u64>(63 - n));
      consumed += n;
    }

    // Execute: copy ll literals, then ml bytes from offset back.
    if (<usize>ll > litEnd - lit) return E_MALFORMED;
    const total = <usize>ll + <usize>ml;
    if (total > oLimit - op) return total > oMax - op ? E_TOO_LARGE : E_MALFORMED;
    const litDst = op + <usize>ll;
    if (offset == 0 || <usize>offset > litDst - hist) return E_MALFORMED;
    let d = op;
    let s = lit;
    while (d < litDst) {
      store<u64>(d, load<u64>(s));
      store<u64>(d, load<u64>(s, 8), 8);
      d += 16;
      s += 16;
    }
    lit += <usize>ll;
    op = litDst;
    const mEnd = op + <usize>ml;
    let m = op - <usize>offset;
    if (offset >= 16) {
      d = op;
      while (d < mEnd) {
        store<u64>(d, load<u64>(m));
        store<u64>(d, load<u64>(m, 8), 8);
        d += 16;
        m += 16;
      }
    } else if (offset >= 8) {
      d = op;
      while (d < mEnd) {
        store<u64>(d, load<u64>(m));
        d += 8;
        m += 8;
      }
    } else {
      // Short period: lay down 8 bytes one at a time, then copy 8 at a time from a
      // distance that is a multiple of the period and at least 8.
      for (let k: usize = 0; k < 8; k++) store<u8>(op + k, load<u8>(m + k));
      let dist = <usize>offset;
      while (dist < 8) dist += <usize>offset;
      d = op + 8;
      while (d < mEnd) {
        store<u64>(d, load<u64>(d - dist));
        d += 8;
      }
    }
    op = mEnd;
  }

  // The bitstream must end exactly here.
  if (consumed > 64) return E_MALFORMED;
  if (ptr > start) {
    let nb = <usize>(consumed >> 3);
    const avail = ptr - start;
    if (nb > avail) nb = avail;
    ptr -= nb;
    consumed -= <u32>(nb << 3);
  }
  if (ptr != start || consumed != 64) return E_MALFORMED;

  rep1 = r1;
  rep2 = r2;
  rep3 = r3;
  outPos = <i32>(op - base);
  return flushLiterals(<i32>(lit - changetype<usize>(litBuf)), litSize, limit);
}
