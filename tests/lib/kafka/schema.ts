// Encoding and decoding of a message body from its field table (schemas.ts, taken from Kafka's
// JSON message definitions), following the protocol guide (kafka.apache.org/protocol): fields
// in order for the version, compact encodings and a tagged-field section on every structure from
// the message's first flexible version, tagged fields written only when the caller gives them.
// Messages are plain objects keyed by the field names in lowerCamelCase (`TopicId` -> `topicId`);
// int64 fields decode as bigint, uuids as 32 hex digits, bytes and records as Buffers.
import { type Bytes, Reader, Writer } from "./primitives.ts";

export type Range = readonly [number, number];

export interface FieldSchema {
  /** Name, as in the JSON. */
  n: string;
  /** Type: int8..int64, uint16, uint32, float64, bool, uuid, string, bytes, records, []T, or a struct name (with `f`). */
  t: string;
  v?: Range;
  nv?: Range;
  tag?: number;
  tv?: Range;
  d?: string;
  f?: FieldSchema[];
}

export interface MessageSchema {
  name: string;
  apiKey: number;
  valid: Range;
  /** First flexible version (32767: none). */
  flexible: number;
  fields: FieldSchema[];
}

/** A message or structure: fields by lowerCamelCase name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Data = Record<string, any>;

/**
 * Where a length was written (an array count, a string or bytes length), for callers that
 * overwrite it (the fuzzer's huge arrays and wrong lengths): offset in the body, its encoding.
 */
export interface LengthMark {
  at: number;
  kind: "array" | "string" | "bytes";
  /** Compact (unsigned varint of length + 1) rather than int32 (arrays, bytes) or int16 (strings). */
  flexible: boolean;
}

/** Length marks of the encoding in progress (tagged fields, written apart, are not marked). */
let marks: LengthMark[] | null = null;

const inRange = (r: Range | undefined, v: number): boolean => r !== undefined && v >= r[0] && v <= r[1];
export const fieldKey = (name: string): string => name[0].toLowerCase() + name.slice(1);

function isTagged(f: FieldSchema, version: number): boolean {
  return f.tag !== undefined && inRange(f.tv, version);
}

/** The JSON's default for a field absent from the caller's object. */
function defaultOf(f: FieldSchema, version: number): unknown {
  const d = f.d;
  if (f.t.startsWith("[]")) return [];
  if (f.f) return {};
  if (d === "null") return null;
  switch (f.t) {
    case "int64":
      return d === undefined ? 0n : BigInt(d);
    case "int8": case "int16": case "int32": case "uint16": case "uint32": case "float64":
      return d === undefined ? 0 : Number(d);
    case "bool":
      return d === "true";
    case "uuid":
      return "0".repeat(32);
    case "string":
      return d ?? "";
    default: // bytes, records
      return inRange(f.nv, version) ? null : Buffer.alloc(0);
  }
}

function writeScalar(w: Writer, t: string, v: unknown, flexible: boolean): void {
  if (marks && (t === "string" || t === "bytes" || t === "records")) marks.push({ at: w.length, kind: t === "string" ? "string" : "bytes", flexible });
  switch (t) {
    case "int8": w.i8(Number(v)); return;
    case "int16": w.i16(Number(v)); return;
    case "uint16": { const b = Buffer.alloc(2); b.writeUInt16BE(Number(v)); w.raw(b); return; }
    case "int32": w.i32(Number(v)); return;
    case "uint32": w.u32(Number(v)); return;
    case "int64": w.i64(BigInt(v as bigint)); return;
    case "float64": { const b = Buffer.alloc(8); b.writeDoubleBE(Number(v)); w.raw(b); return; }
    case "bool": w.bool(Boolean(v)); return;
    case "uuid": w.raw(typeof v === "string" ? Buffer.from(v.padStart(32, "0"), "hex") : (v as Bytes)); return;
    case "string": w.str(v as string | null, flexible); return;
    case "bytes": case "records": w.bytes(v as Bytes | null, flexible); return;
    default: throw new Error(`schema: unknown type ${t}`);
  }
}

