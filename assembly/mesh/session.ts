// Who a connection is and what it may do (docs/security.md): the SASL exchange a broker runs
// before anything else, the principal it yields (or the client certificate's, or
// User:ANONYMOUS), KIP-368 session expiry, and the ACL check every handler asks.
import { Acl, AclEntry, Operation, operationFor, operationName, ResourceType, resourceTypeFor } from "../auth/acl";
import { SCRAM_SHA_256, SCRAM_SHA_512, ScramCredential, UserCredentials, UserTable } from "../auth/credentials";
import { verifyPlain } from "../auth/plain";
import { ScramServer } from "../auth/scram";
import {
  MECHANISM_PLAIN,
  ScramCredentialConfig,
  SecurityConfig,
  TLS_PRINCIPAL_COMMON_NAME,
} from "./security_config";

export const ANONYMOUS = "User:ANONYMOUS";
/** Largest frame before authentication, as a broker's sasl.server.max.receive.size. */
export const MAX_UNAUTHENTICATED_FRAME_BYTES: i32 = 512 * 1024;

/** Random bytes for SCRAM nonces and the per-VM secret behind unknown users' salts. */
export abstract class RandomSource {
  /** False when no secure randomness could be had: the exchange needing it fails. */
  abstract fill(out: Uint8Array): bool;
}

/** Counter-based bytes for tests; the filter gives the host's random_get. */
export class CountingRandom extends RandomSource {
  private n: u8 = 0;
  fill(out: Uint8Array): bool {
    for (let i = 0; i < out.length; i++) out[i] = this.n++;
    return true;
  }
}

/** What security counts and logs; the filter turns these into stats and rate-limited log lines. */
export class SecurityEvents {
  /** A request was read from a connection whose principal is `principal`. */
  request(principal: string): void {}
  /** A SASL exchange succeeded. */
  authenticated(principal: string, mechanism: string, client: string): void {}
  /** A SASL exchange failed; `principal` is "" when the name is not a configured user. */
  authenticationFailed(principal: string, mechanism: string, client: string, reason: string): void {}
  /** An ACL check said no. */
  denied(principal: string, client: string, api: string, operation: string, resource: string): void {}
}

function credential(c: ScramCredentialConfig | null, mechanism: i32): ScramCredential | null {
  if (c === null) return null;
  return new ScramCredential(mechanism, c.salt, c.iterations, c.storedKey, c.serverKey);
}

/** One plugin instance's security: the user table, the ACLs, randomness and events. */
export class MeshSecurity {
  users: UserTable = new UserTable();
  acl: Acl | null = null;
  /**
   * HMAC key for the salts unknown users are answered with. Derived from the configured keys
   * (secret, and the same on every worker VM and after a restart), so asking twice for an
   * unknown name gets the same salt, as for a real user.
   */
  fakeSaltSecret: Uint8Array = new Uint8Array(32);

  constructor(
    public config: SecurityConfig | null,
    public random: RandomSource = new CountingRandom(),
    public events: SecurityEvents = new SecurityEvents(),
  ) {
    if (config !== null) this.load(config!);
  }

  private load(config: SecurityConfig): void {
    const sasl = config.sasl;
    if (sasl !== null) {
      for (let i = 0; i < sasl.users.length; i++) {
        const u = sasl.users[i];
        this.users.add(new UserCredentials(u.name, credential(u.scramSha256, SCRAM_SHA_256), credential(u.scramSha512, SCRAM_SHA_512)));
      }
      this.fakeSaltSecret = this.users.fakeSaltSecret();
    }
    const rules = config.acls;
    if (rules !== null) {
      const entries: Array<AclEntry> = [];
      for (let i = 0; i < rules.length; i++) {
        const r = rules[i];
        entries.push(new AclEntry(r.principal, r.host, r.allow, <Operation>operationFor(r.operation), <ResourceType>resourceTypeFor(r.resourceType), r.prefixed, r.resourceName));
      }
      this.acl = new Acl(entries, config.superUsers);
    }
  }

  saslRequired(): bool {
    const c = this.config;
    return c !== null && c.sasl !== null;
  }

  offers(mechanism: string): bool {
    const c = this.config;
    return c !== null && c.sasl !== null && c.sasl!.mechanisms.includes(mechanism);
  }

  mechanisms(): Array<string> {
    const c = this.config;
    return c !== null && c.sasl !== null ? c.sasl!.mechanisms : [];
  }

  sessionLifetimeMs(): i64 {
    const c = this.config;
    return c !== null && c.sasl !== null ? c.sasl!.sessionLifetimeMs : 0;
  }

