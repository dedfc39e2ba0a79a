// Writes tests/fixtures/schema/json_vectors.ts for tests/unit/schema_json.spec.ts: JSON
// Schemas (draft-07 compiled by Ajv, 2020-12 by Ajv2020) with ajv's verdict on compiling
// them, and UTF-8 payloads with ajv's verdict: valid and invalid documents written here for
// each keyword, bytes that are not UTF-8 or not JSON (TextDecoder in fatal mode and JSON.parse
// decide those, as a JSON deserializer would), and seeded random mutations of the documents.
// When ajv reports exactly one error, its instance path is kept: the filter's reason must
// name the same place.
// A schema is "exact" when every assertion keyword it uses is one the filter evaluates
// (docs/schemas.md); for the others only ajv's "valid" verdicts must be matched (the filter
// never refuses what a complete validator accepts, and may let through what it refuses).
//   node --import tsx tests/fixture-gen/schema/json_vectors.ts [OUTPUT]
import { writeFileSync } from "node:fs";
import { hex, load, mutate, q, Rng } from "./lib.ts";

const OUT = process.argv[2] ?? "tests/fixtures/schema/json_vectors.ts";
const MUTANTS_PER_PAYLOAD = 12;

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
}
interface Validate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface Ajv {
  compile(schema: unknown): Validate;
}
type AjvClass = new (opts: Record<string, unknown>) => Ajv;

const Ajv07 = load<{ default: AjvClass }>("ajv").default;
const Ajv2020 = load<{ default: AjvClass }>("ajv/dist/2020.js").default;

/** Assertion keywords the filter does not evaluate. */
const UNEVALUATED = new Set([
  "pattern",
  "format",
  "multipleOf",
  "uniqueItems",
  "contains",
  "minContains",
  "maxContains",
  "propertyNames",
  "dependencies",
  "dependentRequired",
  "dependentSchemas",
  "if",
  "minProperties",
  "maxProperties",
  "patternProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "$dynamicRef",
  "$recursiveRef",
]);
/** Keywords whose value maps names to schemas, and keywords whose value is data. */
const NAME_MAPS = new Set(["properties", "$defs", "definitions", "patternProperties", "dependentSchemas"]);
const DATA = new Set(["enum", "const", "default", "examples"]);

function exact(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.every(exact);
  if (schema === null || typeof schema !== "object") return true;
  for (const [k, v] of Object.entries(schema)) {
    if (UNEVALUATED.has(k)) return false;
    if (DATA.has(k)) continue;
    if (NAME_MAPS.has(k) && v !== null && typeof v === "object") {
      if (!Object.values(v).every(exact)) return false;
    } else if (!exact(v)) return false;
  }
  return true;
}

interface SchemaSpec {
  name: string;
  draft: "07" | "2020";
  schema: unknown;
  /** Documents as JSON text (some deliberately not JSON). */
  payloads: string[];
  /** Raw payload bytes (hex) beside the texts. */
  raw?: string[];
}

const D07 = "http://json-schema.org/draft-07/schema#";
const D2020 = "https://json-schema.org/draft/2020-12/schema";

const ORDER = {
  $schema: D07,
  title: "com.example.Order",
  type: "object",
  properties: {
    id: { type: "integer", minimum: 1 },
    customer: { $ref: "#/definitions/customer" },
    items: { type: "array", minItems: 1, maxItems: 5, items: { $ref: "#/definitions/item" } },
    status: { enum: ["NEW", "PAID", null, 1.5, { a: [1, 2] }] },
    note: { type: ["string", "null"], maxLength: 10 },
    version: { const: 2 },
    ratio: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
  },
  required: ["id", "customer", "items"],
  additionalProperties: false,
  definitions: {
    customer: {
      type: "object",
      properties: { name: { type: "string", minLength: 1 }, email: { type: "string" } },
      required: ["name"],
    },
    item: {
      type: "object",
      properties: {
        sku: { type: "string", minLength: 2, maxLength: 8 },
        price: { type: "number", minimum: 10, maximum: 1e6 },
        qty: { type: "integer", minimum: 1 },
      },
      required: ["sku", "price"],
      additionalProperties: { type: "string" },
    },
  },
};

