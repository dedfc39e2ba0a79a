// Host calls the SDK does not declare correctly, and small byte helpers around them.
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { BufferTypeValues, get_buffer_bytes, WasmResultValues } from "@solo-io/proxy-runtime/assembly/runtime";

// The SDK binds its setter to proxy_get_buffer_status by mistake; this is the real call.
// @ts-ignore: decorator
@external("env", "proxy_set_buffer_bytes")
export declare function proxy_set_buffer_bytes(
  buffer_type: i32,
  start: u32,
  length: u32,
  data_ptr: usize,
  data_size: usize,
): u32;

/** Bytes [start, start+length) of a host buffer, or an empty array. */
export function readBuffer(type: BufferTypeValues, start: u32, length: u32): Uint8Array {
  if (length == 0) return new Uint8Array(0);
  return Uint8Array.wrap(get_buffer_bytes(type, start, length));
}

/** Replaces bytes [start, start+length) of a host buffer with data (see Envoy's copyFrom rules). */
export function writeBuffer(type: BufferTypeValues, start: u32, length: u32, data: Uint8Array): bool {
  const ptr = changetype<usize>(data.buffer) + <usize>data.byteOffset;
  return proxy_set_buffer_bytes(type, start, length, ptr, data.length) == WasmResultValues.Ok;
}