  /** The principal of a connection without SASL: from its verified client certificate, if any. */
  tlsPrincipal(peerSubject: string): string {
    if (peerSubject.length == 0) return ANONYMOUS;
    const c = this.config;
    if (c !== null && c.tlsPrincipal == TLS_PRINCIPAL_COMMON_NAME) {
      const cn = commonName(peerSubject);
      return cn.length > 0 ? "User:" + cn : "User:" + peerSubject;
    }
    return "User:" + peerSubject;
  }
}

/** Longest client-chosen text a log line quotes (loggable). */
export const LOGGABLE_CHARS: i32 = 64;

/**
 * Client-chosen text (a mechanism name, a topic or group name) as a log line may quote it: at
 * most `max` characters, then how many more there were; control characters, quotes,
 * backslashes and non-ASCII as \uXXXX, so a client cannot end a line and forge the next.
 */
export function loggable(s: string, max: i32 = LOGGABLE_CHARS): string {
  const n = min(s.length, max);
  let plain = true;
  for (let i = 0; i < n && plain; i++) {
    const c = s.charCodeAt(i);
    plain = c >= 0x20 && c < 0x7f && c != 0x22 && c != 0x5c;
  }
  let out = plain ? s.substring(0, n) : "";
  if (!plain) {
    const hex = "0123456789abcdef";
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x7f && c != 0x22 && c != 0x5c) out += String.fromCharCode(c);
      else out += "\\u" + hex.charAt((c >> 12) & 15) + hex.charAt((c >> 8) & 15) + hex.charAt((c >> 4) & 15) + hex.charAt(c & 15);
    }
  }
  if (s.length > max) out += "...(" + s.length.toString() + " chars)";
  return out;
}

/** The CN of an RFC 2253 subject ("CN=alice,OU=clients,O=example" -> "alice"); "" without one. */
export function commonName(subject: string): string {
  let start = 0;
  while (start < subject.length) {
    // Attribute values may hold escaped commas ("\,"): split on unescaped ones only.
    let end = start;
    while (end < subject.length && !(subject.charCodeAt(end) == 44 && (end == 0 || subject.charCodeAt(end - 1) != 92))) end++;
    const part = subject.substring(start, end).trim();
    if (part.startsWith("CN=") || part.startsWith("cn=")) return part.substring(3).replaceAll("\\,", ",");
    start = end + 1;
  }
  return "";
}

/** Where a connection stands in its SASL exchange. */
export enum SaslStage {
  /** No handshake yet (or the last exchange finished). */
  IDLE,
  /** A v1 handshake chose a mechanism: SaslAuthenticate requests carry the tokens. */
  AUTHENTICATE,
  /** A v0 handshake chose a mechanism: the next frames are raw tokens. */
  RAW_TOKENS,
}

/** The outcome of one SASL token. */
export class SaslStep {
  /** The server's token for the client (challenge or final message). */
  token: Uint8Array = new Uint8Array(0);
  /** The exchange is over and the connection authenticated. */
  complete: bool = false;
  /** Why it failed, for SASL_AUTHENTICATION_FAILED and the log; "" when it did not. */
  error: string = "";
}

const CLIENT_ERROR_PLAIN = "Authentication failed: Invalid username or password";

/** One connection's security state. */
export class Session {
  principal: string;
  authenticated: bool;
  stage: SaslStage = SaslStage.IDLE;
  /** Mechanism of the exchange under way, or of the last completed one. */
  mechanism: string = "";
  /** Mechanism and user of the completed authentication (re-authentication must keep them). */
  private authMechanism: string = "";
  private authUser: string = "";
  private scram: ScramServer | null = null;
  /** When the session ends (KIP-368); 0: never. */
  expiresAtMs: i64 = 0;

  constructor(
    public security: MeshSecurity,
    /** The client's address as ip:port, for logs. */
    public client: string = "",
    /** The client's IP address, for ACL host matching. */
    public host: string = "",
    peerSubject: string = "",
  ) {
    this.authenticated = !security.saslRequired();
    this.principal = security.saslRequired() ? ANONYMOUS : security.tlsPrincipal(peerSubject);
  }

  /** The verified client certificate's subject, known once TLS is up: the principal without SASL. */
  usePeerSubject(subject: string): void {
    if (!this.security.saslRequired()) this.principal = this.security.tlsPrincipal(subject);
  }

  expired(nowMs: i64): bool {
    return this.authenticated && this.expiresAtMs > 0 && nowMs >= this.expiresAtMs;
  }

