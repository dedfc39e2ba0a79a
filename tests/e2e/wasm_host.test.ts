// The built filter module (build/kafka_mesh.wasm) in the Node proxy-wasm host:
// Kafka answers, pipelining across read boundaries, refusal of garbage, traps surfaced,
// topic ids shared between VMs. Run: node --import tsx --test tests/e2e/wasm_host.test.ts
// (KAFKA_MESH_WASM=path runs another build)
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  encodePairs, type FilterExports, FilterStatus, type MeshConnection, MeshVm, type MeshVmOptions, SharedData, WasmTrap,
} from "../wasm-host/host.ts";
import * as k from "../lib/kafka/index.ts";
import { answerFor, NATIVE_GRPC_METHOD, NATIVE_GRPC_SERVICE, nativeAnswer, readNativeProduce } from "../wasm-host/native-bridge.ts";

/** The filter's reconnect delays after a lost stream (assembly/mesh/upstream_channel.ts). */
const RECONNECT_MIN_MS = 50;
const RECONNECT_MAX_MS = 1000;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WASM = process.env.KAFKA_MESH_WASM ? path.resolve(process.env.KAFKA_MESH_WASM) : path.join(ROOT, "build/kafka_mesh.wasm");
const CONFIG: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/reference-strimzi.json"), "utf8"));

// Kafka protocol error codes (kafka.apache.org/protocol#protocol_error_codes).
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const INVALID_TOPIC_EXCEPTION = 17;
const UNKNOWN_TOPIC_ID = 100;

async function load(options?: MeshVmOptions): Promise<MeshVm> {
  return MeshVm.load(WASM, CONFIG, options);
}

// Most tests run the strimzi dialect (examples/reference-strimzi.json, bridge calls over HTTP);
// the "native:" ones run examples/reference.json (one gRPC stream per cluster).
const NATIVE_CONFIG: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(ROOT, "examples/reference.json"), "utf8"));

test("the module imports only proxy-wasm calls and WASI, all implemented by the host", async () => {
  const vm = await load();
  const imports = WebAssembly.Module.imports(vm.module);
  for (const imp of imports) assert.ok(imp.module === "env" ? imp.name.startsWith("proxy_") : imp.module === "wasi_snapshot_preview1", `${imp.module}.${imp.name}`);
  assert.deepEqual([...vm.unimplemented], []);
  assert.match(vm.log.map((l) => l.message).join("\n"), /configured: broker 127\.0\.0\.1:19092, 3 upstream clusters, 3 forwarding rules/);
});

test("ApiVersions is answered in every version with the served APIs", async () => {
  const vm = await load();
  const conn = vm.connect();
  for (let v = 0; v <= 4; v++) {
    const r = conn.send(k.apiVersionsRequest(v, 100 + v));
    assert.equal(r.status, FilterStatus.Continue);
    assert.equal(r.closed, false);
    const frames = k.splitFrames(r.delivered);
    assert.equal(frames.length, 1);
    const answer = k.readApiVersionsResponse(frames[0], v);
    assert.equal(answer.correlationId, 100 + v);
    assert.equal(answer.errorCode, 0);
    const byKey = new Map(answer.apis.map((a) => [a.apiKey, a]));
    for (const key of [0, 3, 18, 22]) assert.ok(byKey.has(key), `api key ${key} advertised`);
    for (const a of answer.apis) assert.ok(a.minVersion >= 0 && a.minVersion <= a.maxVersion, `range of api key ${a.apiKey}`);
    assert.equal(byKey.get(18)!.minVersion, 0);
    assert.ok(byKey.get(18)!.maxVersion >= 3);
    assert.ok(byKey.get(3)!.maxVersion >= 12);
  }
  assert.equal(vm.metrics()["kafka_mesh.requests.ApiVersions"], 5);
});

