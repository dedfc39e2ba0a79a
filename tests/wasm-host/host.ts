// A minimal proxy-wasm (ABI 0.2.x) host for the Kafka mesh filter, in Node.
//
// It loads build/kafka_mesh.wasm and plays Envoy's part for a network filter: one root
// context configured with the plugin JSON, one context per client connection, the
// downstream read buffer with Envoy's copyFrom rules, proxy_http_call recorded for the
// driver to answer or fail, gRPC streams (proxy_grpc_stream/send/cancel/close) recorded for
// the driver to answer message by message or close, deferred continue/close (Envoy runs them
// after the VM call returns), the echo of forwarded bytes back through the write side, metrics, shared data
// with CAS, and results handed to the module in memory the host allocates with the
// module's `malloc`, as Envoy does.
//
// It emulates only what one network filter instance sees; see docs/fuzz.md. The WebAssembly
// API's types are declared in webassembly.d.ts beside this file.
import fs from "node:fs";

export const FilterStatus = Object.freeze({ Continue: 0, StopIteration: 1 });
export const WasmResult = Object.freeze({
  Ok: 0, NotFound: 1, BadArgument: 2, SerializationFailure: 3, ParseFailure: 4, BadExpression: 5,
  InvalidMemoryAccess: 6, Empty: 7, CasMismatch: 8, ResultMismatch: 9, InternalFailure: 10,
  BrokenConnection: 11, Unimplemented: 12,
});
export const BufferType = Object.freeze({
  HttpRequestBody: 0, HttpResponseBody: 1, NetworkDownstreamData: 2, NetworkUpstreamData: 3,
  HttpCallResponseBody: 4, GrpcReceiveBuffer: 5, VmConfiguration: 6, PluginConfiguration: 7, CallData: 8,
});
export const HeaderMapType = Object.freeze({ HttpCallResponseHeaders: 6, HttpCallResponseTrailers: 7 });
export const StreamType = Object.freeze({ Request: 0, Response: 1, Downstream: 2, Upstream: 3 });
export const MetricType = Object.freeze({ Counter: 0, Gauge: 1, Histogram: 2 });
export const PeerType = Object.freeze({ Unknown: 0, Local: 1, Remote: 2 });
const LOG_LEVELS: readonly string[] = ["trace", "debug", "info", "warn", "error", "critical"];
const MAX_BUFFER_TYPE = 8;
const MAX_HEADER_MAP_TYPE = 7;

const utf8 = new TextDecoder("utf-8");
const utf8enc = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** A header or trailer: [name, value]. */
export type Pair = [string, string];
/** Headers or trailers as the driver gives them. */
export type HeaderPairs = ReadonlyArray<readonly [string, string]>;

/** A line the filter logged (proxy_log): level name, the context it logged as, the text. */
export interface LogLine {
  level: string;
  context: number;
  message: string;
}

/** The filter trapped (wasm RuntimeError, or proc_exit from an abort): the VM is dead. */
export class WasmTrap extends Error {
  /** The VM call that trapped, with its arguments. */
  call: string;
  /** The filter's log up to the trap. */
  log: LogLine[];

  constructor(message: string, { call, cause, log }: { call: string; cause: unknown; log: LogLine[] }) {
    const tail = log.slice(-20).map((l) => `  [${l.level}] ${l.message}`).join("\n");
    super(`${message} during ${call}${tail ? "\nfilter log (last lines):\n" + tail : ""}`);
    this.name = "WasmTrap";
    this.call = call;
    this.cause = cause;
    this.log = log;
  }
}

/** proc_exit: unwinds the module like Envoy's wasm runtime does. */
class ProcExit extends Error {
  code: number;

  constructor(code: number) {
    super(`proc_exit(${code})`);
    this.code = code;
  }
}

/** Proxy-wide shared data (one store may be shared by several VMs, like Envoy's workers). */
export interface SharedEntry {
  value: Uint8Array;
  cas: number;
}

export class SharedData {
  map = new Map<string, SharedEntry>();
  cas = 1;

  nextCas(): number {
    const c = this.cas;
    this.cas = (this.cas + 1) >>> 0;
    if (this.cas === 0) this.cas = 1;
    return c;
  }
  get(key: string): SharedEntry | null {
    return this.map.get(key) ?? null;
  }
  set(key: string, value: Uint8Array, cas: number): number {
    const cur = this.map.get(key);
    if (cur !== undefined && cas !== 0 && cas !== cur.cas) return WasmResult.CasMismatch;
    this.map.set(key, { value: Uint8Array.from(value), cas: this.nextCas() });
    return WasmResult.Ok;
  }
}

/** Decodes proxy-wasm serialized pairs (count, sizes, NUL-ended strings); null when malformed. */
export function decodePairs(bytes: Uint8Array): Pair[] | null {
  if (bytes.length === 0) return [];
  if (bytes.length < 4) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(0, true);
  if (4 + n * 8 > bytes.length) return null;
  let p = 4 + n * 8;
  const out: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const ks = dv.getUint32(4 + i * 8, true);
    const vs = dv.getUint32(8 + i * 8, true);
    if (p + ks + 1 + vs + 1 > bytes.length) return null;
    const k = utf8.decode(bytes.subarray(p, p + ks));
    p += ks + 1;
    const v = utf8.decode(bytes.subarray(p, p + vs));
    p += vs + 1;
    out.push([k, v]);
  }
  return out;
}

/** Encodes pairs in the proxy-wasm layout. */
export function encodePairs(pairs: HeaderPairs): Uint8Array {
  const enc = pairs.map(([k, v]) => [utf8enc.encode(k), utf8enc.encode(v)]);
  let size = 4 + 8 * enc.length;
  for (const [k, v] of enc) size += k.length + v.length + 2;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, enc.length, true);
  let p = 4 + 8 * enc.length;
  enc.forEach(([k, v], i) => {
    dv.setUint32(4 + i * 8, k.length, true);
    dv.setUint32(8 + i * 8, v.length, true);
    out.set(k, p);
    p += k.length + 1;
    out.set(v, p);
    p += v.length + 1;
  });
  return out;
}

/**
 * Reads a serialized envoy.config.core.v3.GrpcService as Envoy's proxy_grpc_stream does: null
 * when the bytes are not a protobuf message; else envoy_grpc (field 1)'s cluster_name (1) and
 * authority (2), cluster null when there is no envoy_grpc. (Unknown fields are skipped; groups
 * count as malformed here.)
 */
export function parseGrpcService(bytes: Uint8Array): { cluster: string | null; authority: string } | null {
  const fields = protoFields(bytes);
  if (fields === null) return null;
  let envoyGrpc: Uint8Array | null = null;
  for (const f of fields) if (f.field === 1 && f.bytes !== null) envoyGrpc = f.bytes; // the last one wins
  if (envoyGrpc === null) return { cluster: null, authority: "" };
  const inner = protoFields(envoyGrpc);
  if (inner === null) return null;
  let cluster = "";
  let authority = "";
  for (const f of inner) {
    if (f.field === 1 && f.bytes !== null) cluster = utf8.decode(f.bytes);
    if (f.field === 2 && f.bytes !== null) authority = utf8.decode(f.bytes);
  }
  return { cluster, authority };
}

/** The fields of a protobuf message (length-delimited ones with their bytes); null when malformed. */
function protoFields(b: Uint8Array): Array<{ field: number; bytes: Uint8Array | null }> | null {
  const out: Array<{ field: number; bytes: Uint8Array | null }> = [];
  let p = 0;
  const varint = (): number | null => {
    let v = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (p >= b.length) return null;
      const x = b[p++];
      if (shift < 32) v += (x & 0x7f) * 2 ** shift;
      if ((x & 0x80) === 0) return v;
    }
    return null;
  };
  while (p < b.length) {
    const key = varint();
    if (key === null) return null;
    const field = Math.floor(key / 8);
    const type = key % 8;
    if (field === 0) return null;
    if (type === 0) {
      if (varint() === null) return null;
      out.push({ field, bytes: null });
    } else if (type === 1 || type === 5) {
      p += type === 1 ? 8 : 4;
      if (p > b.length) return null;
      out.push({ field, bytes: null });
    } else if (type === 2) {
      const len = varint();
      if (len === null || p + len > b.length) return null;
      out.push({ field, bytes: b.subarray(p, p + len) });
      p += len;
    } else return null;
  }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.length === 0 ? EMPTY : Uint8Array.from(b);
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * The filter's per-VM gauges are named <gauge>.vm.<slot> (assembly/filter/vm_slot.ts); one
 * MeshVm is one VM, so metrics(), metric() and gauges() also give them under <gauge>.
 */
