// Writes tests/fixtures/schema/avro_vectors.ts for tests/unit/schema_avro.spec.ts: Avro
// schemas with avsc's verdict on parsing them (and the full name it gives the root), and
// payloads with the verdict of avsc's decoder (avsc_strict.ts: plain, and with the
// specification's binary rules avsc leaves unchecked): valid encodings written by avsc
// (toBuffer), arrays and maps written in several blocks and with negative counts (assembled
// here from avsc-encoded items), and invalid ones: every truncation, a trailing byte, bad union
// and enum indexes, bad UTF-8, booleans other than 0/1, over-long varints, wrong block sizes,
// and seeded random mutations.
//   node --import tsx tests/fixture-gen/schema/avro_vectors.ts [OUTPUT]
import { writeFileSync } from "node:fs";
import { avsc, plainVerdict, SkipVector, strictVerdict } from "./avsc_strict.ts";
import { hex, mutate, q, Rng } from "./lib.ts";

const OUT = process.argv[2] ?? "tests/fixtures/schema/avro_vectors.ts";
const MUTANTS_PER_VALUE = 40;

const long = avsc.Type.forSchema("long");
/** Avro's zig-zag varint of n, as avsc writes a long. */
const varint = (n: number): Buffer => long.toBuffer(n);

interface Crafted {
  name: string;
  bytes: Buffer;
}

interface SchemaSpec {
  name: string;
  schema: unknown;
  options?: Record<string, unknown>;
  values: unknown[];
  crafted?: () => Crafted[];
}

const ORDER = {
  type: "record",
  name: "Order",
  namespace: "com.example.shop",
  doc: "an order, with nested and referenced named types",
  fields: [
    { name: "id", type: "long" },
    {
      name: "customer",
      type: {
        type: "record",
        name: "Customer",
        fields: [
          { name: "name", type: "string" },
          { name: "email", type: ["null", "string"], default: null },
        ],
      },
    },
    { name: "billing", type: "Customer" },
    {
      name: "items",
      type: {
        type: "array",
        items: {
          type: "record",
          name: "LineItem",
          namespace: "com.example.catalog",
          fields: [
            { name: "sku", type: "string" },
            { name: "qty", type: "int" },
            { name: "price", type: { type: "bytes", logicalType: "decimal", precision: 10, scale: 2 } },
          ],
        },
      },
    },
    { name: "gift", type: ["null", "com.example.catalog.LineItem"] },
    { name: "status", type: { type: "enum", name: "Status", symbols: ["NEW", "PAID", "SHIPPED", "CANCELLED"] } },
    { name: "tags", type: { type: "map", values: "string" } },
    { name: "note", type: ["null", "string"] },
    { name: "checksum", type: { type: "fixed", name: "MD5", size: 16 } },
    { name: "flags", type: { type: "array", items: "boolean" } },
    { name: "weights", type: { type: "map", values: { type: "array", items: "double" } } },
  ],
};

const customer = (name: string, email: string | null) => ({ name, email });
const item = (sku: string, qty: number, cents: number) => ({ sku, qty, price: Buffer.from([cents >> 8, cents & 0xff]) });
const md5 = (seed: number) => Buffer.from(Array.from({ length: 16 }, (_, i) => (seed * 31 + i * 7) & 0xff));

const ORDERS = [
  {
    id: 1,
    customer: customer("Ada", "ada@example.com"),
    billing: customer("Ada", null),
    items: [item("apple", 3, 250), item("pear", 1, 1999)],
    gift: null,
    status: "PAID",
    tags: { channel: "web", région: "été" },
    note: null,
    checksum: md5(1),
    flags: [true, false, true],
    weights: { a: [1.5, -2.25], b: [] },
  },
  {
    id: -4503599627370496,
    customer: customer("", null),
    billing: customer("Zoë 🚀", "z@x"),
    items: [],
    gift: item("box", 1, 0),
    status: "CANCELLED",
    tags: {},
    note: "leave at the door",
    checksum: md5(2),
    flags: [],
    weights: {},
  },
  {
    id: 2147483648,
    customer: customer("x".repeat(70), "y".repeat(200)),
    billing: customer("b", null),
    items: Array.from({ length: 9 }, (_, i) => item(`sku-${i}`, i * 1000, i * 37)),
    gift: null,
    status: "NEW",
    tags: { k: "v".repeat(64) },
    note: "",
    checksum: md5(3),
    flags: [false],
    weights: { w: [0, Number.MAX_VALUE, Number.MIN_VALUE] },
  },
];

