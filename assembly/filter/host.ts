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

const propertyRefs = new Uint32Array(2);

/**
 * A property of the current context (path segments joined by NUL, as the ABI wants), as text;
 * "" when the host has none (a connection without a client certificate has no peer subject).
 */
export function getPropertyText(segments: Array<string>): string {
  const path = String.UTF8.encode(segments.join("\0"));
  const base = changetype<usize>(propertyRefs.buffer);
  const r = imports.proxy_get_property(changetype<usize>(path), path.byteLength, base, base + 4);
  if (r != WasmResultValues.Ok) return "";
  const ptr = <usize>propertyRefs[0];
  const len = <i32>propertyRefs[1];
  const text = len > 0 ? String.UTF8.decodeUnsafe(ptr, len) : "";
  if (ptr != 0) free(ptr);
  return text;
}

// WASI's random_get, which Envoy's wasm runtimes serve from the host's CSPRNG.
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "random_get")
declare function wasi_random_get(buf: usize, len: usize): u16;

/** Fills out with cryptographically secure random bytes; false when the host has none. */
export function randomBytes(out: Uint8Array): bool {
  if (out.length == 0) return true;
  return wasi_random_get(out.dataStart, out.length) == 0;
}
