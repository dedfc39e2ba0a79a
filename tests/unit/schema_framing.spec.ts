// The Confluent wire framing and Protobuf message indexes of assembly/schema/framing.ts,
// against framings written with avsc's zig-zag varints as Confluent's serializers write them
// (tests/fixture-gen/schema/framing_vectors.ts), and hostile bytes.
import {
  FramingStatus,
  MAX_MESSAGE_INDEXES,
  protobufPayloadStart,
  readFraming,
  readMessageIndexes,
} from "../../assembly/schema/framing";
import { FRAMING_CASES } from "../fixtures/schema/framing_vectors";
import { fromHex, Prng } from "./helpers/schema";

function statusName(s: FramingStatus): string {
  if (s == FramingStatus.OK) return "ok";
  if (s == FramingStatus.EMPTY) return "empty";
  if (s == FramingStatus.NO_MAGIC) return "no_magic";
  return "truncated";
}

describe("readFraming / readMessageIndexes", () => {
  it("read every vector as the generator wrote it", () => {
    for (let i = 0; i < FRAMING_CASES.length; i++) {
      const c = FRAMING_CASES[i];
      const b = fromHex(c.hex);
      const f = readFraming(b);
      expect<string>(statusName(f.status)).toBe(c.framing, c.name);
      expect<bool>(f.ok() == (f.error() == "")).toBe(true, c.name);
      if (!f.ok()) continue;
      expect<i32>(f.schemaId).toBe(c.schemaId, c.name);
      expect<i32>(f.payloadStart).toBe(5, c.name);
      const m = readMessageIndexes(b, f.payloadStart, b.length);
      expect<bool>(m.ok()).toBe(c.indexesOk, c.name + ": " + m.error);
      if (c.indexesOk) {
        expect<i32>(m.indexes.length).toBe(c.indexes.length, c.name);
        for (let k = 0; k < c.indexes.length; k++) expect<i32>(m.indexes[k]).toBe(c.indexes[k], c.name);
        expect<i32>(m.payloadStart).toBe(c.payloadStart, c.name);
        expect<i32>(protobufPayloadStart(b)).toBe(c.payloadStart, c.name);
      } else {
        expect<i32>(m.indexes.length).toBe(0, c.name);
        expect<i32>(protobufPayloadStart(b)).toBe(-1, c.name);
      }
    }
  });

  it("read a framing inside a larger buffer, within [start, end)", () => {
    for (let i = 0; i < FRAMING_CASES.length; i++) {
      const c = FRAMING_CASES[i];
      const inner = fromHex(c.hex);
      const b = new Uint8Array(inner.length + 7);
      b.fill(0xee);
      b.set(inner, 3);
      const f = readFraming(b, 3, 3 + inner.length);
      expect<string>(statusName(f.status)).toBe(c.framing, c.name);
      if (!f.ok()) continue;
      expect<i32>(f.schemaId).toBe(c.schemaId, c.name);
      const m = readMessageIndexes(b, f.payloadStart, 3 + inner.length);
      expect<bool>(m.ok()).toBe(c.indexesOk, c.name);
      if (c.indexesOk) expect<i32>(m.payloadStart).toBe(c.payloadStart + 3, c.name);
    }
  });

  it("name the reason of a malformed framing", () => {
    expect<string>(readFraming(new Uint8Array(0)).error()).toBe("empty payload, no schema framing");
    expect<string>(readFraming(fromHex("01")).error()).toBe("no magic byte 0, no schema framing");
    expect<string>(readFraming(fromHex("000001")).error()).toBe("schema id truncated");
    expect<string>(readMessageIndexes(fromHex("0000000007"), 5).error).toBe("message indexes missing");
    expect<string>(readMessageIndexes(fromHex("000000000701"), 5).error).toBe("negative message index count -1");
    expect<string>(readMessageIndexes(fromHex("00000000070203"), 5).error).toBe("negative message index -2");
    expect<string>(readMessageIndexes(fromHex("000000000780"), 5).error).toBe("message index count truncated");
    expect<string>(readMessageIndexes(fromHex("0000000007ffffffff1f"), 5).error).toBe("message index count varint too long");
    expect<string>(readMessageIndexes(fromHex("0000000007ca01"), 5).error).toBe("message index count 101 over " + MAX_MESSAGE_INDEXES.toString());
    expect<string>(readMessageIndexes(fromHex("00000000070602"), 5).error).toBe("message indexes truncated");
  });

  it("never trap on short, random or out-of-range input", () => {
    const rng = new Prng(11);
    for (let n = 0; n < 3000; n++) {
      const len = rng.int(24);
      const b = rng.bytes(len);
      if (len > 0 && rng.int(2) == 0) b[0] = 0;
      const f = readFraming(b);
      if (f.ok()) {
        const m = readMessageIndexes(b, f.payloadStart, b.length);
        expect<bool>(m.ok() || m.indexes.length == 0).toBe(true);
        if (m.ok()) expect<bool>(m.payloadStart <= b.length && m.indexes.length <= MAX_MESSAGE_INDEXES).toBe(true);
      }
      protobufPayloadStart(b);
    }
    const b = fromHex("00000000070200");
    expect<bool>(readFraming(b, 9, 3).ok()).toBe(false);
    expect<bool>(readFraming(b, -4, 100).ok()).toBe(false);
    expect<bool>(readMessageIndexes(b, 9, 3).ok()).toBe(false);
    expect<bool>(readMessageIndexes(b, -1, 7).ok()).toBe(false);
    expect<bool>(readMessageIndexes(b, 5, 100).ok()).toBe(true);
  });

  it("refuse a million-byte runaway varint at once", () => {
    const b = new Uint8Array(1 << 20);
    b.fill(0xff);
    b[0] = 0;
    const m = readMessageIndexes(b, 5, b.length);
    expect<string>(m.error).toBe("message index count varint too long");
  });
});
