// Avro schema parsing and binary validation of assembly/schema/avro.ts, against avsc's
// verdicts (tests/fixture-gen/schema/avro_vectors.ts: avsc's decoder with the Avro
// specification's binary rules it leaves unchecked switched on), the Java parser's name rules
// where avsc departs from the specification, and hostile schemas and payloads.
import {
  AVRO_BASE_WORK,
  AVRO_WORK_PER_BYTE,
  AvroKind,
  AvroSchema,
  avroLastWork,
  avroValidate,
  MAX_AVRO_DEPTH,
  parseAvroSchema,
} from "../../assembly/schema/avro";
import { AVRO_PARSE_CASES, AVRO_PAYLOADS, AVRO_SCHEMAS } from "../fixtures/schema/avro_vectors";
import { concat, fromHex, Prng, utf8 } from "./helpers/schema";

const parsed: AvroSchema[] = [];
function schemaAt(i: i32): AvroSchema {
  while (parsed.length <= i) parsed.push(parseAvroSchema(AVRO_SCHEMAS[parsed.length].schema));
  return parsed[i];
}

function budget(len: i32): i64 {
  return AVRO_BASE_WORK + AVRO_WORK_PER_BYTE * <i64>len;
}

function zigzag(n: i64): Uint8Array {
  let v = <u64>((n << 1) ^ (n >> 63));
  const out = new Array<u8>();
  while (v >= 0x80) {
    out.push(<u8>(v | 0x80));
    v >>= 7;
  }
  out.push(<u8>v);
  const b = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) b[i] = out[i];
  return b;
}

const ORDER_AMOUNT = '{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"int"},{"name":"amount","type":"long"}]}';
const NODE = '{"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]}';

describe("parseAvroSchema", () => {
  it("agrees with avsc on every schema, full names included", () => {
    for (let i = 0; i < AVRO_PARSE_CASES.length; i++) {
      const c = AVRO_PARSE_CASES[i];
      const s = parseAvroSchema(c.schema);
      expect<bool>(s.ok()).toBe(c.parses, c.name + ": " + s.error);
      if (c.parses) expect<string>(s.fullName()).toBe(c.fullName, c.name);
    }
  });

  it("gives nested types the namespace of a dotted name, as Java's parser and the specification do", () => {
    // avsc 5.7.9 puts F in the namespace attribute's "x" instead.
    const s = parseAvroSchema(
      '{"type":"record","name":"a.b.C","namespace":"x","fields":[{"name":"f","type":{"type":"fixed","name":"F","size":2}},{"name":"g","type":"a.b.F"}]}',
    );
    expect<string>(s.error).toBe("");
    expect<string>(s.fullName()).toBe("a.b.C");
    expect<bool>(s.named.has("a.b.F")).toBe(true);
    expect<bool>(parseAvroSchema('{"type":"record","name":"a.b.C","namespace":"x","fields":[{"name":"f","type":{"type":"fixed","name":"F","size":2}},{"name":"g","type":"x.F"}]}').ok()).toBe(false);
  });

  it("looks a short name up in the null namespace after the current one, as Java's parser does", () => {
    const s = parseAvroSchema('[{"type":"fixed","name":"N","size":1},{"type":"record","name":"R","namespace":"a.b","fields":[{"name":"y","type":"N"}]}]');
    expect<string>(s.error).toBe("");
    expect<i32>(s.root.kind).toBe(AvroKind.UNION);
    expect<string>(s.fullName()).toBe("");
  });

  it("refuses a record without a name (Java's 'No name in schema'; avsc allows anonymous records)", () => {
    expect<bool>(parseAvroSchema('{"type":"record","fields":[]}').ok()).toBe(false);
    expect<bool>(parseAvroSchema("not json").ok()).toBe(false);
    expect<bool>(parseAvroSchema("5").ok()).toBe(false);
  });

  it("resolves names from schema references parsed first", () => {
    const ref = '{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}';
    const main = '{"type":"record","name":"Person","namespace":"com.acme","fields":[{"name":"home","type":"Address"},{"name":"work","type":["null","com.acme.Address"]}]}';
    expect<bool>(parseAvroSchema(main).ok()).toBe(false);
    const s = parseAvroSchema(main, [ref]);
    expect<string>(s.error).toBe("");
    expect<string>(s.fullName()).toBe("com.acme.Person");
    // home: "Zürich", work: null
    const p = concat(concat(zigzag(7), utf8("Zürich")), fromHex("00"));
    expect<string>(avroValidate(s, p, 0, p.length)).toBe("");
    expect<string>(parseAvroSchema(main, ["{"]).error).toBe("reference 0: schema is not valid JSON");
  });

  it("keeps valid logical types and ignores invalid ones", () => {
    const s = parseAvroSchema(
      '{"type":"record","name":"L","fields":[' +
        '{"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},' +
        '{"name":"f","type":{"type":"fixed","name":"F8","size":8,"logicalType":"decimal","precision":18}},' +
        '{"name":"tooPrecise","type":{"type":"fixed","name":"F2","size":2,"logicalType":"decimal","precision":5}},' +
        '{"name":"badScale","type":{"type":"bytes","logicalType":"decimal","precision":2,"scale":3}},' +
        '{"name":"u","type":{"type":"string","logicalType":"uuid"}},' +
        '{"name":"day","type":{"type":"int","logicalType":"date"}},' +
        '{"name":"dayOnLong","type":{"type":"long","logicalType":"date"}},' +
        '{"name":"ts","type":{"type":"long","logicalType":"timestamp-micros"}},' +
        '{"name":"lts","type":{"type":"long","logicalType":"local-timestamp-millis"}},' +
        '{"name":"dur","type":{"type":"fixed","name":"D","size":12,"logicalType":"duration"}},' +
        '{"name":"durBad","type":{"type":"fixed","name":"D2","size":4,"logicalType":"duration"}}]}',
    );
    expect<string>(s.error).toBe("");
    const f = s.root.fields;
    expect<string>(f[0].type.logicalType).toBe("decimal");
    expect<i32>(f[0].type.precision).toBe(10);
    expect<i32>(f[0].type.scale).toBe(2);
    expect<string>(f[1].type.logicalType).toBe("decimal");
    expect<string>(f[2].type.logicalType).toBe("");
    expect<string>(f[3].type.logicalType).toBe("");
    expect<string>(f[4].type.logicalType).toBe("uuid");
    expect<string>(f[5].type.logicalType).toBe("date");
    expect<string>(f[6].type.logicalType).toBe("");
    expect<string>(f[7].type.logicalType).toBe("timestamp-micros");
    expect<string>(f[8].type.logicalType).toBe("local-timestamp-millis");
    expect<string>(f[9].type.logicalType).toBe("duration");
    expect<string>(f[10].type.logicalType).toBe("");
  });

  it("survives hostile schema texts without trapping", () => {
    const deep = '{"type":"array","items":'.repeat(3000) + '"int"' + "}".repeat(3000);
    expect<bool>(parseAvroSchema(deep).ok()).toBe(false);
    const unions = "[".repeat(600);
    expect<bool>(parseAvroSchema(unions).ok()).toBe(false);
    expect<bool>(parseAvroSchema('{"type":"fixed","name":"F","size":99999999999}').ok()).toBe(false);
    expect<bool>(parseAvroSchema('{"type":"enum","name":"E","symbols":[1]}').ok()).toBe(false);
    expect<bool>(parseAvroSchema('{"type":"record","name":"R","fields":[{"name":"a"}]}').ok()).toBe(false);
    expect<bool>(parseAvroSchema('{"type":"record","name":"R","namespace":5,"fields":[]}').ok()).toBe(false);
  });
});

