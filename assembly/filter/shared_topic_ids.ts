// Topic id -> name mappings in proxy shared data, so an id handed out by one worker's VM
// (in a Metadata answer) resolves on every other worker (a Produce v13 or a Metadata by id
// may arrive on another connection, served by another worker).
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { WasmResultValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { free } from "@solo-io/proxy-runtime/assembly/malloc";
import { TopicIdStore } from "../mesh/topics";

const PREFIX = "kafka_mesh.topic_id.";
/** Local cache bound: past it the cache starts over (shared data still has every id). */
const CACHE_LIMIT = 10000;
/**
 * Shared data lives outside the VM and is never freed, so each VM writes at most this many
 * ids; names seen after that resolve only on the VM that answered their Metadata.
 */
const SHARED_WRITES_LIMIT = 100000;
const refs = new Uint32Array(3);

export class SharedDataTopicIdStore extends TopicIdStore {
  private cache: Map<string, string> = new Map();
  private writes: i32 = 0;

  private remember(key: string, name: string): void {
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, name);
  }

  get(key: string): string | null {
    if (this.cache.has(key)) return this.cache.get(key);
    const k = String.UTF8.encode(PREFIX + key);
    const base = changetype<usize>(refs.buffer);
    const r = imports.proxy_get_shared_data(changetype<usize>(k), k.byteLength, base, base + 4, base + 8);
    if (r != WasmResultValues.Ok) return null;
    const ptr = <usize>refs[0];
    const len = <i32>refs[1];
    if (len == 0) return null;
    const name = String.UTF8.decodeUnsafe(ptr, len);
    free(ptr);
    this.remember(key, name);
    return name;
  }

  put(key: string, name: string): void {
    if (this.cache.has(key)) return;
    this.remember(key, name);
    if (this.writes >= SHARED_WRITES_LIMIT) return;
    this.writes++;
    const k = String.UTF8.encode(PREFIX + key);
    const v = String.UTF8.encode(name);
    // Every VM derives the same id from the same name, so overwriting is harmless.
    imports.proxy_set_shared_data(changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength, 0);
  }
}
