// OffsetCommit and OffsetFetch through the mesh: split by topic to each topic's cluster, the
// Heartbeat fencing of commits to clusters the group does not live on (docs/consumers.md).
import { KafkaError } from "../../assembly/kafka/errors";
import { ApiKey } from "../../assembly/kafka/messages/api_keys";
import { HeartbeatRequest } from "../../assembly/kafka/messages/heartbeat_request";
import { HeartbeatResponse } from "../../assembly/kafka/messages/heartbeat_response";
import { OffsetCommitRequest, OffsetCommitRequestPartition, OffsetCommitRequestTopic } from "../../assembly/kafka/messages/offset_commit_request";
import { OffsetCommitResponse, OffsetCommitResponsePartition, OffsetCommitResponseTopic } from "../../assembly/kafka/messages/offset_commit_response";
import { OffsetFetchRequest, OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics } from "../../assembly/kafka/messages/offset_fetch_request";
import {
  OffsetFetchResponse,
  OffsetFetchResponseGroup,
  OffsetFetchResponsePartition,
  OffsetFetchResponsePartitions,
  OffsetFetchResponseTopic,
  OffsetFetchResponseTopics,
} from "../../assembly/kafka/messages/offset_fetch_response";
import { Writer } from "../../assembly/kafka/wire";
import { Connection } from "../../assembly/mesh/connection";
import { toBytes } from "./helpers/wire";
import { C1, C2, ForwardStreams, groupsMesh, Sent } from "./forward_harness";
import { beginRequest, endRequest, newConnection, splitAnswers } from "./mesh_harness";

const COORDINATOR_NOT_AVAILABLE: i16 = 15;
const ILLEGAL_GENERATION: i16 = 22;
const INVALID_GROUP_ID: i16 = 24;
const REBALANCE_IN_PROGRESS: i16 = 27;
const COORDINATOR_LOAD_IN_PROGRESS: i16 = 14;

function commitTopic(name: string, partitions: Array<i32>): OffsetCommitRequestTopic {
  const t = new OffsetCommitRequestTopic();
  t.name = name;
  for (let i = 0; i < partitions.length; i++) {
    const p = new OffsetCommitRequestPartition();
    p.partitionIndex = partitions[i];
    p.committedOffset = 100 + partitions[i];
    p.committedMetadata = "m";
    t.partitions.push(p);
  }
  return t;
}

/** apples (c1), apricots (c2), bananas (c3, strimzi), cherries (no rule). */
function sendCommit(c: Connection, version: i16, groupId: string, generation: i32, instance: string | null = null): void {
  const req = new OffsetCommitRequest();
  req.groupId = groupId;
  req.generationIdOrMemberEpoch = generation;
  req.memberId = generation >= 0 ? "member-1" : "";
  req.groupInstanceId = instance;
  req.topics = [commitTopic("apples", [0]), commitTopic("apricots", [0]), commitTopic("bananas", [1, 2]), commitTopic("cherries", [0])];
  const w = new Writer();
  const start = beginRequest(w, ApiKey.OffsetCommit, version, 77);
  req.encode(w, version);
  endRequest(w, start);
  c.onData(toBytes(w));
}

/** The cluster accepts every partition of the commit s. */
function commitOk(streams: ForwardStreams, s: Sent): void {
  const req = OffsetCommitRequest.decode(s.reader(), s.version);
  const resp = new OffsetCommitResponse();
  for (let t = 0; t < req.topics.length; t++) {
    const rt = new OffsetCommitResponseTopic();
    rt.name = req.topics[t].name;
    for (let p = 0; p < req.topics[t].partitions.length; p++) {
      const rp = new OffsetCommitResponsePartition();
      rp.partitionIndex = req.topics[t].partitions[p].partitionIndex;
      rt.partitions.push(rp);
    }
    resp.topics.push(rt);
  }
  const w = new Writer();
  resp.encode(w, s.version);
  streams.respond(s, w);
}

function heartbeatAnswer(streams: ForwardStreams, s: Sent, code: i16): void {
  const resp = new HeartbeatResponse();
  resp.errorCode = code;
  const w = new Writer();
  resp.encode(w, s.version);
  streams.respond(s, w);
}