const NODE = {
  type: "record",
  name: "Node",
  namespace: "list",
  fields: [
    { name: "value", type: "int" },
    { name: "next", type: ["null", "Node"] },
  ],
};
const chain = (n: number): unknown => {
  let node: unknown = null;
  for (let i = n; i > 0; i--) node = { value: i * 7 - 20, next: node };
  return node;
};

const EVENT = {
  type: "record",
  name: "Event",
  namespace: "events.v1",
  fields: [
    { name: "day", type: { type: "int", logicalType: "date" } },
    { name: "tMs", type: { type: "int", logicalType: "time-millis" } },
    { name: "tUs", type: { type: "long", logicalType: "time-micros" } },
    { name: "tsMs", type: { type: "long", logicalType: "timestamp-millis" } },
    { name: "tsUs", type: { type: "long", logicalType: "timestamp-micros" } },
    { name: "ltsMs", type: { type: "long", logicalType: "local-timestamp-millis" } },
    { name: "ltsUs", type: { type: "long", logicalType: "local-timestamp-micros" } },
    { name: "id", type: { type: "string", logicalType: "uuid" } },
    { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 9, scale: 2 } },
    { name: "big", type: { type: "fixed", name: "Dec8", size: 8, logicalType: "decimal", precision: 18, scale: 4 } },
    { name: "wait", type: { type: "fixed", name: "Duration", size: 12, logicalType: "duration" } },
    { name: "maybeTs", type: ["null", { type: "long", logicalType: "timestamp-millis" }] },
  ],
};
const event = (seed: number, ts: number | null) => ({
  day: 19000 + seed,
  tMs: 3600000 * seed,
  tUs: 86399999999,
  tsMs: 1700000000000 + seed,
  tsUs: 1700000000000000 + seed,
  ltsMs: -1,
  ltsUs: 0,
  id: "123e4567-e89b-12d3-a456-42661417400" + seed,
  amount: Buffer.from([0x01, 0xe2, 0x40 + seed]),
  big: Buffer.from([0, 0, 0, 0, 0, 0, 0x30, 0x39 + seed]),
  wait: Buffer.from([1, 0, 0, 0, 2, 0, 0, 0, 0xe8, 0x03, 0, 0]),
  maybeTs: ts,
});

const BLOCKS = {
  type: "record",
  name: "Blocks",
  fields: [
    { name: "a", type: { type: "array", items: "int" } },
    { name: "m", type: { type: "map", values: "string" } },
    { name: "n", type: { type: "array", items: "null" } },
    { name: "after", type: "boolean" },
  ],
};

/** An array or map written in the given blocks: counts > 0 plain, < 0 with the byte size after. */
function blocks(parts: { count: number; items: Buffer[]; size?: number }[]): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) {
    const body = Buffer.concat(p.items);
    if (p.count < 0) out.push(varint(p.count), varint(p.size ?? body.length), body);
    else out.push(varint(p.count), body);
  }
  out.push(varint(0));
  return Buffer.concat(out);
}

function craftedBlocks(): Crafted[] {
  const int = avsc.Type.forSchema("int");
  const str = avsc.Type.forSchema("string");
  const ints = (xs: number[]) => xs.map((x) => int.toBuffer(x));
  const entry = (k: string, v: string) => Buffer.concat([str.toBuffer(k), str.toBuffer(v)]);
  const a = blocks([
    { count: 2, items: ints([1, -2]) },
    { count: -3, items: ints([300, 0, -70000]) },
    { count: 1, items: ints([2147483647]) },
  ]);
  const m = blocks([
    { count: -2, items: [entry("a", "x"), entry("bé", "yy")] },
    { count: 1, items: [entry("", "")] },
  ]);
  const n = blocks([
    { count: 5, items: [] },
    { count: -3, items: [], size: 0 },
  ]);
  const t1 = Buffer.from([1]);
  const out: Crafted[] = [
    { name: "blocks: arrays and maps in several blocks, negative counts with sizes", bytes: Buffer.concat([a, m, n, t1]) },
    {
      name: "blocks: a negative count's size one too large",
      bytes: Buffer.concat([blocks([{ count: -2, items: ints([5, 6]), size: 3 }]), m, n, t1]),
    },
    {
      name: "blocks: a negative count's size one too small",
      bytes: Buffer.concat([blocks([{ count: -2, items: ints([5, 6]), size: 1 }]), m, n, t1]),
    },
    {
      name: "blocks: a negative block size",
      bytes: Buffer.concat([blocks([{ count: -1, items: ints([5]), size: -1 }]), m, n, t1]),
    },
    {
      name: "blocks: map block size mismatch",
      bytes: Buffer.concat([a, blocks([{ count: -1, items: [entry("k", "v")], size: 2 }]), n, t1]),
    },
    { name: "blocks: count 2^40 of ints in a few bytes", bytes: Buffer.concat([varint(2 ** 40), int.toBuffer(1), varint(0), m, n, t1]) },
    { name: "blocks: count -2^40 of ints in a few bytes", bytes: Buffer.concat([varint(-(2 ** 40)), varint(1), int.toBuffer(1), varint(0), m, n, t1]) },
    { name: "blocks: 1000 nulls", bytes: Buffer.concat([varint(0), varint(0), varint(1000), varint(0), t1]) },
    { name: "blocks: boolean byte 2", bytes: Buffer.concat([a, m, n, Buffer.from([2])]) },
    { name: "blocks: boolean byte 0xff", bytes: Buffer.concat([a, m, n, Buffer.from([0xff])]) },
    {
      name: "blocks: map key not UTF-8",
      bytes: Buffer.concat([a, blocks([{ count: 1, items: [Buffer.concat([varint(2), Buffer.from([0xc3, 0x28]), str.toBuffer("v")])] }]), n, t1]),
    },
  ];
  return out;
}

