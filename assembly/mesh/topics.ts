// Topic names and ids as the mesh presents them.
//
// The mesh creates no topics: a topic "exists" when a forwarding rule routes it. Kafka
// clients also know topics by a 16-byte id (Metadata v10+, Produce v13), so each routed
// name gets an id derived from the name alone: every worker VM and every restart gives
// the same id, and the id can be mapped back to the name it was derived from.

const MAX_TOPIC_NAME_LENGTH = 249;

/** Kafka's rule for topic names: 1..249 of [a-zA-Z0-9._-], and not "." or "..". */
export function isValidTopicName(name: string): bool {
  const n = name.length;
  if (n == 0 || n > MAX_TOPIC_NAME_LENGTH || name == "." || name == "..") return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 46 || c == 95 || c == 45;
    if (!ok) return false;
  }
  return true;
}

function fnv1a64(name: string, basis: u64): u64 {
  let h = basis;
  for (let i = 0; i < name.length; i++) {
    h ^= <u64>name.charCodeAt(i);
    h *= 0x100000001b3;
  }
  return h;
}

/** The topic id the mesh gives a topic name (never the zero or the metadata-topic id). */
export function topicIdFor(name: string): Uint8Array {
  const hi = fnv1a64(name, 0xcbf29ce484222325);
  const lo = fnv1a64(name, 0x84222325cbf29ce4) | 0x100; // never 0 nor 1 (Kafka's reserved ids)
  const id = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    id[i] = <u8>(hi >>> (<u64>(56 - 8 * i)));
    id[8 + i] = <u8>(lo >>> (<u64>(56 - 8 * i)));
  }
  return id;
}

export function topicIdKey(id: Uint8Array): string {
  let s = "";
  for (let i = 0; i < id.length; i++) {
    const b = <u32>id[i];
    s += String.fromCharCode(b < 160 ? 48 + (b >> 4) : 87 + (b >> 4)) + String.fromCharCode((b & 15) < 10 ? 48 + (b & 15) : 87 + (b & 15));
  }
  return s;
}

/**
 * Where id -> name mappings, and the list of names seen, are kept beyond this VM (the filter
 * uses proxy shared data, so every worker of an Envoy answers alike).
 */
export abstract class TopicIdStore {
  abstract get(key: string): string | null;
  abstract put(key: string, name: string): void;
  /** The names every VM of this mesh has seen, oldest first; null when this store keeps none. */
  knownNames(): Array<string> | null {
    return null;
  }
  /** Adds a name to that list, keeping at most `cap` (the oldest go first). */
  addKnown(name: string, cap: i32): void {}
}

/** A store local to one VM, for tests and as the fallback. */
export class LocalTopicIdStore extends TopicIdStore {
  private map: Map<string, string> = new Map();
  get(key: string): string | null {
    return this.map.has(key) ? this.map.get(key) : null;
  }
  put(key: string, name: string): void {
    this.map.set(key, name);
  }
}

/**
 * How many routed topic names a VM lists in an all-topics Metadata answer. Prefix rules
 * admit any name, so a client can make the mesh "see" as many names as it likes: the
 * list is bounded so such an answer stays small (about 160 bytes a topic).
 */
export const KNOWN_TOPICS_CAP: i32 = 1000;

/**
 * The routed topics this VM has seen (answered in Metadata), for all-topics Metadata
 * requests and for resolving topic ids. Bounded: past the cap the oldest names are forgotten
 * for listing (ids stay resolvable through the store).
 */
export class TopicDirectory {
  private names: Array<string> = [];
  private known: Set<string> = new Set();

  constructor(private store: TopicIdStore, private cap: i32 = KNOWN_TOPICS_CAP) {}

  remember(name: string): void {
    if (this.known.has(name)) return;
    if (this.names.length >= this.cap) {
      this.known.delete(this.names[0]);
      this.names.shift();
    }
    this.names.push(name);
    this.known.add(name);
    this.store.put(topicIdKey(topicIdFor(name)), name);
    this.store.addKnown(name, this.cap);
  }

  /** For all-topics Metadata: the mesh-wide list when the store keeps one, else this VM's. */
  knownTopics(): Array<string> {
    const shared = this.store.knownNames();
    return shared !== null ? shared! : this.names;
  }

  /** The name behind a topic id, or null when no VM of this mesh handed that id out. */
  nameOf(id: Uint8Array): string | null {
    return this.store.get(topicIdKey(id));
  }
}
