// Security at the mesh (docs/security.md), driven through a Connection and MeshRequestDecoder
// with a session per connection: SASL PLAIN and SCRAM exchanges whose client messages and
// credentials were written by Kafka's own ScramSaslClient (tests/fixtures/auth/), the gating
// before authentication, closes after a failed exchange, KIP-368 expiry and re-authentication,
// and the ACL check of every handler with the error a broker answers.
import { KafkaError } from "../../assembly/kafka/errors";
import { ApiKey, responseHeaderVersion } from "../../assembly/kafka/messages/api_keys";
import { ApiVersionsRequest } from "../../assembly/kafka/messages/api_versions_request";
import { ApiVersionsResponse } from "../../assembly/kafka/messages/api_versions_response";
import { DescribeGroupsRequest } from "../../assembly/kafka/messages/describe_groups_request";
import { DescribedGroup, DescribeGroupsResponse } from "../../assembly/kafka/messages/describe_groups_response";
import { FetchPartition, FetchRequest, FetchTopic } from "../../assembly/kafka/messages/fetch_request";
import { FetchableTopicResponse, FetchResponse, PartitionData } from "../../assembly/kafka/messages/fetch_response";
import { FindCoordinatorRequest } from "../../assembly/kafka/messages/find_coordinator_request";
import { FindCoordinatorResponse } from "../../assembly/kafka/messages/find_coordinator_response";
import { HeartbeatRequest } from "../../assembly/kafka/messages/heartbeat_request";
import { HeartbeatResponse } from "../../assembly/kafka/messages/heartbeat_response";
import { InitProducerIdRequest } from "../../assembly/kafka/messages/init_producer_id_request";
import { InitProducerIdResponse } from "../../assembly/kafka/messages/init_producer_id_response";
import { JoinGroupRequest, JoinGroupRequestProtocol } from "../../assembly/kafka/messages/join_group_request";
import { JoinGroupResponse } from "../../assembly/kafka/messages/join_group_response";
import { ListGroupsRequest } from "../../assembly/kafka/messages/list_groups_request";
import { ListedGroup, ListGroupsResponse } from "../../assembly/kafka/messages/list_groups_response";
import { ListOffsetsPartition, ListOffsetsRequest, ListOffsetsTopic } from "../../assembly/kafka/messages/list_offsets_request";
import { ListOffsetsPartitionResponse, ListOffsetsResponse, ListOffsetsTopicResponse } from "../../assembly/kafka/messages/list_offsets_response";
import { MetadataRequest, MetadataRequestTopic } from "../../assembly/kafka/messages/metadata_request";
import { MetadataResponse } from "../../assembly/kafka/messages/metadata_response";
import { OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic } from "../../assembly/kafka/messages/offset_commit_request";
import { OffsetCommitResponse, OffsetCommitResponsePartition, OffsetCommitResponseTopic } from "../../assembly/kafka/messages/offset_commit_response";
import { OffsetFetchRequest, OffsetFetchRequestTopic } from "../../assembly/kafka/messages/offset_fetch_request";
import { OffsetFetchResponse, OffsetFetchResponsePartition, OffsetFetchResponseTopic } from "../../assembly/kafka/messages/offset_fetch_response";
import { PartitionProduceData, ProduceRequest, TopicProduceData } from "../../assembly/kafka/messages/produce_request";
import { ProduceResponse } from "../../assembly/kafka/messages/produce_response";
import { SaslAuthenticateRequest } from "../../assembly/kafka/messages/sasl_authenticate_request";
import { SaslAuthenticateResponse } from "../../assembly/kafka/messages/sasl_authenticate_response";
import { SaslHandshakeRequest } from "../../assembly/kafka/messages/sasl_handshake_request";
import { SaslHandshakeResponse } from "../../assembly/kafka/messages/sasl_handshake_response";
import { Reader, Writer } from "../../assembly/kafka/wire";
import { parseConfig } from "../../assembly/mesh/config";
import { Connection } from "../../assembly/mesh/connection";
import { MeshContext } from "../../assembly/mesh/context";
import { MeshMetrics } from "../../assembly/mesh/metrics";
import { InMemoryBlockSource } from "../../assembly/mesh/producer_state";
import { MeshRequestDecoder } from "../../assembly/mesh/request_decoder";
import { ANONYMOUS, loggable, MAX_UNAUTHENTICATED_FRAME_BYTES, RandomSource, SecurityEvents, Session } from "../../assembly/mesh/session";
import { LocalTopicIdStore, topicIdFor } from "../../assembly/mesh/topics";
import { CREDENTIAL_VECTORS, EXCHANGE_VECTORS, ExchangeVector } from "../fixtures/auth/scram_vectors";
import * as RDKAFKA from "../fixtures/produce/librdkafka_none";
import { C1, C2, ForwardStreams, Sent } from "./forward_harness";
import { bytes, hex, text } from "./helpers/auth";
import { hexToBytes, readProduceFrame } from "./helpers/produce_reader";
import { toBytes } from "./helpers/wire";
import { answer, beginRequest, endRequest, RecordingTransport } from "./mesh_harness";

// Kafka-written credentials: alice's SCRAM-SHA-256 and -512 ones are those of the exchanges
// Kafka's ScramSaslClient ran (so their client messages verify against them); bob's from
// ScramFormatter (SHA-256 8192 iterations, SHA-512 16384).
const ALICE_256: ExchangeVector = EXCHANGE_VECTORS[0];
const ALICE_512: ExchangeVector = EXCHANGE_VECTORS[1];
const ALICE_PASSWORD = "alice-secret";
const BOB_PASSWORD = CREDENTIAL_VECTORS[3].password;

function credential(salt: string, iterations: i32, storedKey: string, serverKey: string): string {
  return '{"salt": "' + salt + '", "iterations": ' + iterations.toString() + ', "stored_key": "' + storedKey + '", "server_key": "' + serverKey + '"}';
}

function usersJson(): string {
  const b256 = CREDENTIAL_VECTORS[3];
  const b512 = CREDENTIAL_VECTORS[4];
  return '[{"name": "alice", "scram_sha_256": ' + credential(ALICE_256.salt, ALICE_256.iterations, ALICE_256.storedKey, ALICE_256.serverKey) +
    ', "scram_sha_512": ' + credential(ALICE_512.salt, ALICE_512.iterations, ALICE_512.storedKey, ALICE_512.serverKey) + "}," +
    '{"name": "bob", "scram_sha_256": ' + credential(b256.salt, b256.iterations, b256.storedKey, b256.serverKey) +
    ', "scram_sha_512": ' + credential(b512.salt, b512.iterations, b512.storedKey, b512.serverKey) + "}]";
}

const SASL = '"sasl": {"mechanisms": ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"], "session_lifetime_ms": 60000, "users": ' + usersJson() + "}";

function acl(principal: string, permission: string, operation: string, type: string, pattern: string, name: string, host: string = "*"): string {
  return '{"principal": "' + principal + '", "host": "' + host + '", "permission": "' + permission + '", "operation": "' + operation +
    '", "resource_type": "' + type + '", "pattern_type": "' + pattern + '", "resource_name": "' + name + '"}';
}

/**
 * alice: WRITE on b* (but DENY WRITE on b-secret), READ on app*, DESCRIBE on apricots; READ on
 * groups g* (DENY READ on g-secret), DESCRIBE on billing-view. bob: DESCRIBE on every topic.
 */
function aliceAndBobAcls(principalAlice: string = "User:alice", principalBob: string = "User:bob"): string {
  return '"acls": [' + [
    acl(principalAlice, "ALLOW", "WRITE", "TOPIC", "PREFIXED", "b"),
    acl(principalAlice, "DENY", "WRITE", "TOPIC", "LITERAL", "b-secret"),
    acl(principalAlice, "ALLOW", "READ", "TOPIC", "PREFIXED", "app"),
    acl(principalAlice, "ALLOW", "DESCRIBE", "TOPIC", "LITERAL", "apricots"),
    acl(principalAlice, "ALLOW", "READ", "GROUP", "PREFIXED", "g"),
    acl(principalAlice, "DENY", "READ", "GROUP", "LITERAL", "g-secret"),
    acl(principalAlice, "ALLOW", "DESCRIBE", "GROUP", "LITERAL", "billing-view"),
    acl(principalBob, "ALLOW", "DESCRIBE", "TOPIC", "LITERAL", "*"),
  ].join(", ") + "]";
}

/** c1 and c2 native (app*, a*), c3 strimzi (b*); groups g* on c1, billing-* on c2. */
function meshConfig(security: string): string {
  return `{
  "advertised_host": "mesh.local", "advertised_port": 19092, "broker_id": 7,
  "upstream_clusters": [
    {"cluster_name": "c1", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b1", "authority": "127.0.0.1:8180", "dialect": "native"}},
    {"cluster_name": "c2", "partition_count": 1, "rest_bridge": {"envoy_cluster": "b2", "authority": "127.0.0.1:8181", "dialect": "native"}},
    {"cluster_name": "c3", "partition_count": 5, "rest_bridge": {"envoy_cluster": "b3", "authority": "127.0.0.1:8082"}}
  ],
  "forwarding_rules": [
    {"topic_prefix": "app", "target_cluster": "c1"},
    {"topic_prefix": "a", "target_cluster": "c2"},
    {"topic_prefix": "b", "target_cluster": "c3"}
  ],
  "group_rules": [
    {"group_prefix": "g", "target_cluster": "c1"},
    {"group_prefix": "billing-", "target_cluster": "c2"}
  ]` + (security.length > 0 ? ', "security": {' + security + "}" : "") + "}";
}

const SASL_ACLS = meshConfig(SASL + ", " + aliceAndBobAcls());

/** The mesh's clock (KIP-368 expiry) and the API names of the requests it read. */
class Clock extends MeshMetrics {
  now: i64 = 1000;
  requests: Array<string> = [];
  nowMillis(): i64 {
    return this.now;
  }
  request(apiName: string): void {
    this.requests.push(apiName);
  }
  read(apiName: string): i32 {
    let n = 0;
    for (let i = 0; i < this.requests.length; i++) if (this.requests[i] == apiName) n++;
    return n;
  }
}

/** Gives the fixture's server-nonce bytes, so the server-first message is the one Kafka's client saw. */
class FixedRandom extends RandomSource {
  calls: i32 = 0;
  fails: bool = false;
  constructor(public pattern: Uint8Array) {
    super();
  }
  fill(out: Uint8Array): bool {
    this.calls++;
    if (this.fails) return false;
    for (let i = 0; i < out.length; i++) out[i] = this.pattern[i % this.pattern.length];
    return true;
  }
}

/** Records what security reports. */
class RecordedEvents extends SecurityEvents {
  requestsBy: Map<string, i32> = new Map();
  authentications: Array<string> = [];
  failures: Array<string> = [];
  denials: Array<string> = [];