function readScalar(r: Reader, t: string, flexible: boolean): unknown {
  switch (t) {
    case "int8": return r.i8();
    case "int16": return r.i16();
    case "uint16": return r.take(2).readUInt16BE(0);
    case "int32": return r.i32();
    case "uint32": return r.take(4).readUInt32BE(0);
    case "int64": return r.i64();
    case "float64": return r.take(8).readDoubleBE(0);
    case "bool": return r.bool();
    case "uuid": return r.uuid();
    case "string": return r.str(flexible);
    case "bytes": case "records": return r.bytes(flexible);
    default: throw new Error(`schema: unknown type ${t}`);
  }
}

function writeValue(w: Writer, f: FieldSchema, v: unknown, version: number, flexible: boolean): void {
  if (f.t.startsWith("[]")) {
    const items = v as unknown[] | null;
    const elem = f.t.slice(2);
    marks?.push({ at: w.length, kind: "array", flexible });
    w.arrayLen(items === null ? null : items.length, flexible);
    for (const x of items ?? []) {
      if (f.f) writeStruct(w, f.f, x as Data, version, flexible);
      else writeScalar(w, elem, x, flexible);
    }
  } else if (f.f) {
    writeStruct(w, f.f, (v ?? {}) as Data, version, flexible);
  } else writeScalar(w, f.t, v, flexible);
}

function readValue(r: Reader, f: FieldSchema, version: number, flexible: boolean): unknown {
  if (f.t.startsWith("[]")) {
    const elem = f.t.slice(2);
    return r.array(flexible, () => (f.f ? readStruct(r, f.f, version, flexible) : readScalar(r, elem, flexible)));
  }
  if (f.f) return readStruct(r, f.f, version, flexible);
  return readScalar(r, f.t, flexible);
}

/** A structure's fields for `version`, then (flexible) its tagged fields: those `d` has a value for. */
export function writeStruct(w: Writer, fields: readonly FieldSchema[], d: Data, version: number, flexible: boolean): void {
  const tagged: Array<[number, Buffer]> = [];
  for (const f of fields) {
    if (!inRange(f.v, version)) continue;
    const key = fieldKey(f.n);
    if (isTagged(f, version)) {
      if (flexible && d[key] !== undefined) {
        const tw = new Writer();
        const saved = marks;
        marks = null;
        try {
          writeValue(tw, f, d[key], version, flexible);
        } finally {
          marks = saved;
        }
        tagged.push([f.tag!, tw.buffer()]);
      }
      continue;
    }
    writeValue(w, f, d[key] === undefined ? defaultOf(f, version) : d[key], version, flexible);
  }
  if (!flexible) return;
  tagged.sort((a, b) => a[0] - b[0]);
  w.uvarint(tagged.length);
  for (const [tag, bytes] of tagged) w.uvarint(tag).uvarint(bytes.length).raw(bytes);
}

/** A structure for `version`; tagged fields it does not know are skipped. */
export function readStruct(r: Reader, fields: readonly FieldSchema[], version: number, flexible: boolean): Data {
  const d: Data = {};
  for (const f of fields) {
    if (!inRange(f.v, version) || isTagged(f, version)) continue;
    d[fieldKey(f.n)] = readValue(r, f, version, flexible);
  }
  if (!flexible) return d;
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    const bytes = r.take(size);
    const f = fields.find((x) => x.tag === tag && inRange(x.v, version) && isTagged(x, version));
    if (!f) continue;
    const tr = new Reader(bytes);
    d[fieldKey(f.n)] = readValue(tr, f, version, flexible);
    tr.end(`${f.n} (tag ${tag})`);
  }
  return d;
}

/** A message body at `version` (missing fields take the JSON's defaults); `lengths` collects where lengths went. */
export function encodeBody(schema: MessageSchema, version: number, d: Data, lengths?: LengthMark[]): Buffer {
  const w = new Writer();
  marks = lengths ?? null;
  try {
    writeStruct(w, schema.fields, d, version, version >= schema.flexible);
  } finally {
    marks = null;
  }
  return w.buffer();
}

/** A message body at `version`, from `r` on. */
export function decodeBody(schema: MessageSchema, version: number, r: Reader): Data {
  if (version < schema.valid[0] || version > schema.valid[1]) throw new Error(`${schema.name} v${version}: not a valid version (${schema.valid[0]}-${schema.valid[1]})`);
  return readStruct(r, schema.fields, version, version >= schema.flexible);
}
