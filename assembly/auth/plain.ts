// SASL PLAIN (RFC 4616) checked against a user's salted SCRAM credential: the password is
// salted and hashed with the credential's salt and iteration count and the StoredKey it gives
// compared with the configured one, so the configuration never holds a password.
import { constantTimeEquals } from "./constant_time";
import {
  DEFAULT_ITERATIONS,
  SCRAM_SHA_256,
  ScramCredential,
  UserTable,
  scramHash,
  scramStoredKey,
} from "./credentials";
import { hi } from "./pbkdf2";
import { INVALID_CREDENTIALS, MAX_SCRAM_MESSAGE_BYTES } from "./scram";
import { decodeUtf8, isUtf8 } from "../kafka/utf8";

const MALFORMED = "malformed PLAIN token";
const TOO_LONG = "token too long";
const BAD_AUTHZID = "authorization id differs from the user name";

export class PlainResult {
  constructor(
    public ok: bool,
    /** The user name of the token ("" when it did not parse); authenticated when ok. */
    public user: string,
    /** user is a configured user (for stats: unknown names are not counted per name). */
    public userKnown: bool,
    /** Why it failed, for logs: never the password. */
    public reason: string,
  ) {}
}

/** A parsed token: authzid and authcid, and where passwd lies in the token. */
export class PlainToken {
  constructor(
    public authzid: string,
    public user: string,
    public passwordStart: i32,
    public passwordEnd: i32,
  ) {}
}

/**
 * Parses authzid NUL authcid NUL passwd: exactly two NULs, each part UTF-8, authcid and passwd
 * non-empty. null when malformed. (authzid == authcid is checked by verifyPlain.)
 */
export function parsePlain(token: Uint8Array): PlainToken | null {
  const n = token.length;
  let first = -1;
  let second = -1;
  for (let i = 0; i < n; i++) {
    if (token[i] != 0) continue;
    if (first < 0) first = i;
    else if (second < 0) second = i;
    else return null;
  }
  if (second < 0) return null;
  if (second == first + 1 || second == n - 1) return null;
  if (!isUtf8(token, 0, first) || !isUtf8(token, first + 1, second) || !isUtf8(token, second + 1, n)) return null;
  return new PlainToken(decodeUtf8(token, 0, first), decodeUtf8(token, first + 1, second), second + 1, n);
}

// The made-up credential an unknown user's password is checked against (never matched): the
// same PBKDF2 work as a default credential, so timing does not tell which names exist.
const FAKE_SALT = new Uint8Array(32);

/**
 * Authenticates a PLAIN token against users (the SCRAM-SHA-256 credential when the user has
 * one, else the SCRAM-SHA-512 one).
 */
export function verifyPlain(token: Uint8Array, users: UserTable): PlainResult {
  if (token.length > MAX_SCRAM_MESSAGE_BYTES) return new PlainResult(false, "", false, TOO_LONG);
  const t = parsePlain(token);
  if (t === null) return new PlainResult(false, "", false, MALFORMED);
  const user = t.user;
  const entry = users.get(user);
  const known = entry !== null;
  if (t.authzid.length > 0 && t.authzid != user) return new PlainResult(false, user, known, BAD_AUTHZID);
  let cred: ScramCredential | null = null;
  if (entry !== null) {
    cred = entry.scramSha256;
    if (cred === null) cred = entry.scramSha512;
  }
  const real = cred !== null;
  if (cred === null) cred = new ScramCredential(SCRAM_SHA_256, FAKE_SALT, DEFAULT_ITERATIONS, new Uint8Array(32), new Uint8Array(32));
  const password = token.slice(t.passwordStart, t.passwordEnd);
  const salted = hi(scramHash(cred.mechanism), password, cred.salt, cred.iterations);
  password.fill(0);
  const stored = scramStoredKey(cred.mechanism, salted);
  salted.fill(0);
  const ok = constantTimeEquals(stored, cred.storedKey) && real;
  return new PlainResult(ok, user, known, ok ? "" : INVALID_CREDENTIALS);
}
