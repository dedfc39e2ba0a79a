// The SCRAM server of assembly/auth/scram.ts: RFC 7677's example exchange, exchanges run by
// Kafka's own SCRAM client (tests/fixture-gen/auth/ScramVectors.java), and everything that must
// fail: wrong proofs, unknown users (failing only at the final message), authzid, channel
// binding, tokenauth, nonces, replays, out-of-order calls and hostile bytes.
import { base64Decode, base64DecodeString, base64Encode } from "../../assembly/auth/base64";
import {
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  ScramCredential,
  UserCredentials,
  UserTable,
  deriveScramCredential,
  scramCredentialError,
  scramMechanismFor,
} from "../../assembly/auth/credentials";
import { INVALID_CREDENTIALS, MAX_SCRAM_MESSAGE_BYTES, ScramServer, unescapeSaslName } from "../../assembly/auth/scram";
import { CREDENTIAL_VECTORS, EXCHANGE_VECTORS, ExchangeVector, TOKENAUTH_CLIENT_FIRST } from "../fixtures/auth/scram_vectors";
import { bytes, hex, text } from "./helpers/auth";

const SECRET = bytes("fake-salt-secret-for-the-tests-0");
const NONCE = hex("000102030405060708090a0b0c0d0e0f1011121314151617");

function b64(s: string): Uint8Array {
  return base64DecodeString(s)!;
}

function credentialOf(v: ExchangeVector): ScramCredential {
  return new ScramCredential(scramMechanismFor(v.mechanism), b64(v.salt), v.iterations, b64(v.storedKey), b64(v.serverKey));
}

function tableWith(v: ExchangeVector): UserTable {
  const t = new UserTable();
  const c = credentialOf(v);
  t.add(new UserCredentials(v.user, c.mechanism == SCRAM_SHA_256 ? c : null, c.mechanism == SCRAM_SHA_512 ? c : null));
  return t;
}

const ALICE = EXCHANGE_VECTORS[0];
const ALICE_512 = EXCHANGE_VECTORS[1];

/** A server for ALICE that has answered her client-first message. */
function afterFirst(): ScramServer {
  const s = new ScramServer(ALICE.mechanism, tableWith(ALICE), SECRET);
  const r = s.first(bytes(ALICE.clientFirst), hex(ALICE.serverNonceRandom));
  expect(r.ok).toBe(true);
  return s;
}

function expectFirstFails(msg: Uint8Array, label: string): void {
  const s = new ScramServer("SCRAM-SHA-256", tableWith(ALICE), SECRET);
  const r = s.first(msg, NONCE);
  expect(r.ok).toBe(false, label);
  expect(r.message.length).toBe(0, label);
  expect(r.reason.length).toBeGreaterThan(0, label);
  expect(s.failed).toBe(true, label);
  expect(s.final(bytes(ALICE.clientFinal)).ok).toBe(false, label);
  expect(s.authenticated).toBe(false, label);
  expect(s.user).toBe("", label);
}

function expectFinalFails(msg: Uint8Array, label: string): string {
  const s = afterFirst();
  const r = s.final(msg);
  expect(r.ok).toBe(false, label);
  expect(r.message.length).toBe(0, label);
  expect(s.authenticated).toBe(false, label);
  expect(s.user).toBe("", label);
  return r.reason;
}

/** The field of a SCRAM message starting with `attr=`, e.g. the salt of a server-first message. */
function field(msg: string, attr: string): string {
  const parts = msg.split(",");
  for (let i = 0; i < parts.length; i++) if (parts[i].startsWith(attr + "=")) return parts[i].substring(attr.length + 1);
  return "";
}

