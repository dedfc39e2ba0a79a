// avsc (pinned 5.7.9) as the reference Avro decoder, plain and with the Avro specification's
// binary rules that avsc leaves unchecked switched on, so every verdict of the Avro vectors
// comes from avsc's own decoding:
//   - a boolean is one byte, 0 or 1 (avsc reads any non-zero byte as true);
//   - a string (and a map key) is UTF-8 (avsc replaces bad sequences; checked here with the
//     WHATWG decoder in fatal mode);
//   - a long varint has at most 10 bytes within 64 bits, an int varint at most 5 within 32
//     bits (Java's BinaryDecoder limits; avsc reads runaway varints and checks int range only
//     in isValid); union and enum indexes are ints (avsc reads them as longs);
//   - after a negative block count, the block's byte size is exact (avsc skips it);
//   - longs past 2^53 are valid Avro (avsc refuses them as "potential precision loss").
// Plain avsc runs with one guard, which keeps its verdicts: a block whose count cannot fit the
// bytes left ends as truncated at once instead of after a loop over the count. A block of more
// than 1000 zero-size items is not a vector (SkipVector): avsc would loop over it, the filter
// refuses it by its work bound (assembly/schema/avro.ts).
import { load } from "./lib.ts";

export interface AvroType {
  typeName: string;
  name?: string;
  itemsType?: AvroType;
  valuesType?: AvroType;
  types?: AvroType[];
  fields?: { name: string; type: AvroType }[];
  size?: number;
  symbols?: string[];
  toBuffer(v: unknown): Buffer;
  fromBuffer(b: Buffer): unknown;
  isValid(v: unknown): boolean;
}

interface Avsc {
  Type: { forSchema(schema: unknown, opts?: Record<string, unknown>): AvroType };
  types: Record<string, { prototype: Record<string, unknown> }>;
}

interface Tap {
  buf: Buffer;
  pos: number;
  isValid(): boolean;
  readLong(): number;
  readInt(): number;
  readString(): string | undefined;
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

export const avsc = load<Avsc>("avsc");
const TapProto = load<{ Tap: { prototype: Record<string, unknown> } }>("avsc/lib/utils").Tap.prototype;

export class SkipVector extends Error {}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Fewest bytes a value of t takes (0 for null, empty records and fixed(0)); recursion counts 0. */
export function minSize(t: AvroType, seen: Set<AvroType> = new Set()): number {
  switch (t.typeName) {
    case "null":
      return 0;
    case "float":
      return 4;
    case "double":
      return 8;
    case "fixed":
      return t.size ?? 0;
    case "record":
    case "error": {
      if (seen.has(t)) return 0;
      seen.add(t);
      let n = 0;
      for (const f of t.fields ?? []) n += minSize(f.type, seen);
      seen.delete(t);
      return n;
    }
    default:
      // boolean, int, long, bytes, string, enum, array, map, union: at least one byte.
      return 1;
  }
}

function strictLong(this: Tap): number {
  let v = 0n;
  let shift = 0n;
  for (let i = 0; ; i++) {
    if (this.pos >= this.buf.length) {
      this.pos = this.buf.length + 1; // truncated
      return 0;
    }
    const b = this.buf[this.pos++];
    if (i === 9 && b > 1) throw new Error("long varint too long");
    v |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) break;
  }
  return Number(BigInt.asIntN(64, (v >> 1n) ^ -(v & 1n)));
}

function strictInt(this: Tap): number {
  let v = 0;
  for (let i = 0; ; i++) {
    if (this.pos >= this.buf.length) {
      this.pos = this.buf.length + 1;
      return 0;
    }
    const b = this.buf[this.pos++];
    if (i === 4 && b > 0x0f) throw new Error("int varint too long");
    v += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) break;
  }
  return v % 2 ? -(v + 1) / 2 : v / 2;
}

function strictBoolean(this: Tap): boolean {
  if (this.pos >= this.buf.length) {
    this.pos = this.buf.length + 1;
    return false;
  }
  const b = this.buf[this.pos++];
  if (b > 1) throw new Error(`boolean byte ${b}`);
  return b === 1;
}

function strictString(this: Tap): string | undefined {
  const len = this.readLong();
  if (!this.isValid()) return undefined;
  if (len < 0) throw new Error("negative string length");
  const start = this.pos;
  this.pos += len;
  if (this.pos > this.buf.length) return undefined;
  return fatalUtf8.decode(this.buf.subarray(start, this.pos)); // throws on bad UTF-8
}

/** Blocks of an array or map; read(tap) reads one item (or entry). */
function strictBlocks(tap: Tap, itemMin: number, read: () => void): void {
  for (;;) {
    let n = tap.readLong();
    if (!tap.isValid() || n === 0) return;
    let end = -1;
    if (n < 0) {
      n = -n;
      const size = tap.readLong();
      if (!tap.isValid()) return;
      if (size < 0 || tap.pos + size > tap.buf.length) throw new Error("block size out of range");
      end = tap.pos + size;
    }
    if (itemMin > 0 && n * itemMin > tap.buf.length - tap.pos) {
      tap.pos = tap.buf.length + 1; // cannot fit: truncated
      return;
    }
    if (itemMin === 0 && n > 1000) throw new SkipVector("zero-size items");
    for (let i = 0; i < n; i++) {
      read();
      if (!tap.isValid()) return;
    }
    if (end >= 0 && tap.pos !== end) throw new Error("block size does not match its items");
  }
}

