// JSON Schema compilation and JSON payload validation of assembly/schema/json_schema.ts,
// against ajv's verdicts (tests/fixture-gen/schema/json_vectors.ts: TextDecoder (fatal) and
// JSON.parse for bytes and syntax, then Ajv / Ajv2020), with the instance path ajv reports,
// and hostile schemas and payloads.
import { JsonKind, parseJson } from "../../assembly/json";
import {
  compareDecimal,
  decimalOf,
  JSON_BASE_WORK,
  JSON_WORK_PER_BYTE,
  JsonSchema,
  jsonSchemaLastWork,
  jsonSchemaValidate,
  jsonSchemaValidateValue,
  MAX_JSON_PAYLOAD_DEPTH,
  parseJsonSchema,
} from "../../assembly/schema/json_schema";
import { JSON_BAD_SCHEMAS, JSON_PAYLOADS, JSON_SCHEMAS } from "../fixtures/schema/json_vectors";
import { fromHex, Prng, utf8 } from "./helpers/schema";

const compiled: JsonSchema[] = [];
function schemaAt(i: i32): JsonSchema {
  while (compiled.length <= i) compiled.push(parseJsonSchema(JSON_SCHEMAS[compiled.length].schema));
  return compiled[i];
}

function check(schema: string, payload: string): string {
  const s = parseJsonSchema(schema);
  expect<string>(s.error).toBe("", schema);
  const b = utf8(payload);
  return jsonSchemaValidate(s, b, 0, b.length);
}

/** The JSON pointer a reason starts with ("" for the root). */
function pointerOf(reason: string): string {
  if (!reason.startsWith("/")) return "";
  const colon = reason.indexOf(": ");
  return colon < 0 ? reason : reason.substring(0, colon);
}

function budget(len: i32): i64 {
  return JSON_BASE_WORK + JSON_WORK_PER_BYTE * <i64>len;
}

describe("parseJsonSchema", () => {
  it("compiles every vector schema and exposes its title", () => {
    for (let i = 0; i < JSON_SCHEMAS.length; i++) {
      const c = JSON_SCHEMAS[i];
      const s = schemaAt(i);
      expect<string>(s.error).toBe("", c.name);
      expect<string>(s.title).toBe(c.title, c.name);
      expect<bool>(s.unsupportedKeywords.length == 0).toBe(c.exact, c.name);
    }
  });

  it("refuses the schemas ajv refuses", () => {
    for (let i = 0; i < JSON_BAD_SCHEMAS.length; i++) {
      const c = JSON_BAD_SCHEMAS[i];
      expect<bool>(parseJsonSchema(c.schema).ok()).toBe(false, c.name + " (ajv: " + c.ajvError + ")");
    }
    expect<bool>(parseJsonSchema("{").ok()).toBe(false);
    expect<bool>(parseJsonSchema("5").ok()).toBe(false);
  });

  it("lists the assertion keywords it does not evaluate, and external references", () => {
    const s = parseJsonSchema('{"properties":{"a":{"pattern":"x","format":"email"},"b":{"$ref":"other.json#/x"}},"uniqueItems":true}');
    expect<string>(s.error).toBe("");
    expect<string>(s.unsupportedKeywords.join(",")).toBe("format,pattern,uniqueItems");
    expect<bool>(s.hasExternalRefs).toBe(true);
  });

  it("resolves $refs into schema references by name and by $id", () => {
    const address = '{"$id":"https://acme.com/address.json","type":"object","properties":{"city":{"$ref":"#/$defs/city"}},"$defs":{"city":{"type":"string","minLength":2}}}';
    const main = '{"title":"Person","properties":{"home":{"$ref":"address.json"},"work":{"$ref":"https://acme.com/address.json#/properties/city"}}}';
    const s = parseJsonSchema(main, ["address.json"], [address]);
    expect<string>(s.error).toBe("");
    expect<bool>(s.hasExternalRefs).toBe(false);
    const ok = utf8('{"home":{"city":"Zug"},"work":"Bern"}');
    expect<string>(jsonSchemaValidate(s, ok, 0, ok.length)).toBe("");
    const bad = utf8('{"home":{"city":"Z"}}');
    expect<string>(jsonSchemaValidate(s, bad, 0, bad.length)).toBe("/home/city: string of 1 characters is shorter than minLength 2");
    // Without the reference the $ref is unknown: nothing is refused because of it.
    const alone = parseJsonSchema(main);
    expect<bool>(alone.hasExternalRefs).toBe(true);
    expect<string>(jsonSchemaValidate(alone, bad, 0, bad.length)).toBe("");
  });

  it("reads draft-04's boolean exclusiveMinimum/Maximum and id", () => {
    const s = '{"$schema":"http://json-schema.org/draft-04/schema#","definitions":{"a":{"id":"#pos","minimum":0,"exclusiveMinimum":true,"maximum":5,"exclusiveMaximum":true}},"items":{"$ref":"#pos"}}';
    expect<string>(check(s, "[1, 4.9]")).toBe("");
    expect<string>(check(s, "[0]")).toBe("/0: 0 is less than or equal to exclusive minimum 0");
    expect<string>(check(s, "[5]")).toBe("/0: 5 is greater than or equal to exclusive maximum 5");
  });
});

