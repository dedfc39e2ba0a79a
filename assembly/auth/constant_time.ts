// Comparison of secrets (proofs, keys) whose time depends only on their lengths.

/** a == b byte for byte; arrays of different lengths are unequal (lengths are not secret). */
export function constantTimeEquals(a: Uint8Array, b: Uint8Array): bool {
  const n = a.length;
  if (n != b.length) return false;
  const pa = a.dataStart;
  const pb = b.dataStart;
  let diff: u32 = 0;
  for (let i = 0; i < n; i++) diff |= <u32>(load<u8>(pa + <usize>i) ^ load<u8>(pb + <usize>i));
  return diff == 0;
}
