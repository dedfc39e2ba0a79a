// Filter micro-benchmark, no network: build/bench-micro.wasm (bench/micro/entry.ts) runs
// the filter's Produce path on generated frames, the bridge answered in memory.
// The frames: Produce v8, one partition, one batch of records with null keys, uncompressed or
// lz4 (the LZ4 frame Kafka writes: independent 64 KiB blocks, no content size or checksum, via
// the python lz4 package in the bench venv).
// Prints JSON: ns per record for the whole path and for each phase, by record size and codec.
// Usage: node --import tsx bench/micro.ts [seconds-per-figure] [python]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { produceRequest, recordBatch } from "../tests/lib/kafka/index.ts";
import { payload } from "./payload.ts";
import type { MicroRow } from "./report.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SECONDS = Number(process.argv[2] ?? "0.3");
const PYTHON = process.argv[3] ?? join(ROOT, ".venv", "bench", "bin", "python");
const CONFIG = readFileSync(join(ROOT, "examples", "reference-strimzi.json"), "utf8");
const NATIVE_CONFIG = readFileSync(join(ROOT, "examples", "reference.json"), "utf8");
/** The native path's idempotent producer (the Java producer's default since Kafka 3.0). */
const PRODUCER = { id: 4000, epoch: 0 };

const LZ4 = 3;

function lz4Kafka(data: Buffer): Buffer {
  const code =
    "import sys,lz4.frame as f;d=sys.stdin.buffer.read();" +
    "sys.stdout.buffer.write(f.compress(d,block_size=f.BLOCKSIZE_MAX64KB,block_linked=False,content_checksum=False,store_size=False))";
  return execFileSync(PYTHON, ["-c", code], { input: data, maxBuffer: 1 << 26 });
}

/** Records of `recordSize` that fill one producer batch of batchBytes (Java's batch.size default 16384). */
const recordsPerBatch = (recordSize: number, batchBytes = 16384): number => Math.max(1, Math.floor((batchBytes - 61) / (recordSize + 8)));

/** A batch of `count` records of `size` bytes, timestamps 1 ms apart, partition leader epoch -1. */
function batchOf(count: number, size: number, codec: number, idempotent = false): Buffer {
  const value = payload(size);
  const records = Array.from({ length: count }, (_, i) => ({ key: null, value, timestampDelta: i }));
  const producer = idempotent ? { ...PRODUCER, sequence: 0 } : undefined;
  return recordBatch(records, { partitionLeaderEpoch: -1, codec, compress: codec === LZ4 ? lz4Kafka : undefined, producer });
}

/** A whole Produce v8 request frame for one topic partition. */
const produceFrame = (topic: string, partition: number, batch: Buffer): Buffer =>
  produceRequest(8, 1, { topics: [{ name: topic, partitions: [{ index: partition, records: batch }] }] }, "bench");

/** The bridge's answer to a call of `count` records on one partition. */
function bridgeAnswer(count: number, partition = 0, firstOffset = 1000): Buffer {
  const items: string[] = [];
  for (let i = 0; i < count; i++) items.push(`{"partition":${partition},"offset":${firstOffset + i}}`);
  return Buffer.from(`{"offsets":[${items.join(",")}]}`);
}

/** bench/micro/entry.ts's exports: addresses and counts are numbers. */
interface MicroExports {
  memory: { buffer: ArrayBuffer };
  prepareConfig(length: number): number;
  configure(): number;
  prepareFrame(length: number): number;
  prepareAnswer(length: number): number;
  runProduce(times: number): number;
  lastCallBody(): number;
  lastCallBodyLength(): number;
  split(): number;
  runFrameDecode(times: number): number;
  runBatchDecode(times: number): number;
  runCrc(times: number): number;
  runDecompress(times: number): number;
  runEncode(times: number): number;
  runParseAnswer(times: number): number;
  runResponse(times: number): number;
  configureNative(): number;
  prepareNativeFrame(length: number, batchAt: number): number;
  buildNativeAnswer(baseOffset: bigint): number;
  runNativeProduce(times: number, recordsPerBatch: number): number;
  lastMessageBytes(): number;
  lastMessageLength(): number;
  splitNative(): number;
  runNativePlan(times: number, recordsPerBatch: number): number;
  runNativeEncode(times: number): number;
  runNativeAnswer(times: number): number;
  runNativeResponse(times: number): number;
  memoryBytes(): number;
}

// WebAssembly as Node provides it (lib es2022 does not declare it).
const { WebAssembly: wasmApi } = globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }> };
};

async function instance(): Promise<MicroExports> {
  const bytes = readFileSync(process.env.BENCH_MICRO_WASM ?? join(ROOT, "build", "bench-micro.wasm"));
  const { instance } = await wasmApi.instantiate(bytes, {
    env: { abort: () => { throw new Error("wasm abort"); } },
  });
  return instance.exports as MicroExports;
}

function put(x: MicroExports, prepare: (length: number) => number, data: Buffer): void {
  const at = prepare(data.length);
  new Uint8Array(x.memory.buffer, at, data.length).set(data);
}

