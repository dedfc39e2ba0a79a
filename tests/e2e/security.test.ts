// Security end to end (docs/security.md): TLS on Envoy's listener, SASL PLAIN / SCRAM-SHA-256 /
// SCRAM-SHA-512 and ACLs in the filter, with real clients (Kafka's Java client, confluent-kafka,
// kafkajs, kcat) and raw sockets, on the reference stack's clusters and bridges. What was and
// was not written is read straight from each topic's cluster (E2eDump).
//
// The suite starts three Envoys of its own from examples/secure.json (written into a temporary
// directory, rendered with envoy/render-config.ts, advertised_port = the listener), all plus
// STACK_PORT_OFFSET; `make down` stops them too (.stack/<name>.pid):
//
//   envoy-security-sasl-ssl        19393  admin 9931  TLS, client certificates optional (SASL_SSL)
//   envoy-security-sasl-plaintext  19394  admin 9932  plain TCP (SASL_PLAINTEXT)
//   envoy-security-mtls            19395  admin 9933  mTLS required; no `sasl`, "tls_principal":
//                                                      "common_name", the same ACLs (User:alice, User:bob)
//
// Users (examples/secure.json): alice/alice-secret may write and read app* and a*, groups
// alice-*; bob/bob-secret writes and reads bananas, groups bob-*.
//
// A failed SASL exchange is answered (SASL_AUTHENTICATION_FAILED, UNSUPPORTED_SASL_MECHANISM)
// and then closed: the clients must report the broker's authentication error, not a connection
// closed during authentication (which the filter caused until its close waited for the answer to
// be in Envoy's write buffer; Java then retried until max.block.ms, librdkafka every 50 ms).
//
// Run with: make test-e2e (after the per-dialect suites), or on a running stack:
//   node --import tsx --test tests/e2e/security.test.ts
// E2E_SECURITY_WASM=path/to/kafka_mesh.wasm runs the Envoys with another build of the module.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import tls from "node:tls";
import kafkajs, { type Admin, type KafkaConfig, type SASLOptions } from "kafkajs";
import type { TlsMode } from "../../envoy/render-config.ts";
import type { Component } from "../../stack/component.ts";
import { portOffset } from "../../stack/config.ts";
import { createEnvoy } from "../../stack/envoy.ts";
import { logFile, portFree, runningPid } from "../../stack/proc.ts";
import { waitReady } from "../../stack/stack.ts";
import { TLS_FILES, TLS_STORE_PASSWORD, tlsDir } from "../../stack/tls.ts";
import {
  apiVersionsRequest, type FrameConnection, FrameSplitter, findCoordinatorRequest, metadataRequest, produceRequest, Reader,
  readApiVersionsResponse, readFindCoordinatorResponse, readMetadataResponse, readProduceResponse, recordBatch, requestFrame, waitFor, Writer,
} from "../lib/kafka/index.ts";
import {
  assertLanded, javaArgs, KAFKA_VERSION, kcatVersion, type LandedRecord, readRanges, recordId, ROOT, run, type SentRecord, specLines,
  type Told, topicClusters, VENV_PYTHON,
} from "./clients.ts";
import { assertSameRecords, recordOf } from "./consumers.ts";
import { asObject, field, num } from "./json.ts";
import { stackPorts } from "./stack-ports.ts";

const { Kafka, logLevel } = kafkajs;

const OFFSET = portOffset();
const HOST = "127.0.0.1";
const ports = stackPorts();
const CLUSTER_OF = topicClusters();
const TOPICS = ["apples", "app-something", "apricots", "analogue", "bananas"];
const RUN = `sec-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

const TLS_DIR = tlsDir(ROOT);
const tlsPath = (f: string) => join(TLS_DIR, f);
const pem = (f: string) => readFileSync(tlsPath(f));

// --- the three Envoys -------------------------------------------------------------------------

interface Listener {
  label: string;
  name: string;
  port: number;
  admin: number;
  echo: number;
  tls: TlsMode;
  sasl: boolean;
  bootstrap: string;
  adminAddr: string;
  component?: Component;
}

function listener(label: string, name: string, port: number, admin: number, tlsMode: TlsMode, sasl: boolean): Listener {
  return { label, name, port: port + OFFSET, admin: admin + OFFSET, echo: port + 10 + OFFSET, tls: tlsMode, sasl,
    bootstrap: `${HOST}:${port + OFFSET}`, adminAddr: `${HOST}:${admin + OFFSET}` };
}

const SASL_SSL = listener("SASL_SSL", "envoy-security-sasl-ssl", 19393, 9931, "optional", true);
const SASL_PLAINTEXT = listener("SASL_PLAINTEXT", "envoy-security-sasl-plaintext", 19394, 9932, "off", true);
const MTLS = listener("mTLS", "envoy-security-mtls", 19395, 9933, "required", false);
const LISTENERS = [SASL_SSL, SASL_PLAINTEXT, MTLS];
const SASL_LISTENERS = [SASL_SSL, SASL_PLAINTEXT];

interface SecurePlugin {
  advertised_port: number;
  upstream_clusters: Array<{ bootstrap_servers: string; rest_bridge: { authority: string } }>;
  schema_registry?: { authority: string; [field: string]: unknown };
  security: { sasl?: unknown; tls_principal?: string; [field: string]: unknown };
  [field: string]: unknown;
}

const shift = (hostPort: string) => hostPort.replace(/:(\d+)(?=,|$)/g, (_, p: string) => `:${Number(p) + OFFSET}`);

/** examples/secure.json for a listener: its port advertised, the stack's ports shifted; mTLS: no SASL, CN principals. */
function pluginConfig(l: Listener): SecurePlugin {
  const cfg = JSON.parse(readFileSync(join(ROOT, "examples", "secure.json"), "utf8")) as SecurePlugin;
  cfg.advertised_port = l.port;
  for (const c of cfg.upstream_clusters) {
    c.bootstrap_servers = shift(c.bootstrap_servers);
    c.rest_bridge.authority = shift(c.rest_bridge.authority);
  }
  if (cfg.schema_registry) cfg.schema_registry.authority = shift(cfg.schema_registry.authority);
  if (!l.sasl) {
    delete cfg.security.sasl;
    cfg.security.tls_principal = "common_name";
  }
  return cfg;
}

async function startEnvoy(l: Listener, dir: string): Promise<void> {
  const plugin = join(dir, `${l.name}.json`);
  writeFileSync(plugin, JSON.stringify(pluginConfig(l), null, 2) + "\n");
  await run(process.execPath, ["--import", "tsx", join(ROOT, "envoy", "render-config.ts"), "--plugin-config", plugin, "--name", l.name,
    "--out-dir", dir, "--listen", l.bootstrap, "--tls", l.tls, "--echo-port", String(l.echo)]);
  const c = createEnvoy(ROOT, { config: join(dir, `${l.name}.yaml`), adminPort: l.admin, name: l.name, wasm: process.env.E2E_SECURITY_WASM || undefined });
  if (runningPid(ROOT, l.name) !== undefined) await c.stop();
  // Another process on these ports would answer in this Envoy's place.
  for (const port of [l.port, l.admin]) assert.ok(await portFree(port), `${l.name}: port ${port} is in use by another process`);
  await c.start();
  l.component = c;
  await waitReady(ROOT, c, 60_000);
}

/** Envoy's counters and gauges (name -> value) whose names match `filter`. */
async function envoyStats(l: Listener, filter: string): Promise<Map<string, number>> {
  const res = await fetch(`http://${l.adminAddr}/stats?filter=${encodeURIComponent(filter)}`, { signal: AbortSignal.timeout(5000) });
  const out = new Map<string, number>();
  for (const line of (await res.text()).split("\n")) {
    const m = /^(\S+): (-?\d+)$/.exec(line.trim());
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}
const stat = async (l: Listener, name: string) => (await envoyStats(l, `^${name.replace(/\./g, "\\.")}$`)).get(name) ?? 0;
const envoyLog = (l: Listener) => readFileSync(logFile(ROOT, l.name), "utf8");

// --- records, and what the clusters hold ------------------------------------------------------

let seq = 0;
/** A record of this run: its id in an e2e-id header (and the value), a timestamp of its own. */
function rec(topic: string, tag: string, partition?: number): SentRecord {
  const id = `${RUN}/${tag}/${++seq}`;
  return { id, topic, partition, timestamp: Date.now() - 2000 - seq, key: Buffer.from(`key-${seq}`),
    value: Buffer.concat([Buffer.from(`${id} `), randomBytes(12)]), headers: [["e2e-id", Buffer.from(id)]] };
}

