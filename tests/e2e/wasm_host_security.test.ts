// Security of the built filter (docs/security.md) in the Node proxy-wasm host: SASL clients
// written here with Node's crypto (independent of the filter's AssemblyScript) authenticate
// with SCRAM-SHA-256/512 and PLAIN against credentials Node derived; the server nonces come from
// the host's WASI random_get; a failed exchange's answer reaches the client before the close;
// the principal of a TLS client comes from the connection's `connection.subject_peer_certificate`
// and its ACL host from `source.address`; the per-principal stats. Run:
// node --import tsx --test tests/e2e/wasm_host_security.test.ts (KAFKA_MESH_WASM=path runs another build)
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ConnectOptions, type MeshConnection, MeshVm } from "../wasm-host/host.ts";
import * as k from "../lib/kafka/index.ts";
import {
  plainToken, rawToken, readSaslAuthenticateResponse, readSaslHandshakeResponse, SASL_AUTHENTICATION_FAILED, saslAuthenticateRequest,
  saslHandshakeRequest, ScramClient, scramCredential, UNSUPPORTED_SASL_MECHANISM, type SaslAuthenticateAnswer,
} from "../lib/kafka/sasl.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WASM = process.env.KAFKA_MESH_WASM ? path.resolve(process.env.KAFKA_MESH_WASM) : path.join(ROOT, "build/kafka_mesh.wasm");

const TOPIC_AUTHORIZATION_FAILED = 29;
const CLUSTER_AUTHORIZATION_FAILED = 31;

/** The reference scenario's clusters and rules (native dialect): apple* -> c1, a* -> c2, b* -> c3. */
function meshConfig(security: Record<string, unknown>): Record<string, unknown> {
  const bridge = (n: number) => ({ envoy_cluster: `kafka_bridge_c${n}`, authority: `127.0.0.1:${8179 + n}`, dialect: "native" });
  return {
    advertised_host: "127.0.0.1", advertised_port: 19092, broker_id: 0,
    upstream_clusters: [1, 2, 3].map((n) => ({
      cluster_name: `c${n}`, bootstrap_servers: `127.0.0.1:${9091 + n}`, partition_count: n === 3 ? 5 : 1, producer_config: {},
      rest_bridge: bridge(n),
    })),
    forwarding_rules: [
      { topic_prefix: "app", target_cluster: "c1" }, { topic_prefix: "a", target_cluster: "c2" }, { topic_prefix: "b", target_cluster: "c3" },
    ],
    group_rules: [{ group_prefix: "", target_cluster: "c1" }],
    security,
  };
}

const USERS = [
  { name: "alice", password: "correct horse battery staple" },
  { name: "bob", password: "b0b's p\u00e4ss \u{1F511}" },
];
const PASSWORD: Record<string, string> = Object.fromEntries(USERS.map((u) => [u.name, u.password]));
const SASL_USERS = USERS.map((u) => ({ name: u.name, scram_sha_256: scramCredential("sha256", u.password), scram_sha_512: scramCredential("sha512", u.password) }));

const handshakeRequest = saslHandshakeRequest;
const authenticateRequest = saslAuthenticateRequest;
const readHandshake = readSaslHandshakeResponse;
const readAuthenticate = readSaslAuthenticateResponse;

/** Sends `bytes` and returns the answer frames the client got (size prefixes removed). */
function exchange(conn: MeshConnection, bytes: Buffer): Buffer[] {
  return k.splitFrames(conn.send(bytes).delivered);
}

/** SaslHandshake v1 + SaslAuthenticate v2 with SCRAM: returns the client, its exchange verified. */
function scramLogin(conn: MeshConnection, mechanism: string, user: string, password: string): ScramClient {
  const client = new ScramClient(mechanism, user, password);
  let frames = exchange(conn, Buffer.concat([handshakeRequest(1, 1, mechanism), authenticateRequest(2, 2, client.first)]));
  assert.equal(frames.length, 2);
  assert.equal(readHandshake(frames[0]).errorCode, 0);
  const first = readAuthenticate(frames[1], 2);
  assert.equal(first.errorCode, 0, first.errorMessage ?? "");
  frames = exchange(conn, authenticateRequest(2, 3, client.final(first.authBytes.toString("utf8"))));
  assert.equal(frames.length, 1);
  const fin = readAuthenticate(frames[0], 2);
  assert.equal(fin.errorCode, 0, fin.errorMessage ?? "");
  assert.ok(client.verifies(fin.authBytes.toString("utf8")), "server signature");
  assert.equal(fin.sessionLifetimeMs, 3_600_000n);
  return client;
}

