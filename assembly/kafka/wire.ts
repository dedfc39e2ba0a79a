// Kafka wire primitives: a bounds-checked reader and a growable writer.
//
// Nothing here traps on bad input. A read past the end, a negative length or an
// over-long varint sets `failed`, returns a zero value, and every later read is a
// no-op; callers check `failed` once after decoding a structure. This is what lets
// the filter answer hostile bytes with a Kafka error instead of killing the VM.

const EMPTY = new Uint8Array(0);

export class Reader {
  buf: Uint8Array;
  pos: i32;
  end: i32;
  failed: bool = false;

  constructor(buf: Uint8Array, start: i32 = 0, end: i32 = -1) {
    this.buf = buf;
    this.pos = start;
    this.end = end < 0 ? buf.length : end;
  }

  remaining(): i32 {
    return this.end - this.pos;
  }

  fail(): void {
    this.failed = true;
    this.pos = this.end;
  }

  /** True when n more bytes can be read; otherwise marks the reader failed. */
  has(n: i32): bool {
    if (this.failed) return false;
    if (n < 0 || n > this.end - this.pos) {
      this.fail();
      return false;
    }
    return true;
  }

  int8(): i8 {
    if (!this.has(1)) return 0;
    return <i8>unchecked(this.buf[this.pos++]);
  }

  bool(): bool {
    return this.int8() != 0;
  }

  int16(): i16 {
    if (!this.has(2)) return 0;
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return <i16>((<u32>unchecked(b[p]) << 8) | <u32>unchecked(b[p + 1]));
  }

  uint16(): u16 {
    return <u16>this.int16();
  }

  int32(): i32 {
    if (!this.has(4)) return 0;
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return <i32>(
      (<u32>unchecked(b[p]) << 24) |
      (<u32>unchecked(b[p + 1]) << 16) |
      (<u32>unchecked(b[p + 2]) << 8) |
      <u32>unchecked(b[p + 3])
    );
  }

  uint32(): u32 {
    return <u32>this.int32();
  }

  int64(): i64 {
    const hi = <u64><u32>this.int32();
    const lo = <u64><u32>this.int32();
    return <i64>((hi << 32) | lo);
  }

  float64(): f64 {
    return reinterpret<f64>(this.int64());
  }

  /** Unsigned LEB128 of at most 5 bytes (Kafka's unsigned varint). */
  uvarint(): u32 {
    let result: u32 = 0;
    for (let shift: u32 = 0; shift < 35; shift += 7) {
      if (!this.has(1)) return 0;
      const b = <u32>unchecked(this.buf[this.pos++]);
      if (shift == 28 && (b & 0xf0) != 0) {
        this.fail();
        return 0;
      }
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) return result;
    }
    this.fail();
    return 0;
  }

  /** Unsigned LEB128 of at most 10 bytes. */
  uvarlong(): u64 {
    let result: u64 = 0;
    for (let shift: u64 = 0; shift < 70; shift += 7) {
      if (!this.has(1)) return 0;
      const b = <u64>unchecked(this.buf[this.pos++]);
      if (shift == 63 && (b & 0xfe) != 0) {
        this.fail();
        return 0;
      }
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) return result;
    }
    this.fail();
    return 0;
  }

  /** Zig-zag signed varint (record fields). */
  varint(): i32 {
    const v = this.uvarint();
    return <i32>(v >>> 1) ^ -(<i32>(v & 1));
  }

  /** Zig-zag signed varlong (record timestamps and offsets deltas). */
  varlong(): i64 {
    const v = this.uvarlong();
    return <i64>(v >>> 1) ^ -(<i64>(v & 1));
  }

  /** A view of the next n bytes (no copy). */
  bytes(n: i32): Uint8Array {
    if (!this.has(n)) return EMPTY;
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: i32): void {
    if (this.has(n)) this.pos += n;
  }

  uuid(): Uint8Array {
    return this.bytes(16);
  }

  /** Length of a STRING/BYTES/ARRAY: int16/int32 classic, uvarint-1 compact. -1 is null. */
  private length(compact: bool, wide: bool): i32 {
    let n: i64;
    if (compact) n = <i64>this.uvarint() - 1;
    else n = wide ? <i64>this.int32() : <i64>this.int16();
    if (this.failed) return -1;
    // -1 is null; anything below, or past i32 (a compact length near 2^32), is malformed.
    if (n < -1 || n > <i64>i32.MAX_VALUE) {
      this.fail();
      return -1;
    }
    return <i32>n;
  }

  nullableString(compact: bool): string | null {
    const n = this.length(compact, false);
    if (this.failed || n < 0) return null;
    const b = this.bytes(n);
    if (this.failed) return null;
    return String.UTF8.decode(b.buffer.slice(b.byteOffset, b.byteOffset + n), false);
  }

  /** Non-nullable STRING: a null here is malformed. */
  string(compact: bool): string {
    const n = this.length(compact, false);
    if (n < 0) {
      this.fail();
      return "";
    }
    const b = this.bytes(n);
    if (this.failed) return "";
    return String.UTF8.decode(b.buffer.slice(b.byteOffset, b.byteOffset + n), false);
  }

  /** BYTES / RECORDS payload as a view; null for a null length. */
  nullableBytes(compact: bool): Uint8Array | null {
    const n = this.length(compact, true);
    if (this.failed || n < 0) return null;
    return this.bytes(n);
  }

  /**
   * Array element count; -1 for null. A count that cannot fit in what is left
   * (each element takes at least minElementSize bytes) fails, so a forged count
   * never allocates a huge array.
   */
  arrayLength(compact: bool, minElementSize: i32 = 1): i32 {
    const n = this.length(compact, true);
    if (this.failed) return -1;
    if (n < -1 || <i64>n * <i64>max(minElementSize, 0) > <i64>this.remaining()) {
      this.fail();
      return -1;
    }
    return n;
  }

  /** Skips a tagged-field section (flexible versions); unknown tags are ignored. */
  skipTaggedFields(): void {
    const count = this.uvarint();
    for (let i: u32 = 0; i < count && !this.failed; i++) {
      this.uvarint(); // tag
      const size = this.uvarint();
      this.skip(<i32>size);
    }
  }
}

