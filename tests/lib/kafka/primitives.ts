// Kafka's primitive types (kafka.apache.org/protocol#protocol_types): fixed-width integers,
// unsigned and zig-zag varints, strings, bytes, arrays and tagged fields, in both the classic
// and the flexible (compact) encodings. Written from the protocol guide, not from the filter.

export type Bytes = Uint8Array;

/** A Buffer view of the same memory (no copy). */
export function asBuffer(b: Bytes): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Zig-zag varint (up to 64 bits), as record fields are written. */
export function varint(n: number | bigint): Buffer {
  const v = BigInt(n);
  let z = BigInt.asUintN(64, (v << 1n) ^ (v < 0n ? -1n : 0n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return Buffer.from(out);
}

/** Unsigned varint (32 bits), as compact lengths and tag counts are written. */
export function uvarint(n: number): Buffer {
  const out: number[] = [];
  let v = n >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

/** A big-endian int32: a size prefix, or one field written by hand. */
export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** Appends fields; `flexible` picks the compact encodings of Kafka's flexible versions. */
export class Writer {
  private readonly parts: Buffer[] = [];

  raw(b: Bytes | readonly number[]): this {
    this.parts.push(Buffer.isBuffer(b) ? b : Buffer.from(b as Uint8Array));
    return this;
  }
  i8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.raw(b);
  }
  bool(v: boolean): this {
    return this.i8(v ? 1 : 0);
  }
  i16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.raw(b);
  }
  i32(v: number): this {
    return this.raw(int32(v));
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    return this.raw(b);
  }
  i64(v: number | bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    return this.raw(b);
  }
  uvarint(v: number): this {
    return this.raw(uvarint(v));
  }
  varint(v: number | bigint): this {
    return this.raw(varint(v));
  }
  /** STRING / NULLABLE_STRING (int16 length), or COMPACT_(NULLABLE_)STRING when flexible. */
  str(s: string | null, flexible = false): this {
    if (s === null) return flexible ? this.uvarint(0) : this.i16(-1);
    const b = Buffer.from(s, "utf8");
    if (flexible) this.uvarint(b.length + 1);
    else this.i16(b.length);
    return this.raw(b);
  }
  /** BYTES / NULLABLE_BYTES (int32 length), or COMPACT_(NULLABLE_)BYTES when flexible. */
  bytes(b: Bytes | null, flexible = false): this {
    if (b === null) return flexible ? this.uvarint(0) : this.i32(-1);
    if (flexible) this.uvarint(b.length + 1);
    else this.i32(b.length);
    return this.raw(b);
  }
  /** A record field: zig-zag varint length (-1 for null), then the bytes. */
  varBytes(b: Bytes | null): this {
    return b === null ? this.varint(-1) : this.varint(b.length).raw(b);
  }
  /** Array length (null: -1), compact when flexible. */
  arrayLen(n: number | null, flexible = false): this {
    if (n === null) return flexible ? this.uvarint(0) : this.i32(-1);
    return flexible ? this.uvarint(n + 1) : this.i32(n);
  }
  /** An array: its length, then `item` for each element. */
  array<T>(items: readonly T[] | null, flexible: boolean, item: (x: T, i: number) => void): this {
    this.arrayLen(items === null ? null : items.length, flexible);
    items?.forEach(item);
    return this;
  }
  /** An empty tagged-field section (flexible versions only). */
  tags(flexible: boolean): this {
    return flexible ? this.uvarint(0) : this;
  }
  get length(): number {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }
  buffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Reads fields in order; every read past the end throws a RangeError. */
export class Reader {
  readonly buf: Buffer;
  pos: number;

  constructor(buf: Bytes, pos = 0) {
    this.buf = asBuffer(buf);
    this.pos = pos;
  }
  need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new RangeError(`read past the end at ${this.pos} (+${n} of ${this.buf.length})`);
    }
  }
  i8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }
  bool(): boolean {
    return this.i8() !== 0;
  }
  i16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  /** 16 bytes as 32 hex digits. */
  uuid(): string {
    return this.take(16).toString("hex");
  }
  take(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  uvarint(): number {
    let r = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const c = this.buf[this.pos++];
      if (c === undefined) throw new RangeError("varint past the end");
      r |= (c & 0x7f) << shift;
      if ((c & 0x80) === 0) return r >>> 0;
    }
    throw new RangeError("varint too long");
  }
  str(flexible = false): string | null {
    const n = flexible ? this.uvarint() - 1 : this.i16();
    if (n < 0) return null;
    return this.take(n).toString("utf8");
  }
  bytes(flexible = false): Buffer | null {
    const n = flexible ? this.uvarint() - 1 : this.i32();
    if (n < 0) return null;
    return this.take(n);
  }
  arrayLen(flexible = false): number {
    return flexible ? this.uvarint() - 1 : this.i32();
  }
  array<T>(flexible: boolean, item: () => T): T[] | null {
    const n = this.arrayLen(flexible);
    if (n < 0) return null;
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }
  skipTags(flexible = true): void {
    if (!flexible) return;
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.take(this.uvarint());
    }
  }
  done(): boolean {
    return this.pos === this.buf.length;
  }
  /** Throws unless every byte was read: a message must end where its last field does. */
  end(what: string): void {
    if (!this.done()) throw new Error(`${what} has ${this.buf.length - this.pos} trailing bytes`);
  }
}