/**
 * Median of 7 timings of fn(times), in ns per unit (units per call given). Timed in process
 * CPU time rather than wall time, so that a machine shared with other work inflates the
 * figures less (being descheduled costs no CPU time).
 */
const cpuNs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; };
function measure(fn: (times: number) => unknown, unitsPerCall: number): number {
  // Calibrate so one sample takes ~SECONDS/7.
  let times = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    fn(times);
    const dt = Number(process.hrtime.bigint() - t0);
    if (dt > (SECONDS * 1e9) / 7 || times > 1 << 24) break;
    times *= 2;
  }
  const samples: number[] = [];
  for (let s = 0; s < 7; s++) {
    const t0 = cpuNs();
    fn(times);
    samples.push((cpuNs() - t0) / (times * unitsPerCall));
  }
  samples.sort((a, b) => a - b);
  return Number(samples[3].toFixed(1));
}

/** The Base64 values of the records in an upstream body ({"records": [{"value": ...}]}). */
function upstreamRecords(body: unknown): string[] {
  if (typeof body !== "object" || body === null || !("records" in body) || !Array.isArray(body.records)) return [];
  const records: unknown[] = body.records;
  return records.map((r) => (typeof r === "object" && r !== null && "value" in r && typeof r.value === "string" ? r.value : ""));
}

export async function micro(): Promise<MicroRow[]> {
  const results: MicroRow[] = [];
  for (const [size, codec] of [[100, 0], [1024, 0], [100, LZ4], [1024, LZ4]] as const) {
    const x = await instance();
    put(x, x.prepareConfig, Buffer.from(CONFIG));
    if (!x.configure()) throw new Error("config refused");
    const n = recordsPerBatch(size);
    const batch = batchOf(n, size, codec);
    put(x, x.prepareFrame, produceFrame("apples", 0, batch));
    put(x, x.prepareAnswer, bridgeAnswer(n));
    const check = x.runProduce(1);
    if (check <= 0) throw new Error(`produce path failed (${check}) for ${size} B codec ${codec}`);
    const body = Buffer.from(new Uint8Array(x.memory.buffer, x.lastCallBody(), x.lastCallBodyLength()));
    const records = upstreamRecords(JSON.parse(body.toString()) as unknown);
    if (records.length !== n || Buffer.from(records[0] ?? "", "base64").length !== size) {
      throw new Error("upstream body does not hold the frame's records");
    }
    if (x.split() !== n) throw new Error("split failed");
    // The native dialect: the same records in an idempotent batch, passed through.
    put(x, x.prepareConfig, Buffer.from(NATIVE_CONFIG));
    if (!x.configureNative()) throw new Error("native config refused");
    const nativeBatch = batchOf(n, size, codec, true);
    const nativeFrame = produceFrame("apples", 0, nativeBatch);
    const at = x.prepareNativeFrame(nativeFrame.length, nativeFrame.indexOf(nativeBatch));
    new Uint8Array(x.memory.buffer, at, nativeFrame.length).set(nativeFrame);
    if (x.splitNative() !== 1) throw new Error("native split failed");
    if (x.buildNativeAnswer(1000n) <= 0) throw new Error("native answer not built");
    const nativeCheck = x.runNativeProduce(1, n);
    if (nativeCheck <= 0) throw new Error(`native path failed (${nativeCheck}) for ${size} B codec ${codec}`);
    const message = Buffer.from(new Uint8Array(x.memory.buffer, x.lastMessageBytes(), x.lastMessageLength()));
    if (message.indexOf(nativeBatch.subarray(61)) < 0) throw new Error("the channel message does not hold the client's records untouched");
    const memBefore = x.memoryBytes();
    const row: MicroRow = {
      record_bytes: size,
      codec: codec === LZ4 ? "lz4" : "none",
      records_per_batch: n,
      batch_bytes: batch.length,
      upstream_body_bytes: body.length,
      ns_per_record: {
        produce_path: measure((t) => x.runProduce(t), n),
        frame_decode: measure((t) => x.runFrameDecode(t), n),
        batch_decode: measure((t) => x.runBatchDecode(t), n),
        crc32c: measure((t) => x.runCrc(t), n),
        decompress: codec === 0 ? 0 : measure((t) => x.runDecompress(t), n),
        upstream_encode: measure((t) => x.runEncode(t), n),
        answer_parse: measure((t) => x.runParseAnswer(t), n),
        response_encode: measure((t) => x.runResponse(t), n),
        native_path: measure((t) => x.runNativeProduce(t, n), n),
        native_plan: measure((t) => x.runNativePlan(t, n), n),
        native_encode: measure((t) => x.runNativeEncode(t), n),
        native_answer: measure((t) => x.runNativeAnswer(t), n),
        native_response: measure((t) => x.runNativeResponse(t), n),
      },
      wasm_memory_bytes: { before: memBefore, after: x.memoryBytes() },
    };
    results.push(row);
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await micro(), null, 2));
}
