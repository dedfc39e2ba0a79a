// The Strimzi dialect's fast paths (compact answers read from bytes, Base64 and decimals written
// with raw stores) against the general JSON parser and plain reference encodings.
import { base64Into } from "../../assembly/upstream/base64";
import { StrimziDialect, writeDecimal } from "../../assembly/upstream/strimzi";
import { UpstreamAnswer } from "../../assembly/upstream/dialect";
import { KafkaError } from "../../assembly/kafka/errors";
import { Writer } from "../../assembly/kafka/wire";

function bytes(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}
function text(b: Uint8Array): string {
  return String.UTF8.decode(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}
function parse(body: string, count: i32): UpstreamAnswer {
  return new StrimziDialect().parseProduce(200, bytes(body), count, -1);
}
function same(a: UpstreamAnswer, b: UpstreamAnswer): void {
  expect<i16>(a.errorCode).toBe(b.errorCode);
  expect<i32>(a.results.length).toBe(b.results.length);
  for (let i = 0; i < a.results.length; i++) {
    expect<i16>(a.results[i].errorCode).toBe(b.results[i].errorCode);
    expect<i64>(a.results[i].offset).toBe(b.results[i].offset);
    expect<i32>(a.results[i].partition).toBe(b.results[i].partition);
  }
}

describe("strimzi compact answers", () => {
  it("reads the bridge's compact answer like the JSON parser reads a spaced one", () => {
    // The spaces make the fast path decline, so the second parse is the general parser's.
    const compact = '{"offsets":[{"partition":0,"offset":0},{"partition":3,"offset":348792},{"partition":2147483648,"offset":999999999999999999}]}';
    const spaced = '{ "offsets": [ {"partition": 0, "offset": 0}, {"partition": 3, "offset": 348792}, {"partition": 2147483648, "offset": 999999999999999999} ] }';
    const a = parse(compact, 3);
    same(a, parse(spaced, 3));
    expect<i16>(a.errorCode).toBe(KafkaError.NONE);
    expect<i64>(a.results[1].offset).toBe(348792);
    expect<i32>(a.results[1].partition).toBe(3);
    expect<i32>(a.results[2].partition).toBe(-1);
  });
  it("leaves every other shape to the JSON parser, with its results", () => {
    const cases: string[] = [
      '{"offsets":[{"partition":0,"offset":007}]}',
      '{"offsets":[{"partition":0,"offset":-1}]}',
      '{"offsets":[{"partition":0,"offset":1.5}]}',
      '{"offsets":[{"offset":5,"partition":0}]}',
      '{"offsets":[{"partition":0,"offset":5}]}x',
      '{"offsets":[{"partition":0,"offset":5},{"partition":0,"offset":6}]}',
      '{"offsets":[{"partition":0,"offset":12345678901234567890}]}',
      '{"offsets":[{"error_code":422,"message":"bad [x; kafka_error_code=87 INVALID_RECORD]"}]}',
      '{"offsets":[{"partition":0,"offset":5',
    ];
    for (let i = 0; i < cases.length; i++) {
      const a = parse(cases[i], 1);
      // The same body with a leading space never takes the fast path.
      same(a, parse(" " + cases[i], 1));
    }
    expect<i16>(parse(cases[7], 1).results[0].errorCode).toBe(KafkaError.INVALID_RECORD);
  });
  it("refuses a count that does not match the records sent", () => {
    expect<i16>(parse('{"offsets":[{"partition":0,"offset":5}]}', 2).errorCode).toBe(KafkaError.UNKNOWN_SERVER_ERROR);
  });
});

describe("strimzi raw writers", () => {
  it("appends Base64 after existing bytes and grows the writer", () => {
    const data = new Uint8Array(1000);
    for (let i = 0; i < data.length; i++) data[i] = <u8>((i * 7919) >> 3);
    for (let cut = 0; cut < 4; cut++) {
      const w = new Writer(16);
      w.int8(0x22);
      const part = data.subarray(0, data.length - cut);
      base64Into(w, part);
      w.int8(0x22);
      // Reference: the textbook encoding, character by character.
      const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      let ref = '"';
      for (let i = 0; i < part.length; i += 3) {
        const n = part.length - i;
        const v = (<u32>part[i] << 16) | (n > 1 ? <u32>part[i + 1] << 8 : 0) | (n > 2 ? <u32>part[i + 2] : 0);
        ref += abc.charAt(v >> 18) + abc.charAt((v >> 12) & 63);
        ref += n > 1 ? abc.charAt((v >> 6) & 63) : "=";
        ref += n > 2 ? abc.charAt(v & 63) : "=";
      }
      expect<string>(text(w.view())).toBe(ref + '"');
    }
  });
  it("writes decimals of every length", () => {
    let v: i64 = 1;
    for (let i = 0; i < 19; i++) {
      const w = new Writer(16);
      w.int8(0x78);
      writeDecimal(w, v);
      writeDecimal(w, -v);
      expect<string>(text(w.view())).toBe("x" + v.toString() + (-v).toString());
      v = v * 10 + (i % 9);
    }
  });
});
