// Compares the wasm zstd decoder's speed with native libzstd (python zstandard) on the same frames.
// Usage: node --import tsx bench/codecs/zstd.ts   (make bench-codecs installs what it needs first)
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const work = path.join(root, ".cache", "bench-zstd");
const wasmFile = path.join(work, "zstd.wasm");
mkdirSync(work, { recursive: true });

execFileSync(
  "npx",
  ["asc", "bench/codecs/zstd/entry.ts", "--config", "bench/codecs/zstd/asconfig.json", "--outFile", wasmFile],
  { cwd: root, stdio: "inherit" },
);
/** zstd.py --bench: per input, native libzstd's MB/s (and the .zst/.bin files under `work`). */
const native = JSON.parse(
  execFileSync(path.join(root, ".venv", "bin", "python"), ["tests/fixture-gen/compression/zstd.py", "--bench", work], {
    cwd: root,
    encoding: "utf8",
  }),
) as Record<string, { native_mb_s: number }>;

/** bench/codecs/zstd/entry.ts's exports. */
interface ZstdExports {
  memory: { buffer: ArrayBuffer };
  /** Room for a frame of n bytes; returns its address. */
  setInput(n: number): number;
  /** Decodes the frame into at most `maxOutput` bytes; the output size. */
  run(maxOutput: number): number;
  outputPtr(): number;
}

// WebAssembly as Node provides it (lib es2022 does not declare it).
const { WebAssembly: wasmApi } = globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }> };
};

const { instance } = await wasmApi.instantiate(readFileSync(wasmFile), {
  env: { abort: () => { throw new Error("abort"); } },
});
const ex = instance.exports as ZstdExports;

console.log("input                    size      ratio   wasm MB/s  native MB/s  wasm/native");
for (const [name, info] of Object.entries(native)) {
  const frame = readFileSync(path.join(work, name + ".zst"));
  const want = readFileSync(path.join(work, name + ".bin"));
  const ptr = ex.setInput(frame.length);
  new Uint8Array(ex.memory.buffer, ptr, frame.length).set(frame);
  let best = Infinity;
  for (let i = 0; i < 15; i++) {
    const t = process.hrtime.bigint();
    const n = ex.run(want.length);
    const dt = Number(process.hrtime.bigint() - t) / 1e9;
    if (n !== want.length) throw new Error(`${name}: decode returned ${n}`);
    best = Math.min(best, dt);
  }
  const got = new Uint8Array(ex.memory.buffer, ex.outputPtr(), want.length);
  if (Buffer.compare(Buffer.from(got), want) !== 0) throw new Error(`${name}: output differs`);
  const mbs = want.length / best / 1e6;
  console.log(
    name.padEnd(24),
    String(want.length).padStart(8),
    (want.length / frame.length).toFixed(2).padStart(8),
    mbs.toFixed(0).padStart(11),
    info.native_mb_s.toFixed(0).padStart(12),
    ((100 * mbs) / info.native_mb_s).toFixed(0).padStart(11) + "%",
  );
}
