// Test-only Base64 helpers: text of the production encoder (base64Into), and a decoder to
// read back what the Strimzi dialect wrote.
import { Writer } from "../../../assembly/kafka/wire";
import { base64Into } from "../../../assembly/upstream/base64";

export function base64Encode(data: Uint8Array): string {
  const w = new Writer();
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
