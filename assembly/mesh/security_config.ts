// The `security` section of the plugin configuration (docs/security.md): SASL users and their
// salted credentials, how a client certificate names its principal, super users and ACLs.
// Parsed and validated here; auth/ holds what checks them.
import { JsonValue } from "../json";
import { base64DecodeString } from "../auth/base64";

export const MECHANISM_PLAIN = "PLAIN";
export const MECHANISM_SCRAM_SHA_256 = "SCRAM-SHA-256";
export const MECHANISM_SCRAM_SHA_512 = "SCRAM-SHA-512";
const MECHANISMS = [MECHANISM_PLAIN, MECHANISM_SCRAM_SHA_256, MECHANISM_SCRAM_SHA_512];

/** Kafka's bounds on SCRAM iteration counts (ScramMechanism). */
export const SCRAM_MIN_ITERATIONS: i32 = 4096;
export const SCRAM_MAX_ITERATIONS: i32 = 16384;
export const DEFAULT_MAX_PRINCIPAL_STATS: i32 = 100;

export const TLS_PRINCIPAL_SUBJECT = "subject";
export const TLS_PRINCIPAL_COMMON_NAME = "common_name";

export class ScramCredentialConfig {
  salt: Uint8Array = new Uint8Array(0);
  iterations: i32 = SCRAM_MIN_ITERATIONS;
  storedKey: Uint8Array = new Uint8Array(0);
  serverKey: Uint8Array = new Uint8Array(0);
}

export class SaslUserConfig {
  name: string = "";
  scramSha256: ScramCredentialConfig | null = null;
  scramSha512: ScramCredentialConfig | null = null;
}

export class SaslConfig {
  mechanisms: Array<string> = [];
  /** KIP-368 session lifetime; 0: sessions do not expire. */
  sessionLifetimeMs: i64 = 0;
  users: Array<SaslUserConfig> = [];
}

export class AclRuleConfig {
  principal: string = "";
  host: string = "*";
  allow: bool = true;
  /** READ, WRITE, DESCRIBE or ALL. */
  operation: string = "";
  /** TOPIC or GROUP. */
  resourceType: string = "";
  prefixed: bool = false;
  resourceName: string = "";
}

export class SecurityConfig {
  sasl: SaslConfig | null = null;
  tlsPrincipal: string = TLS_PRINCIPAL_SUBJECT;
  superUsers: Array<string> = [];
  /** null: authorization off (everything allowed); otherwise what no rule allows is denied. */
  acls: Array<AclRuleConfig> | null = null;
  maxPrincipalStats: i32 = DEFAULT_MAX_PRINCIPAL_STATS;
}

const SECURITY_FIELDS = ["sasl", "tls_principal", "super_users", "acls", "max_principal_stats"];
const SASL_FIELDS = ["mechanisms", "session_lifetime_ms", "users"];
const USER_FIELDS = ["name", "scram_sha_256", "scram_sha_512"];
const CREDENTIAL_FIELDS = ["salt", "iterations", "stored_key", "server_key"];
const ACL_FIELDS = ["principal", "host", "permission", "operation", "resource_type", "pattern_type", "resource_name"];

/** The first problem found, as "field: why"; empty when the section is valid. */
export class SecurityParse {
  error: string = "";
  config: SecurityConfig = new SecurityConfig();

  private fail(field: string, why: string): void {
    if (this.error.length == 0) this.error = field + ": " + why;
  }

  private objectWith(v: JsonValue | null, field: string, allowed: Array<string>): bool {
    if (v === null || !v.isObject()) {
      this.fail(field, "must be an object");
      return false;
    }
    for (let i = 0; i < v.keys.length; i++) {
      if (!allowed.includes(v.keys[i])) {
        this.fail(field + "." + v.keys[i], "unknown field");
        return false;
      }
    }
    return true;
  }