/** Where each record that must be in a cluster is (id -> place); filled as records are checked. */
const expected = new Map<string, { cluster: string; topic: string; partition: number; offset: number }>();
/** Ids of records that must be in no cluster. */
const forbidden = new Set<string>();

/** assertLanded (each record at its told place, byte for byte), then remembers where they are. */
async function landed(sent: readonly SentRecord[], told: readonly Told[]): Promise<LandedRecord[]> {
  const { records } = await assertLanded(sent, told);
  records.forEach((r, i) => expected.set(sent[i].id, { cluster: r.cluster, topic: r.topic, partition: r.partition, offset: r.offset }));
  return records;
}

const admins: Record<string, Admin> = {};
/** End offset of every partition of the suite's topics ("topic:p" -> offset), straight from the clusters. */
async function clusterEnds(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await Promise.all(TOPICS.map(async (t) => {
    for (const o of await admins[CLUSTER_OF[t]].fetchTopicOffsets(t)) out.set(`${t}:${o.partition}`, Number(o.high));
  }));
  return out;
}
let startEnds = new Map<string, number>();

/** Every record written to the suite's topics since it started, read straight from the clusters. */
async function writtenSinceStart(): Promise<LandedRecord[]> {
  const now = await clusterEnds();
  const byCluster = new Map<string, Array<{ topic: string; partition: number; from: number; to: number }>>();
  for (const [tp, to] of now) {
    const i = tp.lastIndexOf(":");
    const topic = tp.slice(0, i);
    const list = byCluster.get(CLUSTER_OF[topic]) ?? [];
    list.push({ topic, partition: Number(tp.slice(i + 1)), from: startEnds.get(tp) ?? 0, to });
    byCluster.set(CLUSTER_OF[topic], list);
  }
  const parts = await Promise.all([...byCluster].map(async ([cluster, ranges]) =>
    (await readRanges(cluster, ranges)).map((r): LandedRecord => ({ ...r, cluster }))));
  return parts.flat();
}

const runIdOf = (r: LandedRecord) => recordId(r, `${RUN}/`);

/** Fails if a record of `ids` is in any cluster. */
async function assertNoneWritten(ids: Iterable<string>, what: string): Promise<void> {
  const none = new Set(ids);
  assert.ok(none.size > 0, `${what}: no records to look for`);
  const found = (await writtenSinceStart()).filter((r) => none.has(runIdOf(r) ?? ""));
  assert.deepEqual(found.map((r) => `${runIdOf(r)} in ${r.cluster}/${r.topic}:${r.partition}@${r.offset}`), [], `${what}: written after all`);
}

// --- client settings --------------------------------------------------------------------------

type Mechanism = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";
const MECHANISMS: readonly Mechanism[] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];
const PASSWORD: Record<string, string> = { alice: "alice-secret", bob: "bob-secret" };

interface Auth {
  mechanism: Mechanism | "OAUTHBEARER";
  user: string;
  password: string;
}
const auth = (mechanism: Auth["mechanism"], user: string, password = PASSWORD[user] ?? "x"): Auth => ({ mechanism, user, password });

/** Kafka's Java client: security.protocol, SASL (JAAS) and trust/key stores (PKCS12, .cache/tls). */
function javaProps(l: Listener, a: Auth | null, cert?: string): Record<string, string> {
  const p: Record<string, string> = {};
  const secure = l.tls !== "off";
  p["security.protocol"] = a ? (secure ? "SASL_SSL" : "SASL_PLAINTEXT") : (secure ? "SSL" : "PLAINTEXT");
  if (secure) {
    Object.assign(p, { "ssl.truststore.location": tlsPath(TLS_FILES.caP12), "ssl.truststore.type": "PKCS12", "ssl.truststore.password": TLS_STORE_PASSWORD });
  }
  if (cert) {
    Object.assign(p, { "ssl.keystore.location": tlsPath(TLS_FILES.clientP12(cert)), "ssl.keystore.type": "PKCS12",
      "ssl.keystore.password": TLS_STORE_PASSWORD, "ssl.key.password": TLS_STORE_PASSWORD });
  }
  if (a) {
    p["sasl.mechanism"] = a.mechanism;
    p["sasl.jaas.config"] = a.mechanism === "OAUTHBEARER"
      ? `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="${a.user}";`
      : `${a.mechanism === "PLAIN" ? "org.apache.kafka.common.security.plain.PlainLoginModule" : "org.apache.kafka.common.security.scram.ScramLoginModule"} required username="${a.user}" password="${a.password}";`;
  }
  return p;
}

/** librdkafka (confluent-kafka, kcat): the same in its own settings (PEM files). */
function rdkafkaConf(l: Listener, a: Auth | null, cert?: string): Record<string, string> {
  const secure = l.tls !== "off";
  const c: Record<string, string> = { "security.protocol": a ? (secure ? "SASL_SSL" : "SASL_PLAINTEXT") : (secure ? "SSL" : "PLAINTEXT") };
  if (secure) c["ssl.ca.location"] = tlsPath(TLS_FILES.ca);
  if (cert) Object.assign(c, { "ssl.certificate.location": tlsPath(TLS_FILES.clientCert(cert)), "ssl.key.location": tlsPath(TLS_FILES.clientKey(cert)) });
  if (a?.mechanism === "OAUTHBEARER") {
    Object.assign(c, { "sasl.mechanism": "OAUTHBEARER", "enable.sasl.oauthbearer.unsecure.jwt": "true", "sasl.oauthbearer.config": `principal=${a.user}` });
  } else if (a) {
    Object.assign(c, { "sasl.mechanism": a.mechanism, "sasl.username": a.user, "sasl.password": a.password });
  }
  return c;
}

/** kafkajs: ssl (Node's tls options) and sasl. */
function kafkajsConfig(l: Listener, a: Auth | null, cert?: string, extra: Partial<KafkaConfig> = {}): KafkaConfig {
  let sasl: SASLOptions | undefined;
  if (a?.mechanism === "OAUTHBEARER") {
    const claims = Buffer.from(JSON.stringify({ sub: a.user, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600 })).toString("base64url");
    sasl = { mechanism: "oauthbearer", oauthBearerProvider: async () => ({ value: `eyJhbGciOiJub25lIn0.${claims}.` }) };
  } else if (a) {
    const m = a.mechanism.toLowerCase() as "plain" | "scram-sha-256" | "scram-sha-512";
    sasl = { mechanism: m, username: a.user, password: a.password } as SASLOptions;
  }
  return {
    clientId: `e2e-security-${RUN}`,
    brokers: [l.bootstrap],
    logLevel: logLevel.NOTHING,
    ssl: l.tls === "off" ? false : { ca: [pem(TLS_FILES.ca)], ...(cert ? { cert: pem(TLS_FILES.clientCert(cert)), key: pem(TLS_FILES.clientKey(cert)) } : {}) },
    sasl,
    connectionTimeout: 10_000,
    authenticationTimeout: 10_000,
    ...extra,
  };
}

// --- the clients ------------------------------------------------------------------------------

/** What a client said about one record: its place, or an error with the exception classes. */
interface ClientTold {
  partition?: number;
  offset?: number;
  timestamp?: number;
  error?: string;
  causes?: string[];
}
const asTold = (t: ClientTold): Told => (t.error === undefined && t.partition !== undefined && t.offset !== undefined
  ? { partition: t.partition, offset: t.offset, ...(t.timestamp !== undefined ? { timestamp: t.timestamp } : {}) }
  : { error: t.error ?? "no answer" });
const failed = (t: ClientTold) => t.error !== undefined;

function toldOf(v: unknown, what: string): ClientTold {
  const o = asObject(v, what);
  if (o.error !== undefined) return { error: String(o.error), causes: Array.isArray(o.causes) ? o.causes.map(String) : [] };
  return { partition: num(o.partition), offset: num(o.offset), ...(o.timestamp !== undefined ? { timestamp: num(o.timestamp) } : {}) };
}

interface JavaCase {
  name: string;
  op: "produce" | "consume" | "group";
  bootstrap: string;
  props: Record<string, string>;
  records?: SentRecord[];
  reads?: Array<{ tp: string; from: number; to: number }>;
  topics?: string[];
  ms?: number;
}
interface JavaResult {
  told: ClientTold[];
  records: LandedRecord[];
  error?: string;
  causes: string[];
}

