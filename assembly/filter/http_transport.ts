// UpstreamTransport over proxy_http_call. Envoy delivers each answer to the context that
// made the call; the token says which request and part it belongs to, and the
// connection then pushes out whatever answers became ready.
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { BufferTypeValues, HeaderMapTypeValues, WasmResultValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { InFlightRequest } from "../mesh/inflight";
import { HttpCall, UpstreamTransport } from "../mesh/upstream_transport";
import { free } from "@solo-io/proxy-runtime/assembly/malloc";
import { readBuffer } from "./host";
import { ConnectionContext } from "./network";

class PendingCall {
  constructor(public connection: ConnectionContext, public request: InFlightRequest, public part: i32) {}
}

/** Serializes header pairs in the proxy-wasm layout: count, sizes, then NUL-ended strings. */
function serializePairs(keys: Array<string>, values: Array<string>): ArrayBuffer {
  const k = new Array<ArrayBuffer>(keys.length);
  const v = new Array<ArrayBuffer>(keys.length);
  let size = 4;
  for (let i = 0; i < keys.length; i++) {
    k[i] = String.UTF8.encode(keys[i]);
    v[i] = String.UTF8.encode(values[i]);
    size += 8 + k[i].byteLength + 1 + v[i].byteLength + 1;
  }
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, keys.length);
  let sizes = base + 4;
  let data = base + 4 + 8 * keys.length;
  for (let i = 0; i < keys.length; i++) {
    store<u32>(sizes, k[i].byteLength);
    store<u32>(sizes + 4, v[i].byteLength);
    sizes += 8;
    memory.copy(data, changetype<usize>(k[i]), k[i].byteLength);
    data += k[i].byteLength;
    store<u8>(data++, 0);
    memory.copy(data, changetype<usize>(v[i]), v[i].byteLength);
    data += v[i].byteLength;
    store<u8>(data++, 0);
  }
  return out;
}

const NO_PAIRS = serializePairs([], []);
const tokenRef = new Uint32Array(1);
const valueRef = new Uint32Array(2);

export class HostTransport extends UpstreamTransport {
  /** The connection whose data is being processed; calls made now belong to it. */
  current: ConnectionContext | null = null;
  private pending: Map<u32, PendingCall> = new Map();

  send(call: HttpCall, request: InFlightRequest, part: i32): bool {
    const connection = this.current;
    if (connection === null) return false;
    const headers = serializePairs(
      [":method", ":path", ":authority", "content-type", "accept"],
      [call.method, call.path, call.authority, call.contentType, "application/vnd.kafka.v2+json, application/json"],
    );
    const cluster = String.UTF8.encode(call.envoyCluster);
    const body = call.body;
    const result = imports.proxy_http_call(
      changetype<usize>(cluster),
      cluster.byteLength,
      changetype<usize>(headers),
      headers.byteLength,
      changetype<usize>(body.buffer) + <usize>body.byteOffset,
      body.length,
      changetype<usize>(NO_PAIRS),
      NO_PAIRS.byteLength,
      call.timeoutMs,
      changetype<usize>(tokenRef.buffer),
    );
    if (result != WasmResultValues.Ok) return false;
    this.pending.set(tokenRef[0], new PendingCall(connection!, request, part));
    return true;
  }

  /** An HTTP answer (or failure) arrived for token. */
  onAnswer(token: u32, bodySize: u32): void {
    if (!this.pending.has(token)) return;
    const call = this.pending.get(token);
    this.pending.delete(token);
    // The client may have left meanwhile: its requests are abandoned, drop the answer.
    if (call.connection.connection.closed) return;
    const status = responseStatus();
    const body = bodySize > 0 ? readBuffer(BufferTypeValues.HttpCallResponseBody, 0, bodySize) : null;
    this.current = call.connection;
    call.request.onUpstreamAnswer(call.part, status, body);
    call.connection.flush();
    this.current = null;
  }

  /** Forgets calls of a closed connection (Envoy cancels them with the context). */
  forget(connection: ConnectionContext): void {
    const tokens = this.pending.keys();
    for (let i = 0; i < tokens.length; i++) {
      if (this.pending.get(tokens[i]).connection === connection) this.pending.delete(tokens[i]);
    }
  }
}

/** The :status of the HTTP call answer being delivered, or 0 when there is none. */
function responseStatus(): i32 {
  const name = String.UTF8.encode(":status");
  const base = changetype<usize>(valueRef.buffer);
  const r = imports.proxy_get_header_map_value(
    HeaderMapTypeValues.HttpCallResponseHeaders,
    changetype<usize>(name),
    name.byteLength,
    base,
    base + 4,
  );
  if (r != WasmResultValues.Ok) return 0;
  const ptr = <usize>valueRef[0];
  const len = <i32>valueRef[1];
  let status = 0;
  for (let i = 0; i < len; i++) {
    const c = <i32>load<u8>(ptr + i);
    if (c < 48 || c > 57) {
      status = 0;
      break;
    }
    status = status * 10 + (c - 48);
  }
  // The host allocated the value with our malloc: release it.
  free(ptr);
  return status;
}
