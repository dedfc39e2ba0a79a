// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka record batches.
//
// Slicing-by-8: eight 256-entry tables let the main loop consume 8 bytes per step with
// independent table lookups. The tables are built once, lazily, in linear memory.

const POLY: u32 = 0x82f63b78;

let tables: StaticArray<u32> | null = null;

function buildTables(): StaticArray<u32> {
  const t = new StaticArray<u32>(8 * 256);
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    unchecked((t[i] = c));
  }
  for (let i = 0; i < 256; i++) {
    let c = unchecked(t[i]);
    for (let s = 1; s < 8; s++) {
      c = unchecked(t[c & 0xff]) ^ (c >>> 8);
      unchecked((t[s * 256 + i] = c));
    }
  }
  return t;
}

/** Continues a CRC-32C over bytes [start, end) of buf; pass 0 as crc to start a new one. */
export function crc32cUpdate(crc: u32, buf: Uint8Array, start: i32, end: i32): u32 {
  if (start < 0) start = 0;
  if (end > buf.length) end = buf.length;
  let t = tables;
  if (t === null) {
    t = buildTables();
    tables = t;
  }
  const tp = changetype<usize>(t);
  let c = ~crc;
  let p = buf.dataStart + <usize>start;
  const stop = buf.dataStart + <usize>max(end, start);
  // Eight bytes per step (wasm loads are little-endian, matching the reflected CRC).
  while (stop - p >= 8) {
    const lo = load<u32>(p) ^ c;
    const hi = load<u32>(p, 4);
    c =
      load<u32>(tp + ((7 * 256 + (lo & 0xff)) << 2)) ^
      load<u32>(tp + ((6 * 256 + ((lo >>> 8) & 0xff)) << 2)) ^
      load<u32>(tp + ((5 * 256 + ((lo >>> 16) & 0xff)) << 2)) ^
      load<u32>(tp + ((4 * 256 + (lo >>> 24)) << 2)) ^
      load<u32>(tp + ((3 * 256 + (hi & 0xff)) << 2)) ^
      load<u32>(tp + ((2 * 256 + ((hi >>> 8) & 0xff)) << 2)) ^
      load<u32>(tp + ((1 * 256 + ((hi >>> 16) & 0xff)) << 2)) ^
      load<u32>(tp + ((hi >>> 24) << 2));
    p += 8;
  }
  while (p < stop) {
    c = load<u32>(tp + (((c ^ <u32>load<u8>(p)) & 0xff) << 2)) ^ (c >>> 8);
    p++;
  }
  return ~c;
}

/** CRC-32C of bytes [start, end) of buf (whole buffer by default). */
export function crc32c(buf: Uint8Array, start: i32 = 0, end: i32 = -1): u32 {
  return crc32cUpdate(0, buf, start, end < 0 ? buf.length : end);
}
