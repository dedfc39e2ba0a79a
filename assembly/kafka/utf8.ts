// Well-formed UTF-8 (RFC 3629) for SASL names and passwords, Avro strings and JSON payloads:
// this runtime's decoder replaces bad sequences instead of refusing them, so bytes are checked
// before decoding.

/**
 * True when bytes [start, end) of b are well-formed UTF-8: no truncated sequences, overlong
 * forms, surrogates (U+D800..U+DFFF) or code points past U+10FFFF. Linear, never traps.
 */
export function isUtf8(b: Uint8Array, start: i32, end: i32): bool {
  if (start < 0 || end > b.length || start > end) return false;
  let i = start;
  const base = b.dataStart;
  while (i < end) {
    // ASCII runs eight bytes at a time.
    while (i + 8 <= end && (load<u64>(base + <usize>i) & 0x8080808080808080) == 0) i += 8;
    if (i >= end) break;
    const c = <u32>load<u8>(base + <usize>i);
    if (c < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let lo: u32 = 0x80;
    let hi: u32 = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c == 0xe0) lo = 0xa0;
      else if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c == 0xf0) lo = 0x90;
      else if (c == 0xf4) hi = 0x8f;
    } else return false;
    if (end - i - 1 < need) return false;
    const c1 = <u32>load<u8>(base + <usize>(i + 1));
    if (c1 < lo || c1 > hi) return false;
    for (let k = 2; k <= need; k++) {
      const ck = <u32>load<u8>(base + <usize>(i + k));
      if (ck < 0x80 || ck > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

/** The string of bytes [start, end) of b, which isUtf8 accepted. */
export function decodeUtf8(b: Uint8Array, start: i32, end: i32): string {
  if (start < 0 || end > b.length || start >= end) return "";
  return String.UTF8.decodeUnsafe(b.dataStart + <usize>start, <usize>(end - start), false);
}

export function utf8Bytes(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s, false));
}