  private text(parent: JsonValue, key: string, field: string, required: bool, fallback: string): string {
    const v = parent.get(key);
    if (v === null) {
      if (required) this.fail(field, "is required");
      return fallback;
    }
    if (!v.isString() || (required && v.text.length == 0)) {
      this.fail(field, required ? "must be a non-empty string" : "must be a string");
      return fallback;
    }
    return v.text;
  }

  private oneOf(parent: JsonValue, key: string, field: string, required: bool, fallback: string, allowed: Array<string>): string {
    const s = this.text(parent, key, field, required, fallback);
    if (this.error.length == 0 && !allowed.includes(s)) this.fail(field, "must be one of " + allowed.join(", "));
    return s;
  }

  private integer(parent: JsonValue, key: string, field: string, required: bool, fallback: i64, lo: i64, hi: i64): i64 {
    const v = parent.get(key);
    if (v === null) {
      if (required) this.fail(field, "is required");
      return fallback;
    }
    if (!v.isInteger() || v.asI64() < lo || v.asI64() > hi) {
      this.fail(field, "must be an integer from " + lo.toString() + " to " + hi.toString());
      return fallback;
    }
    return v.asI64();
  }

  private bytes(parent: JsonValue, key: string, field: string, minLength: i32): Uint8Array {
    const s = this.text(parent, key, field, true, "");
    if (this.error.length > 0) return new Uint8Array(0);
    const b = base64DecodeString(s);
    if (b === null) {
      this.fail(field, "must be base64");
      return new Uint8Array(0);
    }
    if (b.length < minLength) this.fail(field, "must hold at least " + minLength.toString() + " bytes");
    return b;
  }

  private credential(v: JsonValue, field: string, keyLength: i32): ScramCredentialConfig | null {
    if (!this.objectWith(v, field, CREDENTIAL_FIELDS)) return null;
    const c = new ScramCredentialConfig();
    c.salt = this.bytes(v, "salt", field + ".salt", 1);
    c.iterations = <i32>this.integer(v, "iterations", field + ".iterations", true, 0, SCRAM_MIN_ITERATIONS, SCRAM_MAX_ITERATIONS);
    c.storedKey = this.bytes(v, "stored_key", field + ".stored_key", keyLength);
    c.serverKey = this.bytes(v, "server_key", field + ".server_key", keyLength);
    if (this.error.length == 0 && (c.storedKey.length != keyLength || c.serverKey.length != keyLength)) {
      this.fail(field, "stored_key and server_key must be " + keyLength.toString() + " bytes");
    }
    return c;
  }

  private sasl(v: JsonValue): SaslConfig {
    const s = new SaslConfig();
    if (!this.objectWith(v, "security.sasl", SASL_FIELDS)) return s;
    const mechs = v.get("mechanisms");
    if (mechs === null || !mechs.isArray() || mechs.items.length == 0) this.fail("security.sasl.mechanisms", "must be a non-empty array");
    else {
      for (let i = 0; i < mechs.items.length && this.error.length == 0; i++) {
        const m = mechs.items[i];
        const field = "security.sasl.mechanisms[" + i.toString() + "]";
        if (!m.isString() || !MECHANISMS.includes(m.text)) this.fail(field, "must be one of " + MECHANISMS.join(", "));
        else if (s.mechanisms.includes(m.text)) this.fail(field, "duplicate mechanism " + m.text);
        else s.mechanisms.push(m.text);
      }
    }
    s.sessionLifetimeMs = this.integer(v, "session_lifetime_ms", "security.sasl.session_lifetime_ms", false, 0, 0, i64(i32.MAX_VALUE) * 1000);
    const users = v.get("users");
    if (users === null || !users.isArray()) {
      this.fail("security.sasl.users", "must be an array");
      return s;
    }
    for (let i = 0; i < users.items.length && this.error.length == 0; i++) {
      const field = "security.sasl.users[" + i.toString() + "]";
      const item = users.items[i];
      if (!this.objectWith(item, field, USER_FIELDS)) break;
      const u = new SaslUserConfig();
      u.name = this.text(item, "name", field + ".name", true, "");
      for (let j = 0; j < s.users.length; j++) {
        if (s.users[j].name == u.name) this.fail(field + ".name", "duplicate user '" + u.name + "'");
      }
      const c256 = item.get("scram_sha_256");
      if (c256 !== null) u.scramSha256 = this.credential(c256, field + ".scram_sha_256", 32);
      const c512 = item.get("scram_sha_512");
      if (c512 !== null) u.scramSha512 = this.credential(c512, field + ".scram_sha_512", 64);
      if (this.error.length == 0 && c256 === null && c512 === null) this.fail(field, "needs scram_sha_256 or scram_sha_512");
      s.users.push(u);
    }
    return s;
  }

