// SCRAM server (RFC 5802, RFC 7677) for SCRAM-SHA-256 and SCRAM-SHA-512, as a Kafka broker
// runs it: no channel binding, authorization id empty or the user's own name, no delegation
// tokens. One object per exchange: first(), then final(); any other order fails for good.
// Every input is untrusted: parsing is bounds-checked and a failure is a result, never a trap.
import { base64Decode, base64EncodeBytes } from "./base64";
import { constantTimeEquals } from "./constant_time";
import {
  DEFAULT_ITERATIONS,
  ScramCredential,
  UserTable,
  scramHash,
  scramKeyLength,
  scramMechanismFor,
  scramMechanismName,
} from "./credentials";
import { SHA256 } from "./hash";
import { Hmac, newHash } from "./hmac";
import { decodeUtf8, isUtf8, utf8Bytes } from "../kafka/utf8";

/** Random bytes the caller must give first() for the server's part of the nonce. */
export const MIN_SERVER_NONCE_BYTES: i32 = 18;
/** Longest client message accepted (a broker's default sasl.server.max.receive.size is 512 KiB; real ones are < 1 KiB). */
export const MAX_SCRAM_MESSAGE_BYTES: i32 = 65536;
/** Salt length of an unknown user's made-up credential (the length `make scram-credentials` writes). */
export const FAKE_SALT_BYTES: i32 = 32;

// Reasons, for logs: fixed texts that never quote the token. An unknown user and a wrong
// password both end in INVALID_CREDENTIALS, at the final message.
export const INVALID_CREDENTIALS = "invalid credentials";
const UNEXPECTED = "unexpected message for the exchange's state";
const TOO_LONG = "message too long";
const MALFORMED_FIRST = "malformed client-first message";
const MALFORMED_FINAL = "malformed client-final message";
const CHANNEL_BINDING = "channel binding not supported";
const MANDATORY_EXTENSION = "mandatory extension (m=) not supported";
const BAD_NAME = "invalid user name";
const BAD_AUTHZID = "authorization id differs from the user name";
const BAD_NONCE = "invalid client nonce";
const TOKEN_AUTH = "delegation tokens not supported";
const BAD_SERVER_NONCE = "server nonce too short or not printable";
const CB_MISMATCH = "channel binding data does not match the gs2 header";
const NONCE_MISMATCH = "nonce does not match";
const UNKNOWN_MECHANISM = "not a SCRAM mechanism";

const COMMA: u8 = 0x2c;
const EQUALS: u8 = 0x3d;

const INITIAL = 0;
const AWAIT_FINAL = 1;
const DONE = 2;
const FAILED = 3;

/** One step's outcome: ok with the server message to send, or a failure and why (for logs). */
export class ScramStep {
  constructor(
    public ok: bool,
    public message: Uint8Array,
    public reason: string,
  ) {}
}

function failure(reason: string): ScramStep {
  return new ScramStep(false, new Uint8Array(0), reason);
}

function indexOf(b: Uint8Array, c: u8, from: i32, end: i32): i32 {
  for (let i = from; i < end; i++) if (b[i] == c) return i;
  return -1;
}

/** b[at] b[at+1] are c0 '='. */
function isAttr(b: Uint8Array, at: i32, c0: u8): bool {
  return at + 1 < b.length && b[at] == c0 && b[at + 1] == EQUALS;
}

function isAlpha(c: u8): bool {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** printable (RFC 5802): %x21-2B / %x2D-7E, i.e. visible ASCII but ','. */
function isPrintable(b: Uint8Array, start: i32, end: i32): bool {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c < 0x21 || c > 0x7e || c == COMMA) return false;
  }
  return true;
}

function bytesEqual(a: Uint8Array, aStart: i32, aEnd: i32, b: Uint8Array): bool {
  if (aEnd - aStart != b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[aStart + i] != b[i]) return false;
  return true;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (let i = 0; i < parts.length; i++) n += parts[i].length;
  const out = new Uint8Array(n);
  let o = 0;
  for (let i = 0; i < parts.length; i++) {
    out.set(parts[i], o);
    o += parts[i].length;
  }
  return out;
}

/**
 * The user name of a saslname in bytes [start, end): '=2C' is ',' and '=3D' is '=', any other
 * '=' or a NUL is invalid, and the result must be non-empty UTF-8. null when invalid.
 */