  /**
   * A handshake chose `mechanism`; false (with `error`) when it may not: not offered, or a
   * re-authentication changing mechanism.
   */
  beginExchange(mechanism: string, version: i16): string {
    if (!this.security.offers(mechanism)) return "Unsupported SASL mechanism " + loggable(mechanism);
    if (this.authMechanism.length > 0 && mechanism != this.authMechanism) {
      return "Re-authentication must use mechanism " + this.authMechanism + ", not " + loggable(mechanism);
    }
    this.mechanism = mechanism;
    this.scram = null;
    this.stage = version == 0 ? SaslStage.RAW_TOKENS : SaslStage.AUTHENTICATE;
    return "";
  }

  /** One token of the exchange begun by beginExchange. */
  step(token: Uint8Array, nowMs: i64): SaslStep {
    const out = new SaslStep();
    const m = this.mechanism;
    if (m == MECHANISM_PLAIN) {
      const r = verifyPlain(token, this.security.users);
      if (!r.ok) return this.failed(out, r.userKnown ? r.user : "", r.reason, CLIENT_ERROR_PLAIN);
      return this.succeeded(out, r.user, nowMs);
    }
    let scram = this.scram;
    if (scram === null) {
      scram = new ScramServer(m, this.security.users, this.security.fakeSaltSecret);
      this.scram = scram;
      const nonce = new Uint8Array(24);
      if (!this.security.random.fill(nonce)) return this.failed(out, "", "no random bytes for the server nonce", scramClientError(m));
      const first = scram.first(token, nonce);
      if (!first.ok) return this.failed(out, scram.userKnown ? scram.attemptedUser : "", first.reason, scramClientError(m));
      out.token = first.message;
      return out;
    }
    const fin = scram.final(token);
    if (!fin.ok) return this.failed(out, scram.userKnown ? scram.attemptedUser : "", fin.reason, scramClientError(m));
    out.token = fin.message;
    return this.succeeded(out, scram.user, nowMs);
  }

  private succeeded(out: SaslStep, user: string, nowMs: i64): SaslStep {
    if (this.authUser.length > 0 && user != this.authUser) {
      return this.failed(out, user, "re-authentication as " + user + " on a connection of " + this.authUser,
        "Cannot change principals during re-authentication from " + this.authUser + " to " + user);
    }
    this.scram = null;
    this.stage = SaslStage.IDLE;
    this.authenticated = true;
    this.authMechanism = this.mechanism;
    this.authUser = user;
    this.principal = "User:" + user;
    const lifetime = this.security.sessionLifetimeMs();
    this.expiresAtMs = lifetime > 0 ? nowMs + lifetime : 0;
    out.complete = true;
    this.security.events.authenticated(this.principal, this.mechanism, this.client);
    return out;
  }

  /** `user`: the configured user the client named, "" for a name that is not one (not counted per name). */
  private failed(out: SaslStep, user: string, reason: string, clientError: string): SaslStep {
    this.scram = null;
    this.stage = SaslStage.IDLE;
    out.error = clientError;
    this.security.events.authenticationFailed(user.length > 0 ? "User:" + user : "", this.mechanism, this.client, reason);
    return out;
  }

  /**
   * Whether this connection's principal may do `operation` on the resource; a denial is counted
   * and logged for `api` unless `report` is false. Always true without ACLs.
   */
  allows(api: string, operation: Operation, type: ResourceType, name: string, report: bool = true): bool {
    const acl = this.security.acl;
    if (acl === null) return true;
    if (acl!.authorize(this.principal, this.host, operation, type, name)) return true;
    // Lists filtered by what the principal may see (all-topics Metadata) are not denials.
    if (report) this.security.events.denied(this.principal, this.client, api, operationName(operation),
      (type == ResourceType.GROUP ? "Group:" : "Topic:") + name);
    return false;
  }

  /** Whether the principal may do `operation` on some resource of the type (InitProducerId). */
  allowsSome(api: string, operation: Operation, type: ResourceType): bool {
    const acl = this.security.acl;
    if (acl === null) return true;
    if (acl!.anyAllowed(this.principal, this.host, operation, type)) return true;
    this.security.events.denied(this.principal, this.client, api, operationName(operation),
      type == ResourceType.GROUP ? "Group:*" : "Topic:*");
    return false;
  }
}

function scramClientError(mechanism: string): string {
  return "Authentication failed during authentication due to invalid credentials with SASL mechanism " + mechanism;
}

let open: Session | null = null;

/** The session of connections without security (and of requests built directly in tests). */
export function openSession(): Session {
  let s = open;
  if (s === null) {
    s = new Session(new MeshSecurity(null));
    open = s;
  }
  return s;
}