test("Metadata answers the mesh as the only broker, partitions from the routed cluster", async () => {
  const vm = await load();
  const conn = vm.connect();
  for (const v of [1, 4, 9, 12]) {
    const r = conn.send(k.metadataRequest(v, v, ["apple", "b-orders", "cherries", "bad name"]));
    const [frame] = k.splitFrames(r.delivered);
    const m = k.readMetadataResponse(frame, v);
    assert.equal(m.correlationId, v);
    assert.deepEqual(m.brokers.map((b) => [b.nodeId, b.host, b.port]), [[0, "127.0.0.1", 19092]]);
    const t = new Map(m.topics.map((x) => [x.name, x]));
    assert.equal(t.get("apple")!.errorCode, 0);
    assert.equal(t.get("apple")!.partitions.length, 1); // app* -> c1
    assert.equal(t.get("b-orders")!.partitions.length, 5); // b* -> c3
    assert.deepEqual(t.get("b-orders")!.partitions.map((p) => p.leaderId), [0, 0, 0, 0, 0]);
    assert.equal(t.get("cherries")!.errorCode, UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(t.get("bad name")!.errorCode, INVALID_TOPIC_EXCEPTION);
  }
});

test("pipelined requests split into one-byte reads are all answered in order", async () => {
  const vm = await load();
  const conn = vm.connect();
  const stream = Buffer.concat([
    k.apiVersionsRequest(3, 1),
    k.metadataRequest(12, 2, ["apple"]),
    k.apiVersionsRequest(0, 3),
    k.metadataRequest(0, 4, ["b1"]),
  ]);
  for (const byte of stream) conn.send(Buffer.of(byte));
  const frames = k.splitFrames(conn.receivedAll());
  assert.deepEqual(frames.map((f) => f.readInt32BE(0)), [1, 2, 3, 4]);
  assert.equal(k.readMetadataResponse(frames[3], 0).topics[0].partitions.length, 5);
  // Many frames in one read as well.
  const r = conn.send(Buffer.concat([stream, stream]));
  assert.deepEqual(k.splitFrames(r.delivered).map((f) => f.readInt32BE(0)), [1, 2, 3, 4, 1, 2, 3, 4]);
});

test("garbage closes the connection and leaves the VM serving others", async () => {
  const vm = await load();
  const conn = vm.connect();
  const r = conn.send(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  assert.equal(r.closed, true);
  assert.equal(r.delivered.length, 0);
  assert.equal(conn.closed, true);
  assert.match(vm.log.at(-1)!.message, /closing connection \d+: frame size \d+ is negative or over the limit/);
  assert.throws(() => conn.send(Buffer.of(0)), /is closed/);
  const m = vm.metrics();
  assert.equal(m["kafka_mesh.connections"], 0);
  assert.equal(m["kafka_mesh.connections_refused"], 1);

  // An unknown API key and an unserved one close too; a valid request first is answered
  // only if it came in an earlier read (answers still in the read buffer go nowhere).
  const c2 = vm.connect();
  assert.equal(c2.send(k.apiVersionsRequest(1, 9)).delivered.length > 0, true);
  const r2 = c2.send(k.requestFrame(23, 4, 10, Buffer.alloc(40), "x")); // OffsetForLeaderEpoch (docs/consumers.md: not listed)
  assert.equal(r2.closed, true);
  assert.match(vm.log.at(-1)!.message, /OffsetForLeaderEpoch requests are not served by the mesh/);

  const c3 = vm.connect();
  const r3 = c3.send(Buffer.concat([k.apiVersionsRequest(1, 11), k.requestFrame(999, 0, 12, Buffer.alloc(0), "x")]));
  assert.equal(r3.closed, true);
  assert.equal(r3.delivered.length, 0);
  assert.equal(k.splitFrames(r3.buffer)[0].readInt32BE(0), 11, "the answer was written but never forwarded");
  assert.match(vm.log.at(-1)!.message, /unknown api key 999/);

  const ok = vm.connect().send(k.apiVersionsRequest(3, 5));
  assert.equal(k.readApiVersionsResponse(k.splitFrames(ok.delivered)[0], 3).correlationId, 5);
  assert.equal(vm.openConnections(), 1);
});

test("a refused configuration fails plugin load with the filter's reason", async () => {
  await assert.rejects(MeshVm.load(WASM, { ...CONFIG, advertised_port: "x" }), (e: Error & { configRejected?: boolean }) => e.configRejected === true && /advertised_port/.test(e.message));
});

test("a trap is surfaced as WasmTrap with the filter's log, and the VM stays dead", async () => {
  const vm = await load();
  // proxy_on_configure for a context that is no root context aborts inside the SDK.
  assert.throws(() => vm._call("proxy_on_configure", null, 4242, 0), (e) => e instanceof WasmTrap && /proc_exit|wasm trap/.test(e.message) && e.log.length > 0);
  assert.throws(() => vm.connect(), WasmTrap);
});

test("topic ids handed out by one VM resolve on another VM sharing the proxy's shared data", async () => {
  const shared = new SharedData();
  const a = await load({ shared });
  const b = await load({ shared });
  const lonely = await load();
  const [fa] = k.splitFrames(a.connect().send(k.metadataRequest(12, 1, ["apple"])).delivered);
  const id = k.readMetadataResponse(fa, 12).topics[0].topicId;
  assert.notEqual(id, "0".repeat(32));
  const ask = k.metadataRequest(12, 2, [{ id, name: null }]);
  const tb = k.readMetadataResponse(k.splitFrames(b.connect().send(ask).delivered)[0], 12).topics[0];
  assert.equal(tb.errorCode, 0);
  assert.equal(tb.name, "apple");
  assert.equal(tb.topicId, id);
  const tl = k.readMetadataResponse(k.splitFrames(lonely.connect().send(ask).delivered)[0], 12).topics[0];
  assert.equal(tl.errorCode, UNKNOWN_TOPIC_ID);
});

test("closing connections returns the connection and pending gauges to zero", async () => {
  const vm = await load();
  const conns: MeshConnection[] = [];
  for (let i = 0; i < 50; i++) {
    const c = vm.connect();
    c.send(k.apiVersionsRequest(3, i).subarray(0, 7)); // a frame cut short stays pending
    conns.push(c);
  }
  assert.equal(vm.metrics()["kafka_mesh.connections"], 50);
  for (const c of conns) c.close();
  const m = vm.metrics();
  assert.equal(m["kafka_mesh.connections"], 0);
  assert.equal(m["kafka_mesh.pending_requests"] ?? 0, 0);
  assert.equal(m["kafka_mesh.connections_total"], 50);
  assert.equal(vm.openConnections(), 0);
});

// Produce goes to a REST bridge over proxy_http_call in builds that serve it.
const CORPUS = path.join(ROOT, "tests/fixtures/corpus");

test("Produce waits for its HTTP calls (one per partition) and is answered to the asking client", async () => {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(fs.readFileSync(WASM)));
  assert.ok(imports.some((i) => i.name === "proxy_http_call"), "the module imports no proxy_http_call: it cannot forward Produce");
  const vm = await load();
  const conn = vm.connect();
  const other = vm.connect();
  const frame = fs.readFileSync(path.join(CORPUS, "kafkajs-0v7-0.bin")); // acks=1, topic b-corpus, partitions 1 and 2
  frame.writeInt32BE(4711, 8);
  const r = conn.send(frame);
  assert.equal(r.status, FilterStatus.StopIteration);
  assert.equal(r.delivered.length, 0);
  const calls = [...vm.httpCalls];
  assert.equal(calls.length, 2);
  for (const call of calls) {
    assert.match(call.header(":path") ?? "", /^\/topics\/b-corpus(\/partitions\/\d+)?$/);
    assert.equal(call.cluster, "kafka_bridge_c3"); // b* -> c3
    assert.equal(call.header(":method"), "POST");
    assert.equal(call.header(":authority"), "127.0.0.1:8082");
    assert.ok(call.body.length > 0);
  }
  // Another client is served meanwhile.
  assert.equal(k.splitFrames(other.send(k.apiVersionsRequest(3, 1)).delivered).length, 1);
  // Each call is answered with one offset per record it carried (its partition named by the
  // record or by the path); the answer waits for both, and each call holds one partition.
  const partitions: number[] = [];
  const answers = calls.map((call, i) => {
    const records = (JSON.parse(Buffer.from(call.body).toString("utf8")) as { records: Array<{ partition?: number }> }).records;
    const inPath = /\/partitions\/(\d+)$/.exec(call.header(":path") ?? "");
    const offsets = records.map((r, j) => ({ partition: r.partition ?? Number(inPath?.[1]), offset: 40 + 10 * i + j }));
    partitions.push(...new Set(offsets.map((o) => o.partition)));
    return vm.answerHttp(call.token, 200, JSON.stringify({ offsets }))!;
  });
  assert.deepEqual(partitions, [1, 2]);
  assert.equal(answers[0].deliveries.length, 0);
  const a = answers[1];
  assert.equal(a.deliveries.length, 1);
  assert.equal(a.connection, conn);
  const [answer] = k.splitFrames(a.delivered);
  assert.equal(answer.readInt32BE(0), 4711);
  // The connection goes on: the next request is answered on its own.
  const next = conn.send(k.apiVersionsRequest(3, 4712));
  assert.deepEqual(k.splitFrames(next.delivered).map((f) => f.readInt32BE(0)), [4712]);
  // Failed calls answer too (with an error), they do not hang the client.
  frame.writeInt32BE(4713, 8);
  conn.send(frame);
  const failed = [...vm.httpCalls].map((c) => vm.failHttp(c.token)!);
  assert.deepEqual(failed.flatMap((f) => k.splitFrames(f.delivered).map((x) => x.readInt32BE(0))), [4713]);
});

// ---- The native dialect: one gRPC stream per (VM, cluster), the host's proxy_grpc_* calls ----

const REQUEST_TIMED_OUT = 7;

/** A captured kafkajs Produce v7 (acks=1, topic b-corpus, partitions 1 and 2: cluster c3) and its batches. */
function corpusProduce(correlationId: number): { frame: Buffer; batches: Map<number, Buffer> } {
  const frame = fs.readFileSync(path.join(CORPUS, "kafkajs-0v7-0.bin"));
  frame.writeInt32BE(correlationId, 8);
  const { header, body } = k.readRequestHeader(frame);
  const req = k.readProduceRequest(body, header.apiVersion);
  const batches = new Map(req.topics[0].partitions.map((p) => [p.index, p.records!]));
  return { frame, batches };
}

test("native: a Produce goes out as one stream message carrying the client's batches byte for byte; the answer's offsets reach the client", async () => {
  const vm = await MeshVm.load(WASM, NATIVE_CONFIG);
  const conn = vm.connect();
  const { frame, batches } = corpusProduce(4711);
  const r = conn.send(frame);
  assert.equal(r.status, FilterStatus.StopIteration);
  assert.equal(r.delivered.length, 0);
  assert.equal(vm.httpCalls.length, 0);
  const [stream] = vm.grpcStreams;
  assert.equal(vm.grpcStreams.length, 1);
  assert.equal(stream.cluster, "kafka_bridge_c3"); // b* -> c3
  assert.equal(stream.authority, "127.0.0.1:8182");
  assert.equal(stream.service, NATIVE_GRPC_SERVICE);
  assert.equal(stream.method, NATIVE_GRPC_METHOD);
  assert.equal(stream.contextId, vm.rootId); // streams belong to the root context
  assert.equal(stream.messages.length, 1);
  const sent = readNativeProduce(stream.messages[0]);
  assert.equal(sent.request.acks, 1);
  assert.deepEqual(sent.request.topics.map((t) => t.name), ["b-corpus"]);
  const parts = sent.request.topics[0].partitions;
  assert.deepEqual(parts.map((p) => p.index).sort(), [...batches.keys()].sort());
  for (const p of parts) assert.ok(Buffer.from(p.records!).equals(batches.get(p.index)!), `partition ${p.index}: the client's batch bytes`);
  // The bridge's answer: base offsets 100 + partition.
  const a = vm.answerGrpc(stream.token, answerFor(sent, (_t, p) => 100n + BigInt(p)))!;
  assert.equal(a.connection, conn);
  const [answer] = k.splitFrames(a.delivered);
  const produce = k.readProduceResponse(answer, 7);
  assert.equal(produce.correlationId, 4711);
  const got = produce.topics[0].partitions.map((p) => [p.index, p.errorCode, p.baseOffset]).sort();
  assert.deepEqual(got, [...batches.keys()].sort().map((p) => [p, 0, 100n + BigInt(p)]));
  // The stream stays open for the next request: a second message on it.
  conn.send(corpusProduce(4712).frame);
  assert.equal(vm.grpcStreams.length, 1);
  assert.equal(vm.grpcStreams[0].token, stream.token);
  assert.equal(stream.messages.length, 2);
  assert.equal(readNativeProduce(stream.messages[1]).correlationId !== sent.correlationId, true);
});

test("native: a stream closed by the remote end fails what it carried with REQUEST_TIMED_OUT; the next request opens a new stream", async () => {
  const vm = await MeshVm.load(WASM, NATIVE_CONFIG);
  const conn = vm.connect();
  conn.send(corpusProduce(1).frame);
  const [first] = vm.grpcStreams;
  const closed = vm.closeGrpc(first.token, 14)!;
  const [answer] = k.splitFrames(closed.delivered);
  const produce = k.readProduceResponse(answer, 7);
  assert.equal(produce.correlationId, 1);
  for (const p of produce.topics[0].partitions) assert.equal(p.errorCode, REQUEST_TIMED_OUT);
  assert.equal(vm.grpcStreams.length, 0);
  assert.equal(vm.closeGrpc(first.token), null); // gone
  // Within the reconnect delay a request fails at once, without a stream.
  const early = conn.send(corpusProduce(9).frame);
  for (const p of k.readProduceResponse(k.splitFrames(early.delivered)[0], 7).topics[0].partitions) assert.equal(p.errorCode, REQUEST_TIMED_OUT);
  assert.equal(vm.grpcStreams.length, 0);
  vm.advanceTime(RECONNECT_MIN_MS);
  conn.send(corpusProduce(2).frame);
  const [second] = vm.grpcStreams;
  assert.notEqual(second.token, first.token);
  assert.equal(second.token % 2, 0); // Envoy's stream tokens are even
  const a = vm.answerGrpc(second.token, answerFor(readNativeProduce(second.messages[0]), () => 7n))!;
  assert.deepEqual(k.readProduceResponse(k.splitFrames(a.delivered)[0], 7).topics[0].partitions.map((p) => p.baseOffset), [7n, 7n]);
  assert.equal(vm.metric("kafka_mesh.pending_requests"), 0);
});

test("native: an answer that is not a ProduceResponse, or matches no request, cancels the stream (no close callback) and fails its requests", async () => {
  const vm = await MeshVm.load(WASM, NATIVE_CONFIG);
  const conn = vm.connect();
  for (const bad of [Buffer.from("not kafka"), nativeAnswer(999999, [])]) {
    conn.send(corpusProduce(3).frame);
    const [stream] = vm.grpcStreams;
    const r = vm.answerGrpc(stream.token, bad)!;
    const produce = k.readProduceResponse(k.splitFrames(r.delivered)[0], 7);
    for (const p of produce.topics[0].partitions) assert.equal(p.errorCode, REQUEST_TIMED_OUT);
    assert.equal(vm.grpcStreams.length, 0, "cancelled");
    assert.equal(vm.answerGrpc(stream.token, bad), null);
    vm.advanceTime(RECONNECT_MAX_MS); // past the reconnect delay
  }
  assert.equal(conn.closed, false);
});

// The nested proxy_on_grpc_close enters the root context: the filter must come back to the
// connection it acted for, or the answer goes to no connection and the frame is forwarded.
test("native: a stream Envoy closes while opening it (cluster unknown, or no healthy host) fails the request, and the VM goes on", async () => {
  // Envoy knows none of the bridges' clusters: every open closes inside proxy_grpc_stream.
  const vm = await MeshVm.load(WASM, NATIVE_CONFIG, { clusters: [] });
  const conn = vm.connect();
  const r = conn.send(corpusProduce(5).frame);
  const produce = k.readProduceResponse(k.splitFrames(r.delivered)[0], 7);
  assert.equal(produce.correlationId, 5);
  for (const p of produce.topics[0].partitions) assert.equal(p.errorCode, REQUEST_TIMED_OUT);
  assert.equal(vm.grpcStreams.length, 0);
  assert.equal(vm.grpcStreamLog, 0);
  // A known cluster with no healthy host: the same, then the host comes back.
  const vm2 = await MeshVm.load(WASM, NATIVE_CONFIG);
  vm2.unavailableClusters.add("kafka_bridge_c3");
  const c2 = vm2.connect();
  const r2 = c2.send(corpusProduce(6).frame);
  for (const p of k.readProduceResponse(k.splitFrames(r2.delivered)[0], 7).topics[0].partitions) assert.equal(p.errorCode, REQUEST_TIMED_OUT);
  vm2.unavailableClusters.clear();
  vm2.advanceTime(RECONNECT_MIN_MS); // the next open waits the reconnect delay
  c2.send(corpusProduce(7).frame);
  assert.equal(vm2.grpcStreams.length, 1);
  assert.equal(vm2.metric("kafka_mesh.pending_requests"), 1);
});

test("host: gRPC stream calls as Envoy answers them", async () => {
  const vm = await MeshVm.load(WASM, NATIVE_CONFIG);
  vm.connect().send(corpusProduce(8).frame);
  const [stream] = vm.grpcStreams;
  const imports = vm._imports().env as unknown as Record<string, (...args: number[]) => number>;
  // Unknown or unary-call (odd) tokens; a cancel forgets the stream without a callback.
  assert.equal(imports.proxy_grpc_send(stream.token + 2, 0, 0, 0), 1 /* NotFound */);
  assert.equal(imports.proxy_grpc_send(stream.token + 1, 0, 0, 0), 2 /* BadArgument */);
  const calls = vm.calls;
  assert.equal(imports.proxy_grpc_cancel(stream.token), 0);
  assert.equal(vm.calls, calls);
  assert.equal(imports.proxy_grpc_send(stream.token, 0, 0, 0), 1 /* NotFound */);
  assert.equal(imports.proxy_grpc_cancel(stream.token), 1 /* NotFound */);
});

// ---- The host's read path, as Envoy's: socket queue, read buffer and its watermarks ----
//
// These drive the host with a small filter written in JS (the module's exports replaced), so
// they check the host's emulation of Envoy whatever the built filter does: a filter that holds
// a connection (StopIteration without consuming) leaves the bytes in the read buffer, Envoy
// stops reading the socket above per_connection_buffer_limit_bytes and reads on once the
// buffer drains to half of it, also when the filter drains it from another callback.

type OnceName = "close" | "upstream" | "http";

/** A network filter in JS that holds or consumes reads, and resumes connections on request. */
class JsFilter {
  vm: MeshVm;
  /** The host's proxy-wasm functions, called as the filter would call them. */
  env: ReturnType<MeshVm["_imports"]>["env"];
  memory: WebAssembly.Memory;
  top: number;
  hold: Set<number>;
  consumed: Map<number, Buffer[]>;
  calls: Array<[number, number]>;
  upstream: Array<[number, number]>;
  onTick: (() => unknown) | null;
  inNextData: ((id: number) => void) | null;
  once: Partial<Record<OnceName, (...args: number[]) => void>>;
  exports: FilterExports;

  constructor(vm: MeshVm) {
    this.vm = vm;
    this.env = vm._imports().env;
    this.memory = new WebAssembly.Memory({ initial: 64 });
    this.top = 64;
    /** Connections whose reads are held (StopIteration, bytes left in the buffer). */
    this.hold = new Set();
    /** Client bytes the filter consumed, per connection. */
    this.consumed = new Map();
    /** proxy_on_downstream_data calls: [context id, data size]. */
    this.calls = [];
    this.upstream = [];
    /** Run inside proxy_on_tick (the root context), or inside the next downstream call. */
    this.onTick = null;
    this.inNextData = null;
    /** Run inside the next call of that kind: close(id), upstream(id), http(id, token). */
    this.once = {};
    const once = (name: OnceName, ...args: number[]) => {
      const f = this.once[name];
      delete this.once[name];
      f?.(...args);
    };
    this.exports = {
      memory: this.memory,
      malloc: (n: number) => this.malloc(n),
      proxy_on_downstream_data: (id: number, size: number) => this.onData(id, size),
      proxy_on_upstream_data: (id: number, size: number) => {
        this.upstream.push([id, size]);
        once("upstream", id);
        return 0;
      },
      proxy_on_downstream_connection_close: (id: number) => once("close", id),
      proxy_on_http_call_response: (id: number, token: number) => once("http", id, token),
      proxy_on_tick: () => this.onTick?.(),
    };
  }
  static async load(options?: MeshVmOptions): Promise<{ vm: MeshVm; f: JsFilter }> {
    const vm = await MeshVm.load(WASM, CONFIG, options);
    const f = new JsFilter(vm);
    vm.exports = f.exports;
    return { vm, f };
  }
  malloc(n: number): number {
    const p = this.top;
    this.top += (n + 7) & ~7;
    while (this.top > this.memory.buffer.byteLength) this.memory.grow(16);
    return p;
  }
  u32(at: number): number {
    return new DataView(this.memory.buffer).getUint32(at, true);
  }
  /** The downstream buffer of the effective context, or the WasmResult when refused. */
  read(): Buffer | number {
    new DataView(this.memory.buffer).setBigUint64(0, 0n);
    const r = this.env.proxy_get_buffer_bytes(2, 0, 0xffffffff, 0, 4);
    if (r !== 0) return r;
    return Buffer.from(new Uint8Array(this.memory.buffer, this.u32(0), this.u32(4)));
  }
  write(start: number, length: number, bytes: Uint8Array): number {
    const p = this.malloc(bytes.length);
    new Uint8Array(this.memory.buffer).set(bytes, p);
    return this.env.proxy_set_buffer_bytes(2, start, length, p, bytes.length);
  }
  /** read(), where the buffer must be readable: a WasmResult fails the test. */
  readBytes(): Buffer {
    const bytes = this.read();
    assert.ok(typeof bytes !== "number", `proxy_get_buffer_bytes answered ${bytes}`);
    return bytes;
  }
  take(id: number, bytes: Buffer): void {
    if (!this.consumed.has(id)) this.consumed.set(id, []);
    this.consumed.get(id)!.push(bytes);
  }
  consumedBytes(id: number): Buffer {
    return Buffer.concat(this.consumed.get(id) ?? []);
  }
  onData(id: number, size: number): number {
    this.top = 64;
    this.calls.push([id, size]);
    if (this.inNextData) {
      const run = this.inNextData;
      this.inNextData = null;
      run(id);
    }
    if (this.hold.has(id)) return FilterStatus.StopIteration;
    const bytes = this.readBytes();
    this.take(id, bytes);
    this.write(0, bytes.length, Buffer.from(`ok ${bytes.length};`));
    return FilterStatus.Continue;
  }
  /** proxy_http_call to an Envoy cluster of the config; the token. */
  httpCall(cluster: string): number {
    const put = (bytes: Uint8Array): [number, number] => {
      const p = this.malloc(bytes.length);
      new Uint8Array(this.memory.buffer).set(bytes, p);
      return [p, bytes.length];
    };
    const [u, us] = put(Buffer.from(cluster));
    const [h, hs] = put(encodePairs([[":method", "POST"], [":path", "/x"], [":authority", "bridge"]]));
    const tokenAt = this.malloc(4);
    assert.equal(this.env.proxy_http_call(u, us, h, hs, u, 0, u, 0, 1000, tokenAt), 0);
    return this.u32(tokenAt);
  }
  /** Acting for connection id from another callback: drain `length` bytes of its buffer, no continue. */
  drain(id: number, length: number, back: number): void {
    this.env.proxy_set_effective_context(id);
    assert.equal(this.write(0, length, Buffer.alloc(0)), 0);
    this.env.proxy_set_effective_context(back);
  }
  /** Acting for connection id from another callback: consume its buffer, answer, continue. */
  resume(id: number, answer: string, back: number): number {
    assert.equal(this.env.proxy_set_effective_context(id), 0);
    const bytes = this.readBytes();
    this.take(id, bytes);
    assert.equal(this.write(0, bytes.length, Buffer.from(answer)), 0);
    assert.equal(this.env.proxy_continue_stream(2), 0);
    this.env.proxy_set_effective_context(back);
    return bytes.length;
  }
}

const KiB = 1024;
const MiB = 1024 * KiB;

function randomBytes(n: number, seed = 7): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

test("host: a held connection's socket is read up to the read buffer's high watermark, and again from the low one", async () => {
  const { vm, f } = await JsFilter.load(); // 1 MiB limit, 64 KiB reads
  const c = vm.connect();
  f.hold.add(c.id);
  const payload = randomBytes(3 * MiB);
  const r = c.send(payload);
  // 17 reads of 64 KiB: at 16 the buffer holds exactly 1 MiB, which is not over the limit.
  assert.equal(r.status, FilterStatus.StopIteration);
  assert.equal(r.paused, true);
  assert.equal(c.readBuffer.length, 17 * 64 * KiB);
  assert.equal(r.queued, 3 * MiB - 17 * 64 * KiB);
  assert.deepEqual(f.calls.map(([, size]) => size), Array.from({ length: 17 }, (_, i) => (i + 1) * 64 * KiB), "each call sees the whole read buffer");
  assert.deepEqual(r.delivered, new Uint8Array(0));
  // More from the client only queues up while Envoy does not read.
  const more = c.send(Buffer.from("tail"));
  assert.equal(more.status, null);
  assert.equal(more.queued, r.queued + 4);
  assert.equal(f.calls.length, 17);

  // From another callback (the root's tick) the filter consumes the buffer, answers, continues.
  f.onTick = () => f.resume(c.id, "first answer", vm.rootId);
  vm.tick();
  assert.equal(c.receivedAll().toString(), "first answer");
  assert.deepEqual(f.consumedBytes(c.id), payload.subarray(0, 17 * 64 * KiB));
  // The drained buffer let Envoy read on, up to the watermark again (the connection is still held).
  assert.equal(c.paused, true);
  assert.equal(c.readBuffer.length, 17 * 64 * KiB);
  assert.equal(c.queuedBytes, 3 * MiB + 4 - 2 * 17 * 64 * KiB);
  assert.deepEqual(f.upstream, [[c.id, "first answer".length]], "the answer came back through the echo");

  // Released: the rest is read in 64 KiB reads and consumed.
  f.hold.delete(c.id);
  f.onTick = () => f.resume(c.id, "second answer", vm.rootId);
  vm.tick();
  assert.equal(c.queuedBytes, 0);
  assert.equal(c.paused, false);
  assert.equal(c.readBuffer.length, 0);
  assert.deepEqual(f.consumedBytes(c.id), Buffer.concat([payload, Buffer.from("tail")]));
  assert.ok(c.receivedAll().toString().startsWith("first answersecond answerok 65536;"));
  assert.ok(c.maxReadBuffer <= 1 * MiB + 64 * KiB);
});

test("host: draining to the low watermark re-dispatches what is still buffered; above it Envoy stays stopped", async () => {
  const { vm, f } = await JsFilter.load({ bufferLimit: 256 * KiB, readChunk: 16 * KiB });
  const c = vm.connect();
  f.hold.add(c.id);
  const payload = randomBytes(17 * 16 * KiB); // exactly what Envoy reads before it stops
  c.send(payload);
  assert.equal(c.paused, true);
  assert.equal(c.queuedBytes, 0);
  const calls = f.calls.length;
  // Drain 100 KiB without continuing: 172 KiB left, over the 128 KiB low watermark.
  f.onTick = () => f.drain(c.id, 100 * KiB, vm.rootId);
  vm.tick();
  assert.equal(c.paused, true);
  assert.equal(f.calls.length, calls);
  // 60 KiB more: 112 KiB, under it. Envoy re-enables reading and, the socket being empty,
  // calls the filter again with what its buffer holds (dispatch_buffered_data).
  f.onTick = () => f.drain(c.id, 60 * KiB, vm.rootId);
  vm.tick();
  assert.equal(c.paused, false);
  assert.deepEqual(f.calls.slice(calls), [[c.id, 112 * KiB]]);
  // Bytes sent now are read again.
  c.send(Buffer.from("x"));
  assert.deepEqual(f.calls.at(-1), [c.id, 112 * KiB + 1]);
});

test("host: a filter reaches another connection's buffer, continues and closes it from inside its own call", async () => {
  const { vm, f } = await JsFilter.load();
  const held = vm.connect();
  const victim = vm.connect();
  const other = vm.connect();
  const plain = vm.connect();
  f.hold.add(held.id);
  f.hold.add(victim.id);
  held.send(randomBytes(3 * MiB, 1));
  victim.send(randomBytes(2 * MiB, 2));
  assert.equal(held.paused && victim.paused, true);
  // Continue hands the buffer to tcp_proxy and Envoy forgets it for the filter.
  plain.send(Buffer.from("hello"));
  f.onTick = () => {
    f.env.proxy_set_effective_context(plain.id);
    assert.equal(f.read(), 1 /* NotFound */);
    f.env.proxy_set_effective_context(vm.rootId);
  };
  vm.tick();
  // Inside proxy_on_downstream_data of `other`, the filter resumes `held` and closes `victim`.
  f.inNextData = (id) => {
    assert.equal(id, other.id);
    f.resume(held.id, "late", id);
    f.env.proxy_set_effective_context(victim.id);
    assert.equal(f.env.proxy_close_stream(2), 0);
    f.env.proxy_set_effective_context(id);
    assert.equal(victim.closed, false, "Envoy closes after the VM call");
  };
  const r = other.send(Buffer.from("ping"));
  assert.equal(r.delivered.toString(), "ok 4;");
  assert.equal(held.receivedAll().toString(), "late");
  assert.equal(held.paused, true, "read on up to the watermark again");
  assert.equal(held.queuedBytes, 3 * MiB - 2 * 17 * 64 * KiB);
  assert.equal(victim.closed, true);
  assert.equal(victim.closeReason, "closed by the filter");
  assert.equal(victim.undelivered.length, 17 * 64 * KiB, "what was in the read buffer is dropped");
  assert.equal(victim.unread, 2 * MiB - 17 * 64 * KiB, "and what the socket still held is never read");
  assert.equal(vm.socketTotals().paused, 1);
});

test("host: a resume from a close callback, an echo or an HTTP answer lets Envoy read the resumed connection on", async () => {
  const { vm, f } = await JsFilter.load();
  const held = [vm.connect(), vm.connect(), vm.connect()];
  for (const [i, c] of held.entries()) {
    f.hold.add(c.id);
    c.send(randomBytes(3 * MiB, 10 + i));
    assert.equal(c.paused, true);
  }
  const queued = 3 * MiB - 17 * 64 * KiB;
  const readOn = (c: MeshConnection, answer: string) => {
    assert.equal(c.receivedAll().toString(), answer);
    assert.equal(c.queuedBytes, queued - 17 * 64 * KiB, "Envoy read on, up to the watermark again");
    assert.equal(c.paused, true);
  };
  // Another client's close: the filter resumes held[0] in proxy_on_downstream_connection_close.
  const leaving = vm.connect();
  f.once.close = (id) => f.resume(held[0].id, "from a close", id);
  leaving.close();
  readOn(held[0], "from a close");
  // The echo of another client's answer: held[1] resumed in proxy_on_upstream_data.
  const other = vm.connect();
  f.once.upstream = (id) => f.resume(held[1].id, "from an echo", id);
  other.send(Buffer.from("ping"));
  readOn(held[1], "from an echo");
  // An HTTP answer: held[2] resumed in proxy_on_http_call_response; the answer's deliveries say so.
  let token = 0;
  f.onTick = () => (token = f.httpCall("kafka_bridge_c1"));
  vm.tick();
  f.once.http = (id) => f.resume(held[2].id, "from an HTTP answer", id);
  const a = vm.answerHttp(token, 200, "{}")!;
  assert.deepEqual(a.deliveries.map((d) => [d.connection, d.delivered.toString()]), [[held[2], "from an HTTP answer"]]);
  readOn(held[2], "from an HTTP answer");
});