function plainLogin(conn: MeshConnection, user: string, password: string): SaslAuthenticateAnswer {
  const frames = exchange(conn, Buffer.concat([handshakeRequest(1, 1, "PLAIN"), authenticateRequest(2, 2, plainToken(user, password))]));
  assert.equal(frames.length, 2);
  assert.equal(readHandshake(frames[0]).errorCode, 0);
  return readAuthenticate(frames[1], 2);
}

function metadataTopics(conn: MeshConnection, correlationId: number, topics: string[]): Map<string, number> {
  const frames = exchange(conn, k.metadataRequest(9, correlationId, topics));
  assert.equal(frames.length, 1);
  const res = k.readMetadataResponse(frames[0], 9);
  assert.equal(res.correlationId, correlationId);
  return new Map(res.topics.map((t) => [t.name ?? "", t.errorCode]));
}

const SASL_SECURITY = {
  sasl: { mechanisms: ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"], session_lifetime_ms: 3_600_000, users: SASL_USERS },
  acls: [
    { principal: "User:alice", permission: "ALLOW", operation: "DESCRIBE", resource_type: "TOPIC", pattern_type: "PREFIXED", resource_name: "a" },
    { principal: "User:alice", permission: "ALLOW", operation: "WRITE", resource_type: "TOPIC", pattern_type: "LITERAL", resource_name: "bananas" },
  ],
};

async function saslVm(): Promise<MeshVm> {
  return MeshVm.load(WASM, meshConfig(SASL_SECURITY));
}

test("SCRAM-SHA-256 and SCRAM-SHA-512 clients written with Node's crypto authenticate, then their requests are served", async () => {
  const vm = await saslVm();
  for (const mechanism of ["SCRAM-SHA-256", "SCRAM-SHA-512"]) {
    for (const user of ["alice", "bob"]) {
      const conn = vm.connect();
      scramLogin(conn, mechanism, user, PASSWORD[user]);
      const topics = metadataTopics(conn, 10, ["apricots"]);
      // alice may describe a*, bob nothing: the ACLs apply to the principal the exchange proved.
      assert.equal(topics.get("apricots"), user === "alice" ? 0 : TOPIC_AUTHORIZATION_FAILED);
      assert.equal(conn.closed, false);
      conn.close();
    }
  }
  assert.equal(vm.metric("kafka_mesh.sasl.authentications"), 4);
  assert.equal(vm.metric("kafka_mesh.principal.alice.authentications"), 2);
  assert.equal(vm.metric("kafka_mesh.principal.bob.authentications"), 2);
  assert.equal(vm.metric("kafka_mesh.principal.alice.requests"), 2);
  assert.equal(vm.metric("kafka_mesh.principal.bob.denied"), 2);
  assert.equal(vm.metric("kafka_mesh.sasl.authentication_failures"), 0);
});

test("the server nonces come from the host's random_get: two connections, and two VMs, get different ones", async () => {
  const vms = [await saslVm(), await saslVm()];
  const nonces: string[] = [];
  for (const vm of vms) {
    const before = vm.randomCalls;
    for (let i = 0; i < 2; i++) {
      const conn = vm.connect();
      nonces.push(scramLogin(conn, "SCRAM-SHA-256", "alice", PASSWORD.alice).serverNonce);
    }
    assert.equal(vm.randomCalls - before, 2, "one random_get per exchange");
  }
  for (const n of nonces) assert.equal(Buffer.from(n, "base64").length, 24, "24 random bytes, in base64");
  assert.equal(new Set(nonces).size, 4, `distinct nonces: ${nonces.join(" ")}`);
});

test("a PLAIN client with the right password is served; a wrong one gets SASL_AUTHENTICATION_FAILED, then the close", async () => {
  const vm = await saslVm();
  const ok = vm.connect();
  const good = plainLogin(ok, "alice", PASSWORD.alice);
  assert.equal(good.errorCode, 0);
  assert.equal(good.sessionLifetimeMs, 3_600_000n);
  assert.equal(metadataTopics(ok, 3, ["apricots"]).get("apricots"), 0);

  const bad = vm.connect();
  const frames = exchange(bad, Buffer.concat([
    handshakeRequest(1, 1, "PLAIN"), authenticateRequest(2, 2, plainToken("alice", "wrong")), k.metadataRequest(9, 3, ["apricots"]),
  ]));
  // The answer went out whole: the handshake's and the failure, nothing for the Metadata after it.
  assert.equal(frames.length, 2);
  const failed = readAuthenticate(frames[1], 2);
  assert.equal(failed.correlationId, 2);
  assert.equal(failed.errorCode, SASL_AUTHENTICATION_FAILED);
  assert.equal(failed.errorMessage, "Authentication failed: Invalid username or password");
  assert.equal(bad.droppedWrites, 0, "no answer bytes lost to the close");
  // The connection goes once the answer is out (at the latest on the filter's next tick).
  vm.tick();
  assert.equal(bad.closed, true, `closed (last log: ${bad.lastLog})`);
  assert.equal(bad.closeReason, "closed by the filter");
  assert.equal(bad.receivedAll().length, frames.reduce((n, f) => n + 4 + f.length, 0));
  assert.equal(ok.closed, false);
  assert.equal(vm.metric("kafka_mesh.sasl.authentication_failures"), 1);
  assert.equal(vm.metric("kafka_mesh.principal.alice.authentication_failures"), 1);
  assert.equal(vm.gauges()["kafka_mesh.pending_requests"]?.value ?? 0, 0);
});

test("an unsupported mechanism is answered with the offered list before the close; a request before authentication closes at once", async () => {
  const vm = await saslVm();
  const conn = vm.connect();
  const frames = exchange(conn, handshakeRequest(1, 7, "GSSAPI"));
  assert.equal(frames.length, 1);
  const h = readHandshake(frames[0]);
  assert.deepEqual(h, { correlationId: 7, errorCode: UNSUPPORTED_SASL_MECHANISM, mechanisms: ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] });
  vm.tick();
  assert.equal(conn.closed, true);
  assert.equal(conn.droppedWrites, 0);

  const early = vm.connect();
  const sent = early.send(k.metadataRequest(9, 1, ["apricots"]));
  assert.equal(sent.delivered.length, 0);
  assert.equal(sent.closed, true);
  assert.match(early.lastLog, /before SASL authentication/);
});

