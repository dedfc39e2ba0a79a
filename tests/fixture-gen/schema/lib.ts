// Shared by the schema vector generators: loading this folder's pinned packages (avsc, ajv:
// tests/fixture-gen/schema/node_modules, installed by generate.sh), a deterministic PRNG,
// byte mutations and output helpers.
import { createRequire } from "node:module";

const requireHere = createRequire(import.meta.url);

/** A package from this folder's node_modules (typed by the caller's interface). */
export function load<T>(name: string): T {
  return requireHere(name) as T;
}

/** mulberry32: deterministic 32-bit generator, so the vectors are the same on every run. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number {
    return this.next() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
}

const INTERESTING = [0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0xc0, 0xc3, 0xe0, 0xed, 0xf0, 0xf4, 0xf8, 0xfe, 0xff];

/** Byte mutations of a valid encoding: overwrites, interesting bytes, inserts, deletes, runaway varints. */
export function mutate(b: Buffer, rng: Rng): Buffer {
  const out = Buffer.from(b);
  const kind = b.length === 0 ? 2 : rng.int(6);
  const at = b.length === 0 ? 0 : rng.int(b.length);
  switch (kind) {
    case 0:
      out[at] = rng.int(256);
      return out;
    case 1:
      out[at] = rng.pick(INTERESTING);
      return out;
    case 2:
      return Buffer.concat([b.subarray(0, at), Buffer.from([rng.pick(INTERESTING)]), b.subarray(at)]);
    case 3:
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    case 4:
      out[at] ^= 1 << rng.int(8);
      return out;
    default: {
      // A run of continuation bytes: an over-long or runaway varint.
      const run = Buffer.alloc(1 + rng.int(11), 0x80 | rng.int(128));
      return Buffer.concat([b.subarray(0, at), run, b.subarray(at)]);
    }
  }
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
export const q = (s: string): string => JSON.stringify(s);