export function unescapeSaslName(b: Uint8Array, start: i32, end: i32): string | null {
  if (start < 0 || end > b.length || start >= end) return null;
  if (!isUtf8(b, start, end)) return null;
  const out = new Uint8Array(end - start);
  let o = 0;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c == 0) return null;
    if (c == EQUALS) {
      if (i + 2 >= end) return null;
      const h = b[i + 1];
      const l = b[i + 2];
      if (h == 0x32 && l == 0x43) out[o++] = COMMA;
      else if (h == 0x33 && l == 0x44) out[o++] = EQUALS;
      else return null;
      i += 2;
    } else out[o++] = c;
  }
  return decodeUtf8(out, 0, o);
}

/** ASCII case-insensitive b[start, end) == lower (lower given in lower case). */
function equalsIgnoreCase(b: Uint8Array, start: i32, end: i32, lower: string): bool {
  if (end - start != lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = <i32>b[start + i];
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c != lower.charCodeAt(i)) return false;
  }
  return true;
}

// Attribute letters RFC 5802 defines; an extension may not reuse them (a second r= or p=).
const RESERVED_ATTRS = "acimnprsve";

/** Length of the key of an extension attr-val at [start, end) (ALPHA+ then '='), or -1. */
function extensionKeyLength(b: Uint8Array, start: i32, end: i32): i32 {
  let i = start;
  while (i < end && isAlpha(b[i])) i++;
  const n = i - start;
  if (n == 0 || i >= end || b[i] != EQUALS) return -1;
  if (n == 1 && RESERVED_ATTRS.indexOf(String.fromCharCode(b[start])) >= 0) return -1;
  return n;
}

export class ScramServer {
  /** SCRAM_SHA_256, SCRAM_SHA_512, or -1 for a name that is neither (every step fails). */
  readonly mechanism: i32;
  private users: UserTable;
  private fakeSaltSecret: Uint8Array;
  private state: i32 = INITIAL;
  private name: string = "";
  private known: bool = false;
  private hasCredential: bool = false;
  private credential: ScramCredential | null = null;
  private gs2Header: Uint8Array = new Uint8Array(0);
  private clientFirstBare: Uint8Array = new Uint8Array(0);
  private serverFirst: Uint8Array = new Uint8Array(0);
  private nonce: Uint8Array = new Uint8Array(0);

  /**
   * mechanism: "SCRAM-SHA-256" or "SCRAM-SHA-512". fakeSaltSecret keys the salts
   * made up for unknown users: it must be the same on every VM and across restarts, or asking
   * twice would tell a made-up salt (it changes) from a real one (it does not).
   */
  constructor(mechanism: string, users: UserTable, fakeSaltSecret: Uint8Array) {
    this.mechanism = scramMechanismFor(mechanism);
    this.users = users;
    this.fakeSaltSecret = fakeSaltSecret;
  }

  /** The exchange succeeded: user is who the client proved to be. */
  get authenticated(): bool {
    return this.state == DONE;
  }

  /** The exchange failed; every further call fails too. */
  get failed(): bool {
    return this.state == FAILED;
  }

  /** The authenticated user's name; "" until final() succeeds. */
  get user(): string {
    return this.state == DONE ? this.name : "";
  }

  /** The user name the client-first message gave ("" before or when it did not parse), for logs and stats. */
  get attemptedUser(): string {
    return this.name;
  }

  /** attemptedUser is a configured user (whether or not it has a credential for this mechanism). */
  get userKnown(): bool {
    return this.known;
  }

  /**
   * Takes the client-first message; serverNonceRandom (at least MIN_SERVER_NONCE_BYTES random
   * bytes) becomes the server's part of the nonce, in Base64. Answers the server-first message.
   */
  first(clientFirst: Uint8Array, serverNonceRandom: Uint8Array): ScramStep {
    if (this.state != INITIAL) return this.fail(UNEXPECTED);
    if (serverNonceRandom.length < MIN_SERVER_NONCE_BYTES) return this.fail(BAD_SERVER_NONCE);
    return this.firstWithServerNonce(clientFirst, base64EncodeBytes(serverNonceRandom));
  }

