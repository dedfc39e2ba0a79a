// SHA-256/512, HMAC, PBKDF2, Base64 and constant-time equality of assembly/auth/, against
// vectors Node's crypto computed (tests/fixture-gen/auth/hash_vectors.ts).
import { base64Decode, base64DecodeString, base64Encode } from "../../assembly/auth/base64";
import { constantTimeEquals } from "../../assembly/auth/constant_time";
import { SHA256, SHA512 } from "../../assembly/auth/hash";
import { Hmac, hmac, newHash } from "../../assembly/auth/hmac";
import { hi, pbkdf2 } from "../../assembly/auth/pbkdf2";
import { Sha256, sha256 } from "../../assembly/auth/sha256";
import { Sha512, sha512 } from "../../assembly/auth/sha512";
import { isUtf8 } from "../../assembly/kafka/utf8";
import {
  HASH_MESSAGES,
  HMAC_KEYS,
  HMAC_MESSAGES,
  HMAC_SHA256,
  HMAC_SHA512,
  PBKDF2_ITERATIONS,
  PBKDF2_PASSWORDS,
  PBKDF2_SALTS,
  PBKDF2_SHA256,
  PBKDF2_SHA256_LENGTHS,
  PBKDF2_SHA512,
  PBKDF2_SHA512_LENGTHS,
  SHA256_ABC,
  SHA256_DIGESTS,
  SHA256_MILLION_A,
  SHA512_ABC,
  SHA512_DIGESTS,
  SHA512_MILLION_A,
} from "../fixtures/auth/hash_vectors";
import { bytes, hex, toHex } from "./helpers/auth";

describe("sha256 / sha512", () => {
  it("match Node's digests for lengths around the block and padding boundaries", () => {
    for (let i = 0; i < HASH_MESSAGES.length; i++) {
      const m = hex(HASH_MESSAGES[i]);
      expect(toHex(sha256(m))).toBe(SHA256_DIGESTS[i], "sha256 of " + m.length.toString() + " bytes");
      expect(toHex(sha512(m))).toBe(SHA512_DIGESTS[i], "sha512 of " + m.length.toString() + " bytes");
    }
  });
  it("match Node's digests of 'abc' and of a million 'a'", () => {
    expect(toHex(sha256(bytes("abc")))).toBe(SHA256_ABC);
    expect(toHex(sha512(bytes("abc")))).toBe(SHA512_ABC);
    const a = new Uint8Array(1000000);
    a.fill(0x61);
    expect(toHex(sha256(a))).toBe(SHA256_MILLION_A);
    expect(toHex(sha512(a))).toBe(SHA512_MILLION_A);
  });
  it("give the same digest fed in any split", () => {
    const m = hex(HASH_MESSAGES[HASH_MESSAGES.length - 1]);
    for (let step = 1; step <= 130; step += 7) {
      const a = new Sha256();
      const b = new Sha512();
      for (let p = 0; p < m.length; p += step) {
        a.update(m, p, p + step);
        b.update(m, p, p + step);
      }
      expect(toHex(a.digest())).toBe(SHA256_DIGESTS[SHA256_DIGESTS.length - 1]);
      expect(toHex(b.digest())).toBe(SHA512_DIGESTS[SHA512_DIGESTS.length - 1]);
    }
  });
  it("hash a sub-range, clamping bounds outside the array", () => {
    const m = hex(HASH_MESSAGES[HASH_MESSAGES.length - 1]);
    const padded = new Uint8Array(m.length + 20);
    padded.set(m, 10);
    expect(toHex(sha256(padded, 10, 10 + m.length))).toBe(SHA256_DIGESTS[SHA256_DIGESTS.length - 1]);
    expect(toHex(sha256(m, -5, 1 << 30))).toBe(SHA256_DIGESTS[SHA256_DIGESTS.length - 1]);
    expect(toHex(sha512(m, 50, 10))).toBe(SHA512_DIGESTS[0]);
  });
  it("reset() starts over and copyFrom() continues another state", () => {
    const m = hex(HASH_MESSAGES[10]);
    const a = newHash(SHA512);
    a.update(m, 0, 50);
    const b = newHash(SHA512);
    b.copyFrom(a);
    b.update(m, 50, m.length);
    expect(toHex(b.digest())).toBe(SHA512_DIGESTS[10]);
    a.reset();
    a.updateAll(m);
    expect(toHex(a.digest())).toBe(SHA512_DIGESTS[10]);
    expect(newHash(SHA256).digestLength).toBe(32);
    expect(newHash(SHA512).blockLength).toBe(128);
  });
});

describe("hmac", () => {
  it("matches Node's HMAC-SHA-256 and HMAC-SHA-512 for keys shorter, equal to and longer than a block", () => {
    for (let i = 0; i < HMAC_KEYS.length; i++) {
      const k = hex(HMAC_KEYS[i]);
      const m = hex(HMAC_MESSAGES[i]);
      expect(toHex(hmac(SHA256, k, m))).toBe(HMAC_SHA256[i], "key " + k.length.toString());
      expect(toHex(hmac(SHA512, k, m))).toBe(HMAC_SHA512[i], "key " + k.length.toString());
    }
  });
  it("reuses its padded key states across MACs and streams a message in parts", () => {
    const k = hex(HMAC_KEYS[7]);
    const mac = new Hmac(SHA256, k);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < HMAC_KEYS.length; i++) {
        if (i != 7) continue;
        const m = hex(HMAC_MESSAGES[i]);
        mac.begin();
        mac.update(m, 0, 3);
        mac.update(m, 3, m.length);
        const out = new Uint8Array(40);
        mac.finishInto(out, 8);
        expect(toHex(out.subarray(8, 40))).toBe(HMAC_SHA256[i]);
        expect(toHex(mac.mac(m))).toBe(HMAC_SHA256[i]);
      }
    }
    mac.setKey(hex(HMAC_KEYS[0]));
    expect(toHex(mac.mac(hex(HMAC_MESSAGES[0])))).toBe(HMAC_SHA256[0]);
  });
});

