// JSON Schema (draft-04 to 2020-12, the keywords docs/schemas.md lists) and validation of a
// UTF-8 JSON payload against it.
//
// Evaluated: type (with "integer" and type arrays), properties, required,
// additionalProperties (boolean or schema), items (a schema; the array form of drafts up to
// 2019-09 with additionalItems), prefixItems, enum, const (deep equality), minimum, maximum,
// exclusiveMinimum, exclusiveMaximum (numbers; draft-04's boolean form too), minLength and
// maxLength (code points), minItems, maxItems, $ref within the document (#, JSON pointers
// with ~0 ~1 and %-escapes, $defs, definitions, $id and $anchor names) and into the texts of
// a registry's schema references, allOf, anyOf, oneOf, not, and the boolean schemas.
// Numbers are compared exactly as decimals (no f64 rounding), so big and precise values keep
// their meaning.
//
// Other keywords are not evaluated. Those that assert something (pattern, format,
// multipleOf, uniqueItems, contains, propertyNames, patternProperties, dependencies, if/then/
// else, min/maxProperties, unevaluated*, $dynamicRef, a $ref out of the document, ...) make a
// schema's verdict "unknown" rather than "valid": an unknown result passes at the top, but
// `not` of it, or a oneOf it takes part in, stays unknown instead of turning into a refusal.
// So a payload a complete validator accepts is never refused here; one it refuses may pass.
//
// Bounded: the payload's nesting (MAX_JSON_PAYLOAD_DEPTH), the schema recursion of one
// validation ($ref cycles included, MAX_JSON_SCHEMA_DEPTH) and the work (subschema checks
// and equality steps, by the payload's size). Nothing here traps.

import { JsonKind, JsonValue, parseJson } from "../json";
import { decodeUtf8, isUtf8 } from "../kafka/utf8";

export const MAX_JSON_PAYLOAD_DEPTH: i32 = 128;
export const MAX_JSON_SCHEMA_DEPTH: i32 = 256;
export const JSON_BASE_WORK: i64 = 100000;
export const JSON_WORK_PER_BYTE: i64 = 32;
const MAX_SCHEMA_JSON_DEPTH: i32 = 512;

const T_NULL: i32 = 1;
const T_BOOLEAN: i32 = 2;
const T_OBJECT: i32 = 4;
const T_ARRAY: i32 = 8;
const T_NUMBER: i32 = 16;
const T_STRING: i32 = 32;
const T_INTEGER: i32 = 64;

const VALID: i32 = 0;
const INVALID: i32 = 1;
const UNKNOWN: i32 = 2;

// ---------------------------------------------------------------------------------------
// Exact decimal numbers.

/** A JSON number as sign, significant digits and point: (-1)^neg × 0.digits × 10^point. */
export class Decimal {
  neg: bool = false;
  /** No leading or trailing zeros; "" is zero. */
  digits: string = "";
  point: i64 = 0;

  isZero(): bool {
    return this.digits.length == 0;
  }

  isInteger(): bool {
    return this.digits.length == 0 || this.point >= <i64>this.digits.length;
  }
}

const EXPONENT_CAP: i64 = 1000000000000000;

/** Reads a JSON number's text (valid JSON number syntax). */
export function decimalOf(text: string): Decimal {
  const d = new Decimal();
  let i = 0;
  const n = text.length;
  if (i < n && text.charCodeAt(i) == 45) {
    d.neg = true;
    i++;
  }
  const intStart = i;
  while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < n && text.charCodeAt(i) == 46) {
    i++;
    fracStart = i;
    while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    fracEnd = i;
  }
  let exp: i64 = 0;
  if (i < n && (text.charCodeAt(i) == 101 || text.charCodeAt(i) == 69)) {
    i++;
    let expNeg = false;
    if (i < n && (text.charCodeAt(i) == 43 || text.charCodeAt(i) == 45)) {
      expNeg = text.charCodeAt(i) == 45;
      i++;
    }
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      if (exp < EXPONENT_CAP) exp = exp * 10 + <i64>(c - 48);
      i++;
    }
    if (expNeg) exp = -exp;
  }
  const all = text.substring(intStart, intEnd) + text.substring(fracStart, fracEnd);
  let first = 0;
  while (first < all.length && all.charCodeAt(first) == 48) first++;
  let last = all.length;
  while (last > first && all.charCodeAt(last - 1) == 48) last--;
  if (first == last) {
    d.neg = false;
    return d;
  }
  d.digits = all.substring(first, last);
  d.point = <i64>(intEnd - intStart) + exp - <i64>first;
  return d;
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareDecimal(a: Decimal, b: Decimal): i32 {
  const sa = a.isZero() ? 0 : a.neg ? -1 : 1;
  const sb = b.isZero() ? 0 : b.neg ? -1 : 1;
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  let m: i32;
  if (a.point != b.point) m = a.point < b.point ? -1 : 1;
  else {
    const x = a.digits;
    const y = b.digits;
    m = 0;
    const n = min(x.length, y.length);
    for (let i = 0; i < n && m == 0; i++) {
      const cx = x.charCodeAt(i);
      const cy = y.charCodeAt(i);
      if (cx != cy) m = cx < cy ? -1 : 1;
    }
    if (m == 0 && x.length != y.length) m = x.length < y.length ? -1 : 1;
  }
  return sa < 0 ? -m : m;
}

