// Writes compression test vectors produced by real encoders:
//   gzip    Node's zlib (levels, strategies, concatenated members, hand-framed header flags)
//           and the Kafka Java client's GzipCompression
//   snappy  cramjam (raw blocks) and the Kafka Java client's SnappyCompression (xerial frames)
//   lz4     python lz4.frame (every frame option) and the Kafka Java client's Lz4Compression /
//           Lz4BlockOutputStream
// Inputs come from a seeded generator mirrored by tests/fixtures/compression/support.ts.
//
//   node --import tsx generate.ts small   -> tests/fixtures/compression/vectors.ts (committed)
//   node --import tsx generate.ts large   -> tests/fixtures/compression/large/vectors_large.ts (git-ignored)
//   --cache-only                          only the files under .cache (for the benchmark)
// Both also leave the raw inputs and compressed files under .cache/compression-fixtures/<set>/
// for bench/codecs/codecs.ts.
//
// Needs .venv (lz4, cramjam) and the kafka-clients classpath in
// .cache/compression-fixtures/cp-<KAFKA_VERSION>.txt; `make compression-fixtures` prepares both.
// The zstd vectors come from zstd.py beside this file.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { KAFKA_VERSION } from "../../../scripts/versions.ts";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");

// ---- Inputs (keep in step with tests/fixtures/compression/support.ts) ----

export const WORDS: readonly string[] = [
  "kafka", "envoy", "mesh", "record", "batch", "topic", "offset", "leader", "replica", "broker",
  "producer", "linger", "acks", "partition", "header", "value", "alpha", "bravo", "charlie",
  "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike",
  "november", "oscar", "papa",
];

class Rng {
  private x: number;

  constructor(seed: number) {
    this.x = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.x = x;
    return x;
  }
}

class Bytes {
  private parts: Buffer[] = [];
  length = 0;

  str(s: string): void {
    const b = Buffer.from(s, "latin1");
    this.parts.push(b);
    this.length += b.length;
  }
  bytes(b: Uint8Array): void {
    this.parts.push(Buffer.from(b));
    this.length += b.length;
  }
  done(size: number): Buffer {
    return Buffer.concat(this.parts).subarray(0, size);
  }
}

/** Uniform random bytes. */
export function randomBytes(seed: number, size: number): Buffer {
  const r = new Rng(seed);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = r.next() & 0xff;
  return out;
}

/** Words separated by spaces, a newline every 12 words. */
export function text(seed: number, size: number): Buffer {
  const r = new Rng(seed);
  const b = new Bytes();
  let n = 0;
  while (b.length < size) {
    b.str(WORDS[r.next() & 31]);
    b.str(++n % 12 == 0 ? "\n" : " ");
  }
  return b.done(size);
}

/** JSON-like records with one 64-byte random chunk about every 16 records. */
export function records(seed: number, size: number): Buffer {
  const r = new Rng(seed);
  const b = new Bytes();
  let id = 0;
  while (b.length < size) {
    const x = r.next();
    if ((x & 15) == 0) {
      const chunk = Buffer.alloc(64);
      for (let i = 0; i < 64; i++) chunk[i] = r.next() & 0xff;
      b.bytes(chunk);
      continue;
    }
    b.str(`{"id":${id++},"user":"${WORDS[(x >>> 4) & 31]} ${WORDS[(x >>> 9) & 31]}",`);
    b.str(`"score":${(x >>> 14) % 1000},"tags":["${WORDS[(x >>> 24) & 31]}"]}\n`);
  }
  return b.done(size);
}

/** Runs of one byte, then a period-3 and a period-7 pattern (short back-references). */
export function repeat(size: number): Buffer {
  const out = Buffer.alloc(size);
  const third = Math.floor(size / 3);
  for (let i = 0; i < size; i++) {
    if (i < third) out[i] = 0x61;
    else if (i < 2 * third) out[i] = 0x61 + (i % 3);
    else out[i] = 0x30 + (i % 7);
  }
  return out;
}