const order = (o: Record<string, unknown>): string =>
  JSON.stringify({ id: 7, customer: { name: "Ada" }, items: [{ sku: "ab", price: 10 }], ...o });

const SCHEMAS: SchemaSpec[] = [
  {
    name: "Order (draft-07)",
    draft: "07",
    schema: ORDER,
    payloads: [
      order({}),
      order({ status: "PAID", note: null, version: 2, ratio: 0.5 }),
      order({ status: { a: [1, 2.0] }, note: "0123456789", version: 2.0 }),
      order({ status: 1.5, items: [{ sku: "ab", price: 10 }, { sku: "cd", price: 1e6, qty: 3, extra: "ok" }, { sku: "ef", price: 5 }] }),
      order({ items: [{ sku: "ab", price: 10, extra: 1 }] }),
      order({ items: [{ sku: "a", price: 10 }] }),
      order({ items: [{ sku: "abcdefghi", price: 10 }] }),
      order({ items: [{ sku: "ab", price: 10, qty: 1.5 }] }),
      order({ items: [{ sku: "ab", price: 10, qty: 0 }] }),
      order({ items: [{ sku: "ab", price: 1000001 }] }),
      order({ items: [{ sku: "ab" }] }),
      order({ items: [] }),
      order({ items: Array.from({ length: 6 }, () => ({ sku: "ab", price: 10 })) }),
      order({ id: 0 }),
      order({ id: 1.0 }),
      order({ id: 1e3 }),
      order({ id: "7" }),
      order({ customer: {} }),
      order({ customer: { name: "" } }),
      order({ customer: { name: "x", email: 5 } }),
      order({ status: "SHIPPED" }),
      order({ status: { a: [2, 1] } }),
      order({ note: "01234567890" }),
      order({ note: 5 }),
      order({ version: 3 }),
      order({ ratio: 0 }),
      order({ ratio: 1 }),
      order({ ratio: 1e-9 }),
      order({ unexpected: true }),
      '{"id": 7, "customer": {"name": "Ada"}}',
      "[]",
      "null",
      '{"id":7,"customer":{"name":"Ada"},"items":[{"sku":"ab","price":10}],"id":"dup"}',
      '{"id":"dup","customer":{"name":"Ada"},"items":[{"sku":"ab","price":10}],"id":7}',
    ],
  },
  {
    name: "combinators and recursion (2020-12)",
    draft: "2020",
    schema: {
      $schema: D2020,
      title: "Combined",
      $defs: {
        pos: { type: "number", minimum: 0 },
        str: { type: "string" },
        tree: {
          type: "object",
          properties: { v: { type: "integer" }, kids: { type: "array", items: { $ref: "#/$defs/tree" } } },
          additionalProperties: false,
        },
      },
      type: "object",
      properties: {
        a: { allOf: [{ $ref: "#/$defs/pos" }, { maximum: 100 }] },
        b: { anyOf: [{ $ref: "#/$defs/str" }, { type: "integer" }] },
        c: { oneOf: [{ type: "integer" }, { type: "number", minimum: 5 }] },
        d: { not: { type: "null" } },
        e: { type: "array", prefixItems: [{ type: "string" }, { type: "boolean" }], items: false },
        f: { type: "array", prefixItems: [{ const: "x" }], items: { type: "integer" } },
        g: true,
        h: false,
        i: { $ref: "#/$defs/tree" },
      },
    },
    payloads: [
      "{}",
      '{"a": 0, "b": "s", "c": 1, "d": 0, "e": ["x", true], "f": ["x", 1, 2], "g": [null], "i": {"v": 1, "kids": [{"v": 2, "kids": []}, {}]}}',
      '{"a": 100.0}',
      '{"a": -1}',
      '{"a": 101}',
      '{"b": 1}',
      '{"b": 1.5}',
      '{"b": null}',
      '{"c": 4.5}',
      '{"c": 5.5}',
      '{"c": 6}',
      '{"d": null}',
      '{"d": false}',
      '{"e": ["x"]}',
      '{"e": ["x", true, 1]}',
      '{"e": [1, true]}',
      '{"f": ["y"]}',
      '{"f": ["x", 1.5]}',
      '{"f": []}',
      '{"h": 1}',
      '{"i": {"kids": [{"kids": [{"v": "deep"}]}]}}',
      '{"i": {"kids": [{"kids": [{"w": 1}]}]}}',
      '{"i": {"v": 1, "kids": {"0": {}}}}',
    ],
  },
  {
    name: "pointer escapes, anchors and ids (2020-12)",
    draft: "2020",
    schema: {
      $schema: D2020,
      $defs: {
        "a/b": { type: "string" },
        "c~d": { type: "integer" },
        "e%f": { type: "boolean" },
        n: { $anchor: "num", type: "number" },
        list: { type: "array", prefixItems: [{ type: "null" }] },
      },
      properties: {
        x: { $ref: "#/$defs/a~1b" },
        y: { $ref: "#/$defs/c~0d" },
        z: { $ref: "#/$defs/e%25f" },
        w: { $ref: "#num" },
        v: { $ref: "#/$defs/list/prefixItems/0" },
        "s/l~sh": { maxLength: 1 },
      },
    },
    payloads: [
      '{"x": "s", "y": 1, "z": true, "w": 1.5, "v": null, "s/l~sh": "a"}',
      '{"x": 1}',
      '{"y": "1"}',
      '{"z": 0}',
      '{"w": "n"}',
      '{"v": 0}',
      '{"s/l~sh": "ab"}',
    ],
  },
  {
    name: "ids and tuple items (draft-07)",
    draft: "07",
    schema: {
      $schema: D07,
      $id: "http://example.com/root.json",
      definitions: {
        A: { $id: "#foo", type: "integer" },
        B: { $id: "b.json", type: "string", definitions: { inner: { type: "boolean" } }, properties: { in: { $ref: "#/definitions/inner" } } },
      },
      type: "object",
      properties: {
        x: { $ref: "#foo" },
        y: { $ref: "b.json" },
        z: { $ref: "http://example.com/b.json" },
        w: { $ref: "http://example.com/root.json#/definitions/A" },
        t: { type: "array", items: [{ type: "integer" }, { type: "string" }], additionalItems: { type: "boolean" } },
        u: { type: "array", items: [{ type: "integer" }], additionalItems: false },
      },
    },
    payloads: [
      '{"x": 1, "y": "s", "z": "s", "w": 2, "t": [1, "a", true, false], "u": [1]}',
      '{"x": "1"}',
      '{"y": 1}',
      '{"z": 1}',
      '{"w": 1.5}',
      '{"t": [1]}',
      '{"t": ["1"]}',
      '{"t": [1, "a", 0]}',
      '{"u": [1, 2]}',
      '{"u": []}',
    ],
  },
  {
    name: "types, integers and numbers",
    draft: "07",
    schema: { type: ["integer", "string"], minLength: 2, minimum: -1.5, maximum: 10 },
    payloads: ["5", "5.0", "5.5", "1e1", "1.0e1", "1E+1", "10.000", "10.0000001", "11", "-1", "-1.5", "-2", "-0", "0.0", "\"ab\"", "\"a\"", "null", "true", "[]", "{}", "100e-1", "2.5e-1"],
  },
  {
    name: "number bounds",
    draft: "2020",
    schema: { $schema: D2020, type: "number", minimum: -1.5, exclusiveMinimum: -2, maximum: 1e2, exclusiveMaximum: 100.5 },
    payloads: ["-1.5", "-1.50001", "-1.49999", "100", "1e2", "100.0", "100.4999", "1E2", "0", "12345678901234567890", "-12345678901234567890", "1e-400", "-1e-400"],
  },
  {
    name: "string lengths in code points",
    draft: "2020",
    schema: { $schema: D2020, type: "string", minLength: 2, maxLength: 3 },
    payloads: ['"😀😀"', '"😀😀😀😀"', '"é"', '"éé"', '"\\u00e9\\u00e9\\u00e9"', '"\\ud83d\\ude00"', '"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00"', '"abcd"', '""'],
  },
  {
    name: "enum and const, deep equality",
    draft: "2020",
    schema: { $schema: D2020, type: "object", properties: { e: { enum: [{ a: 1, b: [true, null] }, [1, 2, { c: "d" }], "x", 0] }, k: { const: { z: [1, { y: 2 }] } } } },
    payloads: [
      '{"e": {"b": [true, null], "a": 1.0}}',
      '{"e": {"a": 1}}',
      '{"e": {"a": 1, "b": [true, null], "c": 1}}',
      '{"e": [1, 2, {"c": "d"}]}',
      '{"e": [1, 2, {"c": "e"}]}',
      '{"e": 0.0}',
      '{"e": -0}',
      '{"e": 0e5}',
      '{"e": "x"}',
      '{"e": "y"}',
      '{"e": false}',
      '{"k": {"z": [1, {"y": 2}]}}',
      '{"k": {"z": [1, {"y": 2.0}]}}',
      '{"k": {"z": [1, {"y": 3}]}}',
      '{"k": {"z": [1]}}',
      '{"e": {"a": 1, "a": 2, "b": [true, null], "a": 1}}',
    ],
  },
  {
    name: "additionalProperties schema",
    draft: "07",
    schema: { type: "object", properties: { a: {} }, additionalProperties: { type: "integer" } },
    payloads: ['{"a": "anything", "b": 1, "c": 2}', '{"b": 1.5}', '{"a": null}', '{"c": "x"}', "[1]", '"s"'],
  },
  {
    name: "recursion through the root (draft-07)",
    draft: "07",
    schema: { type: "object", properties: { child: { $ref: "#" }, n: { type: "integer" } }, additionalProperties: false },
    payloads: [
      '{"n": 1, "child": {"n": 2, "child": {"child": {"child": {"child": {"child": {"child": {"n": 3}}}}}}}}',
      '{"child": {"child": {"child": {"child": {"child": {"child": {"n": 3.5}}}}}}}',
      '{"child": {"child": {"x": 1}}}',
      '{"child": 1}',
    ],
  },
  { name: "schema true", draft: "2020", schema: true, payloads: ["1", '"x"', "null", '{"a": [1]}'] },
  { name: "schema false", draft: "2020", schema: false, payloads: ["1", "null", "{}"] },
  { name: "empty schema", draft: "07", schema: {}, payloads: ["1", "[[[[]]]]"] },
  {
    name: "syntax: bytes that are not UTF-8 or not JSON",
    draft: "07",
    schema: { type: "object" },
    payloads: ["{}", "", " ", "{", "{}}", '{"a":1,}', "[01]", "NaN", "{'a': 1}", '{"a": "\u0001"}', '{"a": "\\x"}', '{"a" 1}', "1 2", '{"a": tru}', " {} \n", '"\\ud800"'],
    raw: ["efbbbf7b7d", "7b2261223a2280227d", "7b2261223a22c0af227d", "7b2261223a22eda080227d", "7b2261223a22f4908080227d", "7b2261223a22e282227d", "ff", "7b7d00"],
  },
  // Schemas with keywords the filter does not evaluate (not exact): ajv's "valid" must be kept.
  {
    name: "not and oneOf over unevaluated keywords",
    draft: "2020",
    schema: {
      $schema: D2020,
      properties: {
        p: { not: { type: "string", pattern: "^a" } },
        f: { oneOf: [{ type: "string", format: "email" }, { type: "string", maxLength: 3 }] },
        m: { not: { multipleOf: 3 } },
        u: { type: "array", uniqueItems: true, maxItems: 3 },
        o: { type: "object", patternProperties: { "^x": { type: "integer" } }, additionalProperties: false },
        c: { if: { type: "integer" }, then: { minimum: 1 }, else: { type: "string" } },
      },
    },
    payloads: [
      '{"p": "xyz"}',
      '{"p": "abc"}',
      '{"p": 1}',
      '{"f": "abcdef"}',
      '{"f": "ab"}',
      '{"m": 4}',
      '{"m": 6}',
      '{"u": [1, 2]}',
      '{"u": [1, 1]}',
      '{"u": [1, 2, 3, 4]}',
      '{"o": {"x1": 1}}',
      '{"o": {"x1": "s"}}',
      '{"o": {"y": 1}}',
      '{"c": 0}',
      '{"c": "s"}',
      '{"c": true}',
    ],
  },
];

