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

export function base64Length(n: i32): i32 {
  return ((n + 2) / 3) * 4;
}

/** Appends the Base64 text of data to w (no quotes). */
export function base64Into(w: Writer, data: Uint8Array): void {
  const t = table();
  const n = data.length;
  const outLen = base64Length(n);
  const start = w.pos;
  ensureCapacity(w, outLen);
  const o = w.buf;
  let j = start;
  let i = 0;
  for (; i + 3 <= n; i += 3) {
    const v = (<u32>unchecked(data[i]) << 16) | (<u32>unchecked(data[i + 1]) << 8) | <u32>unchecked(data[i + 2]);
    unchecked((o[j] = t[v >>> 18]));
    unchecked((o[j + 1] = t[(v >>> 12) & 63]));
    unchecked((o[j + 2] = t[(v >>> 6) & 63]));
    unchecked((o[j + 3] = t[v & 63]));
    j += 4;
  }
  const rest = n - i;
  if (rest > 0) {
    const v = (<u32>unchecked(data[i]) << 16) | (rest == 2 ? <u32>unchecked(data[i + 1]) << 8 : 0);
    unchecked((o[j] = t[v >>> 18]));
    unchecked((o[j + 1] = t[(v >>> 12) & 63]));
    unchecked((o[j + 2] = rest == 2 ? t[(v >>> 6) & 63] : 61));
    unchecked((o[j + 3] = 61));
    j += 4;
  }
  w.pos = j;
}

// Grows the writer like Writer.ensure (private there) so the encoder can store unchecked.
function ensureCapacity(w: Writer, n: i32): void {
  if (w.pos + n <= w.buf.length) return;
  let cap = w.buf.length << 1;
  while (cap < w.pos + n) cap <<= 1;
  const next = new Uint8Array(cap);
  next.set(w.buf.subarray(0, w.pos));
  w.buf = next;
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
