// Test-only helpers for the schema/ suites: hex and text to bytes, and a deterministic PRNG.

export function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = <u8>I32.parseInt(s.substr(i * 2, 2), 16);
  return out;
}

export function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s, false));
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** xorshift32, seeded: the same bytes on every run. */
export class Prng {
  s: u32;
  constructor(seed: u32) {
    this.s = seed == 0 ? 1 : seed;
  }
  next(): u32 {
    let x = this.s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    this.s = x;
    return x;
  }
  int(n: i32): i32 {
    return <i32>(this.next() % <u32>n);
  }
  bytes(n: i32): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = <u8>this.next();
    return out;
  }
}