/** Runs the cases at once in one JVM (tests/e2e/java/E2eSecurity.java); results by case name. */
async function javaCases(cases: readonly JavaCase[]): Promise<Record<string, JavaResult>> {
  const input = cases.map((c) => JSON.stringify({ ...c, records: c.records ? specLines(c.records).trim().split("\n").map((l): unknown => JSON.parse(l)) : undefined }))
    .join("\n") + "\n";
  const { stdout } = await run("java", javaArgs("E2eSecurity"), { input, timeoutMs: 120_000 });
  const out: Record<string, JavaResult> = {};
  for (const line of stdout.split("\n").filter((l) => l.startsWith("{"))) {
    const o = asObject(JSON.parse(line), "E2eSecurity");
    if (o.done !== undefined) continue;
    out[String(o.name)] = {
      told: Array.isArray(o.told) ? o.told.map((t) => toldOf(t, `E2eSecurity ${String(o.name)}`)) : [],
      records: Array.isArray(o.records) ? o.records.map((r): LandedRecord => ({ ...recordOf(r, `E2eSecurity ${String(o.name)}`), cluster: "" })) : [],
      ...(o.error !== undefined ? { error: String(o.error) } : {}),
      causes: Array.isArray(o.causes) ? o.causes.map(String) : [],
    };
  }
  for (const c of cases) assert.ok(out[c.name], `E2eSecurity printed nothing for ${c.name}:\n${stdout.slice(-2000)}`);
  return out;
}

interface ConfluentCase {
  name: string;
  bootstrap: string;
  conf: Record<string, string>;
  records: SentRecord[];
  expect_failure?: boolean;
  ms?: number;
}
interface ConfluentResult {
  told: ClientTold[];
  errors: Array<{ code: string; str: string }>;
}

/** Runs the producers at once in one process (tests/e2e/confluent_security.py); results by case name. */
async function confluentCases(cases: readonly ConfluentCase[]): Promise<{ results: Record<string, ConfluentResult>; versions: string[] }> {
  const input = cases.map((c) => JSON.stringify({ ...c, records: specLines(c.records).trim().split("\n").map((l): unknown => JSON.parse(l)) })).join("\n") + "\n";
  const { stdout } = await run(VENV_PYTHON, [join(ROOT, "tests", "e2e", "confluent_security.py")], { input, timeoutMs: 120_000 });
  const results: Record<string, ConfluentResult> = {};
  let versions: string[] = [];
  for (const line of stdout.split("\n").filter((l) => l.startsWith("{"))) {
    const o = asObject(JSON.parse(line), "confluent_security.py");
    if (Array.isArray(o.versions)) { versions = o.versions.map(String); continue; }
    results[String(o.name)] = {
      told: Array.isArray(o.told) ? o.told.map((t) => toldOf(t, `confluent ${String(o.name)}`)) : [],
      errors: Array.isArray(o.errors) ? o.errors.map((e) => ({ code: String(field(e, "code")), str: String(field(e, "str")) })) : [],
    };
  }
  for (const c of cases) assert.ok(results[c.name], `confluent_security.py printed nothing for ${c.name}:\n${stdout.slice(-2000)}`);
  return { results, versions };
}

/** kafkajs: connects, sends each record on its own (one producer, one connection), disconnects. */
async function kafkajsProduce(config: KafkaConfig, records: readonly SentRecord[]): Promise<{ told: ClientTold[]; error?: unknown }> {
  const producer = new Kafka(config).producer({ allowAutoTopicCreation: false });
  const told: ClientTold[] = [];
  try {
    await producer.connect();
    for (const r of records) {
      try {
        const [meta] = await producer.send({ topic: r.topic, acks: -1, messages: [{
          key: r.key, value: r.value, partition: r.partition ?? undefined, timestamp: r.timestamp ? String(r.timestamp) : undefined,
          headers: Object.fromEntries(r.headers.map(([k, v]) => [k, v])) }] });
        told.push({ partition: meta.partition, offset: Number(meta.baseOffset) });
      } catch (e) {
        told.push({ error: `${String(field(e, "name"))}: ${String(field(e, "type") ?? "")} ${e instanceof Error ? e.message : String(e)}` });
      }
    }
    return { told };
  } catch (e) {
    return { told: records.map(() => ({ error: "not connected" })), error: e };
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

// --- raw connections (tests/lib/kafka) ----------------------------------------------------------

/** A FrameConnection over a socket that becomes usable on `ready` ("connect", or "secureConnect" for TLS). */
function frames(sock: net.Socket, ready: "connect" | "secureConnect"): Promise<FrameConnection> {
  return new Promise((resolve, reject) => {
    const splitter = new FrameSplitter();
    const c: FrameConnection = { sock, frames: [], closed: false, error: null, waiters: [], get buffered() { return splitter.pending; } };
    const wake = () => { for (const w of c.waiters.splice(0)) w(); };
    sock.on("data", (d: Buffer) => { for (const f of splitter.push(d)) c.frames.push(f.subarray(4)); wake(); });
    sock.on("error", (e) => { c.error = e; });
    sock.on("close", () => { c.closed = true; wake(); });
    sock.once(ready, () => resolve(c));
    sock.once("error", reject);
  });
}

/** A raw connection to a listener: TLS with the test CA when it has TLS (and `cert`'s certificate). */
function rawConnect(l: Listener, cert?: string): Promise<FrameConnection> {
  const [host, port] = [HOST, l.port];
  if (l.tls === "off") return frames(net.connect({ host, port }), "connect");
  return frames(tls.connect({ host, port, ca: [pem(TLS_FILES.ca)],
    ...(cert ? { cert: pem(TLS_FILES.clientCert(cert)), key: pem(TLS_FILES.clientKey(cert)) } : {}) }), "secureConnect");
}

/** Sends one request and waits for its answer (the next frame); fails when the connection closes first. */
async function ask(c: FrameConnection, request: Buffer, what: string): Promise<Buffer> {
  const n = c.frames.length;
  c.sock.write(request);
  await waitFor(c, () => c.frames.length > n || c.closed, 15_000, what);
  assert.ok(c.frames.length > n, `${what}: the connection closed without an answer${c.error ? ` (${c.error.message})` : ""}`);
  return c.frames[n];
}

/** Sends one request and waits until the connection closes; returns the frames that came meanwhile. */
async function askExpectingClose(c: FrameConnection, request: Buffer, what: string): Promise<Buffer[]> {
  const n = c.frames.length;
  c.sock.write(request);
  await waitFor(c, () => c.closed, 15_000, `${what}: the close`);
  return c.frames.slice(n);
}

const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
const NONE = 0;
const TOPIC_AUTHORIZATION_FAILED = 29;
const GROUP_AUTHORIZATION_FAILED = 30;
const UNSUPPORTED_SASL_MECHANISM = 33;
const SASL_AUTHENTICATION_FAILED = 58;

const saslHandshakeRequest = (corr: number, mechanism: string) => requestFrame(SASL_HANDSHAKE, 1, corr, new Writer().str(mechanism).buffer());
const saslAuthenticateRequest = (corr: number, token: Buffer) => requestFrame(SASL_AUTHENTICATE, 1, corr, new Writer().bytes(token).buffer());
const plainToken = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`);

function readSaslHandshake(frame: Buffer): { correlationId: number; errorCode: number; mechanisms: string[] } {
  const r = new Reader(frame);
  const correlationId = r.i32();
  const errorCode = r.i16();
  const mechanisms = (r.array(false, () => r.str()) ?? []).map(String);
  r.end("SaslHandshake v1 response");
  return { correlationId, errorCode, mechanisms };
}

function readSaslAuthenticate(frame: Buffer): { correlationId: number; errorCode: number; errorMessage: string | null; sessionLifetimeMs: bigint } {
  const r = new Reader(frame);
  const correlationId = r.i32();
  const errorCode = r.i16();
  const errorMessage = r.str();
  r.bytes();
  const sessionLifetimeMs = r.i64();
  r.end("SaslAuthenticate v1 response");
  return { correlationId, errorCode, errorMessage, sessionLifetimeMs };
}

/** A raw connection authenticated with PLAIN (SaslHandshake v1, SaslAuthenticate v1). */
async function rawPlain(l: Listener, user: string, password = PASSWORD[user]): Promise<FrameConnection> {
  const c = await rawConnect(l);
  const hs = readSaslHandshake(await ask(c, saslHandshakeRequest(1, "PLAIN"), "SaslHandshake"));
  assert.equal(hs.errorCode, NONE, `SaslHandshake PLAIN: error ${hs.errorCode}`);
  const au = readSaslAuthenticate(await ask(c, saslAuthenticateRequest(2, plainToken(user, password)), "SaslAuthenticate"));
  assert.equal(au.errorCode, NONE, `SaslAuthenticate as ${user}: error ${au.errorCode} ${au.errorMessage}`);
  return c;
}

/** A raw Produce v7 of one record per topic entry, acks -1. */
function rawProduce(corr: number, records: readonly SentRecord[]): Buffer {
  return produceRequest(7, corr, { acks: -1, topics: records.map((r) => ({ name: r.topic, partitions: [{ index: r.partition ?? 0,
    records: recordBatch([{ key: r.key, value: r.value, headers: r.headers }], { baseTimestamp: r.timestamp ?? Date.now() }) }] })) });
}

// --- setup ------------------------------------------------------------------------------------

let workDir = "";

before(async () => {
  for (const [name, c] of Object.entries(ports.clusters)) {
    const ready = await fetch(`http://${c.bridge}/ready`, { signal: AbortSignal.timeout(3000) }).then((r) => r.status, () => 0);
    assert.equal(ready, 200, `the stack's bridge of ${name} (${c.bridge}) is not ready: make up first`);
    admins[name] = new Kafka({ clientId: `e2e-security-${RUN}`, brokers: [c.kafka], logLevel: logLevel.NOTHING }).admin();
    await admins[name].connect();
  }
  startEnds = await clusterEnds();
  workDir = mkdtempSync(join(tmpdir(), "kafka-mesh-security-"));
  await Promise.all(LISTENERS.map((l) => startEnvoy(l, workDir)));
});

