// Topic id -> name mappings in proxy shared data, so an id handed out by one worker's VM
// (in a Metadata answer) resolves on every other worker (a Produce v13 or a Metadata by id
// may arrive on another connection, served by another worker).
import { TopicIdStore } from "../mesh/topics";
import { getSharedData, setSharedData } from "./host";

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
    const entry = getSharedData(String.UTF8.encode(PREFIX + key));
    if (entry === null || entry.bytes.length == 0) return null;
    const name = String.UTF8.decodeUnsafe(entry.bytes.dataStart, entry.bytes.length);
    this.remember(key, name);
    return name;
  }

  knownNames(): Array<string> | null {
    const list = getSharedData(KNOWN_KEY);
    if (list === null) return new Array<string>();
    // Unchanged since the last read (same cas): the names already decoded serve again.
    if (this.knownRead && list.cas == this.knownCas) return this.knownCache;
    const names = new Array<string>();
    const b = list.bytes;
    let start = 0;
    for (let i = 0; i < b.length; i++) {
      if (b[i] != NEWLINE) continue;
      if (i > start) names.push(String.UTF8.decodeUnsafe(b.dataStart + start, i - start));
      start = i + 1;
    }
    this.knownRead = true;
    this.knownCas = list.cas;
    this.knownCache = names;
    return names;
  }

  addKnown(name: string, cap: i32): void {
    const n = String.UTF8.encode(name);
    const nameBytes = Uint8Array.wrap(n);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const list = getSharedData(KNOWN_KEY);
      const b = list === null ? new Uint8Array(0) : list.bytes;
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
      const cas = list === null ? 0 : list.cas;
      if (setSharedData(KNOWN_KEY, next, cas)) return;
      // CasMismatch: another worker changed the list meanwhile; read it again.
    }
  }

  put(key: string, name: string): void {
    if (this.cache.has(key)) return;
    this.remember(key, name);
    if (this.writes >= SHARED_WRITES_LIMIT) return;
    this.writes++;
    // Every VM derives the same id from the same name, so overwriting is harmless.
    setSharedData(String.UTF8.encode(PREFIX + key), Uint8Array.wrap(String.UTF8.encode(name)), 0);
  }
}

function sameBytes(b: Uint8Array, at: i32, name: Uint8Array): bool {
  for (let j = 0; j < name.length; j++) if (b[at + j] != name[j]) return false;
  return true;
}