describe("SCRAM credentials", () => {
  it("derive the StoredKey and ServerKey Kafka's ScramFormatter derives", () => {
    for (let i = 0; i < CREDENTIAL_VECTORS.length; i++) {
      const v = CREDENTIAL_VECTORS[i];
      const c = deriveScramCredential(scramMechanismFor(v.mechanism), bytes(v.password), b64(v.salt), v.iterations);
      expect(base64Encode(c.storedKey)).toBe(v.storedKey, v.description);
      expect(base64Encode(c.serverKey)).toBe(v.serverKey, v.description);
      expect(scramCredentialError(c)).toBeNull(v.description);
    }
  });
  it("are refused with a reason when a key has the wrong length or the count is out of range", () => {
    const v = CREDENTIAL_VECTORS[1];
    const ok = new ScramCredential(SCRAM_SHA_256, b64(v.salt), 4096, b64(v.storedKey), b64(v.serverKey));
    expect(scramCredentialError(ok)).toBeNull();
    expect(scramCredentialError(new ScramCredential(SCRAM_SHA_512, ok.salt, 4096, ok.storedKey, ok.serverKey))).not.toBeNull();
    expect(scramCredentialError(new ScramCredential(SCRAM_SHA_256, ok.salt, 4095, ok.storedKey, ok.serverKey))).not.toBeNull();
    expect(scramCredentialError(new ScramCredential(SCRAM_SHA_256, ok.salt, 16385, ok.storedKey, ok.serverKey))).not.toBeNull();
    expect(scramCredentialError(new ScramCredential(SCRAM_SHA_256, new Uint8Array(0), 4096, ok.storedKey, ok.serverKey))).not.toBeNull();
    expect(scramCredentialError(new ScramCredential(7, ok.salt, 4096, ok.storedKey, ok.serverKey))).not.toBeNull();
  });
});

