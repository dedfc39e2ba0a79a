// Kafka ACL semantics of assembly/auth/acl.ts: deny wins, literal / prefixed / wildcard names,
// wildcard principals, hosts, implied DESCRIBE, super users, authorizeByResourceType
// (anyAllowed), and the indexed lookup against a plain scan of every entry.
import {
  Acl,
  AclEntry,
  Operation,
  ResourceType,
  aclEntryError,
  operationFor,
  operationName,
  resourceTypeFor,
  resourceTypeName,
} from "../../assembly/auth/acl";

const ALICE = "User:alice";
const BOB = "User:bob";
const HOST = "10.0.0.1";

function allow(principal: string, op: Operation, name: string, prefixed: bool = false, type: ResourceType = ResourceType.TOPIC, host: string = "*"): AclEntry {
  return new AclEntry(principal, host, true, op, type, prefixed, name);
}

function deny(principal: string, op: Operation, name: string, prefixed: bool = false, type: ResourceType = ResourceType.TOPIC, host: string = "*"): AclEntry {
  return new AclEntry(principal, host, false, op, type, prefixed, name);
}

function topic(acl: Acl, principal: string, op: Operation, name: string): bool {
  return acl.authorize(principal, HOST, op, ResourceType.TOPIC, name);
}

describe("ACLs: authorize", () => {
  it("denies everything when no entry allows it", () => {
    const acl = new Acl([], []);
    expect(topic(acl, ALICE, Operation.READ, "t")).toBe(false);
    expect(acl.authorize(ALICE, HOST, Operation.DESCRIBE, ResourceType.GROUP, "g")).toBe(false);
  });
  it("allows a literal name to its principal only, for its operation and the DESCRIBE it implies", () => {
    const acl = new Acl([allow(ALICE, Operation.WRITE, "orders")], []);
    expect(topic(acl, ALICE, Operation.WRITE, "orders")).toBe(true);
    expect(topic(acl, ALICE, Operation.DESCRIBE, "orders")).toBe(true);
    expect(topic(acl, ALICE, Operation.READ, "orders")).toBe(false);
    expect(topic(acl, ALICE, Operation.WRITE, "orders2")).toBe(false);
    expect(topic(acl, ALICE, Operation.WRITE, "order")).toBe(false);
    expect(topic(acl, BOB, Operation.WRITE, "orders")).toBe(false);
    expect(topic(acl, "User:Alice", Operation.WRITE, "orders")).toBe(false);
  });
  it("implies DESCRIBE from READ and WRITE only; ALL allows every operation", () => {
    const acl = new Acl([
      allow(ALICE, Operation.READ, "r"),
      allow(ALICE, Operation.DESCRIBE, "d"),
      allow(ALICE, Operation.ALL, "a"),
    ], []);
    expect(topic(acl, ALICE, Operation.DESCRIBE, "r")).toBe(true);
    expect(topic(acl, ALICE, Operation.WRITE, "r")).toBe(false);
    expect(topic(acl, ALICE, Operation.DESCRIBE, "d")).toBe(true);
    expect(topic(acl, ALICE, Operation.READ, "d")).toBe(false);
    expect(topic(acl, ALICE, Operation.WRITE, "d")).toBe(false);
    expect(topic(acl, ALICE, Operation.READ, "a")).toBe(true);
    expect(topic(acl, ALICE, Operation.WRITE, "a")).toBe(true);
    expect(topic(acl, ALICE, Operation.DESCRIBE, "a")).toBe(true);
  });
  it("lets a matching DENY win over any ALLOW, per operation", () => {
    const acl = new Acl([
      allow(ALICE, Operation.ALL, "*"),
      deny(ALICE, Operation.WRITE, "secret"),
      allow(ALICE, Operation.READ, "x"),
      deny(ALICE, Operation.DESCRIBE, "x"),
      deny(ALICE, Operation.ALL, "private-", true),
    ], []);
    expect(topic(acl, ALICE, Operation.WRITE, "secret")).toBe(false);
    expect(topic(acl, ALICE, Operation.READ, "secret")).toBe(true);
    // A DENY of WRITE does not deny the DESCRIBE an ALLOW of WRITE would imply.
    expect(topic(acl, ALICE, Operation.DESCRIBE, "secret")).toBe(true);
    expect(topic(acl, ALICE, Operation.DESCRIBE, "x")).toBe(false);
    expect(topic(acl, ALICE, Operation.READ, "x")).toBe(true);
    expect(topic(acl, ALICE, Operation.READ, "private-1")).toBe(false);
    expect(topic(acl, ALICE, Operation.DESCRIBE, "private-1")).toBe(false);
    expect(topic(acl, ALICE, Operation.READ, "private")).toBe(true);
    expect(topic(acl, ALICE, Operation.READ, "anything")).toBe(true);
  });
  it("matches prefixed names by prefix (the prefix itself included) and literal '*' as every name", () => {
    const acl = new Acl([
      allow(ALICE, Operation.READ, "app", true),
      allow(BOB, Operation.READ, "*"),
      allow(ALICE, Operation.WRITE, "*", true),
    ], []);
    expect(topic(acl, ALICE, Operation.READ, "app")).toBe(true);
    expect(topic(acl, ALICE, Operation.READ, "apples")).toBe(true);
    expect(topic(acl, ALICE, Operation.READ, "ap")).toBe(false);
    expect(topic(acl, ALICE, Operation.READ, "xapp")).toBe(false);
    expect(topic(acl, ALICE, Operation.READ, "App")).toBe(false);
    expect(topic(acl, BOB, Operation.READ, "anything")).toBe(true);
    expect(topic(acl, BOB, Operation.READ, "*")).toBe(true);
    // PREFIXED "*" is a prefix like any other, not a wildcard.
    expect(topic(acl, ALICE, Operation.WRITE, "anything")).toBe(false);
    expect(topic(acl, ALICE, Operation.WRITE, "*star")).toBe(true);
  });
  it("applies User:* entries to every principal, a DENY too", () => {
    const acl = new Acl([allow("User:*", Operation.READ, "public"), deny("User:*", Operation.READ, "public-", true), allow(ALICE, Operation.READ, "public-a")], []);
    expect(topic(acl, ALICE, Operation.READ, "public")).toBe(true);
    expect(topic(acl, "User:ANONYMOUS", Operation.READ, "public")).toBe(true);
    expect(topic(acl, ALICE, Operation.READ, "public-a")).toBe(false);
  });
  it("matches hosts exactly, or '*'", () => {
    const acl = new Acl([
      allow(ALICE, Operation.READ, "t", false, ResourceType.TOPIC, "10.0.0.1"),
      deny(BOB, Operation.READ, "t", false, ResourceType.TOPIC, "10.0.0.9"),
      allow(BOB, Operation.READ, "t"),
    ], []);
    expect(acl.authorize(ALICE, "10.0.0.1", Operation.READ, ResourceType.TOPIC, "t")).toBe(true);
    expect(acl.authorize(ALICE, "10.0.0.2", Operation.READ, ResourceType.TOPIC, "t")).toBe(false);
    expect(acl.authorize(ALICE, "10.0.0.10", Operation.READ, ResourceType.TOPIC, "t")).toBe(false);
    expect(acl.authorize(BOB, "10.0.0.1", Operation.READ, ResourceType.TOPIC, "t")).toBe(true);
    expect(acl.authorize(BOB, "10.0.0.9", Operation.READ, ResourceType.TOPIC, "t")).toBe(false);
  });
  it("keeps topics and groups apart", () => {
    const acl = new Acl([allow(ALICE, Operation.READ, "g", false, ResourceType.GROUP)], []);
    expect(acl.authorize(ALICE, HOST, Operation.READ, ResourceType.GROUP, "g")).toBe(true);
    expect(acl.authorize(ALICE, HOST, Operation.DESCRIBE, ResourceType.GROUP, "g")).toBe(true);
    expect(acl.authorize(ALICE, HOST, Operation.READ, ResourceType.TOPIC, "g")).toBe(false);
    expect(acl.authorize(ALICE, HOST, Operation.READ, <ResourceType>7, "g")).toBe(false);
  });
  it("allows super users everything, whatever denies them", () => {
    const acl = new Acl([deny("User:*", Operation.ALL, "*"), deny("User:admin", Operation.ALL, "*", false, ResourceType.GROUP)], ["User:admin"]);
    expect(acl.isSuperUser("User:admin")).toBe(true);
    expect(topic(acl, "User:admin", Operation.WRITE, "t")).toBe(true);
    expect(acl.authorize("User:admin", HOST, Operation.READ, ResourceType.GROUP, "g")).toBe(true);
    expect(acl.anyAllowed("User:admin", HOST, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
    expect(topic(acl, ALICE, Operation.WRITE, "t")).toBe(false);
    expect(acl.isSuperUser("User:admin2")).toBe(false);
  });
});

describe("ACLs: anyAllowed (authorizeByResourceType)", () => {
  it("needs an ALLOW of the operation or ALL somewhere", () => {
    expect(new Acl([], []).anyAllowed(ALICE, HOST, Operation.WRITE, ResourceType.TOPIC)).toBe(false);
    expect(new Acl([allow(ALICE, Operation.WRITE, "t")], []).anyAllowed(ALICE, HOST, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
    expect(new Acl([allow(ALICE, Operation.ALL, "t")], []).anyAllowed(ALICE, HOST, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
    expect(new Acl([allow(ALICE, Operation.READ, "t")], []).anyAllowed(ALICE, HOST, Operation.WRITE, ResourceType.TOPIC)).toBe(false);
    expect(new Acl([allow(BOB, Operation.WRITE, "t")], []).anyAllowed(ALICE, HOST, Operation.WRITE, ResourceType.TOPIC)).toBe(false);
    expect(new Acl([allow("User:*", Operation.WRITE, "t")], []).anyAllowed(ALICE, HOST, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
    expect(new Acl([allow(ALICE, Operation.WRITE, "t", false, ResourceType.TOPIC, "10.9.9.9")], []).anyAllowed(ALICE, HOST, Operation.WRITE, ResourceType.TOPIC)).toBe(false);
    expect(new Acl([allow(ALICE, Operation.WRITE, "g", false, ResourceType.GROUP)], []).anyAllowed(ALICE, HOST, Operation.WRITE, ResourceType.TOPIC)).toBe(false);
    expect(new Acl([allow(ALICE, Operation.WRITE, "*")], []).anyAllowed(ALICE, HOST, Operation.WRITE, ResourceType.TOPIC)).toBe(true);
  });
  it("cancels an allow only by a deny covering it entirely; a wildcard DENY cancels all", () => {
    const any = (entries: AclEntry[]): bool => new Acl(entries, []).anyAllowed(ALICE, HOST, Operation.WRITE, ResourceType.TOPIC);
    expect(any([allow(ALICE, Operation.WRITE, "t"), deny(ALICE, Operation.WRITE, "t")])).toBe(false);
    expect(any([allow(ALICE, Operation.WRITE, "t"), deny(ALICE, Operation.ALL, "t")])).toBe(false);
    expect(any([allow(ALICE, Operation.WRITE, "t"), deny(ALICE, Operation.READ, "t")])).toBe(true);
    expect(any([allow(ALICE, Operation.WRITE, "t"), deny(BOB, Operation.WRITE, "t")])).toBe(true);
    expect(any([allow(ALICE, Operation.WRITE, "abc"), deny(ALICE, Operation.WRITE, "ab", true)])).toBe(false);
    expect(any([allow(ALICE, Operation.WRITE, "abc"), deny(ALICE, Operation.WRITE, "abd", true)])).toBe(true);
    expect(any([allow(ALICE, Operation.WRITE, "ab", true), deny(ALICE, Operation.WRITE, "a", true)])).toBe(false);
    expect(any([allow(ALICE, Operation.WRITE, "ab", true), deny(ALICE, Operation.WRITE, "ab", true)])).toBe(false);
    // A literal DENY of the prefix's own name leaves the rest of the prefix allowed.
    expect(any([allow(ALICE, Operation.WRITE, "ab", true), deny(ALICE, Operation.WRITE, "ab")])).toBe(true);
    expect(any([allow(ALICE, Operation.WRITE, "ab", true), deny(ALICE, Operation.WRITE, "abc", true)])).toBe(true);
    expect(any([allow(ALICE, Operation.WRITE, "t"), deny(ALICE, Operation.WRITE, "*")])).toBe(false);
    expect(any([allow(ALICE, Operation.WRITE, "*"), deny("User:*", Operation.WRITE, "*")])).toBe(false);
    expect(any([allow(ALICE, Operation.WRITE, "t"), deny(ALICE, Operation.READ, "*")])).toBe(true);
    expect(any([allow(ALICE, Operation.WRITE, "t"), allow(ALICE, Operation.WRITE, "u"), deny(ALICE, Operation.WRITE, "t")])).toBe(true);
  });
  it("counts only the operation itself or ALL, after the check of one made-up name (as Kafka)", () => {
    // READ implies DESCRIBE on every topic here, found by Kafka's first check of a literal name.
    expect(new Acl([allow(ALICE, Operation.READ, "*")], []).anyAllowed(ALICE, HOST, Operation.DESCRIBE, ResourceType.TOPIC)).toBe(true);
    expect(new Acl([allow(ALICE, Operation.READ, "t")], []).anyAllowed(ALICE, HOST, Operation.DESCRIBE, ResourceType.TOPIC)).toBe(false);
  });
});

describe("ACLs: per-principal view", () => {
  it("answers as the whole set for its principal and host", () => {
    const acl = new Acl([
      allow(ALICE, Operation.WRITE, "app", true),
      deny("User:*", Operation.WRITE, "app-locked"),
      allow(BOB, Operation.READ, "*"),
      allow(ALICE, Operation.READ, "g", false, ResourceType.GROUP, "10.0.0.2"),
    ], ["User:root"]);
    const a = acl.forPrincipal(ALICE, HOST);
    expect(a.superUser).toBe(false);
    expect(a.authorize(Operation.WRITE, ResourceType.TOPIC, "app-1")).toBe(true);
    expect(a.authorize(Operation.WRITE, ResourceType.TOPIC, "app-locked")).toBe(false);
    expect(a.authorize(Operation.READ, ResourceType.TOPIC, "x")).toBe(false);
    expect(a.authorize(Operation.READ, ResourceType.GROUP, "g")).toBe(false);
    expect(acl.forPrincipal(ALICE, "10.0.0.2").authorize(Operation.READ, ResourceType.GROUP, "g")).toBe(true);
    expect(a.anyAllowed(Operation.WRITE, ResourceType.TOPIC)).toBe(true);
    const root = acl.forPrincipal("User:root", HOST);
    expect(root.superUser).toBe(true);
    expect(root.authorize(Operation.ALL, ResourceType.GROUP, "any")).toBe(true);
  });
});

// A plain scan of every entry, as the semantics read, to check the indexed lookup against.
function reference(entries: AclEntry[], principal: string, host: string, op: Operation, type: ResourceType, name: string): bool {
  let allowed = false;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.resourceType != type) continue;
    if (e.principal != principal && e.principal != "User:*") continue;
    if (e.host != "*" && e.host != host) continue;
    const nameMatch = e.prefixed ? name.startsWith(e.name) : e.name == "*" || e.name == name;
    if (!nameMatch) continue;
    if (!e.allow && (e.operation == op || e.operation == Operation.ALL)) return false;
    if (e.allow && (e.operation == op || e.operation == Operation.ALL || (op == Operation.DESCRIBE && (e.operation == Operation.READ || e.operation == Operation.WRITE)))) allowed = true;
  }
  return allowed;
}

const NAMES: string[] = ["a", "ab", "abc", "abd", "b", "ba", "*", "x"];
const PRINCIPALS: string[] = ["User:alice", "User:bob", "User:*"];
const HOSTS: string[] = ["*", "10.0.0.1", "10.0.0.2"];

let seed: u32 = 7;
function next(n: i32): i32 {
  seed = seed * 1664525 + 1013904223;
  return <i32>((seed >>> 8) % <u32>n);
}

describe("ACLs: indexed lookup", () => {
  it("agrees with a scan of every entry over random sets of a few hundred entries", () => {
    for (let round = 0; round < 8; round++) {
      const entries: AclEntry[] = [];
      const count = 20 + round * 40;
      for (let i = 0; i < count; i++) {
        // Denies rarer than allows, so both outcomes occur.
        entries.push(new AclEntry(PRINCIPALS[next(3)], HOSTS[next(3)], next(5) > 0, <Operation>next(4), <ResourceType>next(2), next(2) == 1, NAMES[next(NAMES.length)]));
      }
      const acl = new Acl(entries, []);
      let allowedCount = 0;
      for (let p = 0; p < 2; p++) {
        for (let h = 1; h < 3; h++) {
          const view = acl.forPrincipal(PRINCIPALS[p], HOSTS[h]);
          for (let op = 0; op < 4; op++) {
            for (let t = 0; t < 2; t++) {
              for (let n = 0; n < NAMES.length; n++) {
                const want = reference(entries, PRINCIPALS[p], HOSTS[h], <Operation>op, <ResourceType>t, NAMES[n]);
                expect(acl.authorize(PRINCIPALS[p], HOSTS[h], <Operation>op, <ResourceType>t, NAMES[n])).toBe(want);
                expect(view.authorize(<Operation>op, <ResourceType>t, NAMES[n])).toBe(want);
                if (want) allowedCount++;
              }
            }
          }
        }
      }
      expect(allowedCount).toBeGreaterThan(0);
    }
  });
});

describe("ACLs: names", () => {
  it("parses and prints operations and resource types, and refuses bad entries with a reason", () => {
    expect(operationFor("READ")).toBe(Operation.READ);
    expect(operationFor("ALL")).toBe(Operation.ALL);
    expect(operationFor("read")).toBe(-1);
    expect(operationFor("ALTER")).toBe(-1);
    expect(resourceTypeFor("GROUP")).toBe(ResourceType.GROUP);
    expect(resourceTypeFor("CLUSTER")).toBe(-1);
    expect(operationName(Operation.DESCRIBE)).toBe("DESCRIBE");
    expect(resourceTypeName(ResourceType.TOPIC)).toBe("TOPIC");
    expect(aclEntryError(allow(ALICE, Operation.READ, "t"))).toBeNull();
    expect(aclEntryError(allow("alice", Operation.READ, "t"))).not.toBeNull();
    expect(aclEntryError(allow("User:", Operation.READ, "t"))).not.toBeNull();
    expect(aclEntryError(allow(ALICE, Operation.READ, ""))).not.toBeNull();
    expect(aclEntryError(allow(ALICE, <Operation>9, "t"))).not.toBeNull();
    expect(aclEntryError(allow(ALICE, Operation.READ, "t", false, ResourceType.TOPIC, ""))).not.toBeNull();
  });
});