describe("avroValidate", () => {
  it("gives avsc's verdict on every vector", () => {
    for (let i = 0; i < AVRO_PAYLOADS.length; i++) {
      const c = AVRO_PAYLOADS[i];
      const s = schemaAt(c.schema);
      expect<string>(s.error).toBe("", AVRO_SCHEMAS[c.schema].name);
      const b = fromHex(c.hex);
      const r = avroValidate(s, b, 0, b.length);
      expect<bool>(r == "").toBe(c.valid, c.name + " (avsc: " + c.why + "; filter: " + r + ")");
      expect<bool>(avroLastWork() <= budget(b.length)).toBe(true, c.name);
    }
  });

  it("validates a payload in place, within [start, end) of a larger buffer", () => {
    for (let i = 0; i < AVRO_PAYLOADS.length; i += 7) {
      const c = AVRO_PAYLOADS[i];
      const inner = fromHex(c.hex);
      const b = new Uint8Array(inner.length + 9);
      b.fill(0x81);
      b.set(inner, 4);
      expect<bool>(avroValidate(schemaAt(c.schema), b, 4, 4 + inner.length) == "").toBe(c.valid, c.name);
    }
  });

  it("names the record and field of a failure", () => {
    const s = parseAvroSchema(ORDER_AMOUNT);
    const p = fromHex("02ffffffffffffffffffff01");
    expect<string>(avroValidate(s, p, 0, p.length)).toBe("record Order field amount: long varint too long");
    const q = fromHex("0202");
    expect<string>(avroValidate(s, q, 0, q.length)).toBe("");
    const t = fromHex("020200");
    expect<string>(avroValidate(s, t, 0, t.length)).toBe("1 trailing bytes");
    const u = fromHex("02");
    expect<string>(avroValidate(s, u, 0, u.length)).toBe("record Order field amount: long truncated");
    const nested = parseAvroSchema(
      '{"type":"record","name":"Outer","fields":[{"name":"items","type":{"type":"array","items":{"type":"record","name":"Item","fields":[{"name":"ok","type":"boolean"}]}}}]}',
    );
    const n = fromHex("04000200");
    expect<string>(avroValidate(nested, n, 0, n.length)).toBe("record Outer field items: array item 1: record Item field ok: boolean byte 2 is neither 0 nor 1");
    const e = parseAvroSchema('{"type":"enum","name":"E","symbols":["A","B"]}');
    const ei = fromHex("04");
    expect<string>(avroValidate(e, ei, 0, ei.length)).toBe("enum E index 2 out of range (2 symbols)");
    const un = parseAvroSchema('["null","string"]');
    const ui = fromHex("04");
    expect<string>(avroValidate(un, ui, 0, ui.length)).toBe("union index 2 out of range (2 branches)");
    const us = fromHex("0204c328");
    expect<string>(avroValidate(un, us, 0, us.length)).toBe("string is not valid UTF-8");
    expect<string>(avroValidate(parseAvroSchema('{"type":"record","name":"R","fields":[{"name":"a","type":"Missing"}]}'), us, 0, 1)).toBe(
      "schema did not parse: undefined name: Missing",
    );
    expect<string>(avroValidate(s, q, 1, 0)).toBe("payload bounds out of range");
  });

  it("bounds nesting: a 100 000-deep linked list is refused at depth " + MAX_AVRO_DEPTH.toString(), () => {
    const s = parseAvroSchema(NODE);
    const b = new Uint8Array(200000);
    for (let i = 0; i < b.length; i += 2) {
      b[i] = 0x00; // v = 0
      b[i + 1] = 0x02; // next: branch 1 (Node)
    }
    const r = avroValidate(s, b, 0, b.length);
    expect<string>(r.substring(r.length - 23)).toBe("nesting deeper than " + MAX_AVRO_DEPTH.toString());
    // A list within the bound is fine.
    const ok = new Uint8Array(2 * 60 + 2);
    for (let i = 0; i < 60; i++) ok[2 * i + 1] = 0x02;
    expect<string>(avroValidate(s, ok, 0, ok.length)).toBe("");
  });

  it("bounds work: huge counts and zero-size items end at once", () => {
    const nulls = parseAvroSchema('{"type":"array","items":"null"}');
    const huge = concat(zigzag(4611686018427387903), fromHex("00"));
    expect<string>(avroValidate(nulls, huge, 0, huge.length)).toBe("payload too costly to validate (array block of 4611686018427387903 items)");
    const fine = concat(zigzag(1000), fromHex("00"));
    expect<string>(avroValidate(nulls, fine, 0, fine.length)).toBe("");
    const ints = parseAvroSchema('{"type":"array","items":"int"}');
    const many = concat(zigzag(1 << 40), fromHex("0000"));
    expect<string>(avroValidate(ints, many, 0, many.length)).toBe("array block count 1099511627776 exceeds the bytes left");
    const minI64 = concat(fromHex("ffffffffffffffffff01"), fromHex("00"));
    expect<string>(avroValidate(ints, minI64, 0, minI64.length)).toBe("array block count out of range");
    const maps = parseAvroSchema('{"type":"map","values":"null"}');
    const manyKeys = concat(zigzag(1 << 30), fromHex("00"));
    expect<string>(avroValidate(maps, manyKeys, 0, manyKeys.length)).toBe("map block count 1073741824 exceeds the bytes left");
    const bytesType = parseAvroSchema('"bytes"');
    const long = concat(zigzag(1 << 50), fromHex("00"));
    expect<string>(avroValidate(bytesType, long, 0, long.length)).toBe("bytes truncated");
    // Nested zero-size records that double at each level: 2^30 values for one byte.
    let schema = '{"type":"record","name":"L0","fields":[]}';
    for (let i = 1; i <= 30; i++) {
      schema = '{"type":"record","name":"L' + i.toString() + '","fields":[{"name":"a","type":' + schema + '},{"name":"b","type":"L' + (i - 1).toString() + '"}]}';
    }
    const bomb = parseAvroSchema(schema);
    expect<string>(bomb.error).toBe("");
    const empty = new Uint8Array(0);
    const r = avroValidate(bomb, empty, 0, 0);
    expect<bool>(r.endsWith("payload too costly to validate (over 4096 values)")).toBe(true, r);
    expect<bool>(avroLastWork() <= budget(0)).toBe(true);
  });

  it("never traps on random bytes, and stays within its work bound", () => {
    const rng = new Prng(7);
    for (let k = 0; k < AVRO_SCHEMAS.length; k++) {
      const s = schemaAt(k);
      for (let n = 0; n < 300; n++) {
        const b = rng.bytes(rng.int(64));
        avroValidate(s, b, 0, b.length);
        expect<bool>(avroLastWork() <= budget(b.length)).toBe(true, AVRO_SCHEMAS[k].name);
      }
    }
    // A megabyte of random bytes against the recursive schema and the order.
    const big = rng.bytes(1 << 20);
    for (let k = 0; k < AVRO_SCHEMAS.length; k++) {
      avroValidate(schemaAt(k), big, 0, big.length);
      expect<bool>(avroLastWork() <= budget(big.length)).toBe(true);
    }
  });
});