  request(principal: string): void {
    this.requestsBy.set(principal, this.requests(principal) + 1);
  }
  requests(principal: string): i32 {
    return this.requestsBy.has(principal) ? this.requestsBy.get(principal) : 0;
  }
  authenticated(principal: string, mechanism: string, client: string): void {
    this.authentications.push(principal + " " + mechanism + " " + client);
  }
  authenticationFailed(principal: string, mechanism: string, client: string, reason: string): void {
    this.failures.push(principal + "|" + mechanism + "|" + client);
  }
  denied(principal: string, client: string, api: string, operation: string, resource: string): void {
    this.denials.push(principal + " " + api + " " + operation + " " + resource);
  }
}

/** One mesh with in-memory upstreams, a settable clock, fixed SCRAM nonces and recorded events. */
class Env {
  streams: ForwardStreams = new ForwardStreams();
  http: RecordingTransport = new RecordingTransport();
  clock: Clock = new Clock();
  events: RecordedEvents = new RecordedEvents();
  random!: FixedRandom;
  mesh!: MeshContext;
  session: Session | null = null;

  constructor(config: string, nonce: Uint8Array = hex(ALICE_256.serverNonceRandom)) {
    const parsed = parseConfig(config);
    expect<string>(parsed.error).toBe("");
    this.random = new FixedRandom(nonce);
    this.mesh = new MeshContext(parsed.config!, new LocalTopicIdStore(), this.http, this.clock, new InMemoryBlockSource(), this.streams,
      this.random, this.events);
  }

  /** A connection from `client` (its IP `host`), with a verified client certificate's subject if any. */
  connect(client: string = "10.0.0.5:40001", host: string = "10.0.0.5", subject: string = ""): Connection {
    const session = new Session(this.mesh.security, client, host, subject);
    this.session = session;
    const config = this.mesh.config;
    return new Connection(new MeshRequestDecoder(this.mesh, session), config.maxFrameBytes, config.maxInflightRequests, this.clock);
  }
}

// ---- request frames ----

function plainToken(authzid: string, user: string, password: string): Uint8Array {
  const a = bytes(authzid);
  const u = bytes(user);
  const p = bytes(password);
  const out = new Uint8Array(a.length + u.length + p.length + 2);
  out.set(a, 0);
  out.set(u, a.length + 1);
  out.set(p, a.length + u.length + 2);
  return out;
}

function handshake(w: Writer, version: i16, correlationId: i32, mechanism: string): void {
  const start = beginRequest(w, ApiKey.SaslHandshake, version, correlationId);
  const req = new SaslHandshakeRequest();
  req.mechanism = mechanism;
  req.encode(w, version);
  endRequest(w, start);
}

function authenticate(w: Writer, version: i16, correlationId: i32, token: Uint8Array): void {
  const start = beginRequest(w, ApiKey.SaslAuthenticate, version, correlationId);
  const req = new SaslAuthenticateRequest();
  req.authBytes = token;
  req.encode(w, version);
  endRequest(w, start);
}

/** A raw SASL token after a v0 handshake: size-prefixed, no Kafka header. */
function raw(w: Writer, token: Uint8Array): void {
  w.int32(token.length);
  w.bytes(token);
}

function apiVersions(w: Writer, correlationId: i32): void {
  const start = beginRequest(w, ApiKey.ApiVersions, 3, correlationId);
  const req = new ApiVersionsRequest();
  req.clientSoftwareName = "unit";
  req.clientSoftwareVersion = "1";
  req.encode(w, 3);
  endRequest(w, start);
}

function metadata(w: Writer, correlationId: i32, topics: Array<string> | null, version: i16 = 12): void {
  const start = beginRequest(w, ApiKey.Metadata, version, correlationId);
  const req = new MetadataRequest();
  if (topics === null) req.topics = null;
  else {
    const list = new Array<MetadataRequestTopic>();
    for (let i = 0; i < topics.length; i++) {
      const t = new MetadataRequestTopic();
      t.name = topics[i];
      list.push(t);
    }
    req.topics = list;
  }
  req.allowAutoTopicCreation = false;
  req.encode(w, version);
  endRequest(w, start);
}

const OFFSETS_100 = '{"offsets":[{"partition":2,"offset":100},{"partition":2,"offset":101},{"partition":2,"offset":102},{"partition":2,"offset":103},{"partition":2,"offset":104}]}';

function capturedRecords(): Uint8Array {
  return readProduceFrame(hexToBytes(RDKAFKA.FRAMES[0])).topics[0].partitions[0].records!;
}

/** A Produce v9 (acks -1) of the captured batch to partition 2 of each topic. */
function produce(w: Writer, correlationId: i32, topics: Array<string>): void {
  const start = beginRequest(w, ApiKey.Produce, 9, correlationId);
  const req = new ProduceRequest();
  req.acks = -1;
  req.timeoutMs = 30000;
  for (let i = 0; i < topics.length; i++) {
    const t = new TopicProduceData();
    t.name = topics[i];
    const p = new PartitionProduceData();
    p.index = 2;
    p.records = capturedRecords();
    t.partitionData.push(p);
    req.topicData.push(t);
  }
  req.encode(w, 9);
  endRequest(w, start);
}

function initProducerId(w: Writer, correlationId: i32): void {
  const start = beginRequest(w, ApiKey.InitProducerId, 4, correlationId);
  const req = new InitProducerIdRequest();
  req.transactionalId = null;
  req.transactionTimeoutMs = 60000;
  req.encode(w, 4);
  endRequest(w, start);
}

function fetch(w: Writer, correlationId: i32, topics: Array<string>, version: i16 = 12): void {
  const start = beginRequest(w, ApiKey.Fetch, version, correlationId);
  const req = new FetchRequest();
  req.replicaId = -1;
  req.maxWaitMs = 500;
  req.minBytes = 1;
  req.maxBytes = 1 << 20;
  req.sessionEpoch = -1;
  for (let i = 0; i < topics.length; i++) {
    const t = new FetchTopic();
    t.topic = topics[i];
    t.topicId = topicIdFor(topics[i]);
    const p = new FetchPartition();
    p.partition = 0;
    p.fetchOffset = 5;
    p.partitionMaxBytes = 1 << 20;
    t.partitions.push(p);
    req.topics.push(t);
  }
  req.encode(w, version);
  endRequest(w, start);
}

function listOffsets(w: Writer, correlationId: i32, topics: Array<string>): void {
  const start = beginRequest(w, ApiKey.ListOffsets, 7, correlationId);
  const req = new ListOffsetsRequest();
  req.replicaId = -1;
  for (let i = 0; i < topics.length; i++) {
    const t = new ListOffsetsTopic();
    t.name = topics[i];
    const p = new ListOffsetsPartition();
    p.partitionIndex = 0;
    p.timestamp = -1;
    t.partitions.push(p);
    req.topics.push(t);
  }
  req.encode(w, 7);
  endRequest(w, start);
}

function findCoordinator(w: Writer, correlationId: i32, keys: Array<string>): void {
  const start = beginRequest(w, ApiKey.FindCoordinator, 4, correlationId);
  const req = new FindCoordinatorRequest();
  req.keyType = 0;
  req.coordinatorKeys = keys;
  req.encode(w, 4);
  endRequest(w, start);
}

function joinGroup(w: Writer, correlationId: i32, groupId: string): void {
  const req = new JoinGroupRequest();
  req.groupId = groupId;
  req.sessionTimeoutMs = 45000;
  req.rebalanceTimeoutMs = 60000;
  req.memberId = "";
  req.protocolType = "consumer";
  const p = new JoinGroupRequestProtocol();
  p.name = "range";
  p.metadata = bytes("meta");
  req.protocols.push(p);
  const start = beginRequest(w, ApiKey.JoinGroup, 7, correlationId);
  req.encode(w, 7);
  endRequest(w, start);
}

function heartbeat(w: Writer, correlationId: i32, groupId: string): void {
  const req = new HeartbeatRequest();
  req.groupId = groupId;
  req.generationId = 3;
  req.memberId = "m-1";
  const start = beginRequest(w, ApiKey.Heartbeat, 4, correlationId);
  req.encode(w, 4);
  endRequest(w, start);
}

function describeGroups(w: Writer, correlationId: i32, groups: Array<string>): void {
  const req = new DescribeGroupsRequest();
  req.groups = groups;
  const start = beginRequest(w, ApiKey.DescribeGroups, 5, correlationId);
  req.encode(w, 5);
  endRequest(w, start);
}

function listGroups(w: Writer, correlationId: i32): void {
  const start = beginRequest(w, ApiKey.ListGroups, 4, correlationId);
  new ListGroupsRequest().encode(w, 4);
  endRequest(w, start);
}

function commitTopic(name: string): OffsetCommitRequestTopic {
  const t = new OffsetCommitRequestTopic();
  t.name = name;
  const p = new OffsetCommitRequestPartition();
  p.partitionIndex = 0;
  p.committedOffset = 42;
  t.partitions.push(p);
  return t;
}

function offsetCommit(w: Writer, correlationId: i32, groupId: string, topics: Array<string>): void {
  const req = new OffsetCommitRequest();
  req.groupId = groupId;
  req.generationIdOrMemberEpoch = -1;
  req.memberId = "";
  for (let i = 0; i < topics.length; i++) req.topics.push(commitTopic(topics[i]));
  const start = beginRequest(w, ApiKey.OffsetCommit, 8, correlationId);
  req.encode(w, 8);
  endRequest(w, start);
}

function offsetFetch(w: Writer, correlationId: i32, groupId: string, topics: Array<string> | null): void {
  const req = new OffsetFetchRequest();
  req.groupId = groupId;
  if (topics === null) req.topics = null;
  else {
    const list = new Array<OffsetFetchRequestTopic>();
    for (let i = 0; i < topics.length; i++) {
      const t = new OffsetFetchRequestTopic();
      t.name = topics[i];
      t.partitionIndexes = [0];
      list.push(t);
    }
    req.topics = list;
  }
  const start = beginRequest(w, ApiKey.OffsetFetch, 7, correlationId);
  req.encode(w, 7);
  endRequest(w, start);
}

// ---- answers ----

/** The answer frames of one takeAnswers, size prefixes removed. */
function frames(out: Uint8Array | null): Array<Uint8Array> {
  const list = new Array<Uint8Array>();
  if (out === null) return list;
  const r = new Reader(out!);
  while (r.remaining() > 0) {
    const size = r.int32();
    expect<bool>(size >= 0 && size <= r.remaining()).toBe(true, "answer frame size");
    list.push(out!.slice(r.pos, r.pos + size));
    r.skip(size);
  }
  return list;
}