after(async () => {
  for (const l of LISTENERS) await l.component?.stop().catch((e: unknown) => console.error(`stopping ${l.name}: ${String(e)}`));
  for (const a of Object.values(admins)) await a.disconnect().catch(() => {});
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// --- SASL: the right password ------------------------------------------------------------------

/** Who authenticates with each mechanism, and what they write (their ACLs allow it). */
const WRITER: Record<Mechanism, { user: string; topics: Array<[string, number?]> }> = {
  PLAIN: { user: "alice", topics: [["apples"], ["apricots"]] },
  "SCRAM-SHA-256": { user: "alice", topics: [["app-something"], ["analogue"]] },
  "SCRAM-SHA-512": { user: "bob", topics: [["bananas", 1], ["bananas"]] },
};

/** Records of the right-password runs, for the consumers that read them back through the mesh. */
const goodApples: LandedRecord[] = [];

test(`SASL_SSL and SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256, SCRAM-SHA-512: Kafka's Java client ${KAFKA_VERSION}, confluent-kafka and kafkajs produce, every record read back from its cluster`, async (t) => {
  const javaRuns: JavaCase[] = [];
  const confluentRuns: ConfluentCase[] = [];
  const kafkajsRuns: Array<{ name: string; l: Listener; a: Auth; records: SentRecord[] }> = [];
  for (const l of SASL_LISTENERS) {
    for (const m of MECHANISMS) {
      const w = WRITER[m];
      const records = (client: string) => w.topics.map(([topic, p]) => rec(topic, `${client}/${l.label}/${m}`, p));
      javaRuns.push({ name: `${l.label} ${m}`, op: "produce", bootstrap: l.bootstrap, props: javaProps(l, auth(m, w.user)), records: records("java") });
      confluentRuns.push({ name: `${l.label} ${m}`, bootstrap: l.bootstrap, conf: rdkafkaConf(l, auth(m, w.user)), records: records("confluent") });
      kafkajsRuns.push({ name: `${l.label} ${m}`, l, a: auth(m, w.user), records: records("kafkajs") });
    }
  }
  const [java, confluent, kjs] = await Promise.all([
    javaCases(javaRuns),
    confluentCases(confluentRuns),
    Promise.all(kafkajsRuns.map(async (k) => ({ name: k.name, ...(await kafkajsProduce(kafkajsConfig(k.l, k.a), k.records)) }))),
  ]);
  t.diagnostic(`confluent-kafka ${confluent.versions.join(" / librdkafka ")}`);
  const sent: SentRecord[] = [];
  const told: Told[] = [];
  const add = (client: string, name: string, s: readonly SentRecord[], tt: readonly ClientTold[]) => {
    assert.equal(tt.length, s.length, `${client} ${name}: ${tt.length} answers for ${s.length} records`);
    tt.forEach((x, i) => assert.ok(!failed(x), `${client} ${name}: record ${i} (${s[i].topic}) failed: ${x.error}`));
    sent.push(...s);
    told.push(...tt.map(asTold));
  };
  for (const c of javaRuns) add("Java", c.name, c.records ?? [], java[c.name].told);
  for (const c of confluentRuns) add("confluent-kafka", c.name, c.records, confluent.results[c.name].told);
  for (const k of kafkajsRuns) {
    const r = kjs.find((x) => x.name === k.name);
    assert.ok(r && r.error === undefined, `kafkajs ${k.name}: ${String(r?.error)}`);
    add("kafkajs", k.name, k.records, r.told);
  }
  const records = await landed(sent, told);
  goodApples.push(...records.filter((r) => r.topic === "apples"));
  t.diagnostic(`${sent.length} records from ${javaRuns.length + confluentRuns.length + kafkajsRuns.length} producers, each at its told offset in ${[...new Set(records.map((r) => r.cluster))].sort().join(", ")}`);
});

// --- SASL: refused -----------------------------------------------------------------------------

interface Refusal {
  name: string;
  l: Listener;
  a: Auth;
  kind: "wrong password" | "unknown user" | "mechanism not offered";
}
const REFUSALS: Refusal[] = SASL_LISTENERS.flatMap((l) => [
  ...MECHANISMS.map((m): Refusal => ({ name: `${l.label} ${m} wrong password`, l, a: auth(m, m === "SCRAM-SHA-512" ? "bob" : "alice", "not-the-password"), kind: "wrong password" })),
  ...MECHANISMS.map((m): Refusal => ({ name: `${l.label} ${m} unknown user`, l, a: auth(m, "mallory", "mallory-secret"), kind: "unknown user" })),
  { name: `${l.label} OAUTHBEARER`, l, a: auth("OAUTHBEARER", "alice"), kind: "mechanism not offered" },
]);

test("SASL refused (wrong password, unknown user, OAUTHBEARER not offered) on both SASL listeners: Java, confluent-kafka and kafkajs report the authentication error, write nothing, and Envoy counts every failure", async (t) => {
  const before = await Promise.all(SASL_LISTENERS.map((l) => stat(l, "wasmcustom.kafka_mesh.sasl.authentication_failures")));
  const topicOf = (a: Auth) => (a.user === "bob" ? "bananas" : a.user === "alice" ? "apples" : "apricots");
  const ids: string[] = [];
  const recsFor = (client: string, r: Refusal) => {
    const x = rec(topicOf(r.a), `${client}/${r.name}`);
    forbidden.add(x.id);
    ids.push(x.id);
    return [x];
  };
  const [java, confluent, kjs] = await Promise.all([
    // max.block.ms bounds a Java producer that would get no answer and retry.
    javaCases(REFUSALS.map((r) => ({ name: r.name, op: "produce", bootstrap: r.l.bootstrap, props: { ...javaProps(r.l, r.a), "max.block.ms": "5000" }, records: recsFor("java", r) }))),
    confluentCases(REFUSALS.map((r) => ({ name: r.name, bootstrap: r.l.bootstrap, conf: { ...rdkafkaConf(r.l, r.a), "message.timeout.ms": "10000" },
      records: recsFor("confluent", r), expect_failure: true, ms: 10_000 }))),
    Promise.all(REFUSALS.map(async (r) => [r.name, await kafkajsProduce(kafkajsConfig(r.l, r.a, undefined, { retry: { retries: 0 } }), recsFor("kafkajs", r))] as const)),
  ]);
  const kafkajsErrors = Object.fromEntries(kjs);
  const wrong: string[] = [];
  for (const r of REFUSALS) {
    const offered = r.kind !== "mechanism not offered";
    // Kafka's Java client: the exception of the broker's answer, not a timeout after retries.
    const j = java[r.name].told;
    const jWant = offered ? "SaslAuthenticationException" : "UnsupportedSaslMechanismException";
    if (j.length !== 1 || !j[0].causes?.includes(jWant)) wrong.push(`Java ${r.name}: ${JSON.stringify(j)} (want ${jWant})`);
    // librdkafka: an _AUTHENTICATION error naming the failure or the offered mechanisms; the record not delivered.
    const c = confluent.results[r.name];
    const cOk = c.told.length === 1 && failed(c.told[0]) && c.errors.some((e) => e.code === "_AUTHENTICATION" && (offered
      ? /SASL authentication error: Authentication failed/.test(e.str)
      : /supported mechanisms: PLAIN,SCRAM-SHA-256,SCRAM-SHA-512/.test(e.str)));
    if (!cOk) wrong.push(`confluent-kafka ${r.name}: ${JSON.stringify(c.told)} ${JSON.stringify(c.errors.find((e) => /SASL|mechanism/.test(e.str)) ?? c.errors[0])}`);
    // kafkajs: KafkaJSSASLAuthenticationError with the broker's error (not a closed connection); the handshake's error code.
    const k = kafkajsErrors[r.name].error;
    const kMessage = k instanceof Error ? k.message : String(k);
    const kOk = offered
      ? field(k, "name") === "KafkaJSSASLAuthenticationError" && !/Closed connection/.test(kMessage)
      : (field(k, "type") ?? field(field(k, "cause"), "type")) === "UNSUPPORTED_SASL_MECHANISM";
    if (!kOk) wrong.push(`kafkajs ${r.name}: ${String(field(k, "name"))}: ${kMessage}`);
  }
  assert.deepEqual(wrong, [], "clients that did not report the broker's authentication error");
  const first = REFUSALS[0].name;
  t.diagnostic(`${first}: Java ${java[first].told[0].error}; confluent-kafka ${confluent.results[first].errors.find((e) => e.code === "_AUTHENTICATION")?.str}; ` +
    `kafkajs ${String(kafkajsErrors[first].error)}`);
  await assertNoneWritten(ids, "refused clients' records");
  const after = await Promise.all(SASL_LISTENERS.map((l) => stat(l, "wasmcustom.kafka_mesh.sasl.authentication_failures")));
  SASL_LISTENERS.forEach((l, i) => {
    const n = REFUSALS.filter((r) => r.l === l).length * 3;
    assert.ok(after[i] - before[i] >= n, `${l.label}: sasl.authentication_failures ${before[i]} -> ${after[i]}, expected at least +${n}`);
    t.diagnostic(`${l.label}: sasl.authentication_failures +${after[i] - before[i]} for ${n} refused clients`);
  });
});

// --- before authentication, raw -----------------------------------------------------------------

test("before authentication (raw sockets, both SASL listeners): Metadata or Produce first closes the connection unanswered; ApiVersions is answered and lists SaslHandshake (17) v0-1 and SaslAuthenticate (36) v0-2", async () => {
  for (const l of SASL_LISTENERS) {
    const m = await rawConnect(l);
    assert.deepEqual(await askExpectingClose(m, metadataRequest(9, 1, ["apples"]), `${l.label}: Metadata first`), [], `${l.label}: Metadata before authentication was answered`);

    const p = await rawConnect(l);
    const sneak = rec("apples", `raw/${l.label}/unauthenticated`);
    forbidden.add(sneak.id);
    assert.deepEqual(await askExpectingClose(p, rawProduce(1, [sneak]), `${l.label}: Produce first`), [], `${l.label}: Produce before authentication was answered`);

    const a = await rawConnect(l);
    const v = readApiVersionsResponse(await ask(a, apiVersionsRequest(3, 7), `${l.label}: ApiVersions`), 3);
    assert.equal(v.correlationId, 7);
    assert.equal(v.errorCode, NONE);
    assert.deepEqual(v.apis.filter((x) => x.apiKey === SASL_HANDSHAKE || x.apiKey === SASL_AUTHENTICATE),
      [{ apiKey: SASL_HANDSHAKE, minVersion: 0, maxVersion: 1 }, { apiKey: SASL_AUTHENTICATE, minVersion: 0, maxVersion: 2 }]);
    // Still not authenticated: the next Metadata closes it.
    assert.deepEqual(await askExpectingClose(a, metadataRequest(9, 8, ["apples"]), `${l.label}: Metadata after ApiVersions`), []);

    // The right password: handshake lists the mechanisms, the session lifetime is the config's.
    const ok = await rawConnect(l);
    const hs = readSaslHandshake(await ask(ok, saslHandshakeRequest(1, "PLAIN"), "SaslHandshake"));
    assert.deepEqual([hs.errorCode, hs.mechanisms], [NONE, ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]]);
    const au = readSaslAuthenticate(await ask(ok, saslAuthenticateRequest(2, plainToken("alice", "alice-secret")), "SaslAuthenticate"));
    assert.deepEqual([au.errorCode, au.sessionLifetimeMs], [NONE, 3_600_000n]);
    const md = readMetadataResponse(await ask(ok, metadataRequest(9, 3, ["apples"]), "Metadata after authentication"), 9);
    assert.deepEqual(md.topics.map((x) => [x.name, x.errorCode]), [["apples", NONE]]);
    for (const c of [m, p, a, ok]) c.sock.destroy();
  }
  await assertNoneWritten([...forbidden].filter((id) => id.includes("/raw/")), "Produce before authentication");
});

test("a failed exchange is answered before the close (raw): SaslAuthenticate with a wrong password -> SASL_AUTHENTICATION_FAILED; SaslHandshake OAUTHBEARER -> UNSUPPORTED_SASL_MECHANISM with the offered list",
  async () => {
    for (const l of SASL_LISTENERS) {
      const w = await rawConnect(l);
      assert.equal(readSaslHandshake(await ask(w, saslHandshakeRequest(1, "PLAIN"), "SaslHandshake")).errorCode, NONE);
      const got = await askExpectingClose(w, saslAuthenticateRequest(2, plainToken("alice", "wrong")), `${l.label}: SaslAuthenticate, wrong password`);
      assert.equal(got.length, 1, `${l.label}: the SaslAuthenticate failure was not answered before the close`);
      assert.equal(readSaslAuthenticate(got[0]).errorCode, SASL_AUTHENTICATION_FAILED);

      const o = await rawConnect(l);
      const got2 = await askExpectingClose(o, saslHandshakeRequest(1, "OAUTHBEARER"), `${l.label}: SaslHandshake OAUTHBEARER`);
      assert.equal(got2.length, 1, `${l.label}: the refused SaslHandshake was not answered before the close`);
      const hs = readSaslHandshake(got2[0]);
      assert.deepEqual([hs.errorCode, hs.mechanisms], [UNSUPPORTED_SASL_MECHANISM, ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]]);
    }
  });