/** A view written into a Writer's output where it stands, not copied (Writer.nullableRecords). */
class Splice {
  constructor(
    /** Bytes of the Writer's own buffer before it. */
    public at: i32,
    public bytes: Uint8Array,
  ) {}
}

export class Writer {
  private buf: Uint8Array;
  /** Bytes stored in buf. */
  private end: i32 = 0;
  /** Views spliced in by nullableRecords, in order (null: none), and their total size. */
  private splices: Array<Splice> | null = null;
  private splicedBytes: i32 = 0;
  /** Records of at least this many bytes are spliced in, not copied; 0: always copied. */
  private spliceFrom: i32 = 0;

  constructor(initialCapacity: i32 = 256) {
    this.buf = new Uint8Array(max(initialCapacity, 16));
  }

  /** Bytes written so far, spliced ones included. */
  get pos(): i32 {
    return this.end + this.splicedBytes;
  }

  /**
   * From now on, records of at least `bytes` bytes are spliced into the output (pieces())
   * instead of copied: for a writer whose output goes out before the records it was given can
   * change (a Fetch answer's records are views of its cluster's answer, never written to).
   */
  spliceRecordsFrom(bytes: i32): void {
    this.spliceFrom = max(bytes, 1);
  }

  /** True when records of `size` bytes would be copied into the buffer (not spliced). */
  copiesRecords(size: i32): bool {
    return this.spliceFrom == 0 || size < this.spliceFrom;
  }

