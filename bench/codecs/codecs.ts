// Decode speed of the wasm gzip/snappy/lz4 decoders (build/bench-codecs.wasm, release build)
// against native decoders on the same fixtures: Node's zlib for gzip, liblz4 (python lz4) and
// the snappy C++/Rust decoder (cramjam) via .venv. Prints MB/s of decompressed output.
//   node --import tsx bench/codecs/codecs.ts [seconds per measurement, default 1]
// Fixtures come from tests/fixture-gen/compression/generate.ts (make compression-fixtures).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const seconds = Number(process.argv[2] || 1);
type Codec = "gzip" | "snappy" | "lz4";
const CODECS: Record<Codec, number> = { gzip: 1, snappy: 2, lz4: 3 };
const GOALS: Record<Codec, number> = { gzip: 0.25, snappy: 0.4, lz4: 0.4 };
const isCodec = (s: string): s is Codec => Object.hasOwn(CODECS, s);

// The 4 MiB fixtures plus a few small ones: the shapes Kafka batches take.
const PICK: [set: "small" | "large", name: string][] = [
  ["large", "gzip-zlib-6-big"],
  ["large", "gzip-kafka-big"],
  ["small", "gzip-zlib-6-text"],
  ["large", "snappy-raw-big"],
  ["large", "snappy-xerial-big"],
  ["small", "snappy-xerial-records"],
  ["large", "lz4-kafka-big"],
  ["large", "lz4-b4m-linked-cc-cs-big"],
  ["large", "lz4-b64-cc-bigrandom"],
  ["small", "lz4-kafka-records"],
];

/** bench/codecs/entry.ts's exports. */
interface BenchExports {
  memory: { buffer: ArrayBuffer };
  /** Room for an input of n bytes; returns its address. */
  prepare(n: number): number;
  /** Decodes the prepared input `times` times; the output size, or minus an error code. */
  run(codec: number, maxOutput: number, times: number): number;
  output(): number;
}

// WebAssembly as Node provides it (lib es2022 does not declare it).
const { WebAssembly: wasmApi } = globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }> };
};

const wasmBytes = readFileSync(join(root, "build/bench-codecs.wasm"));
const { instance } = await wasmApi.instantiate(wasmBytes, {
  env: {
    abort(_msg: number, _file: number, line: number, col: number) {
      throw new Error(`wasm abort at ${line}:${col}`);
    },
  },
});
const w = instance.exports as BenchExports;

/**
 * Speed of fn after a warm-up long enough for V8 to tier the code up: the best of the
 * samples taken within the time budget (robust against other load on the machine).
 */
function timeLoop(fn: () => unknown): number {
  const until = (s: number): number => {
    const start = process.hrtime.bigint();
    let best = Infinity;
    for (;;) {
      const t = process.hrtime.bigint();
      fn();
      const e = Number(process.hrtime.bigint() - t) / 1e9;
      if (e < best) best = e;
      if (Number(process.hrtime.bigint() - start) / 1e9 >= s) return best;
    }
  };
  until(Math.min(0.5, seconds / 2));
  return until(seconds);
}

interface Row {
  name: string;
  codec: Codec;
  file: string;
  in: number;
  out: number;
  wasm: number;
  native: number | null;
}

const rows: Row[] = [];
const nativeJobs: string[] = [];
for (const [set, name] of PICK) {
  const codec = name.split("-")[0];
  if (!isCodec(codec)) throw new Error(`${name}: no codec ${codec}`);
  const file = join(root, ".cache/compression-fixtures", set, "out", `${name}.bin`);
  const data = readFileSync(file);
  const expected = codec === "gzip" ? zlib.gunzipSync(data) : null;
  const ptr = w.prepare(data.length);
  new Uint8Array(w.memory.buffer, ptr, data.length).set(data);
  const size = w.run(CODECS[codec], 1 << 30, 1);
  if (size < 0) throw new Error(`${name}: wasm decode failed (${-size})`);
  if (expected && Buffer.compare(Buffer.from(new Uint8Array(w.memory.buffer, w.output(), size)), expected) !== 0) {
    throw new Error(`${name}: wasm output differs from zlib`);
  }
  // Batch several decodes per call for small inputs so the JS->wasm call does not dominate.
  const times = Math.max(1, Math.floor((1 << 22) / Math.max(size, 1)));
  const wasm = (size * times) / timeLoop(() => w.run(CODECS[codec], 1 << 30, times)) / 1e6;
  let native: number | null = null;
  if (codec === "gzip") {
    native = size / timeLoop(() => zlib.gunzipSync(data)) / 1e6;
  } else {
    nativeJobs.push(`${codec}:${file}`);
  }
  rows.push({ name, codec, file, in: data.length, out: size, wasm, native });
}
if (nativeJobs.length) {
  const out = execFileSync(join(root, ".venv/bin/python"), [join(root, "bench/codecs/native.py"), String(seconds), ...nativeJobs]);
  // native.py prints {file: MB/s}.
  const speeds = JSON.parse(out.toString()) as Record<string, number>;
  for (const r of rows) {
    if (r.native !== null) continue;
    const speed = speeds[r.file];
    if (speed === undefined) throw new Error(`native.py gave no figure for ${r.file}`);
    r.native = speed;
  }
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);
console.log(`${"fixture".padEnd(28)} ${pad("in B", 9)} ${pad("out B", 9)} ${pad("wasm MB/s", 10)} ${pad("native MB/s", 12)} ${pad("ratio", 6)} goal`);
let missed = 0;
for (const r of rows) {
  const native = r.native ?? NaN;
  const ratio = r.wasm / native;
  const ok = ratio >= GOALS[r.codec];
  if (!ok) missed++;
  console.log(
    `${r.name.padEnd(28)} ${pad(r.in, 9)} ${pad(r.out, 9)} ${pad(r.wasm.toFixed(0), 10)} ${pad(native.toFixed(0), 12)} ${pad((ratio * 100).toFixed(0) + "%", 6)} ${ok ? "ok" : "below"} (${GOALS[r.codec] * 100}%)`,
  );
}
console.log(`native: gzip = node zlib ${process.versions.zlib}; lz4 = python lz4 (liblz4); snappy = cramjam`);
if (missed) console.log(`${missed} fixture(s) below goal`);