  /** first() with the server's part of the nonce as given (printable ASCII, as RFC 7677's example). */
  firstWithServerNonce(clientFirst: Uint8Array, serverNonce: Uint8Array): ScramStep {
    if (this.state != INITIAL) return this.fail(UNEXPECTED);
    this.state = FAILED;
    if (this.mechanism < 0) return this.fail(UNKNOWN_MECHANISM);
    if (!isPrintable(serverNonce, 0, serverNonce.length)) return this.fail(BAD_SERVER_NONCE);
    const m = clientFirst;
    const n = m.length;
    if (n > MAX_SCRAM_MESSAGE_BYTES) return this.fail(TOO_LONG);
    if (n < 2) return this.fail(MALFORMED_FIRST);
    // gs2-header: gs2-cbind-flag "," [ authzid ] ","
    const flag = m[0];
    if (flag == 0x70 /* p */) return this.fail(CHANNEL_BINDING);
    if ((flag != 0x6e /* n */ && flag != 0x79) /* y */ || m[1] != COMMA) return this.fail(MALFORMED_FIRST);
    let p = 2;
    let authzStart = -1;
    let authzEnd = -1;
    if (isAttr(m, p, 0x61 /* a */)) {
      authzStart = p + 2;
      authzEnd = indexOf(m, COMMA, authzStart, n);
      if (authzEnd < 0) return this.fail(MALFORMED_FIRST);
      p = authzEnd;
    }
    if (p >= n || m[p] != COMMA) return this.fail(MALFORMED_FIRST);
    p++;
    const bareStart = p;
    if (isAttr(m, p, 0x6d /* m */)) return this.fail(MANDATORY_EXTENSION);
    if (!isAttr(m, p, 0x6e /* n */)) return this.fail(MALFORMED_FIRST);
    const userStart = p + 2;
    const userEnd = indexOf(m, COMMA, userStart, n);
    if (userEnd < 0) return this.fail(MALFORMED_FIRST);
    p = userEnd + 1;
    if (!isAttr(m, p, 0x72 /* r */)) return this.fail(MALFORMED_FIRST);
    const nonceStart = p + 2;
    let nonceEnd = indexOf(m, COMMA, nonceStart, n);
    if (nonceEnd < 0) nonceEnd = n;
    if (!isPrintable(m, nonceStart, nonceEnd)) return this.fail(BAD_NONCE);
    // Extensions: Kafka's "tokenauth=true" asks for delegation-token authentication; others are ignored.
    p = nonceEnd;
    while (p < n) {
      const start = p + 1;
      let end = indexOf(m, COMMA, start, n);
      if (end < 0) end = n;
      const keyLen = extensionKeyLength(m, start, end);
      if (keyLen < 0) return this.fail(MALFORMED_FIRST);
      if (keyLen == 9 && equalsIgnoreCase(m, start, start + 9, "tokenauth") && equalsIgnoreCase(m, start + 10, end, "true")) {
        return this.fail(TOKEN_AUTH);
      }
      p = end;
    }
    const user = unescapeSaslName(m, userStart, userEnd);
    if (user === null) return this.fail(BAD_NAME);
    if (authzStart >= 0) {
      const authzid = unescapeSaslName(m, authzStart, authzEnd);
      if (authzid === null || authzid != user) return this.fail(BAD_AUTHZID);
    }
    this.name = user;
    const entry = this.users.get(user);
    this.known = entry !== null;
    // Made up for every name, so a known one answers no faster than an unknown one.
    const fake = this.fakeCredential(user);
    let cred: ScramCredential | null = entry !== null ? entry.credential(this.mechanism) : null;
    this.hasCredential = cred !== null;
    if (cred === null) cred = fake;
    this.credential = cred;
    this.gs2Header = m.slice(0, bareStart);
    this.clientFirstBare = m.slice(bareStart, n);
    this.nonce = concat([m.slice(nonceStart, nonceEnd), serverNonce]);
    this.serverFirst = concat([
      utf8Bytes("r="),
      this.nonce,
      utf8Bytes(",s="),
      base64EncodeBytes(cred.salt),
      utf8Bytes(",i=" + cred.iterations.toString()),
    ]);
    this.state = AWAIT_FINAL;
    return new ScramStep(true, this.serverFirst, "");
  }