/** avsc's own block loop (the byte size after a negative count skipped), with the guard above. */
function plainBlocks(tap: Tap & { skipLong(): void }, itemMin: number, read: () => void): void {
  for (;;) {
    let n = tap.readLong();
    if (n === 0) return;
    if (n < 0) {
      n = -n;
      tap.skipLong();
    }
    if (!tap.isValid()) return;
    if (itemMin > 0 && n * itemMin > tap.buf.length - tap.pos) {
      tap.pos = tap.buf.length + 1;
      return;
    }
    if (itemMin === 0 && n > 1000) throw new SkipVector("zero-size items");
    for (let i = 0; i < n; i++) read();
  }
}

const guards: [Record<string, unknown>, string, Method][] = [
  [
    avsc.types.ArrayType.prototype,
    "_read",
    function (this: unknown, tapArg: unknown): unknown {
      const self = this as AvroType & { itemsType: AvroType & { _read(t: Tap): unknown } };
      const tap = tapArg as Tap & { skipLong(): void };
      const out: unknown[] = [];
      plainBlocks(tap, minSize(self.itemsType), () => out.push(self.itemsType._read(tap)));
      return out;
    } as Method,
  ],
  [
    avsc.types.MapType.prototype,
    "_read",
    function (this: unknown, tapArg: unknown): unknown {
      const self = this as AvroType & { valuesType: AvroType & { _read(t: Tap): unknown } };
      const tap = tapArg as Tap & { skipLong(): void };
      const out: Record<string, unknown> = {};
      plainBlocks(tap, 1 + minSize(self.valuesType), () => {
        const k = tap.readString();
        out[k as string] = self.valuesType._read(tap);
      });
      return out;
    } as Method,
  ],
];

const patches: [Record<string, unknown>, string, Method][] = [
  [TapProto, "readLong", strictLong as Method],
  [TapProto, "readInt", strictInt as Method],
  [TapProto, "readBoolean", strictBoolean as Method],
  [TapProto, "readString", strictString as Method],
  [
    avsc.types.LongType.prototype,
    "_read",
    function (this: unknown, tap: unknown): unknown {
      return (tap as Tap).readLong();
    } as Method,
  ],
  [
    avsc.types.ArrayType.prototype,
    "_read",
    function (this: unknown, tapArg: unknown): unknown {
      const self = this as AvroType & { itemsType: AvroType & { _read(t: Tap): unknown } };
      const tap = tapArg as Tap;
      const out: unknown[] = [];
      strictBlocks(tap, minSize(self.itemsType), () => out.push(self.itemsType._read(tap)));
      return out;
    } as Method,
  ],
  [
    avsc.types.MapType.prototype,
    "_read",
    function (this: unknown, tapArg: unknown): unknown {
      const self = this as AvroType & { valuesType: AvroType & { _read(t: Tap): unknown } };
      const tap = tapArg as Tap;
      const out: Record<string, unknown> = {};
      strictBlocks(tap, 1 + minSize(self.valuesType), () => {
        const k = tap.readString();
        if (!tap.isValid()) return;
        out[k as string] = self.valuesType._read(tap);
      });
      return out;
    } as Method,
  ],
  ...["UnwrappedUnionType", "WrappedUnionType"].map(
    (name): [Record<string, unknown>, string, Method] => [
      avsc.types[name].prototype,
      "_read",
      function (this: unknown, tapArg: unknown): unknown {
        const self = this as { types: (AvroType & { _read(t: Tap): unknown })[] };
        const tap = tapArg as Tap;
        const i = tap.readInt();
        if (!tap.isValid()) return undefined;
        const branch = self.types[i];
        if (branch === undefined) throw new Error(`invalid union index: ${i}`);
        return branch._read(tap);
      } as Method,
    ],
  ),
  [
    avsc.types.EnumType.prototype,
    "_read",
    function (this: unknown, tapArg: unknown): unknown {
      const self = this as { symbols: string[] };
      const tap = tapArg as Tap;
      const i = tap.readInt();
      if (!tap.isValid()) return undefined;
      if (self.symbols[i] === undefined) throw new Error(`invalid enum index: ${i}`);
      return self.symbols[i];
    } as Method,
  ],
];

function withPatches<T>(set: [Record<string, unknown>, string, Method][], f: () => T): T {
  const saved = set.map(([proto, key]) => proto[key]);
  set.forEach(([proto, key, fn]) => (proto[key] = fn));
  try {
    return f();
  } finally {
    set.forEach(([proto, key], i) => (proto[key] = saved[i]));
  }
}

/** "" when avsc decodes all of b as a value of t (and isValid agrees), else avsc's error. Throws SkipVector. */
export function plainVerdict(t: AvroType, b: Buffer): string {
  return withPatches(guards, () => {
    try {
      const v = t.fromBuffer(b);
      return t.isValid(v) ? "" : "isValid: false";
    } catch (e) {
      if (e instanceof SkipVector) throw e;
      return (e as Error).message || "error";
    }
  });
}

/** "" when avsc with the specification's checks above decodes all of b, else the error. Throws SkipVector. */
export function strictVerdict(t: AvroType, b: Buffer): string {
  return withPatches(patches, () => {
    try {
      t.fromBuffer(b);
      return "";
    } catch (e) {
      if (e instanceof SkipVector) throw e;
      return (e as Error).message || "error";
    }
  });
}