// --- ACLs --------------------------------------------------------------------------------------

test("ACLs: bob is refused apples (TOPIC_AUTHORIZATION_FAILED) and the same client then writes bananas; Metadata of a denied topic; alice in group bob-x gets GROUP_AUTHORIZATION_FAILED; Java reads alice's records through the mesh", async (t) => {
  assert.ok(goodApples.length > 0, "the right-password test wrote no apples records to read");
  const aFrom = Math.min(...goodApples.map((r) => r.offset));
  const aTo = Math.max(...goodApples.map((r) => r.offset)) + 1;
  const deny = (client: string) => { const r = rec("apples", `${client}/bob-denied`); forbidden.add(r.id); return r; };
  const javaSent = [deny("java"), rec("bananas", "java/bob", 3)];
  const confluentSent = [deny("confluent"), rec("bananas", "confluent/bob", 4)];
  const kafkajsDenied = deny("kafkajs");
  const kafkajsSent = rec("bananas", "kafkajs/bob", 0);

  const [java, confluent, kjs] = await Promise.all([
    javaCases([
      { name: "bob produces", op: "produce", bootstrap: SASL_SSL.bootstrap, props: javaProps(SASL_SSL, auth("SCRAM-SHA-256", "bob")), records: javaSent },
      { name: "alice reads", op: "consume", bootstrap: SASL_SSL.bootstrap, props: javaProps(SASL_SSL, auth("SCRAM-SHA-512", "alice")),
        reads: [{ tp: "apples:0", from: aFrom, to: aTo }] },
      { name: "bob reads apples", op: "consume", bootstrap: SASL_PLAINTEXT.bootstrap, props: javaProps(SASL_PLAINTEXT, auth("PLAIN", "bob")),
        reads: [{ tp: "apples:0", from: aFrom, to: aTo }], ms: 15_000 },
      { name: "alice in bob-x", op: "group", bootstrap: SASL_PLAINTEXT.bootstrap,
        props: { ...javaProps(SASL_PLAINTEXT, auth("SCRAM-SHA-256", "alice")), "group.id": `bob-x-${RUN}` }, topics: ["apples"], ms: 15_000 },
    ]),
    confluentCases([{ name: "bob", bootstrap: SASL_PLAINTEXT.bootstrap, conf: rdkafkaConf(SASL_PLAINTEXT, auth("PLAIN", "bob")), records: confluentSent }]),
    (async () => {
      const kafka = new Kafka(kafkajsConfig(SASL_SSL, auth("SCRAM-SHA-512", "bob"), undefined, { retry: { retries: 1, initialRetryTime: 100 } }));
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      const admin = kafka.admin();
      try {
        await producer.connect();
        await admin.connect();
        const denied = await producer.send({ topic: "apples", acks: -1, messages: [{ key: kafkajsDenied.key, value: kafkajsDenied.value, headers: { "e2e-id": kafkajsDenied.id } }] })
          .then(() => null, (e: unknown) => e);
        const [meta] = await producer.send({ topic: "bananas", acks: -1, messages: [{ key: kafkajsSent.key, value: kafkajsSent.value, partition: 0,
          timestamp: String(kafkajsSent.timestamp), headers: { "e2e-id": kafkajsSent.id } }] });
        const metadata = await admin.fetchTopicMetadata({ topics: ["apples"] }).then(() => null, (e: unknown) => e);
        return { denied, told: { partition: meta.partition, offset: Number(meta.baseOffset) }, metadata };
      } finally {
        await producer.disconnect().catch(() => {});
        await admin.disconnect().catch(() => {});
      }
    })(),
  ]);

  // Kafka's Java client: one producer, apples refused, bananas written.
  const jp = java["bob produces"];
  assert.ok(jp.told[0].causes?.includes("TopicAuthorizationException"), `Java, bob to apples: ${jp.told[0].error}`);
  assert.ok(!failed(jp.told[1]), `Java, bob to bananas: ${jp.told[1].error}`);
  const jr = java["bob reads apples"];
  assert.ok(jr.causes.includes("TopicAuthorizationException"), `Java, bob reading apples: ${jr.error}`);
  assert.equal(jr.records.length, 0);
  const jg = java["alice in bob-x"];
  assert.ok(jg.causes.includes("GroupAuthorizationException"), `Java, alice in group bob-x: ${jg.error}`);
  // alice reads through the mesh what the cluster holds in that range.
  const ja = java["alice reads"];
  assert.equal(ja.error, undefined, `Java, alice reading apples: ${ja.error}`);
  const direct = await readRanges(CLUSTER_OF.apples, [{ topic: "apples", partition: 0, from: aFrom, to: aTo }]);
  assertSameRecords(ja.records, direct, `alice's Java consumer through ${SASL_SSL.label}`);
  assert.ok(goodApples.every((g) => ja.records.some((r) => r.offset === g.offset)), "alice's consumer missed a record of the right-password test");
  t.diagnostic(`alice's Java consumer read apples:0 ${aFrom}..${aTo - 1} through ${SASL_SSL.bootstrap}: ${ja.records.length} records, as the cluster holds them`);

  // confluent-kafka: apples refused, bananas written, one producer.
  const cr = confluent.results.bob;
  assert.match(cr.told[0].error ?? "", /TOPIC_AUTHORIZATION_FAILED/, `confluent-kafka, bob to apples: ${JSON.stringify(cr.told[0])}`);
  assert.ok(!failed(cr.told[1]), `confluent-kafka, bob to bananas: ${cr.told[1].error}`);

  // kafkajs: the same producer, after its refusal, writes bananas; Metadata of apples refused.
  const typeOf = (e: unknown) => field(e, "type") ?? field(field(e, "cause"), "type");
  assert.equal(typeOf(kjs.denied), "TOPIC_AUTHORIZATION_FAILED", `kafkajs, bob to apples: ${String(kjs.denied)}`);
  assert.equal(typeOf(kjs.metadata), "TOPIC_AUTHORIZATION_FAILED", `kafkajs admin, Metadata of apples as bob: ${String(kjs.metadata)}`);

  // Raw, one connection each: bob's Metadata and Produce for apples and bananas; alice's FindCoordinator.
  const bob = await rawPlain(SASL_SSL, "bob");
  const alice = await rawPlain(SASL_PLAINTEXT, "alice");
  const rawDenied = rec("apples", "raw/bob-denied");
  forbidden.add(rawDenied.id);
  const rawSent = [rec("bananas", "raw/bob", 2), rec("bananas", "raw/bob-again", 2)];
  let rawTold: Told[];
  try {
    const md = readMetadataResponse(await ask(bob, metadataRequest(9, 10, ["apples", "bananas"]), "Metadata as bob"), 9);
    assert.deepEqual(md.topics.map((x) => [x.name, x.errorCode]), [["apples", TOPIC_AUTHORIZATION_FAILED], ["bananas", NONE]]);
    const p1 = readProduceResponse(await ask(bob, rawProduce(11, [rawDenied, rawSent[0]]), "Produce apples + bananas as bob"), 7);
    const byTopic = Object.fromEntries(p1.topics.map((x) => [x.name, x.partitions[0]]));
    assert.equal(byTopic.apples.errorCode, TOPIC_AUTHORIZATION_FAILED);
    assert.equal(byTopic.bananas.errorCode, NONE);
    const p2 = readProduceResponse(await ask(bob, rawProduce(12, [rawSent[1]]), "Produce bananas again as bob"), 7);
    assert.equal(p2.topics[0].partitions[0].errorCode, NONE);
    rawTold = [{ partition: 2, offset: Number(byTopic.bananas.baseOffset) }, { partition: 2, offset: Number(p2.topics[0].partitions[0].baseOffset) }];
    const fc = (group: string, corr: number) => ask(alice, findCoordinatorRequest(3, corr, { key: group, keyType: 0 }), `FindCoordinator ${group} as alice`)
      .then((f) => num(readFindCoordinatorResponse(f, 3).errorCode));
    assert.equal(await fc(`bob-x-${RUN}`, 20), GROUP_AUTHORIZATION_FAILED);
    assert.equal(await fc(`alice-x-${RUN}`, 21), NONE);
  } finally {
    bob.sock.destroy();
    alice.sock.destroy();
  }

  await landed([javaSent[1], confluentSent[1], kafkajsSent, ...rawSent], [asTold(jp.told[1]), asTold(cr.told[1]), kjs.told, ...rawTold]);
  await assertNoneWritten([javaSent[0].id, confluentSent[0].id, kafkajsDenied.id, rawDenied.id], "bob's apples records");
});