describe("jsonSchemaValidate", () => {
  it("gives ajv's verdict on every vector, at the place ajv names", () => {
    let partial = 0;
    for (let i = 0; i < JSON_PAYLOADS.length; i++) {
      const c = JSON_PAYLOADS[i];
      const s = schemaAt(c.schema);
      const b = fromHex(c.hex);
      const r = jsonSchemaValidate(s, b, 0, b.length);
      const label = c.name + " (ajv: " + c.why + "; filter: " + r + ")";
      if (JSON_SCHEMAS[c.schema].exact || c.valid) expect<bool>(r == "").toBe(c.valid, label);
      else if (r == "") partial++;
      if (r != "" && c.hasPointer) {
        const p = pointerOf(r);
        expect<bool>(p.startsWith(c.pointer)).toBe(true, label);
      }
      expect<bool>(jsonSchemaLastWork() <= budget(b.length) + 1).toBe(true, c.name);
    }
    // Schemas with keywords not evaluated let some of ajv's refusals through, never the reverse.
    expect<bool>(partial > 0).toBe(true);
  });

  it("formats reasons with a JSON pointer", () => {
    const s = '{"properties":{"items":{"items":{"properties":{"price":{"minimum":10}}}}}}';
    expect<string>(check(s, '{"items":[{},{"price":10},{"price":5}]}')).toBe("/items/2/price: 5 is less than minimum 10");
    expect<string>(check('{"properties":{"a/b":{"properties":{"c~d":{"type":"string"}}}}}', '{"a/b":{"c~d":1}}')).toBe("/a~1b/c~0d: expected string, got integer");
    expect<string>(check('{"type":"object","required":["id"]}', "{}")).toBe('missing required property "id"');
    expect<string>(check('{"additionalProperties":false}', '{"x":1}')).toBe('property "x" is not allowed');
    expect<string>(check('{"type":["string","null"]}', "1.5")).toBe("expected null or string, got number");
    expect<string>(check('{"maxItems":1}', "[1,2]")).toBe("array of 2 items is longer than maxItems 1");
    expect<string>(check('{"anyOf":[{"type":"string"},{"type":"null"}]}', "1")).toBe("matches none of anyOf");
    expect<string>(check('{"oneOf":[{"type":"integer"},{"minimum":0}]}', "1")).toBe("matches more than one of oneOf");
    expect<string>(check('{"not":{}}', "1")).toBe("matches the schema of not");
    expect<string>(check("false", "1")).toBe("no value is allowed here (schema false)");
    expect<string>(check('{"enum":[1,"a"]}', '"b"')).toBe("is not one of the enum values");
    expect<string>(check('{"const":{"a":[1]}}', '{"a":[2]}')).toBe("does not equal the const value");
    const b = fromHex("7b2261223a22ff227d");
    expect<string>(jsonSchemaValidate(parseJsonSchema("true"), b, 0, b.length)).toBe("payload is not valid UTF-8");
    const t = utf8("{");
    expect<string>(jsonSchemaValidate(parseJsonSchema("true"), t, 0, t.length)).toBe("payload is not valid JSON (or nests deeper than " + MAX_JSON_PAYLOAD_DEPTH.toString() + ")");
  });

  it("compares numbers exactly, past f64 precision", () => {
    // f64 (and so ajv) sees 9007199254740993 as 9007199254740992.
    expect<string>(check('{"maximum":9007199254740992}', "9007199254740993")).toBe("9007199254740993 is greater than maximum 9007199254740992");
    expect<string>(check('{"minimum":0.1}', "0.09999999999999999999")).toBe("0.09999999999999999999 is less than minimum 0.1");
    expect<string>(check('{"type":"integer"}', "1.0000000000000000001")).toBe("expected integer, got number");
    expect<string>(check('{"type":"integer"}', "12345678901234567890123456789.5e1")).toBe("");
    expect<string>(check('{"type":"integer"}', "123456789012345678901234567890e-10")).toBe("expected integer, got number");
    expect<string>(check('{"type":"integer"}', "1e400")).toBe("");
    expect<string>(check('{"const":100}', "1.00e2")).toBe("");
    expect<string>(check('{"exclusiveMaximum":1e999999999999999999999}', "1e999999999999")).toBe("");
    expect<i32>(compareDecimal(decimalOf("-0.0"), decimalOf("0"))).toBe(0);
    expect<i32>(compareDecimal(decimalOf("-1e-5"), decimalOf("-1e-6"))).toBe(-1);
    expect<i32>(compareDecimal(decimalOf("12.5"), decimalOf("1.25e1"))).toBe(0);
    expect<i32>(compareDecimal(decimalOf("120"), decimalOf("12e1"))).toBe(0);
    expect<i32>(compareDecimal(decimalOf("0.5"), decimalOf("0.05e1"))).toBe(0);
    expect<i32>(compareDecimal(decimalOf("-3"), decimalOf("-30"))).toBe(1);
  });

  it("treats duplicate keys as JSON.parse does: the last one wins", () => {
    expect<string>(check('{"properties":{"a":{"type":"integer"}}}', '{"a":"x","a":1}')).toBe("");
    expect<string>(check('{"properties":{"a":{"type":"integer"}}}', '{"a":1,"a":"x"}')).toBe('/a: expected integer, got string');
    let many = "{";
    for (let i = 0; i < 20; i++) many += '"k' + i.toString() + '":' + i.toString() + ",";
    many += '"k3":"last"}';
    expect<string>(check('{"additionalProperties":{"type":"integer"}}', many)).toBe('/k3: expected integer, got string');
  });

  it("ignores pattern and the other keywords it does not evaluate, even under not and oneOf", () => {
    expect<string>(check('{"type":"string","pattern":"^[0-9]+$"}', '"abc"')).toBe("");
    expect<string>(check('{"not":{"pattern":"^a"}}', '"abc"')).toBe("");
    expect<string>(check('{"not":{"type":"string","pattern":"^a"}}', "1")).toBe("");
    expect<string>(check('{"oneOf":[{"format":"email"},{"type":"string"}]}', '"x"')).toBe("");
    expect<string>(check('{"oneOf":[{"type":"integer"},{"type":"number"}],"multipleOf":2}', "2")).toBe("matches more than one of oneOf");
    expect<string>(check('{"patternProperties":{"^x":{}},"additionalProperties":false}', '{"y":1}')).toBe("");
  });

  it("bounds recursion: a $ref cycle through no value ends", () => {
    const r = check('{"$ref":"#"}', "1");
    expect<bool>(r.startsWith("schema recursion deeper than")).toBe(true, r);
    const loop = check('{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"allOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}', "{}");
    expect<bool>(loop.startsWith("schema recursion deeper than")).toBe(true, loop);
  });

  it("bounds work: exponential anyOf nesting and deep payloads end", () => {
    // d40 = anyOf [string, d39, d39], ...: 2^40 paths to d0 for a number that is no integer.
    let defs = '"d0":{"type":"integer"}';
    for (let i = 1; i <= 40; i++) {
      const prev = '{"$ref":"#/$defs/d' + (i - 1).toString() + '"}';
      defs += ',"d' + i.toString() + '":{"anyOf":[{"type":"string"},' + prev + "," + prev + "]}";
    }
    const s = parseJsonSchema('{"$defs":{' + defs + '},"items":{"$ref":"#/$defs/d40"}}');
    expect<string>(s.error).toBe("");
    const b = utf8("[1.5, 2.5]");
    const r = jsonSchemaValidate(s, b, 0, b.length);
    expect<bool>(r.indexOf("validation too costly") >= 0).toBe(true, r);
    expect<bool>(jsonSchemaLastWork() <= budget(b.length) + 1).toBe(true);
    const deep = "[".repeat(10000) + "]".repeat(10000);
    const d = utf8(deep);
    expect<string>(jsonSchemaValidate(parseJsonSchema('{"items":{"$ref":"#"}}'), d, 0, d.length)).toBe(
      "payload is not valid JSON (or nests deeper than " + MAX_JSON_PAYLOAD_DEPTH.toString() + ")",
    );
    const ok = "[".repeat(100) + "]".repeat(100);
    const o = utf8(ok);
    expect<string>(jsonSchemaValidate(parseJsonSchema('{"type":"array","items":{"$ref":"#"}}'), o, 0, o.length)).toBe("");
  });

  it("reads a payload of many escapes in linear time", () => {
    const s = '"' + "\\n".repeat(200000) + '"';
    const b = utf8(s);
    expect<string>(jsonSchemaValidate(parseJsonSchema('{"maxLength":200000}'), b, 0, b.length)).toBe("");
    const v = parseJson(s)!;
    expect<i32>(v.kind).toBe(JsonKind.STRING);
    expect<i32>(v.text.length).toBe(200000);
  });

  it("never traps on random bytes or mutated documents", () => {
    const rng = new Prng(5);
    for (let k = 0; k < JSON_SCHEMAS.length; k++) {
      const s = schemaAt(k);
      for (let n = 0; n < 200; n++) {
        const b = rng.bytes(rng.int(40));
        jsonSchemaValidate(s, b, 0, b.length);
      }
    }
    const alphabet = '{}[]:,"01-.eE tfn\\u';
    for (let n = 0; n < 3000; n++) {
      let text = "";
      const len = rng.int(30);
      for (let i = 0; i < len; i++) text += alphabet.charAt(rng.int(alphabet.length));
      const b = utf8(text);
      jsonSchemaValidate(schemaAt(n % JSON_SCHEMAS.length), b, 0, b.length);
    }
    const v = parseJson('{"a":1}')!;
    expect<string>(jsonSchemaValidateValue(parseJsonSchema('{"properties":{"a":{"type":"string"}}}'), v)).toBe("/a: expected string, got integer");
    expect<string>(jsonSchemaValidate(parseJsonSchema("true"), new Uint8Array(2), 2, 1)).toBe("payload bounds out of range");
  });
});