const UNION_ALL = [
  "null",
  "boolean",
  "int",
  "string",
  { type: "array", items: "long" },
  { type: "map", values: "double" },
  { type: "record", name: "U", namespace: "u", fields: [{ name: "x", type: "int" }] },
  { type: "enum", name: "Color", namespace: "u", symbols: ["RED", "GREEN"] },
  { type: "fixed", name: "Two", namespace: "u", size: 2 },
];

const FAILURE = {
  type: "error",
  name: "Failure",
  namespace: "err",
  fields: [
    { name: "code", type: { type: "enum", name: "Code", symbols: ["A", "B", "C"] } },
    { name: "raw", type: { type: "fixed", name: "Raw", size: 3 } },
    { name: "empty", type: { type: "fixed", name: "Empty", size: 0 } },
    { name: "nothing", type: { type: "record", name: "Nothing", fields: [] } },
    { name: "f", type: "float" },
    { name: "d", type: "double" },
  ],
};

const SCHEMAS: SchemaSpec[] = [
  { name: "null", schema: "null", values: [null] },
  { name: "boolean", schema: "boolean", values: [true, false] },
  { name: "int", schema: "int", values: [0, -1, 1, 63, -64, 64, 2147483647, -2147483648] },
  { name: "long", schema: "long", values: [0, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 52, -(2 ** 52)] },
  { name: "float", schema: "float", values: [0, 1.5, -3.25, Infinity] },
  { name: "double", schema: "double", values: [0, Math.PI, -1e300, NaN] },
  { name: "bytes", schema: "bytes", values: [Buffer.alloc(0), Buffer.from([0, 1, 255]), Buffer.alloc(200, 7)] },
  { name: "string", schema: "string", values: ["", "héllo", "日本語🎉", "a".repeat(130)] },
  { name: "Order", schema: ORDER, values: ORDERS },
  { name: "Node (recursive)", schema: NODE, values: [chain(1), chain(3), chain(20)] },
  { name: "Event (logical types)", schema: EVENT, values: [event(1, null), event(2, 1700000000123)] },
  {
    name: "Blocks",
    schema: BLOCKS,
    values: [{ a: [], m: {}, n: [], after: false }, { a: [1, 2, 3], m: { x: "y" }, n: [null, null], after: true }],
    crafted: craftedBlocks,
  },
  {
    name: "union of every kind",
    schema: UNION_ALL,
    options: { wrapUnions: true },
    values: [
      null,
      { boolean: true },
      { int: -5 },
      { string: "s" },
      { array: [1, -1, 2 ** 40] },
      { map: { a: 1.5 } },
      { "u.U": { x: 3 } },
      { "u.Color": "GREEN" },
      { "u.Two": Buffer.from([1, 2]) },
    ],
  },
  {
    name: "Failure (error type)",
    schema: FAILURE,
    values: [
      { code: "A", raw: Buffer.from([1, 2, 3]), empty: Buffer.alloc(0), nothing: {}, f: 0.5, d: -0.25 },
      { code: "C", raw: Buffer.from([255, 0, 128]), empty: Buffer.alloc(0), nothing: {}, f: -1e10, d: 1e-300 },
    ],
  },
  { name: "array of maps", schema: { type: "array", items: { type: "map", values: "int" } }, values: [[], [{}], [{ a: 1, b: -1 }, { c: 2 }]] },
  { name: "enum Suit", schema: { type: "enum", name: "Suit", namespace: "cards", symbols: ["SPADES", "HEARTS", "DIAMONDS", "CLUBS"] }, values: ["SPADES", "CLUBS"] },
  { name: "fixed Id", schema: { type: "fixed", name: "Id", size: 4 }, values: [Buffer.from([1, 2, 3, 4])] },
  { name: "nullable string", schema: ["null", "string"], values: [null, "x", ""] },
];

