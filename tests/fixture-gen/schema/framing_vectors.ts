// Writes tests/fixtures/schema/framing_vectors.ts for tests/unit/schema_framing.spec.ts: keys
// and values in the Confluent wire format (magic byte 0, big-endian schema id), Protobuf's
// message indexes after the id as Confluent's MessageIndexes writes them (Kafka's
// ByteUtils.writeVarint: zig-zag varints, the same encoding as an Avro int, here written by
// avsc; [0] as the single byte 0), and malformed framings: too short, another magic byte,
// missing or truncated indexes, a negative count or index, more indexes than bytes or than
// 100, varints of more than 5 bytes (ByteUtils.readVarint throws), and a 5th varint byte past
// 32 bits (ByteUtils.readVarint drops those bits; its writer never sets them: refused here by
// the filter's own rule, not by an independent reader).
//   node --import tsx tests/fixture-gen/schema/framing_vectors.ts [OUTPUT]
import { writeFileSync } from "node:fs";
import { avsc } from "./avsc_strict.ts";
import { hex, q } from "./lib.ts";

const OUT = process.argv[2] ?? "tests/fixtures/schema/framing_vectors.ts";
const int = avsc.Type.forSchema("int");
const zigzag = (n: number): Buffer => int.toBuffer(n);

function header(id: number): Buffer {
  const b = Buffer.alloc(5);
  b.writeInt32BE(id, 1);
  return b;
}

/** MessageIndexes.toByteArray: [0] as one 0 byte, else the count then each index. */
function indexes(list: number[]): Buffer {
  if (list.length === 1 && list[0] === 0) return zigzag(0);
  return Buffer.concat([zigzag(list.length), ...list.map(zigzag)]);
}

interface Case {
  name: string;
  bytes: Buffer;
  /** "ok", or the framing status the filter must report: "empty", "no_magic", "truncated". */
  framing: string;
  schemaId: number;
  /** Protobuf: the indexes (null when they must be refused), and the payload's offset. */
  indexes: number[] | null;
  payloadStart: number;
}

const payload = Buffer.from([0x08, 0x96, 0x01]); // a Protobuf message: field 1 = 150
const cases: Case[] = [];
const ok = (name: string, id: number, list: number[], body: Buffer = payload): void => {
  const head = Buffer.concat([header(id), indexes(list)]);
  cases.push({ name, bytes: Buffer.concat([head, body]), framing: "ok", schemaId: id, indexes: list, payloadStart: head.length });
};
ok("first message: the single 0 byte", 1, [0]);
ok("first message, empty payload", 2, [0], Buffer.alloc(0));
ok("second top-level message", 3, [1]);
ok("nested message [0, 2]", 100000, [0, 2]);
ok("nested three deep [2, 3, 4]", 0x7fffffff, [2, 3, 4]);
ok("index 300 (two-byte varint)", 42, [300]);
ok("index 2^31-1 (five-byte varint)", 42, [2147483647]);
ok("100 indexes", 5, Array.from({ length: 100 }, (_, i) => i % 3));
// Apicurio's serializer writes [0] as count 1 then 0 (no single-byte form).
{
  const head = Buffer.concat([header(9), zigzag(1), zigzag(0)]);
  cases.push({ name: "[0] written as count 1, index 0", bytes: Buffer.concat([head, payload]), framing: "ok", schemaId: 9, indexes: [0], payloadStart: head.length });
}
// Schema ids are signed big-endian int32.
{
  const head = Buffer.concat([Buffer.from([0, 0xff, 0xff, 0xff, 0xfe]), zigzag(0)]);
  cases.push({ name: "schema id -2 (0xfffffffe)", bytes: head, framing: "ok", schemaId: -2, indexes: [0], payloadStart: head.length });
}

const bad = (name: string, bytes: Buffer, framing: string, schemaId = 0, payloadStart = 0): void => {
  cases.push({ name, bytes, framing, schemaId, indexes: null, payloadStart });
};
bad("empty", Buffer.alloc(0), "empty");
bad("magic byte only", Buffer.from([0]), "truncated");
bad("magic and 1 byte", Buffer.from([0, 0]), "truncated");
bad("magic and 3 bytes", Buffer.from([0, 0, 0, 1]), "truncated");
bad("magic byte 1", Buffer.concat([Buffer.from([1]), header(1).subarray(1), zigzag(0)]), "no_magic");
bad("a plain JSON value", Buffer.from('{"a":1}'), "no_magic");
bad("a plain string", Buffer.from("hello"), "no_magic");
bad("no message indexes", header(7), "ok", 7, 5);
bad("negative count", Buffer.concat([header(7), zigzag(-1), payload]), "ok", 7, 5);
bad("count 3, two indexes and nothing else", Buffer.concat([header(7), zigzag(3), zigzag(1), zigzag(2)]), "ok", 7, 5);
bad("negative index", Buffer.concat([header(7), zigzag(2), zigzag(0), zigzag(-4), payload]), "ok", 7, 5);
bad("101 indexes", Buffer.concat([header(7), zigzag(101), ...Array.from({ length: 101 }, () => zigzag(1)), payload]), "ok", 7, 5);
bad("count 2^31-1", Buffer.concat([header(7), zigzag(2147483647), payload]), "ok", 7, 5);
bad("count varint of 6 bytes", Buffer.concat([header(7), Buffer.from([0x82, 0x80, 0x80, 0x80, 0x80, 0x00]), payload]), "ok", 7, 5);
bad("count varint past 32 bits", Buffer.concat([header(7), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f]), payload]), "ok", 7, 5);
bad("runaway count varint", Buffer.concat([header(7), Buffer.alloc(64, 0xff)]), "ok", 7, 5);
bad("count truncated mid-varint", Buffer.concat([header(7), Buffer.from([0x80])]), "ok", 7, 5);
bad("index truncated mid-varint", Buffer.concat([header(7), zigzag(1), Buffer.from([0x80, 0x80])]), "ok", 7, 5);

const lines: string[] = [];
lines.push("// Generated by tests/fixture-gen/schema/framing_vectors.ts (varints written by avsc 5.7.9); do not edit.");
lines.push("");
lines.push("export class FramingCase {");
lines.push("  constructor(");
lines.push("    public name: string,");
lines.push("    public hex: string,");
lines.push('    /** "ok", "empty", "no_magic" or "truncated". */');
lines.push("    public framing: string,");
lines.push("    public schemaId: i32,");
lines.push("    /** The Protobuf message indexes are well formed. */");
lines.push("    public indexesOk: bool,");
lines.push("    public indexes: i32[],");
lines.push("    /** Offset of the Protobuf message (indexesOk) or of what follows the id. */");
lines.push("    public payloadStart: i32,");
lines.push("  ) {}");
lines.push("}");
lines.push("");
lines.push("export const FRAMING_CASES: FramingCase[] = [");
for (const c of cases) {
  const list = c.indexes ?? [];
  lines.push(`  new FramingCase(${q(c.name)}, ${q(hex(c.bytes))}, ${q(c.framing)}, ${c.schemaId}, ${c.indexes !== null}, [${list.join(", ")}], ${c.payloadStart}),`);
}
lines.push("];");
lines.push("");
writeFileSync(OUT, lines.join("\n"));
console.error(`wrote ${OUT}: ${cases.length} framings`);
