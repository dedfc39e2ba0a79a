// Standard Base64 (RFC 4648, with padding), as Kafka REST bridges expect for binary data: the
// encoder, writing straight into a Writer.
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

function base64Length(n: i32): i32 {
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