// Parse-only cases: whether the schema parses (avsc's verdict, which must agree with the Avro
// specification: `spec`) and the root's full name avsc gives it.
const PARSE_CASES: { name: string; schema: unknown; spec: boolean }[] = [
  { name: "record in a namespace", schema: { type: "record", name: "R", namespace: "a.b", fields: [] }, spec: true },
  { name: "dotted name ignores the namespace attribute", schema: { type: "record", name: "x.y.R", namespace: "a.b", fields: [] }, spec: true },
  { name: "enum full name", schema: { type: "enum", name: "E", namespace: "n", symbols: ["A"] }, spec: true },
  { name: "fixed full name", schema: { type: "fixed", name: "F", namespace: "n.m", size: 1 }, spec: true },
  { name: "error type", schema: { type: "error", name: "Oops", fields: [] }, spec: true },
  { name: "nested type inherits the namespace", schema: { type: "record", name: "R", namespace: "ns", fields: [{ name: "a", type: { type: "enum", name: "E", symbols: ["X"] } }, { name: "b", type: "ns.E" }] }, spec: true },
  { name: "short reference in the namespace", schema: { type: "record", name: "R", namespace: "ns", fields: [{ name: "a", type: { type: "fixed", name: "F", size: 2 } }, { name: "b", type: "F" }] }, spec: true },
  { name: "namespace override for a nested type", schema: { type: "record", name: "R", namespace: "a", fields: [{ name: "a", type: { type: "record", name: "S", namespace: "b", fields: [] } }, { name: "b", type: "b.S" }] }, spec: true },
  { name: "logical type on the wrong type is ignored", schema: { type: "int", logicalType: "decimal", precision: 2 }, spec: true },
  { name: "unknown logical type is ignored", schema: { type: "string", logicalType: "what" }, spec: true },
  { name: "undefined name", schema: { type: "record", name: "R", fields: [{ name: "a", type: "Missing" }] }, spec: false },
  { name: "forward reference", schema: { type: "record", name: "R", fields: [{ name: "a", type: "S" }, { name: "b", type: { type: "record", name: "S", fields: [] } }] }, spec: false },
  { name: "duplicate field", schema: { type: "record", name: "R", fields: [{ name: "a", type: "int" }, { name: "a", type: "long" }] }, spec: false },
  { name: "invalid field name", schema: { type: "record", name: "R", fields: [{ name: "1a", type: "int" }] }, spec: false },
  { name: "nested union", schema: ["null", ["int"]], spec: false },
  { name: "duplicate union branch", schema: ["int", "int"], spec: false },
  { name: "two arrays in a union", schema: [{ type: "array", items: "int" }, { type: "array", items: "long" }], spec: false },
  { name: "a named type twice in a union", schema: [{ type: "fixed", name: "F", size: 1 }, "F"], spec: false },
  { name: "duplicate enum symbol", schema: { type: "enum", name: "E", symbols: ["A", "A"] }, spec: false },
  { name: "invalid enum symbol", schema: { type: "enum", name: "E", symbols: ["1A"] }, spec: false },
  { name: "invalid name", schema: { type: "record", name: "1R", fields: [] }, spec: false },
  { name: "invalid namespace", schema: { type: "record", name: "R", namespace: "1a", fields: [] }, spec: false },
  { name: "fixed without size", schema: { type: "fixed", name: "F" }, spec: false },
  { name: "fixed with negative size", schema: { type: "fixed", name: "F", size: -1 }, spec: false },
  { name: "array without items", schema: { type: "array" }, spec: false },
  { name: "map without values", schema: { type: "map" }, spec: false },
  { name: "record without fields", schema: { type: "record", name: "R" }, spec: false },
  { name: "redefined name", schema: [{ type: "record", name: "R", fields: [] }, { type: "record", name: "R", fields: [] }], spec: false },
  { name: "unknown type", schema: { type: "foo" }, spec: false },
  { name: "no type", schema: { name: "x" }, spec: false },
  { name: "unknown bare name", schema: "nonsense", spec: false },
];

