// HMAC (RFC 2104) over SHA-256 or SHA-512. The key's inner and outer padded blocks are
// absorbed once, at setKey(); each MAC then starts from copies of those states, so a MAC of a
// short message costs two compressions (what PBKDF2's iterations are made of).
import { Hash, SHA256, SHA512 } from "./hash";
import { Sha256 } from "./sha256";
import { Sha512 } from "./sha512";

/** A fresh hash of the algorithm id (SHA256 or SHA512; anything else is SHA-256). */
export function newHash(algorithm: i32): Hash {
  return algorithm == SHA512 ? <Hash>new Sha512() : <Hash>new Sha256();
}

export class Hmac {
  readonly algorithm: i32;
  /** Length of a MAC in bytes (the hash's digest length). */
  readonly length: i32;
  private inner: Hash;
  private outer: Hash;
  private work: Hash;
  private innerDigest: Uint8Array;

  constructor(algorithm: i32, key: Uint8Array) {
    const alg = algorithm == SHA512 ? SHA512 : SHA256;
    const length = alg == SHA512 ? 64 : 32;
    this.algorithm = alg;
    this.length = length;
    this.inner = newHash(alg);
    this.outer = newHash(alg);
    this.work = newHash(alg);
    this.innerDigest = new Uint8Array(length);
    this.setKey(key);
  }

  setKey(key: Uint8Array): void {
    const block = this.inner.blockLength;
    const k0 = new Uint8Array(block);
    if (key.length > block) {
      this.work.reset();
      this.work.updateAll(key);
      this.work.finishInto(k0, 0);
    } else {
      k0.set(key);
    }
    for (let i = 0; i < block; i++) k0[i] ^= 0x36;
    this.inner.reset();
    this.inner.updateAll(k0);
    for (let i = 0; i < block; i++) k0[i] ^= 0x36 ^ 0x5c;
    this.outer.reset();
    this.outer.updateAll(k0);
    k0.fill(0);
  }

  /** Starts a MAC; then update() and finishInto(). */
  begin(): void {
    this.work.copyFrom(this.inner);
  }

  update(data: Uint8Array, start: i32 = 0, end: i32 = i32.MAX_VALUE): void {
    this.work.update(data, start, end);
  }

  finishInto(out: Uint8Array, offset: i32 = 0): void {
    this.work.finishInto(this.innerDigest, 0);
    this.work.copyFrom(this.outer);
    this.work.update(this.innerDigest, 0, this.length);
    this.work.finishInto(out, offset);
  }

  /** The MAC of data, as a new array. */
  mac(data: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.length);
    this.begin();
    this.update(data);
    this.finishInto(out, 0);
    return out;
  }
}

/** HMAC of data under key with the algorithm id (SHA256 or SHA512). */
export function hmac(algorithm: i32, key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Hmac(algorithm, key).mac(data);
}
