// Kafka ACL evaluation (kafka.security.authorizer / StandardAuthorizer semantics) for topics
// and groups: super users are allowed everything; a matching DENY wins; else a matching ALLOW
// (ALLOW of READ or WRITE also allows DESCRIBE; ALL allows all); else denied. Entries are
// split per resource type and literal names hashed, so a check looks at the entries of its
// name, the wildcard ones and the prefixed ones, and allocates nothing.

export enum Operation {
  READ = 0,
  WRITE = 1,
  DESCRIBE = 2,
  ALL = 3,
}

export enum ResourceType {
  TOPIC = 0,
  GROUP = 1,
}

/** Principal of an entry that matches every principal. */
export const WILDCARD_PRINCIPAL = "User:*";
/** Host of an entry that matches every client address. */
export const WILDCARD_HOST = "*";
/** LITERAL resource name that matches every name. */
export const WILDCARD_RESOURCE = "*";

const OPERATION_NAMES: string[] = ["READ", "WRITE", "DESCRIBE", "ALL"];
const RESOURCE_NAMES: string[] = ["TOPIC", "GROUP"];

function indexIn(names: string[], name: string): i32 {
  for (let i = 0; i < names.length; i++) if (names[i] == name) return i;
  return -1;
}

/** The Operation named "READ", "WRITE", "DESCRIBE" or "ALL"; -1 for any other name. */
export function operationFor(name: string): i32 {
  return indexIn(OPERATION_NAMES, name);
}
/** The ResourceType named "TOPIC" or "GROUP"; -1 for any other name. */
export function resourceTypeFor(name: string): i32 {
  return indexIn(RESOURCE_NAMES, name);
}
export function operationName(op: Operation): string {
  return op >= 0 && op < OPERATION_NAMES.length ? OPERATION_NAMES[op] : "UNKNOWN";
}
export function resourceTypeName(t: ResourceType): string {
  return t >= 0 && t < RESOURCE_NAMES.length ? RESOURCE_NAMES[t] : "UNKNOWN";
}

export class AclEntry {
  constructor(
    /** "User:<name>" or WILDCARD_PRINCIPAL. */
    public principal: string,
    /** WILDCARD_HOST or a client IP address as Envoy gives it, compared as text. */
    public host: string,
    /** ALLOW (true) or DENY (false). */
    public allow: bool,
    public operation: Operation,
    public resourceType: ResourceType,
    /** PREFIXED (true) or LITERAL (false; the name WILDCARD_RESOURCE matches every name). */
    public prefixed: bool,
    public name: string,
  ) {}
}

/** Why an entry cannot be used, or null: for the configuration's error messages. */
export function aclEntryError(e: AclEntry): string | null {
  if (!e.principal.startsWith("User:") || e.principal.length == 5) return "principal: must be User:<name> or User:*";
  if (e.host.length == 0) return "host: empty";
  if (e.operation < 0 || e.operation >= OPERATION_NAMES.length) return "operation: must be READ, WRITE, DESCRIBE or ALL";
  if (e.resourceType < 0 || e.resourceType >= RESOURCE_NAMES.length) return "resource_type: must be TOPIC or GROUP";
  if (e.name.length == 0) return "resource_name: empty";
  return null;
}

function principalHostMatch(e: AclEntry, principal: string, host: string): bool {
  return (e.principal == principal || e.principal == WILDCARD_PRINCIPAL) && (e.host == WILDCARD_HOST || e.host == host);
}

/** A DENY of op or ALL; a DENY of READ does not deny DESCRIBE. */
function denies(e: AclEntry, op: Operation): bool {
  return !e.allow && (e.operation == op || e.operation == Operation.ALL);
}

/** An ALLOW of op or ALL; DESCRIBE is also allowed by READ and WRITE. */
function allows(e: AclEntry, op: Operation): bool {
  if (!e.allow) return false;
  const o = e.operation;
  return o == op || o == Operation.ALL || (op == Operation.DESCRIBE && (o == Operation.READ || o == Operation.WRITE));
}

// Verdict bits of a scan.
const SEEN_ALLOW = 1;
const SEEN_DENY = 2;

function scan(list: AclEntry[], principal: string, host: string, op: Operation, verdict: i32): i32 {
  for (let i = 0, n = list.length; i < n; i++) {
    const e = unchecked(list[i]);
    if (!principalHostMatch(e, principal, host)) continue;
    if (denies(e, op)) return verdict | SEEN_DENY;
    if (allows(e, op)) verdict |= SEEN_ALLOW;
  }
  return verdict;
}

/** The entries of one resource type. */
class TypeIndex {
  literal: Map<string, AclEntry[]> = new Map();
  wildcard: AclEntry[] = [];
  prefixed: AclEntry[] = [];
  all: AclEntry[] = [];