function parseVerdict(schema: unknown): { ok: boolean; fullName: string; error: string } {
  try {
    const t = avsc.Type.forSchema(schema);
    const named = t.typeName === "record" || t.typeName === "error" || t.typeName === "enum" || t.typeName === "fixed";
    return { ok: true, fullName: named ? (t.name ?? "") : "", error: "" };
  } catch (e) {
    return { ok: false, fullName: "", error: (e as Error).message };
  }
}

const lines: string[] = [];
lines.push("// Generated by tests/fixture-gen/schema/avro_vectors.ts with avsc 5.7.9; do not edit.");
lines.push("// Verdicts: avsc's decoder, plain (`avsc`) and with the Avro specification's binary rules");
lines.push("// avsc leaves unchecked (`expected`; see tests/fixture-gen/schema/avsc_strict.ts). Payloads in hex.");
lines.push("");
lines.push("export class AvroSchemaCase {");
lines.push("  constructor(public name: string, public schema: string) {}");
lines.push("}");
lines.push("");
lines.push("export class AvroParseCase {");
lines.push("  constructor(");
lines.push("    public name: string,");
lines.push("    public schema: string,");
lines.push("    /** avsc parses it (and so does the specification). */");
lines.push("    public parses: bool,");
lines.push("    /** The root's full name as avsc gives it (\"\" for unnamed roots). */");
lines.push("    public fullName: string,");
lines.push("  ) {}");
lines.push("}");
lines.push("");
lines.push("export class AvroPayloadCase {");
lines.push("  constructor(");
lines.push("    public name: string,");
lines.push("    /** Index in AVRO_SCHEMAS. */");
lines.push("    public schema: i32,");
lines.push("    public hex: string,");
lines.push("    /** Valid by avsc with the specification's checks on. */");
lines.push("    public valid: bool,");
lines.push("    /** That decoder's error (\"\" when valid). */");
lines.push("    public why: string,");
lines.push("    /** Plain avsc's verdict: \"\" valid, else its error. */");
lines.push("    public avsc: string,");
lines.push("  ) {}");
lines.push("}");
lines.push("");

lines.push("export const AVRO_SCHEMAS: AvroSchemaCase[] = [");
for (const s of SCHEMAS) lines.push(`  new AvroSchemaCase(${q(s.name)}, ${q(JSON.stringify(s.schema))}),`);
lines.push("];");
lines.push("");

let strictOnly = 0;
lines.push("export const AVRO_PARSE_CASES: AvroParseCase[] = [");
for (const s of SCHEMAS) {
  const v = parseVerdict(s.schema);
  if (!v.ok) throw new Error(`avsc refuses ${s.name}: ${v.error}`);
  lines.push(`  new AvroParseCase(${q(s.name)}, ${q(JSON.stringify(s.schema))}, true, ${q(v.fullName)}),`);
}
for (const c of PARSE_CASES) {
  const v = parseVerdict(c.schema);
  if (v.ok !== c.spec) throw new Error(`avsc and the specification disagree on '${c.name}': avsc ${v.ok ? "parses it" : v.error}`);
  lines.push(`  new AvroParseCase(${q(c.name)}, ${q(JSON.stringify(c.schema))}, ${v.ok}, ${q(v.fullName)}),`);
}
lines.push("];");
lines.push("");