describe("pbkdf2", () => {
  it("matches Node's pbkdf2Sync with SHA-256 and SHA-512 (multi-block lengths too)", () => {
    for (let i = 0; i < PBKDF2_PASSWORDS.length; i++) {
      const p = hex(PBKDF2_PASSWORDS[i]);
      const s = hex(PBKDF2_SALTS[i]);
      const c = PBKDF2_ITERATIONS[i];
      expect(toHex(pbkdf2(SHA256, p, s, c, PBKDF2_SHA256_LENGTHS[i]))).toBe(PBKDF2_SHA256[i], "case " + i.toString());
      expect(toHex(pbkdf2(SHA512, p, s, c, PBKDF2_SHA512_LENGTHS[i]))).toBe(PBKDF2_SHA512[i], "case " + i.toString());
    }
  });
  it("hi() is one hash-length block", () => {
    const p = hex(PBKDF2_PASSWORDS[3]);
    const s = hex(PBKDF2_SALTS[3]);
    expect(toHex(hi(SHA256, p, s, 4096))).toBe(PBKDF2_SHA256[3]);
    expect(toHex(hi(SHA512, p, s, 4096))).toBe(PBKDF2_SHA512[3]);
  });
  it("counts iterations below 1 as 1 and gives nothing for a length of 0", () => {
    const p = hex(PBKDF2_PASSWORDS[0]);
    const s = hex(PBKDF2_SALTS[0]);
    expect(toHex(pbkdf2(SHA256, p, s, 0, 32))).toBe(PBKDF2_SHA256[0]);
    expect(toHex(pbkdf2(SHA256, p, s, -7, 32))).toBe(PBKDF2_SHA256[0]);
    expect(pbkdf2(SHA256, p, s, 1, 0).length).toBe(0);
    expect(pbkdf2(SHA256, p, s, 1, -1).length).toBe(0);
  });
});

describe("base64", () => {
  it("encodes RFC 4648 section 10's vectors", () => {
    expect(base64Encode(bytes(""))).toBe("");
    expect(base64Encode(bytes("f"))).toBe("Zg==");
    expect(base64Encode(bytes("fo"))).toBe("Zm8=");
    expect(base64Encode(bytes("foo"))).toBe("Zm9v");
    expect(base64Encode(bytes("foob"))).toBe("Zm9vYg==");
    expect(base64Encode(bytes("fooba"))).toBe("Zm9vYmE=");
    expect(base64Encode(bytes("foobar"))).toBe("Zm9vYmFy");
    expect(base64Encode(hex("fbff"))).toBe("+/8=");
  });
  it("decodes what it encodes for every byte value and length", () => {
    for (let n = 0; n < 70; n++) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = <u8>(i * 37 + n);
      const d = base64DecodeString(base64Encode(b));
      expect(d).not.toBeNull();
      expect(toHex(d!)).toBe(toHex(b));
    }
  });
  it("refuses anything but canonical padded Base64", () => {
    const bad: string[] = ["Zg", "Zg=", "Zg===", "Z===", "====", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n", "Zm9-", "Zm9_", "Z=g=", "=Zm9", "Zm9vé==="];
    for (let i = 0; i < bad.length; i++) expect(base64DecodeString(bad[i])).toBeNull(bad[i]);
    expect(base64DecodeString("")!.length).toBe(0);
    const src = bytes("xxZm9vxx");
    expect(toHex(base64Decode(src, 2, 6)!)).toBe(toHex(bytes("foo")));
    expect(base64Decode(src, 6, 2)).toBeNull();
  });
});

describe("constantTimeEquals", () => {
  it("is true only for equal bytes of equal length", () => {
    expect(constantTimeEquals(hex("00112233"), hex("00112233"))).toBe(true);
    expect(constantTimeEquals(hex(""), hex(""))).toBe(true);
    expect(constantTimeEquals(hex("00112233"), hex("00112234"))).toBe(false);
    expect(constantTimeEquals(hex("80112233"), hex("00112233"))).toBe(false);
    expect(constantTimeEquals(hex("001122"), hex("00112233"))).toBe(false);
  });
});

describe("isUtf8", () => {
  it("accepts well-formed UTF-8 and refuses overlongs, surrogates, truncation and out-of-range code points", () => {
    const good: string[] = ["", "616263", "c3a9", "e282ac", "f09f9491", "ed9fbf", "ee8080", "f48fbfbf", "00"];
    const bad: string[] = ["80", "c0af", "c1bf", "e080af", "eda080", "edbfbf", "f08f8080", "f4908080", "f5808080", "ff", "c3", "e282", "f09f94", "c328"];
    for (let i = 0; i < good.length; i++) {
      const b = hex(good[i]);
      expect(isUtf8(b, 0, b.length)).toBe(true, good[i]);
    }
    for (let i = 0; i < bad.length; i++) {
      const b = hex(bad[i]);
      expect(isUtf8(b, 0, b.length)).toBe(false, bad[i]);
    }
  });
});