  private ensure(n: i32): void {
    const need = this.end + n;
    if (need <= this.buf.length) return;
    // Doubling for small steps; a large reservation gets exactly what it asked for.
    const cap = max(this.buf.length << 1, need);
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.end));
    this.buf = next;
  }

  /** Forgets what was written (and the views spliced in); the buffer is kept for the next answers. */
  reset(): void {
    this.end = 0;
    this.splices = null;
    this.splicedBytes = 0;
  }

  /** Bytes the buffer holds before it has to grow. */
  capacity(): i32 {
    return this.buf.length;
  }

  /**
   * Makes room for n more bytes and returns the address they go to, for encoders that store
   * raw bytes; advance() then counts what was stored. Valid until the next write.
   */
  @inline
  reserve(n: i32): usize {
    if (this.end + n > this.buf.length) this.ensure(n);
    return this.buf.dataStart + <usize>this.end;
  }

  /** Counts n bytes stored at the address reserve() returned (n at most what was reserved). */
  @inline
  advance(n: i32): void {
    this.end += n;
  }

  int8(v: i8): void {
    this.ensure(1);
    unchecked((this.buf[this.end++] = <u8>v));
  }

  bool(v: bool): void {
    this.int8(v ? 1 : 0);
  }

  int16(v: i16): void {
    this.ensure(2);
    const p = this.end;
    unchecked((this.buf[p] = <u8>(v >> 8)));
    unchecked((this.buf[p + 1] = <u8>v));
    this.end = p + 2;
  }

  int32(v: i32): void {
    this.ensure(4);
    const p = this.end;
    unchecked((this.buf[p] = <u8>(v >>> 24)));
    unchecked((this.buf[p + 1] = <u8>(v >>> 16)));
    unchecked((this.buf[p + 2] = <u8>(v >>> 8)));
    unchecked((this.buf[p + 3] = <u8>v));
    this.end = p + 4;
  }

  uint32(v: u32): void {
    this.int32(<i32>v);
  }

  int64(v: i64): void {
    this.int32(<i32>(v >>> 32));
    this.int32(<i32>v);
  }

  float64(v: f64): void {
    this.int64(reinterpret<i64>(v));
  }

  uvarint(v: u32): void {
    this.ensure(5);
    while (v >= 0x80) {
      unchecked((this.buf[this.end++] = <u8>(v | 0x80)));
      v >>>= 7;
    }
    unchecked((this.buf[this.end++] = <u8>v));
  }

  uvarlong(v: u64): void {
    this.ensure(10);
    while (v >= 0x80) {
      unchecked((this.buf[this.end++] = <u8>(v | 0x80)));
      v >>>= 7;
    }
    unchecked((this.buf[this.end++] = <u8>v));
  }

  varint(v: i32): void {
    this.uvarint(<u32>((v << 1) ^ (v >> 31)));
  }

  varlong(v: i64): void {
    this.uvarlong(<u64>((v << 1) ^ (v >> 63)));
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.end);
    this.end += b.length;
  }

  uuid(b: Uint8Array): void {
    // A UUID is always 16 bytes on the wire; a short value is zero-padded.
    this.ensure(16);
    for (let i = 0; i < 16; i++) unchecked((this.buf[this.end + i] = i < b.length ? b[i] : 0));
    this.end += 16;
  }

  private length(n: i32, compact: bool, wide: bool): void {
    if (compact) this.uvarint(<u32>(n + 1));
    else if (wide) this.int32(n);
    else this.int16(<i16>n);
  }

  string(s: string, compact: bool): void {
    const utf8 = Uint8Array.wrap(String.UTF8.encode(s, false));
    this.length(utf8.length, compact, false);
    this.bytes(utf8);
  }

  nullableString(s: string | null, compact: bool): void {
    if (s === null) this.length(-1, compact, false);
    else this.string(s, compact);
  }

  nullableBytes(b: Uint8Array | null, compact: bool): void {
    if (b === null) {
      this.length(-1, compact, true);
      return;
    }
    this.length(b.length, compact, true);
    this.bytes(b);
  }

  /**
   * Records: copied as nullableBytes does, or, from the writer's spliceRecordsFrom size on, spliced
   * in as they are (the view must not change until the writer is reset).
   */
  nullableRecords(b: Uint8Array | null, compact: bool): void {
    if (b === null || this.copiesRecords(b.length)) {
      this.nullableBytes(b, compact);
      return;
    }
    this.length(b.length, compact, true);
    let splices = this.splices;
    if (splices === null) {
      splices = new Array<Splice>();
      this.splices = splices;
    }
    splices.push(new Splice(this.end, b));
    this.splicedBytes += b.length;
  }

  /** Where pos `at` is in the buffer: less the views spliced in before it. */
  private stored(at: i32): i32 {
    const splices = this.splices;
    if (splices === null) return at;
    let before = 0;
    for (let i = 0; i < splices.length; i++) {
      const s = unchecked(splices[i]);
      if (s.at + before >= at) break;
      before += s.bytes.length;
    }
    return at - before;
  }

  arrayLength(n: i32, compact: bool): void {
    this.length(n, compact, true);
  }

  /** An empty tagged-field section. */
  emptyTaggedFields(): void {
    this.uvarint(0);
  }

  /** Overwrites 4 bytes at `at` (a pos, used to back-fill a frame's size prefix; never inside a spliced view). */
  patchInt32(at: i32, v: i32): void {
    at = this.stored(at);
    unchecked((this.buf[at] = <u8>(v >>> 24)));
    unchecked((this.buf[at + 1] = <u8>(v >>> 16)));
    unchecked((this.buf[at + 2] = <u8>(v >>> 8)));
    unchecked((this.buf[at + 3] = <u8>v));
  }

  /** The written bytes as a view of the internal buffer (joined into a copy when views were spliced in). */
  view(): Uint8Array {
    if (this.splices === null) return this.buf.subarray(0, this.end);
    return joinPieces(this.pieces());
  }

  /** The written bytes in order: runs of the internal buffer and the views spliced between them. */
  pieces(): Array<Uint8Array> {
    const out = new Array<Uint8Array>();
    const splices = this.splices;
    let from = 0;
    if (splices !== null) {
      for (let i = 0; i < splices.length; i++) {
        const s = unchecked(splices[i]);
        if (s.at > from) out.push(this.buf.subarray(from, s.at));
        out.push(s.bytes);
        from = s.at;
      }
    }
    if (this.end > from) out.push(this.buf.subarray(from, this.end));
    return out;
  }
}

/** Pieces of output (Writer.pieces, Connection.takeAnswerPieces) joined into one array of their own. */
export function joinPieces(pieces: Array<Uint8Array>): Uint8Array {
  let n = 0;
  for (let i = 0; i < pieces.length; i++) n += unchecked(pieces[i]).length;
  const out = new Uint8Array(n);
  let at = 0;
  for (let i = 0; i < pieces.length; i++) {
    const piece = unchecked(pieces[i]);
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