// --- mTLS --------------------------------------------------------------------------------------

/** Connects with TLS (optionally a client certificate), sends ApiVersions once secured, waits for the close or an answer. */
async function tlsAttempt(l: Listener, cert: string | null): Promise<{ secured: boolean; answered: boolean; error: string }> {
  const sock = tls.connect({ host: HOST, port: l.port, ca: [pem(TLS_FILES.ca)], ...(cert ? { cert: pem(TLS_FILES.clientCert(cert)), key: pem(TLS_FILES.clientKey(cert)) } : {}) });
  let secured = false;
  let answered = false;
  let error = "";
  sock.on("secureConnect", () => { secured = true; sock.write(apiVersionsRequest(0, 1)); });
  sock.on("data", () => { answered = true; });
  sock.on("error", (e: NodeJS.ErrnoException) => { error ||= `${e.code ?? ""} ${e.message}`; });
  await new Promise<void>((resolve) => {
    sock.on("close", () => resolve());
    sock.setTimeout(15_000, () => { error ||= "no close within 15 s"; sock.destroy(); });
  });
  return { secured, answered, error };
}

test("mTLS listener (client certificate required, principal from its CN): alice's certificate writes app*; bob's is refused apples and writes bananas; mallory's (untrusted CA) and none are refused by Envoy's TLS handshake", async (t) => {
  const stats0 = await envoyStats(MTLS, "ssl\\.(fail_verify_error|fail_verify_no_cert|handshake)$");
  const aliceJava = [rec("apples", "java/mtls/alice"), rec("app-something", "java/mtls/alice")];
  const bobJava = [rec("apples", "java/mtls/bob-denied"), rec("bananas", "java/mtls/bob", 1)];
  forbidden.add(bobJava[0].id);
  const malloryJava = [rec("apples", "java/mtls/mallory")];
  const noCertJava = [rec("apples", "java/mtls/no-cert")];
  [...malloryJava, ...noCertJava].forEach((r) => forbidden.add(r.id));
  const bobConfluent = [rec("apples", "confluent/mtls/bob-denied"), rec("bananas", "confluent/mtls/bob", 4)];
  forbidden.add(bobConfluent[0].id);
  const aliceKafkajs = [rec("apricots", "kafkajs/mtls/alice")];
  const malloryKafkajs = [rec("apples", "kafkajs/mtls/mallory")];
  forbidden.add(malloryKafkajs[0].id);

  const fast = { "max.block.ms": "5000" };
  const [java, confluent, kAlice, kMallory, mallory, none] = await Promise.all([
    javaCases([
      { name: "alice", op: "produce", bootstrap: MTLS.bootstrap, props: javaProps(MTLS, null, "alice"), records: aliceJava },
      { name: "bob", op: "produce", bootstrap: MTLS.bootstrap, props: javaProps(MTLS, null, "bob"), records: bobJava },
      { name: "mallory", op: "produce", bootstrap: MTLS.bootstrap, props: { ...javaProps(MTLS, null, "mallory"), ...fast }, records: malloryJava },
      { name: "no certificate", op: "produce", bootstrap: MTLS.bootstrap, props: { ...javaProps(MTLS, null), ...fast }, records: noCertJava },
    ]),
    confluentCases([{ name: "bob", bootstrap: MTLS.bootstrap, conf: rdkafkaConf(MTLS, null, "bob"), records: bobConfluent }]),
    kafkajsProduce(kafkajsConfig(MTLS, null, "alice"), aliceKafkajs),
    kafkajsProduce(kafkajsConfig(MTLS, null, "mallory", { retry: { retries: 0 } }), malloryKafkajs),
    tlsAttempt(MTLS, "mallory"),
    tlsAttempt(MTLS, null),
  ]);
  for (const [i, x] of java.alice.told.entries()) assert.ok(!failed(x), `Java with alice's certificate, ${aliceJava[i].topic}: ${x.error}`);
  assert.ok(java.bob.told[0].causes?.includes("TopicAuthorizationException"), `Java with bob's certificate, apples: ${java.bob.told[0].error}`);
  assert.ok(!failed(java.bob.told[1]), `Java with bob's certificate, bananas: ${java.bob.told[1].error}`);
  assert.ok(java.mallory.told[0].causes?.includes("SslAuthenticationException"), `Java with mallory's certificate: ${java.mallory.told[0].error}`);
  assert.ok(java["no certificate"].told[0].causes?.includes("SslAuthenticationException"), `Java without a certificate: ${java["no certificate"].told[0].error}`);
  const cb = confluent.results.bob;
  assert.match(cb.told[0].error ?? "", /TOPIC_AUTHORIZATION_FAILED/, `confluent-kafka with bob's certificate, apples: ${JSON.stringify(cb.told[0])}`);
  assert.ok(!failed(cb.told[1]), `confluent-kafka with bob's certificate, bananas: ${cb.told[1].error}`);
  assert.ok(kAlice.error === undefined && !failed(kAlice.told[0]), `kafkajs with alice's certificate: ${String(kAlice.error ?? kAlice.told[0].error)}`);
  assert.ok(kMallory.error !== undefined, "kafkajs with mallory's certificate connected");
  // Raw TLS: the handshake fails with the server's alert, and no Kafka answer comes.
  assert.ok(!mallory.answered && /UNKNOWN_CA|unknown ca/i.test(mallory.error), `mallory's certificate: ${JSON.stringify(mallory)}`);
  assert.ok(!none.answered && /CERTIFICATE_REQUIRED|certificate required|HANDSHAKE_FAILURE/i.test(none.error), `no certificate: ${JSON.stringify(none)}`);
  t.diagnostic(`raw TLS with mallory's certificate: ${mallory.error.trim()}; without one: ${none.error.trim()}`);

  const stats1 = await envoyStats(MTLS, "ssl\\.(fail_verify_error|fail_verify_no_cert|handshake)$");
  const delta = (suffix: string) => [...stats1].filter(([k]) => k.endsWith(suffix)).reduce((s, [k, v]) => s + v - (stats0.get(k) ?? 0), 0);
  // A client whose certificate is not from a CA the server names may send none (Java does):
  // mallory's attempts count as a failed verification or as no certificate.
  const [verifyError, noCert] = [delta("ssl.fail_verify_error"), delta("ssl.fail_verify_no_cert")];
  t.diagnostic(`${MTLS.label}: ssl.fail_verify_error +${verifyError}, ssl.fail_verify_no_cert +${noCert}`);
  assert.ok(verifyError >= 1, `ssl.fail_verify_error +${verifyError} (mallory's certificate, raw)`);
  assert.ok(verifyError + noCert >= 5, `ssl.fail_verify_error +${verifyError}, ssl.fail_verify_no_cert +${noCert}: fewer than the 5 refused clients`);

  await landed([...aliceJava, bobJava[1], bobConfluent[1], ...aliceKafkajs],
    [...java.alice.told.map(asTold), asTold(java.bob.told[1]), asTold(cb.told[1]), asTold(kAlice.told[0])]);
  await assertNoneWritten([bobJava[0].id, bobConfluent[0].id, malloryJava[0].id, noCertJava[0].id, malloryKafkajs[0].id], "refused mTLS clients' records");
  assert.ok((await stat(MTLS, "wasmcustom.kafka_mesh.principal.alice.requests")) > 0, "no requests counted for the principal alice (CN) on the mTLS listener");
  assert.ok((await stat(MTLS, "wasmcustom.kafka_mesh.principal.bob.denied")) >= 2, "bob's denials not counted on the mTLS listener");
});