// Schemas ajv refuses to compile; the filter must refuse them too.
const BAD_SCHEMAS: { name: string; draft: "07" | "2020"; schema: unknown }[] = [
  { name: "unknown type", draft: "07", schema: { type: "strng" } },
  { name: "type not a string", draft: "07", schema: { type: 5 } },
  { name: "$ref to nothing", draft: "07", schema: { properties: { a: { $ref: "#/definitions/missing" } } } },
  { name: "$ref to a missing anchor", draft: "2020", schema: { $schema: D2020, items: { $ref: "#nope" } } },
  { name: "negative minLength", draft: "07", schema: { minLength: -1 } },
  { name: "fractional maxItems", draft: "2020", schema: { $schema: D2020, maxItems: 1.5 } },
  { name: "enum not an array", draft: "07", schema: { enum: "a" } },
  { name: "empty allOf", draft: "07", schema: { allOf: [] } },
  { name: "properties not an object", draft: "2020", schema: { $schema: D2020, properties: [] } },
  { name: "minimum not a number", draft: "07", schema: { minimum: "1" } },
  { name: "a subschema that is a number", draft: "07", schema: { properties: { a: 1 } } },
];

function ajvFor(draft: "07" | "2020", allErrors: boolean): Ajv {
  return new (draft === "2020" ? Ajv2020 : Ajv07)({ strict: false, validateFormats: false, allErrors });
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

interface Verdict {
  valid: boolean;
  why: string;
  pointer: string;
  hasPointer: boolean;
}

function verdict(first: Validate, all: Validate, bytes: Buffer): Verdict {
  let text: string;
  try {
    text = fatalUtf8.decode(bytes);
  } catch {
    return { valid: false, why: "not UTF-8 (TextDecoder fatal)", pointer: "", hasPointer: false };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { valid: false, why: `JSON.parse: ${(e as Error).message}`, pointer: "", hasPointer: false };
  }
  if (first(data)) return { valid: true, why: "", pointer: "", hasPointer: false };
  const e = first.errors?.[0];
  all(data);
  const errors = all.errors ?? [];
  const single = errors.length === 1;
  return {
    valid: false,
    why: e ? `${e.instancePath || "(root)"} ${e.keyword}: ${e.message ?? ""}` : "invalid",
    pointer: single ? errors[0].instancePath : "",
    hasPointer: single,
  };
}

const lines: string[] = [];
lines.push("// Generated by tests/fixture-gen/schema/json_vectors.ts with ajv 8.20.0; do not edit.");
lines.push("// Verdicts: TextDecoder (fatal) for UTF-8, JSON.parse for syntax, then ajv (Ajv for draft-07,");
lines.push("// Ajv2020 for 2020-12; strict off, formats not validated). Payloads in hex.");
lines.push("");
lines.push("export class JsonSchemaCase {");
lines.push("  constructor(");
lines.push("    public name: string,");
lines.push("    public schema: string,");
lines.push("    /** Every assertion keyword in it is one the filter evaluates. */");
lines.push("    public exact: bool,");
lines.push("    /** The root's title (RecordNameStrategy). */");
lines.push("    public title: string,");
lines.push("  ) {}");
lines.push("}");
lines.push("");
lines.push("export class JsonBadSchemaCase {");
lines.push("  constructor(public name: string, public schema: string, public ajvError: string) {}");
lines.push("}");
lines.push("");
lines.push("export class JsonPayloadCase {");
lines.push("  constructor(");
lines.push("    public name: string,");
lines.push("    /** Index in JSON_SCHEMAS. */");
lines.push("    public schema: i32,");
lines.push("    public hex: string,");
lines.push("    public valid: bool,");
lines.push("    /** ajv's (or the decoder's) first error. */");
lines.push("    public why: string,");
lines.push("    /** When ajv (all errors) reports exactly one: its instance path. */");
lines.push("    public hasPointer: bool,");
lines.push("    public pointer: string,");
lines.push("  ) {}");
lines.push("}");
lines.push("");

lines.push("export const JSON_SCHEMAS: JsonSchemaCase[] = [");
for (const s of SCHEMAS) {
  const title = s.schema !== null && typeof s.schema === "object" && typeof (s.schema as { title?: unknown }).title === "string" ? (s.schema as { title: string }).title : "";
  lines.push(`  new JsonSchemaCase(${q(s.name)}, ${q(JSON.stringify(s.schema))}, ${exact(s.schema)}, ${q(title)}),`);
}
lines.push("];");
lines.push("");

lines.push("export const JSON_BAD_SCHEMAS: JsonBadSchemaCase[] = [");
for (const b of BAD_SCHEMAS) {
  let error = "";
  try {
    ajvFor(b.draft, false).compile(b.schema);
  } catch (e) {
    error = (e as Error).message;
  }
  if (error === "") throw new Error(`ajv compiles the bad schema '${b.name}'`);
  lines.push(`  new JsonBadSchemaCase(${q(b.name)}, ${q(JSON.stringify(b.schema))}, ${q(error.split("\n")[0])}),`);
}
lines.push("];");
lines.push("");

const rng = new Rng(7031);
let count = 0;
let valid = 0;
lines.push("export const JSON_PAYLOADS: JsonPayloadCase[] = [");
SCHEMAS.forEach((s, index) => {
  const first = ajvFor(s.draft, false).compile(s.schema);
  const all = ajvFor(s.draft, true).compile(s.schema);
  const seen = new Set<string>();
  const emit = (name: string, b: Buffer): void => {
    const h = hex(b);
    if (seen.has(h)) return;
    seen.add(h);
    const v = verdict(first, all, b);
    count++;
    if (v.valid) valid++;
    lines.push(`  new JsonPayloadCase(${q(name)}, ${index}, ${q(h)}, ${v.valid}, ${q(v.why)}, ${v.hasPointer}, ${q(v.pointer)}),`);
  };
  s.payloads.forEach((p, i) => emit(`${s.name} #${i}: ${p.length > 60 ? p.slice(0, 57) + "..." : p}`, Buffer.from(p, "utf8")));
  (s.raw ?? []).forEach((h) => emit(`${s.name}: bytes ${h}`, Buffer.from(h, "hex")));
  s.payloads.forEach((p, i) => {
    for (let m = 0; m < MUTANTS_PER_PAYLOAD; m++) emit(`${s.name} #${i}: mutation ${m}`, mutate(Buffer.from(p, "utf8"), rng));
  });
});
lines.push("];");
lines.push("");
writeFileSync(OUT, lines.join("\n"));
console.error(`wrote ${OUT}: ${SCHEMAS.length} schemas, ${BAD_SCHEMAS.length} refused ones, ${count} payloads (${valid} valid)`);