/** The body of an answer frame of apiKey at version, after checking its correlation id. */
function body(frame: Uint8Array, apiKey: i16, version: i16, correlationId: i32): Reader {
  const r = new Reader(frame);
  expect<i32>(r.int32()).toBe(correlationId, "correlation id");
  if (responseHeaderVersion(apiKey, version) >= 1) r.skipTaggedFields();
  return new Reader(frame, r.pos, frame.length);
}

function handshakeAnswer(frame: Uint8Array, version: i16, correlationId: i32): SaslHandshakeResponse {
  const r = body(frame, ApiKey.SaslHandshake, version, correlationId);
  const resp = SaslHandshakeResponse.decode(r, version);
  expect<bool>(r.failed).toBe(false);
  expect<i32>(r.remaining()).toBe(0);
  return resp;
}

function authenticateAnswer(frame: Uint8Array, version: i16, correlationId: i32): SaslAuthenticateResponse {
  const r = body(frame, ApiKey.SaslAuthenticate, version, correlationId);
  const resp = SaslAuthenticateResponse.decode(r, version);
  expect<bool>(r.failed).toBe(false);
  expect<i32>(r.remaining()).toBe(0);
  return resp;
}

function metadataAnswer(frame: Uint8Array, correlationId: i32, version: i16 = 12): MetadataResponse {
  const r = body(frame, ApiKey.Metadata, version, correlationId);
  const resp = MetadataResponse.decode(r, version);
  expect<bool>(r.failed).toBe(false);
  return resp;
}

function produceAnswer(frame: Uint8Array, correlationId: i32): ProduceResponse {
  const r = body(frame, ApiKey.Produce, 9, correlationId);
  const resp = ProduceResponse.decode(r, 9);
  expect<bool>(r.failed).toBe(false);
  return resp;
}

