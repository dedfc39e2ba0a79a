// The shape SHA-256 and SHA-512 share, so HMAC and PBKDF2 work over either.

/** Hash algorithm ids. */
export const SHA256: i32 = 0;
export const SHA512: i32 = 1;

/** A streaming hash: update() any number of times, then finishInto() (which leaves it to reset()). */
export abstract class Hash {
  /** SHA256 or SHA512. */
  abstract get algorithm(): i32;
  abstract get digestLength(): i32;
  abstract get blockLength(): i32;
  abstract reset(): void;
  /** Absorbs bytes [start, end) of data (clamped to the array). */
  abstract update(data: Uint8Array, start: i32, end: i32): void;
  /** Writes the digest to out[offset..offset + digestLength); the state is spent afterwards. */
  abstract finishInto(out: Uint8Array, offset: i32): void;
  /** Takes over the whole state of other (the same algorithm), as HMAC's precomputed pads need. */
  abstract copyFrom(other: Hash): void;

  updateAll(data: Uint8Array): void {
    this.update(data, 0, data.length);
  }

  digest(): Uint8Array {
    const out = new Uint8Array(this.digestLength);
    this.finishInto(out, 0);
    return out;
  }
}

/** [start, end) clamped to [0, length], start <= end, packed as start | end << 32. */
export function clampRange(length: i32, start: i32, end: i32): u64 {
  if (start < 0) start = 0;
  if (start > length) start = length;
  if (end > length) end = length;
  if (end < start) end = start;
  return <u64>(<u32>start) | (<u64>(<u32>end) << 32);
}

export function checkOut(out: Uint8Array, offset: i32, n: i32): void {
  if (offset < 0 || offset > out.length - n) throw new RangeError("digest output out of range");
}