function vmGaugeBase(m: Metric): string | null {
  if (m.type !== MetricType.Gauge) return null;
  const match = /^(.*)\.vm\.\d+$/.exec(m.name);
  return match ? match[1] : null;
}

/** The root context (the plugin's): the connections' contexts are MeshConnections. */
export interface RootContext {
  readonly id: number;
  readonly root: true;
}

/** A context of the VM: the root context or a connection's. */
export type Context = RootContext | MeshConnection;

/** What a client's send led to (MeshConnection.send). */
export interface SendResult {
  /** Status of the filter's last proxy_on_downstream_data for the connection; null when it made none. */
  status: number | null;
  /** Bytes tcp_proxy forwarded to the client meanwhile. */
  delivered: Uint8Array;
  /** What stays in the read buffer; after a close, what was never sent. */
  buffer: Uint8Array;
  closed: boolean;
  /** Client bytes Envoy has not read yet. */
  queued: number;
  /** Reading is disabled (read buffer over its high watermark). */
  paused: boolean;
}

/** Bytes tcp_proxy forwarded to one client. */
export interface Delivery {
  connection: MeshConnection;
  delivered: Buffer;
}

/** One client connection through the filter. */
export class MeshConnection {
  readonly vm: MeshVm;
  readonly id: number;
  /** Always false: tells a connection's context from the root context. */
  readonly root = false;
  /**
   * The client's socket as Envoy sees it: bytes the client sent that Envoy has not read yet
   * (in the kernel's socket buffer; unbounded here, the driver plays the client).
   */
  socketQueue: Uint8Array[] = [];
  queuedBytes = 0;
  /** Envoy's connection read buffer (what the filter sees and rewrites). */
  readBuffer: Uint8Array = EMPTY;
  /**
   * Read disabled by the read buffer's high watermark (length over vm.bufferLimit); enabled
   * again once it drains to the low watermark (half the limit), as Envoy's WatermarkBuffer.
   */
  readDisabled = false;
  /** A read event is queued in vm.events for this connection. */
  readScheduled = false;
  /** Envoy's dispatch_buffered_data_: the next read event calls the filter even with nothing new. */
  dispatchBuffered = false;
  endOfStreamQueued = false;
  /** Whether the filter may reach the read buffer (Envoy drops the pointer after Continue). */
  attached = false;
  /** Everything tcp_proxy forwarded, i.e. what the client received. */
  received: Buffer[] = [];
  receivedBytes = 0;
  closed = false;
  closeReason = "";
  /** Bytes left in the read buffer when the connection closed (never sent on). */
  undelivered: Uint8Array = EMPTY;
  /** Client bytes Envoy never read because the connection closed first. */
  unread = 0;
  lastStatus: number = FilterStatus.Continue;
  /** The last info-or-above line the filter logged as this connection (why it closed it...). */
  lastLog = "";
  /** proxy_on_downstream_data calls made for this connection. */
  downstreamCalls = 0;
  /** Times Envoy stopped reading this connection (read buffer over the high watermark). */
  readDisables = 0;
  /** Of those, the times the client's socket still held bytes Envoy had not read. */
  stalls = 0;
  /** Reads the filter left in Envoy's buffer: StopIteration with the buffer untouched. */
  keptReads = 0;
  /**
   * The connection's properties as proxy_get_property sees them from its context, by dotted
   * path ("source.address", "connection.subject_peer_certificate"); see MeshVm.connect.
   */
  properties = new Map<string, Uint8Array>();
  /**
   * Answer bytes that came back from the echo listener but never reached the client, because
   * the filter closed the connection in the proxy_on_upstream_data call that saw them.
   */
  droppedWrites = 0;
  /** Largest read buffer seen (bytes). */
  maxReadBuffer = 0;

  constructor(vm: MeshVm, id: number) {
    this.vm = vm;
    this.id = id;
  }

  /**
   * The client writes bytes: they join the socket queue, and Envoy reads them as it would,
   * in reads of at most vm.readChunk bytes, each followed by proxy_on_downstream_data with the
   * whole read buffer, and only while reading is not disabled by the read buffer's watermark.
   * Returns what the filter did meanwhile: the status of its last proxy_on_downstream_data for
   * this connection (null when it made none, because reading is disabled), the bytes tcp_proxy
   * forwarded to the client (`delivered`), what stays in the read buffer (`buffer`; after a
   * close, what was never sent), whether the connection got closed (`closed`), the client bytes
   * Envoy has not read yet (`queued`) and whether reading is disabled (`paused`).
   */
  send(bytes: Uint8Array | ArrayLike<number>, endOfStream = false): SendResult {
    if (this.closed) throw new Error(`connection ${this.id} is closed`);
    const vm = this.vm;
    const data = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    const before = this.receivedBytes;
    const callsBefore = this.downstreamCalls;
    if (data.length > 0) {
      // A copy: the client may reuse its buffer while the bytes wait in the socket.
      this.socketQueue.push(Uint8Array.from(data));
      this.queuedBytes += data.length;
    }
    if (endOfStream) this.endOfStreamQueued = true;
    if (data.length > 0 || endOfStream) vm._scheduleRead(this);
    vm._dispatch();
    return {
      status: this.downstreamCalls > callsBefore ? this.lastStatus : null,
      delivered: this._receivedSince(before),
      buffer: this.closed ? this.undelivered : this.readBuffer,
      closed: this.closed,
      queued: this.queuedBytes,
      paused: this.readDisabled,
    };
  }

  /** The client closes the connection (bytes Envoy has not read yet are lost). */
  close(): void {
    if (this.closed) return;
    this.vm._closeConnection(this, PeerType.Remote, "client closed");
    this.vm._dispatch();
  }

  /** All bytes the client received, concatenated. */
  receivedAll(): Buffer {
    return Buffer.concat(this.received);
  }

  /** Bytes in Envoy's read buffer for this connection. */
  get readBufferBytes(): number {
    return this.readBuffer.length;
  }

  /** True while Envoy does not read this connection's socket (read buffer over its watermark). */
  get paused(): boolean {
    return this.readDisabled;
  }