const SMALL_INPUTS: Record<string, () => Buffer> = {
  empty: () => Buffer.alloc(0),
  one: () => Buffer.from([0x78]),
  zeros: () => Buffer.alloc(70000),
  repeat: () => repeat(30000),
  random: () => randomBytes(7, 8000),
  text: () => text(11, 40000),
  records: () => records(13, 70000),
};

export const LARGE_SEED = 1234567;
export const LARGE_SIZE = 4 << 20;
export const MID_SIZE = 1536 << 10;
const LARGE_INPUTS: Record<string, () => Buffer> = {
  big: () => records(LARGE_SEED, LARGE_SIZE),
  mid: () => records(LARGE_SEED, MID_SIZE),
  bigrandom: () => randomBytes(LARGE_SEED, 320 << 10),
};

// ---- Vectors: [codec, name, input, encoder, option] ----

type Codec = "gzip" | "snappy" | "lz4";

/**
 * One vector: Node's zlib encoders take zlib options; the Python and Java encoders (encode.py,
 * KafkaEncode.java) a mode name. An input list is encoded part by part and concatenated.
 */
type Job =
  | [codec: Codec, name: string, input: string | string[], encoder: "zlib" | "zlib-flush" | "zlib-header", opt: zlib.ZlibOptions]
  | [codec: Codec, name: string, input: string | string[], encoder: "py" | "java", opt: string];

interface Vector {
  codec: Codec;
  name: string;
  inputs: string[];
  data: Buffer;
  expected: Buffer;
}

interface Built {
  inputs: Record<string, Buffer>;
  vectors: Vector[];
}

function smallJobs(): Job[] {
  const jobs: Job[] = [];
  const all = Object.keys(SMALL_INPUTS);
  for (const i of all) {
    jobs.push(["gzip", `zlib-6-${i}`, i, "zlib", { level: 6 }]);
    jobs.push(["snappy", `raw-${i}`, i, "py", "snappy-raw"]);
    jobs.push(["snappy", `xerial-${i}`, i, "java", "snappy"]);
    jobs.push(["lz4", `kafka-${i}`, i, "java", "lz4"]);
    jobs.push(["lz4", `lz4f-${i}`, i, "py", "lz4"]);
  }
  jobs.push(["gzip", "kafka-records", "records", "java", "gzip"]);
  jobs.push(["gzip", "kafka-empty", "empty", "java", "gzip"]);
  for (const i of ["text", "records"]) {
    jobs.push(["gzip", `zlib-1-${i}`, i, "zlib", { level: 1 }]);
    jobs.push(["gzip", `zlib-9-${i}`, i, "zlib", { level: 9 }]);
  }
  jobs.push(["gzip", "zlib-stored-text", "text", "zlib", { level: 0 }]);
  jobs.push(["gzip", "zlib-fixed-text", "text", "zlib", { level: 6, strategy: zlib.constants.Z_FIXED }]);
  jobs.push(["gzip", "zlib-huffman-text", "text", "zlib", { level: 6, strategy: zlib.constants.Z_HUFFMAN_ONLY }]);
  jobs.push(["gzip", "zlib-rle-repeat", "repeat", "zlib", { level: 6, strategy: zlib.constants.Z_RLE }]);
  jobs.push(["gzip", "zlib-flush-text", "text", "zlib-flush", { level: 6 }]);
  jobs.push(["gzip", "header-flags-text", "text", "zlib-header", {}]);
  jobs.push(["gzip", "concat-text-random-empty", ["text", "random", "empty"], "zlib", { level: 6 }]);
  // Multi-block (records: 80 KB in 64 KB blocks) for the block modes, text for the rest.
  for (const o of ["lz4-b64-linked", "lz4-b64-bc-cc-cs", "lz4-b64-linked-bc-cc-cs"]) {
    jobs.push(["lz4", `${o.slice(4)}-records`, "records", "py", o]);
  }
  for (const o of ["lz4-b64-linked", "lz4-b256-linked-cc", "lz4-b1m-cs", "lz4-b4m-bc", "lz4-b64-hc-cc"]) {
    jobs.push(["lz4", `${o.slice(4)}-text`, "text", "py", o]);
  }
  jobs.push(["lz4", "b64-bc-cc-cs-random", "random", "py", "lz4-b64-bc-cc-cs"]);
  jobs.push(["lz4", "b64-linked-cc-cs-zeros", "zeros", "py", "lz4-b64-linked-cc-cs"]);
  jobs.push(["lz4", "b64-cs-empty", "empty", "py", "lz4-b64-cs-cc"]);
  jobs.push(["lz4", "kafka-bd4-bc-records", "records", "java", "lz4-bd4-bc"]);
  for (const bd of [5, 6, 7]) jobs.push(["lz4", `kafka-bd${bd}-bc-text`, "text", "java", `lz4-bd${bd}-bc`]);
  jobs.push(["lz4", "kafka-bd4-bc-random", "random", "java", "lz4-bd4-bc"]);
  jobs.push(["lz4", "concat-text-one-repeat", ["text", "one", "repeat"], "py", "lz4-b64-cc"]);
  return jobs;
}