  /** Takes the client-final message; answers the server-final message (v=ServerSignature). */
  final(clientFinal: Uint8Array): ScramStep {
    if (this.state != AWAIT_FINAL) return this.fail(UNEXPECTED);
    this.state = FAILED;
    const m = clientFinal;
    const n = m.length;
    if (n > MAX_SCRAM_MESSAGE_BYTES) return this.fail(TOO_LONG);
    // channel-binding "," nonce ["," extensions] "," proof
    if (!isAttr(m, 0, 0x63 /* c */)) return this.fail(MALFORMED_FINAL);
    const cbEnd = indexOf(m, COMMA, 2, n);
    if (cbEnd < 0) return this.fail(MALFORMED_FINAL);
    const cb = base64Decode(m, 2, cbEnd);
    if (cb === null) return this.fail(MALFORMED_FINAL);
    if (!bytesEqual(cb, 0, cb.length, this.gs2Header)) return this.fail(CB_MISMATCH);
    let p = cbEnd + 1;
    if (!isAttr(m, p, 0x72 /* r */)) return this.fail(MALFORMED_FINAL);
    const nonceEnd = indexOf(m, COMMA, p + 2, n);
    if (nonceEnd < 0) return this.fail(MALFORMED_FINAL);
    if (!bytesEqual(m, p + 2, nonceEnd, this.nonce)) return this.fail(NONCE_MISMATCH);
    p = nonceEnd;
    let proofStart = -1;
    let withoutProofEnd = -1;
    while (p < n) {
      const start = p + 1;
      if (isAttr(m, start, 0x70 /* p */)) {
        proofStart = start + 2;
        withoutProofEnd = p;
        if (indexOf(m, COMMA, proofStart, n) >= 0) return this.fail(MALFORMED_FINAL);
        break;
      }
      let end = indexOf(m, COMMA, start, n);
      if (end < 0) end = n;
      if (extensionKeyLength(m, start, end) < 0) return this.fail(MALFORMED_FINAL);
      p = end;
    }
    if (proofStart < 0) return this.fail(MALFORMED_FINAL);
    const proof = base64Decode(m, proofStart, n);
    const cred = this.credential;
    if (proof === null || cred === null || proof.length != scramKeyLength(this.mechanism)) return this.fail(MALFORMED_FINAL);

    // ClientKey = proof XOR HMAC(StoredKey, AuthMessage); H(ClientKey) must be StoredKey.
    const alg = scramHash(this.mechanism);
    const signature = this.authMac(alg, cred.storedKey, m, withoutProofEnd);
    for (let i = 0; i < proof.length; i++) proof[i] ^= signature[i];
    const h = newHash(alg);
    h.updateAll(proof);
    const verified = constantTimeEquals(h.digest(), cred.storedKey);
    if (!verified || !this.hasCredential) return this.fail(INVALID_CREDENTIALS);

    const serverSignature = this.authMac(alg, cred.serverKey, m, withoutProofEnd);
    this.state = DONE;
    return new ScramStep(true, concat([utf8Bytes("v="), base64EncodeBytes(serverSignature)]), "");
  }

  /** HMAC(key, AuthMessage), AuthMessage = client-first-bare "," server-first "," client-final-without-proof. */
  private authMac(alg: i32, key: Uint8Array, clientFinal: Uint8Array, withoutProofEnd: i32): Uint8Array {
    const comma = new Uint8Array(1);
    comma[0] = COMMA;
    const mac = new Hmac(alg, key);
    const out = new Uint8Array(mac.length);
    mac.begin();
    mac.update(this.clientFirstBare);
    mac.update(comma);
    mac.update(this.serverFirst);
    mac.update(comma);
    mac.update(clientFinal, 0, withoutProofEnd);
    mac.finishInto(out, 0);
    return out;
  }

  /**
   * A credential for a name with none: salt HMAC-SHA-256(fakeSaltSecret, mechanism NUL name)
   * (stable per name, differing per mechanism as real ones do), the default iteration count.
   * Its keys are never matched: final() fails on hasCredential.
   */
  private fakeCredential(user: string): ScramCredential {
    const input = concat([utf8Bytes(scramMechanismName(this.mechanism)), new Uint8Array(1), utf8Bytes(user)]);
    const salt = new Hmac(SHA256, this.fakeSaltSecret).mac(input);
    const k = scramKeyLength(this.mechanism);
    return new ScramCredential(this.mechanism, salt.slice(0, FAKE_SALT_BYTES), DEFAULT_ITERATIONS, new Uint8Array(k), new Uint8Array(k));
  }

  private fail(reason: string): ScramStep {
    this.state = FAILED;
    return failure(reason);
  }
}