function isIntegerNumber(v: JsonValue): bool {
  const t = v.text;
  // Fast path: no fraction or exponent.
  let plain = true;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c == 46 || c == 101 || c == 69) {
      plain = false;
      break;
    }
  }
  return plain || decimalOf(t).isInteger();
}

// ---------------------------------------------------------------------------------------
// Compiled schemas.

export class SchemaNode {
  /** 1: the schema true (or {}), -1: false, 0: a schema object. */
  always: i32 = 0;
  /** Bits of the allowed types; 0 without a type keyword. */
  types: i32 = 0;
  properties: Map<string, SchemaNode> | null = null;
  required: Array<string> = [];
  additionalProperties: SchemaNode | null = null;
  /** patternProperties present: properties outside `properties` cannot be judged. */
  patternProperties: bool = false;
  /** Schemas of the first items (prefixItems, or items in its array form). */
  prefixItems: Array<SchemaNode> = [];
  /** Schema of the items after the prefix (items, or additionalItems after an items array). */
  items: SchemaNode | null = null;
  enumValues: Array<JsonValue> | null = null;
  constValue: JsonValue | null = null;
  minimum: Decimal | null = null;
  minimumText: string = "";
  minimumExclusive: bool = false;
  maximum: Decimal | null = null;
  maximumText: string = "";
  maximumExclusive: bool = false;
  /** Second bounds: exclusiveMinimum/exclusiveMaximum beside minimum/maximum (draft-06+). */
  exclusiveMinimum: Decimal | null = null;
  exclusiveMinimumText: string = "";
  exclusiveMaximum: Decimal | null = null;
  exclusiveMaximumText: string = "";
  minLength: i64 = -1;
  maxLength: i64 = -1;
  minItems: i64 = -1;
  maxItems: i64 = -1;
  ref: SchemaNode | null = null;
  /** A $ref this document cannot resolve (another document): its verdict is unknown. */
  refUnknown: bool = false;
  allOf: Array<SchemaNode> = [];
  anyOf: Array<SchemaNode> = [];
  oneOf: Array<SchemaNode> = [];
  not: SchemaNode | null = null;
  /** Assertion keywords not evaluated here are present: the verdict is at best unknown. */
  unsupported: bool = false;
}

export class JsonSchema {
  /** "" when the schema compiled, else why not. */
  error: string = "";
  root: SchemaNode = new SchemaNode();
  /** The root's title: the name RecordNameStrategy uses ("" when absent). */
  title: string = "";
  /** Assertion keywords present that validation does not evaluate, each once. */
  unsupportedKeywords: Array<string> = [];
  /** A $ref points out of the document and its references. */
  hasExternalRefs: bool = false;

  ok(): bool {
    return this.error.length == 0;
  }
}

/** Keywords that assert something and are not evaluated here. */
function isUnsupportedAssertion(k: string): bool {
  return (
    k == "pattern" ||
    k == "format" ||
    k == "multipleOf" ||
    k == "divisibleBy" ||
    k == "uniqueItems" ||
    k == "contains" ||
    k == "minContains" ||
    k == "maxContains" ||
    k == "propertyNames" ||
    k == "dependencies" ||
    k == "dependentRequired" ||
    k == "dependentSchemas" ||
    k == "minProperties" ||
    k == "maxProperties" ||
    k == "unevaluatedProperties" ||
    k == "unevaluatedItems" ||
    k == "$dynamicRef" ||
    k == "$recursiveRef" ||
    k == "contentSchema"
  );
}

/** Keywords whose values are data, not schemas: not searched for $id and $anchor. */
function isDataKeyword(k: string): bool {
  return k == "enum" || k == "const" || k == "default" || k == "examples";
}

class PendingRef {
  constructor(public node: SchemaNode, public ref: string, public resource: JsonValue) {}
}