test("unknown names' failures are counted under principals_other, never per name", async () => {
  const vm = await saslVm();
  for (const name of ["mallory", "eve", "trudy"]) {
    const conn = vm.connect();
    assert.equal(plainLogin(conn, name, "guess").errorCode, SASL_AUTHENTICATION_FAILED);
    vm.tick();
    assert.equal(conn.closed, true);
  }
  const scram = vm.connect();
  const client = new ScramClient("SCRAM-SHA-512", "oscar", "guess");
  let frames = exchange(scram, Buffer.concat([handshakeRequest(1, 1, "SCRAM-SHA-512"), authenticateRequest(2, 2, client.first)]));
  // An unknown SCRAM user gets a salt and fails at the final message, as a wrong password does.
  const first = readAuthenticate(frames[1], 2);
  assert.equal(first.errorCode, 0);
  frames = exchange(scram, authenticateRequest(2, 3, client.final(first.authBytes.toString("utf8"))));
  assert.equal(readAuthenticate(frames[0], 2).errorCode, SASL_AUTHENTICATION_FAILED);

  assert.equal(vm.metric("kafka_mesh.sasl.authentication_failures"), 4);
  assert.equal(vm.metric("kafka_mesh.principals_other.authentication_failures"), 4);
  const names = Object.keys(vm.metrics());
  for (const name of ["mallory", "eve", "trudy", "oscar"]) assert.ok(!names.some((m) => m.includes(name)), `no stat names ${name}`);
});

