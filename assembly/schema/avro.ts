// Avro schemas (the JSON text a schema registry keeps) and validation of Avro binary data
// against them, as the writer schema of a Confluent-framed key or value.
//
// Parsing follows the Avro specification and Java's Schema.Parser, which the registries use:
// primitives, records (and errors), enums, arrays, maps, unions, fixed; names with
// namespaces (a dotted name is a full name; otherwise the "namespace" attribute, else the
// enclosing one), references to types defined earlier (or being defined: recursion), looked
// up in the current namespace then the null one; logical types kept as annotations when they
// are valid for their type (an invalid one is ignored, as the specification says).
//
// Validation decodes the binary encoding without building values: zig-zag varints (int: at
// most 5 bytes within 32 bits, long: at most 10 within 64), booleans 0 or 1, lengths and
// counts that fit the bytes left, UTF-8 strings and map keys, enum and union indexes in range,
// array and map blocks (a negative count is followed by the block's byte size, which must be
// exact), and the payload consumed exactly. Nesting is bounded (MAX_AVRO_DEPTH) and so is
// the work (values decoded), by the payload's size, so hostile bytes or schemas can neither
// recurse without bound nor loop long. Nothing here traps.

import { JsonKind, JsonValue, parseJson } from "../json";
import { isUtf8 } from "../kafka/utf8";

export const enum AvroKind {
  NULL,
  BOOLEAN,
  INT,
  LONG,
  FLOAT,
  DOUBLE,
  BYTES,
  STRING,
  RECORD,
  ENUM,
  ARRAY,
  MAP,
  UNION,
  FIXED,
}

/** Deepest nesting of records, arrays, maps and unions in a value. */
export const MAX_AVRO_DEPTH: i32 = 128;
/** Values decoded per payload byte, beyond a fixed allowance (AVRO_BASE_WORK). */
export const AVRO_WORK_PER_BYTE: i64 = 16;
export const AVRO_BASE_WORK: i64 = 4096;
/** JSON nesting accepted in a schema's text (three levels per nested record). */
const MAX_SCHEMA_JSON_DEPTH: i32 = 512;
const MIN_SIZE_CAP: i32 = 1 << 30;

export class AvroField {
  constructor(public name: string, public type: AvroType) {}
}

export class AvroType {
  kind: AvroKind;
  /** Full name of a record, enum or fixed (namespace.name, or name in the null namespace). */
  fullName: string = "";
  /** The logical type, when valid for this type ("" otherwise or when absent). */
  logicalType: string = "";
  /** decimal's precision and scale. */
  precision: i32 = 0;
  scale: i32 = 0;
  /** Record fields, in order. */
  fields: Array<AvroField> = [];
  /** Enum symbols. */
  symbols: Array<string> = [];
  /** Array items or map values. */
  items: AvroType | null = null;
  /** Union branches. */
  branches: Array<AvroType> = [];
  /** Fixed size in bytes. */
  size: i32 = 0;
  /** Fewest bytes a value of this type takes (a lower bound; recursion counts 0). */
  minSize: i32 = 0;

  constructor(kind: AvroKind) {
    this.kind = kind;
  }

  /** The short name of a named type (the full name's last part). */
  shortName(): string {
    const dot = this.fullName.lastIndexOf(".");
    return dot < 0 ? this.fullName : this.fullName.substring(dot + 1);
  }

  isNamed(): bool {
    return this.kind == AvroKind.RECORD || this.kind == AvroKind.ENUM || this.kind == AvroKind.FIXED;
  }
}

export class AvroSchema {
  /** "" when the schema parsed, else why not. */
  error: string = "";
  root: AvroType = new AvroType(AvroKind.NULL);
  /** Named types by full name (references included). */
  named: Map<string, AvroType> = new Map<string, AvroType>();
  /** Types the schema holds (each named type once). */
  typeCount: i32 = 0;

  ok(): bool {
    return this.error.length == 0;
  }

  /**
   * The name RecordNameStrategy uses: the full name (namespace.name) of the root record (or
   * enum or fixed); "" when the root is not a named type.
   */
  fullName(): string {
    return this.root.fullName;
  }
}

