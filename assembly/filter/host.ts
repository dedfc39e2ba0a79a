// Host calls the SDK does not declare correctly, and small byte helpers around them.
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { BufferTypeValues, get_buffer_bytes, WasmResultValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { free } from "@solo-io/proxy-runtime/assembly/malloc";

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

const sharedRefs = new Uint32Array(3);

/** A proxy shared-data entry: its bytes and the cas that updates it. */
export class SharedValue {
  constructor(public bytes: Uint8Array, public cas: u32) {}
}

/** Reads a proxy shared-data entry (shared by every worker VM); null when there is none. */
export function getSharedData(key: ArrayBuffer): SharedValue | null {
  const base = changetype<usize>(sharedRefs.buffer);
  const r = imports.proxy_get_shared_data(changetype<usize>(key), key.byteLength, base, base + 4, base + 8);
  if (r != WasmResultValues.Ok) return null;
  const ptr = <usize>sharedRefs[0];
  const len = <i32>sharedRefs[1];
  const bytes = new Uint8Array(len);
  if (len > 0) memory.copy(bytes.dataStart, ptr, len);
  if (ptr != 0) free(ptr);
  return new SharedValue(bytes, sharedRefs[2]);
}

/** Writes a proxy shared-data entry; cas 0 writes whatever is there. False on a cas mismatch. */
export function setSharedData(key: ArrayBuffer, value: Uint8Array, cas: u32): bool {
  const ptr = changetype<usize>(value.buffer) + <usize>value.byteOffset;
  return imports.proxy_set_shared_data(changetype<usize>(key), key.byteLength, ptr, value.length, cas) == WasmResultValues.Ok;
}