  /** Takes up to n bytes off the front of the socket queue. */
  _takeQueued(n: number): Uint8Array {
    const parts: Uint8Array[] = [];
    let have = 0;
    while (have < n && this.socketQueue.length > 0) {
      const first = this.socketQueue[0];
      const want = n - have;
      if (first.length <= want) {
        this.socketQueue.shift();
        parts.push(first);
        have += first.length;
      } else {
        this.socketQueue[0] = first.subarray(want);
        parts.push(first.subarray(0, want));
        have += want;
      }
    }
    this.queuedBytes -= have;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, have);
  }

  /**
   * One read event (Envoy's onReadReady): reads at most one chunk from the socket queue when
   * reading is enabled, then calls the filter with the whole read buffer if anything was read
   * or buffered data must be dispatched again after reading was re-enabled.
   */
  _readEvent(): void {
    this.readScheduled = false;
    const vm = this.vm;
    if (this.closed || vm.dead) return;
    const latched = this.dispatchBuffered;
    this.dispatchBuffered = false;
    let read = 0;
    let eos = false;
    if (!this.readDisabled) {
      if (this.queuedBytes > 0) {
        const chunk = this._takeQueued(Math.min(vm.readChunk, this.queuedBytes));
        read = chunk.length;
        this.readBuffer = concat(this.readBuffer, chunk);
        this.maxReadBuffer = Math.max(this.maxReadBuffer, this.readBuffer.length);
        this._watermarks();
      }
      if (this.queuedBytes === 0 && this.endOfStreamQueued) {
        eos = true;
        this.endOfStreamQueued = false;
      }
    }
    if (read > 0 || eos || (latched && this.readBuffer.length > 0)) this._onRead(eos);
    // The socket still has bytes: Envoy reads on (our reads are one chunk per event).
    if (!this.closed && !this.readDisabled && this.queuedBytes > 0) vm._scheduleRead(this);
  }

  /** Envoy's onRead: the filter chain gets the whole read buffer. */
  _onRead(endOfStream: boolean): void {
    const vm = this.vm;
    this.attached = true;
    this.downstreamCalls++;
    const before = this.readBuffer;
    // An i32 from the module (undefined from an export that returns nothing: 0).
    const status = Number(vm._call("proxy_on_downstream_data", this, this.id, this.readBuffer.length, endOfStream ? 1 : 0)) >>> 0;
    this.lastStatus = status;
    if (status === FilterStatus.StopIteration && this.readBuffer === before && before.length > 0) this.keptReads++;
    if (!this.closed && status === FilterStatus.Continue) {
      // tcp_proxy takes the whole buffer, and Envoy forgets it for the filter.
      this._deliver();
      this.attached = false;
    }
  }

  /**
   * Envoy's read-buffer watermarks, checked on every change of the buffer: over the limit
   * disables reading; at or under half of it (after that) enables it again and schedules a
   * read event, which also re-dispatches what is still in the buffer.
   */
  _watermarks(): void {
    if (this.closed) return;
    const vm = this.vm;
    const len = this.readBuffer.length;
    if (!this.readDisabled && len > vm.bufferLimit) {
      this.readDisabled = true;
      this.readDisables++;
      if (this.queuedBytes > 0) this.stalls++;
    } else if (this.readDisabled && len <= vm.bufferLimit >>> 1) {
      this.readDisabled = false;
      if (len > 0) this.dispatchBuffered = true;
      if (len > 0 || this.queuedBytes > 0) vm._scheduleRead(this);
    }
  }

  /** Replaces the read buffer (the filter's set_buffer_bytes). */
  _setReadBuffer(bytes: Uint8Array): void {
    this.readBuffer = bytes;
    this.maxReadBuffer = Math.max(this.maxReadBuffer, bytes.length);
    this._watermarks();
  }

  _deliver(): void {
    if (this.readBuffer.length > 0) {
      const bytes = Buffer.from(this.readBuffer);
      this.readBuffer = EMPTY;
      this._watermarks();
      this._echo(bytes);
    }
    this.readBuffer = EMPTY;
  }

  /**
   * tcp_proxy's upstream is the echo listener: what it forwarded comes back through the
   * filter's write side (proxy_on_upstream_data), after the current VM call, and reaches the
   * client once that call returned, as Envoy's ConnectionImpl::write runs the write filters
   * before it moves the bytes into the socket's write buffer. A close the filter asks for in
   * that call runs when the call returns (Envoy defers it), with those bytes not yet in the
   * write buffer: close(FlushWrite) finds nothing to flush and the bytes never reach the
   * client (counted in droppedWrites). Bytes on their way back to a connection already
   * closed are lost as well.
   */
  _echo(bytes: Buffer): void {
    const vm = this.vm;
    vm.afterCall.push(() => {
      if (this.closed) return;
      if (!vm.dead) vm._call("proxy_on_upstream_data", this, this.id, bytes.length, 0);
      if (this.closed) {
        this.droppedWrites += bytes.length;
        return;
      }
      this.received.push(bytes);
      this.receivedBytes += bytes.length;
      vm._deliveries?.push({ connection: this, delivered: bytes });
    });
    if (vm.currentContext === null) vm._runAfterCall();
  }

  _receivedSince(before: number): Uint8Array {
    if (this.receivedBytes === before) return EMPTY;
    const all = Buffer.concat(this.received);
    return all.subarray(before);
  }
}

/** Options of MeshVm.load (see there). */
export interface MeshVmOptions {
  rootId?: string;
  clusters?: Iterable<string>;
  shared?: SharedData;
  logLevel?: string;
  logKeep?: number;
  timeNs?: bigint;
  bufferLimit?: number;
  readChunk?: number;
}

/** Options of MeshVm.connect. */
export interface ConnectOptions {
  /** Connection properties by dotted path ("source.address", "connection.subject_peer_certificate"). */
  properties?: Record<string, string | Uint8Array>;
}

/** The plugin configuration: JSON text, or the object to serialize (examples/reference.json). */
export type PluginConfig = string | Record<string, unknown>;

/** The module's exports the host calls (proxy-wasm ABI 0.2.x callbacks). */
export type ProxyExportName =
  | "proxy_on_context_create" | "proxy_on_vm_start" | "proxy_on_configure" | "proxy_on_new_connection"
  | "proxy_on_downstream_data" | "proxy_on_upstream_data" | "proxy_on_downstream_connection_close"
  | "proxy_on_done" | "proxy_on_log" | "proxy_on_delete" | "proxy_on_http_call_response" | "proxy_on_tick"
  | "proxy_on_grpc_receive_initial_metadata" | "proxy_on_grpc_receive" | "proxy_on_grpc_receive_trailing_metadata"
  | "proxy_on_grpc_close";

/** A module export as the host calls it: i32 arguments, an i32 result (undefined for none). */
export type ExportFunction = (...args: number[]) => unknown;

/** What the host needs from the module: its memory, malloc and the callbacks it exports. */
export type FilterExports = {
  readonly memory: WebAssembly.Memory;
  malloc(size: number): number;
} & { readonly [name in ProxyExportName]?: ExportFunction };

/** A metric the filter defined (proxy_define_metric), with what the host tracks of it. */
export interface Metric {
  name: string;
  type: number;
  value: number;
  /** Histograms: recorded values, their sum and largest. */
  count: number;
  sum: number;
  max: number;
  /** Gauges: highest and lowest value held, and whether it went below 0. */
  peak: number;
  low: number;
  underflow: boolean;
}

/** A histogram as metrics() gives it. */
export interface HistogramSummary {
  count: number;
  sum: number;
  max: number;
}

/** A gauge as gauges() gives it. */
export interface GaugeValue {
  value: number;
  peak: number;
  low: number;
  underflow: boolean;
}

/** An HTTP call the filter made (proxy_http_call) that has no answer yet. */
export interface HttpCall {
  token: number;
  contextId: number;
  cluster: string;
  headers: Pair[];
  header(name: string): string | undefined;
  body: Uint8Array;
  trailers: Pair[];
  timeoutMs: number;
  madeAtNs: bigint;
}

/** What an HTTP answer (or failure) led to: see MeshVm.answerHttp. */
export interface HttpCallbackResult {
  contextId: number;
  deliveries: Delivery[];
  closed: MeshConnection[];
  connection: MeshConnection | null;
  delivered: Uint8Array;
}

/** gRPC status codes the driver closes streams with (grpc.io: status codes). */
export const GrpcStatus = Object.freeze({
  Ok: 0, Cancelled: 1, Unknown: 2, InvalidArgument: 3, DeadlineExceeded: 4, NotFound: 5, AlreadyExists: 6,
  PermissionDenied: 7, ResourceExhausted: 8, FailedPrecondition: 9, Aborted: 10, OutOfRange: 11,
  Unimplemented: 12, Internal: 13, Unavailable: 14, DataLoss: 15, Unauthenticated: 16,
});

/** A gRPC stream the filter opened (proxy_grpc_stream) and neither side has ended yet. */
export interface GrpcStream {
  /** Envoy's stream tokens are even (odd ones are unary gRPC calls). */
  token: number;
  /** The context that opened it: Envoy calls it back as that context. */
  contextId: number;
  /** The Envoy cluster the GrpcService names (envoy_grpc.cluster_name), and its authority. */
  cluster: string;
  authority: string;
  service: string;
  method: string;
  metadata: Pair[];
  /** Every message the filter sent on it (proxy_grpc_send), in order. */
  messages: Uint8Array[];
  /**
   * How many of `messages` the driver has dealt with (answered, or chosen to leave unanswered):
   * the driver's bookkeeping, the host only reads it in unhandledGrpcMessages().
   */
  handled: number;
  /** The filter half-closed it (end_stream on a send, or proxy_grpc_close). */
  localClosed: boolean;
  /** Messages the driver delivered on it (answerGrpc). */
  received: number;
  openedAtNs: bigint;
}