function commitAnswer(c: Connection, version: i16): OffsetCommitResponse {
  const a = splitAnswers(c.takeAnswers(), ApiKey.OffsetCommit, version);
  expect<i32>(a.length).toBe(1);
  expect<i32>(a[0].correlationId).toBe(77);
  const resp = OffsetCommitResponse.decode(a[0].body, version);
  expect<i32>(a[0].body.remaining()).toBe(0);
  return resp;
}

function byApi(list: Array<Sent>, apiKey: i16): Array<Sent> {
  const out = new Array<Sent>();
  for (let i = 0; i < list.length; i++) if (list[i].apiKey == apiKey) out.push(list[i]);
  return out;
}

describe("OffsetCommit", () => {
  it("commits on the group's cluster with the member, and elsewhere as a simple commit after a Heartbeat said NONE", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    sendCommit(c, 8, "g1", 5);
    // c1 (the group's): the commit with the member, and the Heartbeat; c2 waits for it.
    expect<i32>(streams.to(C2).length).toBe(0);
    const toC1 = streams.to(C1);
    expect<i32>(toC1.length).toBe(2);
    const own = byApi(toC1, ApiKey.OffsetCommit)[0];
    const ownReq = OffsetCommitRequest.decode(own.reader(), 8);
    expect<i32>(ownReq.generationIdOrMemberEpoch).toBe(5);
    expect<string>(ownReq.memberId).toBe("member-1");
    expect<i32>(ownReq.topics.length).toBe(1);
    expect<string>(ownReq.topics[0].name).toBe("apples");
    const hb = byApi(toC1, ApiKey.Heartbeat)[0];
    expect<i16>(hb.version).toBe(0);
    const hbReq = HeartbeatRequest.decode(hb.reader(), 0);
    expect<string>(hbReq.groupId).toBe("g1");
    expect<i32>(hbReq.generationId).toBe(5);
    expect<string>(hbReq.memberId).toBe("member-1");

    heartbeatAnswer(streams, hb, KafkaError.NONE);
    const toC2 = streams.to(C2);
    expect<i32>(toC2.length).toBe(1);
    const other = OffsetCommitRequest.decode(toC2[0].reader(), 8);
    expect<string>(other.groupId).toBe("g1");
    expect<i32>(other.generationIdOrMemberEpoch).toBe(-1);
    expect<string>(other.memberId).toBe("");
    expect<string>(other.topics[0].name).toBe("apricots");
    expect<i64>(other.topics[0].partitions[0].committedOffset).toBe(100);

    commitOk(streams, toC2[0]);
    expect<bool>(c.takeAnswers() === null).toBe(true);
    commitOk(streams, own);
    const resp = commitAnswer(c, 8);
    expect<i32>(resp.topics.length).toBe(4);
    expect<string>(resp.topics[0].name).toBe("apples");
    expect<i16>(resp.topics[0].partitions[0].errorCode).toBe(KafkaError.NONE);
    expect<i16>(resp.topics[1].partitions[0].errorCode).toBe(KafkaError.NONE);
    expect<i32>(resp.topics[2].partitions.length).toBe(2);
    expect<i32>(resp.topics[2].partitions[1].partitionIndex).toBe(2);
    expect<i16>(resp.topics[2].partitions[1].errorCode).toBe(KafkaError.UNSUPPORTED_VERSION);
    expect<i16>(resp.topics[3].partitions[0].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
  });
  it("lets the commit through while the group prepares a rebalance (REBALANCE_IN_PROGRESS)", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    sendCommit(c, 6, "g1", 5);
    heartbeatAnswer(streams, byApi(streams.to(C1), ApiKey.Heartbeat)[0], REBALANCE_IN_PROGRESS);
    expect<i32>(streams.to(C2).length).toBe(1);
    commitOk(streams, streams.to(C2)[0]);
    commitOk(streams, byApi(streams.to(C1), ApiKey.OffsetCommit)[0]);
    const resp = commitAnswer(c, 6);
    expect<i16>(resp.topics[1].partitions[0].errorCode).toBe(KafkaError.NONE);
  });
  it("fails the other clusters' partitions with ILLEGAL_GENERATION without sending them", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    sendCommit(c, 8, "g1", 4);
    heartbeatAnswer(streams, byApi(streams.to(C1), ApiKey.Heartbeat)[0], ILLEGAL_GENERATION);
    expect<i32>(streams.to(C2).length).toBe(0);
    commitOk(streams, byApi(streams.to(C1), ApiKey.OffsetCommit)[0]);
    const resp = commitAnswer(c, 8);
    expect<i16>(resp.topics[0].partitions[0].errorCode).toBe(KafkaError.NONE);
    expect<i16>(resp.topics[1].partitions[0].errorCode).toBe(ILLEGAL_GENERATION);
  });
  it("sends a generation -1 commit to every cluster at once, without a Heartbeat", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    sendCommit(c, 2, "g1", -1);
    expect<i32>(byApi(streams.sent, ApiKey.Heartbeat).length).toBe(0);
    expect<i32>(streams.to(C1).length).toBe(1);
    expect<i32>(streams.to(C2).length).toBe(1);
    expect<i64>(OffsetCommitRequest.decode(streams.to(C2)[0].reader(), 2).retentionTimeMs).toBe(-1);
    commitOk(streams, streams.to(C1)[0]);
    commitOk(streams, streams.to(C2)[0]);
    expect<i16>(commitAnswer(c, 2).topics[1].partitions[0].errorCode).toBe(KafkaError.NONE);
  });
  it("carries a static member's instance id in a v3 Heartbeat, and not to the other clusters", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    sendCommit(c, 7, "billing-x", 9, "instance-a");
    // The group lives on c2: c2 gets the member's commit and the Heartbeat, c1 waits.
    const hb = byApi(streams.to(C2), ApiKey.Heartbeat)[0];
    expect<i16>(hb.version).toBe(3);
    expect<string>(HeartbeatRequest.decode(hb.reader(), 3).groupInstanceId!).toBe("instance-a");
    const own = OffsetCommitRequest.decode(byApi(streams.to(C2), ApiKey.OffsetCommit)[0].reader(), 7);
    expect<string>(own.groupInstanceId!).toBe("instance-a");
    heartbeatAnswer(streams, hb, KafkaError.NONE);
    const other = OffsetCommitRequest.decode(streams.to(C1)[0].reader(), 7);
    expect<bool>(other.groupInstanceId === null).toBe(true);
    expect<i32>(other.generationIdOrMemberEpoch).toBe(-1);
  });
  it("answers COORDINATOR_NOT_AVAILABLE when the group's stream is lost before the Heartbeat answered", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    sendCommit(c, 8, "g1", 5);
    streams.close(streams.to(C1)[0].stream, 14);
    expect<i32>(streams.to(C2).length).toBe(0);
    const resp = commitAnswer(c, 8);
    expect<i16>(resp.topics[0].partitions[0].errorCode).toBe(COORDINATOR_NOT_AVAILABLE);
    expect<i16>(resp.topics[1].partitions[0].errorCode).toBe(COORDINATOR_NOT_AVAILABLE);
    expect<i16>(resp.topics[2].partitions[0].errorCode).toBe(KafkaError.UNSUPPORTED_VERSION);
  });
  it("answers INVALID_GROUP_ID for a group no rule places, sending nothing", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    sendCommit(c, 8, "other", 5);
    expect<i32>(streams.sent.length).toBe(0);
    const resp = commitAnswer(c, 8);
    expect<i16>(resp.topics[0].partitions[0].errorCode).toBe(INVALID_GROUP_ID);
    expect<i16>(resp.topics[3].partitions[0].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
  });
});

