// Standard Base64 (RFC 4648, with padding), as Kafka REST bridges expect for binary data.
import { Writer } from "../kafka/wire";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
let encTable: StaticArray<u8> | null = null;

function table(): StaticArray<u8> {
  let t = encTable;
  if (t === null) {
    t = new StaticArray<u8>(64);
    for (let i = 0; i < 64; i++) unchecked((t[i] = <u8>ALPHABET.charCodeAt(i)));
    encTable = t;
  }
  return t;
}

// Two Base64 characters per 12 input bits: half the table lookups of one per 6 bits.
let pairTable: StaticArray<u16> | null = null;

function pairs(): StaticArray<u16> {
  let p = pairTable;
  if (p === null) {
    const t = table();
    p = new StaticArray<u16>(4096);
    for (let i = 0; i < 4096; i++) unchecked((p[i] = <u16>unchecked(t[i >> 6]) | (<u16>unchecked(t[i & 63]) << 8)));
    pairTable = p;
  }
  return p;
}

export function base64Length(n: i32): i32 {
  return ((n + 2) / 3) * 4;
}

/**
 * Appends the Base64 text of data to w (no quotes). Raw loads and stores on the buffers'
 * data pointers: typed-array element access costs a call and a shadow-stack update per byte
 * in this runtime. Capacity is ensured first and nothing is allocated in the loop, so the
 * pointers stay valid.
 */
export function base64Into(w: Writer, data: Uint8Array): void {
  const t = changetype<usize>(table());
  const pt = changetype<usize>(pairs());
  const n = data.length;
  const outLen = base64Length(n);
  const src = data.dataStart;
  let dst = w.reserve(outLen);
  let i = 0;
  for (; i + 3 <= n; i += 3) {
    const p = src + <usize>i;
    const v = (<u32>load<u8>(p) << 16) | (<u32>load<u8>(p, 1) << 8) | <u32>load<u8>(p, 2);
    store<u32>(dst, <u32>load<u16>(pt + ((v >>> 12) << 1)) | (<u32>load<u16>(pt + ((v & 0xfff) << 1)) << 16));
    dst += 4;
  }
  const rest = n - i;
  if (rest > 0) {
    const p = src + <usize>i;
    const v = (<u32>load<u8>(p) << 16) | (rest == 2 ? <u32>load<u8>(p, 1) << 8 : 0);
    store<u8>(dst, load<u8>(t + (v >>> 18)));
    store<u8>(dst, load<u8>(t + ((v >>> 12) & 63)), 1);
    store<u8>(dst, rest == 2 ? load<u8>(t + ((v >>> 6) & 63)) : 61, 2);
    store<u8>(dst, 61, 3);
  }
  w.advance(outLen);
}

export function base64Encode(data: Uint8Array): string {
  const w = new Writer(base64Length(data.length) + 16);
  base64Into(w, data);
  const v = w.view();
  return String.UTF8.decode(v.buffer.slice(v.byteOffset, v.byteOffset + v.length));
}

function decodeChar(c: i32): i32 {
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 71;
  if (c >= 48 && c <= 57) return c + 4;
  if (c == 43) return 62;
  if (c == 47) return 63;
  return -1;
}

/** Decodes padded standard Base64; null when the text is not valid Base64. */
export function base64Decode(s: string): Uint8Array | null {
  const n = s.length;
  if (n % 4 != 0) return null;
  let pad = 0;
  if (n > 0 && s.charCodeAt(n - 1) == 61) pad++;
  if (n > 1 && s.charCodeAt(n - 2) == 61) pad++;
  const out = new Uint8Array((n / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < n; i += 4) {
    let v: u32 = 0;
    for (let k = 0; k < 4; k++) {
      const c = s.charCodeAt(i + k);
      let d = decodeChar(c);
      if (d < 0) {
        if (c != 61 || i + 4 != n || k < 4 - pad) return null;
        d = 0;
      }
      v = (v << 6) | <u32>d;
    }
    if (o < out.length) out[o++] = <u8>(v >>> 16);
    if (o < out.length) out[o++] = <u8>(v >>> 8);
    if (o < out.length) out[o++] = <u8>v;
  }
  return out;
}
