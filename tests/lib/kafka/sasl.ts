// SASL for the Node harnesses (docs/security.md), written from RFC 4616 (PLAIN), RFC 5802 and
// 7677 (SCRAM) and Kafka's message definitions with Node's crypto, independent of the filter's
// AssemblyScript: SaslHandshake v0-1 and SaslAuthenticate v0-2 frames and their answers, raw
// tokens (after a v0 handshake), salted credentials as `make scram-credentials` writes them, a
// SCRAM client, and a reference check of PLAIN tokens.
import crypto from "node:crypto";
import { type Bytes, Reader, Writer } from "./primitives.ts";

export const SASL_HANDSHAKE = 17;
export const SASL_AUTHENTICATE = 36;
export const UNSUPPORTED_SASL_MECHANISM = 33;
export const ILLEGAL_SASL_STATE = 34;
export const SASL_AUTHENTICATION_FAILED = 58;

export type ScramHash = "sha256" | "sha512";
export const SCRAM_HASH: Readonly<Record<string, ScramHash>> = { "SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512" };
const KEY_BYTES: Readonly<Record<ScramHash, number>> = { sha256: 32, sha512: 64 };

const hmac = (h: ScramHash, key: Bytes, data: string | Bytes): Buffer => crypto.createHmac(h, key).update(data).digest();
const digest = (h: ScramHash, data: Bytes): Buffer => crypto.createHash(h).update(data).digest();

/** Hi(password, salt, i) (PBKDF2), remembered: harnesses log in the same users again and again. */
const saltedCache = new Map<string, Buffer>();
export function saltedPassword(h: ScramHash, password: string, salt: Bytes, iterations: number): Buffer {
  const key = `${h}\0${password}\0${Buffer.from(salt).toString("base64")}\0${iterations}`;
  let s = saltedCache.get(key);
  if (!s) {
    s = crypto.pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, KEY_BYTES[h], h);
    saltedCache.set(key, s);
  }
  return s;
}

/** A credential as `security.sasl.users[].scram_sha_*` holds it (base64 salt, StoredKey, ServerKey). */
export interface ScramCredentialJson {
  salt: string;
  iterations: number;
  stored_key: string;
  server_key: string;
}

/** The credential of a password; the salt random unless given. */
export function scramCredential(h: ScramHash, password: string, iterations = 4096, salt: Bytes = crypto.randomBytes(32)): ScramCredentialJson {
  const salted = saltedPassword(h, password, salt, iterations);
  return {
    salt: Buffer.from(salt).toString("base64"), iterations,
    stored_key: digest(h, hmac(h, salted, "Client Key")).toString("base64"),
    server_key: hmac(h, salted, "Server Key").toString("base64"),
  };
}

/** saslname (RFC 5802): ',' as =2C, '=' as =3D. */
export function saslName(user: string): string {
  return user.replace(/=/g, "=3D").replace(/,/g, "=2C");
}

/** A SCRAM client: client-first, then client-final for a server-first, then the server signature's check. */
export class ScramClient {
  readonly hash: ScramHash;
  readonly first: string;
  private authMessage = "";
  private salted: Buffer = Buffer.alloc(0);
  /** The server's part of the nonce, once final() saw the server-first message. */
  serverNonce = "";

  constructor(mechanism: string, readonly user: string, readonly password: string, readonly nonce = crypto.randomBytes(18).toString("base64")) {
    const h = SCRAM_HASH[mechanism];
    if (!h) throw new Error(`not a SCRAM mechanism: ${mechanism}`);
    this.hash = h;
    this.first = `n,,n=${saslName(user)},r=${nonce}`;
  }

  /** The client-final message for `serverFirst`; throws when the server-first is not one this client can answer. */
  final(serverFirst: string): string {
    const attrs = new Map(serverFirst.split(",").map((a) => [a.slice(0, 1), a.slice(2)] as const));
    const r = attrs.get("r") ?? "";
    const s = attrs.get("s");
    const i = Number(attrs.get("i"));
    if (!r.startsWith(this.nonce) || r.length === this.nonce.length || s === undefined || !(i > 0)) {
      throw new Error(`unexpected server-first message: ${serverFirst}`);
    }
    this.serverNonce = r.slice(this.nonce.length);
    const h = this.hash;
    this.salted = saltedPassword(h, this.password, Buffer.from(s, "base64"), i);
    const clientKey = hmac(h, this.salted, "Client Key");
    const withoutProof = `c=${Buffer.from("n,,").toString("base64")},r=${r}`;
    this.authMessage = `${this.first.slice(3)},${serverFirst},${withoutProof}`;
    const signature = hmac(h, digest(h, clientKey), this.authMessage);
    const proof = Buffer.from(clientKey.map((b, j) => b ^ signature[j]));
    return `${withoutProof},p=${proof.toString("base64")}`;
  }