/** What a gRPC message or close delivered to the filter led to: see MeshVm.answerGrpc. */
export type GrpcCallbackResult = HttpCallbackResult;

/** A buffer the filter may read (and, when mutable, replace) through proxy_*_buffer_bytes. */
type BufferView = { bytes: Uint8Array; mutable: true; set(bytes: Uint8Array): void } | { bytes: Uint8Array; mutable: false };

/** The answer proxy_on_http_call_response reads: headers null for a failed call. */
interface HttpResponse {
  headers: HeaderPairs | null;
  body: Uint8Array;
  trailers: HeaderPairs | null;
}

/**
 * A host function as the module calls it: i32 arguments are numbers, i64 ones bigints. The
 * imports are looked up by the module's import names, hence the string-keyed tables.
 */
type HostFunction = WebAssembly.Callable;
type HostImports = Record<string, Record<string, HostFunction>>;

export class MeshVm {
  readonly module: WebAssembly.Module;
  readonly configText: string;
  readonly rootIdName: string;
  readonly shared: SharedData;
  /** Filter log lines at or above this level index are printed to stderr (99: none). */
  logLevel: number;
  /** Log lines kept in `log`. */
  logKeep: number;
  /** The VM's clock (proxy_get_current_time_nanoseconds). */
  timeNs: bigint;
  /** Envoy's per_connection_buffer_limit_bytes: the read buffer's high watermark. */
  readonly bufferLimit: number;
  /** Largest socket read. */
  readonly readChunk: number;
  /** Envoy clusters proxy_http_call and proxy_grpc_stream may target. */
  readonly clusters: Set<string>;

  log: LogLine[] = [];
  logCounts: Record<string, number> = Object.fromEntries(LOG_LEVELS.map((l) => [l, 0]));
  contexts = new Map<number, Context>();
  nextContextId = 1;
  rootId = 0;
  /** The trap that killed the VM. */
  dead: WasmTrap | null = null;
  currentContext: Context | null = null;
  effectiveContext: Context | null = null;
  afterCall: Array<() => void> = [];
  /** Envoy's event loop, reduced to read events: connections whose socket is to be read. */
  events: MeshConnection[] = [];
  dispatching = false;
  pluginConfig: Uint8Array | null = null;
  vmConfig: Uint8Array | null = null;
  httpResponse: HttpResponse | null = null;
  _deliveries: Delivery[] | null = null;
  pendingHttp = new Map<number, HttpCall>();
  nextToken = 1;
  /** HTTP calls the filter made, in all. */
  httpCallLog = 0;
  /** Open gRPC streams by token. */
  openGrpc = new Map<number, GrpcStream>();
  /** Envoy's next stream token (even; its own counter, apart from HTTP call tokens). */
  nextGrpcToken = 2;
  /** gRPC streams opened and messages sent on them, in all. */
  grpcStreamLog = 0;
  grpcMessageLog = 0;
  /** Messages sent, by the method of their stream (Produce, Forward). */
  grpcMessagesByMethod = new Map<string, number>();
  /**
   * Known clusters whose streams Envoy fails as it opens them (no healthy host): the stream's
   * close (UNAVAILABLE) reaches the filter inside proxy_grpc_stream, which then fails.
   */
  unavailableClusters = new Set<string>();
  /** The message proxy_on_grpc_receive reads (GrpcReceiveBuffer), during that call only. */
  grpcReceive: Uint8Array | null = null;
  metricsById = new Map<number, Metric>();
  metricIdByName = new Map<string, number>();
  nextMetricId = 1;
  tickPeriodMs = 0;
  /** WASI random_get calls the module made, and the bytes they filled. */
  randomCalls = 0;
  randomBytes = 0;
  /** VM calls made, the slowest one's duration and name. */
  calls = 0;
  maxCallMs = 0;
  maxCallName = "";
  /** Imports of the module this host does not implement (module.name). */
  unimplemented = new Set<string>();
  readonly instance: WebAssembly.Instance;
  /** The module's exports (a test may put a filter written in JS in their place). */
  exports: FilterExports;

  /**
   * Loads the module, creates the root context and configures it.
   * options: rootId ("kafka_mesh"), clusters (Envoy clusters proxy_http_call and gRPC streams may target;
   * default: every rest_bridge.envoy_cluster of the config), shared (SharedData),
   * logLevel (print filter logs at or above it to stderr), timeNs (BigInt start of the clock),
   * bufferLimit (Envoy's per_connection_buffer_limit_bytes: the read buffer's high watermark,
   * low watermark half of it; default 1 MiB), readChunk (largest socket read, default 64 KiB).
   */
  static async load(wasmPath: string, config: PluginConfig, options: MeshVmOptions = {}): Promise<MeshVm> {
    const bytes = fs.readFileSync(wasmPath);
    const module = await WebAssembly.compile(bytes);
    const vm = new MeshVm(module, config, options);
    vm._start();
    return vm;
  }

  constructor(module: WebAssembly.Module, config: PluginConfig, options: MeshVmOptions = {}) {
    this.module = module;
    this.configText = typeof config === "string" ? config : JSON.stringify(config);
    this.rootIdName = options.rootId ?? "kafka_mesh";
    this.shared = options.shared ?? new SharedData();
    this.logLevel = options.logLevel === undefined ? 99 : LOG_LEVELS.indexOf(options.logLevel);
    this.logKeep = options.logKeep ?? 200;
    this.timeNs = options.timeNs ?? 1_700_000_000_000_000_000n;
    this.bufferLimit = options.bufferLimit ?? 1 << 20;
    this.readChunk = options.readChunk ?? 64 << 10;
    if (!(this.bufferLimit > 0) || !(this.readChunk > 0)) throw new Error("bufferLimit and readChunk must be positive");
    let clusters = options.clusters;
    if (clusters === undefined) {
      const fromConfig: string[] = [];
      clusters = fromConfig;
      try {
        type ParsedConfig = { upstream_clusters?: Array<{ rest_bridge?: { envoy_cluster?: string } } | null> };
        const parsed = JSON.parse(this.configText) as ParsedConfig;
        for (const c of parsed.upstream_clusters ?? []) if (c?.rest_bridge?.envoy_cluster) fromConfig.push(c.rest_bridge.envoy_cluster);
      } catch {
        // An unparsable config is the filter's to refuse.
      }
    }
    this.clusters = new Set(clusters);

    const imports: HostImports = { env: {}, wasi_snapshot_preview1: {} };
    const impl: HostImports = this._imports();
    for (const imp of WebAssembly.Module.imports(this.module)) {
      if (imp.kind !== "function") throw new Error(`unsupported import ${imp.module}.${imp.name} (${imp.kind})`);
      const f = impl[imp.module]?.[imp.name];
      if (f) imports[imp.module][imp.name] = f;
      else {
        // An import this host does not know: fail loudly the first time the filter uses it.
        this.unimplemented.add(`${imp.module}.${imp.name}`);
        imports[imp.module] ??= {};
        imports[imp.module][imp.name] = () => {
          throw new Error(`host does not implement ${imp.module}.${imp.name}`);
        };
      }
    }
    this.instance = new WebAssembly.Instance(this.module, imports);
    // The boundary: the module's exports are what the proxy-wasm ABI says they are.
    this.exports = this.instance.exports as unknown as FilterExports;
  }

  _start(): void {
    this.rootId = this.nextContextId++;
    const root: RootContext = { id: this.rootId, root: true };
    this.contexts.set(this.rootId, root);
    this._call("proxy_on_context_create", root, this.rootId, 0);
    this.vmConfig = EMPTY;
    const started = this._call("proxy_on_vm_start", root, this.rootId, 0);
    this.vmConfig = null;
    if (!started) throw new Error("proxy_on_vm_start refused" + this._logTail());
    this.pluginConfig = utf8enc.encode(this.configText);
    const ok = this._call("proxy_on_configure", root, this.rootId, this.pluginConfig.length);
    this.pluginConfig = null;
    if (!ok) {
      throw Object.assign(new Error("plugin configuration refused" + this._logTail()), { configRejected: true });
    }
  }