// ---- mTLS principals ----

const TLS_SECURITY = {
  tls_principal: "common_name",
  super_users: ["User:root"],
  max_principal_stats: 2,
  acls: [
    { principal: "User:alice", host: "10.1.2.3", permission: "ALLOW", operation: "DESCRIBE", resource_type: "TOPIC", pattern_type: "PREFIXED", resource_name: "a" },
    { principal: "User:bob", permission: "ALLOW", operation: "WRITE", resource_type: "TOPIC", pattern_type: "PREFIXED", resource_name: "b" },
  ],
};

function tlsClient(vm: MeshVm, subject: string | null, address: string): MeshConnection {
  const properties: NonNullable<ConnectOptions["properties"]> = { "source.address": address };
  if (subject !== null) properties["connection.subject_peer_certificate"] = subject;
  return vm.connect({ properties });
}

test("the client certificate's subject is the principal of the ACLs, and source.address their host", async () => {
  const vm = await MeshVm.load(WASM, meshConfig(TLS_SECURITY));
  const alice = tlsClient(vm, "CN=alice,OU=clients,O=example", "10.1.2.3:50001");
  let topics = metadataTopics(alice, 1, ["apricots", "bananas"]);
  assert.equal(topics.get("apricots"), 0);
  assert.equal(topics.get("bananas"), TOPIC_AUTHORIZATION_FAILED);
  // The same certificate from another address: the ACL names 10.1.2.3 only.
  const elsewhere = tlsClient(vm, "CN=alice,OU=clients,O=example", "10.9.9.9:50002");
  assert.equal(metadataTopics(elsewhere, 1, ["apricots"]).get("apricots"), TOPIC_AUTHORIZATION_FAILED);
  // No certificate: User:ANONYMOUS, denied.
  const anonymous = tlsClient(vm, null, "10.1.2.3:50003");
  assert.equal(metadataTopics(anonymous, 1, ["apricots"]).get("apricots"), TOPIC_AUTHORIZATION_FAILED);
  // A super user by its CN.
  const root = tlsClient(vm, "CN=root,O=example", "10.7.7.7:50004");
  topics = metadataTopics(root, 1, ["apricots", "bananas"]);
  assert.deepEqual([...topics.values()], [0, 0]);
  // InitProducerId needs WRITE on some topic: bob has it, alice not.
  const bob = tlsClient(vm, "CN=bob,OU=clients,O=example", "10.1.2.4:50005");
  const ids = (conn: MeshConnection) => k.readInitProducerIdResponse(exchange(conn, k.initProducerIdRequest(4, 9))[0], 4).errorCode;
  assert.equal(ids(bob), 0);
  assert.equal(ids(alice), CLUSTER_AUTHORIZATION_FAILED);

  assert.equal(vm.metric("kafka_mesh.principal.alice.requests"), 3);
  assert.equal(vm.metric("kafka_mesh.principal.alice.denied"), 3);
  // max_principal_stats 2: alice and ANONYMOUS have stats of their own, root and bob are counted together.
  assert.equal(vm.metric("kafka_mesh.principal.ANONYMOUS.requests"), 1);
  assert.equal(vm.metric("kafka_mesh.principals_other.requests"), 2);
  assert.equal(vm.metric("kafka_mesh.acl.denied"), 4);
  assert.equal(vm.metric("kafka_mesh.sasl.authentications"), 0);
  for (const c of [alice, elsewhere, anonymous, root, bob]) assert.equal(c.closed, false);
  // A denied request logs its principal, client address, API and resource.
  assert.ok(vm.log.some((l) => l.message.includes("event=authorization_denied principal=User:alice client=10.9.9.9:50002 api=Metadata")),
    vm.log.slice(-5).map((l) => l.message).join("\n"));
});