function v7Topic(name: string, offset: i64): OffsetFetchResponseTopic {
  const t = new OffsetFetchResponseTopic();
  t.name = name;
  const p = new OffsetFetchResponsePartition();
  p.committedOffset = offset;
  p.metadata = "meta";
  t.partitions.push(p);
  return t;
}

function v8Topic(name: string, offset: i64): OffsetFetchResponseTopics {
  const t = new OffsetFetchResponseTopics();
  t.name = name;
  const p = new OffsetFetchResponsePartitions();
  p.committedOffset = offset;
  t.partitions.push(p);
  return t;
}

function fetchAnswer(c: Connection, version: i16): OffsetFetchResponse {
  const a = splitAnswers(c.takeAnswers(), ApiKey.OffsetFetch, version);
  expect<i32>(a.length).toBe(1);
  const resp = OffsetFetchResponse.decode(a[0].body, version);
  expect<i32>(a[0].body.remaining()).toBe(0);
  return resp;
}

describe("OffsetFetch", () => {
  it("asks every native cluster for all topics and keeps from each the topics routed there (v7)", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    const req = new OffsetFetchRequest();
    req.groupId = "g1";
    req.topics = null;
    req.requireStable = true;
    const w = new Writer();
    const start = beginRequest(w, ApiKey.OffsetFetch, 7, 5);
    req.encode(w, 7);
    endRequest(w, start);
    c.onData(toBytes(w));
    expect<i32>(streams.sent.length).toBe(2);
    const asked = OffsetFetchRequest.decode(streams.to(C2)[0].reader(), 7);
    expect<bool>(asked.topics === null).toBe(true);
    expect<bool>(asked.requireStable).toBe(true);
    // c1 still holds offsets of apricots (now routed to c2); c2 of app-old (routed to c1).
    const r1 = new OffsetFetchResponse();
    r1.topics = [v7Topic("apples", 10), v7Topic("apricots", 999)];
    let rw = new Writer();
    r1.encode(rw, 7);
    streams.respond(streams.to(C1)[0], rw);
    const r2 = new OffsetFetchResponse();
    r2.topics = [v7Topic("app-old", 999), v7Topic("apricots", 20)];
    rw = new Writer();
    r2.encode(rw, 7);
    streams.respond(streams.to(C2)[0], rw);
    const resp = fetchAnswer(c, 7);
    expect<i16>(resp.errorCode).toBe(KafkaError.NONE);
    expect<i32>(resp.topics.length).toBe(2);
    expect<string>(resp.topics[0].name).toBe("apples");
    expect<i64>(resp.topics[0].partitions[0].committedOffset).toBe(10);
    expect<string>(resp.topics[0].partitions[0].metadata!).toBe("meta");
    expect<string>(resp.topics[1].name).toBe("apricots");
    expect<i64>(resp.topics[1].partitions[0].committedOffset).toBe(20);
  });
  it("splits listed topics by cluster and answers unrouted and strimzi topics itself (v5)", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    const req = new OffsetFetchRequest();
    req.groupId = "g1";
    const names = ["apricots", "cherries", "apples", "bananas"];
    const topics = new Array<OffsetFetchRequestTopic>();
    for (let i = 0; i < names.length; i++) {
      const t = new OffsetFetchRequestTopic();
      t.name = names[i];
      t.partitionIndexes = [0];
      topics.push(t);
    }
    req.topics = topics;
    const w = new Writer();
    const start = beginRequest(w, ApiKey.OffsetFetch, 5, 5);
    req.encode(w, 5);
    endRequest(w, start);
    c.onData(toBytes(w));
    const asked1 = OffsetFetchRequest.decode(streams.to(C1)[0].reader(), 5);
    expect<i32>(asked1.topics!.length).toBe(1);
    expect<string>(asked1.topics![0].name).toBe("apples");
    const r1 = new OffsetFetchResponse();
    r1.topics = [v7Topic("apples", 10)];
    let rw = new Writer();
    r1.encode(rw, 5);
    streams.respond(streams.to(C1)[0], rw);
    const r2 = new OffsetFetchResponse();
    r2.topics = [v7Topic("apricots", 20)];
    rw = new Writer();
    r2.encode(rw, 5);
    streams.respond(streams.to(C2)[0], rw);
    const resp = fetchAnswer(c, 5);
    expect<i32>(resp.topics.length).toBe(4);
    expect<i64>(resp.topics[0].partitions[0].committedOffset).toBe(20);
    expect<i16>(resp.topics[1].partitions[0].errorCode).toBe(KafkaError.UNKNOWN_TOPIC_OR_PARTITION);
    expect<i64>(resp.topics[1].partitions[0].committedOffset).toBe(-1);
    expect<i64>(resp.topics[2].partitions[0].committedOffset).toBe(10);
    expect<i16>(resp.topics[3].partitions[0].errorCode).toBe(KafkaError.UNSUPPORTED_VERSION);
  });
  it("answers each group of a v8+ request on its own and passes a cluster's group-level error on", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    const req = new OffsetFetchRequest();
    const g1 = new OffsetFetchRequestGroup();
    g1.groupId = "g1";
    g1.topics = null;
    const g2 = new OffsetFetchRequestGroup();
    g2.groupId = "billing-x";
    const t = new OffsetFetchRequestTopics();
    t.name = "apples";
    t.partitionIndexes = [0];
    g2.topics = [t];
    const g3 = new OffsetFetchRequestGroup();
    g3.groupId = "other";
    g3.topics = null;
    req.groups = [g1, g2, g3];
    const w = new Writer();
    const start = beginRequest(w, ApiKey.OffsetFetch, 9, 5);
    req.encode(w, 9);
    endRequest(w, start);
    c.onData(toBytes(w));
    // c1: g1 (all) and billing-x (apples); c2: g1 (all).
    expect<i32>(streams.to(C1).length).toBe(1);
    expect<i32>(streams.to(C2).length).toBe(1);
    const asked1 = OffsetFetchRequest.decode(streams.to(C1)[0].reader(), 9);
    expect<i32>(asked1.groups.length).toBe(2);
    expect<bool>(asked1.groups[0].topics === null).toBe(true);
    expect<string>(asked1.groups[1].topics![0].name).toBe("apples");

    const r1 = new OffsetFetchResponse();
    const a1 = new OffsetFetchResponseGroup();
    a1.groupId = "g1";
    a1.topics = [v8Topic("apples", 10)];
    const a2 = new OffsetFetchResponseGroup();
    a2.groupId = "billing-x";
    a2.topics = [v8Topic("apples", 33)];
    r1.groups = [a1, a2];
    let rw = new Writer();
    r1.encode(rw, 9);
    streams.respond(streams.to(C1)[0], rw);
    const r2 = new OffsetFetchResponse();
    const b1 = new OffsetFetchResponseGroup();
    b1.groupId = "g1";
    b1.errorCode = COORDINATOR_LOAD_IN_PROGRESS;
    r2.groups = [b1];
    rw = new Writer();
    r2.encode(rw, 9);
    streams.respond(streams.to(C2)[0], rw);

    const resp = fetchAnswer(c, 9);
    expect<i32>(resp.groups.length).toBe(3);
    expect<i16>(resp.groups[0].errorCode).toBe(COORDINATOR_LOAD_IN_PROGRESS);
    expect<i32>(resp.groups[0].topics.length).toBe(0);
    expect<i16>(resp.groups[1].errorCode).toBe(KafkaError.NONE);
    expect<i64>(resp.groups[1].topics[0].partitions[0].committedOffset).toBe(33);
    expect<i16>(resp.groups[2].errorCode).toBe(INVALID_GROUP_ID);
  });
  it("answers COORDINATOR_NOT_AVAILABLE for the group when a cluster's stream is lost", () => {
    const streams = new ForwardStreams();
    const c = newConnection(groupsMesh(streams));
    const req = new OffsetFetchRequest();
    req.groupId = "g1";
    req.topics = null;
    const w = new Writer();
    const start = beginRequest(w, ApiKey.OffsetFetch, 6, 5);
    req.encode(w, 6);
    endRequest(w, start);
    c.onData(toBytes(w));
    const r1 = new OffsetFetchResponse();
    r1.topics = [v7Topic("apples", 10)];
    const rw = new Writer();
    r1.encode(rw, 6);
    streams.respond(streams.to(C1)[0], rw);
    streams.close(streams.to(C2)[0].stream, 14);
    const resp = fetchAnswer(c, 6);
    expect<i16>(resp.errorCode).toBe(COORDINATOR_NOT_AVAILABLE);
    expect<i32>(resp.topics.length).toBe(0);
  });
});