describe("SCRAM server: RFC 7677 example", () => {
  it("answers the RFC's exact server-first and server-final messages for user/pencil", () => {
    const v = CREDENTIAL_VECTORS[0];
    const users = new UserTable();
    users.add(new UserCredentials("user", new ScramCredential(SCRAM_SHA_256, b64(v.salt), v.iterations, b64(v.storedKey), b64(v.serverKey))));
    const s = new ScramServer("SCRAM-SHA-256", users, SECRET);
    const first = s.firstWithServerNonce(bytes("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"), bytes("%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"));
    expect(first.ok).toBe(true);
    expect(text(first.message)).toBe("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    expect(s.authenticated).toBe(false);
    const fin = s.final(bytes("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
    expect(fin.ok).toBe(true);
    expect(text(fin.message)).toBe("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    expect(s.authenticated).toBe(true);
    expect(s.user).toBe("user");
    expect(s.userKnown).toBe(true);
  });
  it("derives the RFC user's credential from the password as Kafka does", () => {
    const c = deriveScramCredential(SCRAM_SHA_256, bytes("pencil"), b64("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
    expect(base64Encode(c.storedKey)).toBe(CREDENTIAL_VECTORS[0].storedKey);
    expect(base64Encode(c.serverKey)).toBe(CREDENTIAL_VECTORS[0].serverKey);
  });
});

describe("SCRAM server: exchanges of Kafka's client", () => {
  it("answers every exchange with Kafka's exact messages and authenticates the user", () => {
    for (let i = 0; i < EXCHANGE_VECTORS.length; i++) {
      const v = EXCHANGE_VECTORS[i];
      const s = new ScramServer(v.mechanism, tableWith(v), SECRET);
      const first = s.first(bytes(v.clientFirst), hex(v.serverNonceRandom));
      expect(first.ok).toBe(true, v.description + ": " + first.reason);
      expect(text(first.message)).toBe(v.serverFirst, v.description);
      expect(s.attemptedUser).toBe(v.user, v.description);
      const fin = s.final(bytes(v.clientFinal));
      expect(fin.ok).toBe(true, v.description + ": " + fin.reason);
      expect(text(fin.message)).toBe(v.serverFinal, v.description);
      expect(s.authenticated).toBe(true, v.description);
      expect(s.user).toBe(v.user, v.description);
    }
  });
  it("fails a proof made with another password at the final message, as invalid credentials", () => {
    for (let i = 0; i < EXCHANGE_VECTORS.length; i++) {
      const v = EXCHANGE_VECTORS[i];
      const mech = scramMechanismFor(v.mechanism);
      // The user's credential is for another password; the client proved the vector's one.
      const other = deriveScramCredential(mech, bytes(v.password + "!"), b64(v.salt), v.iterations);
      const users = new UserTable();
      users.add(new UserCredentials(v.user, mech == SCRAM_SHA_256 ? other : null, mech == SCRAM_SHA_512 ? other : null));
      const s = new ScramServer(v.mechanism, users, SECRET);
      const first = s.first(bytes(v.clientFirst), hex(v.serverNonceRandom));
      expect(first.ok).toBe(true, v.description);
      expect(text(first.message)).toBe(v.serverFirst, v.description);
      const fin = s.final(bytes(v.clientFinal));
      expect(fin.ok).toBe(false, v.description);
      expect(fin.reason).toBe(INVALID_CREDENTIALS);
      expect(s.authenticated).toBe(false);
      expect(s.userKnown).toBe(true);
    }
  });
  it("fails a proof for the other mechanism", () => {
    const s = new ScramServer("SCRAM-SHA-256", tableWith(ALICE), SECRET);
    expect(s.first(bytes(ALICE_512.clientFirst), hex(ALICE_512.serverNonceRandom)).ok).toBe(true);
    expect(s.final(bytes(ALICE_512.clientFinal)).ok).toBe(false);
  });
});

function saltOf(mech: string, name: string, secret: Uint8Array): string {
  const s = new ScramServer(mech, new UserTable(), secret);
  return field(text(s.first(bytes("n,,n=" + name + ",r=abc"), NONCE).message), "s");
}

describe("SCRAM server: unknown users", () => {
  it("answers an unknown user with a made-up 32-byte salt and 4096 iterations, then fails at the final message like a wrong password", () => {
    const s = new ScramServer(ALICE.mechanism, new UserTable(), SECRET);
    const first = s.first(bytes(ALICE.clientFirst), hex(ALICE.serverNonceRandom));
    expect(first.ok).toBe(true);
    const sf = text(first.message);
    expect(field(sf, "r")).toBe(field(ALICE.serverFirst, "r"));
    expect(field(sf, "i")).toBe("4096");
    expect(b64(field(sf, "s")).length).toBe(32);
    expect(s.userKnown).toBe(false);
    expect(s.attemptedUser).toBe("alice");
    const fin = s.final(bytes(ALICE.clientFinal));
    expect(fin.ok).toBe(false);
    expect(fin.reason).toBe(INVALID_CREDENTIALS);
    expect(s.authenticated).toBe(false);
  });
  it("gives a name the same salt every time, another name or mechanism or secret another one", () => {
    const a = saltOf("SCRAM-SHA-256", "mallory", SECRET);
    expect(saltOf("SCRAM-SHA-256", "mallory", SECRET)).toBe(a);
    expect(saltOf("SCRAM-SHA-256", "mallory2", SECRET)).not.toBe(a);
    expect(saltOf("SCRAM-SHA-512", "mallory", SECRET)).not.toBe(a);
    expect(saltOf("SCRAM-SHA-256", "mallory", bytes("another secret"))).not.toBe(a);
  });
  it("can take its secret from the user table: the same for the same users, another for others", () => {
    const a = tableWith(ALICE).fakeSaltSecret();
    expect(a.length).toBe(32);
    expect(base64Encode(tableWith(ALICE).fakeSaltSecret())).toBe(base64Encode(a));
    expect(base64Encode(tableWith(ALICE_512).fakeSaltSecret())).not.toBe(base64Encode(a));
    const t = tableWith(ALICE);
    t.fakeSaltSecret();
    expect(base64Encode(t.fakeSaltSecret())).toBe(base64Encode(a));
  });
  it("treats a user without a credential for the mechanism like an unknown one, but says the name is configured", () => {
    const users = tableWith(ALICE); // SHA-256 only
    const s = new ScramServer("SCRAM-SHA-512", users, SECRET);
    const first = s.first(bytes(ALICE_512.clientFirst), hex(ALICE_512.serverNonceRandom));
    expect(first.ok).toBe(true);
    expect(field(text(first.message), "i")).toBe("4096");
    expect(s.userKnown).toBe(true);
    const fin = s.final(bytes(ALICE_512.clientFinal));
    expect(fin.ok).toBe(false);
    expect(fin.reason).toBe(INVALID_CREDENTIALS);
  });
});

describe("SCRAM server: refused client-first messages", () => {
  it("refuses an authorization id other than the user's own", () => {
    expectFirstFails(bytes("n,a=bob,n=alice,r=abcdef"), "authzid bob");
    expectFirstFails(bytes("n,a=,n=alice,r=abcdef"), "empty authzid");
    expectFirstFails(bytes("n,a=alice,n=alice2,r=abcdef"), "authzid prefix");
    expectFirstFails(bytes("n,a=al,ice,n=al=2Cice,r=abcdef"), "unescaped comma in authzid");
  });
  it("refuses delegation-token authentication (tokenauth=true) and ignores other extensions", () => {
    expectFirstFails(bytes(TOKENAUTH_CLIENT_FIRST), "Kafka's tokenauth client");
    expectFirstFails(bytes("n,,n=alice,r=abcdef,tokenauth=TRUE"), "TRUE");
    expectFirstFails(bytes("n,,n=alice,r=abcdef,foo=1,tokenauth=true,bar=2"), "among others");
    const s = new ScramServer("SCRAM-SHA-256", tableWith(ALICE), SECRET);
    expect(s.first(bytes("n,,n=alice,r=abcdef,tokenauth=false,x=,lifetime=9"), NONCE).ok).toBe(true);
  });
  it("refuses channel binding (p=) and mandatory extensions (m=)", () => {
    expectFirstFails(bytes("p=tls-unique,,n=alice,r=abcdef"), "p=");
    expectFirstFails(bytes("p,,n=alice,r=abcdef"), "p");
    expectFirstFails(bytes("n,,m=ext,n=alice,r=abcdef"), "m=");
  });
  it("refuses saslname escapes other than =2C and =3D", () => {
    expectFirstFails(bytes("n,,n=al=2cice,r=abcdef"), "lower-case =2c");
    expectFirstFails(bytes("n,,n=al=ice,r=abcdef"), "bare =");
    expectFirstFails(bytes("n,,n=alice=,r=abcdef"), "trailing =");
    expectFirstFails(bytes("n,,n=alice=2,r=abcdef"), "truncated escape");
    expectFirstFails(bytes("n,,n=a=41,r=abcdef"), "=41");
    expect(unescapeSaslName(bytes("a=2Cb=3Dc"), 0, 9)).toBe("a,b=c");
    expect(unescapeSaslName(bytes("=3D2C"), 0, 5)).toBe("=2C");
    expect(unescapeSaslName(bytes("x"), 0, 0)).toBeNull();
  });
  it("never traps and never succeeds on malformed, reordered, duplicated or hostile messages", () => {
    const bad: string[] = [
      "", "n", "n,", "n,,", "n,,n=", "n,,n=alice", "n,,n=alice,", "n,,n=alice,r=", "n,,n=,r=abc",
      "n,,r=abc,n=alice", "n,,n=alice,n=bob,r=abc", "n,,n=alice,r=abc,r=def", "n,,n=alice,r=abc,n=bob",
      "n,,n=alice,r=abc,", "n,,n=alice,r=abc,=v", "n,,n=alice,r=abc,1=2", "n,,n=alice,r=abc,foo",
      "x,,n=alice,r=abc", "n;,n=alice,r=abc", "nn,n=alice,r=abc", "n,,,n=alice,r=abc", " n,,n=alice,r=abc",
      "n,,n=alice,r=ab c", "n,,n=alice,r=ab\x7fc", "n,,n=alice,r=abç", "n,a=alice", "n,a=alice,",
      "y", "y,", "n,,N=alice,r=abc", "n,,n=alice,R=abc", "n,,n=alice,s=abc,r=abc",
    ];
    for (let i = 0; i < bad.length; i++) expectFirstFails(bytes(bad[i]), "'" + bad[i] + "'");
    expectFirstFails(hex("6e2c2c6e3d616c006963652c723d616263"), "NUL in the name");
    expectFirstFails(hex("6e2c2c6e3dff2c723d616263"), "0xff in the name");
    expectFirstFails(hex("6e2c2c6e3dc0af2c723d616263"), "overlong UTF-8 in the name");
    expectFirstFails(hex("6e2c2c6e3deda0802c723d616263"), "surrogate in the name");
    expectFirstFails(hex("ffffffffffff"), "binary");
    const huge = new Uint8Array(MAX_SCRAM_MESSAGE_BYTES + 1);
    huge.fill(0x61);
    huge.set(bytes("n,,n=alice,r="), 0);
    expectFirstFails(huge, "over the size limit");
  });
  it("parses names with non-ASCII UTF-8 and looks them up unescaped", () => {
    const users = new UserTable();
    users.add(new UserCredentials("jürgen,x"));
    const s = new ScramServer("SCRAM-SHA-256", users, SECRET);
    expect(s.first(bytes("n,,n=jürgen=2Cx,r=abc"), NONCE).ok).toBe(true);
    expect(s.attemptedUser).toBe("jürgen,x");
    expect(s.userKnown).toBe(true);
  });
  it("refuses a server nonce that is too short or not printable, and an unknown mechanism", () => {
    const s1 = new ScramServer("SCRAM-SHA-256", tableWith(ALICE), SECRET);
    expect(s1.first(bytes(ALICE.clientFirst), new Uint8Array(17)).ok).toBe(false);
    const s2 = new ScramServer("SCRAM-SHA-256", tableWith(ALICE), SECRET);
    expect(s2.firstWithServerNonce(bytes(ALICE.clientFirst), bytes("ab,c")).ok).toBe(false);
    const s3 = new ScramServer("SCRAM-SHA-256", tableWith(ALICE), SECRET);
    expect(s3.firstWithServerNonce(bytes(ALICE.clientFirst), new Uint8Array(0)).ok).toBe(false);
    const s4 = new ScramServer("SCRAM-SHA-1", tableWith(ALICE), SECRET);
    expect(s4.first(bytes(ALICE.clientFirst), NONCE).ok).toBe(false);
  });
  it("puts the Base64 of the caller's random bytes after the client nonce", () => {
    const s = new ScramServer("SCRAM-SHA-256", tableWith(ALICE), SECRET);
    const r = s.first(bytes("n,,n=alice,r=CLIENT"), NONCE);
    expect(field(text(r.message), "r")).toBe("CLIENT" + base64Encode(NONCE));
  });
});

const nonce = field(ALICE.clientFinal, "r");
const proof = field(ALICE.clientFinal, "p");

describe("SCRAM server: refused client-final messages", () => {
  it("refuses channel-binding data other than the gs2 header's Base64", () => {
    expect(expectFinalFails(bytes("c=eSws,r=" + nonce + ",p=" + proof), "y header")).not.toBe(INVALID_CREDENTIALS);
    expectFinalFails(bytes("c=biwsbiws,r=" + nonce + ",p=" + proof), "longer");
    expectFinalFails(bytes("c=biw,r=" + nonce + ",p=" + proof), "not Base64");
    expectFinalFails(bytes("c=,r=" + nonce + ",p=" + proof), "empty");
  });
  it("refuses a nonce other than the combined one", () => {
    expectFinalFails(bytes("c=biws,r=" + nonce + "x,p=" + proof), "longer nonce");
    expectFinalFails(bytes("c=biws,r=" + nonce.substring(1) + ",p=" + proof), "shorter nonce");
    expectFinalFails(bytes("c=biws,r=" + field(ALICE.clientFirst, "r") + ",p=" + proof), "client nonce only");
  });
  it("refuses missing, misplaced, duplicated or malformed fields", () => {
    const bad: string[] = [
      "", "c=biws", "c=biws,", "c=biws,r=" + nonce, "c=biws,r=" + nonce + ",", "c=biws,r=" + nonce + ",p=",
      "c=biws,r=" + nonce + ",p=!!!!", "c=biws,r=" + nonce + ",p=" + proof.substring(4),
      "c=biws,r=" + nonce + ",p=" + proof + "AAAA", "r=" + nonce + ",c=biws,p=" + proof,
      "c=biws,p=" + proof + ",r=" + nonce, "c=biws,r=" + nonce + ",p=" + proof + ",x=y",
      "c=biws,r=" + nonce + ",r=" + nonce + ",p=" + proof, "c=biws,c=biws,r=" + nonce + ",p=" + proof,
      "c=biws,r=" + nonce + ",p=" + proof + ",p=" + proof, "c=biws,r=" + nonce + ",1=2,p=" + proof,
      "C=biws,r=" + nonce + ",p=" + proof, "c=biws,r=" + nonce + ",P=" + proof,
    ];
    for (let i = 0; i < bad.length; i++) expectFinalFails(bytes(bad[i]), "'" + bad[i] + "'");
    const huge = new Uint8Array(MAX_SCRAM_MESSAGE_BYTES + 1);
    huge.fill(0x41);
    huge.set(bytes("c=biws,r=" + nonce + ",p="), 0);
    expectFinalFails(huge, "over the size limit");
  });
  it("parses extensions before the proof (part of the AuthMessage: this proof, made without, fails as invalid credentials)", () => {
    expect(expectFinalFails(bytes("c=biws,r=" + nonce + ",foo=bar,p=" + proof), "extension")).toBe(INVALID_CREDENTIALS);
  });
  it("never succeeds with any single-byte change, deletion or truncation of a valid message", () => {
    const good = bytes(ALICE.clientFinal);
    let seed: u32 = 12345;
    for (let k = 0; k < 400; k++) {
      seed = seed * 1664525 + 1013904223;
      const pos = <i32>((seed >>> 8) % <u32>good.length);
      let m: Uint8Array;
      const kind = k % 3;
      if (kind == 0) {
        m = good.slice(0);
        m[pos] ^= <u8>(1 + ((seed >>> 24) % 255));
      } else if (kind == 1) {
        m = new Uint8Array(good.length - 1);
        m.set(good.subarray(0, pos), 0);
        m.set(good.subarray(pos + 1), pos);
      } else {
        m = good.slice(0, pos);
      }
      expectFinalFails(m, "mutation " + k.toString());
    }
  });
});

describe("SCRAM server: state", () => {
  it("refuses a replayed final message after success, and a new first() on the same object", () => {
    const s = afterFirst();
    expect(s.final(bytes(ALICE.clientFinal)).ok).toBe(true);
    expect(s.authenticated).toBe(true);
    expect(s.final(bytes(ALICE.clientFinal)).ok).toBe(false);
    expect(s.authenticated).toBe(false);
    expect(s.user).toBe("");

    const t = afterFirst();
    expect(t.final(bytes(ALICE.clientFinal)).ok).toBe(true);
    expect(t.first(bytes(ALICE.clientFirst), hex(ALICE.serverNonceRandom)).ok).toBe(false);
    expect(t.authenticated).toBe(false);
    expect(t.final(bytes(ALICE.clientFinal)).ok).toBe(false);
    expect(t.authenticated).toBe(false);
  });
  it("refuses a final message replayed into a new exchange (the server's nonce differs)", () => {
    const s = new ScramServer(ALICE.mechanism, tableWith(ALICE), SECRET);
    expect(s.first(bytes(ALICE.clientFirst), NONCE).ok).toBe(true);
    const r = s.final(bytes(ALICE.clientFinal));
    expect(r.ok).toBe(false);
    expect(s.authenticated).toBe(false);
  });
  it("refuses final() before first(), and anything after a failure", () => {
    const s = new ScramServer(ALICE.mechanism, tableWith(ALICE), SECRET);
    expect(s.final(bytes(ALICE.clientFinal)).ok).toBe(false);
    expect(s.failed).toBe(true);
    expect(s.first(bytes(ALICE.clientFirst), hex(ALICE.serverNonceRandom)).ok).toBe(false);

    const t = afterFirst();
    expect(t.final(bytes("c=biws")).ok).toBe(false);
    expect(t.final(bytes(ALICE.clientFinal)).ok).toBe(false);
    expect(t.authenticated).toBe(false);
  });
  it("refuses a second first() before the final message", () => {
    const s = afterFirst();
    expect(s.first(bytes(ALICE.clientFirst), hex(ALICE.serverNonceRandom)).ok).toBe(false);
    expect(s.final(bytes(ALICE.clientFinal)).ok).toBe(false);
  });
  it("decodes the proof of a real exchange as 32 bytes", () => {
    const p = bytes(field(ALICE.clientFinal, "p"));
    expect(base64Decode(p, 0, p.length)!.length).toBe(32);
  });
});