/** Avro's name of a primitive, or -1. */
function primitiveKind(name: string): i32 {
  if (name == "null") return AvroKind.NULL;
  if (name == "boolean") return AvroKind.BOOLEAN;
  if (name == "int") return AvroKind.INT;
  if (name == "long") return AvroKind.LONG;
  if (name == "float") return AvroKind.FLOAT;
  if (name == "double") return AvroKind.DOUBLE;
  if (name == "bytes") return AvroKind.BYTES;
  if (name == "string") return AvroKind.STRING;
  return -1;
}

function kindName(k: AvroKind): string {
  switch (k) {
    case AvroKind.NULL:
      return "null";
    case AvroKind.BOOLEAN:
      return "boolean";
    case AvroKind.INT:
      return "int";
    case AvroKind.LONG:
      return "long";
    case AvroKind.FLOAT:
      return "float";
    case AvroKind.DOUBLE:
      return "double";
    case AvroKind.BYTES:
      return "bytes";
    case AvroKind.STRING:
      return "string";
    case AvroKind.RECORD:
      return "record";
    case AvroKind.ENUM:
      return "enum";
    case AvroKind.ARRAY:
      return "array";
    case AvroKind.MAP:
      return "map";
    case AvroKind.UNION:
      return "union";
    default:
      return "fixed";
  }
}

/**
 * A name part: a letter or '_', then letters, digits or '_' (the specification's
 * [A-Za-z_][A-Za-z0-9_]*; non-ASCII letters pass, as Java's parser takes any letter).
 */
function validNamePart(s: string, from: i32, to: i32): bool {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c >= 0x80;
    if (!letter && !(i > from && c >= 48 && c <= 57)) return false;
  }
  return true;
}

/** A dotted name whose parts are all valid ("" is the null namespace). */
function validDotted(s: string): bool {
  let from = 0;
  for (let i = 0; i <= s.length; i++) {
    if (i == s.length || s.charCodeAt(i) == 46) {
      if (!validNamePart(s, from, i)) return false;
      from = i + 1;
    }
  }
  return true;
}

function isIntLiteral(v: JsonValue | null): bool {
  return v !== null && v.isInteger() && v.asI64() >= <i64>i32.MIN_VALUE && v.asI64() <= <i64>i32.MAX_VALUE;
}

function saturatingAdd(a: i32, b: i32): i32 {
  const s = <i64>a + <i64>b;
  return s > <i64>MIN_SIZE_CAP ? MIN_SIZE_CAP : <i32>s;
}

class AvroParser {
  named: Map<string, AvroType>;
  error: string = "";
  count: i32 = 0;

  constructor(named: Map<string, AvroType>) {
    this.named = named;
  }

  fail(msg: string): AvroType {
    if (this.error.length == 0) this.error = msg;
    return new AvroType(AvroKind.NULL);
  }

  make(kind: AvroKind): AvroType {
    this.count++;
    const t = new AvroType(kind);
    switch (kind) {
      case AvroKind.BOOLEAN:
      case AvroKind.INT:
      case AvroKind.LONG:
      case AvroKind.BYTES:
      case AvroKind.STRING:
      case AvroKind.ENUM:
      case AvroKind.ARRAY:
      case AvroKind.MAP:
      case AvroKind.UNION:
        t.minSize = 1;
        break;
      case AvroKind.FLOAT:
        t.minSize = 4;
        break;
      case AvroKind.DOUBLE:
        t.minSize = 8;
        break;
      default:
        t.minSize = 0;
    }
    return t;
  }

  /** A type named by a string: a primitive, or a named type defined before. */
  reference(name: string, space: string): AvroType {
    const p = primitiveKind(name);
    if (p >= 0) return this.make(<AvroKind>p);
    if (name.indexOf(".") < 0 && space.length > 0) {
      const qualified = space + "." + name;
      if (this.named.has(qualified)) return this.named.get(qualified);
    }
    if (this.named.has(name)) return this.named.get(name);
    return this.fail("undefined name: " + name);
  }

