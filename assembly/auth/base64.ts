// Standard Base64 (RFC 4648 section 4, padded) both ways, for SCRAM messages and the
// configuration's credentials. upstream/base64.ts only encodes, into a Writer. Decoding is
// strict: any other character, missing or misplaced padding, or non-zero trailing bits fail.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
let decTable: StaticArray<i32> | null = null;

function decodeTable(): StaticArray<i32> {
  let t = decTable;
  if (t === null) {
    t = new StaticArray<i32>(256);
    for (let i = 0; i < 256; i++) unchecked((t[i] = -1));
    for (let i = 0; i < 64; i++) unchecked((t[ALPHABET.charCodeAt(i)] = i));
    decTable = t;
  }
  return t;
}

export function base64EncodedLength(n: i32): i32 {
  return ((n + 2) / 3) * 4;
}

/** Writes the Base64 text of data as ASCII into out at offset (base64EncodedLength bytes). */
export function base64EncodeInto(data: Uint8Array, out: Uint8Array, offset: i32): void {
  const n = data.length;
  if (offset < 0 || offset > out.length - base64EncodedLength(n)) throw new RangeError("base64 output out of range");
  let o = offset;
  let i = 0;
  for (; i + 3 <= n; i += 3) {
    const v = (<u32>data[i] << 16) | (<u32>data[i + 1] << 8) | <u32>data[i + 2];
    out[o] = <u8>ALPHABET.charCodeAt(v >>> 18);
    out[o + 1] = <u8>ALPHABET.charCodeAt((v >>> 12) & 63);
    out[o + 2] = <u8>ALPHABET.charCodeAt((v >>> 6) & 63);
    out[o + 3] = <u8>ALPHABET.charCodeAt(v & 63);
    o += 4;
  }
  const rest = n - i;
  if (rest > 0) {
    const v = (<u32>data[i] << 16) | (rest == 2 ? <u32>data[i + 1] << 8 : 0);
    out[o] = <u8>ALPHABET.charCodeAt(v >>> 18);
    out[o + 1] = <u8>ALPHABET.charCodeAt((v >>> 12) & 63);
    out[o + 2] = rest == 2 ? <u8>ALPHABET.charCodeAt((v >>> 6) & 63) : 61;
    out[o + 3] = 61;
  }
}

/** The Base64 text of data as ASCII bytes. */
export function base64EncodeBytes(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(base64EncodedLength(data.length));
  base64EncodeInto(data, out, 0);
  return out;
}

/** The Base64 text of data. */
export function base64Encode(data: Uint8Array): string {
  const b = base64EncodeBytes(data);
  return String.UTF8.decodeUnsafe(b.dataStart, <usize>b.length, false);
}

/** Decodes the Base64 text in bytes [start, end) of src; null unless it is canonical padded Base64. */
export function base64Decode(src: Uint8Array, start: i32 = 0, end: i32 = i32.MAX_VALUE): Uint8Array | null {
  if (start < 0) start = 0;
  if (end > src.length) end = src.length;
  if (end < start) return null;
  const len = end - start;
  if (len % 4 != 0) return null;
  if (len == 0) return new Uint8Array(0);
  let pad = 0;
  if (src[end - 1] == 61) pad = src[end - 2] == 61 ? 2 : 1;
  const out = new Uint8Array((len / 4) * 3 - pad);
  const t = decodeTable();
  let o = 0;
  for (let i = start; i < end; i += 4) {
    const last = i + 4 == end;
    const a = unchecked(t[src[i]]);
    const b = unchecked(t[src[i + 1]]);
    if (a < 0 || b < 0) return null;
    if (last && pad > 0) {
      const c = pad == 2 ? 0 : unchecked(t[src[i + 2]]);
      if (c < 0) return null;
      if (pad == 2) {
        if (b & 15) return null;
        out[o] = <u8>((a << 2) | (b >> 4));
      } else {
        if (c & 3) return null;
        out[o] = <u8>((a << 2) | (b >> 4));
        out[o + 1] = <u8>(((b & 15) << 4) | (c >> 2));
      }
      break;
    }
    const c = unchecked(t[src[i + 2]]);
    const d = unchecked(t[src[i + 3]]);
    if (c < 0 || d < 0) return null;
    out[o] = <u8>((a << 2) | (b >> 4));
    out[o + 1] = <u8>(((b & 15) << 4) | (c >> 2));
    out[o + 2] = <u8>(((c & 3) << 6) | d);
    o += 3;
  }
  return out;
}

/** Decodes Base64 text (as in the configuration); null unless canonical padded Base64. */
export function base64DecodeString(text: string): Uint8Array | null {
  const b = Uint8Array.wrap(String.UTF8.encode(text, false));
  return base64Decode(b, 0, b.length);
}