/** Waits until Envoy's log of `l` has a line matching `re` (Envoy writes its log asynchronously). */
async function logLine(l: Listener, re: RegExp, what: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const line = envoyLog(l).split("\n").find((x) => re.test(x));
    if (line !== undefined) return line;
    assert.ok(Date.now() < deadline, `${l.label}: no log line ${what} (${re}) within 15 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// --- kcat --------------------------------------------------------------------------------------

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** kcat run from the project root with one line on stdin; never rejects: exit code, output and the command as typed. */
async function kcat(args: string[], line: string): Promise<{ code: number; stdout: string; stderr: string; command: string }> {
  const command = `echo ${shellQuote(line)} | kcat ${args.map(shellQuote).join(" ")}`;
  try {
    const { stdout, stderr } = await run("kcat", args, { input: `${line}\n`, timeoutMs: 60_000 });
    return { code: 0, stdout, stderr, command };
  } catch (e) {
    const m = /exited (\S+)/.exec(e instanceof Error ? e.message : "");
    return { code: Number(m?.[1] ?? -1), stdout: "", stderr: e instanceof Error ? e.message.split("\n").slice(1).join("\n") : String(e), command };
  }
}

test("kcat (Debian, librdkafka 2.0.2) over SASL_SSL: PLAIN writes and reads back through the mesh, a wrong password is refused; its SCRAM is refused (it repeats the client nonce)", async (t) => {
  t.diagnostic(`kcat ${await kcatVersion()}`);
  const base = (mechanism: string, user: string, password: string) => ["-b", SASL_SSL.bootstrap, "-X", "security.protocol=SASL_SSL",
    "-X", `ssl.ca.location=${join(TLS_DIR, TLS_FILES.ca).replace(`${ROOT}/`, "")}`, "-X", `sasl.mechanisms=${mechanism}`, "-X", `sasl.username=${user}`, "-X", `sasl.password=${password}`];
  const produce = ["-P", "-t", "apples", "-K", ":", "-vv"];
  // A kcat record carries its id as key and value (no headers: -H would give every record the same).
  const kcatRec = (tag: string): SentRecord => { const r = rec("apples", tag); return { ...r, key: Buffer.from(r.id), value: Buffer.from(r.id), headers: [], timestamp: null }; };
  const line = (r: SentRecord) => `${r.id}:${r.id}`;

  const good = kcatRec("kcat/plain");
  const t0 = Date.now();
  const ok = await kcat([...base("PLAIN", "alice", "alice-secret"), ...produce], line(good));
  const t1 = Date.now();
  const bad = kcatRec("kcat/wrong-password");
  const scram = kcatRec("kcat/scram");
  forbidden.add(bad.id);
  forbidden.add(scram.id);
  const wrong = await kcat([...base("PLAIN", "alice", "wrong-password"), ...produce], line(bad));
  const scramRun = await kcat([...base("SCRAM-SHA-256", "alice", "alice-secret"), ...produce], line(scram));

  // For the issue note: both runs as typed from the project root, with what kcat printed.
  console.log(`\nkcat over SASL_SSL, PLAIN, the right password (exit ${ok.code}):\n$ ${ok.command}\n${ok.stderr.trim()}`);
  console.log(`\nkcat over SASL_SSL, PLAIN, a wrong password (exit ${wrong.code}):\n$ ${wrong.command}\n${wrong.stderr.trim()}\n`);

  assert.equal(ok.code, 0, `kcat PLAIN: ${ok.stderr}`);
  const told = [...ok.stderr.matchAll(/Message delivered to partition (\d+) \(offset (-?\d+)\)/g)].map((m): Told => ({ partition: Number(m[1]), offset: Number(m[2]) }));
  assert.equal(told.length, 1, `kcat PLAIN delivery reports:\n${ok.stderr}`);
  const { records } = await assertLanded([good], told, { sentBetween: [t0 - 1000, t1 + 1000] });
  expected.set(good.id, { cluster: records[0].cluster, topic: "apples", partition: records[0].partition, offset: records[0].offset });

  // Read back through the mesh with kcat too (Fetch, through the bridge).
  const read = await run("kcat", [...base("PLAIN", "alice", "alice-secret"), "-C", "-t", "apples", "-p", "0", "-o", String(told[0].offset), "-c", "1", "-e", "-f", "%o %k\\n"],
    { timeoutMs: 60_000 });
  assert.equal(read.stdout.trim(), `${told[0].offset} ${good.id}`, `kcat -C through the mesh:\n${read.stderr}`);

  assert.notEqual(wrong.code, 0, "kcat with a wrong password succeeded");
  assert.match(wrong.stderr, /SASL authentication error|Authentication failed/, `kcat with a wrong password: ${wrong.stderr}`);
  assert.notEqual(scramRun.code, 0, "kcat SCRAM-SHA-256 succeeded (librdkafka 2.0.2 repeats the client nonce)");
  assert.match(scramRun.stderr, /SASL authentication error|Authentication failed/, `kcat SCRAM: ${scramRun.stderr}`);
  await logLine(SASL_SSL, /event=authentication_failed principal=User:alice mechanism=SCRAM-SHA-256 client=127\.0\.0\.1:\d+ reason="nonce does not match"/,
    "for kcat's SCRAM nonce");
  t.diagnostic(`kcat SCRAM-SHA-256: ${scramRun.stderr.split("\n").find((l) => /SASL authentication error/.test(l))?.trim() ?? scramRun.stderr.trim().split("\n").pop()}`);
  await assertNoneWritten([bad.id, scram.id], "refused kcat runs");
});

// --- stats and logs ----------------------------------------------------------------------------

test("Envoy's stats count requests per principal, authentication failures and denials; its log names principal and client address of a failed authentication and of a denied request", async (t) => {
  for (const l of SASL_LISTENERS) {
    const s = await envoyStats(l, "^wasmcustom\\.kafka_mesh\\.(principal|principals_other|sasl|acl)\\.");
    const get = (k: string) => s.get(`wasmcustom.kafka_mesh.${k}`) ?? 0;
    t.diagnostic(`${l.label}: ${[...s].map(([k, v]) => `${k.replace("wasmcustom.kafka_mesh.", "")}=${v}`).join(" ")}`);
    assert.ok(get("principal.alice.requests") > 0, `${l.label}: principal.alice.requests`);
    assert.ok(get("principal.alice.authentications") > 0, `${l.label}: principal.alice.authentications`);
    assert.ok(get("sasl.authentications") > 0, `${l.label}: sasl.authentications`);
    assert.ok(get("sasl.authentication_failures") >= REFUSALS.filter((r) => r.l === l).length * 3, `${l.label}: sasl.authentication_failures`);
    assert.ok(get("principal.alice.authentication_failures") > 0, `${l.label}: principal.alice.authentication_failures`);
    // Names that are not users (mallory) and refused mechanisms are counted together.
    assert.ok(get("principals_other.authentication_failures") > 0, `${l.label}: principals_other.authentication_failures`);
    assert.ok(get("acl.denied") >= 2, `${l.label}: acl.denied`);
    assert.ok(get("principal.bob.denied") >= 1, `${l.label}: principal.bob.denied`);
  }
  assert.ok((await stat(MTLS, "wasmcustom.kafka_mesh.acl.denied")) >= 2, `${MTLS.label}: acl.denied`);

  // One failed authentication and one denied request now, each on a connection of its own, so
  // their lines name these clients' ports (Envoy logs at most 10 such lines a second per worker).
  for (const l of SASL_LISTENERS) {
    const f = await rawConnect(l);
    const fport = f.sock.localPort;
    assert.equal(readSaslHandshake(await ask(f, saslHandshakeRequest(1, "PLAIN"), "SaslHandshake")).errorCode, NONE);
    await askExpectingClose(f, saslAuthenticateRequest(2, plainToken("alice", "not-the-password")), "SaslAuthenticate, wrong password");
    const failedLine = await logLine(l, new RegExp(`event=authentication_failed principal=User:alice mechanism=PLAIN client=127\\.0\\.0\\.1:${fport} reason="[^"]+"`),
      `for alice's wrong password from port ${fport}`);
    const b = await rawPlain(l, "bob");
    const bport = b.sock.localPort;
    const md = readMetadataResponse(await ask(b, metadataRequest(9, 5, ["apples"]), "Metadata apples as bob"), 9);
    assert.equal(md.topics[0].errorCode, TOPIC_AUTHORIZATION_FAILED);
    b.sock.destroy();
    const deniedLine = await logLine(l, new RegExp(`event=authorization_denied principal=User:bob client=127\\.0\\.0\\.1:${bport} api=Metadata operation=DESCRIBE resource=Topic:apples`),
      `for bob's Metadata of apples from port ${bport}`);
    t.diagnostic(`${l.label} log: ${failedLine.replace(/^.*?kafka_mesh: (?=event)/, "")} | ${deniedLine.replace(/^.*?kafka_mesh: (?=event)/, "")}`);
  }
  const m = await rawConnect(MTLS, "bob");
  const mport = m.sock.localPort;
  const md = readMetadataResponse(await ask(m, metadataRequest(9, 1, ["apples"]), "Metadata apples with bob's certificate"), 9);
  assert.equal(md.topics[0].errorCode, TOPIC_AUTHORIZATION_FAILED);
  m.sock.destroy();
  await logLine(MTLS, new RegExp(`event=authorization_denied principal=User:bob client=127\\.0\\.0\\.1:${mport} api=Metadata operation=DESCRIBE resource=Topic:apples`),
    `for bob's Metadata of apples from port ${mport}`);
});

