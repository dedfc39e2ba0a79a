// Output buffer shared by the gzip, snappy and lz4 decoders: grows by doubling up to the
// caller's cap and keeps SLACK spare bytes past its capacity so hot loops may copy in 8 or
// 16 byte words and overshoot the logical end without a bounds check per byte.

/** Spare bytes allocated past `cap`; word copies may write up to this far past `cap`. */
export const SLACK: i32 = 64;

/** The largest buffer we ever allocate (typed arrays cannot exceed 1 GiB). */
const HARD_MAX: i32 = (1 << 30) - 1024;

export class GrowBuf {
  buf: Uint8Array;
  /** Logical capacity: bytes that may hold output (buf.length - SLACK). */
  cap: i32;
  /** Bytes of output written so far. */
  len: i32 = 0;
  /** Never hold more than this many bytes of output. */
  max: i32;

  constructor(hint: i32, max: i32) {
    if (max < 0) max = 0;
    if (max > HARD_MAX) max = HARD_MAX;
    this.max = max;
    let cap = hint < 256 ? 256 : hint;
    if (cap > max) cap = max;
    this.cap = cap;
    this.buf = new Uint8Array(cap + SLACK);
  }

  @inline get base(): usize {
    return this.buf.dataStart;
  }

  /** Makes room for `need` bytes of output in total; false if that exceeds `max`. */
  reserve(need: i32): bool {
    if (need <= this.cap) return true;
    if (need < 0 || need > this.max) return false;
    let cap = this.cap;
    // Doubling, computed in 64 bits so it cannot wrap.
    let next = <i64>cap << 1;
    if (next < <i64>need) next = need;
    if (next > <i64>this.max) next = this.max;
    const grown = new Uint8Array(<i32>next + SLACK);
    memory.copy(grown.dataStart, this.buf.dataStart, <usize>this.len);
    this.buf = grown;
    this.cap = <i32>next;
    return true;
  }

  /** Room for `extra` more bytes; false if the total would exceed `max`. */
  @inline reserveMore(extra: i32): bool {
    if (extra < 0 || extra > this.max - this.len) return false;
    return this.reserve(this.len + extra);
  }

  /** The output written so far, as a view without copying. */
  result(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