  _logTail(): string {
    const tail = this.log.slice(-5).map((l) => `\n  [${l.level}] ${l.message}`).join("");
    return tail ? ":" + tail : "";
  }

  // ---- driver API ----

  /**
   * A new client connection (proxy_on_context_create + proxy_on_new_connection). Its
   * properties, read from its context: `source.address` (default 127.0.0.1:<40000 + id>, as
   * Envoy always has one) and whatever `properties` adds by dotted path, e.g.
   * `connection.subject_peer_certificate` (the verified client certificate's subject, RFC 2253)
   * for a TLS connection, which reads as empty until the first proxy_on_downstream_data (Envoy
   * creates the context when it accepts the connection, before the TLS handshake is over); a
   * property not given is NotFound.
   */
  connect(options: ConnectOptions = {}): MeshConnection {
    const conn = new MeshConnection(this, this.nextContextId++);
    conn.properties.set("source.address", utf8enc.encode(`127.0.0.1:${40000 + conn.id}`));
    for (const [name, value] of Object.entries(options.properties ?? {})) {
      conn.properties.set(name, typeof value === "string" ? utf8enc.encode(value) : Uint8Array.from(value));
    }
    this.contexts.set(conn.id, conn);
    this._call("proxy_on_context_create", conn, conn.id, this.rootId);
    this._call("proxy_on_new_connection", conn, conn.id);
    return conn;
  }

  /** HTTP calls the filter made that have no answer yet. */
  get httpCalls(): HttpCall[] {
    return [...this.pendingHttp.values()];
  }

  /**
   * Answers an HTTP call. Returns null when the call is unknown (Envoy cancelled it), else
   * { contextId, deliveries: [{ connection, delivered }], closed: [connections], connection,
   * delivered }: what the filter pushed to which clients as a result (a call made by the root
   * context may answer any connection); `connection`/`delivered` are the first delivery.
   */
  answerHttp(token: number, status: number, body: Uint8Array | string = EMPTY, headers: HeaderPairs = []): HttpCallbackResult | null {
    const all: HeaderPairs = [[":status", String(status)], ...headers];
    return this._httpCallback(token, all, typeof body === "string" ? utf8enc.encode(body) : body);
  }

  /** Fails an HTTP call (reset, timeout, no healthy upstream): a callback with no headers. */
  failHttp(token: number): HttpCallbackResult | null {
    return this._httpCallback(token, null, EMPTY);
  }

  /** gRPC streams the filter opened that neither side ended, in opening order. */
  get grpcStreams(): GrpcStream[] {
    return [...this.openGrpc.values()];
  }

  /** Messages sent on open streams past each stream's `handled` mark: what the driver still owes an answer. */
  unhandledGrpcMessages(): number {
    let n = 0;
    for (const s of this.openGrpc.values()) n += s.messages.length - s.handled;
    return n;
  }

  /**
   * Delivers a message on stream `token` (proxy_on_grpc_receive, the bytes in the
   * GrpcReceiveBuffer; the first one preceded by proxy_on_grpc_receive_initial_metadata, as
   * Envoy passes the response headers first). Returns null when the stream is not open, else
   * what reached which clients as a result, as answerHttp does.
   */
  answerGrpc(token: number, message: Uint8Array): GrpcCallbackResult | null {
    const stream = this.openGrpc.get(token);
    if (!stream) return null;
    const ctx = this.contexts.get(stream.contextId);
    if (!ctx) return null;
    const bytes = Uint8Array.from(message);
    return this._callback(ctx, () => {
      if (stream.received++ === 0) this._call("proxy_on_grpc_receive_initial_metadata", ctx, ctx.id, token, 0);
      if (this.dead) return;
      this.grpcReceive = bytes;
      try {
        this._call("proxy_on_grpc_receive", ctx, ctx.id, token, bytes.length);
      } finally {
        this.grpcReceive = null;
      }
    });
  }

  /**
   * The remote end closes stream `token` with a gRPC status (the bridge ended it, the
   * connection reset, a timeout: Envoy's onRemoteClose): proxy_on_grpc_receive_trailing_metadata
   * then proxy_on_grpc_close, and the stream is gone. Null when the stream is not open.
   */
  closeGrpc(token: number, status: number = GrpcStatus.Unavailable): GrpcCallbackResult | null {
    const stream = this.openGrpc.get(token);
    if (!stream) return null;
    const ctx = this.contexts.get(stream.contextId);
    if (!ctx) return null;
    try {
      return this._callback(ctx, () => {
        this._call("proxy_on_grpc_receive_trailing_metadata", ctx, ctx.id, token, 0);
        if (!this.dead) this._call("proxy_on_grpc_close", ctx, ctx.id, token, status >>> 0);
      });
    } finally {
      // Envoy forgets the stream once the close callback returned.
      this.openGrpc.delete(token);
    }
  }

  /** Calls proxy_on_tick on the root context. */
  tick(): void {
    this._call("proxy_on_tick", this.contexts.get(this.rootId) ?? null, this.rootId);
    this._dispatch();
  }

  advanceTime(ms: number): void {
    this.timeNs += BigInt(Math.round(ms * 1e6));
  }

  /** Size of the module's linear memory in bytes (Envoy's view of the VM's footprint). */
  memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /** Metrics by name: counters and gauges as numbers, histograms as {count, sum, max}. */
  metrics(): Record<string, number | HistogramSummary> {
    const out: Record<string, number | HistogramSummary> = {};
    for (const m of this.metricsById.values()) {
      out[m.name] = m.type === MetricType.Histogram ? { count: m.count, sum: m.sum, max: m.max } : m.value;
      const base = vmGaugeBase(m);
      if (base) out[base] = ((out[base] as number | undefined) ?? 0) + m.value;
    }
    return out;
  }

  /** A counter's or gauge's value by name; 0 when the filter never defined it. */
  metric(name: string): number {
    let value = 0;
    for (const m of this.metricsById.values()) {
      if (m.type === MetricType.Histogram) continue;
      if (m.name === name || vmGaugeBase(m) === name) value += m.value;
    }
    return value;
  }

  /**
   * Gauges by name: { value, peak (highest value ever held), low (lowest), underflow (went
   * below 0) }. Peaks are tracked on every change, so a test sees the worst moment even
   * inside one VM call.
   */
  gauges(): Record<string, GaugeValue> {
    const out: Record<string, GaugeValue> = {};
    for (const m of this.metricsById.values()) {
      if (m.type !== MetricType.Gauge) continue;
      out[m.name] = { value: m.value, peak: m.peak, low: m.low, underflow: m.underflow };
      const base = vmGaugeBase(m);
      if (!base) continue;
      const prev = out[base];
      out[base] = prev
        ? { value: prev.value + m.value, peak: prev.peak + m.peak, low: Math.min(prev.low, m.low), underflow: prev.underflow || m.underflow }
        : { value: m.value, peak: m.peak, low: m.low, underflow: m.underflow };
    }
    return out;
  }

  openConnections(): number {
    let n = 0;
    for (const c of this.contexts.values()) if (!c.root) n++;
    return n;
  }

  /** The open connections. */
  connections(): MeshConnection[] {
    const out: MeshConnection[] = [];
    for (const c of this.contexts.values()) if (!c.root) out.push(c);
    return out;
  }

  /** Totals over open connections: client bytes not read yet, read-buffer bytes, connections not read. */
  socketTotals(): { queued: number; buffered: number; paused: number } {
    let queued = 0;
    let buffered = 0;
    let paused = 0;
    for (const c of this.contexts.values()) {
      if (c.root) continue;
      queued += c.queuedBytes;
      buffered += c.readBuffer.length;
      if (c.readDisabled) paused++;
    }
    return { queued, buffered, paused };
  }

  // ---- Envoy's event loop ----

  _scheduleRead(conn: MeshConnection): void {
    if (conn.readScheduled || conn.closed) return;
    conn.readScheduled = true;
    this.events.push(conn);
  }

  /**
   * Runs queued read events until none is left, one socket read each, round robin across
   * connections; only at the outermost level (never inside a VM call or another dispatch),
   * as Envoy handles a re-enabled read in a later turn of its event loop.
   */
  _dispatch(): void {
    if (this.dispatching || this.currentContext !== null) return;
    this.dispatching = true;
    try {
      while (this.events.length > 0) {
        const conn = this.events.shift()!;
        conn._readEvent();
      }
    } finally {
      this.dispatching = false;
    }
  }