function sameBytes(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

/** Authenticates c with PLAIN over a v1 handshake and SaslAuthenticate v2; returns the SaslAuthenticate answer. */
function plainLogin(c: Connection, user: string, password: string, correlationId: i32 = 1): SaslAuthenticateResponse {
  const w = new Writer();
  handshake(w, 1, correlationId, "PLAIN");
  authenticate(w, 2, correlationId + 1, plainToken("", user, password));
  c.onData(toBytes(w));
  const a = frames(c.takeAnswers());
  expect<i32>(a.length).toBe(2);
  expect<i16>(handshakeAnswer(a[0], 1, correlationId).errorCode).toBe(KafkaError.NONE);
  return authenticateAnswer(a[1], 2, correlationId + 1);
}

function loggedIn(env: Env, user: string, password: string): Connection {
  const c = env.connect();
  const resp = plainLogin(c, user, password);
  expect<i16>(resp.errorCode).toBe(KafkaError.NONE);
  expect<string>(env.session!.principal).toBe("User:" + user);
  return c;
}

function send(c: Connection, w: Writer): Array<Uint8Array> {
  c.onData(toBytes(w));
  return frames(c.takeAnswers());
}

function hasApi(resp: ApiVersionsResponse, apiKey: i16, min: i16, max: i16): bool {
  for (let i = 0; i < resp.apiKeys.length; i++) {
    const k = resp.apiKeys[i];
    if (k.apiKey == apiKey) return k.minVersion == min && k.maxVersion == max;
  }
  return false;
}

function listsApi(resp: ApiVersionsResponse, apiKey: i16): bool {
  for (let i = 0; i < resp.apiKeys.length; i++) if (resp.apiKeys[i].apiKey == apiKey) return true;
  return false;
}

function apiVersionsOf(env: Env): ApiVersionsResponse {
  const c = env.connect();
  const w = new Writer();
  apiVersions(w, 3);
  const a = send(c, w);
  expect<i32>(a.length).toBe(1);
  const r = body(a[0], ApiKey.ApiVersions, 3, 3);
  const resp = ApiVersionsResponse.decode(r, 3);
  expect<i16>(resp.errorCode).toBe(KafkaError.NONE);
  expect<bool>(c.wantsClose()).toBe(false);
  return resp;
}

describe("SASL: what is listed and served before authentication", () => {
  it("lists SaslHandshake v0-1 and SaslAuthenticate v0-2 only when the configuration has sasl", () => {
    const withSasl = apiVersionsOf(new Env(SASL_ACLS));
    expect<bool>(hasApi(withSasl, ApiKey.SaslHandshake, 0, 1)).toBe(true);
    expect<bool>(hasApi(withSasl, ApiKey.SaslAuthenticate, 0, 2)).toBe(true);
    expect<bool>(hasApi(withSasl, ApiKey.Produce, 3, 13)).toBe(true);
    const plain = apiVersionsOf(new Env(meshConfig("")));
    expect<bool>(listsApi(plain, ApiKey.SaslHandshake)).toBe(false);
    expect<bool>(listsApi(plain, ApiKey.SaslAuthenticate)).toBe(false);
    const tlsOnly = apiVersionsOf(new Env(meshConfig('"tls_principal": "common_name", "acls": []')));
    expect<bool>(listsApi(tlsOnly, ApiKey.SaslHandshake)).toBe(false);
  });

  it("closes a connection without sasl that sends a SaslHandshake", () => {
    const env = new Env(meshConfig(""));
    const c = env.connect();
    const w = new Writer();
    handshake(w, 1, 1, "PLAIN");
    expect<i32>(send(c, w).length).toBe(0);
    expect<bool>(c.wantsClose()).toBe(true);
  });

  it("closes the connection, with no answer, on a Metadata or Produce before authentication", () => {
    const env = new Env(SASL_ACLS);
    let c = env.connect();
    let w = new Writer();
    metadata(w, 1, ["bananas"]);
    expect<i32>(send(c, w).length).toBe(0);
    expect<bool>(c.wantsClose()).toBe(true);
    expect<bool>(c.closeReason.includes("before SASL authentication")).toBe(true);

    c = env.connect();
    w = new Writer();
    apiVersions(w, 1);
    produce(w, 2, ["bananas"]);
    const a = send(c, w);
    // ApiVersions is answered; the Produce closes the connection and goes nowhere.
    expect<i32>(a.length).toBe(1);
    expect<bool>(c.wantsClose()).toBe(true);
    expect<i32>(env.http.calls.length).toBe(0);
    expect<i32>(env.events.requests(ANONYMOUS)).toBe(0);
  });

  it("closes on a SaslAuthenticate without a handshake, after ILLEGAL_SASL_STATE, reading nothing after it", () => {
    const env = new Env(SASL_ACLS);
    const c = env.connect();
    const w = new Writer();
    authenticate(w, 2, 5, plainToken("", "alice", ALICE_PASSWORD));
    apiVersions(w, 6);
    const a = send(c, w);
    expect<i32>(a.length).toBe(1);
    const resp = authenticateAnswer(a[0], 2, 5);
    expect<i16>(resp.errorCode).toBe(KafkaError.ILLEGAL_SASL_STATE);
    expect<bool>(c.wantsClose()).toBe(true);
    expect<i32>(env.clock.read("ApiVersions")).toBe(0);
    expect<bool>(env.session!.authenticated).toBe(false);
  });

  it("answers an unknown mechanism with UNSUPPORTED_SASL_MECHANISM and the offered list, then closes", () => {
    const env = new Env(SASL_ACLS);
    const versions: i16[] = [0, 1];
    for (let i = 0; i < versions.length; i++) {
      const c = env.connect();
      const w = new Writer();
      handshake(w, versions[i], 9, "GSSAPI");
      handshake(w, versions[i], 10, "PLAIN");
      const a = send(c, w);
      expect<i32>(a.length).toBe(1);
      const resp = handshakeAnswer(a[0], versions[i], 9);
      expect<i16>(resp.errorCode).toBe(KafkaError.UNSUPPORTED_SASL_MECHANISM);
      expect<i32>(resp.mechanisms.length).toBe(3);
      expect<string>(resp.mechanisms[0]).toBe("PLAIN");
      expect<string>(resp.mechanisms[1]).toBe("SCRAM-SHA-256");
      expect<string>(resp.mechanisms[2]).toBe("SCRAM-SHA-512");
      expect<bool>(c.wantsClose()).toBe(true);
    }
    expect<i32>(env.clock.read("SaslHandshake")).toBe(2);
    expect<i32>(env.events.failures.length).toBe(2);
    expect<string>(env.events.failures[0]).toBe("|GSSAPI|10.0.0.5:40001");
  });

  it("quotes a refused mechanism name in its close reason escaped and cut short, so it cannot forge log lines", () => {
    const env = new Env(SASL_ACLS);
    const c = env.connect();
    const w = new Writer();
    const mechanism = "PLAIN\n[2026-11-30 22:00:00.000][1][info] forged \"line\" \\ \u00e9" + "x".repeat(3000);
    handshake(w, 1, 1, mechanism);
    const a = send(c, w);
    expect<i16>(handshakeAnswer(a[0], 1, 1).errorCode).toBe(KafkaError.UNSUPPORTED_SASL_MECHANISM);
    const why = c.closeReason;
    expect<bool>(why.includes("\n")).toBe(false);
    expect<bool>(why.includes("\"")).toBe(false);
    expect<bool>(why.startsWith("Unsupported SASL mechanism PLAIN\\u000a[2026-11-30 22:00:00.000][1][info] forged \\u0022")).toBe(true);
    expect<bool>(why.endsWith("...(" + mechanism.length.toString() + " chars)")).toBe(true);
    expect<bool>(why.length < 200).toBe(true);
    expect<string>(loggable("PLAIN")).toBe("PLAIN");
    expect<string>(loggable("a\\b\u00e9\u0000", 10)).toBe("a\\u005cb\\u00e9\\u0000");
    expect<string>(loggable("abcdef", 3)).toBe("abc...(6 chars)");
  });

  it("offers only the configured mechanisms", () => {
    const users = usersJson();
    const env = new Env(meshConfig('"sasl": {"mechanisms": ["SCRAM-SHA-512"], "users": ' + users + "}"));
    const c = env.connect();
    const w = new Writer();
    handshake(w, 1, 1, "PLAIN");
    const resp = handshakeAnswer(send(c, w)[0], 1, 1);
    expect<i16>(resp.errorCode).toBe(KafkaError.UNSUPPORTED_SASL_MECHANISM);
    expect<i32>(resp.mechanisms.length).toBe(1);
    expect<string>(resp.mechanisms[0]).toBe("SCRAM-SHA-512");
  });

  it("closes a connection whose frame before authentication is over 512 KiB, and takes larger ones after", () => {
    const env = new Env(SASL_ACLS);
    let c = env.connect();
    let w = new Writer();
    w.int32(MAX_UNAUTHENTICATED_FRAME_BYTES);
    c.onData(toBytes(w));
    expect<bool>(c.wantsClose()).toBe(false);

    c = env.connect();
    w = new Writer();
    w.int32(MAX_UNAUTHENTICATED_FRAME_BYTES + 1);
    c.onData(toBytes(w));
    expect<bool>(c.wantsClose()).toBe(true);
    expect<bool>(c.closeReason.includes("over the limit")).toBe(true);

    // The cap also holds for the raw tokens of a v0 handshake.
    c = env.connect();
    w = new Writer();
    handshake(w, 0, 1, "PLAIN");
    w.int32(MAX_UNAUTHENTICATED_FRAME_BYTES + 1);
    c.onData(toBytes(w));
    expect<bool>(c.wantsClose()).toBe(true);

    c = loggedIn(env, "alice", ALICE_PASSWORD);
    w = new Writer();
    w.int32(2 * MAX_UNAUTHENTICATED_FRAME_BYTES);
    c.onData(toBytes(w));
    expect<bool>(c.wantsClose()).toBe(false);
  });
});

describe("SASL PLAIN", () => {
  it("authenticates alice (handshake v1, SaslAuthenticate v2) and serves her Produce", () => {
    const env = new Env(SASL_ACLS);
    const c = env.connect();
    const resp = plainLogin(c, "alice", ALICE_PASSWORD);
    expect<i16>(resp.errorCode).toBe(KafkaError.NONE);
    expect<bool>(resp.errorMessage === null).toBe(true);
    expect<i32>(resp.authBytes.length).toBe(0);
    expect<i64>(resp.sessionLifetimeMs).toBe(60000);
    expect<bool>(c.wantsClose()).toBe(false);
    expect<string>(env.session!.principal).toBe("User:alice");

    const w = new Writer();
    produce(w, 3, ["bananas"]);
    c.onData(toBytes(w));
    expect<i32>(env.http.calls.length).toBe(1);
    expect<string>(env.http.calls[0].path).toBe("/topics/bananas");
    answer(env.http, 0, 200, OFFSETS_100);
    const a = frames(c.takeAnswers());
    expect<i32>(a.length).toBe(1);
    const p = produceAnswer(a[0], 3).responses[0].partitionResponses[0];
    expect<i16>(p.errorCode).toBe(KafkaError.NONE);
    expect<i64>(p.baseOffset).toBe(100);
    expect<string>(env.events.authentications[0]).toBe("User:alice PLAIN 10.0.0.5:40001");
  });

  it("authenticates at every SaslAuthenticate version, with the session lifetime from v1", () => {
    for (let v: i16 = 0; v <= 2; v++) {
      const env = new Env(SASL_ACLS);
      const c = env.connect();
      const w = new Writer();
      handshake(w, 1, 1, "PLAIN");
      authenticate(w, v, 2, plainToken("alice", "alice", ALICE_PASSWORD));
      const a = send(c, w);
      const resp = authenticateAnswer(a[1], v, 2);
      expect<i16>(resp.errorCode).toBe(KafkaError.NONE);
      expect<i64>(resp.sessionLifetimeMs).toBe(v >= 1 ? 60000 : 0);
      expect<bool>(env.session!.authenticated).toBe(true);
    }
  });

  it("checks PLAIN against the Kafka-written SCRAM credential of a UTF-8 password (bob, 8192 iterations)", () => {
    const env = new Env(SASL_ACLS);
    loggedIn(env, "bob", BOB_PASSWORD);
  });

  it("answers a wrong password with SASL_AUTHENTICATION_FAILED, then closes and reads nothing after", () => {
    const env = new Env(SASL_ACLS);
    const c = env.connect();
    const w = new Writer();
    handshake(w, 1, 1, "PLAIN");
    authenticate(w, 2, 2, plainToken("", "alice", "alice-secreT"));
    metadata(w, 3, ["bananas"]);
    produce(w, 4, ["bananas"]);
    c.onData(toBytes(w));
    expect<bool>(c.wantsClose()).toBe(false);
    const a = frames(c.takeAnswers());
    expect<i32>(a.length).toBe(2);
    const resp = authenticateAnswer(a[1], 2, 2);
    expect<i16>(resp.errorCode).toBe(KafkaError.SASL_AUTHENTICATION_FAILED);
    expect<string>(resp.errorMessage!).toBe("Authentication failed: Invalid username or password");
    expect<i32>(resp.authBytes.length).toBe(0);
    expect<i64>(resp.sessionLifetimeMs).toBe(0);
    // Closed once the answer is out: the requests after it were never read.
    expect<bool>(c.wantsClose()).toBe(true);
    expect<i32>(env.clock.read("Metadata")).toBe(0);
    expect<i32>(env.clock.read("Produce")).toBe(0);
    expect<i32>(env.http.calls.length).toBe(0);
    expect<bool>(env.session!.authenticated).toBe(false);
    expect<string>(env.session!.principal).toBe(ANONYMOUS);
    // More bytes from the client change nothing.
    const more = new Writer();
    metadata(more, 5, ["bananas"]);
    c.onData(toBytes(more));
    expect<bool>(c.takeAnswers() === null).toBe(true);
    expect<i32>(env.clock.read("Metadata")).toBe(0);
  });

  it("fails unknown users, empty and malformed tokens, authorization ids of someone else", () => {
    const env = new Env(SASL_ACLS);
    const tokens: Array<Uint8Array> = [
      plainToken("", "mallory", ALICE_PASSWORD),
      plainToken("bob", "alice", ALICE_PASSWORD),
      plainToken("", "alice", ""),
      plainToken("", "", ALICE_PASSWORD),
      bytes("alice"),
      new Uint8Array(0),
      new Uint8Array(65537),
    ];
    for (let i = 0; i < tokens.length; i++) {
      const c = env.connect();
      const w = new Writer();
      handshake(w, 1, 1, "PLAIN");
      authenticate(w, 1, 2, tokens[i]);
      const a = send(c, w);
      expect<i32>(a.length).toBe(2, "token " + i.toString());
      expect<i16>(authenticateAnswer(a[1], 1, 2).errorCode).toBe(KafkaError.SASL_AUTHENTICATION_FAILED, "token " + i.toString());
      expect<bool>(c.wantsClose()).toBe(true);
    }
    expect<i32>(env.events.authentications.length).toBe(0);
    expect<i32>(env.events.failures.length).toBe(tokens.length);
    // An unknown name is reported without it; a configured user with it.
    expect<string>(env.events.failures[0]).toBe("|PLAIN|10.0.0.5:40001");
    expect<string>(env.events.failures[1]).toBe("User:alice|PLAIN|10.0.0.5:40001");
    expect<string>(env.events.failures[2]).toBe("|PLAIN|10.0.0.5:40001");
  });

  it("answers raw tokens after a v0 handshake: an empty frame for PLAIN, then Kafka requests", () => {
    const env = new Env(SASL_ACLS);
    const c = env.connect();
    const w = new Writer();
    handshake(w, 0, 1, "PLAIN");
    raw(w, plainToken("", "alice", ALICE_PASSWORD));
    metadata(w, 2, ["bananas"]);
    c.onData(toBytes(w));
    const out = c.takeAnswers()!;
    const r = new Reader(out);
    // Handshake answer, then the raw answer: a size prefix of 0 and nothing else.
    const first = r.int32();
    expect<i16>(handshakeAnswer(out.slice(4, 4 + first), 0, 1).errorCode).toBe(KafkaError.NONE);
    r.skip(first);
    expect<i32>(r.int32()).toBe(0);
    const rest = out.slice(r.pos);
    const a = frames(rest);
    expect<i32>(a.length).toBe(1);
    expect<i16>(metadataAnswer(a[0], 2).topics[0].errorCode).toBe(KafkaError.NONE);
    expect<bool>(c.wantsClose()).toBe(false);
    expect<string>(env.session!.principal).toBe("User:alice");
  });

  it("closes without an answer when a raw PLAIN token fails", () => {
    const env = new Env(SASL_ACLS);
    const c = env.connect();
    const w = new Writer();
    handshake(w, 0, 1, "PLAIN");
    raw(w, plainToken("", "alice", "nope"));
    metadata(w, 2, ["bananas"]);
    c.onData(toBytes(w));
    const a = frames(c.takeAnswers());
    // Only the handshake's answer.
    expect<i32>(a.length).toBe(1);
    expect<bool>(c.wantsClose()).toBe(true);
    expect<i32>(env.clock.read("Metadata")).toBe(0);
    expect<i32>(env.events.failures.length).toBe(1);
  });
});

/** The SCRAM exchange of vector v through a handshake v1 and SaslAuthenticate v2, Kafka's client messages verbatim. */
function scramExchange(env: Env, c: Connection, v: ExchangeVector, reauthentication: bool = false): void {
  let w = new Writer();
  handshake(w, 1, 1, v.mechanism);
  authenticate(w, 2, 2, bytes(v.clientFirst));
  let a = send(c, w);
  expect<i32>(a.length).toBe(2);
  expect<i16>(handshakeAnswer(a[0], 1, 1).errorCode).toBe(KafkaError.NONE);
  const first = authenticateAnswer(a[1], 2, 2);
  expect<i16>(first.errorCode).toBe(KafkaError.NONE);
  expect<string>(text(first.authBytes)).toBe(v.serverFirst);
  expect<i64>(first.sessionLifetimeMs).toBe(0);
  // A re-authenticating connection stays authenticated (as its earlier self) meanwhile.
  expect<bool>(env.session!.authenticated).toBe(reauthentication);

  w = new Writer();
  authenticate(w, 2, 3, bytes(v.clientFinal));
  a = send(c, w);
  expect<i32>(a.length).toBe(1);
  const fin = authenticateAnswer(a[0], 2, 3);
  expect<i16>(fin.errorCode).toBe(KafkaError.NONE);
  expect<string>(text(fin.authBytes)).toBe(v.serverFinal);
  expect<i64>(fin.sessionLifetimeMs).toBe(60000);
  expect<bool>(env.session!.authenticated).toBe(true);
  expect<string>(env.session!.principal).toBe("User:" + v.user);
  expect<bool>(c.wantsClose()).toBe(false);
}

describe("SASL SCRAM", () => {
  it("runs Kafka's SCRAM-SHA-256 exchange for alice through the connection, then serves her", () => {
    const env = new Env(SASL_ACLS, hex(ALICE_256.serverNonceRandom));
    const c = env.connect();
    scramExchange(env, c, ALICE_256);
    expect<i32>(env.random.calls).toBe(1);
    const w = new Writer();
    metadata(w, 4, ["bananas"]);
    const a = send(c, w);
    expect<i16>(metadataAnswer(a[0], 4).topics[0].errorCode).toBe(KafkaError.NONE);
    expect<string>(env.events.authentications[0]).toBe("User:alice SCRAM-SHA-256 10.0.0.5:40001");
  });

  it("runs Kafka's SCRAM-SHA-512 exchange for alice through the connection", () => {
    const env = new Env(SASL_ACLS, hex(ALICE_512.serverNonceRandom));
    scramExchange(env, env.connect(), ALICE_512);
  });

  it("runs SCRAM-SHA-512 over raw tokens after a v0 handshake", () => {
    const env = new Env(SASL_ACLS, hex(ALICE_512.serverNonceRandom));
    const c = env.connect();
    let w = new Writer();
    handshake(w, 0, 1, "SCRAM-SHA-512");
    raw(w, bytes(ALICE_512.clientFirst));
    c.onData(toBytes(w));
    let out = c.takeAnswers()!;
    let r = new Reader(out);
    const hs = r.int32();
    expect<i16>(handshakeAnswer(out.slice(4, 4 + hs), 0, 1).errorCode).toBe(KafkaError.NONE);
    r.skip(hs);
    const n = r.int32();
    expect<string>(text(out.slice(r.pos, r.pos + n))).toBe(ALICE_512.serverFirst);
    w = new Writer();
    raw(w, bytes(ALICE_512.clientFinal));
    c.onData(toBytes(w));
    out = c.takeAnswers()!;
    r = new Reader(out);
    const m = r.int32();
    expect<i32>(m).toBe(out.length - 4);
    expect<string>(text(out.slice(4))).toBe(ALICE_512.serverFinal);
    expect<string>(env.session!.principal).toBe("User:alice");
    expect<bool>(c.wantsClose()).toBe(false);
  });

  it("fails a client-final message with another proof, or for another nonce, and closes", () => {
    const finals: Array<string> = [
      ALICE_256.clientFinal.replace("p=zzBs", "p=zzBt"),
      ALICE_256.clientFinal.replace("r=fyko+d2lbbFgONRv9qkxdawLPS+q", "r=fyko+d2lbbFgONRv9qkxdawLPS+r"),
      ALICE_256.clientFinal.substring(0, 40),
      "",
    ];
    for (let i = 0; i < finals.length; i++) {
      const env = new Env(SASL_ACLS);
      const c = env.connect();
      const w = new Writer();
      handshake(w, 1, 1, "SCRAM-SHA-256");
      authenticate(w, 2, 2, bytes(ALICE_256.clientFirst));
      authenticate(w, 2, 3, bytes(finals[i]));
      apiVersions(w, 4);
      const a = send(c, w);
      expect<i32>(a.length).toBe(3);
      const resp = authenticateAnswer(a[2], 2, 3);
      expect<i16>(resp.errorCode).toBe(KafkaError.SASL_AUTHENTICATION_FAILED);
      expect<string>(resp.errorMessage!).toBe("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256");
      expect<bool>(c.wantsClose()).toBe(true);
      expect<i32>(env.clock.read("ApiVersions")).toBe(0);
      expect<bool>(env.session!.authenticated).toBe(false);
      expect<string>(env.events.failures[0]).toBe("User:alice|SCRAM-SHA-256|10.0.0.5:40001");
    }
  });

  it("answers an unknown SCRAM user with a salt, fails it at the final message, and reports it without its name", () => {
    const env = new Env(SASL_ACLS);
    const c = env.connect();
    const w = new Writer();
    handshake(w, 1, 1, "SCRAM-SHA-256");
    authenticate(w, 2, 2, bytes("n,,n=mallory,r=fyko+d2lbbFgONRv9qkxdawL"));
    let a = send(c, w);
    const first = authenticateAnswer(a[1], 2, 2);
    expect<i16>(first.errorCode).toBe(KafkaError.NONE);
    expect<bool>(text(first.authBytes).includes(",s=")).toBe(true);
    expect<bool>(text(first.authBytes).includes(",i=4096")).toBe(true);
    const fin = new Writer();
    authenticate(fin, 2, 3, bytes("c=biws,r=" + text(first.authBytes).substring(2, text(first.authBytes).indexOf(",s=")) + ",p=zzBswsifPYT51qgg/dOoTCVtGe1Hx6c+912FC+X6jdM="));
    a = send(c, fin);
    expect<i16>(authenticateAnswer(a[0], 2, 3).errorCode).toBe(KafkaError.SASL_AUTHENTICATION_FAILED);
    expect<bool>(c.wantsClose()).toBe(true);
    expect<string>(env.events.failures[0]).toBe("|SCRAM-SHA-256|10.0.0.5:40001");
  });

  it("fails the exchange when no random bytes can be had for the server nonce", () => {
    const env = new Env(SASL_ACLS);
    env.random.fails = true;
    const c = env.connect();
    const w = new Writer();
    handshake(w, 1, 1, "SCRAM-SHA-256");
    authenticate(w, 2, 2, bytes(ALICE_256.clientFirst));
    const a = send(c, w);
    expect<i16>(authenticateAnswer(a[1], 2, 2).errorCode).toBe(KafkaError.SASL_AUTHENTICATION_FAILED);
    expect<bool>(c.wantsClose()).toBe(true);
  });
});

describe("KIP-368 session expiry and re-authentication", () => {
  it("closes a connection whose session expired on its next request", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    expect<i64>(env.session!.expiresAtMs).toBe(61000);
    env.clock.now = 60999;
    let w = new Writer();
    metadata(w, 3, ["bananas"]);
    expect<i32>(send(c, w).length).toBe(1);
    env.clock.now = 61000;
    w = new Writer();
    produce(w, 4, ["bananas"]);
    expect<i32>(send(c, w).length).toBe(0);
    expect<bool>(c.wantsClose()).toBe(true);
    expect<bool>(c.closeReason.includes("expired")).toBe(true);
    expect<i32>(env.http.calls.length).toBe(0);
  });

  it("takes a re-authentication (handshake and authenticate, same user) after expiry and renews the session", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    env.clock.now = 70000;
    const resp = plainLogin(c, "alice", ALICE_PASSWORD, 10);
    expect<i16>(resp.errorCode).toBe(KafkaError.NONE);
    expect<i64>(resp.sessionLifetimeMs).toBe(60000);
    expect<i64>(env.session!.expiresAtMs).toBe(130000);
    const w = new Writer();
    produce(w, 12, ["bananas"]);
    c.onData(toBytes(w));
    expect<i32>(env.http.calls.length).toBe(1);
    expect<bool>(c.wantsClose()).toBe(false);
    expect<i32>(env.events.authentications.length).toBe(2);
  });

  it("re-authenticates with SCRAM before expiry, on the same mechanism", () => {
    const env = new Env(SASL_ACLS, hex(ALICE_256.serverNonceRandom));
    const c = env.connect();
    scramExchange(env, c, ALICE_256);
    env.clock.now = 30000;
    scramExchange(env, c, ALICE_256, true);
    expect<i64>(env.session!.expiresAtMs).toBe(90000);
  });

  it("refuses a re-authentication as another user and closes", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    env.clock.now = 70000;
    const w = new Writer();
    handshake(w, 1, 10, "PLAIN");
    authenticate(w, 2, 11, plainToken("", "bob", BOB_PASSWORD));
    metadata(w, 12, ["bananas"]);
    const a = send(c, w);
    expect<i32>(a.length).toBe(2);
    const resp = authenticateAnswer(a[1], 2, 11);
    expect<i16>(resp.errorCode).toBe(KafkaError.SASL_AUTHENTICATION_FAILED);
    expect<bool>(resp.errorMessage!.includes("Cannot change principals")).toBe(true);
    expect<bool>(c.wantsClose()).toBe(true);
    expect<string>(env.session!.principal).toBe("User:alice");
    expect<i32>(env.clock.read("Metadata")).toBe(0);
    expect<string>(env.events.failures[0]).toBe("User:bob|PLAIN|10.0.0.5:40001");
  });

  it("refuses a re-authentication with another mechanism and closes", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    const w = new Writer();
    handshake(w, 1, 10, "SCRAM-SHA-256");
    const a = send(c, w);
    expect<i16>(handshakeAnswer(a[0], 1, 10).errorCode).toBe(KafkaError.UNSUPPORTED_SASL_MECHANISM);
    expect<bool>(c.wantsClose()).toBe(true);
  });

  it("a failed re-authentication after expiry closes as well", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    env.clock.now = 70000;
    const resp = plainLogin(c, "alice", "wrong", 10);
    expect<i16>(resp.errorCode).toBe(KafkaError.SASL_AUTHENTICATION_FAILED);
    expect<bool>(c.wantsClose()).toBe(true);
  });

  it("answers a Produce still waiting upstream before the failed re-authentication behind it, then closes", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    const w = new Writer();
    produce(w, 3, ["bananas"]);
    handshake(w, 1, 4, "PLAIN");
    authenticate(w, 2, 5, plainToken("", "alice", "wrong"));
    metadata(w, 6, ["bananas"]);
    c.onData(toBytes(w));
    expect<bool>(c.takeAnswers() === null).toBe(true);
    expect<bool>(c.wantsClose()).toBe(false);
    answer(env.http, 0, 200, OFFSETS_100);
    const a = frames(c.takeAnswers());
    expect<i32>(a.length).toBe(3);
    expect<i16>(produceErrors(a[0], 3)[0]).toBe(KafkaError.NONE);
    expect<i16>(authenticateAnswer(a[2], 2, 5).errorCode).toBe(KafkaError.SASL_AUTHENTICATION_FAILED);
    expect<bool>(c.wantsClose()).toBe(true);
    expect<i32>(env.clock.read("Metadata")).toBe(0);
  });

  it("sessions do not expire without session_lifetime_ms", () => {
    const env = new Env(meshConfig('"sasl": {"mechanisms": ["PLAIN"], "users": ' + usersJson() + "}"));
    const c = env.connect();
    const resp = plainLogin(c, "alice", ALICE_PASSWORD);
    expect<i64>(resp.sessionLifetimeMs).toBe(0);
    env.clock.now = i64.MAX_VALUE >> 2;
    const w = new Writer();
    metadata(w, 5, ["bananas"]);
    expect<i32>(send(c, w).length).toBe(1);
    expect<bool>(c.wantsClose()).toBe(false);
  });
});