  /** Registers a named type; returns its namespace (for the types nested in it). */
  define(t: AvroType, v: JsonValue, space: string): string {
    const nameValue = v.get("name");
    if (nameValue === null || !nameValue.isString()) {
      this.fail(kindName(t.kind) + " without a name");
      return space;
    }
    const name = nameValue.text;
    let full: string;
    let ns: string;
    const dot = name.lastIndexOf(".");
    if (dot >= 0) {
      full = name;
      ns = name.substring(0, dot);
    } else {
      const nsValue = v.get("namespace");
      if (nsValue !== null && nsValue.isString()) ns = nsValue.text;
      else if (nsValue !== null && nsValue.kind != JsonKind.NULL) {
        this.fail("namespace of " + name + " is not a string");
        return space;
      } else ns = space;
      full = ns.length > 0 ? ns + "." + name : name;
    }
    if (!validDotted(full)) {
      this.fail("invalid name: " + full);
      return ns;
    }
    if (this.named.has(full)) {
      this.fail("can't redefine: " + full);
      return ns;
    }
    t.fullName = full;
    this.named.set(full, t);
    return ns;
  }

  parse(v: JsonValue, space: string): AvroType {
    if (this.error.length) return new AvroType(AvroKind.NULL);
    if (v.isString()) return this.reference(v.text, space);
    if (v.isArray()) return this.union(v, space);
    if (!v.isObject()) return this.fail("a schema is a string, an object or an array");
    const typeValue = v.get("type");
    if (typeValue === null) return this.fail("no type");
    // {"type": {...}} and {"type": [...]}: the nested schema (its annotations are the inner ones).
    if (!typeValue.isString()) return this.parse(typeValue, space);
    const type = typeValue.text;
    let t: AvroType;
    if (type == "record" || type == "error") t = this.record(v, space);
    else if (type == "enum") t = this.enumType(v, space);
    else if (type == "fixed") t = this.fixed(v, space);
    else if (type == "array") {
      const items = v.get("items");
      if (items === null) return this.fail("array has no items type");
      t = this.make(AvroKind.ARRAY);
      t.items = this.parse(items, space);
    } else if (type == "map") {
      const values = v.get("values");
      if (values === null) return this.fail("map has no values type");
      t = this.make(AvroKind.MAP);
      t.items = this.parse(values, space);
    } else {
      const p = primitiveKind(type);
      if (p >= 0) t = this.make(<AvroKind>p);
      else {
        // {"type": "SomeName"}: a reference to a named type.
        const q = type.indexOf(".") < 0 && space.length > 0 ? space + "." + type : type;
        if (this.named.has(q)) return this.named.get(q);
        if (this.named.has(type)) return this.named.get(type);
        return this.fail("type not supported: " + type);
      }
    }
    if (this.error.length) return t;
    this.logical(t, v);
    return t;
  }

  union(v: JsonValue, space: string): AvroType {
    const t = this.make(AvroKind.UNION);
    const seen = new Set<string>();
    let least = MIN_SIZE_CAP;
    for (let i = 0; i < v.items.length; i++) {
      const b = this.parse(unchecked(v.items[i]), space);
      if (this.error.length) return t;
      if (b.kind == AvroKind.UNION) return this.fail("nested union");
      const key = b.isNamed() ? b.fullName : kindName(b.kind);
      if (seen.has(key)) return this.fail("duplicate in union: " + key);
      seen.add(key);
      t.branches.push(b);
      if (b.minSize < least) least = b.minSize;
    }
    t.minSize = t.branches.length ? saturatingAdd(1, least) : 1;
    return t;
  }

  record(v: JsonValue, space: string): AvroType {
    const t = this.make(AvroKind.RECORD);
    const ns = this.define(t, v, space);
    if (this.error.length) return t;
    const fields = v.get("fields");
    if (fields === null || !fields.isArray()) return this.fail("record " + t.fullName + " has no fields");
    const names = new Set<string>();
    let size = 0;
    for (let i = 0; i < fields.items.length; i++) {
      const f = unchecked(fields.items[i]);
      if (!f.isObject()) return this.fail("record " + t.fullName + ": a field is not an object");
      const nameValue = f.get("name");
      if (nameValue === null || !nameValue.isString()) return this.fail("record " + t.fullName + ": field without a name");
      const name = nameValue.text;
      if (!validNamePart(name, 0, name.length)) return this.fail("record " + t.fullName + ": invalid field name: " + name);
      if (names.has(name)) return this.fail("record " + t.fullName + ": duplicate field " + name);
      names.add(name);
      const typeValue = f.get("type");
      if (typeValue === null) return this.fail("record " + t.fullName + ": field " + name + " has no type");
      const ft = this.parse(typeValue, ns);
      if (this.error.length) return t;
      t.fields.push(new AvroField(name, ft));
      // A field of a record still being parsed (recursion) counts 0: a lower bound.
      size = saturatingAdd(size, ft.minSize);
    }
    t.minSize = size;
    return t;
  }