test("without tls_principal, the principal is User: + the whole RFC 2253 subject", async () => {
  const subject = "CN=alice,OU=clients,O=example";
  const vm = await MeshVm.load(WASM, meshConfig({
    acls: [{ principal: `User:${subject}`, permission: "ALLOW", operation: "DESCRIBE", resource_type: "TOPIC", pattern_type: "LITERAL", resource_name: "*" }],
  }));
  const ok = tlsClient(vm, subject, "10.1.2.3:1");
  assert.equal(metadataTopics(ok, 1, ["apricots"]).get("apricots"), 0);
  const other = tlsClient(vm, "CN=alice,OU=others,O=example", "10.1.2.3:2");
  assert.equal(metadataTopics(other, 1, ["apricots"]).get("apricots"), TOPIC_AUTHORIZATION_FAILED);
});

test("after a v0 handshake the tokens go raw: SCRAM-SHA-512 and PLAIN succeed, a failed raw token closes without an answer", async () => {
  const vm = await saslVm();
  const conn = vm.connect();
  const client = new ScramClient("SCRAM-SHA-512", "bob", PASSWORD.bob);
  let got = conn.send(Buffer.concat([handshakeRequest(0, 1, "SCRAM-SHA-512"), rawToken(client.first)])).delivered;
  const hs = k.splitFrames(got);
  assert.equal(hs.length, 2);
  assert.equal(readHandshake(hs[0]).errorCode, 0);
  got = conn.send(rawToken(client.final(hs[1].toString("utf8")))).delivered;
  const fin = k.splitFrames(got);
  assert.equal(fin.length, 1);
  assert.ok(client.verifies(fin[0].toString("utf8")));
  assert.equal(metadataTopics(conn, 5, ["apricots"]).get("apricots"), TOPIC_AUTHORIZATION_FAILED);

  const plain = vm.connect();
  got = plain.send(Buffer.concat([handshakeRequest(0, 1, "PLAIN"), rawToken(plainToken("alice", PASSWORD.alice))])).delivered;
  const answers = k.splitFrames(got);
  assert.equal(answers.length, 2);
  assert.equal(answers[1].length, 0, "PLAIN's raw answer is an empty frame");
  assert.equal(metadataTopics(plain, 5, ["apricots"]).get("apricots"), 0);

  const bad = vm.connect();
  const sent = bad.send(Buffer.concat([handshakeRequest(0, 1, "PLAIN"), rawToken(plainToken("alice", "nope")), k.metadataRequest(9, 2, ["apricots"])]));
  assert.equal(k.splitFrames(sent.delivered).length, 1, "only the handshake's answer");
  vm.tick();
  assert.equal(bad.closed, true);
  assert.equal(vm.metric("kafka_mesh.sasl.authentications"), 2);
  assert.equal(vm.metric("kafka_mesh.sasl.authentication_failures"), 1);
});

test("client-chosen names reach the log escaped and cut short: no forged lines", async () => {
  const vm = await saslVm();
  const forged = "\n[2026-11-30 22:00:00.000][1][critical][wasm] forged";
  const conn = vm.connect();
  const frames = exchange(conn, handshakeRequest(1, 1, "PLAIN" + forged + "x".repeat(5000)));
  assert.equal(readHandshake(frames[0]).errorCode, UNSUPPORTED_SASL_MECHANISM);
  vm.tick();
  const alice = vm.connect();
  assert.equal(plainLogin(alice, "alice", PASSWORD.alice).errorCode, 0);
  assert.equal(metadataTopics(alice, 3, [`b${forged}`]).get(`b${forged}`), TOPIC_AUTHORIZATION_FAILED);
  const lines = vm.log.map((l) => l.message);
  assert.ok(lines.some((m) => m.includes("mechanism=PLAIN\\u000a[2026-11-30")), lines.slice(-4).join(" | "));
  assert.ok(lines.some((m) => m.includes("resource=Topic:b\\u000a[2026-11-30")), lines.slice(-4).join(" | "));
  for (const m of lines) {
    assert.ok(!m.includes("\n"), `a log line with a line break: ${JSON.stringify(m.slice(0, 120))}`);
    assert.ok(m.length < 1000, `a log line of ${m.length} characters`);
  }
});
