// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as gzip uses it, slicing by 8 bytes.

const TABLE = new StaticArray<u32>(8 * 256);
let tableReady = false;

function initTable(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    unchecked((TABLE[n] = c));
  }
  for (let n = 0; n < 256; n++) {
    let c = unchecked(TABLE[n]);
    for (let t = 1; t < 8; t++) {
      c = unchecked(TABLE[c & 0xff]) ^ (c >>> 8);
      unchecked((TABLE[(t << 8) + n] = c));
    }
  }
  tableReady = true;
}

/** Continues a CRC-32 over `len` bytes at `ptr`; start with crc = 0. */
export function crc32Update(crc: u32, ptr: usize, len: usize): u32 {
  if (!tableReady) initTable();
  const t = changetype<usize>(TABLE);
  let c = ~crc;
  let p = ptr;
  const end = ptr + len;
  while (end - p >= 8) {
    const a = load<u32>(p) ^ c;
    const b = load<u32>(p, 4);
    c =
      load<u32>(t + (((7 << 8) + (a & 0xff)) << 2)) ^
      load<u32>(t + (((6 << 8) + ((a >>> 8) & 0xff)) << 2)) ^
      load<u32>(t + (((5 << 8) + ((a >>> 16) & 0xff)) << 2)) ^
      load<u32>(t + (((4 << 8) + (a >>> 24)) << 2)) ^
      load<u32>(t + (((3 << 8) + (b & 0xff)) << 2)) ^
      load<u32>(t + (((2 << 8) + ((b >>> 8) & 0xff)) << 2)) ^
      load<u32>(t + (((1 << 8) + ((b >>> 16) & 0xff)) << 2)) ^
      load<u32>(t + ((b >>> 24) << 2));
    p += 8;
  }
  while (p < end) {
    c = load<u32>(t + (((c ^ load<u8>(p)) & 0xff) << 2)) ^ (c >>> 8);
    p++;
  }
  return ~c;
}

/** CRC-32 of a whole array. */
export function crc32(data: Uint8Array): u32 {
  return crc32Update(0, data.dataStart, <usize>data.length);
}