  enumType(v: JsonValue, space: string): AvroType {
    const t = this.make(AvroKind.ENUM);
    this.define(t, v, space);
    if (this.error.length) return t;
    const symbols = v.get("symbols");
    if (symbols === null || !symbols.isArray()) return this.fail("enum " + t.fullName + " has no symbols");
    const seen = new Set<string>();
    for (let i = 0; i < symbols.items.length; i++) {
      const s = unchecked(symbols.items[i]);
      if (!s.isString() || !validNamePart(s.text, 0, s.text.length)) return this.fail("enum " + t.fullName + ": invalid symbol");
      if (seen.has(s.text)) return this.fail("enum " + t.fullName + ": duplicate symbol " + s.text);
      seen.add(s.text);
      t.symbols.push(s.text);
    }
    return t;
  }

  fixed(v: JsonValue, space: string): AvroType {
    const t = this.make(AvroKind.FIXED);
    this.define(t, v, space);
    if (this.error.length) return t;
    const size = v.get("size");
    if (!isIntLiteral(size) || size!.asI64() < 0) return this.fail("fixed " + t.fullName + ": invalid or no size");
    t.size = <i32>size!.asI64();
    t.minSize = t.size;
    return t;
  }

  /** Keeps a logical type annotation when it is valid for t (invalid ones are ignored). */
  logical(t: AvroType, v: JsonValue): void {
    const lv = v.get("logicalType");
    if (lv === null || !lv.isString()) return;
    const name = lv.text;
    const k = t.kind;
    let valid = false;
    if (name == "decimal") {
      if (k == AvroKind.BYTES || k == AvroKind.FIXED) {
        const p = v.get("precision");
        const s = v.get("scale");
        if (isIntLiteral(p) && p!.asI64() > 0 && (s === null || (isIntLiteral(s) && s.asI64() >= 0 && s.asI64() <= p!.asI64()))) {
          const precision = <i32>p!.asI64();
          let fits = true;
          if (k == AvroKind.FIXED) {
            // Java's LogicalTypes.Decimal: floor(log10(2^(8 * size - 1) - 1)) digits at most.
            fits = t.size > 0 && <f64>precision <= Math.floor(Math.log10(2) * (8 * <f64>t.size - 1));
          }
          if (fits) {
            valid = true;
            t.precision = precision;
            t.scale = s === null ? 0 : <i32>s.asI64();
          }
        }
      }
    } else if (name == "uuid") valid = k == AvroKind.STRING || (k == AvroKind.FIXED && t.size == 16);
    else if (name == "date" || name == "time-millis") valid = k == AvroKind.INT;
    else if (
      name == "time-micros" ||
      name == "timestamp-millis" ||
      name == "timestamp-micros" ||
      name == "timestamp-nanos" ||
      name == "local-timestamp-millis" ||
      name == "local-timestamp-micros" ||
      name == "local-timestamp-nanos"
    )
      valid = k == AvroKind.LONG;
    else if (name == "duration") valid = k == AvroKind.FIXED && t.size == 12;
    if (valid) t.logicalType = name;
  }
}

function parseInto(p: AvroParser, text: string): AvroType {
  const json = parseJson(text, MAX_SCHEMA_JSON_DEPTH);
  if (json === null) return p.fail("schema is not valid JSON");
  return p.parse(json, "");
}

/**
 * Parses an Avro schema from its JSON text. references: the texts of the schemas it refers
 * to (a registry's schema references, dependencies first); their named types are visible to
 * it, as with Java's Schema.Parser fed the references first. error is "" when it parsed.
 */
export function parseAvroSchema(text: string, references: Array<string> = []): AvroSchema {
  const s = new AvroSchema();
  const p = new AvroParser(s.named);
  for (let i = 0; i < references.length && p.error.length == 0; i++) {
    parseInto(p, unchecked(references[i]));
    if (p.error.length) p.error = "reference " + i.toString() + ": " + p.error;
  }
  if (p.error.length == 0) s.root = parseInto(p, text);
  s.error = p.error;
  s.typeCount = p.count;
  return s;
}