// ---- authorization ----

function produceErrors(a: Uint8Array, correlationId: i32): Array<i16> {
  const resp = produceAnswer(a, correlationId);
  const out = new Array<i16>();
  for (let t = 0; t < resp.responses.length; t++) out.push(resp.responses[t].partitionResponses[0].errorCode);
  return out;
}

describe("ACLs: Produce, Metadata, InitProducerId", () => {
  it("fails a denied topic's partitions with TOPIC_AUTHORIZATION_FAILED while the allowed topic goes upstream", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    const w = new Writer();
    produce(w, 3, ["b-secret", "bananas", "apples"]);
    c.onData(toBytes(w));
    // Only bananas goes to its bridge.
    expect<i32>(env.http.calls.length).toBe(1);
    expect<string>(env.http.calls[0].path).toBe("/topics/bananas");
    answer(env.http, 0, 200, OFFSETS_100);
    const a = frames(c.takeAnswers());
    const errors = produceErrors(a[0], 3);
    expect<i16>(errors[0]).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
    expect<i16>(errors[1]).toBe(KafkaError.NONE);
    expect<i16>(errors[2]).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
    expect<bool>(c.wantsClose()).toBe(false);
    expect<i32>(env.events.denials.length).toBe(2);
    expect<string>(env.events.denials[0]).toBe("User:alice Produce WRITE Topic:b-secret");
    expect<string>(env.events.denials[1]).toBe("User:alice Produce WRITE Topic:apples");
    // The connection goes on.
    const more = new Writer();
    metadata(more, 4, ["bananas"]);
    expect<i32>(send(c, more).length).toBe(1);
  });

  it("answers a named Metadata topic the principal may not describe with TOPIC_AUTHORIZATION_FAILED", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    const w = new Writer();
    metadata(w, 3, ["bananas", "avocado", "apricots", "b-secret"]);
    const resp = metadataAnswer(send(c, w)[0], 3);
    expect<i32>(resp.topics.length).toBe(4);
    expect<i16>(resp.topics[0].errorCode).toBe(KafkaError.NONE);
    expect<i32>(resp.topics[0].partitions.length).toBe(5);
    expect<string>(resp.topics[1].name!).toBe("avocado");
    expect<i16>(resp.topics[1].errorCode).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
    expect<i32>(resp.topics[1].partitions.length).toBe(0);
    // DESCRIBE on apricots; a DENY of WRITE does not deny DESCRIBE (b-secret).
    expect<i16>(resp.topics[2].errorCode).toBe(KafkaError.NONE);
    expect<i16>(resp.topics[3].errorCode).toBe(KafkaError.NONE);
    expect<string>(env.events.denials[0]).toBe("User:alice Metadata DESCRIBE Topic:avocado");
  });

  it("answers a topic asked for by id that the principal may not describe with its id, not its name", () => {
    const env = new Env(SASL_ACLS);
    const bob = loggedIn(env, "bob", BOB_PASSWORD);
    let w = new Writer();
    metadata(w, 3, ["avocado", "apricots"]);
    const known = metadataAnswer(send(bob, w)[0], 3);
    const avocado = known.topics[0].topicId;
    expect<bool>(sameBytes(avocado, topicIdFor("avocado"))).toBe(true);

    const alice = loggedIn(env, "alice", ALICE_PASSWORD);
    w = new Writer();
    const start = beginRequest(w, ApiKey.Metadata, 12, 4);
    const req = new MetadataRequest();
    const ids: Array<Uint8Array> = [avocado, known.topics[1].topicId];
    const list = new Array<MetadataRequestTopic>();
    for (let i = 0; i < ids.length; i++) {
      const t = new MetadataRequestTopic();
      t.name = null;
      t.topicId = ids[i];
      list.push(t);
    }
    req.topics = list;
    req.encode(w, 12);
    endRequest(w, start);
    const resp = metadataAnswer(send(alice, w)[0], 4);
    expect<i32>(resp.topics.length).toBe(2);
    expect<i16>(resp.topics[0].errorCode).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
    expect<bool>(resp.topics[0].name === null).toBe(true);
    expect<bool>(sameBytes(resp.topics[0].topicId, avocado)).toBe(true);
    expect<i16>(resp.topics[1].errorCode).toBe(KafkaError.NONE);
    expect<string>(resp.topics[1].name!).toBe("apricots");
  });

  it("lists in an all-topics Metadata only the topics the principal may describe, without counting denials", () => {
    const env = new Env(SASL_ACLS);
    // bob may describe every topic: his request makes them known.
    const bob = loggedIn(env, "bob", BOB_PASSWORD);
    let w = new Writer();
    metadata(w, 3, ["avocado", "bananas", "apples"]);
    expect<i32>(metadataAnswer(send(bob, w)[0], 3).topics.length).toBe(3);
    w = new Writer();
    metadata(w, 4, null);
    expect<i32>(metadataAnswer(send(bob, w)[0], 4).topics.length).toBe(3);

    const alice = loggedIn(env, "alice", ALICE_PASSWORD);
    w = new Writer();
    metadata(w, 5, null);
    const resp = metadataAnswer(send(alice, w)[0], 5);
    expect<i32>(resp.topics.length).toBe(2);
    for (let i = 0; i < resp.topics.length; i++) expect<bool>(resp.topics[i].name! != "avocado").toBe(true);
    expect<i32>(env.events.denials.length).toBe(0);
  });

  it("answers InitProducerId CLUSTER_AUTHORIZATION_FAILED without WRITE on any topic", () => {
    const env = new Env(SASL_ACLS);
    const bob = loggedIn(env, "bob", BOB_PASSWORD);
    let w = new Writer();
    initProducerId(w, 3);
    let r = body(send(bob, w)[0], ApiKey.InitProducerId, 4, 3);
    let resp = InitProducerIdResponse.decode(r, 4);
    expect<i16>(resp.errorCode).toBe(KafkaError.CLUSTER_AUTHORIZATION_FAILED);
    expect<i64>(resp.producerId).toBe(-1);
    expect<string>(env.events.denials[0]).toBe("User:bob InitProducerId WRITE Topic:*");

    const alice = loggedIn(env, "alice", ALICE_PASSWORD);
    w = new Writer();
    initProducerId(w, 4);
    r = body(send(alice, w)[0], ApiKey.InitProducerId, 4, 4);
    resp = InitProducerIdResponse.decode(r, 4);
    expect<i16>(resp.errorCode).toBe(KafkaError.NONE);
    expect<bool>(resp.producerId >= 0).toBe(true);
  });
});