function largeJobs(): Job[] {
  return [
    ["gzip", "zlib-6-big", "big", "zlib", { level: 6 }],
    ["gzip", "kafka-big", "big", "java", "gzip"],
    ["snappy", "xerial-big", "big", "java", "snappy"],
    ["snappy", "raw-big", "big", "py", "snappy-raw"],
    ["lz4", "kafka-big", "big", "java", "lz4"],
    ["lz4", "b4m-linked-cc-cs-big", "big", "py", "lz4-b4m-linked-cc-cs"],
    ["lz4", "b1m-bc-mid", "mid", "py", "lz4-b1m-bc"],
    ["lz4", "b256-linked-mid", "mid", "py", "lz4-b256-linked"],
    ["lz4", "b64-cc-bigrandom", "bigrandom", "py", "lz4-b64-cc"],
  ];
}

// ---- Encoding ----

function crc32(buf: Uint8Array): number {
  return zlib.crc32(buf) >>> 0;
}

/** A gzip member around zlib's raw deflate, with FEXTRA, FNAME, FCOMMENT and FHCRC set. */
function gzipWithHeaderFlags(data: Buffer): Buffer {
  const extra = Buffer.from("AB\x04\x00kafk", "latin1");
  const head = Buffer.concat([
    Buffer.from([0x1f, 0x8b, 8, 2 | 4 | 8 | 16, 0x10, 0x32, 0x54, 0x76, 0, 3]),
    Buffer.from([extra.length & 0xff, extra.length >> 8]),
    extra,
    Buffer.from("records.json\0comment: fixture\0", "latin1"),
  ]);
  const hcrc = Buffer.alloc(2);
  hcrc.writeUInt16LE(crc32(head) & 0xffff);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length >>> 0, 4);
  return Buffer.concat([head, hcrc, zlib.deflateRawSync(data, { level: 6 }), trailer]);
}

/** gzip with a full flush (an empty stored block) between the two halves. */
function gzipWithFlush(data: Buffer, opts: zlib.ZlibOptions): Promise<Buffer> {
  const gz = zlib.createGzip(opts);
  const chunks: Buffer[] = [];
  gz.on("data", (c: Buffer) => chunks.push(c));
  return new Promise((done) => {
    gz.write(data.subarray(0, data.length >> 1));
    gz.flush(zlib.constants.Z_FULL_FLUSH, () => {
      gz.end(data.subarray(data.length >> 1));
    });
    gz.on("end", () => done(Buffer.concat(chunks)));
  });
}