class AvroValidator {
  b: Uint8Array;
  pos: i32;
  end: i32;
  work: i64 = 0;
  budget: i64;
  error: string = "";

  constructor(b: Uint8Array, start: i32, end: i32) {
    this.b = b;
    this.pos = start;
    this.end = end;
    this.budget = AVRO_BASE_WORK + AVRO_WORK_PER_BYTE * <i64>(end - start);
  }

  fail(msg: string): bool {
    this.error = msg;
    return false;
  }

  /** Zig-zag long of at most 10 bytes; "" error when fine. */
  long(what: string): i64 {
    let v: u64 = 0;
    const b = this.b;
    for (let shift: u64 = 0; ; shift += 7) {
      if (this.pos >= this.end) {
        this.error = what + " truncated";
        return 0;
      }
      const c = <u64>unchecked(b[this.pos++]);
      if (shift == 63 && c > 1) {
        this.error = what + " varint too long";
        return 0;
      }
      v |= (c & 0x7f) << shift;
      if ((c & 0x80) == 0) return <i64>(v >>> 1) ^ -(<i64>(v & 1));
    }
    return 0;
  }

  /** Zig-zag int of at most 5 bytes within 32 bits. */
  int(what: string): i32 {
    let v: u32 = 0;
    const b = this.b;
    for (let shift: u32 = 0; ; shift += 7) {
      if (this.pos >= this.end) {
        this.error = what + " truncated";
        return 0;
      }
      const c = <u32>unchecked(b[this.pos++]);
      if (shift == 28 && c > 0x0f) {
        this.error = what + " varint too long";
        return 0;
      }
      v |= (c & 0x7f) << shift;
      if ((c & 0x80) == 0) return <i32>(v >>> 1) ^ -(<i32>(v & 1));
    }
    return 0;
  }

  /** A length-prefixed bytes or string; UTF-8 checked for strings. */
  lengthPrefixed(what: string, whatLength: string, utf8: bool): bool {
    const n = this.long(whatLength);
    if (this.error.length) return false;
    if (n < 0) return this.fail("negative " + what + " length " + n.toString());
    if (n > <i64>(this.end - this.pos)) return this.fail(what + " truncated");
    const start = this.pos;
    this.pos += <i32>n;
    if (utf8 && !isUtf8(this.b, start, this.pos)) return this.fail(what + " is not valid UTF-8");
    return true;
  }

  value(t: AvroType, depth: i32): bool {
    if (this.work >= this.budget) return this.fail("payload too costly to validate (over " + this.budget.toString() + " values)");
    this.work++;
    switch (t.kind) {
      case AvroKind.NULL:
        return true;
      case AvroKind.BOOLEAN: {
        if (this.pos >= this.end) return this.fail("boolean truncated");
        const c = unchecked(this.b[this.pos]);
        if (c > 1) return this.fail("boolean byte " + c.toString() + " is neither 0 nor 1");
        this.pos++;
        return true;
      }
      case AvroKind.INT:
        this.int("int");
        return this.error.length == 0;
      case AvroKind.LONG:
        this.long("long");
        return this.error.length == 0;
      case AvroKind.FLOAT:
        if (this.end - this.pos < 4) return this.fail("float truncated");
        this.pos += 4;
        return true;
      case AvroKind.DOUBLE:
        if (this.end - this.pos < 8) return this.fail("double truncated");
        this.pos += 8;
        return true;
      case AvroKind.BYTES:
        return this.lengthPrefixed("bytes", "bytes length", false);
      case AvroKind.STRING:
        return this.lengthPrefixed("string", "string length", true);
      case AvroKind.FIXED:
        if (this.end - this.pos < t.size) return this.fail("fixed " + t.shortName() + " truncated");
        this.pos += t.size;
        return true;
      case AvroKind.ENUM: {
        const i = this.int("index");
        if (this.error.length) {
          this.error = "enum " + t.shortName() + " " + this.error;
          return false;
        }
        if (i < 0 || i >= t.symbols.length)
          return this.fail("enum " + t.shortName() + " index " + i.toString() + " out of range (" + t.symbols.length.toString() + " symbols)");
        return true;
      }
      case AvroKind.UNION: {
        if (depth >= MAX_AVRO_DEPTH) return this.fail("nesting deeper than " + MAX_AVRO_DEPTH.toString());
        const i = this.int("union index");
        if (this.error.length) return false;
        if (i < 0 || i >= t.branches.length)
          return this.fail("union index " + i.toString() + " out of range (" + t.branches.length.toString() + " branches)");
        return this.value(unchecked(t.branches[i]), depth + 1);
      }
      case AvroKind.RECORD: {
        if (depth >= MAX_AVRO_DEPTH) return this.fail("nesting deeper than " + MAX_AVRO_DEPTH.toString());
        const fields = t.fields;
        for (let i = 0; i < fields.length; i++) {
          const f = unchecked(fields[i]);
          if (!this.value(f.type, depth + 1)) {
            this.error = "record " + t.shortName() + " field " + f.name + ": " + this.error;
            return false;
          }
        }
        return true;
      }
      default:
        // ARRAY, MAP
        if (depth >= MAX_AVRO_DEPTH) return this.fail("nesting deeper than " + MAX_AVRO_DEPTH.toString());
        return this.blocks(t, depth);
    }
  }