/** Answers a forwarded Fetch with no error and a high watermark of 10 for every asked partition. */
function answerFetch(streams: ForwardStreams, s: Sent): FetchRequest {
  const asked = FetchRequest.decode(s.reader(), s.version);
  const resp = new FetchResponse();
  for (let t = 0; t < asked.topics.length; t++) {
    const rt = new FetchableTopicResponse();
    rt.topic = asked.topics[t].topic;
    rt.topicId = asked.topics[t].topicId;
    for (let p = 0; p < asked.topics[t].partitions.length; p++) {
      const pd = new PartitionData();
      pd.partitionIndex = asked.topics[t].partitions[p].partition;
      pd.highWatermark = 10;
      rt.partitions.push(pd);
    }
    resp.responses.push(rt);
  }
  const w = new Writer();
  resp.encode(w, s.version);
  streams.respond(s, w);
  return asked;
}

function answerListOffsets(streams: ForwardStreams, s: Sent): ListOffsetsRequest {
  const asked = ListOffsetsRequest.decode(s.reader(), s.version);
  const resp = new ListOffsetsResponse();
  for (let t = 0; t < asked.topics.length; t++) {
    const rt = new ListOffsetsTopicResponse();
    rt.name = asked.topics[t].name;
    for (let p = 0; p < asked.topics[t].partitions.length; p++) {
      const rp = new ListOffsetsPartitionResponse();
      rp.partitionIndex = asked.topics[t].partitions[p].partitionIndex;
      rp.offset = 77;
      rt.partitions.push(rp);
    }
    resp.topics.push(rt);
  }
  const w = new Writer();
  resp.encode(w, s.version);
  streams.respond(s, w);
  return asked;
}

describe("ACLs: Fetch and ListOffsets", () => {
  it("fails Fetch partitions without READ with TOPIC_AUTHORIZATION_FAILED and sends nothing upstream for them", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    const w = new Writer();
    // apples: READ (c1); apricots: DESCRIBE only (c2); avocado: nothing (c2).
    fetch(w, 3, ["apples", "apricots", "avocado"]);
    c.onData(toBytes(w));
    expect<i32>(env.streams.sent.length).toBe(1);
    expect<string>(env.streams.sent[0].authority).toBe(C1);
    const asked = answerFetch(env.streams, env.streams.sent[0]);
    expect<i32>(asked.topics.length).toBe(1);
    expect<string>(asked.topics[0].topic).toBe("apples");
    const a = frames(c.takeAnswers());
    expect<i32>(a.length).toBe(1);
    const back = FetchResponse.decode(body(a[0], ApiKey.Fetch, 12, 3), 12);
    expect<i32>(back.responses.length).toBe(3);
    expect<i16>(back.responses[0].partitions[0].errorCode).toBe(KafkaError.NONE);
    expect<i64>(back.responses[0].partitions[0].highWatermark).toBe(10);
    expect<i16>(back.responses[1].partitions[0].errorCode).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
    expect<i16>(back.responses[2].partitions[0].errorCode).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
    expect<i32>(env.events.denials.length).toBe(2);
    expect<string>(env.events.denials[0]).toBe("User:alice Fetch READ Topic:apricots");
    expect<bool>(c.wantsClose()).toBe(false);
  });

  it("fails a Fetch by topic id (v13) of a topic without READ", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    let w = new Writer();
    // Metadata hands the ids out.
    metadata(w, 3, ["apples", "apricots"]);
    send(c, w);
    w = new Writer();
    fetch(w, 4, ["apricots"], 13);
    c.onData(toBytes(w));
    expect<i32>(env.streams.sent.length).toBe(0);
    const back = FetchResponse.decode(body(frames(c.takeAnswers())[0], ApiKey.Fetch, 13, 4), 13);
    expect<i16>(back.responses[0].partitions[0].errorCode).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
  });

  it("fails ListOffsets partitions without DESCRIBE and asks the clusters only for the others", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    const w = new Writer();
    listOffsets(w, 3, ["avocado", "apricots", "apples"]);
    c.onData(toBytes(w));
    expect<i32>(env.streams.sent.length).toBe(2);
    const toC2 = env.streams.to(C2);
    expect<i32>(toC2.length).toBe(1);
    const askedC2 = answerListOffsets(env.streams, toC2[0]);
    expect<i32>(askedC2.topics.length).toBe(1);
    expect<string>(askedC2.topics[0].name).toBe("apricots");
    answerListOffsets(env.streams, env.streams.to(C1)[0]);
    const back = ListOffsetsResponse.decode(body(frames(c.takeAnswers())[0], ApiKey.ListOffsets, 7, 3), 7);
    expect<i32>(back.topics.length).toBe(3);
    expect<i16>(back.topics[0].partitions[0].errorCode).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
    expect<i16>(back.topics[1].partitions[0].errorCode).toBe(KafkaError.NONE);
    expect<i64>(back.topics[1].partitions[0].offset).toBe(77);
    expect<i16>(back.topics[2].partitions[0].errorCode).toBe(KafkaError.NONE);
    expect<string>(env.events.denials[0]).toBe("User:alice ListOffsets DESCRIBE Topic:avocado");
  });
});

function groupAnswer(env: Env, c: Connection, w: Writer, apiKey: i16, version: i16, correlationId: i32): Reader {
  const a = send(c, w);
  expect<i32>(a.length).toBe(1);
  return body(a[0], apiKey, version, correlationId);
}

