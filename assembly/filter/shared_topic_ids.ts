// Topic id -> name mappings in proxy shared data, so an id handed out by one worker's VM
// (in a Metadata answer) resolves on every other worker (a Produce v13 or a Metadata by id
// may arrive on another connection, served by another worker).
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { WasmResultValues } from "@solo-io/proxy-runtime/assembly/runtime";
import { free } from "@solo-io/proxy-runtime/assembly/malloc";
import { TopicIdStore } from "../mesh/topics";

const PREFIX = "kafka_mesh.topic_id.";
/** The names seen by any VM, "\n"-separated (topic names cannot hold "\n"), oldest first. */
const KNOWN_KEY = String.UTF8.encode("kafka_mesh.known_topics");
const NEWLINE: u8 = 10;
const MAX_ATTEMPTS = 20;
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
  private knownRead: bool = false;
  private knownCas: u32 = 0;
  private knownCache: Array<string> = [];

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

  /** The list's bytes and the cas to update it with (found false: no list yet). */
  private readKnown(): KnownList {
    const out = new KnownList();
    const base = changetype<usize>(refs.buffer);
    const r = imports.proxy_get_shared_data(changetype<usize>(KNOWN_KEY), KNOWN_KEY.byteLength, base, base + 4, base + 8);
    if (r != WasmResultValues.Ok) return out;
    const ptr = <usize>refs[0];
    const len = <i32>refs[1];
    out.found = true;
    out.cas = refs[2];
    out.bytes = new Uint8Array(len);
    if (len > 0) memory.copy(changetype<usize>(out.bytes.buffer), ptr, len);
    if (ptr != 0) free(ptr);
    return out;
  }

  knownNames(): Array<string> | null {
    const list = this.readKnown();
    // Unchanged since the last read (same cas): the names already decoded serve again.
    if (list.found && this.knownRead && list.cas == this.knownCas) return this.knownCache;
    const names = new Array<string>();
    const b = list.bytes;
    let start = 0;
    for (let i = 0; i < b.length; i++) {
      if (b[i] != NEWLINE) continue;
      if (i > start) names.push(String.UTF8.decodeUnsafe(changetype<usize>(b.buffer) + start, i - start));
      start = i + 1;
    }
    if (list.found) {
      this.knownRead = true;
      this.knownCas = list.cas;
      this.knownCache = names;
    }
    return names;
  }

  addKnown(name: string, cap: i32): void {
    const n = String.UTF8.encode(name);
    const nameBytes = Uint8Array.wrap(n);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const list = this.readKnown();
      const b = list.bytes;
      // Entries are "name\n"; find this one, count the others, note where the first ends.
      let count = 0;
      let firstEnd = -1;
      let start = 0;
      for (let i = 0; i < b.length; i++) {
        if (b[i] != NEWLINE) continue;
        if (i - start == nameBytes.length && sameBytes(b, start, nameBytes)) return;
        if (firstEnd < 0) firstEnd = i + 1;
        count++;
        start = i + 1;
      }
      const keepFrom = count >= cap && firstEnd > 0 ? firstEnd : 0;
      const next = new Uint8Array(b.length - keepFrom + nameBytes.length + 1);
      next.set(b.subarray(keepFrom));
      next.set(nameBytes, b.length - keepFrom);
      next[next.length - 1] = NEWLINE;
      const cas = list.found ? list.cas : 0;
      const r = imports.proxy_set_shared_data(changetype<usize>(KNOWN_KEY), KNOWN_KEY.byteLength, changetype<usize>(next.buffer), next.length, cas);
      if (r == WasmResultValues.Ok) return;
      // CasMismatch: another worker changed the list meanwhile; read it again.
    }
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

class KnownList {
  found: bool = false;
  cas: u32 = 0;
  bytes: Uint8Array = new Uint8Array(0);
}

function sameBytes(b: Uint8Array, at: i32, name: Uint8Array): bool {
  for (let j = 0; j < name.length; j++) if (b[at + j] != name[j]) return false;
  return true;
}