  /** An array's or map's blocks, up to the 0 count. */
  blocks(t: AvroType, depth: i32): bool {
    const isMap = t.kind == AvroKind.MAP;
    // Static strings: nothing is built on the way unless something fails.
    const what = isMap ? "map" : "array";
    const countWhat = isMap ? "map block count" : "array block count";
    const sizeWhat = isMap ? "map block size" : "array block size";
    const item = t.items!;
    // A map entry is a string key (at least its length byte) and a value.
    const minItem = isMap ? saturatingAdd(1, item.minSize) : item.minSize;
    let index: i64 = 0;
    while (true) {
      let count = this.long(countWhat);
      if (this.error.length) return false;
      if (count == 0) return true;
      let blockEnd = -1;
      if (count < 0) {
        if (count == i64.MIN_VALUE) return this.fail(what + " block count out of range");
        count = -count;
        const size = this.long(sizeWhat);
        if (this.error.length) return false;
        if (size < 0 || size > <i64>(this.end - this.pos)) return this.fail(what + " block size " + size.toString() + " out of range");
        blockEnd = this.pos + <i32>size;
      }
      // Counts that cannot fit the bytes left fail now, not after a long loop.
      if (minItem > 0 && count > <i64>(this.end - this.pos) / <i64>minItem) return this.fail(what + " block count " + count.toString() + " exceeds the bytes left");
      if (count > this.budget - this.work) return this.fail("payload too costly to validate (" + what + " block of " + count.toString() + " items)");
      for (let i: i64 = 0; i < count; i++) {
        if (isMap && !this.lengthPrefixed("map key", "map key length", true)) {
          this.error = "map entry " + index.toString() + ": " + this.error;
          return false;
        }
        if (!this.value(item, depth + 1)) {
          this.error = (isMap ? "map value " : "array item ") + index.toString() + ": " + this.error;
          return false;
        }
        index++;
      }
      if (blockEnd >= 0 && this.pos != blockEnd) return this.fail(what + " block size does not match its items");
    }
    return false;
  }
}

let lastWork: i64 = 0;

/** Values decoded by the last avroValidate call (its work, bounded by the payload's size). */
export function avroLastWork(): i64 {
  return lastWork;
}

/**
 * Validates bytes [start, end) as one Avro binary value of the schema: "" when it decodes and
 * consumes exactly those bytes, else a short reason (for example "record Order field amount:
 * long varint too long"). Never traps; work is bounded by the payload's size.
 */
export function avroValidate(schema: AvroSchema, bytes: Uint8Array, start: i32, end: i32): string {
  lastWork = 0;
  if (!schema.ok()) return "schema did not parse: " + schema.error;
  if (start < 0 || end > bytes.length || start > end) return "payload bounds out of range";
  const v = new AvroValidator(bytes, start, end);
  const ok = v.value(schema.root, 0);
  lastWork = v.work;
  if (!ok) return v.error;
  if (v.pos != end) return (end - v.pos).toString() + " trailing bytes";
  return "";
}