function hexDigit(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Decodes %XX escapes of a URI fragment as UTF-8 bytes; malformed escapes stay as written. */
function percentDecode(s: string): string {
  if (s.indexOf("%") < 0) return s;
  const raw = Uint8Array.wrap(String.UTF8.encode(s, false));
  const out = new Uint8Array(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = <i32>raw[i];
    if (c == 37 && i + 2 < raw.length) {
      const h = hexDigit(<i32>raw[i + 1]);
      const l = hexDigit(<i32>raw[i + 2]);
      if (h >= 0 && l >= 0) {
        out[n++] = <u8>((h << 4) | l);
        i += 2;
        continue;
      }
    }
    out[n++] = <u8>c;
  }
  return String.UTF8.decodeUnsafe(out.dataStart, <usize>n, false);
}

function unescapePointerToken(t: string): string {
  if (t.indexOf("~") < 0) return t;
  return t.replaceAll("~1", "/").replaceAll("~0", "~");
}

/** The directory part of a URI ("http://x/a/b.json" -> "http://x/a/"), or "". */
function uriDirectory(uri: string): string {
  const hash = uri.indexOf("#");
  const u = hash >= 0 ? uri.substring(0, hash) : uri;
  const slash = u.lastIndexOf("/");
  return slash >= 0 ? u.substring(0, slash + 1) : "";
}

function isAbsoluteUri(s: string): bool {
  const colon = s.indexOf(":");
  const slash = s.indexOf("/");
  return colon > 0 && (slash < 0 || colon < slash);
}

class Compiler {
  memo: Map<usize, SchemaNode> = new Map<usize, SchemaNode>();
  pending: Array<PendingRef> = [];
  /** Resources by URI: $id values (as written, and against the root's directory), reference names. */
  ids: Map<string, JsonValue> = new Map<string, JsonValue>();
  /** $anchor, $dynamicAnchor and draft-07 "$id": "#name" targets, by name. */
  anchors: Map<string, JsonValue> = new Map<string, JsonValue>();
  /** The keyword naming a resource: "$id", or "id" in draft-04 documents. */
  idKeyword: string = "$id";
  unsupported: Set<string> = new Set<string>();
  external: bool = false;
  error: string = "";
  /** The resource (document or schema with an $id) the last resolve() landed in. */
  resolvedResource: JsonValue = new JsonValue();

  fail(msg: string): void {
    if (this.error.length == 0) this.error = msg;
  }

  /** The $id of a schema object when it names a resource (not a bare "#anchor"). */
  resourceId(v: JsonValue): string {
    if (v.kind != JsonKind.OBJECT) return "";
    const id = v.get(this.idKeyword);
    if (id === null || !id.isString() || id.text.startsWith("#")) return "";
    return id.text;
  }

  /** Finds $id and anchor names in a document; data keywords (enum, const, ...) are skipped. */
  collectIds(v: JsonValue, base: string, depth: i32): void {
    if (depth > MAX_SCHEMA_JSON_DEPTH) return;
    if (v.kind == JsonKind.ARRAY) {
      for (let i = 0; i < v.items.length; i++) this.collectIds(unchecked(v.items[i]), base, depth + 1);
      return;
    }
    if (v.kind != JsonKind.OBJECT) return;
    const id = v.get(this.idKeyword);
    if (id !== null && id.isString()) {
      const s = id.text;
      if (s.startsWith("#")) {
        if (!this.anchors.has(s.substring(1))) this.anchors.set(s.substring(1), v);
      } else if (s.length) {
        const hash = s.indexOf("#");
        const uri = hash >= 0 ? s.substring(0, hash) : s;
        if (!this.ids.has(uri)) this.ids.set(uri, v);
        if (!isAbsoluteUri(uri) && base.length && !this.ids.has(base + uri)) this.ids.set(base + uri, v);
      }
    }
    const anchor = v.get("$anchor");
    if (anchor !== null && anchor.isString() && !this.anchors.has(anchor.text)) this.anchors.set(anchor.text, v);
    const dynamicAnchor = v.get("$dynamicAnchor");
    if (dynamicAnchor !== null && dynamicAnchor.isString() && !this.anchors.has(dynamicAnchor.text)) this.anchors.set(dynamicAnchor.text, v);
    for (let i = 0; i < v.keys.length; i++) {
      if (isDataKeyword(unchecked(v.keys[i]))) continue;
      this.collectIds(unchecked(v.items[i]), base, depth + 1);
    }
  }

  /** Compiles a schema; resource: the innermost schema with an $id around it (or the document). */
  compile(v: JsonValue, resource: JsonValue): SchemaNode {
    const key = changetype<usize>(v);
    if (this.memo.has(key)) return this.memo.get(key);
    const n = new SchemaNode();
    this.memo.set(key, n);
    if (v.kind == JsonKind.BOOL) {
      n.always = v.boolValue ? 1 : -1;
      return n;
    }
    if (v.kind != JsonKind.OBJECT) {
      this.fail("a schema is an object or a boolean");
      return n;
    }
    if (v.keys.length == 0) {
      n.always = 1;
      return n;
    }
    if (this.resourceId(v).length) resource = v;
    const doc = resource;
    for (let i = 0; i < v.keys.length; i++) {
      const k = unchecked(v.keys[i]);
      const x = unchecked(v.items[i]);
      if (k == "type") this.types(n, x);
      else if (k == "properties") {
        if (!x.isObject()) this.fail("properties is not an object");
        else {
          const props = new Map<string, SchemaNode>();
          for (let j = 0; j < x.keys.length; j++) props.set(unchecked(x.keys[j]), this.compile(unchecked(x.items[j]), doc));
          n.properties = props;
        }
      } else if (k == "required") {
        // draft-03's boolean "required" is not an assertion on the object: ignored.
        if (x.isArray()) {
          for (let j = 0; j < x.items.length; j++) {
            const r = unchecked(x.items[j]);
            if (!r.isString()) this.fail("required lists strings");
            else n.required.push(r.text);
          }
        }
      } else if (k == "additionalProperties") n.additionalProperties = this.compile(x, doc);
      else if (k == "patternProperties") {
        n.patternProperties = true;
        n.unsupported = true;
        this.unsupported.add(k);
      } else if (k == "items") {
        if (x.isArray()) {
          for (let j = 0; j < x.items.length; j++) n.prefixItems.push(this.compile(unchecked(x.items[j]), doc));
          const additional = v.get("additionalItems");
          if (additional !== null) n.items = this.compile(additional, doc);
        } else n.items = this.compile(x, doc);
      } else if (k == "prefixItems") {
        const items = v.get("items");
        if (!x.isArray()) this.fail("prefixItems is not an array");
        else if (items === null || !items.isArray()) {
          for (let j = 0; j < x.items.length; j++) n.prefixItems.push(this.compile(unchecked(x.items[j]), doc));
        }
      } else if (k == "enum") {
        if (!x.isArray()) this.fail("enum is not an array");
        else n.enumValues = x.items;
      } else if (k == "const") n.constValue = x;
      else if (k == "minimum") {
        if (this.number(x, k)) {
          n.minimum = decimalOf(x.text);
          n.minimumText = x.text;
        }
      } else if (k == "maximum") {
        if (this.number(x, k)) {
          n.maximum = decimalOf(x.text);
          n.maximumText = x.text;
        }
      } else if (k == "exclusiveMinimum") {
        if (x.kind == JsonKind.BOOL) n.minimumExclusive = x.boolValue; // draft-04
        else if (this.number(x, k)) {
          n.exclusiveMinimum = decimalOf(x.text);
          n.exclusiveMinimumText = x.text;
        }
      } else if (k == "exclusiveMaximum") {
        if (x.kind == JsonKind.BOOL) n.maximumExclusive = x.boolValue;
        else if (this.number(x, k)) {
          n.exclusiveMaximum = decimalOf(x.text);
          n.exclusiveMaximumText = x.text;
        }
      } else if (k == "minLength") n.minLength = this.count(x, k);
      else if (k == "maxLength") n.maxLength = this.count(x, k);
      else if (k == "minItems") n.minItems = this.count(x, k);
      else if (k == "maxItems") n.maxItems = this.count(x, k);
      else if (k == "$ref") {
        if (!x.isString()) this.fail("$ref is not a string");
        else this.pending.push(new PendingRef(n, x.text, doc));
      } else if (k == "allOf" || k == "anyOf" || k == "oneOf") {
        if (!x.isArray() || x.items.length == 0) this.fail(k + " is not a non-empty array");
        else {
          const list = k == "allOf" ? n.allOf : k == "anyOf" ? n.anyOf : n.oneOf;
          for (let j = 0; j < x.items.length; j++) list.push(this.compile(unchecked(x.items[j]), doc));
        }
      } else if (k == "not") n.not = this.compile(x, doc);
      else if (k == "if") {
        if (v.get("then") !== null || v.get("else") !== null) {
          n.unsupported = true;
          this.unsupported.add("if");
        }
      } else if (isUnsupportedAssertion(k)) {
        n.unsupported = true;
        this.unsupported.add(k);
      }
      // Anything else is an annotation or unknown: ignored.
    }
    return n;
  }

  types(n: SchemaNode, x: JsonValue): void {
    if (x.isString()) n.types = this.typeBit(x.text);
    else if (x.isArray() && x.items.length > 0) {
      for (let j = 0; j < x.items.length; j++) {
        const t = unchecked(x.items[j]);
        if (!t.isString()) this.fail("type lists strings");
        else n.types |= this.typeBit(t.text);
      }
    } else this.fail("type is a string or a non-empty array");
  }

  typeBit(t: string): i32 {
    if (t == "null") return T_NULL;
    if (t == "boolean") return T_BOOLEAN;
    if (t == "object") return T_OBJECT;
    if (t == "array") return T_ARRAY;
    if (t == "number") return T_NUMBER;
    if (t == "string") return T_STRING;
    if (t == "integer") return T_INTEGER;
    this.fail("unknown type: " + t);
    return 0;
  }

  number(x: JsonValue, k: string): bool {
    if (x.kind != JsonKind.NUMBER) {
      this.fail(k + " is not a number");
      return false;
    }
    return true;
  }

  count(x: JsonValue, k: string): i64 {
    if (x.kind != JsonKind.NUMBER || !isIntegerNumber(x) || decimalOf(x.text).neg) {
      this.fail(k + " is not a non-negative integer");
      return -1;
    }
    const d = decimalOf(x.text);
    // Past 18 digits: as good as unbounded for a length or a count.
    if (d.point > 18) return i64.MAX_VALUE;
    let v: i64 = 0;
    for (let i: i64 = 0; i < d.point; i++) v = v * 10 + (i < <i64>d.digits.length ? <i64>(d.digits.charCodeAt(<i32>i) - 48) : 0);
    return v;
  }

  /** Resolves every $ref met so far, compiling their targets (which may add more). */
  resolvePending(): void {
    for (let i = 0; i < this.pending.length && this.error.length == 0; i++) {
      const p = unchecked(this.pending[i]);
      const target = this.resolve(p);
      if (target === null) continue;
      p.node.ref = this.compile(target, this.resolvedResource);
    }
  }

  /**
   * The schema a $ref names. A reference to a document not known here marks the node
   * (its verdict is unknown) and gives null; a pointer or anchor that names nothing in a
   * known document is an error.
   */
  resolve(p: PendingRef): JsonValue | null {
    const ref = p.ref;
    const hash = ref.indexOf("#");
    const base = hash < 0 ? ref : ref.substring(0, hash);
    const fragment = hash < 0 ? "" : percentDecode(ref.substring(hash + 1));
    let target = p.resource;
    if (base.length) {
      if (!this.ids.has(base)) {
        p.node.refUnknown = true;
        this.external = true;
        return null;
      }
      target = this.ids.get(base);
    }
    this.resolvedResource = target;
    if (fragment.length == 0) return target;
    if (!fragment.startsWith("/")) {
      if (this.anchors.has(fragment)) return this.anchors.get(fragment);
      this.fail("unresolvable $ref: " + ref);
      return null;
    }
    const tokens = fragment.substring(1).split("/");
    for (let i = 0; i < tokens.length; i++) {
      const t = unescapePointerToken(unchecked(tokens[i]));
      let next: JsonValue | null = null;
      if (target.kind == JsonKind.OBJECT) next = target.get(t);
      else if (target.kind == JsonKind.ARRAY) {
        const index = arrayIndex(t);
        if (index >= 0 && index < target.items.length) next = unchecked(target.items[index]);
      }
      if (next === null) {
        this.fail("unresolvable $ref: " + ref);
        return null;
      }
      target = next;
    }
    return target;
  }
}

/** A JSON pointer array index: "0" or digits without a leading zero; -1 otherwise. */
function arrayIndex(t: string): i32 {
  if (t.length == 0 || t.length > 9) return -1;
  if (t.length > 1 && t.charCodeAt(0) == 48) return -1;
  let v = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/**
 * Compiles a JSON Schema from its text. references: the texts of the schemas it refers to
 * (a registry's schema references), each known by its reference name (referenceNames[i],
 * the URI its $refs use) and by its own $id. error is "" when it compiled; a $ref to any
 * other document makes that subschema's verdict unknown (hasExternalRefs).
 */
export function parseJsonSchema(text: string, referenceNames: Array<string> = [], references: Array<string> = []): JsonSchema {
  const s = new JsonSchema();
  const c = new Compiler();
  const root = parseJson(text, MAX_SCHEMA_JSON_DEPTH);
  if (root === null) {
    s.error = "schema is not valid JSON";
    return s;
  }
  if (root.kind != JsonKind.OBJECT && root.kind != JsonKind.BOOL) {
    s.error = "a schema is an object or a boolean";
    return s;
  }
  if (root.kind == JsonKind.OBJECT) {
    const dialect = root.get("$schema");
    if (dialect !== null && dialect.isString() && (dialect.text.indexOf("draft-04") >= 0 || dialect.text.indexOf("draft-03") >= 0)) c.idKeyword = "id";
  }
  const docs = new Array<JsonValue>();
  docs.push(root);
  for (let i = 0; i < references.length; i++) {
    const r = parseJson(unchecked(references[i]), MAX_SCHEMA_JSON_DEPTH);
    if (r === null) {
      s.error = "reference " + i.toString() + " is not valid JSON";
      return s;
    }
    docs.push(r);
    if (i < referenceNames.length) c.ids.set(unchecked(referenceNames[i]), r);
  }
  for (let i = 0; i < docs.length; i++) {
    const d = unchecked(docs[i]);
    const id = c.resourceId(d);
    c.collectIds(d, id.length ? uriDirectory(id) : "", 0);
  }
  s.root = c.compile(root, root);
  c.resolvePending();
  if (c.error.length) {
    s.error = c.error;
    return s;
  }
  if (root.kind == JsonKind.OBJECT) {
    const title = root.get("title");
    if (title !== null && title.isString()) s.title = title.text;
  }
  s.unsupportedKeywords = c.unsupported.values();
  s.unsupportedKeywords.sort();
  s.hasExternalRefs = c.external;
  return s;
}

// ---------------------------------------------------------------------------------------
// Validation.

/** An object's members with duplicate keys resolved as JSON.parse does: the last one wins. */
class Members {
  keys: Array<string>;
  values: Array<JsonValue>;
  index: Map<string, i32> | null = null;

  constructor(o: JsonValue) {
    const n = o.keys.length;
    // Small objects: duplicates are looked for pairwise; without any (the usual case) the
    // object's own arrays serve. Larger ones go through a map.
    let duplicates = n > 8;
    for (let i = 0; i < n && !duplicates; i++) {
      const k = unchecked(o.keys[i]);
      for (let j = i + 1; j < n; j++) {
        if (unchecked(o.keys[j]) == k) {
          duplicates = true;
          break;
        }
      }
    }
    if (!duplicates) {
      this.keys = o.keys;
      this.values = o.items;
    } else {
      const last = new Map<string, i32>();
      for (let i = 0; i < n; i++) last.set(unchecked(o.keys[i]), i);
      const keys = new Array<string>();
      const values = new Array<JsonValue>();
      const index = new Map<string, i32>();
      for (let i = 0; i < n; i++) {
        const k = unchecked(o.keys[i]);
        if (last.get(k) != i) continue;
        index.set(k, keys.length);
        keys.push(k);
        values.push(unchecked(o.items[i]));
      }
      this.keys = keys;
      this.values = values;
      this.index = index;
    }
  }

  indexOf(k: string): i32 {
    const index = this.index;
    if (index !== null) return index.has(k) ? index.get(k) : -1;
    for (let i = 0; i < this.keys.length; i++) if (unchecked(this.keys[i]) == k) return i;
    return -1;
  }
}

function kindBits(v: JsonValue): i32 {
  switch (v.kind) {
    case JsonKind.NULL:
      return T_NULL;
    case JsonKind.BOOL:
      return T_BOOLEAN;
    case JsonKind.OBJECT:
      return T_OBJECT;
    case JsonKind.ARRAY:
      return T_ARRAY;
    case JsonKind.STRING:
      return T_STRING;
    default:
      return T_NUMBER;
  }
}

function kindName(v: JsonValue): string {
  switch (v.kind) {
    case JsonKind.NULL:
      return "null";
    case JsonKind.BOOL:
      return "boolean";
    case JsonKind.OBJECT:
      return "object";
    case JsonKind.ARRAY:
      return "array";
    case JsonKind.STRING:
      return "string";
    default:
      return isIntegerNumber(v) ? "integer" : "number";
  }
}

function typeNames(bits: i32): string {
  const names = ["null", "boolean", "object", "array", "number", "string", "integer"];
  let out = "";
  for (let i = 0; i < names.length; i++) {
    if ((bits & (1 << i)) == 0) continue;
    if (out.length) out += " or ";
    out += names[i];
  }
  return out;
}

/** Code points of a string (a surrogate pair counts once), as JSON Schema counts length. */
function codePoints(s: string): i64 {
  let n: i64 = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function escapePointer(k: string): string {
  if (k.indexOf("~") < 0 && k.indexOf("/") < 0) return k;
  return k.replaceAll("~", "~0").replaceAll("/", "~1");
}

class JsonValidator {
  work: i64 = 0;
  budget: i64;
  reason: string = "";
  aborted: bool = false;
  /** The instance path: keys, or array indexes (keys[i] unused when index >= 0). */
  pathKeys: Array<string> = [];
  pathIndexes: Array<i32> = [];

  constructor(budget: i64) {
    this.budget = budget;
  }

  pointer(): string {
    let p = "";
    for (let i = 0; i < this.pathKeys.length; i++) {
      const index = unchecked(this.pathIndexes[i]);
      p += "/" + (index >= 0 ? index.toString() : escapePointer(unchecked(this.pathKeys[i])));
    }
    return p;
  }

  fail(report: bool, msg: string): i32 {
    if (report && this.reason.length == 0) {
      const p = this.pointer();
      this.reason = p.length ? p + ": " + msg : msg;
    }
    return INVALID;
  }

  abort(msg: string): i32 {
    if (!this.aborted) {
      this.aborted = true;
      const p = this.pointer();
      this.reason = p.length ? p + ": " + msg : msg;
    }
    return INVALID;
  }

  tick(n: i64): bool {
    this.work += n;
    if (this.work > this.budget) {
      this.abort("validation too costly (over " + this.budget.toString() + " steps)");
      return false;
    }
    return true;
  }

  pushKey(k: string): void {
    this.pathKeys.push(k);
    this.pathIndexes.push(-1);
  }

  pushIndex(i: i32): void {
    this.pathKeys.push("");
    this.pathIndexes.push(i);
  }

  pop(): void {
    this.pathKeys.pop();
    this.pathIndexes.pop();
  }

  /** Deep equality of JSON values, numbers compared as decimals. */
  equal(a: JsonValue, b: JsonValue): bool {
    if (!this.tick(1)) return false;
    if (a.kind != b.kind) return false;
    switch (a.kind) {
      case JsonKind.NULL:
        return true;
      case JsonKind.BOOL:
        return a.boolValue == b.boolValue;
      case JsonKind.STRING:
        return a.text == b.text;
      case JsonKind.NUMBER:
        return a.text == b.text || compareDecimal(decimalOf(a.text), decimalOf(b.text)) == 0;
      case JsonKind.ARRAY: {
        if (a.items.length != b.items.length) return false;
        for (let i = 0; i < a.items.length; i++) if (!this.equal(unchecked(a.items[i]), unchecked(b.items[i]))) return false;
        return true;
      }
      default: {
        const ma = new Members(a);
        const mb = new Members(b);
        if (!this.tick(<i64>(a.keys.length + b.keys.length))) return false;
        if (ma.keys.length != mb.keys.length) return false;
        for (let i = 0; i < ma.keys.length; i++) {
          const j = mb.indexOf(unchecked(ma.keys[i]));
          if (j < 0 || !this.equal(unchecked(ma.values[i]), unchecked(mb.values[j]))) return false;
        }
        return true;
      }
    }
  }

  /** VALID, INVALID or UNKNOWN; with report, the first failure's reason is kept. */
  check(n: SchemaNode, v: JsonValue, depth: i32, report: bool): i32 {
    if (this.aborted) return INVALID;
    if (!this.tick(1)) return INVALID;
    if (depth > MAX_JSON_SCHEMA_DEPTH) return this.abort("schema recursion deeper than " + MAX_JSON_SCHEMA_DEPTH.toString());
    if (n.always == 1) return VALID;
    if (n.always == -1) return this.fail(report, "no value is allowed here (schema false)");
    let result = n.unsupported || n.refUnknown ? UNKNOWN : VALID;

    if (n.types != 0) {
      const bits = kindBits(v);
      let ok = (n.types & bits) != 0;
      if (!ok && bits == T_NUMBER && (n.types & T_INTEGER) != 0) ok = isIntegerNumber(v);
      if (!ok) return this.fail(report, "expected " + typeNames(n.types) + ", got " + kindName(v));
    }

    const ref = n.ref;
    if (ref !== null) {
      const r = this.check(ref, v, depth + 1, report);
      if (r == INVALID) return INVALID;
      if (r == UNKNOWN) result = UNKNOWN;
    }

    const constValue = n.constValue;
    if (constValue !== null && !this.equal(v, constValue)) {
      if (this.aborted) return INVALID;
      return this.fail(report, "does not equal the const value");
    }
    const enumValues = n.enumValues;
    if (enumValues !== null) {
      let found = false;
      for (let i = 0; i < enumValues.length && !found; i++) found = this.equal(v, unchecked(enumValues[i]));
      if (this.aborted) return INVALID;
      if (!found) return this.fail(report, "is not one of the enum values");
    }

    if (v.kind == JsonKind.NUMBER) {
      const r = this.numberChecks(n, v, report);
      if (r == INVALID) return INVALID;
    } else if (v.kind == JsonKind.STRING) {
      if (n.minLength >= 0 || n.maxLength >= 0) {
        if (!this.tick(<i64>(v.text.length >> 4))) return INVALID;
        const len = codePoints(v.text);
        if (n.minLength >= 0 && len < n.minLength)
          return this.fail(report, "string of " + len.toString() + " characters is shorter than minLength " + n.minLength.toString());
        if (n.maxLength >= 0 && len > n.maxLength)
          return this.fail(report, "string of " + len.toString() + " characters is longer than maxLength " + n.maxLength.toString());
      }
    } else if (v.kind == JsonKind.ARRAY) {
      const r = this.arrayChecks(n, v, depth, report);
      if (r == INVALID) return INVALID;
      if (r == UNKNOWN) result = UNKNOWN;
    } else if (v.kind == JsonKind.OBJECT) {
      const r = this.objectChecks(n, v, depth, report);
      if (r == INVALID) return INVALID;
      if (r == UNKNOWN) result = UNKNOWN;
    }

    for (let i = 0; i < n.allOf.length; i++) {
      const r = this.check(unchecked(n.allOf[i]), v, depth + 1, report);
      if (r == INVALID) return INVALID;
      if (r == UNKNOWN) result = UNKNOWN;
    }
    if (n.anyOf.length) {
      let best = INVALID;
      for (let i = 0; i < n.anyOf.length && best != VALID; i++) {
        const r = this.check(unchecked(n.anyOf[i]), v, depth + 1, false);
        if (this.aborted) return INVALID;
        if (r == VALID) best = VALID;
        else if (r == UNKNOWN) best = UNKNOWN;
      }
      if (best == INVALID) return this.fail(report, "matches none of anyOf");
      if (best == UNKNOWN) result = UNKNOWN;
    }
    if (n.oneOf.length) {
      let valid = 0;
      let unknown = 0;
      for (let i = 0; i < n.oneOf.length && valid < 2; i++) {
        const r = this.check(unchecked(n.oneOf[i]), v, depth + 1, false);
        if (this.aborted) return INVALID;
        if (r == VALID) valid++;
        else if (r == UNKNOWN) unknown++;
      }
      if (valid >= 2) return this.fail(report, "matches more than one of oneOf");
      if (valid == 0 && unknown == 0) return this.fail(report, "matches none of oneOf");
      if (unknown > 0) result = UNKNOWN;
    }
    const not = n.not;
    if (not !== null) {
      const r = this.check(not, v, depth + 1, false);
      if (this.aborted) return INVALID;
      if (r == VALID) return this.fail(report, "matches the schema of not");
      if (r == UNKNOWN) result = UNKNOWN;
    }
    return result;
  }

  numberChecks(n: SchemaNode, v: JsonValue, report: bool): i32 {
    if (n.minimum === null && n.maximum === null && n.exclusiveMinimum === null && n.exclusiveMaximum === null) return VALID;
    const d = decimalOf(v.text);
    const minimum = n.minimum;
    if (minimum !== null) {
      const c = compareDecimal(d, minimum);
      if (n.minimumExclusive ? c <= 0 : c < 0)
        return this.fail(report, v.text + " is less than " + (n.minimumExclusive ? "or equal to exclusive minimum " : "minimum ") + n.minimumText);
    }
    const maximum = n.maximum;
    if (maximum !== null) {
      const c = compareDecimal(d, maximum);
      if (n.maximumExclusive ? c >= 0 : c > 0)
        return this.fail(report, v.text + " is greater than " + (n.maximumExclusive ? "or equal to exclusive maximum " : "maximum ") + n.maximumText);
    }
    const exclusiveMinimum = n.exclusiveMinimum;
    if (exclusiveMinimum !== null && compareDecimal(d, exclusiveMinimum) <= 0)
      return this.fail(report, v.text + " is less than or equal to exclusive minimum " + n.exclusiveMinimumText);
    const exclusiveMaximum = n.exclusiveMaximum;
    if (exclusiveMaximum !== null && compareDecimal(d, exclusiveMaximum) >= 0)
      return this.fail(report, v.text + " is greater than or equal to exclusive maximum " + n.exclusiveMaximumText);
    return VALID;
  }

  arrayChecks(n: SchemaNode, v: JsonValue, depth: i32, report: bool): i32 {
    const len = <i64>v.items.length;
    if (n.minItems >= 0 && len < n.minItems)
      return this.fail(report, "array of " + len.toString() + " items is shorter than minItems " + n.minItems.toString());
    if (n.maxItems >= 0 && len > n.maxItems)
      return this.fail(report, "array of " + len.toString() + " items is longer than maxItems " + n.maxItems.toString());
    let result = VALID;
    const prefix = n.prefixItems;
    const rest = n.items;
    if (prefix.length == 0 && rest === null) return VALID;
    for (let i = 0; i < v.items.length; i++) {
      let s: SchemaNode | null = i < prefix.length ? unchecked(prefix[i]) : rest;
      if (s === null) break;
      if (s.always == -1 && i >= prefix.length) {
        // items false after the prefix, or additionalItems false: too many items.
        return this.fail(report, "array of " + len.toString() + " items has more than the " + prefix.length.toString() + " allowed");
      }
      this.pushIndex(i);
      const r = this.check(s, unchecked(v.items[i]), depth + 1, report);
      this.pop();
      if (r == INVALID) return INVALID;
      if (r == UNKNOWN) result = UNKNOWN;
    }
    return result;
  }

  objectChecks(n: SchemaNode, v: JsonValue, depth: i32, report: bool): i32 {
    const props = n.properties;
    const additional = n.additionalProperties;
    if (n.required.length == 0 && props === null && additional === null) return VALID;
    if (!this.tick(<i64>v.keys.length)) return INVALID;
    const m = new Members(v);
    for (let i = 0; i < n.required.length; i++) {
      const k = unchecked(n.required[i]);
      if (m.indexOf(k) < 0) return this.fail(report, "missing required property \"" + k + "\"");
    }
    let result = VALID;
    for (let i = 0; i < m.keys.length; i++) {
      const k = unchecked(m.keys[i]);
      let s: SchemaNode | null = null;
      if (props !== null && props.has(k)) s = props.get(k);
      else if (additional !== null) {
        // Under patternProperties a property outside `properties` may match a pattern, and
        // then additionalProperties does not apply: undecidable here (already unknown).
        if (n.patternProperties) continue;
        if (additional.always == -1) return this.fail(report, "property \"" + k + "\" is not allowed");
        s = additional;
      }
      if (s === null) continue;
      this.pushKey(k);
      const r = this.check(s, unchecked(m.values[i]), depth + 1, report);
      this.pop();
      if (r == INVALID) return INVALID;
      if (r == UNKNOWN) result = UNKNOWN;
    }
    return result;
  }
}

let lastWork: i64 = 0;

/** Steps (subschema checks, equality steps) of the last validation: its work, bounded by the payload's size. */
export function jsonSchemaLastWork(): i64 {
  return lastWork;
}

/**
 * Validates a parsed JSON value: "" when valid (or when only keywords not evaluated here
 * could refuse it), else a short reason with the JSON pointer of the failing value, as
 * "/items/2/price: 5 is less than minimum 10". sizeHint scales the work allowed.
 */
export function jsonSchemaValidateValue(schema: JsonSchema, value: JsonValue, sizeHint: i32 = 0): string {
  lastWork = 0;
  if (!schema.ok()) return "schema did not compile: " + schema.error;
  const v = new JsonValidator(JSON_BASE_WORK + JSON_WORK_PER_BYTE * <i64>max(sizeHint, 0));
  const r = v.check(schema.root, value, 0, true);
  lastWork = v.work;
  if (r == INVALID) return v.reason.length ? v.reason : "invalid";
  return "";
}

/**
 * Validates bytes [start, end) as a UTF-8 JSON document against the schema: "" when valid,
 * else a short reason (invalid UTF-8, invalid JSON, or the first failing keyword with its
 * JSON pointer). Never traps; work is bounded by the payload's size.
 */
export function jsonSchemaValidate(schema: JsonSchema, bytes: Uint8Array, start: i32, end: i32): string {
  lastWork = 0;
  if (!schema.ok()) return "schema did not compile: " + schema.error;
  if (start < 0 || end > bytes.length || start > end) return "payload bounds out of range";
  if (!isUtf8(bytes, start, end)) return "payload is not valid UTF-8";
  const text = decodeUtf8(bytes, start, end);
  const value = parseJson(text, MAX_JSON_PAYLOAD_DEPTH);
  if (value === null) return "payload is not valid JSON (or nests deeper than " + MAX_JSON_PAYLOAD_DEPTH.toString() + ")";
  return jsonSchemaValidateValue(schema, value, end - start);
}
