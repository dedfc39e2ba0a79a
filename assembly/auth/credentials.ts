// Salted SCRAM credentials (RFC 5802 section 3: salt, iteration count, StoredKey, ServerKey) and
// the table of users the configuration fills; the configuration never holds a password.
import { Hash, SHA256, SHA512 } from "./hash";
import { Hmac, newHash } from "./hmac";
import { hi } from "./pbkdf2";

/** SCRAM mechanism ids. */
export const SCRAM_SHA_256: i32 = 0;
export const SCRAM_SHA_512: i32 = 1;

/** Iteration counts Kafka accepts for SCRAM credentials (ScramMechanism.minIterations/maxIterations). */
export const MIN_ITERATIONS: i32 = 4096;
export const MAX_ITERATIONS: i32 = 16384;
export const DEFAULT_ITERATIONS: i32 = 4096;

/** "SCRAM-SHA-256" / "SCRAM-SHA-512". */
export function scramMechanismName(mechanism: i32): string {
  return mechanism == SCRAM_SHA_512 ? "SCRAM-SHA-512" : "SCRAM-SHA-256";
}

/** The mechanism id of a SASL mechanism name, -1 when it is not SCRAM-SHA-256/512. */
export function scramMechanismFor(name: string): i32 {
  if (name == "SCRAM-SHA-256") return SCRAM_SHA_256;
  if (name == "SCRAM-SHA-512") return SCRAM_SHA_512;
  return -1;
}

/** The hash algorithm id (hash.ts) of a mechanism. */
export function scramHash(mechanism: i32): i32 {
  return mechanism == SCRAM_SHA_512 ? SHA512 : SHA256;
}

/** Bytes of a StoredKey, ServerKey, proof or signature of the mechanism. */
export function scramKeyLength(mechanism: i32): i32 {
  return mechanism == SCRAM_SHA_512 ? 64 : 32;
}

export class ScramCredential {
  constructor(
    public mechanism: i32,
    public salt: Uint8Array,
    public iterations: i32,
    public storedKey: Uint8Array,
    public serverKey: Uint8Array,
  ) {}

  /** Bytes of each key (32 for SHA-256, 64 for SHA-512). */
  get keyLength(): i32 {
    return scramKeyLength(this.mechanism);
  }
}

/** Why a credential cannot be used, or null: for the configuration's error messages. */
export function scramCredentialError(c: ScramCredential): string | null {
  if (c.mechanism != SCRAM_SHA_256 && c.mechanism != SCRAM_SHA_512) return "unknown mechanism";
  if (c.salt.length == 0) return "salt: empty";
  if (c.iterations < MIN_ITERATIONS || c.iterations > MAX_ITERATIONS) {
    return "iterations: must be " + MIN_ITERATIONS.toString() + ".." + MAX_ITERATIONS.toString();
  }
  const n = scramKeyLength(c.mechanism);
  if (c.storedKey.length != n) return "stored_key: must be " + n.toString() + " bytes";
  if (c.serverKey.length != n) return "server_key: must be " + n.toString() + " bytes";
  return null;
}

const CLIENT_KEY = Uint8Array.wrap(String.UTF8.encode("Client Key", false));
const SERVER_KEY = Uint8Array.wrap(String.UTF8.encode("Server Key", false));

/** StoredKey = H(HMAC(saltedPassword, "Client Key")). */
export function scramStoredKey(mechanism: i32, saltedPassword: Uint8Array): Uint8Array {
  const h = newHash(scramHash(mechanism));
  h.updateAll(new Hmac(scramHash(mechanism), saltedPassword).mac(CLIENT_KEY));
  return h.digest();
}

/** The credential of a password, as a broker stores it (kafka-configs --add-config SCRAM-SHA-256=...). */
export function deriveScramCredential(mechanism: i32, password: Uint8Array, salt: Uint8Array, iterations: i32): ScramCredential {
  const alg = scramHash(mechanism);
  const salted = hi(alg, password, salt, iterations);
  const serverKey = new Hmac(alg, salted).mac(SERVER_KEY);
  const stored = scramStoredKey(mechanism, salted);
  salted.fill(0);
  return new ScramCredential(mechanism, salt, iterations, stored, serverKey);
}

function absorb(h: Hash, c: ScramCredential | null): void {
  if (c === null) return;
  h.updateAll(c.salt);
  h.updateAll(c.storedKey);
  h.updateAll(c.serverKey);
}

/** A configured user: one or both SCRAM credentials. */
export class UserCredentials {
  constructor(
    public name: string,
    public scramSha256: ScramCredential | null = null,
    public scramSha512: ScramCredential | null = null,
  ) {}

  credential(mechanism: i32): ScramCredential | null {
    return mechanism == SCRAM_SHA_512 ? this.scramSha512 : mechanism == SCRAM_SHA_256 ? this.scramSha256 : null;
  }
}

/** The configured users by name. */
export class UserTable {
  private byName: Map<string, UserCredentials> = new Map();
  private keys: Hash = newHash(SHA256);

  /** Adds a user; false (and nothing changes) when the name is already there. */
  add(user: UserCredentials): bool {
    if (this.byName.has(user.name)) return false;
    this.byName.set(user.name, user);
    absorb(this.keys, user.scramSha256);
    absorb(this.keys, user.scramSha512);
    return true;
  }

  /**
   * A key for ScramServer's made-up salts that every VM derives alike and that outlives
   * restarts while the users stay the same: SHA-256 over every credential's keys, which only
   * the configuration knows. (When the users change, unknown names get new salts.)
   */
  fakeSaltSecret(): Uint8Array {
    const h = newHash(SHA256);
    h.copyFrom(this.keys);
    return h.digest();
  }

  get(name: string): UserCredentials | null {
    return this.byName.has(name) ? this.byName.get(name) : null;
  }

  has(name: string): bool {
    return this.byName.has(name);
  }

  get size(): i32 {
    return this.byName.size;
  }
}
