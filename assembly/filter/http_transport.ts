// UpstreamTransport over proxy_http_call. Envoy delivers each answer to the context that
// made the call; the token says which receiver and part it belongs to, and the
// connection then pushes out whatever answers became ready.
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { BufferTypeValues, HeaderMapTypeValues, WasmResultValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { UpstreamReceiver, UpstreamTransport } from "../mesh/upstream_transport";
import { RestBridge } from "../mesh/config";
import { HttpCall } from "../upstream/dialect";
import { free } from "@solo-io/proxy-runtime/assembly/malloc";
import { readBuffer } from "./host";
import { asRoot, backFromRoot } from "./network";

class PendingCall {
  constructor(public receiver: UpstreamReceiver, public part: i32) {}
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

/** Calls waiting for their answer, by token, across every root context of this VM. */
const pending = new Map<u32, PendingCall>();

export class HostTransport extends UpstreamTransport {
  /** Calls are made as the plugin's root context (see send). */
  constructor(private rootId: u32) {
    super();
  }

  send(bridge: RestBridge, call: HttpCall, timeoutMs: u32, receiver: UpstreamReceiver, part: i32): bool {
    const keys: Array<string> = [":method", ":path", ":authority"];
    const values: Array<string> = [call.method, bridge.pathPrefix + call.path, bridge.authority];
    for (let i = 0; i < call.headers.length; i++) {
      keys.push(call.headers[i][0]);
      values.push(call.headers[i][1]);
    }
    const headers = serializePairs(keys, values);
    // The call belongs to the root context, so it outlives the client's connection: its
    // outcome still settles producer state that a retry on another connection may wait for.
    const cluster = String.UTF8.encode(bridge.envoyCluster);
    const acting = asRoot(this.rootId);
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
      timeoutMs,
      changetype<usize>(tokenRef.buffer),
    );
    // Back to the context acted as (a connection the filter may be acting for), not Envoy's.
    backFromRoot(acting);
    if (result != WasmResultValues.Ok) return false;
    pending.set(tokenRef[0], new PendingCall(receiver, part));
    return true;
  }

  /**
   * An HTTP answer (or failure) arrived for token. It is applied even when the client has
   * left (producer state must learn the outcome); only the answer to the client is dropped.
   */
  static onAnswer(token: u32, bodySize: u32): void {
    if (!pending.has(token)) return;
    const call = pending.get(token);
    pending.delete(token);
    const status = responseStatus();
    const body = bodySize > 0 ? readBuffer(BufferTypeValues.HttpCallResponseBody, 0, bodySize) : null;
    call.receiver.onUpstreamAnswer(call.part, status, body);
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
