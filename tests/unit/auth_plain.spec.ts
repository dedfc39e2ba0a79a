// SASL PLAIN of assembly/auth/plain.ts, checked against salted credentials Kafka's
// ScramFormatter wrote (tests/fixture-gen/auth/ScramVectors.java).
import { base64DecodeString } from "../../assembly/auth/base64";
import {
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  ScramCredential,
  UserCredentials,
  UserTable,
  deriveScramCredential,
  scramMechanismFor,
} from "../../assembly/auth/credentials";
import { parsePlain, verifyPlain } from "../../assembly/auth/plain";
import { INVALID_CREDENTIALS } from "../../assembly/auth/scram";
import { CREDENTIAL_VECTORS, CredentialVector } from "../fixtures/auth/scram_vectors";
import { bytes, hex } from "./helpers/auth";

function credentialOf(v: CredentialVector): ScramCredential {
  return new ScramCredential(scramMechanismFor(v.mechanism), base64DecodeString(v.salt)!, v.iterations, base64DecodeString(v.storedKey)!, base64DecodeString(v.serverKey)!);
}

function tableOf(v: CredentialVector): UserTable {
  const c = credentialOf(v);
  const t = new UserTable();
  t.add(new UserCredentials(v.user, c.mechanism == SCRAM_SHA_256 ? c : null, c.mechanism == SCRAM_SHA_512 ? c : null));
  return t;
}

function token(authzid: string, user: string, password: string): Uint8Array {
  return bytes(authzid + "\0" + user + "\0" + password);
}

function expectMalformed(t: Uint8Array, users: UserTable, label: string): void {
  const r = verifyPlain(t, users);
  expect(r.ok).toBe(false, label);
  expect(r.reason.length).toBeGreaterThan(0, label);
}

describe("PLAIN", () => {
  it("accepts each password against its Kafka-written credential (SHA-256 or SHA-512, 4096..16384 iterations)", () => {
    for (let i = 0; i < CREDENTIAL_VECTORS.length; i++) {
      const v = CREDENTIAL_VECTORS[i];
      const r = verifyPlain(token("", v.user, v.password), tableOf(v));
      expect(r.ok).toBe(true, v.description + ": " + r.reason);
      expect(r.user).toBe(v.user);
      expect(r.userKnown).toBe(true);
      expect(r.reason).toBe("");
    }
  });
  it("accepts an authorization id equal to the user and refuses any other", () => {
    const v = CREDENTIAL_VECTORS[1];
    expect(verifyPlain(token("alice", "alice", v.password), tableOf(v)).ok).toBe(true);
    const r = verifyPlain(token("bob", "alice", v.password), tableOf(v));
    expect(r.ok).toBe(false);
    expect(r.user).toBe("alice");
    expect(verifyPlain(token("Alice", "alice", v.password), tableOf(v)).ok).toBe(false);
  });
  it("refuses a wrong password, a prefix of the password, and the password with a character more", () => {
    const v = CREDENTIAL_VECTORS[1];
    const users = tableOf(v);
    const wrong: string[] = ["alice-secreT", "alice-secre", "alice-secret!", "ALICE-SECRET", "alice-secret "];
    for (let i = 0; i < wrong.length; i++) {
      const r = verifyPlain(token("", "alice", wrong[i]), users);
      expect(r.ok).toBe(false, wrong[i]);
      expect(r.userKnown).toBe(true);
    }
    expect(verifyPlain(token("", "alice", "alice-secreT"), users).reason).toBe(INVALID_CREDENTIALS);
  });
  it("fails an unknown user with the same reason as a wrong password, after the same PBKDF2 work", () => {
    const v = CREDENTIAL_VECTORS[1];
    const r = verifyPlain(token("", "mallory", v.password), tableOf(v));
    expect(r.ok).toBe(false);
    expect(r.userKnown).toBe(false);
    expect(r.user).toBe("mallory");
    expect(r.reason).toBe(INVALID_CREDENTIALS);
    expect(verifyPlain(token("", "mallory", ""), new UserTable()).ok).toBe(false);
  });
  it("checks the SCRAM-SHA-256 credential when the user has both, else the SCRAM-SHA-512 one", () => {
    const salt = hex("00112233445566778899aabbccddeeff");
    const users = new UserTable();
    users.add(new UserCredentials("both",
      deriveScramCredential(SCRAM_SHA_256, bytes("for-256"), salt, 4096),
      deriveScramCredential(SCRAM_SHA_512, bytes("for-512"), salt, 4096)));
    users.add(new UserCredentials("only512", null, deriveScramCredential(SCRAM_SHA_512, bytes("for-512"), salt, 4096)));
    expect(verifyPlain(token("", "both", "for-256"), users).ok).toBe(true);
    expect(verifyPlain(token("", "both", "for-512"), users).ok).toBe(false);
    expect(verifyPlain(token("", "only512", "for-512"), users).ok).toBe(true);
    expect(verifyPlain(token("", "only512", "for-256"), users).ok).toBe(false);
  });
  it("passes the password's bytes as they are (no SASLprep), as Kafka does", () => {
    const v = CREDENTIAL_VECTORS[3]; // a UTF-8 password with an emoji
    expect(verifyPlain(token("", v.user, v.password), tableOf(v)).ok).toBe(true);
    // The same text in NFD (a + combining diaeresis) is another password.
    expect(verifyPlain(token("", v.user, v.password.replace("\u00e4", "a\u0308")), tableOf(v)).ok).toBe(false);
  });
  it("refuses tokens without exactly two NULs, with an empty user or password, or with bad UTF-8, and never traps", () => {
    const users = tableOf(CREDENTIAL_VECTORS[1]);
    const bad: string[] = ["", "\0", "\0\0", "alice", "alice\0alice-secret", "\0alice-secret", "\0\0alice-secret", "\0alice\0",
      "\0alice\0alice-secret\0", "x\0alice\0alice\0secret", "\0\0\0"];
    for (let i = 0; i < bad.length; i++) expectMalformed(bytes(bad[i]), users, "'" + bad[i] + "'");
    // 0xff / truncated sequence / overlong / surrogate in each part.
    expectMalformed(hex("ff00616c69636500616c6963652d736563726574"), users, "bad authzid");
    expectMalformed(hex("00616cff6500616c6963652d736563726574"), users, "bad authcid");
    expectMalformed(hex("00616c69636500616c6963652dc0af"), users, "overlong in the password");
    expectMalformed(hex("00616c69636500eda080"), users, "surrogate in the password");
    expectMalformed(hex("00616c69636500e282"), users, "truncated sequence in the password");
    const huge = new Uint8Array(70000);
    huge.fill(0x61);
    huge[0] = 0;
    huge[6] = 0;
    expectMalformed(huge, users, "a 70 000-byte token");
  });
  it("parses the three parts", () => {
    const t = parsePlain(bytes("zid\0user\0pass word"))!;
    expect(t.authzid).toBe("zid");
    expect(t.user).toBe("user");
    expect(t.passwordEnd - t.passwordStart).toBe(9);
    expect(parsePlain(bytes("\0user\0p"))!.authzid).toBe("");
    expect(parsePlain(bytes("\0user\0"))).toBeNull();
  });
});