  // ---- VM calls ----

  _call(name: ProxyExportName, ctx: Context | null, ...args: number[]): unknown {
    if (this.dead) throw this.dead;
    const fn = this.exports[name];
    if (!fn) return 0;
    const prevCurrent = this.currentContext;
    const prevEffective = this.effectiveContext;
    this.currentContext = ctx;
    this.effectiveContext = null;
    const callName = `${name}(${args.join(", ")})`;
    const t0 = performance.now();
    let result: unknown;
    try {
      result = fn(...args);
    } catch (e) {
      const message = e instanceof ProcExit ? `proc_exit(${e.code})` : `wasm trap: ${(e as Error | null)?.message ?? e}`;
      this.dead = new WasmTrap(message, { call: callName, cause: e, log: this.log.slice() });
      this.afterCall = [];
      throw this.dead;
    } finally {
      this.currentContext = prevCurrent;
      this.effectiveContext = prevEffective;
    }
    const ms = performance.now() - t0;
    this.calls++;
    if (ms > this.maxCallMs) {
      this.maxCallMs = ms;
      this.maxCallName = callName;
    }
    // Envoy runs continue/close requests after the VM call that made them returned.
    if (prevCurrent === null) this._runAfterCall();
    return result;
  }

  _runAfterCall(): void {
    while (this.afterCall.length > 0) {
      const action = this.afterCall.shift()!;
      action();
    }
  }