  /** Whether the server-final message carries the server signature this exchange calls for. */
  verifies(serverFinal: string): boolean {
    const expected = hmac(this.hash, hmac(this.hash, this.salted, "Server Key"), this.authMessage);
    return serverFinal === `v=${expected.toString("base64")}`;
  }
}

/** A PLAIN token: authzid NUL authcid NUL passwd. */
export function plainToken(user: string, password: string, authzid = ""): Buffer {
  return Buffer.concat([Buffer.from(authzid, "utf8"), Buffer.from([0]), Buffer.from(user, "utf8"), Buffer.from([0]), Buffer.from(password, "utf8")]);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Whether a broker's PLAIN server accepts `token` given the users' passwords (RFC 4616): exactly
 * two NULs, each part UTF-8, authcid and passwd not empty, authzid empty or authcid, the
 * password of a configured user; at most 64 KiB (the mesh's bound on tokens). The user it names, or null.
 */
export function plainAccepts(token: Bytes, passwords: ReadonlyMap<string, string>): string | null {
  if (token.length > 65536) return null;
  const nuls: number[] = [];
  for (let i = 0; i < token.length; i++) if (token[i] === 0) nuls.push(i);
  if (nuls.length !== 2) return null;
  const b = Buffer.from(token);
  let authzid: string, user: string, password: string;
  try {
    authzid = utf8.decode(b.subarray(0, nuls[0]));
    user = utf8.decode(b.subarray(nuls[0] + 1, nuls[1]));
    password = utf8.decode(b.subarray(nuls[1] + 1));
  } catch {
    return null;
  }
  if (user.length === 0 || password.length === 0) return null;
  if (authzid.length > 0 && authzid !== user) return null;
  return passwords.get(user) === password ? user : null;
}

// ---- frames ----

/** A request frame (size prefix included): header v1, v2 when flexible. */
export function saslRequestFrame(apiKey: number, version: number, correlationId: number, body: Bytes, flexible: boolean, clientId: string | null = "sasl-client"): Buffer {
  const payload = new Writer().i16(apiKey).i16(version).i32(correlationId).str(clientId).tags(flexible).raw(body).buffer();
  return new Writer().i32(payload.length).raw(payload).buffer();
}

/** SaslHandshake (never flexible): the mechanism. */
export function saslHandshakeRequest(version: number, correlationId: number, mechanism: string | Bytes): Buffer {
  const name = typeof mechanism === "string" ? Buffer.from(mechanism, "utf8") : Buffer.from(mechanism);
  const body = new Writer().i16(name.length).raw(name).buffer();
  return saslRequestFrame(SASL_HANDSHAKE, version, correlationId, body, false);
}

/** SaslAuthenticate v0-2 (flexible from v2): the token. */
export function saslAuthenticateRequest(version: number, correlationId: number, token: Bytes | string): Buffer {
  const flexible = version >= 2;
  const body = new Writer().bytes(Buffer.from(token), flexible).tags(flexible).buffer();
  return saslRequestFrame(SASL_AUTHENTICATE, version, correlationId, body, flexible);
}

/** A raw token after a v0 handshake: size-prefixed, no Kafka header. */
export function rawToken(token: Bytes | string): Buffer {
  const b = Buffer.from(token);
  return new Writer().i32(b.length).raw(b).buffer();
}

export interface SaslHandshakeAnswer { correlationId: number; errorCode: number; mechanisms: string[] }
export interface SaslAuthenticateAnswer {
  correlationId: number; errorCode: number; errorMessage: string | null; authBytes: Buffer; sessionLifetimeMs: bigint;
}

/** A SaslHandshake answer frame (size prefix removed). */
export function readSaslHandshakeResponse(frame: Bytes): SaslHandshakeAnswer {
  const r = new Reader(frame);
  const correlationId = r.i32();
  const errorCode = r.i16();
  const n = r.arrayLen();
  const mechanisms: string[] = [];
  for (let i = 0; i < n; i++) mechanisms.push(r.str() ?? "");
  if (r.pos !== frame.length) throw new Error(`SaslHandshake answer: ${frame.length - r.pos} bytes after it`);
  return { correlationId, errorCode, mechanisms };
}

/** A SaslAuthenticate answer frame at `version` (size prefix removed). */
export function readSaslAuthenticateResponse(frame: Bytes, version: number): SaslAuthenticateAnswer {
  const flexible = version >= 2;
  const r = new Reader(frame);
  const correlationId = r.i32();
  r.skipTags(flexible);
  const errorCode = r.i16();
  const errorMessage = r.str(flexible);
  const authBytes = r.bytes(flexible) ?? Buffer.alloc(0);
  const sessionLifetimeMs = version >= 1 ? r.i64() : 0n;
  r.skipTags(flexible);
  if (r.pos !== frame.length) throw new Error(`SaslAuthenticate answer: ${frame.length - r.pos} bytes after it`);
  return { correlationId, errorCode, errorMessage, authBytes, sessionLifetimeMs };
}