  private principal(s: string, field: string): void {
    if (!s.startsWith("User:") || s.length == 5) this.fail(field, "must be User:<name> or User:*");
  }

  private acls(v: JsonValue): Array<AclRuleConfig> {
    const out: Array<AclRuleConfig> = [];
    if (!v.isArray()) {
      this.fail("security.acls", "must be an array");
      return out;
    }
    for (let i = 0; i < v.items.length && this.error.length == 0; i++) {
      const field = "security.acls[" + i.toString() + "]";
      const item = v.items[i];
      if (!this.objectWith(item, field, ACL_FIELDS)) break;
      const a = new AclRuleConfig();
      a.principal = this.text(item, "principal", field + ".principal", true, "");
      if (this.error.length == 0) this.principal(a.principal, field + ".principal");
      a.host = this.text(item, "host", field + ".host", false, "*");
      if (this.error.length == 0 && a.host.length == 0) this.fail(field + ".host", "must be * or an IP address");
      a.allow = this.oneOf(item, "permission", field + ".permission", true, "ALLOW", ["ALLOW", "DENY"]) == "ALLOW";
      a.operation = this.oneOf(item, "operation", field + ".operation", true, "", ["READ", "WRITE", "DESCRIBE", "ALL"]);
      a.resourceType = this.oneOf(item, "resource_type", field + ".resource_type", true, "", ["TOPIC", "GROUP"]);
      a.prefixed = this.oneOf(item, "pattern_type", field + ".pattern_type", false, "LITERAL", ["LITERAL", "PREFIXED"]) == "PREFIXED";
      a.resourceName = this.text(item, "resource_name", field + ".resource_name", true, "");
      out.push(a);
    }
    return out;
  }

  parse(v: JsonValue): void {
    if (!this.objectWith(v, "security", SECURITY_FIELDS)) return;
    const c = this.config;
    const sasl = v.get("sasl");
    if (sasl !== null) c.sasl = this.sasl(sasl);
    c.tlsPrincipal = this.oneOf(v, "tls_principal", "security.tls_principal", false, TLS_PRINCIPAL_SUBJECT,
      [TLS_PRINCIPAL_SUBJECT, TLS_PRINCIPAL_COMMON_NAME]);
    const supers = v.get("super_users");
    if (supers !== null) {
      if (!supers.isArray()) this.fail("security.super_users", "must be an array of principals");
      for (let i = 0; this.error.length == 0 && i < supers.items.length; i++) {
        const field = "security.super_users[" + i.toString() + "]";
        const p = supers.items[i];
        if (!p.isString()) this.fail(field, "must be a string");
        else {
          this.principal(p.text, field);
          c.superUsers.push(p.text);
        }
      }
    }
    const acls = v.get("acls");
    if (acls !== null && this.error.length == 0) c.acls = this.acls(acls);
    c.maxPrincipalStats = <i32>this.integer(v, "max_principal_stats", "security.max_principal_stats", false,
      DEFAULT_MAX_PRINCIPAL_STATS, 0, 100000);
  }
}