function listed(id: string): ListedGroup {
  const g = new ListedGroup();
  g.groupId = id;
  g.protocolType = "consumer";
  g.groupState = "Stable";
  return g;
}

function described(id: string): DescribedGroup {
  const g = new DescribedGroup();
  g.groupId = id;
  g.groupState = "Stable";
  g.protocolType = "consumer";
  return g;
}

function v7Topic(name: string): OffsetFetchResponseTopic {
  const t = new OffsetFetchResponseTopic();
  t.name = name;
  const p = new OffsetFetchResponsePartition();
  p.committedOffset = 5;
  t.partitions.push(p);
  return t;
}

describe("ACLs: groups", () => {
  it("FindCoordinator: GROUP_AUTHORIZATION_FAILED for a group without DESCRIBE, whether a rule places it or not", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    const w = new Writer();
    findCoordinator(w, 3, ["g-orders", "g-secret", "billing-view", "billing-x", "nowhere"]);
    const resp = FindCoordinatorResponse.decode(groupAnswer(env, c, w, ApiKey.FindCoordinator, 4, 3), 4);
    expect<i32>(resp.coordinators.length).toBe(5);
    expect<i16>(resp.coordinators[0].errorCode).toBe(KafkaError.NONE);
    expect<i32>(resp.coordinators[0].nodeId).toBe(7);
    // A DENY of READ does not deny DESCRIBE.
    expect<i16>(resp.coordinators[1].errorCode).toBe(KafkaError.NONE);
    expect<i16>(resp.coordinators[2].errorCode).toBe(KafkaError.NONE);
    expect<i16>(resp.coordinators[3].errorCode).toBe(KafkaError.GROUP_AUTHORIZATION_FAILED);
    expect<i32>(resp.coordinators[3].nodeId).toBe(-1);
    expect<i16>(resp.coordinators[4].errorCode).toBe(KafkaError.GROUP_AUTHORIZATION_FAILED);
    expect<string>(env.events.denials[0]).toBe("User:alice FindCoordinator DESCRIBE Group:billing-x");
  });

  it("JoinGroup and Heartbeat need READ on the group: denied ones are answered GROUP_AUTHORIZATION_FAILED and not forwarded", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    let w = new Writer();
    joinGroup(w, 3, "g-secret");
    let resp = JoinGroupResponse.decode(groupAnswer(env, c, w, ApiKey.JoinGroup, 7, 3), 7);
    expect<i16>(resp.errorCode).toBe(KafkaError.GROUP_AUTHORIZATION_FAILED);
    w = new Writer();
    joinGroup(w, 4, "billing-view");
    resp = JoinGroupResponse.decode(groupAnswer(env, c, w, ApiKey.JoinGroup, 7, 4), 7);
    expect<i16>(resp.errorCode).toBe(KafkaError.GROUP_AUTHORIZATION_FAILED);
    w = new Writer();
    heartbeat(w, 5, "g-secret");
    expect<i16>(HeartbeatResponse.decode(groupAnswer(env, c, w, ApiKey.Heartbeat, 4, 5), 4).errorCode).toBe(KafkaError.GROUP_AUTHORIZATION_FAILED);
    expect<i32>(env.streams.sent.length).toBe(0);
    expect<string>(env.events.denials[0]).toBe("User:alice JoinGroup READ Group:g-secret");
    expect<string>(env.events.denials[2]).toBe("User:alice Heartbeat READ Group:g-secret");

    w = new Writer();
    joinGroup(w, 6, "g-orders");
    c.onData(toBytes(w));
    expect<i32>(env.streams.to(C1).length).toBe(1);
    expect<i16>(env.streams.sent[0].apiKey).toBe(ApiKey.JoinGroup);
    expect<bool>(c.wantsClose()).toBe(false);
  });

  it("DescribeGroups: GROUP_AUTHORIZATION_FAILED for the groups without DESCRIBE, the others asked of their cluster", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    const w = new Writer();
    describeGroups(w, 3, ["g-orders", "billing-x", "billing-view"]);
    c.onData(toBytes(w));
    const toC2 = env.streams.to(C2);
    expect<i32>(toC2.length).toBe(1);
    const asked = DescribeGroupsRequest.decode(toC2[0].reader(), 5);
    expect<i32>(asked.groups.length).toBe(1);
    expect<string>(asked.groups[0]).toBe("billing-view");
    let r = new DescribeGroupsResponse();
    r.groups.push(described("billing-view"));
    let rw = new Writer();
    r.encode(rw, 5);
    env.streams.respond(toC2[0], rw);
    r = new DescribeGroupsResponse();
    r.groups.push(described("g-orders"));
    rw = new Writer();
    r.encode(rw, 5);
    env.streams.respond(env.streams.to(C1)[0], rw);
    const resp = DescribeGroupsResponse.decode(body(frames(c.takeAnswers())[0], ApiKey.DescribeGroups, 5, 3), 5);
    expect<i32>(resp.groups.length).toBe(3);
    expect<i16>(resp.groups[0].errorCode).toBe(KafkaError.NONE);
    expect<string>(resp.groups[1].groupId).toBe("billing-x");
    expect<i16>(resp.groups[1].errorCode).toBe(KafkaError.GROUP_AUTHORIZATION_FAILED);
    expect<i16>(resp.groups[2].errorCode).toBe(KafkaError.NONE);
    expect<string>(resp.groups[2].groupState).toBe("Stable");
  });

  it("ListGroups leaves out the groups the principal may not describe, without counting denials", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    const w = new Writer();
    listGroups(w, 3);
    c.onData(toBytes(w));
    let r = new ListGroupsResponse();
    r.groups = [listed("g-orders"), listed("g-secret")];
    let rw = new Writer();
    r.encode(rw, 4);
    env.streams.respond(env.streams.to(C1)[0], rw);
    r = new ListGroupsResponse();
    r.groups = [listed("billing-x"), listed("billing-view")];
    rw = new Writer();
    r.encode(rw, 4);
    env.streams.respond(env.streams.to(C2)[0], rw);
    const resp = ListGroupsResponse.decode(body(frames(c.takeAnswers())[0], ApiKey.ListGroups, 4, 3), 4);
    expect<i32>(resp.groups.length).toBe(3);
    expect<string>(resp.groups[0].groupId).toBe("g-orders");
    expect<string>(resp.groups[1].groupId).toBe("g-secret");
    expect<string>(resp.groups[2].groupId).toBe("billing-view");
    expect<i32>(env.events.denials.length).toBe(0);
  });

  it("OffsetCommit: every partition GROUP_AUTHORIZATION_FAILED without READ on the group, nothing sent", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    const w = new Writer();
    offsetCommit(w, 3, "billing-view", ["apples", "apricots"]);
    const resp = OffsetCommitResponse.decode(groupAnswer(env, c, w, ApiKey.OffsetCommit, 8, 3), 8);
    expect<i32>(resp.topics.length).toBe(2);
    expect<i16>(resp.topics[0].partitions[0].errorCode).toBe(KafkaError.GROUP_AUTHORIZATION_FAILED);
    expect<i16>(resp.topics[1].partitions[0].errorCode).toBe(KafkaError.GROUP_AUTHORIZATION_FAILED);
    expect<i32>(env.streams.sent.length).toBe(0);
    expect<string>(env.events.denials[0]).toBe("User:alice OffsetCommit READ Group:billing-view");
  });

  it("OffsetCommit: TOPIC_AUTHORIZATION_FAILED for topics without READ, the others committed", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    const w = new Writer();
    // apples: READ; bananas: WRITE only; apricots: DESCRIBE only.
    offsetCommit(w, 3, "g-orders", ["apples", "bananas", "apricots"]);
    c.onData(toBytes(w));
    expect<i32>(env.streams.sent.length).toBe(1);
    const s = env.streams.sent[0];
    expect<string>(s.authority).toBe(C1);
    const asked = OffsetCommitRequest.decode(s.reader(), s.version);
    expect<i32>(asked.topics.length).toBe(1);
    expect<string>(asked.topics[0].name).toBe("apples");
    const ok = new OffsetCommitResponse();
    const rt = new OffsetCommitResponseTopic();
    rt.name = "apples";
    rt.partitions.push(new OffsetCommitResponsePartition());
    ok.topics.push(rt);
    const rw = new Writer();
    ok.encode(rw, s.version);
    env.streams.respond(s, rw);
    const resp = OffsetCommitResponse.decode(body(frames(c.takeAnswers())[0], ApiKey.OffsetCommit, 8, 3), 8);
    expect<i16>(resp.topics[0].partitions[0].errorCode).toBe(KafkaError.NONE);
    expect<i16>(resp.topics[1].partitions[0].errorCode).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
    expect<i16>(resp.topics[2].partitions[0].errorCode).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
  });

  it("OffsetFetch: GROUP_AUTHORIZATION_FAILED without DESCRIBE on the group; TOPIC_AUTHORIZATION_FAILED per named topic", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    let w = new Writer();
    offsetFetch(w, 3, "billing-x", ["apples"]);
    let resp = OffsetFetchResponse.decode(groupAnswer(env, c, w, ApiKey.OffsetFetch, 7, 3), 7);
    expect<i16>(resp.errorCode).toBe(KafkaError.GROUP_AUTHORIZATION_FAILED);
    expect<i32>(env.streams.sent.length).toBe(0);

    w = new Writer();
    offsetFetch(w, 4, "g-orders", ["apples", "avocado"]);
    c.onData(toBytes(w));
    expect<i32>(env.streams.sent.length).toBe(1);
    const s = env.streams.sent[0];
    const asked = OffsetFetchRequest.decode(s.reader(), s.version);
    expect<i32>(asked.topics!.length).toBe(1);
    expect<string>(asked.topics![0].name).toBe("apples");
    const ans = new OffsetFetchResponse();
    ans.topics = [v7Topic("apples")];
    const rw = new Writer();
    ans.encode(rw, s.version);
    env.streams.respond(s, rw);
    resp = OffsetFetchResponse.decode(body(frames(c.takeAnswers())[0], ApiKey.OffsetFetch, 7, 4), 7);
    expect<i16>(resp.errorCode).toBe(KafkaError.NONE);
    expect<i32>(resp.topics.length).toBe(2);
    expect<string>(resp.topics[0].name).toBe("apples");
    expect<i64>(resp.topics[0].partitions[0].committedOffset).toBe(5);
    expect<string>(resp.topics[1].name).toBe("avocado");
    expect<i16>(resp.topics[1].partitions[0].errorCode).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
  });

  it("OffsetFetch of all topics leaves out the topics the principal may not describe", () => {
    const env = new Env(SASL_ACLS);
    const c = loggedIn(env, "alice", ALICE_PASSWORD);
    const w = new Writer();
    offsetFetch(w, 3, "g-orders", null);
    c.onData(toBytes(w));
    expect<i32>(env.streams.sent.length).toBe(2);
    let ans = new OffsetFetchResponse();
    ans.topics = [v7Topic("apples")];
    let rw = new Writer();
    ans.encode(rw, 7);
    env.streams.respond(env.streams.to(C1)[0], rw);
    ans = new OffsetFetchResponse();
    ans.topics = [v7Topic("avocado"), v7Topic("apricots")];
    rw = new Writer();
    ans.encode(rw, 7);
    env.streams.respond(env.streams.to(C2)[0], rw);
    const resp = OffsetFetchResponse.decode(body(frames(c.takeAnswers())[0], ApiKey.OffsetFetch, 7, 3), 7);
    expect<i32>(resp.topics.length).toBe(2);
    expect<string>(resp.topics[0].name).toBe("apples");
    expect<string>(resp.topics[1].name).toBe("apricots");
    expect<i32>(env.events.denials.length).toBe(0);
  });
});