async function build(set: "small" | "large"): Promise<Built> {
  const inputsDef = set === "small" ? SMALL_INPUTS : LARGE_INPUTS;
  const jobs = set === "small" ? smallJobs() : largeJobs();
  const work = join(root, ".cache/compression-fixtures", set);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, "in"), { recursive: true });
  mkdirSync(join(work, "out"), { recursive: true });
  const inputs: Record<string, Buffer> = {};
  for (const [name, make] of Object.entries(inputsDef)) {
    inputs[name] = make();
    writeFileSync(join(work, "in", `${name}.bin`), inputs[name]);
  }
  // Concatenations: encode each part with the same encoder, then join the outputs.
  const py: string[] = [];
  const java: string[] = [];
  const fileOf = (codec: Codec, name: string): string => `${codec}-${name}`;
  for (const [codec, name, input, encoder, opt] of jobs) {
    const parts = Array.isArray(input) ? input : [input];
    parts.forEach((p, k) => {
      const out = parts.length > 1 ? `${fileOf(codec, name)}.part${k}` : fileOf(codec, name);
      if (encoder === "py") py.push(`${opt}:${p}:${out}`);
      else if (encoder === "java") java.push(`${opt}:${p}:${out}`);
    });
  }
  if (py.length) {
    execFileSync(join(root, ".venv/bin/python"), [join(here, "encode.py"), work, ...py], { stdio: "inherit" });
  }
  if (java.length) {
    const cp = readFileSync(join(root, `.cache/compression-fixtures/cp-${KAFKA_VERSION}.txt`), "utf8").trim();
    execFileSync("java", ["-cp", cp, join(here, "KafkaEncode.java"), work, ...java], { stdio: "inherit" });
  }
  const vectors: Vector[] = [];
  for (const [codec, name, input, encoder, opt] of jobs) {
    const parts = Array.isArray(input) ? input : [input];
    const enc: Buffer[] = [];
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k];
      if (encoder === "zlib") enc.push(zlib.gzipSync(inputs[p], opt));
      else if (encoder === "zlib-flush") enc.push(await gzipWithFlush(inputs[p], opt));
      else if (encoder === "zlib-header") enc.push(gzipWithHeaderFlags(inputs[p]));
      else {
        const f = parts.length > 1 ? `${fileOf(codec, name)}.part${k}` : fileOf(codec, name);
        enc.push(readFileSync(join(work, "out", `${f}.bin`)));
      }
    }
    const data = Buffer.concat(enc);
    const expected = Buffer.concat(parts.map((p) => inputs[p]));
    writeFileSync(join(work, "out", `${fileOf(codec, name)}.bin`), data);
    vectors.push({ codec, name, inputs: parts, data, expected });
  }
  writeFileSync(
    join(work, "manifest.json"),
    JSON.stringify(
      vectors.map((v) => ({ codec: v.codec, name: v.name, inputs: v.inputs, file: `out/${fileOf(v.codec, v.name)}.bin`, size: v.expected.length })),
      null,
      1,
    ),
  );
  return { inputs, vectors };
}

function emitModule(set: "small" | "large", { inputs, vectors }: Built): void {
  const lines = [
    "// Generated by tests/fixture-gen/compression/generate.ts from real encoders; do not edit.",
    'import { Vector } from "' + (set === "small" ? "./support" : "../support") + '";',
    "",
  ];
  // Inputs are not embedded: support.ts regenerates them; these lengths catch a mismatch.
  lines.push(`export const ${set === "small" ? "" : "LARGE_"}INPUT_SIZES: string[] = [`);
  for (const [n, b] of Object.entries(inputs)) lines.push(`  "${n}=${b.length}",`);
  lines.push("];", "");
  const prefix = set === "small" ? "" : "LARGE_";
  for (const codec of ["gzip", "snappy", "lz4"]) {
    lines.push(`export const ${prefix}${codec.toUpperCase()}_VECTORS: Vector[] = [`);
    for (const v of vectors.filter((x) => x.codec === codec)) {
      lines.push(`  new Vector("${v.name}", "${v.inputs.join("+")}", "${v.data.toString("base64")}"),`);
    }
    lines.push("];", "");
  }
  const file =
    set === "small"
      ? join(root, "tests/fixtures/compression/vectors.ts")
      : join(root, "tests/fixtures/compression/large/vectors_large.ts");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, lines.join("\n"));
  const total = vectors.reduce((a, v) => a + v.data.length, 0);
  console.log(`${set}: ${vectors.length} vectors, ${total} compressed bytes -> ${file.slice(root.length + 1)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const cacheOnly = args.includes("--cache-only"); // raw files for the benchmark, no .ts module
  const sets = args.filter((a) => !a.startsWith("--"));
  for (const set of sets.length ? sets : ["small", "large"]) {
    if (set !== "small" && set !== "large") throw new Error(`unknown set ${set}`);
    const built = await build(set);
    if (!cacheOnly) emitModule(set, built);
  }
}