  _closeConnection(conn: MeshConnection, peer: number, reason: string): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.closeReason = reason;
    conn.undelivered = conn.readBuffer;
    conn.readBuffer = EMPTY;
    conn.attached = false;
    conn.unread = conn.queuedBytes;
    conn.socketQueue = [];
    conn.queuedBytes = 0;
    // Envoy cancels the context's outstanding HTTP calls when the context goes away.
    for (const [token, call] of this.pendingHttp) if (call.contextId === conn.id) this.pendingHttp.delete(token);
    // ... and resets its gRPC streams, without a callback.
    for (const [token, stream] of this.openGrpc) if (stream.contextId === conn.id) this.openGrpc.delete(token);
    this._call("proxy_on_downstream_connection_close", conn, conn.id, peer);
    this._call("proxy_on_done", conn, conn.id);
    this._call("proxy_on_log", conn, conn.id);
    this._call("proxy_on_delete", conn, conn.id);
    this.contexts.delete(conn.id);
  }

  _httpCallback(token: number, headers: HeaderPairs | null, body: Uint8Array): HttpCallbackResult | null {
    const call = this.pendingHttp.get(token);
    if (!call) return null;
    this.pendingHttp.delete(token);
    const ctx = this.contexts.get(call.contextId);
    if (!ctx) return null;
    this.httpResponse = { headers, body, trailers: headers === null ? null : [] };
    try {
      return this._callback(ctx, () => {
        this._call("proxy_on_http_call_response", ctx, call.contextId, token, headers === null ? 0 : headers.length, body.length, 0);
      });
    } finally {
      this.httpResponse = null;
    }
  }

  /**
   * Runs a callback of Envoy's into context `ctx` (an HTTP answer, a gRPC message or close),
   * then the read events it let happen, and collects what reached which clients meanwhile.
   */
  _callback(ctx: Context, run: () => void): HttpCallbackResult {
    const open = [...this.contexts.values()].filter((c): c is MeshConnection => !c.root);
    this._deliveries = [];
    let deliveries: Delivery[];
    try {
      run();
      // Connections the answer let read on are read now; what they answer counts too.
      this._dispatch();
    } finally {
      deliveries = this._deliveries ?? [];
      this._deliveries = null;
    }
    return {
      contextId: ctx.id,
      deliveries,
      closed: open.filter((c) => c.closed),
      connection: deliveries[0]?.connection ?? (ctx.root ? null : ctx),
      delivered: deliveries[0]?.delivered ?? EMPTY,
    };
  }

  // ---- imports ----

  _ctx(): Context | null {
    return this.effectiveContext ?? this.currentContext;
  }

  _mem(): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer);
  }

  _view(): DataView {
    return new DataView(this.exports.memory.buffer);
  }

  _bytes(ptr: number, size: number): Uint8Array | null {
    const mem = this._mem();
    if (ptr + size > mem.length) return null;
    return mem.subarray(ptr, ptr + size);
  }

  _setU32(ptr: number, v: number): boolean {
    const dv = this._view();
    if (ptr + 4 > dv.byteLength) return false;
    dv.setUint32(ptr, v >>> 0, true);
    return true;
  }

  _setU64(ptr: number, v: number | bigint): boolean {
    const dv = this._view();
    if (ptr + 8 > dv.byteLength) return false;
    dv.setBigUint64(ptr, BigInt.asUintN(64, BigInt(v)), true);
    return true;
  }

  /** Envoy's copyToPointerSize: malloc in the module, copy, write pointer and size words. */
  _copyOut(bytes: Uint8Array, ptrPtr: number, sizePtr: number): number {
    let ptr = 0;
    if (bytes.length > 0) {
      ptr = this.exports.malloc(bytes.length) >>> 0;
      if (ptr === 0) return WasmResult.InvalidMemoryAccess;
      const mem = this._mem(); // malloc may have grown memory
      if (ptr + bytes.length > mem.length) return WasmResult.InvalidMemoryAccess;
      mem.set(bytes, ptr);
    }
    if (!this._setU32(ptrPtr, ptr) || !this._setU32(sizePtr, bytes.length)) return WasmResult.InvalidMemoryAccess;
    return WasmResult.Ok;
  }

  /** The buffer of a type for the current context: { bytes, mutable, set(bytes) } or null. */
  _buffer(type: number): BufferView | null {
    const ctx = this._ctx();
    switch (type) {
      case BufferType.NetworkDownstreamData:
        if (!ctx || ctx.root || !ctx.attached) return null;
        return { bytes: ctx.readBuffer, mutable: true, set: (b: Uint8Array) => ctx._setReadBuffer(b) };
      case BufferType.HttpCallResponseBody:
        return this.httpResponse ? { bytes: this.httpResponse.body, mutable: false } : null;
      case BufferType.GrpcReceiveBuffer:
        return this.grpcReceive ? { bytes: this.grpcReceive, mutable: false } : null;
      case BufferType.PluginConfiguration:
        return this.pluginConfig ? { bytes: this.pluginConfig, mutable: false } : null;
      case BufferType.VmConfiguration:
        return this.vmConfig ? { bytes: this.vmConfig, mutable: false } : null;
      default:
        return null;
    }
  }

  _headerMap(type: number): HeaderPairs | null {
    if (!this.httpResponse) return null;
    if (type === HeaderMapType.HttpCallResponseHeaders) return this.httpResponse.headers;
    if (type === HeaderMapType.HttpCallResponseTrailers) return this.httpResponse.trailers;
    return null;
  }

  /** The host functions, by import module and name (the module calls them with i32 numbers and i64 bigints). */
  _imports() {
    const vm = this;
    const env = {
      proxy_log(level: number, ptr: number, size: number) {
        const b = vm._bytes(ptr, size);
        if (b === null) return WasmResult.InvalidMemoryAccess;
        const message = utf8.decode(b);
        const name = LOG_LEVELS[level] ?? String(level);
        vm.logCounts[name] = (vm.logCounts[name] ?? 0) + 1;
        const ctx = vm._ctx();
        vm.log.push({ level: name, context: ctx?.id ?? 0, message });
        // The last line the filter logged as a connection (e.g. why it closed it).
        if (ctx && !ctx.root && level >= 2) ctx.lastLog = message;
        if (vm.log.length > vm.logKeep) vm.log.splice(0, vm.log.length - vm.logKeep);
        if (level >= vm.logLevel) process.stderr.write(`[wasm ${name}] ${message}\n`);
        return WasmResult.Ok;
      },
      proxy_get_log_level(ptr: number) {
        return vm._setU32(ptr, 0) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
      },
      proxy_get_status(_codePtr: number, _msgPtr: number, _msgSizePtr: number) {
        return WasmResult.NotFound;
      },
      proxy_set_tick_period_milliseconds(ms: number) {
        vm.tickPeriodMs = ms >>> 0;
        return WasmResult.Ok;
      },
      proxy_get_current_time_nanoseconds(ptr: number) {
        return vm._setU64(ptr, vm.timeNs) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
      },
      proxy_get_property(pathPtr: number, pathSize: number, valuePtrPtr: number, valueSizePtr: number) {
        const p = vm._bytes(pathPtr, pathSize);
        if (p === null) return WasmResult.InvalidMemoryAccess;
        // Paths are NUL-separated segments.
        const path = utf8.decode(p).split("\0").filter((s) => s.length > 0).join(".");
        if (path === "plugin_root_id") return vm._copyOut(utf8enc.encode(vm.rootIdName), valuePtrPtr, valueSizePtr);
        if (path === "plugin_name") return vm._copyOut(utf8enc.encode(vm.rootIdName), valuePtrPtr, valueSizePtr);
        if (path === "plugin_vm_id") return vm._copyOut(EMPTY, valuePtrPtr, valueSizePtr);
        // A connection's own properties, from its context (effective or called). Its TLS ones
        // (connection.*) are empty until the first read: Envoy creates the filter's context when
        // it accepts the connection, before the TLS handshake, and calls it with data after it.
        const ctx = vm._ctx();
        const value = ctx && !ctx.root ? ctx.properties.get(path) : undefined;
        if (value !== undefined) {
          const early = ctx && !ctx.root && ctx.downstreamCalls === 0 && path.startsWith("connection.");
          return vm._copyOut(early ? EMPTY : value, valuePtrPtr, valueSizePtr);
        }
        return WasmResult.NotFound;
      },
      proxy_set_property() {
        return WasmResult.NotFound;
      },
      proxy_set_effective_context(id: number) {
        const ctx = vm.contexts.get(id >>> 0);
        if (!ctx) return WasmResult.BadArgument;
        vm.effectiveContext = ctx;
        return WasmResult.Ok;
      },
      proxy_done() {
        return WasmResult.NotFound;
      },
      proxy_continue_stream(type: number) {
        const ctx = vm._ctx();
        if (type === StreamType.Downstream) {
          if (ctx && !ctx.root) {
            vm.afterCall.push(() => {
              // tcp_proxy (the next filter) takes the whole read buffer.
              if (!ctx.closed) ctx._deliver();
            });
          }
          return WasmResult.Ok;
        }
        if (type === StreamType.Upstream) return WasmResult.Unimplemented;
        if (type === StreamType.Request || type === StreamType.Response) return WasmResult.Ok;
        return WasmResult.BadArgument;
      },
      proxy_close_stream(type: number) {
        const ctx = vm._ctx();
        if (type === StreamType.Downstream) {
          if (ctx && !ctx.root) vm.afterCall.push(() => vm._closeConnection(ctx, PeerType.Local, "closed by the filter"));
          return WasmResult.Ok;
        }
        if (type === StreamType.Upstream) return WasmResult.Unimplemented;
        if (type === StreamType.Request || type === StreamType.Response) return WasmResult.Ok;
        return WasmResult.BadArgument;
      },
      proxy_get_buffer_status(type: number, lengthPtr: number, flagsPtr: number) {
        if (type > MAX_BUFFER_TYPE) return WasmResult.BadArgument;
        const buf = vm._buffer(type);
        if (buf === null) return WasmResult.NotFound;
        if (!vm._setU32(lengthPtr, buf.bytes.length) || !vm._setU32(flagsPtr, 0)) return WasmResult.InvalidMemoryAccess;
        return WasmResult.Ok;
      },
      proxy_get_buffer_bytes(type: number, start: number, length: number, ptrPtr: number, sizePtr: number) {
        if (type > MAX_BUFFER_TYPE) return WasmResult.BadArgument;
        const buf = vm._buffer(type);
        if (buf === null) return WasmResult.NotFound;
        start >>>= 0;
        length >>>= 0;
        const size = buf.bytes.length;
        if (start > size) return WasmResult.BadArgument;
        if (start + length > size) length = size - start;
        // Envoy writes nothing for an empty range and still answers Ok.
        if (length === 0) return WasmResult.Ok;
        return vm._copyOut(buf.bytes.subarray(start, start + length), ptrPtr, sizePtr);
      },
      proxy_set_buffer_bytes(type: number, start: number, length: number, dataPtr: number, dataSize: number) {
        if (type > MAX_BUFFER_TYPE) return WasmResult.BadArgument;
        const buf = vm._buffer(type);
        if (buf === null) return WasmResult.NotFound;
        if (!buf.mutable) return WasmResult.BadArgument;
        const data = vm._bytes(dataPtr, dataSize);
        if (data === null) return WasmResult.InvalidMemoryAccess;
        start >>>= 0;
        length >>>= 0;
        const cur = buf.bytes;
        // Envoy's Buffer::copyFrom: at 0 drain `length` then prepend; at or past the end append.
        // The two steps change the buffer one after the other, each checked against the
        // watermarks (a drain to the low watermark re-enables reading even if the prepend
        // goes over the high one again).
        if (start === 0) {
          const kept = cur.subarray(Math.min(length, cur.length));
          const copy = Uint8Array.from(data);
          if (length > 0 && data.length > 0) buf.set(kept);
          buf.set(concat(copy, kept));
          return WasmResult.Ok;
        }
        if (start >= cur.length) {
          buf.set(concat(cur, Uint8Array.from(data)));
          return WasmResult.Ok;
        }
        return WasmResult.BadArgument;
      },
      proxy_get_header_map_value(type: number, keyPtr: number, keySize: number, valuePtrPtr: number, valueSizePtr: number) {
        if (type > MAX_HEADER_MAP_TYPE) return WasmResult.BadArgument;
        const k = vm._bytes(keyPtr, keySize);
        if (k === null) return WasmResult.InvalidMemoryAccess;
        const map = vm._headerMap(type);
        if (map === null) return WasmResult.NotFound;
        const key = utf8.decode(k).toLowerCase();
        const hit = map.find(([name]) => name.toLowerCase() === key);
        if (!hit) return WasmResult.NotFound;
        return vm._copyOut(utf8enc.encode(hit[1]), valuePtrPtr, valueSizePtr);
      },
      proxy_get_header_map_pairs(type: number, ptrPtr: number, sizePtr: number) {
        if (type > MAX_HEADER_MAP_TYPE) return WasmResult.BadArgument;
        const map = vm._headerMap(type);
        if (map === null) return WasmResult.NotFound;
        return vm._copyOut(map.length === 0 ? EMPTY : encodePairs(map), ptrPtr, sizePtr);
      },
      proxy_get_header_map_size(type: number, sizePtr: number) {
        const map = vm._headerMap(type);
        if (map === null) return WasmResult.NotFound;
        return vm._setU32(sizePtr, map.length === 0 ? 0 : encodePairs(map).length) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
      },
      proxy_http_call(uriPtr: number, uriSize: number, hdrPtr: number, hdrSize: number, bodyPtr: number, bodySize: number,
        trlPtr: number, trlSize: number, timeoutMs: number, tokenPtr: number) {
        const u = vm._bytes(uriPtr, uriSize);
        const h = vm._bytes(hdrPtr, hdrSize);
        const b = vm._bytes(bodyPtr, bodySize);
        const t = vm._bytes(trlPtr, trlSize);
        if (u === null || h === null || b === null || t === null) return WasmResult.InvalidMemoryAccess;
        const cluster = utf8.decode(u);
        const headers = decodePairs(h);
        const trailers = decodePairs(t);
        if (headers === null || trailers === null) return WasmResult.SerializationFailure;
        // Envoy refuses an unknown cluster and a request without :method, :path, :authority.
        if (!vm.clusters.has(cluster)) return WasmResult.BadArgument;
        for (const need of [":method", ":path", ":authority"]) {
          if (!headers.some(([k]) => k === need)) return WasmResult.BadArgument;
        }
        const ctx = vm._ctx();
        const token = vm.nextToken++;
        if (!vm._setU32(tokenPtr, token)) return WasmResult.InvalidMemoryAccess;
        vm.pendingHttp.set(token, {
          token,
          contextId: ctx?.id ?? vm.rootId,
          cluster,
          headers,
          header: (name: string) => headers.find(([k]) => k === name)?.[1],
          body: Uint8Array.from(b),
          trailers,
          timeoutMs: timeoutMs >>> 0,
          madeAtNs: vm.timeNs,
        });
        vm.httpCallLog++;
        return WasmResult.Ok;
      },
      proxy_grpc_stream(svcPtr: number, svcSize: number, namePtr: number, nameSize: number, methodPtr: number, methodSize: number,
        mdPtr: number, mdSize: number, tokenPtr: number) {
        const svc = vm._bytes(svcPtr, svcSize);
        const n = vm._bytes(namePtr, nameSize);
        const m = vm._bytes(methodPtr, methodSize);
        const md = vm._bytes(mdPtr, mdSize);
        if (svc === null || n === null || m === null || md === null) return WasmResult.InvalidMemoryAccess;
        const metadata = decodePairs(md) ?? [];
        // Envoy's Context::grpcStream: bytes that are not a GrpcService proto are taken as a
        // cluster name (ParseFailure when no such cluster); a proto without envoy_grpc gets no
        // client (BadArgument). A proto naming a cluster Envoy does not know (or one with no
        // healthy host) gets a stream that closes at once, UNAVAILABLE, inside this call
        // (proxy_on_grpc_close with the new token), and the call fails (InternalFailure).
        const parsed = parseGrpcService(svc);
        let cluster: string;
        let authority = "";
        if (parsed === null) {
          cluster = utf8.decode(svc);
          if (!vm.clusters.has(cluster)) return WasmResult.ParseFailure;
        } else if (parsed.cluster === null) {
          return WasmResult.BadArgument;
        } else {
          cluster = parsed.cluster;
          authority = parsed.authority;
        }
        const ctx = vm._ctx();
        const contextId = ctx?.id ?? vm.rootId;
        let token = vm.nextGrpcToken;
        while (token === 0 || vm.openGrpc.has(token)) token = (token + 2) >>> 0;
        vm.nextGrpcToken = (token + 2) >>> 0;
        if (!vm.clusters.has(cluster) || vm.unavailableClusters.has(cluster)) {
          // AsyncStreamImpl::initialize: onRemoteClose(Unavailable) before startRaw returns.
          vm._call("proxy_on_grpc_close", ctx, contextId, token, GrpcStatus.Unavailable);
          return WasmResult.InternalFailure;
        }
        vm.openGrpc.set(token, {
          token,
          contextId,
          cluster,
          authority,
          service: utf8.decode(n),
          method: utf8.decode(m),
          metadata,
          messages: [],
          handled: 0,
          localClosed: false,
          received: 0,
          openedAtNs: vm.timeNs,
        });
        vm.grpcStreamLog++;
        return vm._setU32(tokenPtr, token) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
      },
      proxy_grpc_send(token: number, ptr: number, size: number, endStream: number) {
        token >>>= 0;
        if (token & 1) return WasmResult.BadArgument; // a unary call's token
        const stream = vm.openGrpc.get(token);
        if (!stream) return WasmResult.NotFound;
        const b = vm._bytes(ptr, size);
        if (b === null) return WasmResult.InvalidMemoryAccess;
        stream.messages.push(Uint8Array.from(b));
        vm.grpcMessageLog++;
        vm.grpcMessagesByMethod.set(stream.method, (vm.grpcMessagesByMethod.get(stream.method) ?? 0) + 1);
        if (endStream) stream.localClosed = true;
        return WasmResult.Ok;
      },
      proxy_grpc_cancel(token: number) {
        // Envoy resets the stream and forgets it: no proxy_on_grpc_close follows.
        token >>>= 0;
        if (!vm.openGrpc.delete(token)) return WasmResult.NotFound;
        return WasmResult.Ok;
      },
      proxy_grpc_close(token: number) {
        // A half close: the remote end may still answer, then close.
        const stream = vm.openGrpc.get(token >>> 0);
        if (!stream) return WasmResult.NotFound;
        stream.localClosed = true;
        return WasmResult.Ok;
      },
      proxy_define_metric(type: number, namePtr: number, nameSize: number, idPtr: number) {
        if (type > MetricType.Histogram) return WasmResult.BadArgument;
        const n = vm._bytes(namePtr, nameSize);
        if (n === null) return WasmResult.InvalidMemoryAccess;
        const name = utf8.decode(n);
        const key = `${type}:${name}`;
        let id = vm.metricIdByName.get(key);
        if (id === undefined) {
          // Like Envoy, the id carries the metric type in its low bits.
          id = (vm.nextMetricId++ << 4) | type;
          vm.metricIdByName.set(key, id);
          vm.metricsById.set(id, { name, type, value: 0, count: 0, sum: 0, max: 0, peak: 0, low: 0, underflow: false });
        }
        return vm._setU32(idPtr, id) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
      },
      proxy_increment_metric(id: number, offset: bigint) {
        const m = vm.metricsById.get(id >>> 0);
        if (!m) return WasmResult.NotFound;
        const by = Number(offset);
        if (m.type === MetricType.Counter) {
          if (by <= 0) return WasmResult.BadArgument;
          m.value += by;
          return WasmResult.Ok;
        }
        if (m.type === MetricType.Gauge) {
          m.value += by;
          if (m.value < 0) m.underflow = true;
          if (m.value > m.peak) m.peak = m.value;
          if (m.value < m.low) m.low = m.value;
          return WasmResult.Ok;
        }
        return WasmResult.NotFound;
      },
      proxy_record_metric(id: number, value: bigint) {
        const m = vm.metricsById.get(id >>> 0);
        if (!m) return WasmResult.NotFound;
        const v = Number(BigInt.asUintN(64, BigInt(value)));
        if (m.type === MetricType.Counter) m.value += v;
        else if (m.type === MetricType.Gauge) {
          m.value = v;
          if (m.value > m.peak) m.peak = m.value;
        }
        else {
          m.count++;
          m.sum += v;
          m.max = Math.max(m.max, v);
        }
        return WasmResult.Ok;
      },
      proxy_get_metric(id: number, resultPtr: number) {
        const m = vm.metricsById.get(id >>> 0);
        if (!m || m.type === MetricType.Histogram) return WasmResult.NotFound;
        return vm._setU64(resultPtr, BigInt.asUintN(64, BigInt(Math.trunc(m.value)))) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
      },
      proxy_get_shared_data(keyPtr: number, keySize: number, valuePtrPtr: number, valueSizePtr: number, casPtr: number) {
        const k = vm._bytes(keyPtr, keySize);
        if (k === null) return WasmResult.InvalidMemoryAccess;
        const entry = vm.shared.get(Buffer.from(k).toString("latin1"));
        if (entry === null) return WasmResult.NotFound;
        const r = vm._copyOut(entry.value, valuePtrPtr, valueSizePtr);
        if (r !== WasmResult.Ok) return r;
        return vm._setU32(casPtr, entry.cas) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
      },
      proxy_set_shared_data(keyPtr: number, keySize: number, valuePtr: number, valueSize: number, cas: number) {
        const k = vm._bytes(keyPtr, keySize);
        const v = vm._bytes(valuePtr, valueSize);
        if (k === null || v === null) return WasmResult.InvalidMemoryAccess;
        return vm.shared.set(Buffer.from(k).toString("latin1"), v, cas >>> 0);
      },
    };
    const wasi = {
      proc_exit(code: number): never {
        throw new ProcExit(code);
      },
      fd_write() {
        return 52; // ENOSYS: Envoy's WASI shim only logs fd 1/2; the filter must not write.
      },
      random_get(ptr: number, len: number) {
        const out = vm._bytes(ptr, len);
        if (out === null) return 21; // EFAULT
        vm.randomCalls++;
        vm.randomBytes += out.length;
        // Filled in chunks: getRandomValues takes at most 65536 bytes at a time.
        for (let i = 0; i < out.length; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(out.length, i + 65536)));
        return 0;
      },
    };
    return { env, wasi_snapshot_preview1: wasi };
  }
}