const rng = new Rng(20240531);
let count = 0;
let valid = 0;
lines.push("export const AVRO_PAYLOADS: AvroPayloadCase[] = [");
SCHEMAS.forEach((s, index) => {
  const t = avsc.Type.forSchema(s.schema, s.options);
  const seen = new Set<string>();
  const emit = (name: string, b: Buffer): void => {
    const h = hex(b);
    if (seen.has(h)) return;
    let strict: string;
    let plain: string;
    try {
      strict = strictVerdict(t, b);
      plain = plainVerdict(t, b);
    } catch (e) {
      if (e instanceof SkipVector) return;
      throw e;
    }
    seen.add(h);
    if ((strict === "") !== (plain === "")) strictOnly++;
    if (strict === "") valid++;
    count++;
    lines.push(`  new AvroPayloadCase(${q(name)}, ${index}, ${q(h)}, ${strict === ""}, ${q(strict)}, ${q(plain)}),`);
  };
  const encodings: Buffer[] = s.values.map((v) => t.toBuffer(v));
  encodings.forEach((b, i) => {
    if (strictVerdict(t, b) !== "") throw new Error(`avsc's own encoding of ${s.name} #${i} does not decode`);
    emit(`${s.name} #${i}: avsc's encoding`, b);
  });
  for (const c of s.crafted?.() ?? []) emit(c.name, c.bytes);
  encodings.forEach((b, i) => {
    for (let n = 0; n < b.length && n < 64; n++) emit(`${s.name} #${i}: first ${n} bytes`, b.subarray(0, n));
    emit(`${s.name} #${i}: a trailing byte`, Buffer.concat([b, Buffer.from([0])]));
    for (let m = 0; m < MUTANTS_PER_VALUE; m++) emit(`${s.name} #${i}: mutation ${m}`, mutate(b, rng));
  });
});
// Targeted invalid payloads (the verdict is still avsc's).
const orderIndex = SCHEMAS.findIndex((s) => s.name === "Order");
const order = avsc.Type.forSchema(ORDER);
{
  const emit = (name: string, b: Buffer): void => {
    const strict = strictVerdict(order, b);
    const plain = plainVerdict(order, b);
    if ((strict === "") !== (plain === "")) strictOnly++;
    if (strict === "") valid++;
    count++;
    lines.push(`  new AvroPayloadCase(${q(name)}, ${orderIndex}, ${q(hex(b))}, ${strict === ""}, ${q(strict)}, ${q(plain)}),`);
  };
  const o = ORDERS[1];
  const base = order.toBuffer(o);
  // gift is ["null", LineItem] with LineItem present (index 1); find it after the fields before it.
  const head = Buffer.concat([
    long.toBuffer(o.id),
    avsc.Type.forSchema(ORDER.fields[1].type).toBuffer(o.customer),
    avsc.Type.forSchema(ORDER.fields[1].type).toBuffer(o.billing),
    varint(0), // items: []
  ]);
  if (!base.subarray(0, head.length).equals(head)) throw new Error("unexpected Order layout");
  const at = head.length; // the gift union's index
  const withByte = (pos: number, bytes: number[]) => Buffer.concat([base.subarray(0, pos), Buffer.from(bytes), base.subarray(pos + 1)]);
  emit("Order: union index 2 of 2 branches", withByte(at, [4]));
  emit("Order: union index -1", withByte(at, [1]));
  emit("Order: union index as a 6-byte varint", withByte(at, [0x82, 0x80, 0x80, 0x80, 0x80, 0x00]));
  // status follows the gift (a LineItem: sku, qty, price).
  const gift = avsc.Type.forSchema({ type: "record", name: "LI", fields: (ORDER.fields[3].type as { items: { fields: unknown[] } }).items.fields }).toBuffer(o.gift);
  const statusAt = at + 1 + gift.length;
  if (base[statusAt] !== 6) throw new Error("unexpected Order layout (status)");
  emit("Order: enum index 4 of 4 symbols", withByte(statusAt, [8]));
  emit("Order: enum index -3", withByte(statusAt, [5]));
  // The note "leave at the door": its first character replaced by bytes that are not UTF-8.
  const note = Buffer.from("leave at the door");
  const noteAt = base.indexOf(note);
  for (const [label, bad] of [
    ["a lone continuation byte", [0x80]],
    ["an overlong '/'", [0xc0, 0xaf]],
    ["a surrogate", [0xed, 0xa0, 0x80]],
    ["past U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ["a truncated sequence", [0xe2, 0x82]],
  ] as [string, number[]][]) {
    const b = Buffer.from(base);
    Buffer.from(bad).copy(b, noteAt);
    emit(`Order: note with ${label}`, b);
  }
  emit("Order: id as an 11-byte varint", Buffer.concat([Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), base.subarray(long.toBuffer(o.id).length)]));
  emit("Order: id as a 10-byte varint past 64 bits", Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03]), base.subarray(long.toBuffer(o.id).length)]));
  emit("Order: id as the 10-byte varint of -2^63", Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), base.subarray(long.toBuffer(o.id).length)]));
  emit("Order: customer name with negative length", Buffer.concat([long.toBuffer(o.id), Buffer.from([0x03]), base.subarray(long.toBuffer(o.id).length + 1)]));
}
lines.push("];");
lines.push("");
writeFileSync(OUT, lines.join("\n"));
console.error(`wrote ${OUT}: ${SCHEMAS.length + PARSE_CASES.length} schemas, ${count} payloads (${valid} valid, ${strictOnly} where the specification's checks change avsc's verdict)`);
