// PBKDF2 (RFC 8018 section 5.2) with HMAC-SHA-256/512; hi() is SCRAM's Hi() (RFC 5802 section
// 2.2): one block, as long as the hash.
import { SHA512 } from "./hash";
import { Hmac } from "./hmac";

/** PBKDF2 of password and salt, iterations (values below 1 count as 1), length bytes out. */
export function pbkdf2(algorithm: i32, password: Uint8Array, salt: Uint8Array, iterations: i32, length: i32): Uint8Array {
  const mac = new Hmac(algorithm, password);
  const hLen = mac.length;
  const out = new Uint8Array(max(length, 0));
  if (iterations < 1) iterations = 1;
  const u = new Uint8Array(hLen);
  const t = new Uint8Array(hLen);
  const counter = new Uint8Array(4);
  for (let block = 1, done = 0; done < out.length; block++) {
    counter[0] = <u8>(block >>> 24);
    counter[1] = <u8>(block >>> 16);
    counter[2] = <u8>(block >>> 8);
    counter[3] = <u8>block;
    mac.begin();
    mac.update(salt);
    mac.update(counter);
    mac.finishInto(u, 0);
    memory.copy(t.dataStart, u.dataStart, <usize>hLen);
    const up = u.dataStart;
    const tp = t.dataStart;
    for (let i = 1; i < iterations; i++) {
      mac.begin();
      mac.update(u, 0, hLen);
      mac.finishInto(u, 0);
      for (let j = 0; j < hLen; j += 8) store<u64>(tp + <usize>j, load<u64>(tp + <usize>j) ^ load<u64>(up + <usize>j));
    }
    const n = min(hLen, out.length - done);
    memory.copy(out.dataStart + <usize>done, tp, <usize>n);
    done += n;
  }
  return out;
}

/** Hi(password, salt, iterations): the SaltedPassword of SCRAM, digest-length bytes. */
export function hi(algorithm: i32, password: Uint8Array, salt: Uint8Array, iterations: i32): Uint8Array {
  return pbkdf2(algorithm, password, salt, iterations, algorithm == SHA512 ? 64 : 32);
}
