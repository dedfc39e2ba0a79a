import { joinPieces, Reader, Writer } from "../../assembly/kafka/wire";
import { toBytes } from "./helpers/wire";

function bytesOf(a: i32[]): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = <u8>a[i];
  return out;
}

describe("Reader", () => {
  it("reads big-endian integers", () => {
    const r = new Reader(bytesOf([0x01, 0x02, 0xff, 0xff, 0xff, 0xfe, 0x80]));
    expect<i16>(r.int16()).toBe(0x0102);
    expect<i32>(r.int32()).toBe(-2);
    expect<i8>(r.int8()).toBe(-128);
    expect<bool>(r.failed).toBe(false);
  });
  it("decodes unsigned and zig-zag varints as in Kafka's ByteUtils", () => {
    // 300 = 0xac 0x02; zig-zag -1 = 0x01; zig-zag 1 = 0x02
    const r = new Reader(bytesOf([0xac, 0x02, 0x01, 0x02]));
    expect<u32>(r.uvarint()).toBe(300);
    expect<i32>(r.varint()).toBe(-1);
    expect<i32>(r.varint()).toBe(1);
  });
  it("fails, without trapping, on a read past the end", () => {
    const r = new Reader(bytesOf([0x00, 0x01]));
    expect<i32>(r.int32()).toBe(0);
    expect<bool>(r.failed).toBe(true);
    expect<i16>(r.int16()).toBe(0);
  });
  it("fails on a varint longer than five bytes", () => {
    const r = new Reader(bytesOf([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    r.uvarint();
    expect<bool>(r.failed).toBe(true);
  });
  it("refuses an array count larger than the bytes left", () => {
    const r = new Reader(bytesOf([0x7f, 0xff, 0xff, 0xff, 0x00]));
    expect<i32>(r.arrayLength(false, 4)).toBe(-1);
    expect<bool>(r.failed).toBe(true);
  });
  it("reads compact and classic strings, and null", () => {
    const r = new Reader(bytesOf([0x00, 0x02, 0x68, 0x69, 0x03, 0x6f, 0x6b, 0xff, 0xff, 0x00]));
    expect<string>(r.string(false)).toBe("hi");
    expect<string>(r.string(true)).toBe("ok");
    expect<string | null>(r.nullableString(false)).toBeNull();
    expect<string | null>(r.nullableString(true)).toBeNull();
    expect<bool>(r.failed).toBe(false);
  });
});

describe("Writer", () => {
  it("round-trips every primitive through Reader", () => {
    const w = new Writer(16);
    w.int8(-3);
    w.int16(-2);
    w.int32(0x7fffffff);
    w.int64(-1234567890123);
    w.uvarint(0xffffffff);
    w.varlong(-9876543210);
    w.string("héllo", true);
    w.nullableString(null, false);
    w.nullableBytes(bytesOf([1, 2, 3]), true);
    const r = new Reader(toBytes(w));
    expect<i8>(r.int8()).toBe(-3);
    expect<i16>(r.int16()).toBe(-2);
    expect<i32>(r.int32()).toBe(0x7fffffff);
    expect<i64>(r.int64()).toBe(-1234567890123);
    expect<u32>(r.uvarint()).toBe(0xffffffff);
    expect<i64>(r.varlong()).toBe(-9876543210);
    expect<string>(r.string(true)).toBe("héllo");
    expect<string | null>(r.nullableString(false)).toBeNull();
    const b = r.nullableBytes(true)!;
    expect<i32>(b.length).toBe(3);
    expect<u8>(b[2]).toBe(3);
    expect<i32>(r.remaining()).toBe(0);
    expect<bool>(r.failed).toBe(false);
  });
});

/** Bytes 0, 1, 2, ... (mod 256) from `first`. */
function run(n: i32, first: i32): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = <u8>(first + i);
  return out;
}

describe("Writer: records spliced in (spliceRecordsFrom)", () => {
  it("splices records from the size on, copies smaller ones, and the pieces read as the copying writer's bytes", () => {
    const big = run(100, 7);
    const small = run(99, 3);
    const copying = new Writer(16);
    const splicing = new Writer(16);
    splicing.spliceRecordsFrom(100);
    const writers = [copying, splicing];
    for (let i = 0; i < writers.length; i++) {
      const w = writers[i];
      const start = w.pos;
      w.int32(0); // a frame's size, back-filled below
      w.int16(1);
      w.nullableRecords(big, true);
      w.int8(9);
      w.nullableRecords(small, false);
      w.nullableRecords(big, false);
      w.nullableRecords(null, true);
      w.patchInt32(start, w.pos - start - 4);
      // A second frame, after the spliced views: its size lands in its own bytes.
      const second = w.pos;
      w.int32(0);
      w.nullableRecords(big, true);
      w.patchInt32(second, w.pos - second - 4);
    }
    expect<bool>(copying.copiesRecords(100)).toBe(true);
    expect<bool>(splicing.copiesRecords(99)).toBe(true);
    expect<bool>(splicing.copiesRecords(100)).toBe(false);
    const expected = copying.view();
    expect<i32>(splicing.pos).toBe(expected.length);
    const pieces = splicing.pieces();
    // own bytes | big | own bytes, small copied | big | own bytes | big
    expect<i32>(pieces.length).toBe(6);
    expect<usize>(pieces[1].dataStart).toBe(big.dataStart);
    expect<usize>(pieces[3].dataStart).toBe(big.dataStart);
    expect<usize>(pieces[5].dataStart).toBe(big.dataStart);
    expect<Uint8Array>(joinPieces(pieces)).toStrictEqual(expected);
    expect<Uint8Array>(splicing.view()).toStrictEqual(expected);
    const r = new Reader(expected);
    expect<i32>(r.int32()).toBe(2 + 1 + 100 + 1 + 4 + 99 + 4 + 100 + 1);
    // A copying writer's single piece is its view.
    expect<i32>(copying.pieces().length).toBe(1);
  });

  it("forgets the spliced views on reset", () => {
    const w = new Writer(16);
    w.spliceRecordsFrom(8);
    w.nullableRecords(run(8, 0), true);
    expect<i32>(w.pieces().length).toBe(2);
    w.reset();
    expect<i32>(w.pos).toBe(0);
    expect<i32>(w.pieces().length).toBe(0);
    w.int8(5);
    expect<Uint8Array>(w.view()).toStrictEqual(run(1, 5));
  });
});