  add(e: AclEntry): void {
    this.all.push(e);
    if (e.prefixed) this.prefixed.push(e);
    else if (e.name == WILDCARD_RESOURCE) this.wildcard.push(e);
    else if (this.literal.has(e.name)) this.literal.get(e.name).push(e);
    else this.literal.set(e.name, [e]);
  }
}

// Kafka's authorizeByResourceType first authorizes this made-up literal name, so that super
// users (and anything a wildcard or matching prefix allows) pass whatever the denies.
const HARDCODE_NAME = "hardcode";

/** The configured ACLs and super users. */
export class Acl {
  private types: StaticArray<TypeIndex> = [new TypeIndex(), new TypeIndex()];
  private superUsers: Set<string> = new Set();
  private entries: AclEntry[];

  /** entries as aclEntryError accepts them (others never match); superUsers as principals ("User:admin"). */
  constructor(entries: AclEntry[], superUsers: string[]) {
    this.entries = entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e.resourceType >= 0 && e.resourceType < this.types.length) this.types[e.resourceType].add(e);
    }
    for (let i = 0; i < superUsers.length; i++) this.superUsers.add(superUsers[i]);
  }

  get size(): i32 {
    return this.entries.length;
  }

  isSuperUser(principal: string): bool {
    return this.superUsers.has(principal);
  }

  /** May principal, connected from host, do operation on the resource of that type and name? */
  authorize(principal: string, host: string, operation: Operation, resourceType: ResourceType, name: string): bool {
    if (this.superUsers.has(principal)) return true;
    if (resourceType < 0 || resourceType >= this.types.length) return false;
    const t = unchecked(this.types[resourceType]);
    let v = 0;
    if (t.literal.has(name)) v = scan(t.literal.get(name), principal, host, operation, v);
    if (v & SEEN_DENY) return false;
    v = scan(t.wildcard, principal, host, operation, v);
    if (v & SEEN_DENY) return false;
    const prefixed = t.prefixed;
    for (let i = 0, n = prefixed.length; i < n; i++) {
      const e = unchecked(prefixed[i]);
      if (!name.startsWith(e.name) || !principalHostMatch(e, principal, host)) continue;
      if (denies(e, operation)) return false;
      if (allows(e, operation)) v |= SEEN_ALLOW;
    }
    return (v & SEEN_ALLOW) != 0;
  }

  /**
   * Is there some name of resourceType on which principal may do operation (Kafka's
   * authorizeByResourceType, for InitProducerId's WRITE on any topic)? Entries count for
   * operation itself or ALL (no implied DESCRIBE); a wildcard DENY cancels every allow, a
   * literal or prefixed DENY only the allows it covers entirely.
   */
  anyAllowed(principal: string, host: string, operation: Operation, resourceType: ResourceType): bool {
    if (this.authorize(principal, host, operation, resourceType, HARDCODE_NAME)) return true;
    if (resourceType < 0 || resourceType >= this.types.length) return false;
    const all = unchecked(this.types[resourceType]).all;
    const n = all.length;
    let wildcardAllow = false;
    for (let i = 0; i < n; i++) {
      const e = unchecked(all[i]);
      if (!this.counts(e, principal, host, operation)) continue;
      const wildcard = !e.prefixed && e.name == WILDCARD_RESOURCE;
      if (!e.allow && wildcard) return false;
      if (e.allow && wildcard) wildcardAllow = true;
    }
    if (wildcardAllow) return true;
    for (let i = 0; i < n; i++) {
      const a = unchecked(all[i]);
      if (!a.allow || !this.counts(a, principal, host, operation)) continue;
      let covered = false;
      for (let j = 0; j < n && !covered; j++) {
        const d = unchecked(all[j]);
        if (d.allow || !this.counts(d, principal, host, operation)) continue;
        if (d.prefixed) covered = a.name.startsWith(d.name);
        else covered = !a.prefixed && a.name == d.name;
      }
      if (!covered) return true;
    }
    return false;
  }

  /** The entries that apply to principal from host, for checks on one connection. */
  forPrincipal(principal: string, host: string): PrincipalAcls {
    const mine: AclEntry[] = [];
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (principalHostMatch(e, principal, host)) mine.push(e);
    }
    return new PrincipalAcls(principal, host, this.superUsers.has(principal), new Acl(mine, []));
  }

  private counts(e: AclEntry, principal: string, host: string, operation: Operation): bool {
    return (e.operation == operation || e.operation == Operation.ALL) && principalHostMatch(e, principal, host);
  }
}

/** Acls narrowed to one principal and client address: what a connection checks per request. */
export class PrincipalAcls {
  constructor(
    readonly principal: string,
    readonly host: string,
    readonly superUser: bool,
    private acl: Acl,
  ) {}

  authorize(operation: Operation, resourceType: ResourceType, name: string): bool {
    return this.superUser || this.acl.authorize(this.principal, this.host, operation, resourceType, name);
  }

  anyAllowed(operation: Operation, resourceType: ResourceType): bool {
    return this.superUser || this.acl.anyAllowed(this.principal, this.host, operation, resourceType);
  }
}