describe("ACLs: deny wins, super users, hosts, no acls", () => {
  it("a DENY wins over a wildcard ALLOW for that principal only", () => {
    const env = new Env(meshConfig(SASL + ', "acls": [' + acl("User:*", "ALLOW", "ALL", "TOPIC", "LITERAL", "*") + ", " +
      acl("User:alice", "DENY", "WRITE", "TOPIC", "PREFIXED", "ban") + "]"));
    const alice = loggedIn(env, "alice", ALICE_PASSWORD);
    let w = new Writer();
    produce(w, 3, ["bananas", "b-other"]);
    alice.onData(toBytes(w));
    expect<i32>(env.http.calls.length).toBe(1);
    expect<string>(env.http.calls[0].path).toBe("/topics/b-other");
    const bob = loggedIn(env, "bob", BOB_PASSWORD);
    w = new Writer();
    produce(w, 3, ["bananas"]);
    bob.onData(toBytes(w));
    expect<i32>(env.http.calls.length).toBe(2);
    expect<string>(env.http.calls[1].path).toBe("/topics/bananas");
  });

  it("super users are allowed everything, whatever the ACLs say", () => {
    const env = new Env(meshConfig(SASL + ', "super_users": ["User:bob"], "acls": [' +
      acl("User:bob", "DENY", "ALL", "TOPIC", "LITERAL", "*") + ", " + acl("User:bob", "DENY", "ALL", "GROUP", "LITERAL", "*") + "]"));
    const bob = loggedIn(env, "bob", BOB_PASSWORD);
    let w = new Writer();
    produce(w, 3, ["b-secret"]);
    initProducerId(w, 4);
    joinGroup(w, 5, "billing-x");
    bob.onData(toBytes(w));
    expect<i32>(env.http.calls.length).toBe(1);
    expect<i32>(env.streams.to(C2).length).toBe(1);
    // alice has no ACL at all: denied.
    const alice = loggedIn(env, "alice", ALICE_PASSWORD);
    w = new Writer();
    produce(w, 3, ["b-secret"]);
    const a = send(alice, w);
    expect<i16>(produceErrors(a[0], 3)[0]).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
    expect<i32>(env.http.calls.length).toBe(1);
  });

  it("an ACL with a host allows only connections from that address", () => {
    const env = new Env(meshConfig(SASL + ', "acls": [' + acl("User:alice", "ALLOW", "WRITE", "TOPIC", "PREFIXED", "b", "10.0.0.9") + "]"));
    const far = env.connect("10.0.0.5:40001", "10.0.0.5");
    plainLogin(far, "alice", ALICE_PASSWORD);
    let w = new Writer();
    produce(w, 3, ["bananas"]);
    expect<i16>(produceErrors(send(far, w)[0], 3)[0]).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
    const near = env.connect("10.0.0.9:50000", "10.0.0.9");
    plainLogin(near, "alice", ALICE_PASSWORD);
    w = new Writer();
    produce(w, 3, ["bananas"]);
    near.onData(toBytes(w));
    expect<i32>(env.http.calls.length).toBe(1);
  });

  it("without acls everything is allowed once authenticated", () => {
    const env = new Env(meshConfig(SASL));
    const c = loggedIn(env, "bob", BOB_PASSWORD);
    const w = new Writer();
    produce(w, 3, ["b-secret"]);
    initProducerId(w, 4);
    fetch(w, 5, ["avocado"]);
    joinGroup(w, 6, "billing-x");
    c.onData(toBytes(w));
    expect<i32>(env.http.calls.length).toBe(1);
    expect<i32>(env.streams.to(C2).length).toBe(2);
    const a = frames(c.takeAnswers());
    expect<i32>(a.length).toBe(0); // the Produce waits for its bridge, the rest behind it
    answer(env.http, 0, 200, OFFSETS_100);
    const b = frames(c.takeAnswers());
    expect<i32>(b.length).toBe(2);
    expect<i16>(InitProducerIdResponse.decode(body(b[1], ApiKey.InitProducerId, 4, 4), 4).errorCode).toBe(KafkaError.NONE);
    expect<i32>(env.events.denials.length).toBe(0);
  });
});

const ALICE_SUBJECT = "CN=alice,OU=clients,O=example";

describe("ACLs with the client certificate's principal (no sasl)", () => {
  it("tls_principal subject: User: + the RFC 2253 subject; no certificate is User:ANONYMOUS", () => {
    const env = new Env(meshConfig('"tls_principal": "subject", ' + aliceAndBobAcls("User:" + ALICE_SUBJECT, "User:CN=bob,OU=clients,O=example")));
    const c = env.connect("10.0.0.5:40001", "10.0.0.5", ALICE_SUBJECT);
    expect<string>(env.session!.principal).toBe("User:" + ALICE_SUBJECT);
    expect<bool>(env.session!.authenticated).toBe(true);
    let w = new Writer();
    produce(w, 3, ["bananas", "b-secret"]);
    c.onData(toBytes(w));
    expect<i32>(env.http.calls.length).toBe(1);
    answer(env.http, 0, 200, OFFSETS_100);
    const errors = produceErrors(frames(c.takeAnswers())[0], 3);
    expect<i16>(errors[0]).toBe(KafkaError.NONE);
    expect<i16>(errors[1]).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
    expect<i32>(env.events.requests("User:" + ALICE_SUBJECT)).toBe(1);

    const anon = env.connect("10.0.0.6:40001", "10.0.0.6", "");
    expect<string>(env.session!.principal).toBe(ANONYMOUS);
    w = new Writer();
    produce(w, 4, ["bananas"]);
    expect<i16>(produceErrors(send(anon, w)[0], 4)[0]).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
    expect<string>(env.events.denials[1]).toBe("User:ANONYMOUS Produce WRITE Topic:bananas");

    // The common name alone is not the principal in subject mode.
    const cn = env.connect("10.0.0.7:40001", "10.0.0.7", "CN=alice");
    w = new Writer();
    produce(w, 5, ["bananas"]);
    expect<i16>(produceErrors(send(cn, w)[0], 5)[0]).toBe(KafkaError.TOPIC_AUTHORIZATION_FAILED);
  });

  it("tls_principal common_name: User: + the subject's CN, super users by CN", () => {
    const env = new Env(meshConfig('"tls_principal": "common_name", "super_users": ["User:root"], ' + aliceAndBobAcls()));
    const c = env.connect("10.0.0.5:40001", "10.0.0.5", ALICE_SUBJECT);
    expect<string>(env.session!.principal).toBe("User:alice");
    let w = new Writer();
    fetch(w, 3, ["apples", "avocado"]);
    c.onData(toBytes(w));
    expect<i32>(env.streams.sent.length).toBe(1);

    const root = env.connect("10.0.0.8:40001", "10.0.0.8", "O=example,CN=root");
    expect<string>(env.session!.principal).toBe("User:root");
    w = new Writer();
    fetch(w, 4, ["avocado"]);
    joinGroup(w, 5, "billing-x");
    root.onData(toBytes(w));
    expect<i32>(env.streams.to(C2).length).toBe(2);

    // A CN with an escaped comma; a subject without a CN keeps the whole subject.
    env.connect("1.2.3.4:1", "1.2.3.4", "CN=doe\\, jane,O=example");
    expect<string>(env.session!.principal).toBe("User:doe, jane");
    env.connect("1.2.3.4:2", "1.2.3.4", "O=example,OU=x");
    expect<string>(env.session!.principal).toBe("User:O=example,OU=x");
  });

  it("serves a TLS client without any SASL exchange, and refuses SASL requests", () => {
    const env = new Env(meshConfig('"tls_principal": "common_name"'));
    const c = env.connect("10.0.0.5:40001", "10.0.0.5", ALICE_SUBJECT);
    let w = new Writer();
    metadata(w, 1, ["bananas"]);
    expect<i32>(send(c, w).length).toBe(1);
    expect<i32>(env.events.requests("User:alice")).toBe(1);
    w = new Writer();
    handshake(w, 1, 2, "PLAIN");
    expect<i32>(send(c, w).length).toBe(0);
    expect<bool>(c.wantsClose()).toBe(true);
  });
});

describe("SecurityEvents", () => {
  it("counts requests per principal, authentications, failures (unknown names without a principal) and denials", () => {
    const env = new Env(SASL_ACLS);
    const alice = loggedIn(env, "alice", ALICE_PASSWORD);
    let w = new Writer();
    metadata(w, 3, ["bananas"]);
    metadata(w, 4, ["avocado"]);
    apiVersions(w, 5);
    send(alice, w);
    expect<i32>(env.events.requests("User:alice")).toBe(3);
    expect<i32>(env.events.requests(ANONYMOUS)).toBe(0);
    expect<i32>(env.events.denials.length).toBe(1);

    const mallory = env.connect("10.9.9.9:1234", "10.9.9.9");
    plainLogin(mallory, "mallory", "guess");
    const bobWrong = env.connect("10.9.9.9:1235", "10.9.9.9");
    plainLogin(bobWrong, "bob", "guess");
    const gss = env.connect("10.9.9.9:1236", "10.9.9.9");
    w = new Writer();
    handshake(w, 1, 1, "GSSAPI");
    send(gss, w);

    expect<i32>(env.events.authentications.length).toBe(1);
    expect<i32>(env.events.failures.length).toBe(3);
    expect<string>(env.events.failures[0]).toBe("|PLAIN|10.9.9.9:1234");
    expect<string>(env.events.failures[1]).toBe("User:bob|PLAIN|10.9.9.9:1235");
    expect<string>(env.events.failures[2]).toBe("|GSSAPI|10.9.9.9:1236");
    // Requests before authentication are not any principal's.
    expect<i32>(env.events.requests("User:bob")).toBe(0);
    expect<i32>(env.events.requestsBy.size).toBe(1);
  });
});
