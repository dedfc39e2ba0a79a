import { parseJson, quoteJson, JsonKind } from "../../assembly/json";

describe("parseJson", () => {
  it("reads nested objects and arrays", () => {
    const v = parseJson('{"a": [1, {"b": "x\\ny\\u00e9"}], "t": true, "n": null}')!;
    expect<bool>(v.isObject()).toBe(true);
    const a = v.get("a")!;
    expect<i32>(a.items.length).toBe(2);
    expect<string>(a.items[1].get("b")!.text).toBe("x\nyé");
    expect<bool>(v.get("t")!.boolValue).toBe(true);
    expect<i32>(v.get("n")!.kind).toBe(JsonKind.NULL);
    expect<bool>(v.get("missing") === null).toBe(true);
  });
  it("keeps 64-bit integers exact", () => {
    const v = parseJson('{"offset": 9223372036854775807, "neg": -42, "f": 1.5}')!;
    expect<bool>(v.get("offset")!.isInteger()).toBe(true);
    expect<i64>(v.get("offset")!.asI64()).toBe(9223372036854775807);
    expect<i64>(v.get("neg")!.asI64()).toBe(-42);
    expect<bool>(v.get("f")!.isInteger()).toBe(false);
  });
  it("refuses integers outside i64", () => {
    expect<bool>(parseJson("9223372036854775808")!.isInteger()).toBe(false);
    expect<bool>(parseJson("-9223372036854775808")!.isInteger()).toBe(true);
  });
  it("returns null for malformed documents instead of trapping", () => {
    const bad: string[] = ["", "{", '{"a":}', "[1,]", '"abc', "tru", "01x", '{"a" 1}', '"\\x"', '"\\u12"', "1 2", "-", "1.", "1e"];
    for (let i = 0; i < bad.length; i++) expect<bool>(parseJson(bad[i]) === null).toBe(true, bad[i]);
  });
  it("bounds nesting depth", () => {
    let deep = "";
    for (let i = 0; i < 100; i++) deep += "[";
    expect<bool>(parseJson(deep) === null).toBe(true);
  });
  it("kinds are reported", () => {
    expect<i32>(parseJson('"s"')!.kind).toBe(JsonKind.STRING);
    expect<i32>(parseJson("12")!.kind).toBe(JsonKind.NUMBER);
  });
  it("refuses leading zeros, as RFC 8259 and JSON.parse do", () => {
    const bad: string[] = ["01", "-01", "00", "[007]", '{"a":00.5}'];
    for (let i = 0; i < bad.length; i++) expect<bool>(parseJson(bad[i]) === null).toBe(true, bad[i]);
    const good: string[] = ["0", "-0", "0.5", "-0.0e1", "10", "0e0"];
    for (let i = 0; i < good.length; i++) expect<bool>(parseJson(good[i]) !== null).toBe(true, good[i]);
  });
  it("takes a nesting bound of the caller's", () => {
    const d100 = "[".repeat(100) + "]".repeat(100);
    expect<bool>(parseJson(d100) === null).toBe(true);
    expect<bool>(parseJson(d100, 128) !== null).toBe(true);
    expect<bool>(parseJson("[[1]]", 1) === null).toBe(true);
  });
  it("decodes strings with many escapes", () => {
    const s = parseJson('"' + "a\\u00e9\\n".repeat(5000) + '"')!;
    expect<i32>(s.text.length).toBe(15000);
    expect<string>(s.text.substring(0, 6)).toBe("a\u00e9\na\u00e9\n");
  });
});

describe("quoteJson", () => {
  it("escapes quotes, backslashes and control characters", () => {
    expect<string>(quoteJson('a"b\\c\nd\u0001')).toBe('"a\\"b\\\\c\\nd\\u0001"');
    expect<string>(parseJson(quoteJson('x"\r\n\t\u0002'))!.text).toBe('x"\r\n\t\u0002');
  });
});
