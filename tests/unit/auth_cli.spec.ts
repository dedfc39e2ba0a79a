// What `make scram-credentials` (scripts/scram-credentials.ts) printed, read as the configuration
// reads a user (the project's JSON reader, Base64), must let that user in through PLAIN and
// through both SCRAM mechanisms, with exactly the server messages a client computed with
// Node's crypto (tests/fixture-gen/auth/cli_credentials.ts).
import { base64DecodeString } from "../../assembly/auth/base64";
import {
  SCRAM_SHA_256,
  SCRAM_SHA_512,
  ScramCredential,
  UserCredentials,
  UserTable,
  scramCredentialError,
} from "../../assembly/auth/credentials";
import { verifyPlain } from "../../assembly/auth/plain";
import { ScramServer } from "../../assembly/auth/scram";
import { JsonValue, parseJson } from "../../assembly/json";
import { CLI_CASES, CliExchange } from "../fixtures/auth/cli_credentials";
import { bytes, hex, text } from "./helpers/auth";

function credential(v: JsonValue | null, mechanism: i32): ScramCredential {
  expect(v).not.toBeNull();
  const o = v!;
  expect(o.keys.length).toBe(4);
  const iterations = o.get("iterations")!;
  expect(iterations.isInteger()).toBe(true);
  const c = new ScramCredential(
    mechanism,
    base64DecodeString(o.get("salt")!.text)!,
    <i32>iterations.asI64(),
    base64DecodeString(o.get("stored_key")!.text)!,
    base64DecodeString(o.get("server_key")!.text)!,
  );
  expect(scramCredentialError(c)).toBeNull();
  expect(c.salt.length).toBe(32);
  return c;
}

function userOf(json: string): UserCredentials {
  const doc = parseJson(json);
  expect(doc).not.toBeNull();
  const d = doc!;
  expect(d.isObject()).toBe(true);
  expect(d.keys.length).toBe(3);
  return new UserCredentials(d.get("name")!.text, credential(d.get("scram_sha_256"), SCRAM_SHA_256), credential(d.get("scram_sha_512"), SCRAM_SHA_512));
}

function runExchange(mechanism: string, users: UserTable, e: CliExchange, user: string): void {
  const s = new ScramServer(mechanism, users, bytes("secret"));
  const first = s.first(bytes(e.clientFirst), hex(e.serverNonceRandom));
  expect(first.ok).toBe(true, mechanism + ": " + first.reason);
  expect(text(first.message)).toBe(e.serverFirst);
  const fin = s.final(bytes(e.clientFinal));
  expect(fin.ok).toBe(true, mechanism + ": " + fin.reason);
  expect(text(fin.message)).toBe(e.serverFinal);
  expect(s.user).toBe(user);
}

describe("scram-credentials CLI output", () => {
  it("is one user object of the documented shape", () => {
    for (let i = 0; i < CLI_CASES.length; i++) {
      const c = CLI_CASES[i];
      const u = userOf(c.json);
      expect(u.name).toBe(c.user);
      expect(u.scramSha256!.storedKey.length).toBe(32);
      expect(u.scramSha512!.serverKey.length).toBe(64);
    }
  });
  it("lets the user in with PLAIN, and no one with another password", () => {
    for (let i = 0; i < CLI_CASES.length; i++) {
      const c = CLI_CASES[i];
      const users = new UserTable();
      users.add(userOf(c.json));
      const ok = verifyPlain(bytes("\0" + c.user + "\0" + c.password), users);
      expect(ok.ok).toBe(true, c.user + ": " + ok.reason);
      expect(ok.user).toBe(c.user);
      expect(verifyPlain(bytes("\0" + c.user + "\0" + c.password + "x"), users).ok).toBe(false);
      // PLAIN uses the SHA-256 credential; with only the SHA-512 one it checks that.
      const only512 = new UserTable();
      const u = userOf(c.json);
      u.scramSha256 = null;
      only512.add(u);
      expect(verifyPlain(bytes("\0" + c.user + "\0" + c.password), only512).ok).toBe(true);
    }
  });
  it("lets the user in with SCRAM-SHA-256 and SCRAM-SHA-512, the server's messages as the client expects them", () => {
    for (let i = 0; i < CLI_CASES.length; i++) {
      const c = CLI_CASES[i];
      const users = new UserTable();
      users.add(userOf(c.json));
      runExchange("SCRAM-SHA-256", users, c.sha256, c.user);
      runExchange("SCRAM-SHA-512", users, c.sha512, c.user);
    }
  });
});