test("the whole run, read straight from the clusters: every record written is one the suite expected, exactly once, where its client was told; none of the refused ones", async (t) => {
  const all = await writtenSinceStart();
  const seen = new Map<string, LandedRecord[]>();
  for (const r of all) {
    const id = runIdOf(r);
    if (id === null || !id.startsWith(`${RUN}/`)) continue;
    seen.set(id, [...(seen.get(id) ?? []), r]);
  }
  const problems: string[] = [];
  for (const [id, rs] of seen) {
    if (forbidden.has(id)) problems.push(`${id} was refused but is in ${rs.map((r) => `${r.cluster}/${r.topic}:${r.partition}@${r.offset}`).join(", ")}`);
    else if (!expected.has(id)) problems.push(`${id} is not a record the suite expected (${rs[0].cluster}/${rs[0].topic})`);
    else if (rs.length !== 1) problems.push(`${id} is there ${rs.length} times`);
    else {
      const e = expected.get(id)!;
      const r = rs[0];
      if (e.cluster !== r.cluster || e.topic !== r.topic || e.partition !== r.partition || e.offset !== r.offset) {
        problems.push(`${id} is at ${r.cluster}/${r.topic}:${r.partition}@${r.offset}, expected ${e.cluster}/${e.topic}:${e.partition}@${e.offset}`);
      }
    }
  }
  for (const id of expected.keys()) if (!seen.has(id)) problems.push(`${id} is missing`);
  assert.deepEqual(problems, []);
  t.diagnostic(`${seen.size} records of the run in the clusters, all expected; ${forbidden.size} refused ones in none`);
});
