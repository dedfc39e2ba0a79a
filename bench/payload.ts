// Record values for the benchmarks, like ProducerPerformance's: random upper-case letters
// (compressible, not trivially), the same bytes for the same (size, seed).
export function payload(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = 65 + (x % 26);
  }
  return b;
}
